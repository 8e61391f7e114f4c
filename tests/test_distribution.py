"""``techxfer export --record``: the distribution of controlled copies recorded in the
repository as a signed commit, and ``verify`` catching records that lie, are made by the
wrong person, or are changed or removed afterwards."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import TESTDATA, SshKey, add_doc, commit_as, git, isolated_env, techxfer, use_signing_key

from techxfer.format import schema

PDF = TESTDATA / "pdfs" / "text-pdflatex-4pages.pdf"
OTHER_ID = "EXP-20261123-M-0badc0de"


def verify(repo: Path) -> list[dict[str, Any]]:
    proc = techxfer(repo, "verify", "--json", check=False)
    assert proc.returncode in (0, 1), proc.stderr
    findings: list[dict[str, Any]] = json.loads(proc.stdout)["findings"]
    assert (proc.returncode == 0) == (findings == [])
    return findings


def head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").stdout.strip()


@pytest.fixture(scope="module")
def distributed(base_repo: Path, keys: dict[str, SshKey], tmp_path_factory: pytest.TempPathFactory
                ) -> tuple[Path, Path, str, str]:
    """Three documents transferred to fab and acknowledged, one more never transferred; then
    fab's document control exports stamped copies for fab and records the distribution."""
    with isolated_env(tmp_path_factory):
        repo = tmp_path_factory.mktemp("dist") / "repo"
        shutil.copytree(base_repo, repo, symlinks=True)
        add_doc(repo, "design/manual.pdf", PDF.read_bytes(), "MAN-001")
        add_doc(repo, "design/late.txt", b"not transferred", "LATE-1")
        commit_as(repo, keys["wang"], "register the manual")
        use_signing_key(repo, keys["wang"])
        out = techxfer(repo, "transfer", "DRW-001", "SPEC-001", "MAN-001", "--to", "fab",
                       "-m", "design transfer").stdout
        match = re.search(r"TX-\d{8}-R-[0-9a-f]{8}", out)
        assert match, out
        use_signing_key(repo, keys["li"])
        techxfer(repo, "ack", match.group(0), "--meaning", "received")
        source = head(repo)
        use_signing_key(repo, keys["zhao"])
        copies = repo.parent / "copies"
        proc = techxfer(repo, "export", "--party", "fab", "--out", str(copies), "--stamp", "--record")
        found = re.search(r"Recorded in (distributions/EXP-\d{8}-M-[0-9a-f]{8}\.yaml)", proc.stdout)
        assert found, proc.stdout
        return repo, copies, source, found.group(1)


@pytest.fixture
def copy(distributed: tuple[Path, Path, str, str], tmp_path: Path) -> Path:
    target = tmp_path / "repo"
    shutil.copytree(distributed[0], target, symlinks=True)
    return target


def test_record_is_one_signed_commit_listing_every_copy(distributed: tuple[Path, Path, str, str]) -> None:
    repo, copies, source, path = distributed
    assert git(repo, "diff", "--name-status", "HEAD~1", "HEAD").stdout.split() == ["A", path]
    assert git(repo, "rev-parse", "HEAD~1").stdout.strip() == source
    assert git(repo, "status", "--porcelain").stdout == ""
    data = (repo / path).read_bytes()
    record = yaml.safe_load(data)
    schema.load_and_validate("distribution", data, path)  # raises on any violation
    assert (record["party"], record["signer"], record["recipient"]) == ("fab", "zhao.min", "fab")
    assert record["commit"] == source and record["stamped"] is True
    register = json.loads((copies / "export-register.json").read_text(encoding="utf-8"))
    assert register["export"] == record["id"] and path == f"distributions/{record['id']}.yaml"
    made = {c["copy"]: c for c in register["copies"] if c["copy"]}
    assert {c["copy"] for c in record["copies"]} == set(made) and len(made) == 2
    for c in record["copies"]:
        on_disk = (copies / c["path"]).read_bytes()
        assert hashlib.sha256(on_disk).hexdigest() == c["copy_sha256"] == made[c["copy"]]["copy_sha256"]
        assert c["transfer"] == made[c["copy"]]["transfer"]
    by_id = {c["id"]: c for c in record["copies"]}
    assert by_id["MAN-001"]["stamped"] and by_id["MAN-001"]["copy_sha256"] != by_id["MAN-001"]["sha256"]
    assert not by_id["SPEC-001"]["stamped"] and by_id["SPEC-001"]["copy_sha256"] == by_id["SPEC-001"]["sha256"]
    skipped = {s["id"]: s["reason"] for s in record["skipped"]}
    assert "damaged" in skipped["DRW-001"] and "not transferred" in skipped["LATE-1"]
    raw = git(repo, "cat-file", "commit", "HEAD").stdout
    assert "gpgsig -----BEGIN SSH SIGNATURE-----" in raw
    assert f"Distribute 2 controlled copies to fab ({record['id']})" in raw
    assert verify(repo) == []


