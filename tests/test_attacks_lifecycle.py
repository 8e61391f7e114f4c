"""The audited party against the lifecycle rules (approval before use, change requests,
implementation, training), on real signed histories it controls entirely: hand-made trees,
evil merges, octopus merges, records signed by the wrong person, citations spelt to slip
past a lookup. Each attack asserts the finding code on the commit to blame; each has a
legitimate twin that stays clean.

The module's history (``built``): ``approval: required`` on the registrant's design files
and on ``mfg/**``, and training on ``process`` documents for fab's doc-control and quality
head (an approved policy change); SPEC-001 rev B drafted and approved (effective); MFG-SOP
rev A proposed by fab to acme, approved by zhang, approved by li (effective), and zhao
trained on it (li not); MFG-SOP rev B drafted by zhao and proposed to acme (not decided yet).
"""

from __future__ import annotations

import json
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
    hand_merge,
    head,
    history_fixtures,
    manifest_with,
    register,
    sha256,
    show,
    utcnow,
    verify,
)
from conftest import SshKey, commit_as, git, techxfer, use_signing_key
from test_lifecycle import (
    SOP,
    SPEC,
    approval_record,
    approve,
    draft,
    make_effective,
    request,
    write_approval,
)
from test_release import MARKET, PRODUCTION, release, release_base  # noqa: F401
from test_release2 import released_again, reworked, under_rework  # noqa: F401

Keys = dict[str, SshKey]
SOP_B = b"Mixing SOP rev B\n"
TRAINING = {"process": ["manufacturer:doc-control", "manufacturer:quality-head"]}
TRAINED_BY = ["manufacturer:doc-control", "manufacturer:quality-head", "registrant:doc-control"]


def _policy(config: Path) -> None:
    def change(d: Any) -> None:
        d["rules"][1]["approval"] = "required"  # design/** … of the registrant
        d["rules"].insert(2, {"paths": ["mfg/**"], "owner": "manufacturer",
                              "write": ["manufacturer:doc-control"], "ack": "none",
                              "approval": "required"})
        d["training"] = TRAINING
        d["meanings"]["trained"] = TRAINED_BY
    edit_yaml(config / "policy.yaml", change)


def train(repo: Path, key: SshKey, doc_id: str, *args: str) -> str:
    use_signing_key(repo, key)
    techxfer(repo, "train", doc_id, *args)
    return head(repo)


def build(repo: Path, keys: Keys) -> dict[str, str]:
    ids: dict[str, str] = {}
    approved_config_change(repo, keys, _policy)
    draft(repo, keys["wang"], SPEC, b"Specification rev B\n", "SPEC-001", "B")
    approve(repo, keys["zhang"], "SPEC-001")
    draft(repo, keys["zhao"], SOP, b"Mixing SOP rev A\n", "MFG-SOP", "A", "process")
    ids["sop_a_cr"] = request(repo, keys["zhao"], "MFG-SOP", "acme")
    ack(repo, keys["zhang"], ids["sop_a_cr"], "approved")
    approve(repo, keys["li"], "MFG-SOP")
    train(repo, keys["zhao"], "MFG-SOP")
    ids["sop_a"] = head(repo)
    draft(repo, keys["zhao"], SOP, SOP_B, "MFG-SOP", "B", "process")
    ids["sop_b_cr"] = request(repo, keys["zhao"], "MFG-SOP", "acme")
    ids["tip"] = head(repo)
    return ids


built, repo, ids = history_fixtures(build)


def use_sop(repo: Path, keys: Keys, use: str, revision: str, content: bytes
            ) -> tuple[str, str]:
    """MFG-SOP rev REVISION (of CONTENT) used: made effective on li's approval written by
    hand ("effective"), or cited by batch record BR-1. Returns (the commit, its path)."""
    if use == "effective":
        write_approval(repo, approval_record("MFG-SOP", revision, sha256(content), party="fab",
                                             signer="li.na"))
        make_effective(repo, SOP, "MFG-SOP")
        commit_as(repo, keys["li"], f"MFG-SOP rev {revision} made effective")
        return head(repo), SOP
    return batch(repo, keys["zhao"], 1, [f"MFG-SOP@{revision}"]), "records/B-1.csv"


def batch_entry(n: int, uses: Any = None, made_by: Any = None) -> Any:
    """A change to the root manifest: batch record BR-n (records/B-n.csv) with these
    extension keys (left out where None)."""
    def change(d: Any) -> None:
        entry = next(e for e in d["documents"] if e["id"] == f"BR-{n}")
        if uses is not None:
            entry["x-uses"] = uses
        if made_by is not None:
            entry["x-made-by"] = made_by
    return change


