"""Meanings belong to roles (issue 18 item 1, DESIGN 11): who may sign received, reviewed,
approved and rejected, judged by ``verify`` (ACK_INVALID), refused up front by ``techxfer
ack``, configurable in ``policy.yaml`` ``meanings:`` and validated by ``techxfer check``.

Real signed histories: the cast of conftest (zhang.wei and li.na quality heads, wang.fang
and zhao.min document control)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from attack_helpers import (
    ack,
    approved_config_change,
    assert_clean,
    assert_found,
    edit_yaml,
    head,
    transfer,
    utcnow,
    verify,
)
from conftest import SshKey, commit_as, git, init_repo, techxfer, use_signing_key

LATER = ("--as-of", "2099-01-01")


def hand_ack(repo: Path, key: SshKey, tx: str, signer: str, role: str, meaning: str,
             party: str = "fab") -> str:
    """The acknowledgement ``techxfer ack`` refuses to write, written and signed by hand."""
    record = yaml.safe_load((repo / "transfers" / tx / "transfer.yaml").read_text())
    tx_commit = git(repo, "log", "--diff-filter=A", "--format=%H", "--",
                    f"transfers/{tx}/transfer.yaml").stdout.split()[-1]
    (repo / "transfers" / tx / f"ack.{party}.yaml").write_text(yaml.safe_dump({
        "transfer": tx, "transfer_commit": tx_commit, "manifest_digest": record["manifest_digest"],
        "party": party, "signer": signer, "role": role, "meaning": meaning,
        "date": utcnow().isoformat(timespec="seconds")}))
    commit_as(repo, key, f"Acknowledge {tx}: {meaning}")
    return head(repo)


def unchanged(repo: Path) -> tuple[str, str, str]:
    return (head(repo), git(repo, "status", "--porcelain", "--untracked-files=all").stdout,
            git(repo, "ls-files", "-s").stdout)


def test_the_clerks_approval_is_caught(repo: Path, keys: dict[str, SshKey]) -> None:
    tx = transfer(repo, keys["wang"], "DRW-001")
    commit = hand_ack(repo, keys["zhao"], tx, "zhao.min", "doc-control", "approved")
    findings = assert_found(repo, "ACK_INVALID", commit=commit,
                            path=f"transfers/{tx}/ack.fab.yaml")
    message = next(f["message"] for f in findings if f["code"] == "ACK_INVALID")
    assert "doc-control" in message and "'approved'" in message
    assert "manufacturer:quality-head" in message
    # the invalid approval acknowledges nothing: past the deadline the transfer is unanswered
    assert "ACK_MISSING" in {f["code"] for f in verify(repo, *LATER)[1]}


def test_the_clerks_rejection_is_caught_too(repo: Path, keys: dict[str, SshKey]) -> None:
    tx = transfer(repo, keys["wang"], "DRW-001")
    commit = hand_ack(repo, keys["zhao"], tx, "zhao.min", "doc-control", "rejected")
    findings = assert_found(repo, "ACK_INVALID", commit=commit)
    assert any("'rejected'" in f["message"] for f in findings)


def test_ack_refuses_the_clerks_approval_up_front(repo: Path, keys: dict[str, SshKey]) -> None:
    tx = transfer(repo, keys["wang"], "DRW-001")
    use_signing_key(repo, keys["zhao"])
    before = unchanged(repo)
    for meaning in ("approved", "rejected"):
        proc = techxfer(repo, "ack", tx, "--meaning", meaning, check=False)
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        assert f"may not sign '{meaning}'" in proc.stderr and "doc-control" in proc.stderr
        # which meaning the transfer needs, and who may sign it
        assert "needs 'received'" in proc.stderr
        assert "fab:zhao.min" in proc.stderr
        assert unchanged(repo) == before
    assert not (repo / "transfers" / tx / "ack.fab.yaml").exists()


def test_the_quality_heads_approval_and_the_clerks_receipt_are_clean(
        repo: Path, keys: dict[str, SshKey]) -> None:
    first = transfer(repo, keys["wang"], "DRW-001")
    ack(repo, keys["li"], first, "approved")
    second = transfer(repo, keys["wang"], "SPEC-001")
    ack(repo, keys["zhao"], second, "received")
    record = yaml.safe_load((repo / "transfers" / first / "ack.fab.yaml").read_text())
    assert (record["signer"], record["role"], record["meaning"]) == ("li.na", "quality-head",
                                                                      "approved")
    assert_clean(repo)


def test_a_policy_change_approved_by_a_clerk(repo: Path, keys: dict[str, SshKey]) -> None:
    edit_yaml(repo / ".techxfer" / "repo.yaml", lambda d: d.update(ack_within_days=20))
    tx = transfer(repo, keys["li"], to="acme", kind="policy-change")
    use_signing_key(repo, keys["wang"])
    before = unchanged(repo)
    for meaning in ("approved", "received"):
        proc = techxfer(repo, "ack", tx, "--meaning", meaning, check=False)
        assert proc.returncode == 2 and unchanged(repo) == before, proc.stderr
        assert "needs 'approved' (or 'rejected'), signed by registrant:quality-head, " \
               "manufacturer:quality-head" in proc.stderr
    commit = hand_ack(repo, keys["wang"], tx, "wang.fang", "doc-control", "approved",
                      party="acme")
    assert_found(repo, "ACK_INVALID", commit=commit)
    # the change never came into force
    assert "CHANGE_NOT_APPROVED" in {f["code"] for f in verify(repo, *LATER)[1]}


def test_a_quality_head_cannot_merely_receive_a_policy_change(
        repo: Path, keys: dict[str, SshKey]) -> None:
    edit_yaml(repo / ".techxfer" / "repo.yaml", lambda d: d.update(ack_within_days=20))
    tx = transfer(repo, keys["li"], to="acme", kind="policy-change")
    use_signing_key(repo, keys["zhang"])
    proc = techxfer(repo, "ack", tx, "--meaning", "received", check=False)
    assert proc.returncode == 2 and "'received' does not settle it" in proc.stderr
    ack(repo, keys["zhang"], tx, "approved")
    assert_clean(repo)


def test_a_disposal_notice_approved_by_a_clerk(repo: Path, keys: dict[str, SshKey]) -> None:
    from attack_helpers import zhao_batch_record

    zhao_batch_record(repo, keys)
    tx = transfer(repo, keys["zhao"], "BR-1", to="acme", kind="disposal-notice")
    use_signing_key(repo, keys["wang"])
    proc = techxfer(repo, "ack", tx, "--meaning", "approved", check=False)
    assert proc.returncode == 2 and "may not sign 'approved'" in proc.stderr
    commit = hand_ack(repo, keys["wang"], tx, "wang.fang", "doc-control", "approved",
                      party="acme")
    assert_found(repo, "ACK_INVALID", commit=commit)


def test_custom_meanings_are_honoured(repo: Path, keys: dict[str, SshKey]) -> None:
    def meanings(config: Path) -> None:
        edit_yaml(config / "policy.yaml", lambda d: d.update(meanings={
            **d["meanings"],
            "approved": ["registrant:quality-head", "manufacturer:quality-head",
                         "manufacturer:doc-control"],
            "received": ["registrant:quality-head", "manufacturer:quality-head"]}))

    approved_config_change(repo, keys, meanings)
    first = transfer(repo, keys["wang"], "DRW-001")
    ack(repo, keys["zhao"], first, "approved")  # the policy now lets fab's clerk approve
    second = transfer(repo, keys["wang"], "SPEC-001")
    use_signing_key(repo, keys["zhao"])
    proc = techxfer(repo, "ack", second, "--meaning", "received", check=False)
    assert proc.returncode == 2 and "may not sign 'received'" in proc.stderr
    assert "needs 'received', signed by registrant:quality-head, manufacturer:quality-head" \
        in proc.stderr
    commit = hand_ack(repo, keys["zhao"], second, "zhao.min", "doc-control", "received")
    findings = assert_found(repo, "ACK_INVALID", commit=commit)
    assert [f["commit"] for f in findings if f["code"] == "ACK_INVALID"] == [commit]


def test_a_meaning_given_before_the_policy_allowed_it(repo: Path, keys: dict[str, SshKey]) -> None:
    """Judged by the policy in force at the time: the clerk's approval signed before the
    approved change that lets clerks approve stays a finding."""
    tx = transfer(repo, keys["wang"], "DRW-001")
    commit = hand_ack(repo, keys["zhao"], tx, "zhao.min", "doc-control", "approved")
    approved_config_change(repo, keys, lambda c: edit_yaml(
        c / "policy.yaml", lambda d: d["meanings"]["approved"].append("manufacturer:doc-control")))
    assert_found(repo, "ACK_INVALID", commit=commit)


def test_a_policy_without_meanings_gets_the_defaults(tmp_path: Path,
                                                     keys: dict[str, SshKey]) -> None:
    """Repositories made before ``meanings:`` existed: receipts go on as before, a clerk's
    approval in their history becomes a finding (the point of issue 18)."""
    root = init_repo(tmp_path / "old", keys, commit=False)
    edit_yaml(root / ".techxfer" / "policy.yaml", lambda d: d.pop("meanings"))
    commit_as(root, keys["zhang"], "Trust root")
    (root / "design").mkdir()
    (root / "design" / "MANIFEST.yaml").write_text("format: 1\ndocuments: []\n")
    for rel, doc in (("design/a.txt", "DOC-A"), ("design/b.txt", "DOC-B")):
        (root / rel).write_text(f"{doc}\n")
        techxfer(root, "add", rel, "--id", doc, "--title", doc, "--category", "design-output",
                 "--revision", "A")
    commit_as(root, keys["wang"], "Register")
    first = transfer(root, keys["wang"], "DOC-A")
    ack(root, keys["zhao"], first, "received")
    assert_clean(root)
    second = transfer(root, keys["wang"], "DOC-B")
    commit = hand_ack(root, keys["zhao"], second, "zhao.min", "doc-control", "approved")
    assert_found(root, "ACK_INVALID", commit=commit)


def _check(repo: Path) -> tuple[int, list[dict[str, Any]]]:
    proc = techxfer(repo, "check", "--json", check=False)
    return proc.returncode, json.loads(proc.stdout)["findings"]


def test_check_names_an_unknown_meaning_or_role(repo: Path) -> None:
    policy = repo / ".techxfer" / "policy.yaml"
    original = policy.read_text()
    rc, findings = _check(repo)
    assert rc == 0 and findings == []
    edit_yaml(policy, lambda d: d["meanings"].update(aproved=["registrant:quality-head"]))
    rc, findings = _check(repo)
    assert rc == 1 and any(f["code"] == "MANIFEST_INVALID" and f["path"] == ".techxfer/policy.yaml"
                           and "meanings" in f["message"] and "aproved" in f["message"]
                           for f in findings), findings
    policy.write_text(original)
    edit_yaml(policy, lambda d: d["meanings"].update(approved=["registrant:quality-haed"]))
    rc, findings = _check(repo)
    assert rc == 1 and any(f["code"] == "MANIFEST_INVALID" and "meanings.approved[0]" in f["message"]
                           and "quality-haed" in f["message"] for f in findings), findings
    policy.write_text(original)
    edit_yaml(policy, lambda d: d["meanings"].update(approved=["nobody-here:quality-head"]))
    rc, findings = _check(repo)
    assert rc == 1 and any("meanings.approved[0]" in f["message"] for f in findings), findings


def test_the_demo_is_clean_under_the_new_defaults(tmp_path: Path) -> None:
    proc = techxfer(tmp_path, "demo", str(tmp_path / "demo"))
    assert "0 findings" in proc.stdout and "clean: 15 documents" in proc.stdout
    assert "zhao.min tries 'approved': refused, nothing written" in proc.stdout
    assert "acknowledged 'received' by fab:zhao.min (doc-control)" in proc.stdout
    # the batch released in two steps, the yearly audit recorded, and the next due dates
    demo = tmp_path / "demo"
    assert (demo / "releases" / "B2026-0001" / "production.yaml").is_file()
    assert (demo / "releases" / "B2026-0001" / "market.yaml").is_file()
    assert len(list((demo / "audits").glob("AUD-*.yaml"))) == 1
    # training before the batch cites the process documents; a superseded copy recalled
    trained = sorted(p.relative_to(demo).as_posix() for p in (demo / "training").rglob("*.yaml"))
    assert trained == ["training/PFC-IP300@A/fab.chen.gang.yaml",
                       "training/WI-IP300-010@A/fab.chen.gang.yaml"]
    assert "to recall: copy" in proc.stdout and "(DRW-IP300-001 rev A): superseded by rev B" \
        in proc.stdout
    records = [yaml.safe_load(p.read_text()) for p in (demo / "distributions").glob("*.yaml")]
    [returned] = [r["returned"] for r in records if "returned" in r]
    assert [(r["id"], r["revision"]) for r in returned] == [("DRW-IP300-001", "A")]
    # design outputs approved before use; the manufacturer's change approved, then implemented
    approvals = sorted(p.name for p in (demo / "approvals").glob("*.yaml"))
    assert approvals == ["BOM-IP300@A.yaml", "DRW-IP300-001@A.yaml", "DRW-IP300-001@B.yaml",
                         "DRW-IP300-002@A.yaml", "PTR-IP300@A.yaml"]
    [implemented] = list((demo / "transfers").glob("*/implemented.yaml"))
    done = yaml.safe_load(implemented.read_text())
    assert (done["first_batch"], done["signer"], done["meaning"]) == ("B2026-0002", "li.na",
                                                                      "implemented")
    request = yaml.safe_load((implemented.parent / "transfer.yaml").read_text())
    assert (request["type"], request["from"]) == ("change-request", "fab")
    assert "supplier-audit (acme, fab) [H 1.1.2]" in proc.stdout
    assert "self-inspection (acme," in proc.stdout
    policy = yaml.safe_load((tmp_path / "demo" / ".techxfer" / "policy.yaml").read_text())
    assert policy["meanings"]["approved"] == ["registrant:quality-head",
                                              "manufacturer:quality-head"]
    assert policy["meanings"]["rejected"] == policy["meanings"]["approved"]
    assert_clean(tmp_path / "demo")


def test_the_server_refuses_the_clerks_approval(repo: Path, keys: dict[str, SshKey],
                                                tmp_path: Path) -> None:
    """The same rule in the pre-receive hook: the clerk's approval is refused on push, the
    quality head's accepted."""
    bare = tmp_path / "server.git"
    techxfer(tmp_path, "server", "create", str(bare))
    git(repo, "remote", "add", "origin", f"file://{bare}")
    assert git(repo, "push", "-q", "origin", "main", check=False).returncode == 0
    tx = transfer(repo, keys["wang"], "DRW-001")
    good = head(repo)
    hand_ack(repo, keys["zhao"], tx, "zhao.min", "doc-control", "approved")
    proc = git(repo, "push", "origin", "main", check=False)
    assert proc.returncode != 0 and "ACK_INVALID" in proc.stderr and "'approved'" in proc.stderr
    assert git(bare, "rev-parse", "main").stdout.strip() != head(repo)
    git(repo, "reset", "-q", "--hard", good)
    ack(repo, keys["li"], tx, "approved")
    assert git(repo, "push", "-q", "origin", "main", check=False).returncode == 0
    assert git(bare, "rev-parse", "main").stdout.strip() == head(repo)
