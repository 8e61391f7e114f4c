"""Batch release in two steps (issue 19 item 1; DESIGN 11): ``techxfer release production``
by the manufacturer's release reviewer, then ``release market`` by the registrant's, and
``verify`` reporting RELEASE_INVALID for market before production, the wrong party or
role, a release over an open deviation, a batch record changed after the production
release, and a market release not bound to the production release.

Real signed histories: the commands run as a user would; the bad releases the commands
refuse are written by hand and committed with a real signature, and ``verify`` must
catch each one.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from attack_helpers import (
    assert_clean,
    assert_found,
    edit_yaml,
    git_merge,
    head,
    sha256,
    show,
    verify,
)
from conftest import SshKey, add_doc, commit_as, git, isolated_env, techxfer, use_signing_key

# (party, id, name, roles, key name): li.na and zhang.wei are also their party's release
# reviewers; zhao.min (doc-control) files the batch records and is no release reviewer.
CAST = [
    ("acme", "zhang.wei", "张伟", ["quality-head", "release-reviewer"], "zhang"),
    ("acme", "wang.fang", "王芳", ["doc-control", "rd-engineer"], "wang"),
    ("fab", "li.na", "李娜", ["quality-head", "release-reviewer"], "li"),
    ("fab", "zhao.min", "赵敏", ["doc-control"], "zhao"),
]
BATCH = "B2026-0001"
RECORD = f"records/batch/{BATCH}.csv"
PRODUCTION = f"releases/{BATCH}/production.yaml"
MARKET = f"releases/{BATCH}/market.yaml"


@pytest.fixture(scope="session")
def release_base(tmp_path_factory: pytest.TempPathFactory, keys: dict[str, SshKey]) -> Path:
    """Trust root with the cast above, then the manufacturer's batch record BR-B2026-0001."""
    with isolated_env(tmp_path_factory):
        root = tmp_path_factory.mktemp("release") / "repo"
        techxfer(root.parent, "init", str(root), "--registrant", "acme", "--manufacturer", "fab",
                 "--product", "Test pump")
        for party, pid, name, roles, key in CAST:
            args = ["person", "add", party, pid, "--name", name, "--key", str(keys[key].public)]
            for role in roles:
                args += ["--role", role]
            techxfer(root, *args)
        edit_yaml(root / ".techxfer" / "repo.yaml", lambda d: d.update(device_lifetime_years=3))
        commit_as(root, keys["zhang"], "Trust root")
        add_doc(root, RECORD, b"batch,B2026-0001\nstep,ok\n", f"BR-{BATCH}", "1", "batch-record")
        commit_as(root, keys["zhao"], "Batch record")
    return root


@pytest.fixture
def repo(release_base: Path, tmp_path: Path) -> Path:
    target = tmp_path / "repo"
    shutil.copytree(release_base, target, symlinks=True)
    return target


def release(repo: Path, key: SshKey, step: str, *args: str, check: bool = True) -> Any:
    use_signing_key(repo, key)
    return techxfer(repo, "release", step, BATCH, *args, "-m", f"{step} review done", check=check)


def state_of(repo: Path) -> tuple[str, str, str]:
    """What a refused command must leave as it was: HEAD, working tree, index."""
    return (head(repo), git(repo, "status", "--porcelain", "--untracked-files=all").stdout,
            git(repo, "ls-files", "-s").stdout)


def refused(repo: Path, key: SshKey, step: str, *words: str, args: tuple[str, ...] = ()) -> str:
    """The command exits 2 with a clear error naming every WORD, and writes nothing."""
    before = state_of(repo)
    proc = release(repo, key, step, *args, check=False)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    for word in words:
        assert word in proc.stderr, proc.stderr
    assert state_of(repo) == before
    return str(proc.stderr)


def now_text() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def entry(repo: Path, doc_id: str, rev: str | None = "HEAD") -> dict[str, Any]:
    """A register entry at REV (None: the working tree)."""
    text = show(repo, rev, "MANIFEST.yaml") if rev else (repo / "MANIFEST.yaml").read_bytes()
    data = yaml.safe_load(text)
    found: dict[str, Any] = next(d for d in data["documents"] if d["id"] == doc_id)
    return found


