"""Attacks on the rules that landed today (meanings bound to roles, batch release in two
steps), as the audited party would make them: real signed histories, real git, real keys.
Each test asserts the finding verify must report on the commit to blame; a rule that
misses one is marked xfail(strict) with the reason (see the report on branch ``attack``).
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from attack_helpers import (
    ack,
    approved_config_change,
    assert_found,
    compose_tree,
    dated,
    disposable_record,
    dispose_by_hand,
    edit_yaml,
    git_merge,
    hand_merge,
    head,
    place_hold,
    sha256,
    show,
    signed_commit_tree,
    transfer,
    utcnow,
    verify,
)
from conftest import SshKey, add_doc, commit_as, git, techxfer, use_signing_key
from test_release import (  # noqa: F401  (fixtures)
    BATCH,
    MARKET,
    PRODUCTION,
    RECORD,
    close_deviation,
    hand_release,
    listed_records,
    open_deviation,
    release,
    release_base,
)

Keys = dict[str, SshKey]


@pytest.fixture
def repo(release_base: Path, tmp_path: Path) -> Path:  # noqa: F811
    """test_release's cast: zhang and li quality heads and release reviewers, wang and zhao
    clerks (doc-control); the batch record BR-B2026-0001 registered."""
    target = tmp_path / "repo"
    shutil.copytree(release_base, target, symlinks=True)
    return target


def production_ref(repo: Path, produced: str, rev: str = "HEAD") -> dict[str, str]:
    return {"path": PRODUCTION, "commit": produced, "sha256": sha256(show(repo, rev, PRODUCTION))}


# -- 2. batch release ---------------------------------------------------------------------------
@pytest.mark.parametrize("market_first", [True, False])
def test_market_release_on_a_branch_merged_with_the_production_release(
        repo: Path, keys: Keys, market_first: bool) -> None:
    """Production released on main; the market release written on a branch cut before it,
    bound to the production commit; the two merged (either parent order)."""
    fork = head(repo)
    release(repo, keys["li"], "production")
    produced = head(repo)
    ref = production_ref(repo, produced)
    git(repo, "checkout", "-q", "-b", "market-side", fork)
    market = hand_release(repo, keys["zhang"], "market", "acme", "zhang.wei", production=ref)
    if market_first:
        git_merge(repo, keys["zhang"], "main")
    else:
        git(repo, "checkout", "-q", "main")
        git_merge(repo, keys["zhang"], "market-side")
    findings = assert_found(repo, "RELEASE_INVALID", commit=market, path=MARKET)
    assert any("before its production release" in f["message"] for f in findings)


@pytest.mark.parametrize("release_first", [True, False])
def test_batch_record_changed_in_a_merge_after_the_production_release(
        repo: Path, keys: Keys, release_first: bool) -> None:
    """A branch cut before the production release rewrites the batch record; merged after
    the release, the released record changes on the release's line of history: the merge
    is the commit that does it."""
    fork = head(repo)
    release(repo, keys["li"], "production")
    git(repo, "checkout", "-q", "-b", "rewrite", fork)
    add_doc(repo, RECORD, b"batch,B2026-0001\nstep,rewritten\n", f"BR-{BATCH}", "2", "batch-record")
    commit_as(repo, keys["zhao"], "Batch record rewritten on a side branch")
    if release_first:
        git(repo, "checkout", "-q", "main")
        merge = git_merge(repo, keys["zhao"], "rewrite")
    else:
        merge = git_merge(repo, keys["zhao"], "main")
    assert yaml.safe_load(show(repo, merge, "MANIFEST.yaml"))  # the merged register
    findings = assert_found(repo, "RELEASE_INVALID", path=PRODUCTION)
    assert any(f"BR-{BATCH} changed after the production release" in f["message"]
               for f in findings)
    assert_found(repo, "RELEASE_INVALID", commit=merge, path=PRODUCTION)


def test_release_record_added_by_a_merge_of_its_own(repo: Path, keys: Keys) -> None:
    """A merge whose tree carries a production release no parent has, signed by the clerk."""
    main = head(repo)
    git(repo, "checkout", "-q", "-b", "side")
    add_doc(repo, "records/other.txt", b"other\n", "OTHER-1", "1", "procedure")
    commit_as(repo, keys["zhao"], "other record")
    side = head(repo)
    record = {"batch": BATCH, "step": "production", "date": utcnow().isoformat(),
              "party": "fab", "signer": "zhao.min", "role": "release-reviewer",
              "meaning": "released", "comment": "slipped in", "records": listed_records(repo),
              "deviations": []}
    tree = compose_tree(repo, side, write={PRODUCTION: yaml.safe_dump(record).encode()})
    git(repo, "checkout", "-q", "main")
    merge = hand_merge(repo, keys["zhao"], [main, side], tree, "Merge branch 'side'")
    assert_found(repo, {"RELEASE_INVALID", "UNAUTHORIZED_CHANGE"}, commit=merge, path=PRODUCTION)


def test_deviation_closed_by_an_approval_of_another_revision(repo: Path, keys: Keys) -> None:
    """Rev 1 of the deviation approved; rev 2 registered; the production release claims
    rev 2 closed by rev 1's approval."""
    open_deviation(repo, keys)
    approval = close_deviation(repo, keys)
    (repo / "records" / "deviations" / "DEV-001.txt").write_bytes(b"Fill volume low, worse\n")
    techxfer(repo, "add", "records/deviations/DEV-001.txt", "--id", "DEV-001", "--title",
             "Deviation report", "--category", "deviation", "--revision", "2", "--batch", BATCH)
    commit_as(repo, keys["zhao"], "DEV-001 rev 2")
    dev = next(e for e in yaml.safe_load(show(repo, "HEAD", "MANIFEST.yaml"))["documents"]
               if e["id"] == "DEV-001")
    tx_id = next(p.name for p in (repo / "transfers").iterdir())
    bad = hand_release(repo, keys["li"], "production", "fab", "li.na",
                       records=listed_records(repo),
                       deviations=[{"id": "DEV-001", "revision": "2", "sha256": dev["sha256"],
                                    "transfer": tx_id, "approval_commit": approval}])
    findings = assert_found(repo, "RELEASE_INVALID", commit=bad, path=PRODUCTION)
    assert any("DEV-001" in f["message"] for f in findings)