def batch(repo: Path, key: SshKey, n: int, uses: Any, made_by: Any = None) -> str:
    register(repo, f"records/B-{n}.csv", f"batch {n}\n".encode(), f"BR-{n}",
             category="batch-record")
    edit_yaml(repo / "MANIFEST.yaml", batch_entry(n, uses, made_by))
    commit_as(repo, key, f"batch {n}")
    return head(repo)


def findings_of(repo: Path, commit: str) -> list[tuple[str, str | None]]:
    return sorted((f["code"], f["path"]) for f in verify(repo)[1] if f["commit"] == commit)


# -- the legitimate path -----------------------------------------------------------------------
def test_the_history_and_a_batch_on_the_approved_trained_revision_verify_clean(
        repo: Path, keys: Keys, ids: dict[str, str]) -> None:
    assert_clean(repo)
    ack(repo, keys["zhang"], ids["sop_b_cr"], "approved")
    batch(repo, keys["zhao"], 1, ["MFG-SOP@A"], ["zhao.min"])
    assert_clean(repo)


# -- approval records ------------------------------------------------------------------------
def test_approval_naming_zhang_but_signed_by_the_clerk_with_the_effective_status(
        repo: Path, keys: Keys) -> None:
    content = b"Specification rev C\n"
    draft(repo, keys["wang"], SPEC, content, "SPEC-001", "C")
    path = write_approval(repo, approval_record("SPEC-001", "C", sha256(content)))
    make_effective(repo, SPEC, "SPEC-001")
    commit_as(repo, keys["wang"], "zhang's name, wang's key")
    bad = head(repo)
    findings = assert_found(repo, "ACK_INVALID", commit=bad, path=path)
    assert any("wang.fang" in f["message"] for f in findings if f["path"] == path)
    assert_found(repo, "CHANGE_NOT_APPROVED", commit=bad, path=SPEC)


def test_approval_whose_document_differs_from_its_file_name(repo: Path, keys: Keys) -> None:
    content = b"Specification rev C\n"
    draft(repo, keys["wang"], SPEC, content, "SPEC-001", "C")
    record = approval_record("SPEC-001", "C", sha256(content))
    path = "approvals/SPEC-001@C.yaml"
    (repo / "approvals" / "SPEC-001@C.yaml").write_text(yaml.safe_dump(
        {**record, "document": "DRW-001"}, sort_keys=False))
    make_effective(repo, SPEC, "SPEC-001")
    commit_as(repo, keys["zhang"], "approval of another id, same content, this file name")
    bad = head(repo)
    assert_found(repo, "ACK_INVALID", commit=bad, path=path)
    assert_found(repo, "CHANGE_NOT_APPROVED", commit=bad, path=SPEC)


def _side_approval(repo: Path, keys: Keys) -> tuple[str, str, bytes]:
    """SPEC-001 rev C drafted on main; zhang's approval of it on branch ``side``; one more
    commit on main. Returns (main tip, side tip, content)."""
    content = b"Specification rev C\n"
    draft(repo, keys["wang"], SPEC, content, "SPEC-001", "C")
    git(repo, "checkout", "-q", "-b", "side")
    write_approval(repo, approval_record("SPEC-001", "C", sha256(content)))
    commit_as(repo, keys["zhang"], "approval on a side line")
    side = head(repo)
    checkout(repo, "main")
    draft(repo, keys["wang"], "design/notes.txt", b"notes\n", "NOTE-1", "A")
    return head(repo), side, content


@pytest.mark.parametrize("order", ["main-first", "side-first", "octopus"])
def test_evil_merge_makes_the_revision_effective(repo: Path, keys: Keys, order: str) -> None:
    """The merge's tree holds rev C effective, which neither parent has. Without the approval
    in the merged tree: the merge is to blame; with the approval brought in from the side
    line by that same merge, the approval came first: clean."""
    main, side, _ = _side_approval(repo, keys)
    parents = {"main-first": [main, side], "side-first": [side, main],
               "octopus": [main, side]}[order]
    base = main
    if order == "octopus":
        git(repo, "checkout", "-q", "-b", "third", main)
        base = draft(repo, keys["wang"], "design/more.txt", b"more\n", "NOTE-2", "A")
        parents.append(base)
        checkout(repo, "main")
    effective = manifest_with(repo, base, "design/MANIFEST.yaml", lambda docs: [
        e.update(status="effective", effective=utcnow().date().isoformat())
        for e in docs if e["id"] == "SPEC-001"])
    # without the approval: the merge is to blame
    bare = compose_tree(repo, base, write={"design/MANIFEST.yaml": effective})
    merge = hand_merge(repo, keys["wang"], parents, bare, "evil merge")
    assert ("CHANGE_NOT_APPROVED", SPEC) in findings_of(repo, merge)
    # with the approval brought in by the same merge: clean
    git(repo, "reset", "-q", "--hard", main)
    approved = compose_tree(repo, base, take={"approvals/SPEC-001@C.yaml": side},
                            write={"design/MANIFEST.yaml": effective})
    hand_merge(repo, keys["wang"], parents, approved, "merge with the approval")
    assert_clean(repo)