def hand_release(repo: Path, key: SshKey, step: str, party: str, signer: str,
                 role: str = "release-reviewer", **body: Any) -> str:
    """A release record written by hand, as the command would write it, committed signed."""
    record = {"batch": BATCH, "step": step, "date": now_text(), "party": party, "signer": signer,
              "role": role, "meaning": "released", "comment": "by hand", **body}
    path = repo / f"releases/{BATCH}/{step}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    commit_as(repo, key, f"{step} release by hand", f"releases/{BATCH}/{step}.yaml")
    return head(repo)


def listed_records(repo: Path) -> list[dict[str, str]]:
    e = entry(repo, f"BR-{BATCH}")
    return [{"id": e["id"], "path": e["path"], "revision": str(e["revision"]),
             "sha256": e["sha256"]}]


def open_deviation(repo: Path, keys: dict[str, SshKey]) -> None:
    """The manufacturer registers a deviation report naming the batch (x-batch)."""
    (repo / "records" / "deviations").mkdir(parents=True, exist_ok=True)
    (repo / "records" / "deviations" / "DEV-001.txt").write_bytes(b"Fill volume low on line 2\n")
    techxfer(repo, "add", "records/deviations/DEV-001.txt", "--id", "DEV-001", "--title",
             "Deviation report", "--category", "deviation", "--revision", "1", "--batch", BATCH)
    assert entry(repo, "DEV-001", rev=None)["x-batch"] == BATCH
    commit_as(repo, keys["zhao"], "Deviation DEV-001 on the batch")


def close_deviation(repo: Path, keys: dict[str, SshKey]) -> str:
    """Sent to the registrant, who approves it: closed. Returns the approval commit."""
    use_signing_key(repo, keys["zhao"])
    out = techxfer(repo, "transfer", "DEV-001", "--to", "acme", "-m", "deviation report").stdout
    tx_id = out.split()[1]
    use_signing_key(repo, keys["zhang"])
    techxfer(repo, "ack", tx_id, "--meaning", "approved")
    return head(repo)


# -- the good case -------------------------------------------------------------------------------
def test_two_steps_by_the_release_reviewers_verify_clean(repo: Path, keys: dict[str, SshKey]) -> None:
    out = release(repo, keys["li"], "production").stdout
    produced = head(repo)
    assert f"BR-{BATCH}" in out and "li.na" in out and "李娜" in out
    record = yaml.safe_load(show(repo, "HEAD", PRODUCTION))
    assert record["records"] == listed_records(repo)
    assert (record["party"], record["signer"], record["role"], record["meaning"]) == \
        ("fab", "li.na", "release-reviewer", "released")
    assert record["deviations"] == []
    # the release commit holds the record and nothing else
    assert git(repo, "show", "--name-only", "--format=", "HEAD").stdout.split() == [PRODUCTION]

    release(repo, keys["zhang"], "market")
    market = yaml.safe_load(show(repo, "HEAD", MARKET))
    assert market["production"] == {"path": PRODUCTION, "commit": produced,
                                    "sha256": sha256(show(repo, "HEAD", PRODUCTION))}
    assert (market["party"], market["signer"]) == ("acme", "zhang.wei")
    assert_clean(repo)


def test_explicit_records_must_still_list_the_whole_batch(repo: Path, keys: dict[str, SshKey]) -> None:
    add_doc(repo, "records/batch/B2026-0001-qc.csv", b"qc,ok\n", f"QC-{BATCH}", "1", "batch-record")
    commit_as(repo, keys["zhao"], "QC record of the batch")
    refused(repo, keys["li"], "production", f"QC-{BATCH}", "is not listed",
            args=("--record", f"BR-{BATCH}"))
    refused(repo, keys["li"], "production", "--record", "NOPE", args=("--record", "NOPE"))
    release(repo, keys["li"], "production", "--record", f"BR-{BATCH}", "--record", f"QC-{BATCH}")
    assert len(yaml.safe_load(show(repo, "HEAD", PRODUCTION))["records"]) == 2
    assert_clean(repo)


