"""The audited party against the owner check of register entries (the policy rule in
force names the owner; an entry naming another is MANIFEST_INVALID on the commit that
writes it; an entry a change leaves exactly as a parent held it is not the change's doing,
so a policy change moving a folder is not blamed for the entries relabelled after). On real
signed histories: entries moved to another party's folder under the owner they had (by a
commit, an evil or octopus merge, either parent order), rewritten under the old owner after
a policy change, or owned as a proposed policy says before it is in force; owners spelt as
seat, id, in another case or in odd YAML; a new manifest in flow style; one id listed in two
manifests by two lines; a manifest of one line governing a file listed on the other; a
second root merged in. Each attack asserts the finding code on the commit to blame; each
has a legitimate twin that stays clean.

The module's history (``built``): an approved policy change lets fab's doc-control write
the registrant's folders too (design/**, process/**: still acme's, so acme's approval and
acknowledgement apply); zhao registers records/B-1.csv as BR-1 in the root manifest
(owner ``manufacturer``, fab's seat, as records/** names it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from attack_helpers import (
    ack,
    approved_config_change,
    assert_clean,
    assert_found,
    batch_lines,
    checkout,
    clone,
    compose_tree,
    edit_yaml,
    git_merge,
    grant_fab_design_rights,
    hand_merge,
    head,
    prepared,
    register,
    show,
    signed_commit_tree,
    transfer,
    verify,
)
from conftest import SshKey, commit_as, git

Keys = dict[str, SshKey]
BATCH = b"batch 1\n"


def build(repo: Path, keys: Keys) -> None:
    approved_config_change(repo, keys, grant_fab_design_rights)
    register(repo, "records/B-1.csv", BATCH, "BR-1", category="batch-record")
    commit_as(repo, keys["zhao"], "batch 1")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, base_repo: Path, keys: Keys) -> Path:
    return prepared(tmp_path_factory, base_repo, lambda r: build(r, keys))


@pytest.fixture
def repo(built: Path, tmp_path: Path) -> Path:
    return clone(built, tmp_path)


def _entry(doc_id: str, **changes: Any) -> Any:
    def change(d: Any) -> None:
        for e in d["documents"]:
            if e["id"] == doc_id:
                e.update(changes)
    return change


def _blamed(repo: Path, commit: str) -> list[tuple[str, str | None, str]]:
    return sorted((f["code"], f["path"], f["message"]) for f in verify(repo)[1]
                  if f["commit"] == commit)


def test_the_history_verifies_clean(repo: Path) -> None:
    assert_clean(repo)


# -- an entry moved to a folder another party owns, under the owner it had ------------------
@pytest.mark.parametrize("owner", [
    "manufacturer", "fab", "registrant", "acme"])
def test_entry_moved_into_the_registrants_folder(repo: Path, keys: Keys, owner: str) -> None:
    """zhao (who may write process/**, acme's) moves BR-1 to process/: keeping fab as its
    owner (as seat or id) escapes acme's approval; the parent held BR-1 with that owner, but
    at a path records/** owns. Relabelled acme's (seat or id): clean."""
    (repo / "process").mkdir()
    git(repo, "mv", "records/B-1.csv", "process/B-1.csv")
    edit_yaml(repo / "MANIFEST.yaml", _entry("BR-1", path="process/B-1.csv", owner=owner))
    commit_as(repo, keys["zhao"], "BR-1 moved to process/")
    moved = head(repo)
    if owner in ("registrant", "acme"):
        assert_clean(repo)
        return
    findings = assert_found(repo, "MANIFEST_INVALID", commit=moved, path="MANIFEST.yaml")
    assert any("owner" in f["message"] for f in findings if f["commit"] == moved), findings


@pytest.mark.parametrize("octopus", [False, True])
def test_evil_merge_moves_the_entry_keeping_its_owner(repo: Path, keys: Keys,
                                                      octopus: bool) -> None:
    """Each side leaves BR-1 alone; the merge's own tree moves it to process/ keeping fab as
    owner. A parent held BR-1, owner fab, but at records/: the merge's doing."""
    ours, tips, manifest, take = batch_lines(repo, keys["zhao"], head(repo),
                                             (2, 3) if octopus else (2,), 4)
    _entry("BR-1", path="process/B-1.csv")(manifest)
    tree = compose_tree(repo, ours, take=take, remove=["records/B-1.csv"], write={
        "process/B-1.csv": BATCH,
        "MANIFEST.yaml": yaml.safe_dump(manifest, sort_keys=False).encode()})
    bad = hand_merge(repo, keys["zhao"], [ours, *tips], tree)
    findings = assert_found(repo, "MANIFEST_INVALID", commit=bad, path="MANIFEST.yaml")
    assert any("owner" in f["message"] for f in findings if f["commit"] == bad), findings
    # the twin: the same merge without the move is clean
    checkout(repo, ours)
    manifest["documents"] = [e for e in manifest["documents"] if e["id"] != "BR-1"] + [
        next(e for e in yaml.safe_load(show(repo, ours, "MANIFEST.yaml"))["documents"]
             if e["id"] == "BR-1")]
    tree = compose_tree(repo, ours, take=take, write={
        "MANIFEST.yaml": yaml.safe_dump(manifest, sort_keys=False).encode()})
    hand_merge(repo, keys["zhao"], [ours, *tips], tree)
    assert_clean(repo)


# -- owners spelt otherwise ----------------------------------------------------------------
@pytest.mark.parametrize(("owner", "code"), [("fab", None), ("Fab", "MANIFEST_INVALID"),
                                             ("MANUFACTURER", "MANIFEST_INVALID"),
                                             ("registrant", "MANIFEST_INVALID"),
                                             (" fab", "MANIFEST_INVALID")])
def test_owner_respelt(repo: Path, keys: Keys, owner: str, code: str | None) -> None:
    """BR-1's owner written as fab's id (the same party as its seat): clean; in another case,
    with a space, or acme's seat: the commit's."""
    edit_yaml(repo / "MANIFEST.yaml", _entry("BR-1", owner=owner))
    commit_as(repo, keys["zhao"], f"BR-1 owner {owner!r}")
    if code is None:
        assert_clean(repo)
    else:
        assert_found(repo, code, commit=head(repo), path="MANIFEST.yaml")


# -- an entry moved to another manifest ----------------------------------------------------
@pytest.mark.parametrize("owner", ["manufacturer", "registrant"])
def test_entry_moved_to_a_new_manifest_of_its_folder(repo: Path, keys: Keys, owner: str) -> None:
    """records/MANIFEST.yaml takes BR-1 over (the root manifest drops it), in odd YAML
    (flow style, quoted keys): under its owner, clean; relabelled acme's, the commit's."""
    entry = next(e for e in yaml.safe_load((repo / "MANIFEST.yaml").read_text())["documents"]
                 if e["id"] == "BR-1")
    entry.update(path="B-1.csv", owner=owner)
    edit_yaml(repo / "MANIFEST.yaml",
              lambda d: d.update(documents=[e for e in d["documents"] if e["id"] != "BR-1"]))
    (repo / "records" / "MANIFEST.yaml").write_text(
        '"format": 1\n"documents": [' + yaml.safe_dump(entry, default_flow_style=True,
                                                         width=10_000).strip() + "]\n")
    commit_as(repo, keys["zhao"], "records/ has its own manifest")
    if owner == "manufacturer":
        assert_clean(repo)
    else:
        assert_found(repo, "MANIFEST_INVALID", commit=head(repo), path="records/MANIFEST.yaml")


@pytest.mark.parametrize("order", ["moved-first", "moved-second"])
def test_merge_moving_the_entry_in_either_parent_order(repo: Path, keys: Keys,
                                                       order: str) -> None:
    """Both parents hold BR-1 at records/ as fab's; the merge's tree (parents in either
    order) lists it at process/ still as fab's: the merge's doing."""
    base = head(repo)
    # side A: BR-1 stays; side B: BR-5 added (other work)
    register(repo, "records/B-5.csv", b"batch 5\n", "BR-5", category="batch-record")
    commit_as(repo, keys["zhao"], "batch 5")
    side = head(repo)
    checkout(repo, base)
    manifest = yaml.safe_load(show(repo, side, "MANIFEST.yaml"))
    _entry("BR-1", path="process/B-1.csv")(manifest)
    tree = compose_tree(repo, side, remove=["records/B-1.csv"], write={
        "process/B-1.csv": BATCH,
        "MANIFEST.yaml": yaml.safe_dump(manifest, sort_keys=False).encode()})
    parents = [base, side] if order == "moved-first" else [side, base]
    bad = hand_merge(repo, keys["zhao"], parents, tree)
    findings = assert_found(repo, "MANIFEST_INVALID", commit=bad, path="MANIFEST.yaml")
    assert any("owner" in f["message"] for f in findings if f["commit"] == bad), findings


# -- a second root merged in ---------------------------------------------------------------
def test_second_root_holding_a_wrong_owner_merged_in(repo: Path, keys: Keys) -> None:
    """A parentless commit (its own .techxfer/ where process/** is fab's) lists
    process/x.txt as fab's; merged in, the merge's parent held it so: the history is still
    rejected, the second root being HISTORY_REWRITTEN."""
    ours = head(repo)
    policy = yaml.safe_load(show(repo, ours, ".techxfer/policy.yaml"))
    policy["rules"][1]["owner"] = "manufacturer"
    manifest = yaml.safe_load(show(repo, ours, "MANIFEST.yaml"))
    entry = dict(next(e for e in manifest["documents"] if e["id"] == "BR-1"),
                 id="PX-1", path="process/x.txt")
    manifest["documents"].append(entry)
    root_tree = compose_tree(repo, ours, write={
        ".techxfer/policy.yaml": yaml.safe_dump(policy, sort_keys=False).encode(),
        "process/x.txt": BATCH,
        "MANIFEST.yaml": yaml.safe_dump(manifest, sort_keys=False).encode()})
    second = signed_commit_tree(repo, keys["zhao"], root_tree, [], "another history")
    tree = compose_tree(repo, ours, take={"process": second, "MANIFEST.yaml": second})
    hand_merge(repo, keys["zhao"], [ours, second], tree)
    assert_found(repo, "HISTORY_REWRITTEN", commit=second)


# -- an entry written while a policy change is proposed, not in force -----------------------
def _process_is_fabs(config: Path) -> None:
    edit_yaml(config / "policy.yaml", lambda d: d["rules"][1].update(owner="manufacturer"))


@pytest.mark.parametrize("fate", ["withdrawn", "approved"])
def test_entry_owned_as_a_proposed_policy_says_before_it_is_in_force(
        repo: Path, keys: Keys, fate: str) -> None:
    """li proposes that the registrant's folders be fab's; before acme decides, zhao lists
    process/y.txt as fab's (the tree's policy says so, the policy in force does not), then
    the proposal is withdrawn (the configuration in force put back): the entry was the
    commit's fault when written. Approved after, it is still written before it was right."""
    _process_is_fabs(repo / ".techxfer")
    tx = transfer(repo, keys["li"], to="acme", kind="policy-change")
    register(repo, "process/y.txt", b"process y\n", "PY-1")
    edit_yaml(repo / "MANIFEST.yaml", _entry("PY-1", owner="manufacturer"))
    commit_as(repo, keys["zhao"], "process y, fab's")
    bad = head(repo)
    if fate == "withdrawn":
        edit_yaml(repo / ".techxfer" / "policy.yaml",
                  lambda d: d["rules"][1].update(owner="registrant"))
        commit_as(repo, keys["li"], "proposal withdrawn")
    else:
        ack(repo, keys["zhang"], tx, "approved")
    findings = assert_found(repo, "MANIFEST_INVALID", commit=bad, path="MANIFEST.yaml")
    assert any("owner" in f["message"] for f in findings if f["commit"] == bad), findings


def test_entry_owned_as_the_approved_policy_says(repo: Path, keys: Keys) -> None:
    """The twin: the same entry written once the proposal is approved is clean."""
    _process_is_fabs(repo / ".techxfer")
    tx = transfer(repo, keys["li"], to="acme", kind="policy-change")
    ack(repo, keys["zhang"], tx, "approved")
    register(repo, "process/y.txt", b"process y\n", "PY-1")
    edit_yaml(repo / "MANIFEST.yaml", _entry("PY-1", owner="manufacturer"))
    commit_as(repo, keys["zhao"], "process y, fab's")
    assert_clean(repo)


# -- an entry revised after a policy change moved its folder, under the old owner ----------
def _records_are_acmes(config: Path) -> None:
    """records/** becomes acme's; both doc-controls still write it."""
    edit_yaml(config / "policy.yaml", lambda d: next(
        r for r in d["rules"] if r["paths"] == ["records/**"]).update(
            owner="registrant", write=["manufacturer:doc-control", "registrant:doc-control"]))


@pytest.mark.parametrize("owner", ["manufacturer", "fab"])
def test_entry_revised_under_the_old_owner_after_the_move(repo: Path, keys: Keys,
                                                         owner: str) -> None:
    """records/** moves to acme (approved); zhao writes BR-1 rev B still naming fab (as the
    parent did, or respelt): the entry is no longer as the parent held it, so its owner is
    the reviser's word against the policy's."""
    approved_config_change(repo, keys, _records_are_acmes, proposer="zhang", approver="li")
    assert_clean(repo)
    register(repo, "records/B-1.csv", b"batch 1 rev B\n", "BR-1", revision="B",
             category="batch-record")
    edit_yaml(repo / "MANIFEST.yaml", _entry("BR-1", owner=owner))
    commit_as(repo, keys["zhao"], "BR-1 rev B")
    findings = assert_found(repo, "MANIFEST_INVALID", commit=head(repo), path="MANIFEST.yaml")
    assert any("owner" in f["message"] for f in findings if f["commit"] == head(repo)), findings


@pytest.mark.parametrize("who", ["zhao", "wang"])
def test_entry_relabelled_or_revised_under_the_new_owner_after_the_move(
        repo: Path, keys: Keys, who: str) -> None:
    """The twins: acme's doc-control relabels BR-1 alone; zhao revises it relabelled. Both
    clean; another entry of the manifest changed meanwhile leaves BR-1 unblamed."""
    approved_config_change(repo, keys, _records_are_acmes, proposer="zhang", approver="li")
    register(repo, "records/B-7.csv", b"batch 7\n", "BR-7", category="batch-record")
    edit_yaml(repo / "MANIFEST.yaml", _entry("BR-7", owner="registrant"))
    commit_as(repo, keys["zhao"], "batch 7, acme's")
    if who == "zhao":
        register(repo, "records/B-1.csv", b"batch 1 rev B\n", "BR-1", revision="B",
                 category="batch-record")
    edit_yaml(repo / "MANIFEST.yaml", _entry("BR-1", owner="registrant"))
    commit_as(repo, keys[who], "BR-1 is acme's")
    assert_clean(repo)


# -- two lines that are each clean, meeting in a merge ----------------------------------------
def _two_lines(repo: Path, keys: Keys, left: Any, right: Any) -> tuple[str, str]:
    base = head(repo)
    git(repo, "checkout", "-q", "-b", "left")
    left()
    commit_as(repo, keys["zhao"], "left")
    git(repo, "checkout", "-q", "-b", "right", base)
    right()
    commit_as(repo, keys["zhao"], "right")
    return head(repo, "left"), head(repo, "right")


@pytest.mark.parametrize("order", ["left-first", "right-first"])
@pytest.mark.parametrize("same_id", [True, False])
def test_one_id_listed_in_two_manifests_by_two_lines(repo: Path, keys: Keys, order: str,
                                                     same_id: bool) -> None:
    """One line lists design/dup.txt in design/MANIFEST.yaml, the other records/B-8.csv in
    the root manifest, under one id (each line alone is clean): the merge that brings them
    together lists it twice, DUPLICATE_ID on the merge whichever parent is first (the
    register's first-wins order is by manifest path, not by parent). Twin: two ids, clean."""
    doc_id = "DUP-1" if same_id else "DUP-2"
    left, right = _two_lines(
        repo, keys,
        lambda: register(repo, "design/dup.txt", b"dup\n", "DUP-1"),
        lambda: register(repo, "records/B-8.csv", b"batch 8\n", doc_id,
                         category="batch-record"))
    first, second = (left, right) if order == "left-first" else (right, left)
    checkout(repo, first)
    git(repo, "checkout", "-q", "-B", "merged")
    merge = git_merge(repo, keys["zhao"], second)
    if same_id:
        assert_found(repo, "DUPLICATE_ID", commit=merge)
    else:
        assert_clean(repo)


@pytest.mark.parametrize("order", ["left-first", "right-first"])
def test_a_manifest_on_one_line_governs_a_file_listed_on_the_other(repo: Path, keys: Keys,
                                                                   order: str) -> None:
    """One line gives records/ its own manifest (BR-1 moved there); the other adds
    records/B-9.csv to the root manifest. Each is clean; the merged tree lists B-9 in a
    manifest that no longer governs it: MANIFEST_INVALID on the merge (the merge's state
    must see the new manifest's folder, however its sorted paths were moved forward)."""
    def own_manifest() -> None:
        entry = next(e for e in yaml.safe_load((repo / "MANIFEST.yaml").read_text())[
            "documents"] if e["id"] == "BR-1")
        edit_yaml(repo / "MANIFEST.yaml",
                  lambda d: d.update(documents=[e for e in d["documents"] if e["id"] != "BR-1"]))
        (repo / "records" / "MANIFEST.yaml").write_text(yaml.safe_dump(
            {"format": 1, "documents": [dict(entry, path="B-1.csv")]}, sort_keys=False))

    left, right = _two_lines(
        repo, keys, own_manifest,
        lambda: register(repo, "records/B-9.csv", b"batch 9\n", "BR-9",
                         category="batch-record"))
    assert_clean(repo)  # the right line alone
    manifest = yaml.safe_load(show(repo, left, "MANIFEST.yaml"))
    manifest["documents"].append(next(e for e in yaml.safe_load(show(
        repo, right, "MANIFEST.yaml"))["documents"] if e["id"] == "BR-9"))
    tree = compose_tree(repo, left, take={"records/B-9.csv": right}, write={
        "MANIFEST.yaml": yaml.safe_dump(manifest, sort_keys=False).encode()})
    merge = hand_merge(repo, keys["zhao"], [left, right] if order == "left-first"
                       else [right, left], tree)
    assert_found(repo, {"MANIFEST_INVALID", "UNLISTED_FILE"}, commit=merge)


# -- owners in odd YAML ---------------------------------------------------------------------
@pytest.mark.parametrize(("spelt", "bad"), [
    ('"regis\\x74rant"', True), ("'registrant'", True), ("!!str registrant", True),
    ("registrant # manufacturer", True), ('"registrant" # manufacturer', True),
    ("&o registrant", True), ('"\\u0061cme"', True), ("|-\n    acme", True),
    ('"manu\\x66acturer"', False), ("manufacturer # registrant", False),
    (">-\n    manufacturer", False)])
def test_owner_written_in_odd_yaml(repo: Path, keys: Keys, spelt: str, bad: bool) -> None:
    """BR-1's owner line rewritten by hand in YAML styles a line reader could misread
    (escapes, quotes, tags, anchors, comments naming the other party, block scalars): the
    verdict is YAML's value, acme (the commit's fault) or fab (clean)."""
    text = (repo / "MANIFEST.yaml").read_text()
    lines = text.split("\n")
    at = max(i for i, line in enumerate(lines) if line.strip().removeprefix("- ") == "id: BR-1")
    at = next(i for i in range(at, len(lines)) if lines[i].strip() == "owner: manufacturer")
    indent = lines[at][: len(lines[at]) - len(lines[at].lstrip())]
    lines[at] = f"{indent}owner: {spelt}"
    (repo / "MANIFEST.yaml").write_text("\n".join(lines))
    commit_as(repo, keys["zhao"], "BR-1's owner in odd YAML")
    if bad:
        findings = assert_found(repo, "MANIFEST_INVALID", commit=head(repo), path="MANIFEST.yaml")
        if not spelt.startswith("&"):  # an anchor: the manifest is refused as a whole
            assert any("owner" in f["message"] for f in findings
                       if f["commit"] == head(repo)), findings
    else:
        assert_clean(repo)


# -- a file left unlisted while a proposal says its folder is not controlled ----------------
def _scratch_uncontrolled(config: Path) -> None:
    edit_yaml(config / "policy.yaml", lambda d: d["rules"].insert(1, {
        "paths": ["process/scratch/**"], "write": ["manufacturer:doc-control"],
        "controlled": False, "description": "scratch"}))


def test_file_unlisted_while_a_proposal_says_it_is_not_controlled(repo: Path,
                                                                 keys: Keys) -> None:
    """li proposes that process/scratch/ be uncontrolled; before acme decides, zhao adds
    process/scratch/z.txt unlisted: under the policy in force it is a controlled file, so
    the commit adding it is to blame (not the one that withdraws the proposal)."""
    _scratch_uncontrolled(repo / ".techxfer")
    transfer(repo, keys["li"], to="acme", kind="policy-change")
    assert_clean(repo)
    (repo / "process" / "scratch").mkdir(parents=True)
    (repo / "process" / "scratch" / "z.txt").write_bytes(b"z\n")
    commit_as(repo, keys["zhao"], "process z, unlisted")
    bad = head(repo)
    assert_found(repo, "UNLISTED_FILE", commit=bad, path="process/scratch/z.txt")  # pending
    edit_yaml(repo / ".techxfer" / "policy.yaml", lambda d: d["rules"].pop(1))
    commit_as(repo, keys["li"], "proposal withdrawn")
    assert_found(repo, "UNLISTED_FILE", commit=bad, path="process/scratch/z.txt")


@pytest.mark.parametrize("doc_id", ["br-1", "Br-1"])
def test_one_id_in_two_cases_in_two_manifests(repo: Path, keys: Keys, doc_id: str) -> None:
    """design/dup.txt listed as br-1 next to fab's BR-1: citations, change requests and
    training are matched whatever the case, so the two are one id listed twice."""
    register(repo, "design/dup.txt", b"dup\n", doc_id)
    commit_as(repo, keys["zhao"], "an id in another case")
    assert_found(repo, "DUPLICATE_ID", commit=head(repo))


# -- a file name past the last bisection bound ------------------------------------------------
@pytest.mark.parametrize(("name", "moved"), [
    ("p.txt", False), ("p.txt", True), ("\U0010ffff.txt", False), ("\U0010ffff.txt", True),
    ("\U0010ffff", False)])
def test_new_manifest_over_a_file_named_past_the_sorted_bound(repo: Path, keys: Keys,
                                                              name: str, moved: bool) -> None:
    """process/<name> is listed in the root manifest; a commit gives process/ its own,
    empty, manifest: the file is no longer listed where it is governed, whatever its name
    (U+10FFFF, the highest code point, sorts past any bound a prefix search puts after
    "process/"). Twin: the entry moved into the new manifest, clean."""
    register(repo, f"process/{name}", b"p\n", "P-1")
    commit_as(repo, keys["zhao"], "process p")
    assert_clean(repo)
    docs: list[Any] = []
    if moved:
        entry = next(e for e in yaml.safe_load((repo / "MANIFEST.yaml").read_text())[
            "documents"] if e["id"] == "P-1")
        docs = [dict(entry, path=name)]
        edit_yaml(repo / "MANIFEST.yaml",
                  lambda d: d.update(documents=[e for e in d["documents"] if e["id"] != "P-1"]))
    (repo / "process" / "MANIFEST.yaml").write_text(yaml.safe_dump(
        {"format": 1, "documents": docs}, allow_unicode=True, sort_keys=False))
    commit_as(repo, keys["zhao"], "process/ gets its own manifest")
    if moved:
        assert_clean(repo)
    else:
        assert_found(repo, {"MANIFEST_INVALID", "UNLISTED_FILE"}, commit=head(repo))


def test_the_bound_past_a_prefix_keeps_every_name_starting_with_it() -> None:
    """paths_under's bisection bound: the strings starting with a prefix, no more, no less,
    among names holding the highest code point."""
    import bisect

    from techxfer.state.snapshot import past_prefix

    top = "\U0010ffff"
    names = sorted({"a", "a/", "a/b", f"a/{top}", f"a/{top}x", f"a/{top}{top}", "a0", "a/\uffff",
                    f"a{top}", f"a{top}/x", "b", top, f"{top}a", ""})
    for prefix in ("", "a", "a/", f"a/{top}", f"a{top}", top, "b", "c"):
        bound = past_prefix(prefix)
        start = bisect.bisect_left(names, prefix)
        end = len(names) if bound is None else bisect.bisect_left(names, bound)
        assert names[start:end] == [n for n in names if n.startswith(prefix)], prefix


@pytest.mark.parametrize("backdated", [False, True])
def test_relabel_slipped_into_the_approving_commit(repo: Path, keys: Keys,
                                                   backdated: bool) -> None:
    """li approves zhang's proposal moving records/** to acme, and her approving commit
    (made by hand, the ack re-committed with the register edit, optionally dated before
    its parent) also relabels BR-1 as acme's: a register change in the commit whose own
    signature makes the policy in force is judged by the policy at its parent, under which
    li writes no record entry. Twin: the relabel by acme's doc-control after the approval."""
    _records_are_acmes(repo / ".techxfer")
    tx = transfer(repo, keys["zhang"], to="fab", kind="policy-change")
    ack(repo, keys["li"], tx, "approved")
    git(repo, "reset", "-q", "--soft", "HEAD~1")
    edit_yaml(repo / "MANIFEST.yaml", _entry("BR-1", owner="registrant"))
    env = {"GIT_COMMITTER_DATE": "2001-01-01T00:00:00+00:00",
           "GIT_AUTHOR_DATE": "2001-01-01T00:00:00+00:00"} if backdated else None
    commit_as(repo, keys["li"], "approved, and BR-1 relabelled", env=env)
    bad = head(repo)
    rc, findings = verify(repo)
    mine = {f["code"] for f in findings if f["commit"] == bad}
    assert rc == 1 and "UNAUTHORIZED_CHANGE" in mine, findings
    if backdated:
        assert "TIME_INCONSISTENT" in mine, findings
    # the twin: the approval alone, then acme's doc-control relabels
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    ack(repo, keys["li"], tx, "approved")
    edit_yaml(repo / "MANIFEST.yaml", _entry("BR-1", owner="registrant"))
    commit_as(repo, keys["wang"], "BR-1 is acme's")
    assert_clean(repo)
