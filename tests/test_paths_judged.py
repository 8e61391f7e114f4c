"""Issue 13 item 4, "Every changed path is judged" (DESIGN 2.1): no folder is exempt, and
every record kind with a schema passes it when added or changed.

Real signed histories (``git commit -S`` and the CLI), judged by ``techxfer verify --json``:
each bad case with the finding the design names, on the commit and path to blame; each
honest case clean. The cast and the ``repo`` fixture are tests/conftest.py's: acme
(registrant) zhang quality-head, wang doc-control; fab (manufacturer) li quality-head,
zhao doc-control.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from attack_helpers import (
    assert_clean,
    assert_found,
    clone,
    disposable_record,
    edit_yaml,
    head,
    place_hold,
    prepared,
    record_of,
    transfer,
    utcnow,
    verify,
    write_disposition,
    zhao_writes,
)
from conftest import SshKey, commit_as, git, init_repo, techxfer, use_signing_key

Keys = Mapping[str, SshKey]
DISP = "DISP-20260101-M-0badf00d"


def findings_of(repo: Path, code: str, *args: str) -> list[dict[str, Any]]:
    return [f for f in verify(repo, *args)[1] if f["code"] == code]


def retention_rows(repo: Path) -> dict[str, dict[str, Any]]:
    out = json.loads(techxfer(repo, "retention", "report", "--format", "json").stdout)
    return {r["id"]: r for r in out["records"]}


# == dispositions/ ============================================================================
@pytest.fixture(scope="module")
def disposal_base(base_repo: Path, keys: Keys, tmp_path_factory: pytest.TempPathFactory
                  ) -> tuple[Path, str, str]:
    """fab's SOP-OLD, out of retention, with a disposal notice acme approved."""
    found: list[str] = []
    repo = prepared(tmp_path_factory, base_repo,
                    lambda r: found.extend(disposable_record(r, keys)))
    return repo, found[0], found[1]


@pytest.fixture
def disposal(disposal_base: tuple[Path, str, str], tmp_path: Path) -> tuple[Path, str, str]:
    base, notice, approval = disposal_base
    return clone(base, tmp_path), notice, approval


def dispose(repo: Path, keys: Keys, notice: str, approval: str, *, who: str = "zhao",
            disp_id: str = DISP, file_id: str | None = None, signer: str = "zhao.min",
            records: list[dict[str, str]] | None = None, destroy: bool = True) -> str:
    """What ``techxfer dispose SOP-OLD`` commits, by hand and with the given lies: the
    disposition (named FILE_ID, saying DISP_ID, SIGNER, RECORDS) and, when DESTROY, the
    file removed and its entry marked destroyed; signed by WHO."""
    records = records if records is not None else [record_of(repo, "records/sop-old.txt",
                                                             "SOP-OLD")]
    path = write_disposition(repo, disp_id=disp_id, when=utcnow(), party="fab", signer=signer,
                             notice=notice, approval_commit=approval, records=records)
    if file_id is not None:
        path.rename(path.with_name(f"{file_id}.yaml"))
    if destroy:
        git(repo, "rm", "-q", "records/sop-old.txt")
        edit_yaml(repo / "MANIFEST.yaml", lambda d: [
            e.update(status="destroyed") for e in d["documents"] if e["id"] == "SOP-OLD"])
    commit_as(repo, keys[who], "Dispose SOP-OLD")
    return head(repo)


def test_dispose_command_is_clean_and_reported(disposal: tuple[Path, str, str],
                                               keys: Keys) -> None:
    """The honest path: ``techxfer dispose`` writes a disposition verify accepts, and the
    retention report names it for the destroyed record."""
    repo, notice, _ = disposal
    use_signing_key(repo, keys["zhao"])
    out = techxfer(repo, "dispose", "SOP-OLD", "--notice", notice).stdout
    disp_id = next(w for w in out.replace(",", " ").split() if w.startswith("DISP-"))
    assert_clean(repo)
    row = retention_rows(repo)["SOP-OLD"]
    assert row["state"] == "destroyed" and row["disposition"] == disp_id