# -- market before production --------------------------------------------------------------------
def test_market_before_production(repo: Path, keys: dict[str, SshKey]) -> None:
    refused(repo, keys["zhang"], "market", "before its production release", PRODUCTION)
    bad = hand_release(repo, keys["zhang"], "market", "acme", "zhang.wei",
                       production={"path": PRODUCTION, "commit": head(repo), "sha256": "0" * 64})
    findings = assert_found(repo, "RELEASE_INVALID", commit=bad, path=MARKET)
    assert any("before its production release" in f["message"] for f in findings)


# -- wrong party, wrong role ----------------------------------------------------------------------
def test_wrong_role_and_wrong_party_are_refused_and_caught(repo: Path, keys: dict[str, SshKey]) -> None:
    refused(repo, keys["zhao"], "production", "zhao.min", "may not sign 'released'",
            "manufacturer:release-reviewer")
    refused(repo, keys["zhang"], "production", "signed by the manufacturer fab")
    bad = hand_release(repo, keys["zhao"], "production", "fab", "zhao.min", role="doc-control",
                       records=listed_records(repo), deviations=[])
    findings = assert_found(repo, "RELEASE_INVALID", commit=bad, path=PRODUCTION)
    assert any("may not sign 'released'" in f["message"] for f in findings)


def test_market_release_by_the_manufacturer_is_caught(repo: Path, keys: dict[str, SshKey]) -> None:
    release(repo, keys["li"], "production")
    produced = head(repo)
    refused(repo, keys["li"], "market", "signed by the registrant acme")
    bad = hand_release(repo, keys["li"], "market", "fab", "li.na",
                       production={"path": PRODUCTION, "commit": produced,
                                   "sha256": sha256(show(repo, "HEAD", PRODUCTION))})
    assert_found(repo, "RELEASE_INVALID", commit=bad, path=MARKET)


def test_quality_head_without_release_role_may_not_release(repo: Path, keys: dict[str, SshKey]) -> None:
    """A record naming another person than its signer, or a role not the release role."""
    bad = hand_release(repo, keys["li"], "production", "fab", "li.na", role="quality-head",
                       records=listed_records(repo), deviations=[])
    findings = assert_found(repo, "RELEASE_INVALID", commit=bad, path=PRODUCTION)
    assert any("role quality-head" in f["message"] for f in findings)


# -- open deviation ------------------------------------------------------------------------------
def test_release_over_an_open_deviation(repo: Path, keys: dict[str, SshKey]) -> None:
    open_deviation(repo, keys)
    refused(repo, keys["li"], "production", "open deviation DEV-001")
    bad = hand_release(repo, keys["li"], "production", "fab", "li.na",
                       records=listed_records(repo), deviations=[])
    findings = assert_found(repo, "RELEASE_INVALID", commit=bad, path=PRODUCTION)
    assert any("open deviation DEV-001" in f["message"] for f in findings)


def test_a_deviation_acknowledged_only_as_received_stays_open(repo: Path, keys: dict[str, SshKey]) -> None:
    open_deviation(repo, keys)
    use_signing_key(repo, keys["zhao"])
    tx_id = techxfer(repo, "transfer", "DEV-001", "--to", "acme", "-m", "report").stdout.split()[1]
    use_signing_key(repo, keys["zhang"])
    techxfer(repo, "ack", tx_id, "--meaning", "received")
    refused(repo, keys["li"], "production", "open deviation DEV-001")


def test_a_deviation_the_registrant_approved_is_closed(repo: Path, keys: dict[str, SshKey]) -> None:
    open_deviation(repo, keys)
    approval = close_deviation(repo, keys)
    release(repo, keys["li"], "production")
    devs = yaml.safe_load(show(repo, "HEAD", PRODUCTION))["deviations"]
    assert [(d["id"], d["approval_commit"]) for d in devs] == [("DEV-001", approval)]
    release(repo, keys["zhang"], "market")
    assert_clean(repo)


