"""Recurring quality duties (issue 19 items 3 and 4, DESIGN 11): duty records under
``audits/`` judged by ``verify``, ``techxfer duties`` saying what is due when, and
``techxfer people`` saying who held each key position on a date, on real signed histories."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from attack_helpers import (
    approved_config_change,
    assert_clean,
    assert_found,
    edit_yaml,
    head,
    transfer,
    utcnow,
)
from conftest import SshKey, commit_as, git, init_repo, techxfer, use_signing_key

TODAY = utcnow().date()


def duties(repo: Path, as_of: date | None = None, *extra: str) -> tuple[int, list[dict]]:  # type: ignore[type-arg]
    args = ["duties", "--json", *extra]
    if as_of is not None:
        args += ["--as-of", as_of.isoformat()]
    proc = techxfer(repo, *args, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)["duties"]


def record(repo: Path, key: SshKey, kind: str, *args: str, check: bool = True
           ) -> object:
    use_signing_key(repo, key)
    return techxfer(repo, "duty", "record", kind, "--performed", TODAY.isoformat(), "-m",
                    f"{kind} for the test", *args, check=check)


def of(rows: list[dict], kind: str, party: str | None = None) -> list[dict]:  # type: ignore[type-arg]
    return [r for r in rows if r["kind"] == kind and (party is None or r["party"] == party)]


def a_year_on(day: date) -> date:
    return day.replace(year=day.year + 1) if not (day.month == 2 and day.day == 29) \
        else day.replace(year=day.year + 1, day=28)


def test_a_supplier_audit_is_recorded_judged_and_moves_the_next_due_date(
        repo: Path, keys: dict[str, SshKey]) -> None:
    rc, rows = duties(repo)
    audit = of(rows, "supplier-audit")
    assert rc == 0 and [a["state"] for a in audit] == ["upcoming"]
    assert audit[0]["party"] == "acme" and audit[0]["subject"] == "fab"
    assert audit[0]["due"] == a_year_on(TODAY).isoformat() and audit[0]["clause"] == "H 1.1.2"
    # a year and a day on, nothing done: overdue, and the command says so by its status
    late = a_year_on(TODAY) + timedelta(days=1)
    rc, rows = duties(repo, late)
    assert rc == 1 and of(rows, "supplier-audit")[0]["state"] == "overdue"

    record(repo, keys["zhang"], "supplier-audit")
    aud = head(repo)
    files = git(repo, "show", "--name-only", "--format=", aud).stdout.split()
    assert len(files) == 1 and files[0].startswith("audits/AUD-")
    data = yaml.safe_load((repo / files[0]).read_text())
    assert (data["kind"], data["party"], data["signer"], data["role"], data["subject"]) == (
        "supplier-audit", "acme", "zhang.wei", "quality-head", "fab")
    assert_clean(repo)
    rc, rows = duties(repo, TODAY + timedelta(days=30))
    audit = of(rows, "supplier-audit")
    assert [a["state"] for a in audit] == ["done", "upcoming"]
    assert audit[0]["record"] == data["id"] and audit[1]["due"] == a_year_on(TODAY).isoformat()
    assert audit[0]["done"] == audit[0]["recorded"] == TODAY.isoformat()
    assert [a["state"] for a in of(duties(repo, late)[1], "supplier-audit")] == ["done", "overdue"]
    # the Chinese table names the duty and its state
    table = techxfer(repo, "duties", "--lang", "zh", "--as-of", late.isoformat(), check=False).stdout
    assert "对受托生产企业的质量管理体系审核" in table and "已完成" in table


def test_a_duty_record_by_a_role_that_may_not_sign_it_is_refused_up_front(
        repo: Path, keys: dict[str, SshKey]) -> None:
    before = head(repo)
    status = git(repo, "status", "--porcelain").stdout
    proc = record(repo, keys["zhao"], "supplier-audit", check=False)
    assert proc.returncode == 2  # type: ignore[attr-defined]
    err = proc.stderr  # type: ignore[attr-defined]
    assert "zhao.min" in err and "registrant:quality-head" in err and "Traceback" not in err
    # the manufacturer's quality head may not audit the manufacturer either
    proc = record(repo, keys["li"], "supplier-audit", check=False)
    assert proc.returncode == 2  # type: ignore[attr-defined]
    # a review of an unknown document
    proc = record(repo, keys["zhang"], "document-review", "--document", "NOPE-1", check=False)
    assert proc.returncode == 2 and "NOPE-1" in proc.stderr  # type: ignore[attr-defined]
    assert head(repo) == before and git(repo, "status", "--porcelain").stdout == status
    assert not (repo / "audits").exists()


def _hand_written(repo: Path, key: SshKey, **fields: object) -> tuple[str, str]:
    when = utcnow().isoformat(timespec="seconds").replace("+00:00", "Z")
    rec = {"id": "AUD-20260101-R-00c0ffee", "kind": "supplier-audit", "date": when,
           "party": "acme", "signer": "zhang.wei", "role": "quality-head",
           "performed": TODAY.isoformat(), "subject": "fab", "summary": "audit"}
    rec.update(fields)
    path = f"audits/{rec['id']}.yaml"
    (repo / "audits").mkdir(exist_ok=True)
    (repo / path).write_text(yaml.safe_dump(rec, allow_unicode=True))
    commit_as(repo, key, "duty record by hand")
    return head(repo), path


@pytest.mark.parametrize("case,code", [
    ("signed by someone else", "UNAUTHORIZED_CHANGE"),
    ("a role the policy does not give", "UNAUTHORIZED_CHANGE"),
    ("auditing itself", "TRANSFER_INVALID"),
    ("performed after it was signed", "TIME_INCONSISTENT"),
    ("a report not in the register", "TRANSFER_INVALID"),
    ("malformed", "TRANSFER_INVALID"),
])
def test_verify_catches_a_duty_record_written_by_hand(repo: Path, keys: dict[str, SshKey],
                                                      case: str, code: str) -> None:
    key, fields = keys["zhang"], {}
    if case == "signed by someone else":
        key = keys["wang"]
    elif case == "a role the policy does not give":
        key, fields = keys["wang"], {"signer": "wang.fang", "role": "doc-control"}
    elif case == "auditing itself":
        fields = {"subject": "acme"}
    elif case == "performed after it was signed":
        fields = {"performed": (TODAY + timedelta(days=30)).isoformat()}
    elif case == "a report not in the register":
        fields = {"report": "REP-404"}
    elif case == "malformed":
        fields = {"kind": "coffee-break"}
    commit, path = _hand_written(repo, key, **fields)
    assert_found(repo, code, commit=commit, path=path)


def test_a_duty_record_is_never_changed_or_removed(repo: Path, keys: dict[str, SshKey]) -> None:
    commit, path = _hand_written(repo, keys["zhang"])
    assert_clean(repo)
    edit_yaml(repo / path, lambda d: d.update(summary="a kinder summary"))
    commit_as(repo, keys["zhang"], "soften the audit")
    assert_found(repo, "RECORD_DELETED", commit=head(repo), path=path)
    git(repo, "reset", "-q", "--hard", commit)
    git(repo, "rm", "-q", path)
    commit_as(repo, keys["zhang"], "lose the audit")
    assert_found(repo, "RECORD_DELETED", commit=head(repo), path=path)


def test_another_file_in_the_audits_folder_is_no_loophole(repo: Path, keys: dict[str, SshKey]) -> None:
    (repo / "audits").mkdir()
    (repo / "audits" / "notes.txt").write_text("not a record\n")
    commit_as(repo, keys["zhang"], "a file where records go")
    assert_found(repo, "UNAUTHORIZED_CHANGE", commit=head(repo), path="audits/notes.txt")


def test_self_inspection_reports_are_due_by_31_march_for_each_party(
        repo: Path, keys: dict[str, SshKey]) -> None:
    april = date(TODAY.year + 1, 4, 1)
    rc, rows = duties(repo, april)
    this_year = {r["party"]: r for r in of(rows, "self-inspection") if r["subject"] == str(TODAY.year)}
    assert rc == 1 and {p: r["state"] for p, r in this_year.items()} == {
        "acme": "overdue", "fab": "overdue"}
    assert this_year["acme"]["due"] == f"{TODAY.year + 1}-03-31"
    assert "H 1.1.11" in this_year["acme"]["clause"]
    record(repo, keys["zhang"], "self-inspection", "--period", str(TODAY.year), "--submitted",
           TODAY.isoformat())
    record(repo, keys["li"], "self-inspection", "--period", str(TODAY.year), "--submitted",
           TODAY.isoformat())
    assert_clean(repo)
    _, rows = duties(repo, april)
    states = {(r["party"], r["subject"]): r["state"] for r in of(rows, "self-inspection")}
    assert states[("acme", str(TODAY.year))] == "done" and states[("fab", str(TODAY.year))] == "done"
    assert states[("acme", str(TODAY.year + 1))] == "upcoming"  # due 31 March the year after
    # a self-inspection without the year or the submission is refused up front
    use_signing_key(repo, keys["zhang"])
    proc = techxfer(repo, "duty", "record", "self-inspection", "--performed", TODAY.isoformat(),
                    "-m", "x", check=False)
    assert proc.returncode == 2 and "--period" in proc.stderr


def test_pending_acknowledgements_are_duties_of_the_recipient(repo: Path,
                                                              keys: dict[str, SshKey]) -> None:
    tx = transfer(repo, keys["wang"], "DRW-001")
    _, rows = duties(repo)
    acks = of(rows, "acknowledgement")
    assert [(a["party"], a["state"]) for a in acks] == [("fab", "due")]
    assert acks[0]["subject"].startswith(tx)
    rc, rows = duties(repo, TODAY + timedelta(days=60))
    assert rc == 1 and of(rows, "acknowledgement")[0]["state"] == "overdue"
    use_signing_key(repo, keys["li"])
    techxfer(repo, "ack", tx)
    _, rows = duties(repo, TODAY + timedelta(days=60))
    assert of(rows, "acknowledgement") == []


def test_periodic_document_reviews_follow_the_policy(tmp_path: Path, keys: dict[str, SshKey]) -> None:
    repo = init_repo(tmp_path / "repo", keys, commit=False)
    edit_yaml(repo / ".techxfer" / "policy.yaml",
              lambda d: d.update(review_every_months={"design-output": 12}))
    commit_as(repo, keys["zhang"], "Trust root")
    (repo / "design").mkdir()
    (repo / "design" / "MANIFEST.yaml").write_text("format: 1\ndocuments: []\n")
    (repo / "design" / "d.pdf").write_bytes(b"%PDF-1.4 d\n")
    techxfer(repo, "add", "design/d.pdf", "--id", "DRW-9", "--title", "D", "--category",
             "design-output", "--revision", "A")
    (repo / "design" / "s.txt").write_text("spec\n")
    techxfer(repo, "add", "design/s.txt", "--id", "SOP-9", "--title", "S", "--category",
             "procedure", "--revision", "A")
    commit_as(repo, keys["wang"], "register")
    later = a_year_on(TODAY) + timedelta(days=1)
    rc, rows = duties(repo, later)
    reviews = of(rows, "document-review")
    assert [(r["subject"], r["state"]) for r in reviews] == [("DRW-9 rev A", "overdue")]
    record(repo, keys["wang"], "document-review", "--document", "DRW-9")
    assert_clean(repo)
    rc, rows = duties(repo, TODAY + timedelta(days=30))
    reviews = of(rows, "document-review")
    assert [(r["subject"], r["state"], r["due"]) for r in reviews] == [
        ("DRW-9 rev A", "upcoming", a_year_on(TODAY).isoformat())]
    assert reviews[0]["record"].startswith("AUD-")
    # the table leaves a review not yet due out, unless asked for everything
    table = techxfer(repo, "duties", "--as-of", (TODAY + timedelta(days=30)).isoformat()).stdout
    assert "DRW-9" not in table
    assert "DRW-9" in techxfer(repo, "duties", "--all", "--as-of",
                               (TODAY + timedelta(days=30)).isoformat()).stdout


def test_people_says_who_held_each_key_position_when(repo: Path, keys: dict[str, SshKey]) -> None:
    before = utcnow()
    out = json.loads(techxfer(repo, "people", "--json").stdout)
    held = {(p["party"], p["position"]): p["holders"] for p in out["positions"]}
    assert held[("fab", "quality-head")] == ["李娜 (li.na)"]
    assert held[("acme", "release-reviewer")] == []

    def promote_zhao(config: Path) -> None:
        edit_yaml(config / "parties.yaml", lambda d: [
            p.update(roles=[*p["roles"], "quality-head"]) for p in d["parties"]["fab"]["people"]
            if p["id"] == "zhao.min"])
    # only once the registrant approves the change does zhao.min hold the position
    import time
    time.sleep(1.1)
    _, approval = approved_config_change(repo, keys, promote_zhao)
    assert_clean(repo)
    now = json.loads(techxfer(repo, "people", "--json").stdout)
    held = {(p["party"], p["position"]): p["holders"] for p in now["positions"]}
    assert held[("fab", "quality-head")] == ["李娜 (li.na)", "赵敏 (zhao.min)"]
    assert now["commit"] == approval
    change = [c for c in now["changes"] if c["position"] == "quality-head" and c["party"] == "fab"]
    assert change and change[-1]["added"] == ["赵敏 (zhao.min)"] and change[-1]["commit"] == approval
    then = json.loads(techxfer(repo, "people", "--json", "--as-of",
                               before.isoformat(timespec="seconds")).stdout)
    held = {(p["party"], p["position"]): p["holders"] for p in then["positions"]}
    assert held[("fab", "quality-head")] == ["李娜 (li.na)"]
    table = techxfer(repo, "people", "--lang", "zh").stdout
    assert "质量管理部门负责人" in table and "赵敏" in table and "空缺" in table


# -- reports of quality events, each with its own deadline (issue 19 item 2) -------------------
def _manufacturer_report(repo: Path, keys: dict[str, SshKey], doc_id: str, category: str) -> None:
    (repo / "records").mkdir(exist_ok=True)
    if not (repo / "records" / "MANIFEST.yaml").exists():
        (repo / "records" / "MANIFEST.yaml").write_text("format: 1\ndocuments: []\n")
    (repo / "records" / f"{doc_id}.txt").write_text(f"{category} report {doc_id}\n")
    use_signing_key(repo, keys["zhao"])
    techxfer(repo, "add", f"records/{doc_id}.txt", "--id", doc_id, "--title", doc_id, "--category",
             category, "--revision", "1", "--owner", "manufacturer")
    commit_as(repo, keys["zhao"], f"register {doc_id}")


@pytest.mark.parametrize("kind,category,days,clause", [
    ("complaint", "complaint", 5, "S A9.3.2"),
    ("adverse-event", "adverse-event", 1, "H 11.2.1"),
    ("inspection-report", "inspection-report", 1, "S A4.4"),
])
def test_a_report_of_a_quality_event_is_acknowledged_within_its_own_deadline(
        repo: Path, keys: dict[str, SshKey], kind: str, category: str, days: int,
        clause: str) -> None:
    """init writes the quality agreement's deadlines per type (repo.yaml
    ack_within_days_by_type): a complaint in 5 days, an adverse event or an inspection
    report at once (1 day); verify, the transfer list and duties all count them."""
    repo_yaml = yaml.safe_load((repo / ".techxfer" / "repo.yaml").read_text())
    assert repo_yaml["ack_within_days_by_type"][kind] == days
    _manufacturer_report(repo, keys, "EV-1", category)
    tx = transfer(repo, keys["zhao"], "EV-1", to="acme", kind=kind)
    assert_clean(repo)
    _, rows = duties(repo)
    ack = of(rows, "acknowledgement")
    assert [(a["party"], a["state"], a["clause"]) for a in ack] == [("acme", "due", f"{_clause(clause)}")]
    assert ack[0]["due"] == (TODAY + timedelta(days=days)).isoformat()
    later = TODAY + timedelta(days=days + 1)
    assert of(duties(repo, later)[1], "acknowledgement")[0]["state"] == "overdue"
    found = assert_found(repo, "ACK_MISSING", path=f"transfers/{tx}/transfer.yaml",
                         args=("--as-of", later.isoformat()))
    assert any(f"within {days} days" in f["message"] for f in found)
    # the registrant's quality head acknowledges it: nothing owed, verify clean
    use_signing_key(repo, keys["zhang"])
    techxfer(repo, "ack", tx)
    assert of(duties(repo, later)[1], "acknowledgement") == []
    assert_clean(repo, "--as-of", later.isoformat())
    zh = techxfer(repo, "transfers", "--lang", "zh").stdout
    assert {"complaint": "投诉", "adverse-event": "不良事件", "inspection-report": "监管检查报告"}[kind] in zh


def _clause(clause: str) -> str:
    from techxfer.rules.duties import EVENT_CLAUSES

    return next(c for c in EVENT_CLAUSES.values() if clause in c)


def test_a_duty_record_that_is_not_yaml_is_caught_and_duties_says_which_file(
        repo: Path, keys: dict[str, SshKey]) -> None:
    path = "audits/AUD-20260101-R-00c0ffee.yaml"
    (repo / "audits").mkdir()
    (repo / path).write_text("id: [unclosed\n")
    commit_as(repo, keys["zhang"], "a broken duty record")
    assert_found(repo, "TRANSFER_INVALID", commit=head(repo), path=path)
    proc = techxfer(repo, "duties", check=False)
    assert proc.returncode == 2 and path in proc.stderr and "Traceback" not in proc.stderr