def test_disposition_of_a_live_record_is_not_believed(repo: Path, keys: Keys) -> None:
    """wang, who may write design/, records DRW-001 destroyed without destroying it."""
    bad = zhao_writes(repo, keys, f"dispositions/{DISP}.yaml", yaml.safe_dump({
        "id": DISP, "date": utcnow().isoformat(), "party": "acme", "signer": "wang.fang",
        "reason": "retention over", "notice": "TX-20260101-R-0badf00d",
        "approval_commit": head(repo),
        "records": [record_of(repo, "design/drawing.pdf", "DRW-001")]}).encode(), who="wang")
    found = assert_found(repo, "TRANSFER_INVALID", commit=bad, path=f"dispositions/{DISP}.yaml")
    assert any("DRW-001" in f["message"] and "does not destroy" in f["message"] for f in found)
    row = retention_rows(repo)["DRW-001"]
    assert row["state"] != "destroyed" and row["disposition"] is None


def test_disposition_signed_by_another_than_it_names(disposal: tuple[Path, str, str],
                                                     keys: Keys) -> None:
    repo, notice, approval = disposal
    bad = dispose(repo, keys, notice, approval, signer="li.na")
    found = assert_found(repo, "UNAUTHORIZED_CHANGE", commit=bad, path=f"dispositions/{DISP}.yaml")
    assert any("fab:li.na but signed by fab:zhao.min" in f["message"] for f in found)


def test_disposition_listing_a_record_its_signer_may_not_write(
        disposal: tuple[Path, str, str], keys: Keys) -> None:
    """zhao destroys SOP-OLD honestly, and lists acme's DRW-001 as destroyed too."""
    repo, notice, approval = disposal
    records = [record_of(repo, "records/sop-old.txt", "SOP-OLD"),
               record_of(repo, "design/drawing.pdf", "DRW-001")]
    bad = dispose(repo, keys, notice, approval, records=records)
    path = f"dispositions/{DISP}.yaml"
    found = assert_found(repo, "UNAUTHORIZED_CHANGE", commit=bad, path=path)
    assert any("may not write design/drawing.pdf" in f["message"] for f in found)
    assert_found(repo, "TRANSFER_INVALID", commit=bad, path=path)
    assert retention_rows(repo)["DRW-001"]["disposition"] is None


@pytest.mark.parametrize("lie", ["id unlike its file", "another revision", "listed twice",
                                 "destroys nothing"])
def test_disposition_that_disagrees_with_its_commit(disposal: tuple[Path, str, str],
                                                    keys: Keys, lie: str) -> None:
    repo, notice, approval = disposal
    record = record_of(repo, "records/sop-old.txt", "SOP-OLD")
    kw: dict[str, Any] = {}
    if lie == "id unlike its file":
        kw["file_id"] = "DISP-20260101-M-00000000"
    elif lie == "another revision":
        kw["records"] = [dict(record, revision="Z")]
    elif lie == "listed twice":
        kw["records"] = [record, record]
    else:
        kw["destroy"] = False
    bad = dispose(repo, keys, notice, approval, **kw)
    path = f"dispositions/{kw.get('file_id', DISP)}.yaml"
    assert_found(repo, "TRANSFER_INVALID", commit=bad, path=path)


@pytest.mark.parametrize("how", ["changed", "removed"])
def test_disposition_changed_or_removed_later(disposal: tuple[Path, str, str], keys: Keys,
                                              how: str) -> None:
    repo, notice, approval = disposal
    dispose(repo, keys, notice, approval)
    assert_clean(repo)
    path = f"dispositions/{DISP}.yaml"
    if how == "changed":
        edit_yaml(repo / path, lambda d: d.update(reason="another reason"))
    else:
        git(repo, "rm", "-q", path)
    commit_as(repo, keys["zhao"], f"{how} the disposition")
    assert_found(repo, "RECORD_DELETED", commit=head(repo), path=path)