def test_effective_to_draft_to_effective_with_other_content_under_the_same_revision(
        repo: Path, keys: Keys) -> None:
    register(repo, SPEC, b"Specification rev B, quietly reworded\n", "SPEC-001", "B")
    edit_yaml(repo / "design/MANIFEST.yaml", lambda d: [e.update(status="draft")
                                                        for e in d["documents"]
                                                        if e["id"] == "SPEC-001"])
    commit_as(repo, keys["wang"], "back to draft, reworded")
    make_effective(repo, SPEC, "SPEC-001")
    commit_as(repo, keys["wang"], "effective again on the old approval")
    assert_found(repo, "CHANGE_NOT_APPROVED", commit=head(repo), path=SPEC)


def test_approval_deleted_then_another_added(repo: Path, keys: Keys) -> None:
    path = "approvals/SPEC-001@B.yaml"
    git(repo, "rm", "-q", path)
    commit_as(repo, keys["zhang"], "the approval removed")
    removed = head(repo)
    write_approval(repo, approval_record("SPEC-001", "B", sha256(b"Specification rev B\n")))
    commit_as(repo, keys["zhang"], "another approval in its place")
    findings = assert_found(repo, "ACK_INVALID", commit=removed, path=path)
    assert any("removed" in f["message"] for f in findings if f["commit"] == removed)


# -- change requests -------------------------------------------------------------------------
@pytest.mark.parametrize("use", ["effective", "cited"])
def test_request_approved_then_the_draft_content_swapped(
        repo: Path, keys: Keys, ids: dict[str, str], use: str) -> None:
    ack(repo, keys["zhang"], ids["sop_b_cr"], "approved")
    register(repo, SOP, b"Mixing SOP rev B, not what acme saw\n", "MFG-SOP", "B", "process")
    edit_yaml(repo / "MANIFEST.yaml", lambda d: [e.update(status="draft")
                                                 for e in d["documents"]
                                                 if e["id"] == "MFG-SOP"])
    commit_as(repo, keys["zhao"], "the proposed SOP swapped after acme approved it")
    # (techxfer approve refuses: li's approval written by hand)
    blamed, path = use_sop(repo, keys, use, "B", b"Mixing SOP rev B, not what acme saw\n")
    findings = assert_found(repo, "CHANGE_NOT_APPROVED", commit=blamed, path=path)
    assert any(ids["sop_b_cr"] in f["message"] for f in findings if f["commit"] == blamed)


@pytest.mark.parametrize("uses", [
    ["mfg-sop@B"], ["MFG-SOP@b"], [" MFG-SOP@B "], "MFG-SOP@B", ["MFG-SOP@B, MFG-SOP@A"],
    ["MFG-SOP @ B"], [["MFG-SOP@B"]], ["MFG-SOP@A", "MFG-SOP@B\t"],
], ids=["id-case", "rev-case", "spaces", "scalar", "one-string", "spaced-at", "nested",
        "tab"])
def test_citation_spelt_to_slip_past_the_request(repo: Path, keys: Keys, uses: Any) -> None:
    blamed = batch(repo, keys["zhao"], 1, uses)
    assert_found(repo, "CHANGE_NOT_APPROVED", commit=blamed, path="records/B-1.csv")


def test_batch_citing_the_request_registered_by_an_evil_merge(
        repo: Path, keys: Keys, ids: dict[str, str]) -> None:
    git(repo, "checkout", "-q", "-b", "side")
    ack(repo, keys["zhang"], ids["sop_b_cr"], "approved")
    side = head(repo)
    checkout(repo, "main")
    main = batch(repo, keys["zhao"], 1, ["MFG-SOP@A"])
    manifest = manifest_with(repo, main, "MANIFEST.yaml", lambda docs: [
        e.update({"x-uses": ["MFG-SOP@B"]}) for e in docs if e["id"] == "BR-1"])
    # the merge changes the citation, without the approval in its tree
    # (the merge also drops acme's approval from the side line: its own finding)
    merge = hand_merge(repo, keys["zhao"], [main, side],
                       compose_tree(repo, main, write={"MANIFEST.yaml": manifest}), "evil")
    assert ("CHANGE_NOT_APPROVED", "records/B-1.csv") in findings_of(repo, merge)
    # the same merge bringing in acme's approval: clean
    git(repo, "reset", "-q", "--hard", main)
    tree = compose_tree(repo, main, take={"transfers": side}, write={"MANIFEST.yaml": manifest})
    merge = hand_merge(repo, keys["zhao"], [main, side], tree, "merge with the approval")
    assert findings_of(repo, merge) == [("UNTRAINED", "records/B-1.csv")]  # nobody on rev B


