"""Controlled copies only of acknowledged revisions still held, and the copies to recall
(issue 18 item 5, DESIGN 11, GMP 2025 art. 43): ``export`` skips a pending, rejected or
withdrawn revision saying why, ``verify`` catches a distribution record written by hand
that hands one out (TRANSFER_INVALID), ``export`` lists the copies to recall once a
revision is superseded or withdrawn, and ``--returned`` records them given back."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from attack_helpers import (
    ack,
    assert_clean,
    assert_found,
    head,
    revise,
    transfer,
    utcnow,
)
from conftest import SshKey, commit_as, git, techxfer, use_signing_key
from test_meanings import hand_ack, unchanged

EXP_RE = r"EXP-\d{8}-[RM]-[0-9a-f]{8}"


def export(repo: Path, key: SshKey, out: str, *extra: str, check: bool = True
           ) -> tuple[Any, dict[str, Any]]:
    """``techxfer export --party fab`` as KEY's holder: (process, the export register)."""
    use_signing_key(repo, key)
    proc = techxfer(repo, "export", "--party", "fab", "--out", str(repo.parent / out), *extra,
                    check=check)
    register = repo.parent / out / "export-register.json"
    return proc, json.loads(register.read_text()) if register.exists() else {}


def lines(register: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {row["id"]: (row["status"], row["reason"]) for row in register["copies"]}


def test_only_acknowledged_revisions_are_copied(repo: Path, keys: dict[str, SshKey]) -> None:
    tx = transfer(repo, keys["wang"], "DRW-001", "SPEC-001")
    proc, register = export(repo, keys["zhao"], "pending")
    rows = lines(register)
    assert {doc: status for doc, (status, _) in rows.items()} == {"DRW-001": "skipped",
                                                                  "SPEC-001": "skipped"}
    assert f"awaits acknowledgement by fab ({tx}" in rows["DRW-001"][1]
    assert "0 copies" in proc.stdout and "awaits acknowledgement" in proc.stdout
    ack(repo, keys["zhao"], tx)
    _, register = export(repo, keys["zhao"], "acknowledged")
    assert {doc: status for doc, (status, _) in lines(register).items()} == {
        "DRW-001": "copied", "SPEC-001": "copied"}


def test_a_rejected_revision_is_not_copied(repo: Path, keys: dict[str, SshKey]) -> None:
    tx = transfer(repo, keys["wang"], "DRW-001")
    ack(repo, keys["li"], tx, "rejected")
    _, register = export(repo, keys["zhao"], "out")
    status, reason = lines(register)["DRW-001"]
    assert status == "skipped" and f"rejected by fab ({tx})" in reason


def test_a_clerks_approval_settles_nothing_for_copies(repo: Path, keys: dict[str, SshKey]) -> None:
    tx = transfer(repo, keys["wang"], "DRW-001")
    hand_ack(repo, keys["zhao"], tx, "zhao.min", "doc-control", "approved")
    _, register = export(repo, keys["zhao"], "out")
    status, reason = lines(register)["DRW-001"]
    assert status == "skipped" and "do not carry that meaning" in reason


def test_a_withdrawal_in_the_same_second_as_its_transfer_still_comes_after_it(
        repo: Path, keys: dict[str, SshKey]) -> None:
    """A record's date has whole seconds: two transfers of one second are ordered by the
    history (which commit added each), never by chance."""
    import libfaketime

    frozen = {**{k: str(v) for k, v in libfaketime.get_reload_information()[1].items()},
              # stopped (no "@": a clock started there would run on, and one command slower
              # than a second under load would date its record in the next second)
              "TZ": "UTC", "FAKETIME": utcnow().strftime("%Y-%m-%d %H:%M:%S")}
    tx = transfer(repo, keys["wang"], "DRW-001", "SPEC-001", env=frozen)
    use_signing_key(repo, keys["zhao"])
    techxfer(repo, "ack", tx, env=frozen)
    withdrawal = transfer(repo, keys["wang"], "DRW-001", kind="withdrawal", env=frozen)
    dates = {yaml.safe_load(p.read_text())["date"] for p in (repo / "transfers").glob("*/transfer.yaml")}
    assert len(dates) == 1  # the same second
    for _ in range(3):  # whatever order the ids sort in
        _, register = export(repo, keys["zhao"], f"out-{_}")
        assert lines(register)["DRW-001"][0] == "skipped", lines(register)
    assert f"withdrawn from fab by {withdrawal}" in lines(register)["DRW-001"][1]


def test_a_withdrawn_revision_is_not_copied(repo: Path, keys: dict[str, SshKey]) -> None:
    tx = transfer(repo, keys["wang"], "DRW-001", "SPEC-001")
    ack(repo, keys["zhao"], tx)
    withdrawal = transfer(repo, keys["wang"], "DRW-001", kind="withdrawal")
    assert_clean(repo)
    proc, register = export(repo, keys["zhao"], "out", "--record")
    rows = lines(register)
    assert rows["SPEC-001"][0] == "copied"
    assert rows["DRW-001"][0] == "skipped" and f"withdrawn from fab by {withdrawal}" in rows["DRW-001"][1]
    assert "skipped DRW-001" in proc.stdout
    record = yaml.safe_load(next((repo / "distributions").glob("EXP-*.yaml")).read_text())
    assert [c["id"] for c in record["copies"]] == ["SPEC-001"]
    assert [s["id"] for s in record["skipped"]] == ["DRW-001"]
    assert_clean(repo)


def hand_distribution(repo: Path, key: SshKey, source: str, docs: list[str],
                      returned: list[dict[str, str]] | None = None) -> str:
    """A distribution record written by hand (export would refuse it): copies of DOCS as
    the register of SOURCE lists them, each naming the last transfer to fab that carried it."""
    exp_id = "EXP-20261126-M-0000abcd"
    manifest = yaml.safe_load(git(repo, "show", f"{source}:design/MANIFEST.yaml").stdout)
    carried = {}
    for path in sorted((repo / "transfers").glob("*/transfer.yaml")):
        tx = yaml.safe_load(path.read_text())
        for item in tx["items"]:
            carried[item["id"]] = tx["id"]
    copies = []
    for i, entry in enumerate(e for e in manifest["documents"] if e["id"] in docs):
        copies.append({"copy": f"{exp_id}-{i + 1:03d}", "id": entry["id"],
                       "path": f"design/{entry['path']}", "revision": entry["revision"],
                       "sha256": entry["sha256"], "copy_sha256": entry["sha256"],
                       "stamped": False, "transfer": carried[entry["id"]]})
    record: dict[str, Any] = {
        "id": exp_id, "date": utcnow().isoformat(timespec="seconds"), "party": "fab",
        "signer": "zhao.min", "recipient": "fab", "commit": source, "stamped": False,
        "copies": copies}
    if returned:
        record["returned"] = returned
    (repo / "distributions").mkdir(exist_ok=True)
    (repo / "distributions" / f"{exp_id}.yaml").write_text(yaml.safe_dump(record, sort_keys=False))
    commit_as(repo, key, f"Distribute by hand ({exp_id})")
    return head(repo)


def test_verify_catches_a_copy_of_a_pending_revision(repo: Path, keys: dict[str, SshKey]) -> None:
    transfer(repo, keys["wang"], "DRW-001")
    commit = hand_distribution(repo, keys["zhao"], head(repo), ["DRW-001"])
    findings = assert_found(repo, "TRANSFER_INVALID", commit=commit)
    assert any("awaits acknowledgement" in f["message"] for f in findings), findings


def test_verify_catches_a_copy_of_a_withdrawn_revision(repo: Path, keys: dict[str, SshKey]) -> None:
    tx = transfer(repo, keys["wang"], "DRW-001")
    ack(repo, keys["zhao"], tx)
    source = head(repo)
    transfer(repo, keys["wang"], "DRW-001", kind="withdrawal")
    commit = hand_distribution(repo, keys["zhao"], source, ["DRW-001"])
    findings = assert_found(repo, "TRANSFER_INVALID", commit=commit)
    assert any("withdrawn from fab" in f["message"] for f in findings), findings


def test_a_hand_written_copy_of_an_acknowledged_revision_is_clean(
        repo: Path, keys: dict[str, SshKey]) -> None:
    tx = transfer(repo, keys["wang"], "DRW-001")
    ack(repo, keys["zhao"], tx)
    hand_distribution(repo, keys["zhao"], head(repo), ["DRW-001"])
    assert_clean(repo)


def test_superseded_copies_are_listed_to_recall_and_returned(
        repo: Path, keys: dict[str, SshKey]) -> None:
    first = transfer(repo, keys["wang"], "DRW-001", "SPEC-001")
    ack(repo, keys["zhao"], first)
    proc, _ = export(repo, keys["zhao"], "rev-a", "--record")
    exp_a = re.search(EXP_RE, proc.stdout)
    assert exp_a and "recall" not in proc.stdout
    numbers = {row["id"]: row["copy"] for row in
               json.loads((repo.parent / "rev-a" / "export-register.json").read_text())["copies"]}
    record_a = yaml.safe_load((repo / "distributions" / f"{exp_a.group(0)}.yaml").read_text())

    revise(repo, keys["wang"], "design/drawing.pdf", b"%PDF-1.4 drawing rev B\n", "DRW-001", "B")
    second = transfer(repo, keys["wang"], "DRW-001")
    ack(repo, keys["zhao"], second)
    proc, register = export(repo, keys["zhao"], "rev-b")
    recall = register["recall"]
    assert [(r["copy"], r["id"], r["revision"], r["recipient"]) for r in recall] == [
        (numbers["DRW-001"], "DRW-001", "A", "fab")]
    assert datetime.fromisoformat(recall[0]["issued"]) == datetime.fromisoformat(
        str(record_a["date"]))  # issued when the distribution was recorded
    assert recall[0]["reason"] == "superseded by rev B"
    assert f"recall {numbers['DRW-001']} DRW-001 rev A" in proc.stdout

    before = unchanged(repo)
    bad = techxfer(repo, "export", "--party", "fab", "--out", str(repo.parent / "x"),
                   "--record", "--returned", "EXP-20200101-M-00000000-001", check=False)
    assert bad.returncode == 2 and "no recorded distribution" in bad.stderr
    assert unchanged(repo) == before and not (repo.parent / "x").exists()
    assert techxfer(repo, "export", "--party", "fab", "--out", str(repo.parent / "y"),
                    "--returned", numbers["DRW-001"], check=False).returncode == 2

    proc, register = export(repo, keys["zhao"], "rev-b-recorded", "--record",
                            "--returned", numbers["DRW-001"])
    assert register["recall"] == [] and "returned " + numbers["DRW-001"] in proc.stdout
    records = [yaml.safe_load(p.read_text()) for p in (repo / "distributions").glob("*.yaml")]
    back = [r["returned"] for r in records if "returned" in r]
    assert back == [[{"copy": numbers["DRW-001"], "id": "DRW-001", "revision": "A",
                      "reason": "superseded by rev B"}]]
    assert_clean(repo)
    again = techxfer(repo, "export", "--party", "fab", "--out", str(repo.parent / "z"),
                     "--record", "--returned", numbers["DRW-001"], check=False)
    assert again.returncode == 2 and "already recorded as returned" in again.stderr


def test_withdrawn_copies_are_listed_to_recall(repo: Path, keys: dict[str, SshKey]) -> None:
    tx = transfer(repo, keys["wang"], "DRW-001")
    ack(repo, keys["zhao"], tx)
    export(repo, keys["zhao"], "first", "--record")
    withdrawal = transfer(repo, keys["wang"], "DRW-001", kind="withdrawal")
    _, register = export(repo, keys["zhao"], "second")
    assert [(r["id"], r["reason"].split(" (")[0]) for r in register["recall"]] == [
        ("DRW-001", f"withdrawn by {withdrawal}")]


def test_verify_catches_a_false_return(repo: Path, keys: dict[str, SshKey]) -> None:
    tx = transfer(repo, keys["wang"], "DRW-001")
    ack(repo, keys["zhao"], tx)
    commit = hand_distribution(repo, keys["zhao"], head(repo), [], returned=[
        {"copy": "EXP-20200101-M-00000000-001", "id": "DRW-001", "revision": "A"}])
    findings = assert_found(repo, "TRANSFER_INVALID", commit=commit)
    assert any("was not handed to fab" in f["message"] for f in findings), findings


def test_termination_withdraws_everything_and_needs_a_return(
        repo: Path, keys: dict[str, SshKey]) -> None:
    tx = transfer(repo, keys["wang"], "DRW-001", "SPEC-001")
    ack(repo, keys["zhao"], tx)
    export(repo, keys["zhao"], "before", "--record")
    use_signing_key(repo, keys["wang"])
    chosen = techxfer(repo, "transfer", "DRW-001", "--to", "fab", "--type", "termination",
                      "-m", "agreement ended", check=False)
    assert chosen.returncode == 2 and "everything the recipient holds" in chosen.stderr
    end = transfer(repo, keys["wang"], kind="termination")
    record = yaml.safe_load((repo / "transfers" / end / "transfer.yaml").read_text())
    assert sorted((i["id"], i["action"]) for i in record["items"]) == [
        ("DRW-001", "withdraw"), ("SPEC-001", "withdraw")]

    before = unchanged(repo)
    use_signing_key(repo, keys["zhao"])
    for meaning, needle in (("received", "'received' does not settle it"),
                            ("returned", "may not sign 'returned'")):
        proc = techxfer(repo, "ack", end, "--meaning", meaning, check=False)
        assert proc.returncode == 2 and needle in proc.stderr, proc.stderr
        assert f"{end} (termination) needs 'returned'" in proc.stderr
        assert unchanged(repo) == before
    ack(repo, keys["li"], end, "returned")
    assert_clean(repo)

    _, register = export(repo, keys["zhao"], "after")
    rows = lines(register)
    assert all(status == "skipped" and f"withdrawn from fab by {end} (termination" in reason
               for status, reason in rows.values()) and set(rows) == {"DRW-001", "SPEC-001"}
    assert sorted((r["id"], r["reason"].split(" (")[0]) for r in register["recall"]) == [
        ("DRW-001", f"withdrawn by {end}"), ("SPEC-001", f"withdrawn by {end}")]


def test_a_termination_that_leaves_something_behind(repo: Path, keys: dict[str, SshKey]) -> None:
    tx = transfer(repo, keys["wang"], "DRW-001", "SPEC-001")
    ack(repo, keys["zhao"], tx)
    partial = transfer(repo, keys["wang"], "DRW-001", kind="withdrawal")
    path = repo / "transfers" / partial / "transfer.yaml"
    git(repo, "reset", "-q", "--soft", "HEAD~1")
    path.write_text(path.read_text().replace("type: withdrawal", "type: termination"))
    commit_as(repo, keys["wang"], "a termination that forgets SPEC-001")
    findings = assert_found(repo, "TRANSFER_INVALID", commit=head(repo))
    assert any("leaves SPEC-001" in f["message"] for f in findings), findings


def test_returned_answers_only_a_termination(repo: Path, keys: dict[str, SshKey]) -> None:
    tx = transfer(repo, keys["wang"], "DRW-001")
    use_signing_key(repo, keys["li"])
    proc = techxfer(repo, "ack", tx, "--meaning", "returned", check=False)
    assert proc.returncode == 2 and "'returned' confirms a termination" in proc.stderr
    commit = hand_ack(repo, keys["li"], tx, "li.na", "quality-head", "returned")
    findings = assert_found(repo, "ACK_INVALID", commit=commit)
    assert any("confirms a termination" in f["message"] for f in findings), findings


def test_an_obsolete_revision_is_skipped_and_its_copies_recalled(
        repo: Path, keys: dict[str, SshKey]) -> None:
    tx = transfer(repo, keys["wang"], "SPEC-001")
    ack(repo, keys["zhao"], tx)
    export(repo, keys["zhao"], "first", "--record")
    manifest = repo / "design" / "MANIFEST.yaml"
    data = yaml.safe_load(manifest.read_text())
    for doc in data["documents"]:
        if doc["id"] == "SPEC-001":
            doc["status"] = "obsolete"
    manifest.write_text(yaml.safe_dump(data, sort_keys=False))
    commit_as(repo, keys["wang"], "SPEC-001 obsolete")
    _, register = export(repo, keys["zhao"], "second")
    assert lines(register)["SPEC-001"] == ("skipped", "rev A is obsolete")
    assert [(r["id"], r["reason"]) for r in register["recall"]] == [
        ("SPEC-001", "SPEC-001 rev A is obsolete")]