def test_market_release_backdated_before_the_production_release(repo: Path, keys: Keys) -> None:
    release(repo, keys["li"], "production")
    produced = head(repo)
    when = utcnow() - timedelta(days=3)
    record = {"batch": BATCH, "step": "market", "date": when.isoformat(), "party": "acme",
              "signer": "zhang.wei", "role": "release-reviewer", "meaning": "released",
              "comment": "backdated", "production": production_ref(repo, produced)}
    (repo / MARKET).write_text(yaml.safe_dump(record, sort_keys=False), encoding="utf-8")
    commit_as(repo, keys["zhang"], "market release, backdated", env=dated(when))
    assert_found(repo, "TIME_INCONSISTENT", commit=head(repo))


def test_release_record_under_another_batch_folder(repo: Path, keys: Keys) -> None:
    record = {"batch": BATCH, "step": "production", "date": utcnow().isoformat(),
              "party": "fab", "signer": "li.na", "role": "release-reviewer", "meaning": "released",
              "comment": "elsewhere", "records": listed_records(repo), "deviations": []}
    path = "releases/B2026-0999/production.yaml"
    (repo / path).parent.mkdir(parents=True)
    (repo / path).write_text(yaml.safe_dump(record, sort_keys=False), encoding="utf-8")
    commit_as(repo, keys["li"], "production release in another folder")
    findings = assert_found(repo, "RELEASE_INVALID", commit=head(repo), path=path)
    assert any("differs from its folder" in f["message"] for f in findings)


# -- 1. meanings bound to roles -----------------------------------------------------------------
def set_roles(person: str, roles: list[str]) -> Any:
    def change(config: Path) -> None:
        edit_yaml(config / "parties.yaml", lambda d: [
            p.update(roles=roles) for party in d["parties"].values() for p in party["people"]
            if p["id"] == person])
    return change


def clerk_ack(repo: Path, keys: Keys, tx_id: str, signer: str, role: str) -> bytes:
    """An ``approved`` acknowledgement of TX_ID as zhang would write it, renamed to SIGNER;
    the repository is left as it was."""
    before = head(repo)
    use_signing_key(repo, keys["zhang"])
    techxfer(repo, "ack", tx_id, "--meaning", "approved")
    data = yaml.safe_load(show(repo, "HEAD", f"transfers/{tx_id}/ack.acme.yaml"))
    git(repo, "reset", "-q", "--hard", before)
    data.update(signer=signer, role=role)
    return yaml.safe_dump(data, sort_keys=False).encode()