@pytest.mark.parametrize("where", ["side", "merge"])
def test_implemented_record_and_the_approval_meeting_in_a_merge(
        repo: Path, keys: Keys, ids: dict[str, str], where: str) -> None:
    tx, tx_commit = ids["sop_b_cr"], ids["tip"]
    record = {"transfer": tx, "transfer_commit": tx_commit, "party": "fab", "signer": "li.na",
              "role": "quality-head", "meaning": "implemented", "first_batch": "B9",
              "date": utcnow().isoformat().replace("+00:00", "Z")}
    path = f"transfers/{tx}/implemented.yaml"
    data = yaml.safe_dump(record).encode()
    git(repo, "checkout", "-q", "-b", "side")
    if where == "side":
        (repo / path).write_bytes(data)
        commit_as(repo, keys["li"], "implemented, before acme approved")
        early = head(repo)
    checkout(repo, "main")
    ack(repo, keys["zhang"], tx, "approved")
    main = head(repo)
    if where == "side":
        git_merge(repo, keys["li"], "side")
        findings = assert_found(repo, "CHANGE_NOT_APPROVED", commit=early, path=path)
        assert not [f for f in findings if f["commit"] != early]
    else:
        tree = compose_tree(repo, main, write={path: data})
        hand_merge(repo, keys["li"], [main, ids["tip"]], tree, "implemented in the merge")
        assert_clean(repo)


@pytest.mark.parametrize("first", ["request line", "use line"])
def test_use_on_one_line_request_on_another_meet_in_a_merge(
        repo: Path, keys: Keys, ids: dict[str, str], first: str) -> None:
    """MFG-SOP rev C drafted; on one line a batch cites it (no change request in its tree),
    on the other fab proposes it to acme. Neither line did wrong alone; the merge brings the
    use and the undecided request together, whichever parent comes first."""
    git(repo, "reset", "-q", "--hard", ids["sop_a"])
    draft(repo, keys["zhao"], SOP, b"Mixing SOP rev C\n", "MFG-SOP", "C", "process")
    git(repo, "checkout", "-q", "-b", "use")
    used = batch(repo, keys["zhao"], 1, ["MFG-SOP@C"])
    checkout(repo, "main")
    request(repo, keys["zhao"], "MFG-SOP", "acme")
    requested = head(repo)
    if first == "request line":
        merge = git_merge(repo, keys["zhao"], "use")
    else:
        checkout(repo, "use")
        merge = git_merge(repo, keys["zhao"], "main")
    rc, findings = verify(repo)
    blamed = {(f["commit"], f["path"]) for f in findings if f["code"] == "CHANGE_NOT_APPROVED"}
    assert rc == 1 and blamed == {(merge, "records/B-1.csv")}, findings
    assert any(used[:10] in f["message"] for f in findings if f["commit"] == merge)
    assert requested
    # acme's approval before the merge: the merge is clean
    checkout(repo, "main")
    git(repo, "reset", "-q", "--hard", requested)
    git(repo, "branch", "-f", "use", used)
    tx = next(p.name for p in (repo / "transfers").iterdir()
              if p.is_dir() and not (p / "ack.acme.yaml").exists()
              and yaml.safe_load((p / "transfer.yaml").read_text())["type"] == "change-request")
    ack(repo, keys["zhang"], tx, "approved")
    merge = git_merge(repo, keys["zhao"], "use")
    assert not [f for f in verify(repo)[1] if f["code"] == "CHANGE_NOT_APPROVED"]


# -- training --------------------------------------------------------------------------------
@pytest.mark.parametrize("made_by", [["Li.Na"], "li.na zhao.min", [7], ["zhang.wei"],
                                     ["nobody"]],
                         ids=["case", "one-string", "number", "other-party", "unknown"])
def test_made_by_spelt_so_that_the_trained_signer_stands_in(
        repo: Path, keys: Keys, ids: dict[str, str], made_by: Any) -> None:
    """zhao is trained on MFG-SOP rev A, li is not: a maker named in a way the register
    cannot read (or someone of acme) must not let the commit's signer stand in."""
    git(repo, "reset", "-q", "--hard", ids["sop_a"])  # the register holds rev A
    assert_clean(repo)
    blamed = batch(repo, keys["zhao"], 1, ["MFG-SOP@A"], made_by)
    assert_found(repo, "UNTRAINED", commit=blamed, path="records/B-1.csv")