@pytest.mark.parametrize("path", ["dispositions/payload.sh", f"dispositions/{DISP}.yml",
                                  f"dispositions/old/{DISP}.yaml", "distributions/notes.txt",
                                  "transfers/TX-20260101-R-0badf00d/payload.pdf"])
def test_other_files_in_record_folders(repo: Path, keys: Keys, path: str) -> None:
    """Only the format's records belong in its record folders: anything else is judged by
    the policy, which has no rule for it."""
    bad = zhao_writes(repo, keys, path, b"x\n", who="wang")
    assert_found(repo, "UNAUTHORIZED_CHANGE", commit=bad, path=path)


def test_record_folders_stay_closed_when_a_rule_would_allow(tmp_path: Path, keys: Keys) -> None:
    """A policy whose rule lets both doc-controls write transfers/** and dispositions/**
    still cannot make another file a record: the folders hold only their records."""
    repo = init_repo(tmp_path / "repo", dict(keys), commit=False)
    edit_yaml(repo / ".techxfer/policy.yaml", lambda d: d["rules"].append({
        "paths": ["transfers/**", "dispositions/**"],
        "write": ["registrant:doc-control", "manufacturer:doc-control"]}))
    commit_as(repo, keys["zhang"], "Trust root")
    for path in ("transfers/TX-20260101-M-0badf00d/payload.pdf", "dispositions/payload.sh"):
        bad = zhao_writes(repo, keys, path, b"x\n")
        found = assert_found(repo, "UNAUTHORIZED_CHANGE", commit=bad, path=path)
        assert any("belong there" in f["message"] for f in found if f["path"] == path)


# == .techxfer/holds/ =========================================================================
def test_other_file_among_the_holds_is_configuration(repo: Path, keys: Keys) -> None:
    """Only ``holds/HOLD-*.yaml`` are holds; anything else there is configuration: written
    by a quality head and in force only once the other party approves."""
    path = ".techxfer/holds/notes.txt"
    by_zhao = zhao_writes(repo, keys, path, b"x\n")
    assert_found(repo, "UNAUTHORIZED_CHANGE", commit=by_zhao, path=path)
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    by_zhang = zhao_writes(repo, keys, path, b"x\n", who="zhang")
    assert_found(repo, "CHANGE_NOT_APPROVED", commit=by_zhang, args=("--as-of", "2099-01-01"))


# == every record kind passes its schema ======================================================
def _valid_distribution(repo: Path) -> dict[str, Any]:
    """fab's zhao hands acme's SPEC-001 to acme itself: no transfer needed, unstamped."""
    spec = record_of(repo, "design/spec.txt", "SPEC-001")
    return {"id": "EXP-20260101-M-0badf00d", "date": utcnow().isoformat(), "party": "fab",
            "signer": "zhao.min", "recipient": "acme", "commit": head(repo), "stamped": False,
            "copies": [{"copy": "EXP-20260101-M-0badf00d-001", **spec,
                        "copy_sha256": spec["sha256"]}]}


# kind → (path, who signs, broken content, the findings that say so)
BROKEN: dict[str, tuple[str, str, bytes, set[str]]] = {
    "transfer": ("transfers/TX-20260101-R-0badf00d/transfer.yaml", "wang",
                 b"id: TX-20260101-R-0badf00d\nitems: 7\n", {"TRANSFER_INVALID"}),
    "hold": (".techxfer/holds/HOLD-20260101-R-0badf00d.yaml", "zhang",
             b"id: HOLD-20260101-R-0badf00d\nplaced: yesterday\n", {"MANIFEST_INVALID"}),
    "distribution": ("distributions/EXP-20260101-M-0badf00d.yaml", "zhao",
                     b"id: EXP-20260101-M-0badf00d\ncopies: all\n", {"TRANSFER_INVALID"}),
    "disposition": (f"dispositions/{DISP}.yaml", "zhao",
                    f"id: {DISP}\nrecords: nothing\n".encode(), {"TRANSFER_INVALID"}),
    "not yaml": (f"dispositions/{DISP}.yaml", "zhao", b"id: [unclosed\n", {"TRANSFER_INVALID"}),
}