@pytest.mark.parametrize("order", ["clerk-side-first", "clerk-side-last", "octopus"])
def test_clerks_approval_hidden_in_a_merge(repo: Path, keys: Keys, order: str) -> None:
    """wang (doc-control) writes an ``approved`` acknowledgement as the merge's own change."""
    main = head(repo)
    git(repo, "checkout", "-q", "-b", "side")
    add_doc(repo, "design/other.txt", b"other\n", "OTHER-1", "A")
    commit_as(repo, keys["wang"], "other document")
    side = head(repo)
    git(repo, "checkout", "-q", "main")
    tx_id = transfer(repo, keys["zhao"], f"BR-{BATCH}", to="acme")
    main = head(repo)
    data = clerk_ack(repo, keys, tx_id, "wang.fang", "doc-control")
    tree = compose_tree(repo, main, take={"design": side, "MANIFEST.yaml": side},
                        write={f"transfers/{tx_id}/ack.acme.yaml": data})
    parents = {"clerk-side-first": [side, main], "clerk-side-last": [main, side],
               "octopus": [main, side, git(repo, "rev-parse", "HEAD~1").stdout.strip()]}[order]
    if order == "octopus":
        git(repo, "checkout", "-q", "-b", "third", parents[2])
        commit_as(repo, keys["wang"], "empty third", check=False)
        add_doc(repo, "design/third.txt", b"third\n", "THIRD-1", "A")
        commit_as(repo, keys["wang"], "third document")
        parents[2] = head(repo)
        tree = compose_tree(repo, tree, take={"design/third.txt": parents[2]})
        git(repo, "checkout", "-q", "main")
    merge = hand_merge(repo, keys["wang"], parents, tree, "Merge")
    assert_found(repo, "ACK_INVALID", commit=merge, path=f"transfers/{tx_id}/ack.acme.yaml")


@pytest.mark.parametrize("old_first", [True, False])
def test_approval_signed_while_the_role_is_held_only_on_one_side(
        repo: Path, keys: Keys, old_first: bool) -> None:
    """wang was made a quality head, then (approved) back to a clerk; wang merges the line
    from before the demotion with main, the merge adding wang's ``approved``."""
    approved_config_change(repo, keys, set_roles("wang.fang", ["quality-head", "doc-control"]))
    old = head(repo)
    approved_config_change(repo, keys, set_roles("wang.fang", ["doc-control", "rd-engineer"]))
    git(repo, "checkout", "-q", "-b", "old", old)
    add_doc(repo, "design/other.txt", b"other\n", "OTHER-1", "A")
    commit_as(repo, keys["wang"], "other document")
    side = head(repo)
    git(repo, "checkout", "-q", "main")
    tx_id = transfer(repo, keys["zhao"], f"BR-{BATCH}", to="acme")
    main = head(repo)
    data = clerk_ack(repo, keys, tx_id, "wang.fang", "quality-head")
    tree = compose_tree(repo, main, take={"design": side, "MANIFEST.yaml": side},
                        write={f"transfers/{tx_id}/ack.acme.yaml": data})
    merge = hand_merge(repo, keys["wang"], [side, main] if old_first else [main, side], tree)
    assert_found(repo, "ACK_INVALID", commit=merge, path=f"transfers/{tx_id}/ack.acme.yaml")


def test_policy_granting_a_clerk_approved_approved_by_that_clerk(repo: Path, keys: Keys) -> None:
    """li proposes a policy letting acme's doc-control sign ``approved``; wang (that clerk)
    approves it: the approval is judged under the policy before it, and the grant never
    takes effect (wang's next ``approved`` is still ACK_INVALID)."""
    edit_yaml(repo / ".techxfer" / "policy.yaml", lambda d: d.setdefault("meanings", {}).update(
        approved=["registrant:quality-head", "manufacturer:quality-head", "registrant:doc-control"]))
    tx_id = transfer(repo, keys["li"], to="acme", kind="policy-change")
    path = f"transfers/{tx_id}/ack.acme.yaml"
    data = clerk_ack(repo, keys, tx_id, "wang.fang", "doc-control")
    (repo / path).write_bytes(data)
    commit_as(repo, keys["wang"], "approved by the clerk")
    approval = head(repo)
    tx2 = transfer(repo, keys["zhao"], f"BR-{BATCH}", to="acme")
    path2 = f"transfers/{tx2}/ack.acme.yaml"
    (repo / path2).write_bytes(clerk_ack(repo, keys, tx2, "wang.fang", "doc-control"))
    commit_as(repo, keys["wang"], "approved by the clerk again")
    assert_found(repo, "ACK_INVALID", commit=approval, path=path)
    assert_found(repo, "ACK_INVALID", commit=head(repo), path=path2)