def test_a_deviation_opened_after_production_blocks_the_market_release(
        repo: Path, keys: dict[str, SshKey]) -> None:
    release(repo, keys["li"], "production")
    produced = head(repo)
    open_deviation(repo, keys)
    refused(repo, keys["zhang"], "market", "open deviation DEV-001")
    bad = hand_release(repo, keys["zhang"], "market", "acme", "zhang.wei",
                       production={"path": PRODUCTION, "commit": produced,
                                   "sha256": sha256(show(repo, "HEAD", PRODUCTION))})
    assert_found(repo, "RELEASE_INVALID", commit=bad, path=MARKET)


# -- changed batch record ------------------------------------------------------------------------
def test_batch_record_changed_after_the_production_release(repo: Path, keys: dict[str, SshKey]) -> None:
    release(repo, keys["li"], "production")
    produced = head(repo)
    add_doc(repo, RECORD, b"batch,B2026-0001\nstep,rewritten\n", f"BR-{BATCH}", "2", "batch-record")
    commit_as(repo, keys["zhao"], "Batch record rewritten after release")
    changed = head(repo)
    findings = assert_found(repo, "RELEASE_INVALID", commit=changed, path=PRODUCTION)
    assert any(f"BR-{BATCH} changed after the production release" in f["message"] for f in findings)
    refused(repo, keys["zhang"], "market", f"BR-{BATCH} changed after the production release")
    bad = hand_release(repo, keys["zhang"], "market", "acme", "zhang.wei",
                       production={"path": PRODUCTION, "commit": produced,
                                   "sha256": sha256(show(repo, "HEAD", PRODUCTION))})
    assert_found(repo, "RELEASE_INVALID", commit=bad, path=MARKET)


def test_other_records_may_change_after_a_release(repo: Path, keys: dict[str, SshKey]) -> None:
    release(repo, keys["li"], "production")
    add_doc(repo, "records/batch/B2026-0002.csv", b"another batch\n", "BR-B2026-0002", "1",
            "batch-record")
    commit_as(repo, keys["zhao"], "Next batch")
    release(repo, keys["zhang"], "market")
    assert_clean(repo)


def test_a_production_release_on_another_line_of_history_does_not_count(
        repo: Path, keys: dict[str, SshKey]) -> None:
    git(repo, "checkout", "-q", "-b", "side")
    release(repo, keys["li"], "production")
    produced = head(repo)
    ref = {"path": PRODUCTION, "commit": produced, "sha256": sha256(show(repo, "HEAD", PRODUCTION))}
    git(repo, "checkout", "-q", "main")
    bad = hand_release(repo, keys["zhang"], "market", "acme", "zhang.wei", production=ref)
    # merged so that the production release is walked before the market release
    git(repo, "checkout", "-q", "side")
    git_merge(repo, keys["zhang"], "main")
    findings = assert_found(repo, "RELEASE_INVALID", commit=bad, path=MARKET)
    assert any("before its production release" in f["message"] for f in findings)


# -- the binding -----------------------------------------------------------------------------------
@pytest.mark.parametrize("wrong", ["commit", "sha256", "path"])
def test_market_release_not_bound_to_the_production_release(repo: Path, keys: dict[str, SshKey],
                                                            wrong: str) -> None:
    release(repo, keys["li"], "production")
    ref = {"path": PRODUCTION, "commit": head(repo), "sha256": sha256(show(repo, "HEAD", PRODUCTION))}
    ref[wrong] = {"commit": head(repo, "HEAD~1"), "sha256": "1" * 64,
                  "path": "releases/B2026-0002/production.yaml"}[wrong]
    bad = hand_release(repo, keys["zhang"], "market", "acme", "zhang.wei", production=ref)
    findings = assert_found(repo, "RELEASE_INVALID", commit=bad, path=MARKET)
    assert any("bound to" in f["message"] for f in findings)


