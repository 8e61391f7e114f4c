"""A revision's lifecycle and changes either side starts (issue 18 items 2 and 3, DESIGN 11),
on real signed histories built with the CLI.

The cast (conftest ``PEOPLE``): acme (registrant) zhang.wei quality-head, wang.fang
doc-control + rd-engineer; fab (manufacturer) li.na quality-head, zhao.min doc-control.
The module's history: ``approval: required`` turned on for the registrant's design files
and a manufacturer-owned ``mfg/**`` (an approved policy change); SPEC-001 rev B drafted by
wang, approved by zhang (``techxfer approve``) and transferred; DRW-001 rev B proposed to
fab in a registrant change request, approved by li, approved by zhang, implemented by li
from batch B001; MFG-SOP rev A proposed by fab to acme, approved by zhang, approved inside
fab by li, implemented by li from batch B002. Each attack copies that history and adds to
it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from attack_helpers import (
    ack,
    approved_config_change,
    assert_clean,
    assert_found,
    checkout,
    edit_yaml,
    git_merge,
    head,
    history_fixtures,
    register,
    sha256,
    transfer,
    utcnow,
    verify,
)
from conftest import SshKey, commit_as, git, techxfer, use_signing_key

Keys = dict[str, SshKey]
SPEC, DRW, SOP = "design/spec.txt", "design/drawing.pdf", "mfg/sop.txt"
SPEC_B = b"Specification rev B\n"


def _turn_on_approval(config: Path) -> None:
    def change(d: Any) -> None:
        d["rules"][1]["approval"] = "required"  # design/**, process/**, … of the registrant
        d["rules"].insert(2, {"paths": ["mfg/**"], "owner": "manufacturer",
                              "write": ["manufacturer:doc-control"], "ack": "none",
                              "approval": "required"})
    edit_yaml(config / "policy.yaml", change)


def draft(repo: Path, key: SshKey, rel: str, content: bytes, doc_id: str, revision: str,
          category: str = "design-output") -> str:
    (repo / rel).parent.mkdir(parents=True, exist_ok=True)
    (repo / rel).write_bytes(content)
    techxfer(repo, "add", rel, "--id", doc_id, "--title", f"Title of {doc_id}", "--category",
             category, "--revision", revision, "--status", "draft")
    commit_as(repo, key, f"{doc_id} rev {revision} drafted")
    return head(repo)


def approve(repo: Path, key: SshKey, doc_id: str, *args: str, check: bool = True) -> Any:
    use_signing_key(repo, key)
    return techxfer(repo, "approve", doc_id, *args, check=check)


def request(repo: Path, key: SshKey, doc_id: str, to: str) -> str:
    return transfer(repo, key, doc_id, to=to, kind="change-request")


def implemented(repo: Path, key: SshKey, tx: str, batch: str, check: bool = True) -> Any:
    use_signing_key(repo, key)
    return techxfer(repo, "implemented", tx, "--first-batch", batch, check=check)


def build(repo: Path, keys: Keys) -> dict[str, str]:
    ids: dict[str, str] = {}
    approved_config_change(repo, keys, _turn_on_approval)
    draft(repo, keys["wang"], SPEC, SPEC_B, "SPEC-001", "B")
    approve(repo, keys["zhang"], "SPEC-001", "-m", "reviewed against the design inputs")
    ids["spec_approved"] = head(repo)
    ids["spec_tx"] = transfer(repo, keys["wang"], "SPEC-001")
    ack(repo, keys["li"], ids["spec_tx"])
    # a change the registrant starts
    draft(repo, keys["wang"], DRW, b"%PDF-1.4 drawing rev B\n", "DRW-001", "B")
    ids["drw_cr"] = request(repo, keys["wang"], "DRW-001", "fab")
    ack(repo, keys["li"], ids["drw_cr"], "approved")
    approve(repo, keys["zhang"], "DRW-001")
    implemented(repo, keys["li"], ids["drw_cr"], "B001")
    # a change the manufacturer starts
    draft(repo, keys["zhao"], SOP, b"Mixing SOP rev A\n", "MFG-SOP", "A", "process")
    ids["sop_cr"] = request(repo, keys["zhao"], "MFG-SOP", "acme")
    ack(repo, keys["zhang"], ids["sop_cr"], "approved")
    approve(repo, keys["li"], "MFG-SOP")
    implemented(repo, keys["li"], ids["sop_cr"], "B002")
    ids["tip"] = head(repo)
    return ids


built, repo, ids = history_fixtures(build)


def entry(repo: Path, doc_id: str) -> dict[str, Any]:
    for manifest in ("design/MANIFEST.yaml", "MANIFEST.yaml"):
        data = yaml.safe_load((repo / manifest).read_text())
        for e in data.get("documents") or []:
            if e["id"] == doc_id:
                return dict(e)
    raise AssertionError(doc_id)


def nothing_written(repo: Path, before: str, status: str) -> None:
    assert head(repo) == before and git(repo, "status", "--porcelain").stdout == status


def approval_record(doc_id: str, revision: str, sha: str, *, party: str = "acme",
                    signer: str = "zhang.wei", role: str = "quality-head") -> dict[str, Any]:
    return {"document": doc_id, "revision": revision, "sha256": sha, "party": party,
            "signer": signer, "role": role, "meaning": "approved",
            "date": utcnow().isoformat().replace("+00:00", "Z"),
            "effective": utcnow().date().isoformat()}


def write_approval(repo: Path, record: dict[str, Any]) -> str:
    path = f"approvals/{record['document']}@{record['revision']}.yaml"
    (repo / "approvals").mkdir(exist_ok=True)
    (repo / path).write_text(yaml.safe_dump(record, sort_keys=False))
    return path


def make_effective(repo: Path, rel: str, doc_id: str) -> None:
    manifest = repo / ("design/MANIFEST.yaml" if rel.startswith("design/") else "MANIFEST.yaml")
    edit_yaml(manifest, lambda d: [e.update(status="effective", effective=utcnow().date()
                                            .isoformat())
                                   for e in d["documents"] if e["id"] == doc_id])


# -- the legitimate path ---------------------------------------------------------------------
def test_the_whole_lifecycle_verifies_clean_and_records_each_signature(
        repo: Path, ids: dict[str, str]) -> None:
    assert_clean(repo)
    spec = entry(repo, "SPEC-001")
    assert (spec["revision"], spec["status"], spec["effective"]) == (
        "B", "effective", utcnow().date().isoformat())
    record = yaml.safe_load((repo / "approvals/SPEC-001@B.yaml").read_text())
    assert (record["party"], record["signer"], record["role"], record["meaning"]) == (
        "acme", "zhang.wei", "quality-head", "approved")
    assert record["sha256"] == sha256(SPEC_B) == spec["sha256"]
    assert record["comment"] == "reviewed against the design inputs"
    # the approval and the effective status are one signed commit
    files = git(repo, "show", "--name-only", "--format=", ids["spec_approved"]).stdout.split()
    assert sorted(files) == ["approvals/SPEC-001@B.yaml", "design/MANIFEST.yaml"]
    # the manufacturer's own change: approved by its own quality head after acme approved it
    sop = yaml.safe_load((repo / "approvals/MFG-SOP@A.yaml").read_text())
    assert (sop["party"], sop["signer"]) == ("fab", "li.na")
    done = yaml.safe_load((repo / f"transfers/{ids['sop_cr']}/implemented.yaml").read_text())
    assert (done["party"], done["signer"], done["meaning"], done["first_batch"]) == (
        "fab", "li.na", "implemented", "B002")
    done = yaml.safe_load((repo / f"transfers/{ids['drw_cr']}/implemented.yaml").read_text())
    assert (done["party"], done["first_batch"]) == ("fab", "B001")
    tx = yaml.safe_load((repo / f"transfers/{ids['drw_cr']}/transfer.yaml").read_text())
    assert tx["type"] == "change-request" and tx["items"][0]["revision"] == "B"


# -- refusals up front -------------------------------------------------------------------------
def test_a_clerk_or_the_other_party_cannot_approve_and_nothing_is_written(
        repo: Path, keys: Keys) -> None:
    draft(repo, keys["wang"], SPEC, b"Specification rev C\n", "SPEC-001", "C")
    before, status = head(repo), git(repo, "status", "--porcelain").stdout
    proc = approve(repo, keys["wang"], "SPEC-001", check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "wang.fang" in proc.stderr and "registrant:quality-head" in proc.stderr
    proc = approve(repo, keys["li"], "SPEC-001", check=False)
    assert proc.returncode == 2 and "owned by registrant" in proc.stderr
    proc = approve(repo, keys["zhang"], "SPEC-001", "--revision", "B", check=False)
    assert proc.returncode == 2 and "rev C" in proc.stderr
    nothing_written(repo, before, status)
    assert not (repo / "approvals/SPEC-001@C.yaml").exists()


def test_a_draft_changes_until_approved_then_its_revision_is_fixed(
        repo: Path, keys: Keys) -> None:
    draft(repo, keys["wang"], SPEC, b"Specification rev C, first go\n", "SPEC-001", "C")
    draft(repo, keys["wang"], SPEC, b"Specification rev C, reworked\n", "SPEC-001", "C")
    assert entry(repo, "SPEC-001")["sha256"] == sha256(b"Specification rev C, reworked\n")
    approve(repo, keys["zhang"], "SPEC-001")
    assert_clean(repo)
    (repo / SPEC).write_bytes(b"Specification rev C, after approval\n")
    proc = techxfer(repo, "add", SPEC, "--id", "SPEC-001", "--title", "Title of SPEC-001",
                    "--category", "design-output", "--revision", "C", check=False)
    assert proc.returncode == 2 and "give a new --revision" in proc.stderr


def test_only_drafts_travel_as_change_requests_and_drafts_only_so(
        repo: Path, keys: Keys) -> None:
    draft(repo, keys["wang"], SPEC, b"Specification rev C\n", "SPEC-001", "C")
    before, status = head(repo), git(repo, "status", "--porcelain").stdout
    use_signing_key(repo, keys["wang"])
    proc = techxfer(repo, "transfer", "SPEC-001", "--to", "fab", "-m", "x", "--type", "change",
                    check=False)
    assert proc.returncode == 2 and "is a draft" in proc.stderr
    proc = techxfer(repo, "transfer", "DRW-001", "--to", "fab", "-m", "x", "--type",
                    "change-request", check=False)
    assert proc.returncode == 2 and "drafts only" in proc.stderr
    nothing_written(repo, before, status)


def test_a_change_request_is_settled_by_a_decision_and_implemented_only_after_it(
        repo: Path, keys: Keys) -> None:
    draft(repo, keys["wang"], SPEC, b"Specification rev C\n", "SPEC-001", "C")
    tx = request(repo, keys["wang"], "SPEC-001", "fab")
    before, status = head(repo), git(repo, "status", "--porcelain").stdout
    use_signing_key(repo, keys["li"])
    proc = techxfer(repo, "ack", tx, "--meaning", "received", check=False)
    assert proc.returncode == 2 and "approved" in proc.stderr
    proc = techxfer(repo, "ack", tx, "--meaning", "implemented", check=False)
    assert proc.returncode == 2 and "techxfer implemented" in proc.stderr
    proc = implemented(repo, keys["li"], tx, "B003", check=False)
    assert proc.returncode == 2 and "after its approval" in proc.stderr
    proc = approve(repo, keys["zhang"], "SPEC-001", check=False)
    assert proc.returncode == 2 and "has not approved" in proc.stderr
    nothing_written(repo, before, status)
    ack(repo, keys["li"], tx, "approved")
    before, status = head(repo), git(repo, "status", "--porcelain").stdout
    proc = implemented(repo, keys["zhao"], tx, "B003", check=False)  # a clerk
    assert proc.returncode == 2 and "implemented" in proc.stderr
    proc = implemented(repo, keys["zhang"], tx, "B003", check=False)  # the other party
    assert proc.returncode == 2 and "implemented by fab" in proc.stderr
    nothing_written(repo, before, status)


def test_verify_finds_a_draft_carried_by_an_ordinary_transfer(repo: Path, keys: Keys) -> None:
    tx = transfer(repo, keys["wang"], "DRW-001")  # rev B, effective
    edit_yaml(repo / "design/MANIFEST.yaml", lambda d: [e.update(status="draft")
                                                        for e in d["documents"]
                                                        if e["id"] == "DRW-001"])
    git(repo, "add", "-A")
    git(repo, "-c", "gpg.format=ssh", "-c", f"user.signingkey={keys['wang'].private}", "commit",
        "-q", "-S", "--amend", "--no-edit")
    findings = assert_found(repo, "TRANSFER_INVALID", commit=head(repo),
                            path=f"transfers/{tx}/transfer.yaml")
    assert any("is a draft" in f["message"] and "change-request" in f["message"]
               for f in findings)


# -- approval before use ---------------------------------------------------------------------
def test_made_effective_without_approval_and_approved_only_later(repo: Path, keys: Keys) -> None:
    register(repo, SPEC, b"Specification rev C\n", "SPEC-001", "C")  # effective at once
    commit_as(repo, keys["wang"], "SPEC-001 rev C, effective at once")
    effective = head(repo)
    write_approval(repo, approval_record("SPEC-001", "C", sha256(b"Specification rev C\n")))
    commit_as(repo, keys["zhang"], "approval after the fact")
    findings = assert_found(repo, "CHANGE_NOT_APPROVED", commit=effective, path=SPEC)
    assert "approval: required" in findings[0]["message"]
    assert [f for f in findings if f["commit"] != effective] == []  # the late approval is valid


def test_approval_by_a_clerk_does_not_count(repo: Path, keys: Keys) -> None:
    content = b"Specification rev C\n"
    draft(repo, keys["wang"], SPEC, content, "SPEC-001", "C")
    path = write_approval(repo, approval_record("SPEC-001", "C", sha256(content),
                                                signer="wang.fang", role="doc-control"))
    make_effective(repo, SPEC, "SPEC-001")
    commit_as(repo, keys["wang"], "self-approved")
    bad = head(repo)
    findings = assert_found(repo, "ACK_INVALID", commit=bad, path=path)
    assert any("registrant:quality-head" in f["message"] for f in findings)
    assert_found(repo, "CHANGE_NOT_APPROVED", commit=bad, path=SPEC)


def test_approval_of_other_content_and_content_changed_after_approval(
        repo: Path, keys: Keys) -> None:
    content = b"Specification rev C\n"
    draft(repo, keys["wang"], SPEC, content, "SPEC-001", "C")
    path = write_approval(repo, approval_record("SPEC-001", "C", sha256(b"something else\n")))
    commit_as(repo, keys["zhang"], "approval of another content")
    other = head(repo)
    assert_found(repo, "ACK_INVALID", commit=other, path=path)
    # approved rightly, then the content swapped under the same revision
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    approve(repo, keys["zhang"], "SPEC-001")
    assert_clean(repo)
    register(repo, SPEC, b"Specification rev C, swapped\n", "SPEC-001", "C")
    commit_as(repo, keys["wang"], "same revision, other content")
    assert_found(repo, "CHANGE_NOT_APPROVED", commit=head(repo), path=SPEC)


def test_an_approval_record_is_never_edited(repo: Path, keys: Keys) -> None:
    path = "approvals/SPEC-001@B.yaml"
    edit_yaml(repo / path, lambda d: d.update(comment="edited afterwards"))
    commit_as(repo, keys["zhang"], "edit the approval")
    findings = assert_found(repo, "ACK_INVALID", commit=head(repo), path=path)
    assert "never changed" in findings[0]["message"]


@pytest.mark.parametrize("into", ["main", "side"])
def test_an_approval_on_a_side_line_does_not_cure_an_earlier_use(
        repo: Path, keys: Keys, into: str) -> None:
    content = b"Specification rev C\n"
    draft(repo, keys["wang"], SPEC, content, "SPEC-001", "C")
    git(repo, "branch", "side")
    make_effective(repo, SPEC, "SPEC-001")
    commit_as(repo, keys["wang"], "effective before any approval")
    effective = head(repo)
    checkout(repo, "side")
    write_approval(repo, approval_record("SPEC-001", "C", sha256(content)))
    commit_as(repo, keys["zhang"], "approval on a side line")
    approval = head(repo)
    if into == "main":
        checkout(repo, "main")
        git_merge(repo, keys["zhang"], "side")
    else:
        git_merge(repo, keys["zhang"], "main")
    findings = assert_found(repo, "CHANGE_NOT_APPROVED", commit=effective, path=SPEC)
    assert not [f for f in findings if f["commit"] == approval]


def test_an_approval_merged_in_before_use_counts(repo: Path, keys: Keys) -> None:
    content = b"Specification rev C\n"
    draft(repo, keys["wang"], SPEC, content, "SPEC-001", "C")
    git(repo, "checkout", "-q", "-b", "side")
    write_approval(repo, approval_record("SPEC-001", "C", sha256(content)))
    commit_as(repo, keys["zhang"], "approval on a side line")
    checkout(repo, "main")
    git_merge(repo, keys["zhang"], "side")
    make_effective(repo, SPEC, "SPEC-001")
    commit_as(repo, keys["wang"], "effective after the approval was merged")
    assert_clean(repo)


# -- change requests -----------------------------------------------------------------------
@pytest.mark.parametrize("decision", [None, "rejected"])
def test_a_requested_revision_made_effective_before_the_recipient_approved(
        repo: Path, keys: Keys, decision: str | None) -> None:
    content = b"Specification rev C\n"
    draft(repo, keys["wang"], SPEC, content, "SPEC-001", "C")
    tx = request(repo, keys["wang"], "SPEC-001", "fab")
    if decision:
        ack(repo, keys["li"], tx, decision)
    write_approval(repo, approval_record("SPEC-001", "C", sha256(content)))
    make_effective(repo, SPEC, "SPEC-001")
    commit_as(repo, keys["zhang"], "approved in-house, without waiting for fab")
    findings = assert_found(repo, "CHANGE_NOT_APPROVED", commit=head(repo), path=SPEC)
    said = " ".join(f["message"] for f in findings)
    assert tx in said and (("rejected" in said) if decision else ("no approval" in said))


def test_a_clerk_approving_a_change_request_does_not_open_the_gate(
        repo: Path, keys: Keys) -> None:
    content = b"Specification rev C\n"
    draft(repo, keys["wang"], SPEC, content, "SPEC-001", "C")
    tx = request(repo, keys["wang"], "SPEC-001", "fab")
    sent = yaml.safe_load((repo / f"transfers/{tx}/transfer.yaml").read_text())
    path = f"transfers/{tx}/ack.fab.yaml"
    (repo / path).write_text(yaml.safe_dump({
        "transfer": tx, "transfer_commit": head(repo), "manifest_digest": sent["manifest_digest"],
        "party": "fab", "signer": "zhao.min", "role": "doc-control", "meaning": "approved",
        "date": utcnow().isoformat().replace("+00:00", "Z")}))
    commit_as(repo, keys["zhao"], "a clerk approves the change")
    clerk = head(repo)
    before, status = head(repo), git(repo, "status", "--porcelain").stdout
    proc = approve(repo, keys["zhang"], "SPEC-001", check=False)
    assert proc.returncode == 2 and "has not approved" in proc.stderr
    nothing_written(repo, before, status)
    write_approval(repo, approval_record("SPEC-001", "C", sha256(content)))
    make_effective(repo, SPEC, "SPEC-001")
    commit_as(repo, keys["zhang"], "approved in-house on the clerk's word")
    assert_found(repo, "ACK_INVALID", commit=clerk, path=path)
    assert_found(repo, "CHANGE_NOT_APPROVED", commit=head(repo), path=SPEC)


def test_a_batch_record_citing_a_requested_revision_before_approval(
        repo: Path, keys: Keys) -> None:
    draft(repo, keys["zhao"], SOP, b"Mixing SOP rev B\n", "MFG-SOP", "B", "process")
    tx = request(repo, keys["zhao"], "MFG-SOP", "acme")
    register(repo, "records/B003.csv", b"batch,B003\n", "BR-B003", "1", "batch-record")
    edit_yaml(repo / "MANIFEST.yaml", lambda d: [e.update({"x-uses": ["MFG-SOP@B"]})
                                                 for e in d["documents"] if e["id"] == "BR-B003"])
    commit_as(repo, keys["zhao"], "batch made to the proposed SOP")
    early = head(repo)
    findings = assert_found(repo, "CHANGE_NOT_APPROVED", commit=early, path="records/B003.csv")
    assert any("MFG-SOP@B" in f["message"] and tx in f["message"] for f in findings)
    # citing it after acme's approval is fine
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    ack(repo, keys["zhang"], tx, "approved")
    register(repo, "records/B003.csv", b"batch,B003\n", "BR-B003", "1", "batch-record")
    edit_yaml(repo / "MANIFEST.yaml", lambda d: [e.update({"x-uses": ["MFG-SOP@B"]})
                                                 for e in d["documents"] if e["id"] == "BR-B003"])
    commit_as(repo, keys["zhao"], "batch made to the approved SOP")
    assert_clean(repo)


def _implementation(tx: str, commit: str, **fields: str) -> dict[str, Any]:
    record = {"transfer": tx, "transfer_commit": commit, "party": "fab", "signer": "li.na",
              "role": "quality-head", "meaning": "implemented", "first_batch": "B003",
              "date": utcnow().isoformat().replace("+00:00", "Z")}
    record.update(fields)
    return record


@pytest.mark.parametrize("case,code,key", [
    ("before approval", "CHANGE_NOT_APPROVED", "li"),
    ("by a clerk", "ACK_INVALID", "zhao"),
    ("by the registrant", "ACK_INVALID", "zhang"),
])
def test_implementation_records_made_by_hand(repo: Path, keys: Keys, case: str, code: str,
                                             key: str) -> None:
    draft(repo, keys["zhao"], SOP, b"Mixing SOP rev B\n", "MFG-SOP", "B", "process")
    tx = request(repo, keys["zhao"], "MFG-SOP", "acme")
    tx_commit = head(repo)
    if case != "before approval":
        ack(repo, keys["zhang"], tx, "approved")
    fields = {"by a clerk": {"signer": "zhao.min", "role": "doc-control"},
              "by the registrant": {"party": "acme", "signer": "zhang.wei"}}.get(case, {})
    path = f"transfers/{tx}/implemented.yaml"
    (repo / path).write_text(yaml.safe_dump(_implementation(tx, tx_commit, **fields)))
    commit_as(repo, keys[key], f"implemented {case}")
    assert_found(repo, code, commit=head(repo), path=path)


# -- techxfer log ------------------------------------------------------------------------------
def test_log_shows_each_lifecycle_step_in_english_and_chinese(
        repo: Path, ids: dict[str, str], tmp_path: Path) -> None:
    today = utcnow().date().isoformat()
    out = techxfer(repo, "log", "DRW-001").stdout
    print(out)
    assert re.search(r"rev B\s+draft", out) and re.search(r"rev B\s+effective", out)
    assert "superseded by rev B" in out  # rev A
    assert f"{ids['drw_cr']} to fab (change-request)" in out and "approved by fab:li.na" in out
    # 21 CFR 11.50: printed name, date and time with its zone, meaning
    assert re.search(r"张伟 \(acme:zhang\.wei, quality-head\) — approved — "
                     r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00:00; effective " + today, out)
    assert re.search(r"李娜 \(fab:li\.na, quality-head\) — implemented — .*; "
                     + ids["drw_cr"] + " implemented from batch B001", out)
    zh = techxfer(repo, "log", "DRW-001", "--lang", "zh").stdout
    assert "变更申请" in zh and "已批准" in zh and "已实施" in zh and "自批次 B001 起实施" in zh
    assert f"{today} 生效" in zh and "已被第 B 版取代" in zh
    data = json.loads(techxfer(repo, "log", "DRW-001", "--format", "json").stdout)
    steps = [(s["meaning"], s["revision"], s["detail"]) for s in data["steps"]]
    assert steps == [("approved", "B", today), ("implemented", "B", "B001")]
    # the signature trail names each lifecycle signature with its meaning
    trail = techxfer(repo, "signatures").stdout
    assert re.search(r"approval\s+approved\s+DRW-001 rev B, effective " + today, trail)
    assert re.search(r"implementation\s+implemented\s+" + ids["drw_cr"] + " from batch B001",
                     trail)
    assert "实施确认" in techxfer(repo, "signatures", "--lang", "zh").stdout
    pdf = tmp_path / "log.pdf"
    techxfer(repo, "log", "DRW-001", "--format", "pdf", "-o", str(pdf), "--lang", "zh")
    assert pdf.read_bytes().startswith(b"%PDF")


def test_verify_json_names_no_finding_on_the_legitimate_history(repo: Path) -> None:
    rc, findings = verify(repo)
    assert rc == 0 and findings == []
    out = techxfer(repo, "verify").stdout
    assert re.search(r"\b0 finding|No findings", out)