@pytest.mark.parametrize("kind", [*BROKEN, "ack"])
def test_schema_invalid_record_added(repo: Path, keys: Keys, kind: str) -> None:
    """Each record kind, added broken by the very person whose role may add it."""
    if kind == "ack":
        tx = transfer(repo, keys["wang"], "DRW-001")
        path, who = f"transfers/{tx}/ack.fab.yaml", "li"
        content, wanted = f"transfer: {tx}\nmeaning: approved-ish\n".encode(), {"ACK_INVALID"}
    else:
        path, who, content, wanted = BROKEN[kind]
    bad = zhao_writes(repo, keys, path, content, who=who)
    assert_found(repo, wanted, commit=bad, path=path)


def test_a_valid_distribution_by_hand_is_clean(repo: Path, keys: Keys) -> None:
    """The control of the next test."""
    record = _valid_distribution(repo)
    zhao_writes(repo, keys, f"distributions/{record['id']}.yaml",
                yaml.safe_dump(record, sort_keys=False).encode())
    assert_clean(repo)


@pytest.mark.parametrize("kind", ["hold", "transfer", "ack", "distribution"])
def test_schema_invalid_record_changed(repo: Path, keys: Keys, kind: str) -> None:
    """A record made properly, then changed into something its schema refuses, by the
    person who may write that kind: holds may only be released, the others never change."""
    if kind == "hold":
        path, who = f".techxfer/holds/{place_hold(repo, keys, 'DRW-001')}.yaml", "zhang"
        wanted = {"MANIFEST_INVALID"}
    elif kind in ("transfer", "ack"):
        tx = transfer(repo, keys["wang"], "DRW-001")
        if kind == "ack":
            use_signing_key(repo, keys["li"])
            techxfer(repo, "ack", tx)
        path = f"transfers/{tx}/transfer.yaml" if kind == "transfer" else f"transfers/{tx}/ack.fab.yaml"
        who = "wang" if kind == "transfer" else "li"
        wanted = {"TRANSFER_INVALID"} if kind == "transfer" else {"ACK_INVALID"}
    else:
        record = _valid_distribution(repo)
        path, who, wanted = f"distributions/{record['id']}.yaml", "zhao", {"RECORD_DELETED"}
        zhao_writes(repo, keys, path, yaml.safe_dump(record, sort_keys=False).encode())
    assert_clean(repo)
    edit_yaml(repo / path, lambda d: d.update(released="yes") if kind == "hold"
              else d.update(date="yesterday"))
    commit_as(repo, keys[who], f"change {path}")
    assert_found(repo, wanted, commit=head(repo), path=path)



# == housekeeping files change like the configuration =========================================
HOUSEKEEPING_SAMPLES = [".gitattributes", ".gitignore", ".gitmodules", ".gitlab-ci.yml",
                        ".pre-commit-config.yaml", ".github/workflows/ci.yml",
                        "design/.gitattributes", "records/old/.gitignore", ".gitignore/x"]
NOT_HOUSEKEEPING = ["README.md", "design/gitignore", "design/.github/x", "a.gitattributes",
                    ".githubx/y", "records/batch-1.csv"]