def test_trained_on_a_draft_whose_content_then_changed(repo: Path, keys: Keys,
                                                      ids: dict[str, str]) -> None:
    """A training record on the draft rev B as it was proposed; rev B's content then
    changes, and a batch made to it by zhao counts as untrained."""
    tx = ids["sop_b_cr"]
    record = {"document": "MFG-SOP", "revision": "B", "sha256": sha256(SOP_B), "party": "fab",
              "person": "zhao.min", "role": "doc-control", "meaning": "trained",
              "date": utcnow().isoformat().replace("+00:00", "Z")}
    path = "training/MFG-SOP@B/fab.zhao.min.yaml"
    (repo / path).parent.mkdir(parents=True)
    (repo / path).write_text(yaml.safe_dump(record, sort_keys=False))
    commit_as(repo, keys["zhao"], "trained on the proposed rev B")
    ack(repo, keys["zhang"], tx, "approved")
    batch(repo, keys["zhao"], 1, ["MFG-SOP@B"])
    assert_clean(repo)  # the legitimate path
    register(repo, SOP, b"Mixing SOP rev B, reworked\n", "MFG-SOP", "B", "process")
    edit_yaml(repo / "MANIFEST.yaml", lambda d: [e.update(status="draft")
                                                 for e in d["documents"]
                                                 if e["id"] == "MFG-SOP"])
    commit_as(repo, keys["zhao"], "rev B reworked")
    blamed = batch(repo, keys["zhao"], 2, ["MFG-SOP@B"])
    assert_found(repo, "UNTRAINED", commit=blamed, path="records/B-2.csv")


@pytest.mark.parametrize("case", ["signed-by-li", "backdated", "other-sha"])
def test_training_record_forged(repo: Path, keys: Keys, ids: dict[str, str], case: str) -> None:
    git(repo, "reset", "-q", "--hard", ids["sop_a"])  # the register holds rev A
    git(repo, "rm", "-q", "training/MFG-SOP@A/fab.zhao.min.yaml")
    commit_as(repo, keys["zhao"], "zhao's record gone")
    when = utcnow().replace(year=utcnow().year - 1) if case == "backdated" else utcnow()
    record = {"document": "MFG-SOP", "revision": "A",
              "sha256": sha256(b"Mixing SOP rev A\n" if case != "other-sha" else b"x\n"),
              "party": "fab", "person": "zhao.min", "role": "doc-control", "meaning": "trained",
              "date": when.isoformat().replace("+00:00", "Z")}
    path = "training/MFG-SOP@A/fab.zhao.min.yaml"
    (repo / path).parent.mkdir(parents=True, exist_ok=True)
    (repo / path).write_text(yaml.safe_dump(record, sort_keys=False))
    commit_as(repo, keys["li" if case == "signed-by-li" else "zhao"], f"training {case}")
    forged = head(repo)
    code = "TIME_INCONSISTENT" if case == "backdated" else "TRAINING_INVALID"
    assert_found(repo, code, commit=forged, path=path)
    if case != "backdated":
        blamed = batch(repo, keys["zhao"], 1, ["MFG-SOP@A"])
        assert_found(repo, "UNTRAINED", commit=blamed, path="records/B-1.csv")


def test_training_and_batch_in_one_merge(repo: Path, keys: Keys, ids: dict[str, str]) -> None:
    """zhao's training record added by his own merge, with the batch he made: trained in the
    very commit: clean. The same tree merged by li (the record is zhao's, signed by li):
    TRAINING_INVALID and UNTRAINED on that merge."""
    git(repo, "reset", "-q", "--hard", ids["sop_a"])  # the register holds rev A
    git(repo, "rm", "-q", "training/MFG-SOP@A/fab.zhao.min.yaml")
    commit_as(repo, keys["zhao"], "zhao's record gone")
    main = head(repo)
    register(repo, "records/B-1.csv", b"batch 1\n", "BR-1", category="batch-record")
    edit_yaml(repo / "MANIFEST.yaml", batch_entry(1, ["MFG-SOP@A"], ["zhao.min"]))
    manifest = (repo / "MANIFEST.yaml").read_bytes()
    git(repo, "reset", "-q", "--hard", main)
    git(repo, "clean", "-qfd")
    git(repo, "checkout", "-q", "-b", "other", main)
    other = draft(repo, keys["wang"], "design/other.txt", b"other\n", "NOTE-3", "A")
    checkout(repo, "main")
    record = {"document": "MFG-SOP", "revision": "A", "sha256": sha256(b"Mixing SOP rev A\n"),
              "party": "fab", "person": "zhao.min", "role": "doc-control", "meaning": "trained",
              "date": utcnow().isoformat().replace("+00:00", "Z")}
    path = "training/MFG-SOP@A/fab.zhao.min.yaml"
    tree = compose_tree(repo, main, take={"design": other}, write={
        "MANIFEST.yaml": manifest, "records/B-1.csv": b"batch 1\n",
        path: yaml.safe_dump(record, sort_keys=False).encode()})
    merge = hand_merge(repo, keys["li"], [main, other], tree, "li's merge")
    got = findings_of(repo, merge)
    assert ("TRAINING_INVALID", path) in got and ("UNTRAINED", "records/B-1.csv") in got
    git(repo, "reset", "-q", "--hard", main)
    merge = hand_merge(repo, keys["zhao"], [main, other], tree, "zhao's merge")
    assert findings_of(repo, merge) == []


