"""Retention classes, legal holds, the check before destruction, and disposition, on real
signed repositories. Dates are tested on both sides of every boundary."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SshKey, add_doc, commit_as, git, init_repo, techxfer, use_signing_key


def edit_yaml(path: Path, change: Any) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def add_record(repo: Path, rel: str, doc_id: str, released: str) -> None:
    target = repo / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(f"batch record {doc_id}\n")
    techxfer(repo, "add", rel, "--id", doc_id, "--title", f"Batch {doc_id}", "--category",
             "batch-record", "--revision", "1", "--released", released)


def make_repo(tmp_path: Path, keys: dict[str, SshKey], lifetime: int | None) -> Path:
    repo = init_repo(tmp_path / "r", keys, commit=False)
    if lifetime is not None:
        edit_yaml(repo / ".techxfer/repo.yaml", lambda d: d.update(device_lifetime_years=lifetime))
    commit_as(repo, keys["zhang"], "Trust root")
    (repo / "design").mkdir()
    (repo / "design/MANIFEST.yaml").write_text("format: 1\ndocuments: []\n")
    add_doc(repo, "design/ptr.pdf", b"%PDF requirements", "PTR-1")
    commit_as(repo, keys["wang"], "design")
    (repo / "records").mkdir()
    (repo / "records/MANIFEST.yaml").write_text("format: 1\ndocuments: []\n")
    add_record(repo, "records/leap.csv", "BR-LEAP", "2024-02-29")
    add_record(repo, "records/old.csv", "BR-OLD", "2020-01-10")
    commit_as(repo, keys["zhao"], "batch records")
    return repo


@pytest.fixture
def short(tmp_path: Path, keys: dict[str, SshKey]) -> Path:
    """Device lifetime 1 year: the 2-years-from-release rule is the longer one."""
    return make_repo(tmp_path, keys, 1)


def report(repo: Path, as_of: str) -> dict[str, dict[str, Any]]:
    out = json.loads(techxfer(repo, "retention", "report", "--format", "json", "--as-of", as_of).stdout)
    return {r["id"]: r for r in out["records"]}


def states(repo: Path, as_of: str) -> dict[str, str]:
    return {k: v["state"] for k, v in report(repo, as_of).items()}


# -- computing the end ------------------------------------------------------------------
def test_two_years_from_release_when_the_lifetime_is_shorter(short: Path) -> None:
    rows = report(short, "2026-02-28")
    # released 29 Feb 2024: two calendar years later there is no 29 Feb: 1 March 2026
    assert rows["BR-LEAP"]["end"] == "2026-03-01" and rows["BR-LEAP"]["state"] == "retain"
    assert "2 years" in rows["BR-LEAP"]["basis"]
    assert states(short, "2026-03-01")["BR-LEAP"] == "eligible"
    assert rows["BR-OLD"]["end"] == "2022-01-10"


def test_device_lifetime_when_it_is_longer(tmp_path: Path, keys: dict[str, SshKey]) -> None:
    repo = make_repo(tmp_path, keys, 5)
    rows = report(repo, "2029-02-28")
    assert rows["BR-LEAP"]["end"] == "2029-03-01" and rows["BR-LEAP"]["state"] == "retain"
    assert "lifetime" in rows["BR-LEAP"]["basis"]
    assert states(repo, "2029-03-01")["BR-LEAP"] == "eligible"
    assert report(repo, "2025-01-09")["BR-OLD"]["state"] == "retain"
    assert report(repo, "2025-01-10")["BR-OLD"]["state"] == "eligible"


def test_no_lifetime_set_keeps_the_record(tmp_path: Path, keys: dict[str, SshKey]) -> None:
    repo = make_repo(tmp_path, keys, None)
    row = report(repo, "2999-01-01")["BR-OLD"]
    assert row["state"] == "retain" and row["end"] is None and "lifetime" in row["basis"]


def test_permanent_records_are_never_eligible(short: Path) -> None:
    row = report(short, "2999-12-31")["PTR-1"]
    assert row["permanent"] is True and row["state"] == "retain"
    proc = techxfer(short, "retention", "check", "PTR-1", "--as-of", "2999-12-31", check=False)
    assert proc.returncode == 1 and "permanently" in proc.stdout


def test_default_class_counts_from_obsolete(short: Path, keys: dict[str, SshKey]) -> None:
    (short / "records/sop.txt").write_text("old procedure")
    techxfer(short, "add", "records/sop.txt", "--id", "SOP-1", "--title", "SOP",
             "--category", "procedure", "--revision", "A")
    commit_as(short, keys["zhao"], "sop")
    assert report(short, "2999-01-01")["SOP-1"]["state"] == "retain"  # not obsolete yet
    techxfer(short, "add", "records/sop.txt", "--id", "SOP-1", "--title", "SOP",
             "--category", "procedure", "--revision", "A", "--status", "obsolete")
    commit_as(short, keys["zhao"], "sop obsolete")
    today = date.today()
    end = report(short, today.isoformat())["SOP-1"]["end"]
    five = today.replace(year=today.year + 5) if not (today.month == 2 and today.day == 29) \
        else date(today.year + 5, 3, 1)
    assert end == five.isoformat()


def test_totals_and_formats(short: Path, tmp_path: Path) -> None:
    out = json.loads(techxfer(short, "retention", "report", "--format", "json",
                              "--as-of", "2026-06-01").stdout)
    assert out["totals"] == {"retain": 1, "eligible": 2, "held": 0, "destroyed": 0}
    csv_text = techxfer(short, "retention", "report", "--format", "csv", "--as-of", "2026-06-01").stdout
    assert csv_text.splitlines()[0].startswith("id,path,title") and "BR-LEAP" in csv_text
    table = techxfer(short, "retention", "report", "--as-of", "2026-06-01").stdout
    assert "Totals: retain 1, eligible 2, held 0, destroyed 0" in table
    zh = techxfer(short, "retention", "report", "--as-of", "2026-06-01", "--lang", "zh").stdout
    assert "合计: 保存中 1, 可销毁 2, 冻结中 0, 已销毁 0" in zh and "BR-LEAP" in zh
    assert not {"retain", "eligible", "Totals", "Kept until"} & set(zh.replace(":", " ").split())
    target = tmp_path / "retention.pdf"
    techxfer(short, "retention", "report", "--format", "pdf", "-o", str(target))
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(target).pages)
    assert "BR-LEAP" in text and "Retention report" in text


# -- holds ------------------------------------------------------------------------------
def place_hold(repo: Path, keys: dict[str, SshKey], *args: str, who: str = "zhang") -> str:
    use_signing_key(repo, keys[who])
    out = techxfer(repo, "hold", "add", *args, "--reason", "litigation", "--ref", "CASE-7").stdout
    match = re.search(r"HOLD-[0-9A-Za-z-]+", out)
    assert match, out
    return match.group(0)


def test_hold_blocks_and_release_unblocks(short: Path, keys: dict[str, SshKey]) -> None:
    hold = place_hold(short, keys, "--id", "BR-OLD")
    assert states(short, "2030-01-01")["BR-OLD"] == "held"
    assert states(short, "2030-01-01")["BR-LEAP"] == "eligible"
    proc = techxfer(short, "retention", "check", "BR-OLD", "--as-of", "2030-01-01", check=False)
    assert proc.returncode == 1 and hold in proc.stdout
    techxfer(short, "hold", "release", hold, "--reason", "case closed")
    assert states(short, "2030-01-01")["BR-OLD"] == "eligible"
    assert techxfer(short, "verify").returncode == 0


def test_hold_by_pattern_freezes_every_match(short: Path, keys: dict[str, SshKey]) -> None:
    place_hold(short, keys, "--match", "records/*.csv")
    got = states(short, "2030-01-01")
    assert got["BR-OLD"] == got["BR-LEAP"] == "held" and got["PTR-1"] == "retain"


def test_only_registrant_quality_may_place_a_hold(short: Path, keys: dict[str, SshKey]) -> None:
    use_signing_key(short, keys["li"])
    before = git(short, "rev-parse", "HEAD").stdout
    proc = techxfer(short, "hold", "add", "--id", "BR-OLD", "--reason", "x", check=False)
    assert proc.returncode == 2 and "hold" in proc.stderr.lower()
    assert git(short, "rev-parse", "HEAD").stdout == before


# -- the notice, the approval, the disposition ------------------------------------------
def request(repo: Path, keys: dict[str, SshKey], *ids: str) -> str:
    """``dispose request IDS`` by zhao (IDS may end with options such as --before-end)."""
    use_signing_key(repo, keys["zhao"])
    out = techxfer(repo, "dispose", "request", *ids, "-m", "retention over").stdout
    match = re.search(r"TX-\d{8}-M-[0-9a-f]{8}", out)
    assert match, out
    return match.group(0)


def test_full_disposition_keeps_the_register_entry(short: Path, keys: dict[str, SshKey]) -> None:
    notice = request(short, keys, "BR-OLD")
    proc = techxfer(short, "retention", "check", "BR-OLD", check=False)
    assert proc.returncode == 1 and "not answered" in proc.stdout
    use_signing_key(short, keys["zhang"])
    techxfer(short, "ack", notice, "--meaning", "approved")
    assert techxfer(short, "retention", "check", "BR-OLD").returncode == 0
    use_signing_key(short, keys["zhao"])
    out = techxfer(short, "dispose", "BR-OLD", "--notice", notice).stdout
    disp = re.search(r"DISP-[0-9A-Za-z-]+", out)
    assert disp, out
    assert not (short / "records/old.csv").exists()
    record = yaml.safe_load((short / "dispositions" / f"{disp.group(0)}.yaml").read_text())
    assert record["notice"] == notice
    entry = [e for e in yaml.safe_load((short / "records/MANIFEST.yaml").read_text())["documents"]
             if e["id"] == "BR-OLD"][0]
    assert entry["status"] == "destroyed"
    assert states(short, "2026-12-01")["BR-OLD"] == "destroyed"
    assert techxfer(short, "verify").returncode == 0


def test_dispose_without_notice_is_refused(short: Path, keys: dict[str, SshKey]) -> None:
    use_signing_key(short, keys["zhao"])
    proc = techxfer(short, "dispose", "BR-OLD", check=False)
    assert proc.returncode == 2 and "--notice" in (proc.stderr + proc.stdout)
    assert (short / "records/old.csv").exists()


def test_dispose_with_an_unanswered_or_rejected_notice_is_refused(short: Path, keys: dict[str, SshKey]) -> None:
    notice = request(short, keys, "BR-OLD")
    use_signing_key(short, keys["zhao"])
    head = git(short, "rev-parse", "HEAD").stdout
    proc = techxfer(short, "dispose", "BR-OLD", "--notice", notice, check=False)
    assert proc.returncode == 2 and "not answered" in proc.stderr
    use_signing_key(short, keys["zhang"])
    techxfer(short, "ack", notice, "--meaning", "rejected", "-m", "keep it")
    use_signing_key(short, keys["zhao"])
    proc = techxfer(short, "dispose", "BR-OLD", "--notice", notice, check=False)
    assert proc.returncode == 2 and "rejected" in proc.stderr
    assert (short / "records/old.csv").exists()
    assert git(short, "status", "--porcelain").stdout == ""
    assert git(short, "rev-parse", "HEAD~1").stdout == head  # only the rejection was added


def test_a_notice_cannot_be_approved_by_its_sender(short: Path, keys: dict[str, SshKey]) -> None:
    notice = request(short, keys, "BR-OLD")
    use_signing_key(short, keys["li"])  # manufacturer quality head: the wrong party
    proc = techxfer(short, "ack", notice, "--meaning", "approved", check=False)
    assert proc.returncode == 2 and "own transfer" in proc.stderr
    # a hand-written approval by the wrong party counts for nothing
    tx_commit = git(short, "log", "-1", "--format=%H").stdout.strip()
    digest = yaml.safe_load((short / "transfers" / notice / "transfer.yaml").read_text())["manifest_digest"]
    (short / "transfers" / notice / "ack.fab.yaml").write_text(yaml.safe_dump({
        "transfer": notice, "transfer_commit": tx_commit, "manifest_digest": digest,
        "party": "fab", "signer": "li.na", "role": "quality-head", "meaning": "approved",
        "date": "2026-11-23T10:00:00+08:00"}))
    commit_as(short, keys["li"], "self-approval")
    use_signing_key(short, keys["zhao"])
    proc = techxfer(short, "dispose", "BR-OLD", "--notice", notice, check=False)
    assert proc.returncode == 2
    assert (short / "records/old.csv").exists()
    rc = techxfer(short, "verify", "--json", check=False)
    assert "ACK_INVALID" in {f["code"] for f in json.loads(rc.stdout)["findings"]}


def test_dispose_before_the_end_or_under_hold_is_refused(tmp_path: Path, keys: dict[str, SshKey]) -> None:
    repo = make_repo(tmp_path, keys, 30)  # kept until 2054
    use_signing_key(repo, keys["zhao"])
    head = git(repo, "rev-parse", "HEAD").stdout
    proc = techxfer(repo, "dispose", "request", "BR-LEAP", "-m", "x", check=False)
    assert proc.returncode == 2 and "BR-LEAP: retained until 2054-03-01" in proc.stderr
    assert "--before-end" in proc.stderr and git(repo, "rev-parse", "HEAD").stdout == head
    # a notice prepared ahead of the end is allowed when asked for; destruction is not
    notice = request(repo, keys, "BR-LEAP", "--before-end")
    use_signing_key(repo, keys["zhang"])
    techxfer(repo, "ack", notice, "--meaning", "approved")
    use_signing_key(repo, keys["zhao"])
    proc = techxfer(repo, "dispose", "BR-LEAP", "--notice", notice, check=False)
    assert proc.returncode == 2 and "retained until 2054-03-01" in proc.stderr
    assert (repo / "records/leap.csv").exists()


def test_plain_git_rm_in_a_signed_commit_is_caught(short: Path, keys: dict[str, SshKey]) -> None:
    git(short, "rm", "-q", "records/old.csv")
    edit_yaml(short / "records/MANIFEST.yaml",
              lambda d: d.update(documents=[e for e in d["documents"] if e["id"] != "BR-OLD"]))
    commit_as(short, keys["zhao"], "clean up old records")
    proc = techxfer(short, "verify", "--json", check=False)
    found = [(f["code"], f["path"]) for f in json.loads(proc.stdout)["findings"]]
    assert proc.returncode == 1 and found == [("RECORD_DELETED", "records/old.csv")]


def test_destroyed_by_hand_under_a_hold_is_caught(short: Path, keys: dict[str, SshKey]) -> None:
    place_hold(short, keys, "--id", "BR-OLD")
    git(short, "rm", "-q", "records/old.csv")
    edit_yaml(short / "records/MANIFEST.yaml", lambda d: [
        e.update(status="destroyed") for e in d["documents"] if e["id"] == "BR-OLD"])
    commit_as(short, keys["zhao"], "destroy during a hold")
    proc = techxfer(short, "verify", "--json", check=False)
    assert "RECORD_DELETED" in {f["code"] for f in json.loads(proc.stdout)["findings"]}