def test_recording_needs_a_distribution_role(copy: Path, keys: dict[str, SshKey], tmp_path: Path) -> None:
    use_signing_key(copy, keys["li"])  # fab's quality head: no distribution role by default
    before = head(copy)
    proc = techxfer(copy, "export", "--party", "fab", "--out", str(tmp_path / "o"), "--record", check=False)
    assert proc.returncode == 2 and "fab:li.na may not record a distribution" in proc.stderr
    assert "manufacturer:doc-control" in proc.stderr
    assert not (tmp_path / "o").exists() and head(copy) == before
    assert git(copy, "status", "--porcelain").stdout == ""


def test_a_failed_signature_leaves_no_copies_and_no_record(copy: Path, keys: dict[str, SshKey],
                                                           tmp_path: Path) -> None:
    public_only = tmp_path / "zhao.pub"  # the key is known, but there is no private half to sign
    shutil.copyfile(keys["zhao"].public, public_only)
    git(copy, "config", "gpg.format", "ssh")
    git(copy, "config", "user.signingkey", str(public_only))
    git(copy, "config", "commit.gpgSign", "true")
    (copy / "design" / "spec.txt").write_bytes(b"work in progress\n")
    git(copy, "add", "design/spec.txt")
    status, before = git(copy, "status", "--porcelain").stdout, head(copy)
    proc = techxfer(copy, "export", "--party", "fab", "--out", str(tmp_path / "o"), "--record", check=False)
    assert proc.returncode == 2 and "sign" in proc.stderr.lower(), proc.stderr
    assert not (tmp_path / "o").exists() and not list(tmp_path.glob(".o.partial-*"))
    assert head(copy) == before and git(copy, "status", "--porcelain").stdout == status
    assert sorted(p.name for p in (copy / "distributions").iterdir()) == [
        Path(git(copy, "ls-files", "distributions").stdout.strip()).name]


def test_a_plain_export_records_nothing(copy: Path, keys: dict[str, SshKey], tmp_path: Path) -> None:
    use_signing_key(copy, keys["li"])
    before = head(copy)
    proc = techxfer(copy, "export", "--party", "fab", "--out", str(tmp_path / "o"))
    assert "Recorded" not in proc.stdout and head(copy) == before
    assert (tmp_path / "o" / "design" / "spec.txt").exists()