# -- what the reports show -------------------------------------------------------------------
def test_hostile_text_in_lifecycle_records_is_shown_escaped(repo: Path, keys: Keys,
                                                            ids: dict[str, str]) -> None:
    git(repo, "reset", "-q", "--hard", ids["sop_a"])
    content = b"Specification rev C\n"
    draft(repo, keys["wang"], SPEC, content, "SPEC-001", "C")
    hostile = "ok\x1b[2J\u202egnp.exe\r\nforged line\x07"
    approve(repo, keys["zhang"], "SPEC-001", "-m", hostile)
    train(repo, keys["li"], "MFG-SOP", "-m", hostile)
    batch(repo, keys["zhao"], 1, ["MFG-SOP@A"], ["li.na\x1b[2J\u202e"])
    for args in (("log", "SPEC-001"), ("signatures",), ("log", "SPEC-001", "--lang", "zh"),
                 ("training",), ("log", "MFG-SOP"), ("verify",), ("duties",)):
        out = techxfer(repo, *args, check=False).stdout
        assert not any(c in out for c in "\x1b\u202e\r\x07"), (args, out)
        assert "\nforged line" not in out, (args, out)
    assert "ok\\x1b[2J" in techxfer(repo, "log", "SPEC-001").stdout


# -- re-release after rework -----------------------------------------------------------------
def _fork_re_releases(repo: Path, keys: Keys, side_names: str) -> tuple[str, str, str]:
    """From a reworked batch (deviation closed): li re-releases on main (A1, naming the first
    release P0); on branch ``side``, li re-releases too (B1), its ``supersedes`` naming
    P0 (its own line's release) or A1 (a release on the other line, P0's SHA-256); a merge
    keeps main's. Returns (P0, A1, B1)."""
    p0 = git(repo, "log", "--format=%H", "--", PRODUCTION).stdout.split()[0]
    replaced = sha256(show(repo, "HEAD", PRODUCTION))
    git(repo, "branch", "side")
    release(repo, keys["li"], "production", "--rework")
    a1 = head(repo)
    checkout(repo, "side")
    release(repo, keys["li"], "production", "--rework")
    data = yaml.safe_load(show(repo, "HEAD", PRODUCTION))
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    data["supersedes"].update(commit=p0 if side_names == "own line" else a1, sha256=replaced)
    (repo / PRODUCTION).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                                   encoding="utf-8")
    commit_as(repo, keys["li"], f"re-release naming the release of the {side_names}",
              PRODUCTION)
    b1 = head(repo)
    checkout(repo, "main")
    hand_merge(repo, keys["li"], [a1, b1], compose_tree(repo, a1), "keep main's re-release")
    return p0, a1, b1


@pytest.mark.parametrize("side_names", ["own line", "other line"])
def test_re_release_supersedes_names_a_release_of_another_line(
        reworked: Path, tmp_path: Path, keys: Keys, side_names: str) -> None:  # noqa: F811
    repo = clone(reworked, tmp_path)
    _, a1, b1 = _fork_re_releases(repo, keys, side_names)
    findings = verify(repo)[1]
    assert not [f for f in findings if f["commit"] == a1], findings
    on_b1 = [f for f in findings if f["commit"] == b1]
    if side_names == "own line":
        assert on_b1 == [], findings  # its own line's release in force: right
    else:
        assert any(f["code"] == "RELEASE_INVALID" and f["path"] == PRODUCTION
                   and "the release in force was recorded in" in f["message"]
                   for f in on_b1), findings