def test_release_records_are_never_changed_or_removed(repo: Path, keys: dict[str, SshKey]) -> None:
    release(repo, keys["li"], "production")
    refused(repo, keys["li"], "production", "already has a production release")
    path = repo / PRODUCTION
    path.write_text(path.read_text(encoding="utf-8").replace("production review done", "edited"),
                    encoding="utf-8")
    commit_as(repo, keys["li"], "Edit the release")
    assert_found(repo, "RELEASE_INVALID", commit=head(repo), path=PRODUCTION)
    git(repo, "rm", "-q", PRODUCTION)
    commit_as(repo, keys["li"], "Remove the release")
    assert_found(repo, "RECORD_DELETED", commit=head(repo), path=PRODUCTION)


def test_a_malformed_release_and_another_file_under_releases(repo: Path, keys: dict[str, SshKey]) -> None:
    bad = hand_release(repo, keys["li"], "production", "fab", "li.na", records=[], deviations=[])
    assert_found(repo, "RELEASE_INVALID", commit=bad, path=PRODUCTION)
    (repo / "releases" / BATCH / "notes.txt").write_text("not a release\n")
    commit_as(repo, keys["li"], "Stray file")
    assert_found(repo, "UNAUTHORIZED_CHANGE", commit=head(repo), path=f"releases/{BATCH}/notes.txt")


def test_bad_batch_number_is_a_usage_error(repo: Path, keys: dict[str, SshKey]) -> None:
    before = state_of(repo)
    use_signing_key(repo, keys["li"])
    proc = techxfer(repo, "release", "production", "../x", "-m", "x", check=False)
    assert proc.returncode == 2 and "batch '../x'" in proc.stderr, proc.stderr
    proc = techxfer(repo, "release", "production", "B-NONE", "-m", "x", check=False)
    assert proc.returncode == 2 and "no record of batch B-NONE" in proc.stderr, proc.stderr
    assert state_of(repo) == before
    assert verify(repo)[0] == 0
    proc = techxfer(repo, "add", RECORD, "--id", f"BR-{BATCH}", "--title", "t", "--category",
                    "batch-record", "--revision", "1", "--batch", "a/b", check=False)
    assert proc.returncode == 2 and "--batch: 'a/b'" in proc.stderr, proc.stderr
    assert state_of(repo) == before


# -- retention counts from the market release --------------------------------------------------
def retention_row(repo: Path, doc_id: str) -> dict[str, Any]:
    import json

    out = json.loads(techxfer(repo, "retention", "report", "--format", "json").stdout)
    row: dict[str, Any] = next(r for r in out["records"] if r["id"] == doc_id)
    return row


def test_the_market_release_date_starts_the_batch_records_retention(
        repo: Path, keys: dict[str, SshKey]) -> None:
    row = retention_row(repo, f"BR-{BATCH}")
    assert row["end"] is None and "waiting for its released date" in row["basis"], row
    release(repo, keys["li"], "production")
    assert retention_row(repo, f"BR-{BATCH}")["end"] is None  # production alone is not release
    release(repo, keys["zhang"], "market")
    day = yaml.safe_load(show(repo, "HEAD", MARKET))["date"][:10]
    row = retention_row(repo, f"BR-{BATCH}")
    assert row["dates"]["released"] == day
    assert row["end"] == f"{int(day[:4]) + 3}{day[4:]}" and row["state"] == "retain", row
    # a disposal is judged from the same date: not yet eligible, so refused
    proc = techxfer(repo, "retention", "check", f"BR-{BATCH}", check=False)
    assert proc.returncode == 1 and f"retained until {int(day[:4]) + 3}{day[4:]}" in proc.stdout, \
        proc.stdout + proc.stderr