# -- verify: distribution records that lie or were tampered with ------------------------
def forge(copy: Path, source: Path, change: Callable[[dict[str, Any]], None]) -> str:
    """A second record made from the first, changed; written under its own id."""
    record = yaml.safe_load(source.read_text(encoding="utf-8"))
    record["id"] = OTHER_ID
    record["copies"] = [dict(c, copy=f"{OTHER_ID}-{i + 1:03d}") for i, c in enumerate(record["copies"])]
    change(record)
    path = f"distributions/{OTHER_ID}.yaml"
    (copy / path).write_text(yaml.safe_dump(record, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def messages(findings: list[dict[str, Any]], code: str) -> list[str]:
    return [f["message"] for f in findings if f["code"] == code]


def test_a_second_honest_record_is_clean(copy: Path, keys: dict[str, SshKey],
                                         distributed: tuple[Path, Path, str, str]) -> None:
    forge(copy, copy / distributed[3], lambda r: None)
    commit_as(copy, keys["zhao"], "record again")
    assert verify(copy) == []


@pytest.mark.parametrize("case,change,needle", [
    ("wrong hash", lambda r: r["copies"][0].update(sha256="0" * 64), "differs from the register"),
    ("unknown document", lambda r: r["copies"][0].update(id="NOPE-1"), "is not in the register"),
    ("untransferred", lambda r: r["copies"].append(
        {"copy": f"{OTHER_ID}-009", "id": "LATE-1", "path": "design/late.txt", "revision": "A",
         "sha256": hashlib.sha256(b"not transferred").hexdigest(),
         "copy_sha256": hashlib.sha256(b"not transferred").hexdigest(), "stamped": False}),
     "no transfer to fab is named"),
    ("transfer that did not carry it", lambda r: r["copies"][0].update(transfer="TX-20260101-R-00000000"),
     "did not carry"),
    ("duplicate copy number", lambda r: r["copies"][1].update(copy=r["copies"][0]["copy"]), "not a unique"),
    ("altered unstamped copy", lambda r: [c.update(copy_sha256="1" * 64) for c in r["copies"]
                                          if not c["stamped"]], "unstamped copy whose content differs"),
    ("source not in history", lambda r: r.update(commit="a" * 40), "not in the history before"),
    ("id differs from file", lambda r: r.update(id="EXP-20261123-M-11111111"), "differs from its file name"),
    ("schema", lambda r: r.update(stamped="yes"), "stamped"),
    ("unknown recipient", lambda r: r.update(recipient="nobody"), "is no party"),
])
def test_a_lying_record_is_transfer_invalid(copy: Path, keys: dict[str, SshKey],
                                            distributed: tuple[Path, Path, str, str], case: str,
                                            change: Callable[[dict[str, Any]], None], needle: str) -> None:
    path = forge(copy, copy / distributed[3], change)
    commit_as(copy, keys["zhao"], f"forged record: {case}")
    findings = verify(copy)
    assert {f["code"] for f in findings} == {"TRANSFER_INVALID"}, findings
    assert all(f["path"] == path for f in findings)
    assert any(needle in m for m in messages(findings, "TRANSFER_INVALID")), findings


def test_an_obsolete_revision_handed_out_is_caught(copy: Path, keys: dict[str, SshKey],
                                                   distributed: tuple[Path, Path, str, str]) -> None:
    # The register at HEAD marks SPEC-001 obsolete; a record made from HEAD lists it anyway.
    manifest = copy / "design" / "MANIFEST.yaml"
    data = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    for doc in data["documents"]:
        if doc["id"] == "SPEC-001":
            doc["status"] = "obsolete"
    manifest.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    commit_as(copy, keys["wang"], "SPEC-001 obsolete")
    forge(copy, copy / distributed[3], lambda r: r.update(commit=head(copy)))
    commit_as(copy, keys["zhao"], "hand out an obsolete copy")
    found = messages(verify(copy), "TRANSFER_INVALID")
    assert any("SPEC-001 rev A is obsolete, handed out as a controlled copy" in m for m in found), found


def test_a_record_that_is_not_yaml_is_transfer_invalid(copy: Path, keys: dict[str, SshKey]) -> None:
    path = f"distributions/{OTHER_ID}.yaml"
    (copy / path).write_text("id: [not closed\ncopies: {\n", encoding="utf-8")
    commit_as(copy, keys["zhao"], "a broken record")
    findings = verify(copy)
    assert [(f["code"], f["path"]) for f in findings] == [("TRANSFER_INVALID", path)], findings


@pytest.mark.parametrize("signer,record_as,needle", [
    ("li", ("fab", "li.na"), "holds no role that may record a distribution"),
    ("wang", ("fab", "zhao.min"), "recorded as made by fab:zhao.min but signed by acme:wang.fang"),
])
def test_a_record_by_the_wrong_person_is_unauthorized(copy: Path, keys: dict[str, SshKey],
                                                      distributed: tuple[Path, Path, str, str], signer: str,
                                                      record_as: tuple[str, str], needle: str) -> None:
    forge(copy, copy / distributed[3], lambda r: r.update(party=record_as[0], signer=record_as[1]))
    commit_as(copy, keys[signer], "record by the wrong person")
    found = messages(verify(copy), "UNAUTHORIZED_CHANGE")
    assert any(needle in m for m in found), found


@pytest.mark.parametrize("remove", [False, True])
def test_a_record_changed_or_removed_later_is_record_deleted(copy: Path, keys: dict[str, SshKey],
                                                             distributed: tuple[Path, Path, str, str],
                                                             remove: bool) -> None:
    path = copy / distributed[3]
    if remove:
        path.unlink()
    else:
        path.write_text(path.read_text(encoding="utf-8").replace("recipient: fab", "recipient: acme"),
                        encoding="utf-8")
    commit_as(copy, keys["zhao"], "rewrite the distribution")
    findings = verify(copy)
    assert [f["code"] for f in findings] == ["RECORD_DELETED"], findings
    assert ("removed" if remove else "changed") in findings[0]["message"]