@pytest.mark.parametrize("target", ["market itself", "production twice"])
def test_rewrite_naming_itself_or_without_a_new_deviation(
        released_again: Path, tmp_path: Path, keys: Keys, target: str) -> None:  # noqa: F811
    repo = clone(released_again, tmp_path)
    path = MARKET if target == "market itself" else PRODUCTION
    data = yaml.safe_load(show(repo, "HEAD", path))
    in_force = git(repo, "log", "-1", "--format=%H", "--", path).stdout.strip()
    data["comment"] = "once more"
    if target == "market itself":  # the new record's own content as the one it supersedes
        data["supersedes"] = {"commit": in_force, "sha256": "0" * 64, "reason": "self"}
        body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        data["supersedes"]["sha256"] = sha256(body.encode())
    else:  # names the release in force rightly, but no deviation closed since
        data["supersedes"] = {"commit": in_force, "sha256": sha256(show(repo, "HEAD", path)),
                              "reason": "again"}
    (repo / path).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                             encoding="utf-8")
    commit_as(repo, keys["zhang" if path == MARKET else "li"], "rewrite", path)
    bad = head(repo)
    findings = assert_found(repo, "RELEASE_INVALID", commit=bad, path=path)
    said = " ".join(f["message"] for f in findings if f["commit"] == bad)
    assert ("the release in force was recorded in" in said) if target == "market itself" \
        else ("lists no deviation closed since" in said)


@pytest.mark.parametrize("use", ["effective", "cited"])
def test_the_proposed_content_under_a_new_revision_letter(
        repo: Path, keys: Keys, ids: dict[str, str], use: str) -> None:
    """MFG-SOP rev B is proposed to acme and not decided; fab files the same content as rev C
    (no request names rev C) and uses it."""
    register(repo, SOP, SOP_B, "MFG-SOP", "C", "process")
    edit_yaml(repo / "MANIFEST.yaml", lambda d: [e.update(status="draft")
                                                 for e in d["documents"]
                                                 if e["id"] == "MFG-SOP"])
    commit_as(repo, keys["zhao"], "the proposal, relettered")
    blamed, path = use_sop(repo, keys, use, "C", SOP_B)
    findings = assert_found(repo, "CHANGE_NOT_APPROVED", commit=blamed, path=path)
    assert any(ids["sop_b_cr"] in f["message"] for f in findings if f["commit"] == blamed)


def test_training_record_at_another_persons_file_name(repo: Path, keys: Keys,
                                                      ids: dict[str, str]) -> None:
    """zhao's own signed training record, filed under li's name: li stays untrained."""
    git(repo, "reset", "-q", "--hard", ids["sop_a"])
    record = yaml.safe_load((repo / "training/MFG-SOP@A/fab.zhao.min.yaml").read_text())
    record["date"] = utcnow().isoformat().replace("+00:00", "Z")
    path = "training/MFG-SOP@A/fab.li.na.yaml"
    (repo / path).write_text(yaml.safe_dump(record, sort_keys=False))
    commit_as(repo, keys["zhao"], "zhao's record as li's")
    forged = head(repo)
    assert_found(repo, "TRAINING_INVALID", commit=forged, path=path)
    blamed = batch(repo, keys["zhao"], 1, ["MFG-SOP@A"], ["li.na"])
    assert_found(repo, "UNTRAINED", commit=blamed, path="records/B-1.csv")


def test_the_approver_takes_ownership_in_the_same_commit(repo: Path, keys: Keys,
                                                         ids: dict[str, str]) -> None:
    """acme's quality head approves fab's SOP rev B after relabelling it acme's."""
    ack(repo, keys["zhang"], ids["sop_b_cr"], "approved")
    edit_yaml(repo / "MANIFEST.yaml", lambda d: [e.update(owner="registrant")
                                                 for e in d["documents"]
                                                 if e["id"] == "MFG-SOP"])
    write_approval(repo, approval_record("MFG-SOP", "B", sha256(SOP_B)))
    make_effective(repo, SOP, "MFG-SOP")
    commit_as(repo, keys["zhang"], "ours now, approved by us")
    bad = head(repo)
    rc, findings = verify(repo)
    assert rc == 1 and [f for f in findings if f["commit"] == bad], findings


def test_an_entry_relabelled_to_the_other_owner_by_its_writer(repo: Path, keys: Keys) -> None:
    """zhao (who writes mfg/**) relabels fab's SOP as acme's: the approval then asked for
    would be acme's, not the owner the policy rule names."""
    edit_yaml(repo / "MANIFEST.yaml", lambda d: [e.update(owner="registrant")
                                                 for e in d["documents"]
                                                 if e["id"] == "MFG-SOP"])
    commit_as(repo, keys["zhao"], "MFG-SOP is acme's now")
    bad = head(repo)
    rc, findings = verify(repo)
    assert rc == 1, findings
    assert [(f["code"], f["path"]) for f in findings if f["commit"] == bad] == [
        ("MANIFEST_INVALID", "MANIFEST.yaml")], findings
    assert "owner" in next(f["message"] for f in findings if f["commit"] == bad)