# -- 3. duty records ------------------------------------------------------------------------------
def duty_record(when: Any, **fields: Any) -> dict[str, Any]:
    rec = {"id": "AUD-20260101-R-00c0ffee", "kind": "supplier-audit",
           "date": when.isoformat(timespec="seconds"), "party": "acme", "signer": "zhang.wei",
           "role": "quality-head", "performed": when.date().isoformat(), "subject": "fab",
           "summary": "audit"}
    rec.update(fields)
    return rec


AUDIT = "audits/AUD-20260101-R-00c0ffee.yaml"


def side_branch(repo: Path, keys: Keys) -> tuple[str, str]:
    """(main, side): a side branch with one harmless document by wang."""
    main = head(repo)
    git(repo, "checkout", "-q", "-b", "side")
    add_doc(repo, "design/other.txt", b"other\n", "OTHER-1", "A")
    commit_as(repo, keys["wang"], "other document")
    side = head(repo)
    git(repo, "checkout", "-q", "main")
    return main, side


@pytest.mark.parametrize("side_first", [True, False])
def test_duty_record_added_by_a_merge_signed_by_nobody_entitled(
        repo: Path, keys: Keys, side_first: bool) -> None:
    main, side = side_branch(repo, keys)
    rec = yaml.safe_dump(duty_record(utcnow())).encode()
    tree = compose_tree(repo, main, take={"design": side, "MANIFEST.yaml": side},
                        write={AUDIT: rec})
    merge = hand_merge(repo, keys["wang"], [side, main] if side_first else [main, side], tree)
    assert_found(repo, "UNAUTHORIZED_CHANGE", commit=merge, path=AUDIT)


def test_duty_record_edited_in_a_merge(repo: Path, keys: Keys) -> None:
    (repo / "audits").mkdir()
    (repo / AUDIT).write_text(yaml.safe_dump(duty_record(utcnow())))
    commit_as(repo, keys["zhang"], "supplier audit")
    main, side = side_branch(repo, keys)
    edited = yaml.safe_dump(duty_record(utcnow(), summary="audit, no findings")).encode()
    tree = compose_tree(repo, main, take={"design": side, "MANIFEST.yaml": side},
                        write={AUDIT: edited})
    merge = hand_merge(repo, keys["zhang"], [main, side], tree)
    assert_found(repo, {"RECORD_DELETED", "TRANSFER_INVALID"}, commit=merge, path=AUDIT)


def test_duty_record_dated_unlike_its_commit(repo: Path, keys: Keys) -> None:
    (repo / "audits").mkdir()
    (repo / AUDIT).write_text(yaml.safe_dump(duty_record(utcnow() - timedelta(days=40))))
    commit_as(repo, keys["zhang"], "supplier audit, backdated record")
    assert_found(repo, "TIME_INCONSISTENT", commit=head(repo), path=AUDIT)


# -- 4. controlled copies ------------------------------------------------------------------------
def distribution(repo: Path, source: str, exp_id: str, docs: list[str],
                 returned: list[dict[str, str]] | None = None) -> bytes:
    """A distribution record as export writes it: copies (to fab) of DOCS as SOURCE's design
    register lists them, each naming the last transfer that carried it."""
    manifest = yaml.safe_load(show(repo, source, "design/MANIFEST.yaml"))
    carried = {}
    for path in sorted((repo / "transfers").glob("*/transfer.yaml")):
        tx = yaml.safe_load(path.read_text())
        for item in tx["items"]:
            carried[item["id"]] = tx["id"]
    copies = [{"copy": f"{exp_id}-{i + 1:03d}", "id": e["id"], "path": f"design/{e['path']}",
               "revision": e["revision"], "sha256": e["sha256"], "copy_sha256": e["sha256"],
               "stamped": False, "transfer": carried[e["id"]]}
              for i, e in enumerate(e for e in manifest["documents"] if e["id"] in docs)]
    record: dict[str, Any] = {
        "id": exp_id, "date": utcnow().isoformat(timespec="seconds"), "party": "fab",
        "signer": "zhao.min", "recipient": "fab", "commit": source, "stamped": False,
        "copies": copies}
    if returned:
        record["returned"] = returned
    return yaml.safe_dump(record, sort_keys=False).encode()