# -- the release register --------------------------------------------------------------------------
def test_release_register_shows_both_steps_with_printed_names(repo: Path, keys: dict[str, SshKey]) -> None:
    import csv
    import io
    import json

    empty = techxfer(repo, "releases").stdout
    assert "no releases" in empty
    open_deviation(repo, keys)
    close_deviation(repo, keys)
    release(repo, keys["li"], "production")
    produced = head(repo)
    table = techxfer(repo, "releases").stdout
    assert f"{BATCH}: awaiting market release" in table and "李娜 (fab, release-reviewer)" in table
    release(repo, keys["zhang"], "market")
    out = json.loads(techxfer(repo, "releases", "--format", "json").stdout)
    [row] = out["batches"]
    assert row["state"] == "released"
    assert row["production"]["commit"] == produced and row["market"]["commit"] == head(repo)
    assert (row["market"]["printed_name"], row["market"]["meaning"]) == ("张伟", "released")
    assert row["market"]["date"] == yaml.safe_load(show(repo, "HEAD", MARKET))["date"]
    assert [r["id"] for r in row["records"]] == [f"BR-{BATCH}"]
    assert [d["id"] for d in row["deviations"]] == ["DEV-001"]
    zh = techxfer(repo, "releases", "--lang", "zh").stdout
    assert "批放行记录" in zh and "已上市放行" in zh and "张伟（acme，产品放行审核人）— 放行" in zh and "生产放行：" in zh
    rows = list(csv.reader(io.StringIO(techxfer(repo, "releases", "--format", "csv").stdout)))
    assert rows[0][0] == "Batch" and rows[1][0] == BATCH and rows[1][1] == "released to market"


def test_the_server_accepts_a_release_and_refuses_a_bad_one(repo: Path, keys: dict[str, SshKey],
                                                            tmp_path: Path) -> None:
    bare = tmp_path / "server.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    techxfer(tmp_path, "hooks", "install", "--server", str(bare))
    git(repo, "remote", "add", "origin", f"file://{bare}")
    git(repo, "push", "-q", "origin", "main")
    release(repo, keys["li"], "production")
    git(repo, "push", "-q", "origin", "main")
    accepted = head(repo)
    assert head(bare, "main") == accepted
    hand_release(repo, keys["li"], "market", "fab", "li.na",
                 production={"path": PRODUCTION, "commit": accepted,
                             "sha256": sha256(show(repo, "HEAD", PRODUCTION))})
    proc = git(repo, "push", "origin", "main", check=False)
    assert proc.returncode != 0 and "RELEASE_INVALID" in proc.stderr, proc.stderr
    assert head(bare, "main") == accepted


# -- in Chinese ----------------------------------------------------------------------------------
def test_release_and_duty_findings_in_chinese(repo: Path, keys: dict[str, SshKey]) -> None:
    """``verify --lang zh`` words a release finding and a duty-record finding in Chinese, the
    format's words (step, meaning, role, duty) translated, and ``--json`` keeps the English."""
    from test_i18n import CJK, _english_left

    hand_release(repo, keys["zhao"], "production", "fab", "zhao.min", role="doc-control",
                 records=listed_records(repo), deviations=[])
    record = {"id": "AUD-20260101-R-c0de", "kind": "supplier-audit", "date": now_text(),
              "party": "acme", "signer": "zhang.wei", "role": "release-reviewer",
              "performed": now_text()[:10], "subject": "fab", "summary": "audit",
              "report": "REP-404"}
    path = repo / "audits" / f"{record['id']}.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
    commit_as(repo, keys["zhang"], "Supplier audit by hand")

    proc = techxfer(repo, "verify", "--lang", "zh", check=False)
    out = proc.stdout
    assert proc.returncode == 1 and "RELEASE_INVALID" in out, out
    for said in (f"批次 {BATCH}：fab:zhao.min（文件管理员）无权为生产放行签署“已放行”；"
                 "须由 受托生产企业的产品放行审核人 签署",
                 "对受托生产企业的质量管理体系审核记录应由",
                 "而不是以 产品放行审核人 身份签署的 acme:zhang.wei",
                 "AUD-20260101-R-c0de：报告 REP-404 不在登记清单中"):
        assert said in out, out
    assert _english_left(out, repo) == set(), out

    _, findings = verify(repo)
    messages = [f["message"] for f in findings]
    assert f"batch {BATCH}: fab:zhao.min (doc-control) may not sign 'released' for a production " \
           "release; that takes manufacturer:release-reviewer" in messages, messages
    assert "AUD-20260101-R-c0de: the report REP-404 is not in the register" in messages
    assert not any(CJK.search(m) for m in messages)