def test_init_judges_housekeeping_by_the_configuration_rule(repo: Path) -> None:
    """init's policy: the first rule matching each housekeeping file is the one for
    ``.techxfer/**``: either quality head, ``ack: approved``, not a controlled document;
    and layout.is_housekeeping (what the digest covers) agrees with the rule's patterns."""
    import pathspec

    from techxfer.format.layout import HOUSEKEEPING, is_governing_path, is_housekeeping

    rules = yaml.safe_load((repo / ".techxfer/policy.yaml").read_text())["rules"]

    def first(path: str) -> dict[str, Any] | None:
        return next((r for r in rules
                     if pathspec.GitIgnoreSpec.from_lines(r["paths"]).match_file(path)), None)

    config_rule = first(".techxfer/policy.yaml")
    assert config_rule is not None and config_rule["ack"] == "approved"
    assert sorted(config_rule["write"]) == ["manufacturer:quality-head", "registrant:quality-head"]
    spec = pathspec.GitIgnoreSpec.from_lines(HOUSEKEEPING)
    for path in HOUSEKEEPING_SAMPLES:
        assert first(path) is config_rule and config_rule["controlled"] is False, path
        assert spec.match_file(path) and is_housekeeping(path) and is_governing_path(path), path
    for path in NOT_HOUSEKEEPING:
        assert not spec.match_file(path) and not is_housekeeping(path), path
    readme = first("README.md")
    assert readme is not None and "manufacturer:doc-control" in readme["write"]


def propose(repo: Path, keys: Keys, path: str, content: bytes) -> tuple[str, str]:
    """li (fab's quality head) changes PATH and sends it as a policy-change transfer to
    acme. Returns (transfer id, transfer commit)."""
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    tx = transfer(repo, keys["li"], to="acme", kind="policy-change")
    sent = head(repo)
    shown = git(repo, "show", "--name-only", "--format=", sent).stdout.split()
    assert sorted(shown) == sorted([path, f"transfers/{tx}/transfer.yaml"]), shown
    return tx, sent


GITATTRIBUTES = b"* -text\n*.csv diff\n"


@pytest.mark.parametrize("path", [".gitattributes", ".github/workflows/verify.yml",
                                  "design/.gitignore"])
def test_housekeeping_change_approved_by_the_other_party_is_clean(repo: Path, keys: Keys,
                                                                  path: str) -> None:
    """The honest flow: li changes a housekeeping file, sends it as a policy-change
    transfer (its digest covers the housekeeping files), zhang approves."""
    tx, _ = propose(repo, keys, path, GITATTRIBUTES)
    use_signing_key(repo, keys["zhang"])
    techxfer(repo, "ack", tx, "--meaning", "approved")
    assert_clean(repo, "--as-of", "2099-01-01")


@pytest.mark.parametrize("answer", ["rejected", None])
def test_housekeeping_change_not_approved(repo: Path, keys: Keys, answer: str | None) -> None:
    """Rejected: never in force. Unanswered: pending within the deadline, a finding after."""
    tx, sent = propose(repo, keys, ".gitattributes", GITATTRIBUTES)
    if answer is None:
        assert_clean(repo)
    else:
        use_signing_key(repo, keys["zhang"])
        techxfer(repo, "ack", tx, "--meaning", answer)
    assert_found(repo, "CHANGE_NOT_APPROVED", commit=sent, args=("--as-of", "2099-01-01"))


@pytest.mark.parametrize("path", [".gitignore", ".gitattributes", "design/.gitattributes",
                                  ".pre-commit-config.yaml"])
def test_doc_control_may_not_change_housekeeping(repo: Path, keys: Keys, path: str) -> None:
    """wang may write design/, but not even design/.gitattributes: it rules how git
    treats the folder's files."""
    bad = zhao_writes(repo, keys, path, b"*.pdf filter=evil\n", who="wang")
    assert_found(repo, "UNAUTHORIZED_CHANGE", commit=bad, path=path)


def test_readme_stays_with_doc_control(repo: Path, keys: Keys) -> None:
    """The read-me changes no file's treatment: either doc-control writes it alone."""
    zhao_writes(repo, keys, "README.md", b"# Test pump technical file\n")
    assert_clean(repo, "--as-of", "2099-01-01")


def test_policy_change_transfer_needs_a_configuration_change(repo: Path, keys: Keys) -> None:
    (repo / "design/drawing.pdf").write_bytes(b"%PDF-1.4 rev B\n")
    use_signing_key(repo, keys["li"])
    proc = techxfer(repo, "transfer", "--to", "acme", "--type", "policy-change", "-m", "x",
                    check=False)
    assert proc.returncode == 2 and ".gitattributes" in proc.stderr, proc.stderr