def fresh(base_repo: Path, tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    shutil.copytree(base_repo, repo, symlinks=True)
    return repo


@pytest.mark.parametrize("withdrawn_first", [True, False])
def test_distribution_of_a_withdrawn_revision_added_by_a_merge(
        base_repo: Path, tmp_path: Path, keys: Keys, withdrawn_first: bool) -> None:
    repo = fresh(base_repo, tmp_path)
    tx = transfer(repo, keys["wang"], "DRW-001")
    ack(repo, keys["zhao"], tx)
    source = head(repo)
    git(repo, "checkout", "-q", "-b", "side")
    add_doc(repo, "design/other.txt", b"other\n", "OTHER-1", "A")
    commit_as(repo, keys["wang"], "other document")
    side = head(repo)
    git(repo, "checkout", "-q", "main")
    transfer(repo, keys["wang"], "DRW-001", kind="withdrawal")
    withdrawn = head(repo)
    path = "distributions/EXP-20261126-M-0000abcd.yaml"
    tree = compose_tree(repo, withdrawn, take={"design": side}, write={
        path: distribution(repo, source, "EXP-20261126-M-0000abcd", ["DRW-001"])})
    parents = [withdrawn, side] if withdrawn_first else [side, withdrawn]
    merge = hand_merge(repo, keys["zhao"], parents, tree)
    findings = assert_found(repo, "TRANSFER_INVALID", commit=merge, path=path)
    assert any("withdrawn from fab" in f["message"] for f in findings), findings


def copy_returned_on_two_branches(base_repo: Path, tmp_path: Path, keys: Keys
                                  ) -> tuple[Path, list[str], str]:
    """One copy handed out; each of two branches records it given back; merged.
    Returns (repository, the two return commits, the merge)."""
    repo = fresh(base_repo, tmp_path)
    _, made = returning_branches(repo, keys, True, True)
    return repo, made, merge_all(repo, keys, made)


def test_a_copy_returned_on_two_branches(base_repo: Path, tmp_path: Path, keys: Keys) -> None:
    repo, made, merge = copy_returned_on_two_branches(base_repo, tmp_path, keys)
    findings = assert_found(repo, "TRANSFER_INVALID")
    hits = [f for f in findings if "returned a second time" in f["message"]]
    assert hits and {f["commit"] for f in hits} <= {*made, merge}, findings


def test_a_copy_returned_on_two_branches_is_blamed_on_the_merge(
        base_repo: Path, tmp_path: Path, keys: Keys) -> None:
    repo, made, merge = copy_returned_on_two_branches(base_repo, tmp_path, keys)
    findings = assert_found(repo, "TRANSFER_INVALID", commit=merge)
    assert not any(f["commit"] in made for f in findings), findings


def returning_branches(repo: Path, keys: Keys, *returns: bool) -> tuple[str, list[str]]:
    """Copy -001 of DRW-001 handed out at a fork; one branch per RETURNS from it, each
    recording a distribution that gives the copy back (True) or hands nothing out and takes
    nothing back (False). Returns (the copy-out commit, the branches' commits)."""
    tx = transfer(repo, keys["wang"], "DRW-001")
    ack(repo, keys["zhao"], tx)
    first = "EXP-20261126-M-0000aaaa"
    (repo / "distributions").mkdir()
    (repo / f"distributions/{first}.yaml").write_bytes(distribution(repo, head(repo), first,
                                                                    ["DRW-001"]))
    commit_as(repo, keys["zhao"], "copies handed out")
    fork = head(repo)
    made = []
    for n, gives_back in enumerate(returns):
        exp_id = f"EXP-20261126-M-0000b{n:03d}"
        git(repo, "checkout", "-q", "-b", f"line-{n}", fork)
        back = [{"copy": f"{first}-001", "id": "DRW-001", "revision": "A", "reason": "done"}]
        (repo / f"distributions/{exp_id}.yaml").write_bytes(
            distribution(repo, fork, exp_id, [], returned=back if gives_back else None))
        commit_as(repo, keys["zhao"], f"distribution on line {n}")
        made.append(head(repo))
    git(repo, "checkout", "-q", "main")
    return fork, made


def merge_all(repo: Path, keys: Keys, parents: list[str]) -> str:
    """One merge of PARENTS (two: a real git merge; more: an octopus), holding every
    distribution record of each."""
    if len(parents) == 2:
        git(repo, "checkout", "-q", "-B", "main", parents[0])
        return git_merge(repo, keys["zhao"], parents[1])
    take = {path: rev for rev in parents[1:] for path in git(
        repo, "diff", "--name-only", f"{parents[0]}...{rev}", "--", "distributions").stdout.split()}
    return hand_merge(repo, keys["zhao"], parents, compose_tree(repo, parents[0], take=take))


@pytest.mark.parametrize("order", ["a-b", "b-a", "octopus-other-first", "octopus-other-between"])
def test_a_copy_returned_on_two_lines_is_blamed_on_the_merge_in_any_order(
        base_repo: Path, tmp_path: Path, keys: Keys, order: str) -> None:
    """Lines a and b each give the copy back once; a third line records a distribution
    giving nothing back. However they are merged, the second return is the merge's."""
    repo = fresh(base_repo, tmp_path)
    _, (a, b, other) = returning_branches(repo, keys, True, True, False)
    parents = {"a-b": [a, b], "b-a": [b, a], "octopus-other-first": [other, a, b],
               "octopus-other-between": [a, other, b]}[order]
    merge = merge_all(repo, keys, parents)
    findings = assert_found(repo, "TRANSFER_INVALID", commit=merge)
    twice = [f for f in findings if "returned a second time" in f["message"]]
    assert [f["commit"] for f in twice] == [merge], findings  # once, on the merge only


@pytest.mark.parametrize("order", ["returned-first", "other-first", "octopus"])
def test_a_copy_returned_on_one_line_merged_with_others_is_no_second_return(
        base_repo: Path, tmp_path: Path, keys: Keys, order: str) -> None:
    repo = fresh(base_repo, tmp_path)
    _, (returned, other, third) = returning_branches(repo, keys, True, False, False)
    parents = {"returned-first": [returned, other], "other-first": [other, returned],
               "octopus": [other, returned, third]}[order]
    merge_all(repo, keys, parents)
    rc, findings = verify(repo)
    assert rc == 0 and not findings, findings


def test_a_merge_of_a_line_already_holding_both_returns_is_not_blamed_again(
        base_repo: Path, tmp_path: Path, keys: Keys) -> None:
    """The two returns met at a first merge (its finding); a later merge of that line with
    a line holding one of them brings nothing new together."""
    repo = fresh(base_repo, tmp_path)
    _, (a, b, other) = returning_branches(repo, keys, True, True, False)
    first = merge_all(repo, keys, [a, b])
    later = merge_all(repo, keys, [a, first])
    again = merge_all(repo, keys, [other, later])
    findings = assert_found(repo, "TRANSFER_INVALID", commit=first)
    assert {f["commit"] for f in findings if "returned a second time" in f["message"]} \
        == {first}, findings
    assert again and later


def test_a_copy_handed_out_on_another_line_is_not_returned_on_this_one(
        base_repo: Path, tmp_path: Path, keys: Keys) -> None:
    """Copy -001 handed out on one branch only; another branch, cut before it, records it
    given back: on that line it was never handed out (whichever the walk meets first)."""
    repo = fresh(base_repo, tmp_path)
    tx = transfer(repo, keys["wang"], "DRW-001")
    ack(repo, keys["zhao"], tx)
    fork = head(repo)
    first = "EXP-20261126-M-0000aaaa"
    (repo / "distributions").mkdir()
    (repo / f"distributions/{first}.yaml").write_bytes(distribution(repo, fork, first,
                                                                    ["DRW-001"]))
    commit_as(repo, keys["zhao"], "copies handed out")
    git(repo, "checkout", "-q", "-b", "elsewhere", fork)
    back = [{"copy": f"{first}-001", "id": "DRW-001", "revision": "A", "reason": "done"}]
    (repo / "distributions").mkdir(exist_ok=True)
    path = "distributions/EXP-20261126-M-0000dddd.yaml"
    (repo / path).write_bytes(distribution(repo, fork, "EXP-20261126-M-0000dddd", [],
                                           returned=back))
    commit_as(repo, keys["zhao"], "a copy given back that this line never handed out")
    returned = head(repo)
    git_merge(repo, keys["zhao"], "main")
    findings = assert_found(repo, "TRANSFER_INVALID", commit=returned, path=path)
    assert any("was not handed to fab" in f["message"] for f in findings), findings


# -- 5. holds across merges -------------------------------------------------------------------------
@pytest.mark.parametrize("order", ["hold-dispose", "dispose-hold", "third-first"])
def test_destruction_and_hold_on_two_branches_in_an_octopus(
        base_repo: Path, tmp_path: Path, keys: Keys, order: str) -> None:
    """SOP-OLD may be destroyed (notice approved); zhang places a hold on one branch, zhao
    destroys it on another, a third branch is harmless; one octopus merges all three, so
    the destruction lands on the hold's line of history."""
    repo = tmp_path / "repo"
    shutil.copytree(base_repo, repo, symlinks=True)
    notice, approval = disposable_record(repo, keys)
    fork = head(repo)
    git(repo, "checkout", "-q", "-b", "hold")
    hold_id = place_hold(repo, keys, "SOP-OLD")
    hold = head(repo)
    git(repo, "checkout", "-q", "-b", "dispose", fork)
    destroyed = dispose_by_hand(repo, keys, notice, approval, utcnow())
    git(repo, "checkout", "-q", "-b", "third", fork)
    add_doc(repo, "design/other.txt", b"other\n", "OTHER-1", "A")
    commit_as(repo, keys["wang"], "other document")
    third = head(repo)
    git(repo, "checkout", "-q", "main")
    tree = compose_tree(repo, destroyed, take={".techxfer/holds": hold, "design": third})
    parents = {"hold-dispose": [hold, destroyed, third], "dispose-hold": [destroyed, hold, third],
               "third-first": [third, destroyed, hold]}[order]
    merge = hand_merge(repo, keys["zhang"], parents, tree, "Merge branches")
    assert show(repo, merge, f".techxfer/holds/{hold_id}.yaml")
    assert_found(repo, "RECORD_DELETED", commit=merge)


# -- the server judges the same histories ---------------------------------------------------------
def serve(repo: Path, tmp_path: Path) -> Path:
    """A bare server repository with the pre-receive hook, main pushed to it."""
    bare = tmp_path / "server.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    techxfer(tmp_path, "hooks", "install", "--server", str(bare))
    git(repo, "remote", "add", "origin", f"file://{bare}")
    git(repo, "push", "-q", "origin", "main")
    return bare


def refused_push(repo: Path, bare: Path, code: str, *refs: str) -> None:
    before = head(bare, "main")
    proc = git(repo, "push", "origin", *(refs or ("main",)), check=False)
    assert proc.returncode != 0 and code in proc.stderr, proc.stderr
    assert head(bare, "main") == before


def test_server_refuses_a_released_record_changed_by_a_merge(repo: Path, keys: Keys,
                                                             tmp_path: Path) -> None:
    bare = serve(repo, tmp_path)
    fork = head(repo)
    release(repo, keys["li"], "production")
    git(repo, "push", "-q", "origin", "main")
    git(repo, "checkout", "-q", "-b", "rewrite", fork)
    add_doc(repo, RECORD, b"batch,B2026-0001\nstep,rewritten\n", f"BR-{BATCH}", "2", "batch-record")
    commit_as(repo, keys["zhao"], "Batch record rewritten on a side branch")
    git_merge(repo, keys["zhao"], "main")
    refused_push(repo, bare, "RELEASE_INVALID", "rewrite:main")


def test_server_refuses_an_approval_by_a_role_held_on_one_side_only(
        repo: Path, keys: Keys, tmp_path: Path) -> None:
    bare = serve(repo, tmp_path)
    approved_config_change(repo, keys, set_roles("wang.fang", ["quality-head", "doc-control"]))
    old = head(repo)
    approved_config_change(repo, keys, set_roles("wang.fang", ["doc-control", "rd-engineer"]))
    tx_id = transfer(repo, keys["zhao"], f"BR-{BATCH}", to="acme")
    git(repo, "push", "-q", "origin", "main")
    main = head(repo)
    data = clerk_ack(repo, keys, tx_id, "wang.fang", "quality-head")
    tree = compose_tree(repo, main, write={f"transfers/{tx_id}/ack.acme.yaml": data})
    git(repo, "checkout", "-q", "-b", "old", old)
    add_doc(repo, "design/other.txt", b"other\n", "OTHER-1", "A")
    commit_as(repo, keys["wang"], "other document")
    side = head(repo)
    git(repo, "checkout", "-q", "main")
    tree = compose_tree(repo, tree, take={"design": side, "MANIFEST.yaml": side})
    hand_merge(repo, keys["wang"], [main, side], tree)
    refused_push(repo, bare, "ACK_INVALID")


def test_a_record_changed_on_a_line_without_the_release_is_not_blamed(
        repo: Path, keys: Keys) -> None:
    fork = head(repo)
    release(repo, keys["li"], "production")
    git(repo, "checkout", "-q", "-b", "rewrite", fork)
    add_doc(repo, RECORD, b"batch,B2026-0001\nstep,rewritten\n", f"BR-{BATCH}", "2", "batch-record")
    commit_as(repo, keys["zhao"], "Batch record rewritten on a side branch")
    rewrite = head(repo)
    git(repo, "checkout", "-q", "main")
    merge = git_merge(repo, keys["zhao"], "rewrite")
    findings = assert_found(repo, "RELEASE_INVALID", commit=merge, path=PRODUCTION)
    assert not any(f["commit"] == rewrite for f in findings), findings


def release_and_rewrite(repo: Path, keys: Keys) -> tuple[str, str, str]:
    """From a fork: the production release on main, the batch record rewritten on a line
    cut before it, and an empty signed commit on a third line. Returns the three commits."""
    fork = head(repo)
    release(repo, keys["li"], "production")
    produced = head(repo)
    git(repo, "checkout", "-q", "-b", "rewrite", fork)
    add_doc(repo, RECORD, b"batch,B2026-0001\nstep,rewritten\n", f"BR-{BATCH}", "2", "batch-record")
    commit_as(repo, keys["zhao"], "Batch record rewritten on a side branch")
    rewrite = head(repo)
    tree = git(repo, "rev-parse", f"{fork}^{{tree}}").stdout.strip()
    third = signed_commit_tree(repo, keys["zhao"], tree, [fork], "nothing changed")
    git(repo, "checkout", "-q", "main")
    return produced, rewrite, third


@pytest.mark.parametrize("order", ["release-rewrite", "rewrite-release", "octopus-third-first",
                                   "octopus-rewrite-first"])
def test_a_released_record_changed_on_another_line_is_blamed_on_the_merge_in_any_order(
        repo: Path, keys: Keys, order: str) -> None:
    produced, rewrite, third = release_and_rewrite(repo, keys)
    parents = {"release-rewrite": [produced, rewrite], "rewrite-release": [rewrite, produced],
               "octopus-third-first": [third, rewrite, produced],
               "octopus-rewrite-first": [rewrite, third, produced]}[order]
    tree = compose_tree(repo, rewrite, take={PRODUCTION: produced})
    merge = hand_merge(repo, keys["zhao"], parents, tree)
    findings = assert_found(repo, "RELEASE_INVALID", commit=merge, path=PRODUCTION)
    assert any(f"BR-{BATCH} changed after the production release" in f["message"]
               for f in findings if f["commit"] == merge), findings
    assert not any(f["commit"] in (rewrite, third) for f in findings), findings


@pytest.mark.parametrize("order", ["release-rewrite", "rewrite-release", "octopus"])
def test_a_rewrite_left_behind_by_the_merge_is_nobody_s_release_finding(
        repo: Path, keys: Keys, order: str) -> None:
    """The merge keeps the released record as released: the rewrite never reached the
    release's line of history, so no commit changed a released record."""
    produced, rewrite, third = release_and_rewrite(repo, keys)
    parents = {"release-rewrite": [produced, rewrite], "rewrite-release": [rewrite, produced],
               "octopus": [third, rewrite, produced]}[order]
    merge = hand_merge(repo, keys["zhao"], parents, compose_tree(repo, produced))
    assert show(repo, merge, RECORD) == show(repo, produced, RECORD)
    _, findings = verify(repo)
    assert not any(f["code"] == "RELEASE_INVALID" for f in findings), findings


def test_a_released_record_changed_later_on_the_release_line_is_still_blamed(
        repo: Path, keys: Keys) -> None:
    """The line that holds the release (merged in from a side branch) still guards it."""
    produced, rewrite, third = release_and_rewrite(repo, keys)
    git(repo, "checkout", "-q", "-B", "main", third)
    merged = git_merge(repo, keys["zhao"], produced)
    assert show(repo, merged, PRODUCTION)
    add_doc(repo, RECORD, b"batch,B2026-0001\nstep,changed later\n", f"BR-{BATCH}", "3",
            "batch-record")
    commit_as(repo, keys["zhao"], "Batch record changed after the release was merged in")
    later = head(repo)
    findings = assert_found(repo, "RELEASE_INVALID", commit=later, path=PRODUCTION)
    assert not any(f["commit"] in (rewrite, merged) for f in findings), findings
