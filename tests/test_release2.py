"""Re-release after rework, the release register and the duties calendar as PDFs (issue 19).

A batch released in two steps is reworked: the manufacturer registers a deviation report
naming the batch (open), files a new revision of the batch record while it is open, sends
the report, and the registrant approves it (closed). The manufacturer's release reviewer
then releases the batch again (``release production --rework``), naming the release it
supersedes by commit and SHA-256; the registrant's new market release binds to it and
names the market release it replaces. ``verify`` is clean on that path; each way around
it (a rewrite without ``supersedes``, a wrong commit, a market release still bound to the
superseded production release, a re-release while the deviation is open, no new closed
deviation, a market release again without a new production release) is RELEASE_INVALID.

Real signed histories, built once per module and copied per test.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from attack_helpers import assert_clean, assert_found, head, sha256, show
from conftest import SshKey, add_doc, commit_as, git, isolated_env, techxfer, use_signing_key
from pypdf import PdfReader
from test_release import (
    BATCH,
    MARKET,
    PRODUCTION,
    RECORD,
    close_deviation,
    open_deviation,
    refused,
    release,
    release_base,  # noqa: F401  (the session fixture the histories start from)
)

REWORKED = b"batch,B2026-0001\nstep,ok\nrework,filled again on line 1\n"


def copy(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / "repo"
    shutil.copytree(source, target, symlinks=True)
    return target


@pytest.fixture(scope="module")
def under_rework(release_base: Path, tmp_path_factory: pytest.TempPathFactory,  # noqa: F811
                 keys: dict[str, SshKey]) -> Iterator[Path]:
    """Released in two steps; then a deviation opened and the batch record reworked (rev 2)
    while it is open."""
    with isolated_env(tmp_path_factory):
        repo = tmp_path_factory.mktemp("rework") / "repo"
        shutil.copytree(release_base, repo, symlinks=True)
        release(repo, keys["li"], "production")
        release(repo, keys["zhang"], "market")
        open_deviation(repo, keys)
        add_doc(repo, RECORD, REWORKED, f"BR-{BATCH}", "2", "batch-record")
        commit_as(repo, keys["zhao"], "Batch record rev 2 after rework (DEV-001)")
        yield repo


@pytest.fixture(scope="module")
def reworked(under_rework: Path, tmp_path_factory: pytest.TempPathFactory,
             keys: dict[str, SshKey]) -> Iterator[Path]:
    """The deviation closed: the registrant approved the report."""
    with isolated_env(tmp_path_factory):
        repo = tmp_path_factory.mktemp("reworked") / "repo"
        shutil.copytree(under_rework, repo, symlinks=True)
        close_deviation(repo, keys)
        yield repo


@pytest.fixture(scope="module")
def released_again(reworked: Path, tmp_path_factory: pytest.TempPathFactory,
                   keys: dict[str, SshKey]) -> Iterator[Path]:
    """Released again in both steps, through the commands."""
    with isolated_env(tmp_path_factory):
        repo = tmp_path_factory.mktemp("again") / "repo"
        shutil.copytree(reworked, repo, symlinks=True)
        release(repo, keys["li"], "production", "--rework")
        release(repo, keys["zhang"], "market")
        yield repo


def record_at(repo: Path, rev: str, path: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(show(repo, rev, path))
    return data


def commits_of(repo: Path, path: str) -> list[str]:
    return git(repo, "log", "--format=%H", "--", path).stdout.split()


def rewrite(repo: Path, key: SshKey, path: str, change: Any) -> str:
    """The release record at PATH changed by CHANGE and committed, signed by KEY."""
    data = record_at(repo, "HEAD", path)
    change(data)
    (repo / path).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                             encoding="utf-8")
    commit_as(repo, key, f"rewrite {path}", path)
    return head(repo)


def messages(findings: list[dict[str, Any]], commit: str) -> str:
    return "\n".join(f["message"] for f in findings if f["commit"] == commit)


# -- the legitimate path ---------------------------------------------------------------------------
def test_rework_under_an_open_deviation_then_release_again_verifies_clean(
        released_again: Path) -> None:
    repo = released_again
    productions, markets = commits_of(repo, PRODUCTION), commits_of(repo, MARKET)
    assert len(productions) == 2 and len(markets) == 2  # the history keeps the old ones
    new, old = record_at(repo, "HEAD", PRODUCTION), record_at(repo, productions[1], PRODUCTION)
    assert new["supersedes"]["commit"] == productions[1]
    assert new["supersedes"]["sha256"] == sha256(show(repo, productions[1], PRODUCTION))
    assert new["supersedes"]["reason"] == "production review done"
    assert [r["revision"] for r in new["records"]] == ["2"] and old["records"][0]["revision"] == "1"
    assert [d["id"] for d in new["deviations"]] == ["DEV-001"] and old["deviations"] == []
    market = record_at(repo, "HEAD", MARKET)
    assert market["production"]["commit"] == productions[0]
    assert market["production"]["sha256"] == sha256(show(repo, "HEAD", PRODUCTION))
    assert market["supersedes"]["commit"] == markets[1]
    assert_clean(repo)


def test_the_register_shows_the_superseded_release(released_again: Path, tmp_path: Path) -> None:
    rows = json.loads(techxfer(released_again, "releases", "--format", "json").stdout)["batches"]
    row = rows[0]
    assert row["state"] == "released"
    assert row["production"]["commit"] == commits_of(released_again, PRODUCTION)[0]
    assert [s["step"] for s in row["superseded"]] == ["production", "market"]
    assert row["superseded"][0]["commit"] == commits_of(released_again, PRODUCTION)[1]
    assert row["superseded"][0]["superseded_by"] == row["production"]["commit"]
    assert row["production"]["supersedes"]["reason"] == "production review done"
    table = techxfer(released_again, "releases").stdout
    assert "Superseded" in table and commits_of(released_again, PRODUCTION)[1][:10] in table
    zh = techxfer(released_again, "releases", "--lang", "zh").stdout
    assert "已被取代" in zh and "Superseded" not in zh


def test_retention_counts_from_the_latest_market_release(released_again: Path) -> None:
    rows = json.loads(techxfer(released_again, "retention", "report", "--format",
                               "json").stdout)["records"]
    row = next(r for r in rows if r["id"] == f"BR-{BATCH}")
    latest = record_at(released_again, "HEAD", MARKET)["date"][:10]
    assert row["dates"]["released"] == latest


# -- what is caught --------------------------------------------------------------------------------
def test_the_register_shows_a_batch_under_rework(under_rework: Path) -> None:
    [row] = json.loads(techxfer(under_rework, "releases", "--format", "json").stdout)["batches"]
    assert row["state"] == "rework" and row["superseded"] == []
    assert "to be released again" in techxfer(under_rework, "releases").stdout
    assert_clean(under_rework)  # the record changed while its deviation is open


def test_a_record_changed_after_release_without_an_open_deviation_is_still_caught(
        reworked: Path, tmp_path: Path, keys: dict[str, SshKey]) -> None:
    repo = copy(reworked, tmp_path)
    add_doc(repo, RECORD, REWORKED + b"again\n", f"BR-{BATCH}", "3", "batch-record")
    commit_as(repo, keys["zhao"], "Batch record rev 3, no deviation open")
    findings = assert_found(repo, "RELEASE_INVALID", commit=head(repo), path=PRODUCTION)
    assert "changed after the production release" in messages(findings, head(repo))


def test_rewriting_the_production_release_without_supersedes(reworked: Path, tmp_path: Path,
                                                              keys: dict[str, SshKey]) -> None:
    repo = copy(reworked, tmp_path)
    bad = rewrite(repo, keys["li"], PRODUCTION, lambda d: d.update(comment="quietly redone"))
    findings = assert_found(repo, "RELEASE_INVALID", commit=bad, path=PRODUCTION)
    assert "never changed or removed" in messages(findings, bad)


def test_the_command_refuses_a_second_release_without_rework(reworked: Path, tmp_path: Path,
                                                            keys: dict[str, SshKey]) -> None:
    repo = copy(reworked, tmp_path)
    refused(repo, keys["li"], "production", "already has a production release", "--rework")


def test_supersedes_naming_a_wrong_commit(reworked: Path, tmp_path: Path,
                                          keys: dict[str, SshKey]) -> None:
    repo = copy(reworked, tmp_path)
    release(repo, keys["li"], "production", "--rework")
    content = show(repo, "HEAD", PRODUCTION)
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    wrong = commits_of(repo, MARKET)[0]
    data = yaml.safe_load(content)
    data["supersedes"]["commit"] = wrong
    (repo / PRODUCTION).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                                   encoding="utf-8")
    commit_as(repo, keys["li"], "re-release naming the wrong commit", PRODUCTION)
    bad = head(repo)
    findings = assert_found(repo, "RELEASE_INVALID", commit=bad, path=PRODUCTION)
    said = messages(findings, bad)
    assert f"names {wrong[:10]}" in said and "the release in force was recorded in" in said


def test_a_market_release_still_bound_to_the_superseded_production_release(
        reworked: Path, tmp_path: Path, keys: dict[str, SshKey]) -> None:
    repo = copy(reworked, tmp_path)
    old_production = commits_of(repo, PRODUCTION)[0]
    release(repo, keys["li"], "production", "--rework")
    old_market = commits_of(repo, MARKET)[0]
    bad = rewrite(repo, keys["zhang"], MARKET, lambda d: d.update(
        comment="released again", supersedes={"commit": old_market, "sha256": sha256(
            show(repo, "HEAD", MARKET)), "reason": "after rework"}))
    assert record_at(repo, "HEAD", MARKET)["production"]["commit"] == old_production
    findings = assert_found(repo, "RELEASE_INVALID", commit=bad, path=MARKET)
    assert "but the production release is" in messages(findings, bad)


def test_a_market_release_again_without_a_new_production_release(
        released_again: Path, tmp_path: Path, keys: dict[str, SshKey]) -> None:
    repo = copy(released_again, tmp_path)
    refused(repo, keys["zhang"], "market", "already has a market release")
    market = commits_of(repo, MARKET)[0]
    bad = rewrite(repo, keys["zhang"], MARKET, lambda d: d.update(
        comment="once more", supersedes={"commit": market, "sha256": sha256(
            show(repo, "HEAD", MARKET)), "reason": "no reason"}))
    findings = assert_found(repo, "RELEASE_INVALID", commit=bad, path=MARKET)
    assert "is still in force" in messages(findings, bad)


def test_a_re_release_while_the_deviation_is_open(under_rework: Path, tmp_path: Path,
                                                  keys: dict[str, SshKey]) -> None:
    repo = copy(under_rework, tmp_path)
    refused(repo, keys["li"], "production", "open deviation DEV-001", args=("--rework",))
    previous = commits_of(repo, PRODUCTION)[0]
    register = yaml.safe_load((repo / "MANIFEST.yaml").read_text())
    entry = next(d for d in register["documents"] if d["id"] == f"BR-{BATCH}")
    bad = rewrite(repo, keys["li"], PRODUCTION, lambda d: d.update(
        comment="released over the open deviation",
        records=[{"id": entry["id"], "path": entry["path"], "revision": str(entry["revision"]),
                  "sha256": entry["sha256"]}],
        supersedes={"commit": previous, "sha256": sha256(show(repo, "HEAD", PRODUCTION)),
                    "reason": "rework"}))
    findings = assert_found(repo, "RELEASE_INVALID", commit=bad, path=PRODUCTION)
    said = messages(findings, bad)
    assert "open deviation DEV-001" in said
    assert "lists no deviation closed since" in said


def test_rework_needs_a_release_to_supersede(release_base: Path, tmp_path: Path,  # noqa: F811
                                             keys: dict[str, SshKey]) -> None:
    repo = copy(release_base, tmp_path)
    use_signing_key(repo, keys["li"])
    proc = techxfer(repo, "release", "production", BATCH, "--rework", "-m", "x", check=False)
    assert proc.returncode == 2 and "no production release to supersede" in proc.stderr


# -- the PDFs --------------------------------------------------------------------------------------
def pdf_text(repo: Path, target: Path, *args: str) -> str:
    techxfer(repo, *args, "--format", "pdf", "-o", str(target), check=False)
    return "\n".join(page.extract_text() for page in PdfReader(target).pages)


def flat(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_release_register_pdf(released_again: Path, tmp_path: Path, lang: str) -> None:
    text = pdf_text(released_again, tmp_path / "r.pdf", "releases", "--lang", lang)
    data = json.loads(techxfer(released_again, "releases", "--format", "json").stdout)
    row = data["batches"][0]
    joined = flat(text)
    assert BATCH in text and "李娜" in text and "张伟" in text
    for signed in (row["production"], row["market"], *row["superseded"]):
        assert signed["commit"] in joined
        assert flat(signed["date"].replace("T", " ")) in joined  # with its zone
    assert row["records"][0]["sha256"] in joined and "DEV-001" in text
    if lang == "en":
        for word in ("Batch release register", "Production release", "Market release",
                     "released", "superseded by", "in force", "release-reviewer",
                     "Page 1 of"):
            assert word in text, word
    else:
        for word in ("批放行记录", "生产放行", "上市放行", "已放行", "已被取代", "现行", "产品放行审核人",
                     "第1页/共"):
            assert word in text, word
        assert "Production release" not in text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_duties_pdf(released_again: Path, tmp_path: Path, lang: str) -> None:
    as_of = date.today().isoformat()
    text = pdf_text(released_again, tmp_path / "d.pdf", "duties", "--as-of", as_of, "--lang",
                    lang, "--people")
    rows = json.loads(techxfer(released_again, "duties", "--as-of", as_of, "--json",
                               check=False).stdout)["duties"]
    joined = flat(text)
    assert rows
    for row in rows:
        if row["state"] in ("due", "overdue", "upcoming") and row["kind"] != "document-review":
            assert flat(row["clause"]) in joined and row["due"] in joined, row
    if lang == "en":
        for word in ("Duties calendar", "H 1.1.2", "audit of the manufacturer's quality system",
                     "Key positions", "李娜 (li.na)", "release-reviewer", "Page 1 of"):
            assert word in text, word
    else:
        for word in ("义务日历", "对受托生产企业的质量管理体系审核", "关键岗位", "产品放行审核人",
                     "第1页/共"):
            assert word in text, word
        assert "Duties calendar" not in text


def test_duties_pdf_needs_an_output_file(reworked: Path) -> None:
    proc = techxfer(reworked, "duties", "--format", "pdf", check=False)
    assert proc.returncode == 2 and "-o FILE" in proc.stderr
    proc = techxfer(reworked, "releases", "--format", "pdf", check=False)
    assert proc.returncode == 2 and "-o FILE" in proc.stderr


# -- the demo ----------------------------------------------------------------------------------------
def test_the_demo_closes_a_deviation_before_release_and_shows_what_is_due(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    out = techxfer(tmp_path, "demo", str(demo)).stdout
    assert "0 findings" in out
    assert "production release while it is open: refused, nothing written" in out
    production = yaml.safe_load((demo / PRODUCTION).read_text())
    [closed] = production["deviations"]
    assert closed["id"] == f"DEV-{BATCH}-01"
    transfers = json.loads(techxfer(demo, "transfers", "--format", "json").stdout)["transfers"]
    by_type = {t["type"]: t for t in transfers}
    assert by_type["deviation"]["id"] == closed["transfer"]
    assert by_type["deviation"]["acknowledgement"]["meaning"] == "approved"
    complaint = by_type["complaint"]
    assert (complaint["from"], complaint["acknowledgement"]["party"]) == ("fab", "acme")
    proc = techxfer(demo, "duties", "--json", check=False)
    due = [d for d in json.loads(proc.stdout)["duties"] if d["state"] == "due"]
    assert proc.returncode == 0 and [d["kind"] for d in due] == ["acknowledgement"]
    assert date.fromisoformat(due[0]["due"]) > date.today() and due[0]["clause"] == "H 11.2.1"
