"""Attacks on the rules that landed today (meanings bound to roles, batch release in two
steps), as the audited party would make them: real signed histories, real git, real keys.
Each test asserts the finding verify must report on the commit to blame; a rule that
misses one is marked xfail(strict) with the reason (see the report on branch ``attack``).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from attack_helpers import (
    approved_config_change,
    assert_found,
    compose_tree,
    dated,
    edit_yaml,
    git_merge,
    hand_merge,
    head,
    sha256,
    show,
    transfer,
    utcnow,
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
    repo,
)

Keys = dict[str, SshKey]


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
    tx = yaml.safe_load(show(repo, "HEAD", "MANIFEST.yaml"))
    assert tx
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