def _reown(config: Path) -> None:
    """mfg/** becomes acme's (the registrant's), written by its doc-control."""
    edit_yaml(config / "policy.yaml", lambda d: next(
        r for r in d["rules"] if r["paths"] == ["mfg/**"]).update(
            owner="registrant", write=["registrant:doc-control"]))


def _relabel(owner: str) -> Any:
    return lambda d: [e.update(owner=owner) for e in d["documents"] if e["id"] == "MFG-SOP"]


def test_an_ownership_move_by_policy_then_relabelled_by_the_new_owner(repo: Path, keys: Keys
                                                                      ) -> None:
    """An approved policy change moves mfg/** to acme; the register still says fab until
    acme's doc-control relabels it (the change cannot carry the manifest): not the policy
    change's fault, and the tree check says what is left to do. Relabelling it back, or to
    anyone the rule does not name, is the relabeller's fault."""
    approved_config_change(repo, keys, _reown, proposer="zhang", approver="li")
    assert_clean(repo)
    proc = techxfer(repo, "check", "--json", check=False)
    left = [f for f in json.loads(proc.stdout)["findings"] if f["code"] == "MANIFEST_INVALID"]
    assert proc.returncode == 1 and len(left) == 1 and "names acme the owner of mfg/sop.txt" \
        in left[0]["message"], proc.stdout
    edit_yaml(repo / "MANIFEST.yaml", _relabel("registrant"))
    commit_as(repo, keys["wang"], "MFG-SOP is acme's: relabelled after the policy change")
    assert_clean(repo)
    edit_yaml(repo / "MANIFEST.yaml", _relabel("fab"))
    commit_as(repo, keys["wang"], "MFG-SOP back to fab")
    assert_found(repo, "MANIFEST_INVALID", commit=head(repo), path="MANIFEST.yaml")


def test_an_ownership_move_merged_in_either_order_is_not_blamed_on_the_merge(
        repo: Path, keys: Keys) -> None:
    """The policy change on one line, other work on the other: the merge, in either parent
    order, brings the new policy and the entry still naming fab together; what a parent
    already held is not the merge's doing, so it is clean."""
    base = head(repo)
    approved_config_change(repo, keys, _reown, proposer="zhang", approver="li")
    moved = head(repo)
    checkout(repo, base)
    register(repo, "records/B-9.csv", b"batch 9\n", "BR-9", category="batch-record")
    commit_as(repo, keys["zhao"], "batch 9")
    other = head(repo)
    for first, second in ((moved, other), (other, moved)):
        checkout(repo, first)
        git(repo, "checkout", "-q", "-B", f"m-{first[:6]}")
        git_merge(repo, keys["zhang"], second)
        assert_clean(repo)


@pytest.mark.parametrize("octopus", [False, True])
def test_an_evil_merge_relabelling_the_owner_is_the_merges(repo: Path, keys: Keys,
                                                          octopus: bool) -> None:
    """A merge (two parents, or an octopus) whose tree relabels MFG-SOP as acme's, which
    neither parent held: the merge's own doing, MANIFEST_INVALID on the merge."""
    ours, tips, manifest, take = batch_lines(repo, keys["zhao"], head(repo),
                                             (1, 2) if octopus else (1,), 3)
    _relabel("registrant")(manifest)
    tree = compose_tree(repo, ours, take=take, write={
        "MANIFEST.yaml": yaml.safe_dump(manifest, sort_keys=False).encode()})
    bad = hand_merge(repo, keys["zhao"], [ours, *tips], tree)
    findings = assert_found(repo, "MANIFEST_INVALID", commit=bad, path="MANIFEST.yaml")
    assert any("owner" in f["message"] for f in findings if f["commit"] == bad), findings


def test_approve_refuses_an_entry_its_folder_moved_from(repo: Path, keys: Keys) -> None:
    """After a policy change moves mfg/** to acme, MFG-SOP (a draft still naming fab) is
    not approved until it is registered under its owner: the commit would be blamed."""
    approved_config_change(repo, keys, _reown, proposer="zhang", approver="li")
    tip = head(repo)
    use_signing_key(repo, keys["zhang"])
    proc = techxfer(repo, "approve", "MFG-SOP", check=False)
    assert proc.returncode == 2 and "the policy names acme the owner of mfg/sop.txt, the " \
        "register manufacturer" in proc.stderr, proc.stderr
    assert head(repo) == tip
