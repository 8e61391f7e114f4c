"""What records staff are told, and what verify holds them to (issue 16 item 6), on real
signed repositories: disposal requests refused up front, what ``dispose`` really removed and
where the content still is, superseded revisions in the retention report, the hold list,
and destructions brought in by a merge across a hold placed on the other side.

The cast (tests/conftest.py ``PEOPLE``): zhang (acme quality head, places holds and
approves notices), zhao (fab doc-control, keeps the batch records and disposes of them).
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from attack_helpers import (
    TX_RE,
    ack,
    assert_clean,
    assert_found,
    branch_at,
    checkout,
    clone,
    disposable_record,
    dispose_by_hand,
    git_merge,
    head,
    place_hold,
    prepared,
    utcnow,
    verify,
)
from conftest import SshKey, commit_as, git, isolated_env, techxfer, use_signing_key
from test_retention import add_record, make_repo

Keys = dict[str, SshKey]
DISP_RE = r"DISP-\d{8}-[RM]-[0-9a-f]{8}"


@pytest.fixture(scope="module")
def disposal_base(base_repo: Path, keys: Keys, tmp_path_factory: pytest.TempPathFactory
                  ) -> tuple[Path, str, str]:
    """SOP-OLD: fab's procedure, obsolete since 2015 (class default, 5 years from obsolete),
    with a disposal notice approved by acme. Returns (repo, notice, approval commit)."""
    found: list[str] = []
    repo = prepared(tmp_path_factory, base_repo,
                    lambda r: found.extend(disposable_record(r, keys)))
    return repo, found[0], found[1]


def dispose(repo: Path, keys: Keys, notice: str, *ids: str) -> str:
    use_signing_key(repo, keys["zhao"])
    return techxfer(repo, "dispose", *(ids or ("SOP-OLD",)), "--notice", notice).stdout


def release(repo: Path, keys: Keys, hold: str) -> str:
    use_signing_key(repo, keys["zhang"])
    techxfer(repo, "hold", "release", hold, "-m", "case closed")
    return head(repo)


# == 5. A destruction brought in by a merge, across a hold on the other side ==============
@pytest.mark.parametrize("held_first", [True, False], ids=["held-side-first", "disposing-side-first"])
def test_merge_bringing_a_destruction_into_a_held_line(
        disposal_base: tuple[Path, str, str], tmp_path: Path, keys: Keys, held_first: bool) -> None:
    """Branch 'held' places a hold on SOP-OLD after the fork; branch 'gone' disposes of it
    properly on its own side (clean there: it never saw the hold). The merge makes a
    history in which a held record is destroyed: the merge is what must be reported."""
    base, notice, _ = disposal_base
    repo = clone(base, tmp_path)
    branch_at(repo, "gone")
    hold = place_hold(repo, keys, "SOP-OLD")
    branch_at(repo, "held")
    checkout(repo, "gone")
    dispose(repo, keys, notice)
    assert_clean(repo)  # the disposing side alone is proper
    checkout(repo, "held" if held_first else "gone")
    merge = git_merge(repo, keys["zhao"], "gone" if held_first else "held")
    findings = assert_found(repo, "RECORD_DELETED", commit=merge, path="records/sop-old.txt")
    assert [f for f in findings if f["commit"] != merge] == []
    (hit,) = [f for f in findings if f["code"] == "RECORD_DELETED"]
    assert hold in hit["message"] and "SOP-OLD" in hit["message"]


def test_merge_after_the_hold_was_released_on_its_side_is_clean(
        disposal_base: tuple[Path, str, str], tmp_path: Path, keys: Keys) -> None:
    """The control: the hold placed after the fork was released before the merge."""
    base, notice, _ = disposal_base
    repo = clone(base, tmp_path)
    branch_at(repo, "gone")
    hold = place_hold(repo, keys, "SOP-OLD")
    release(repo, keys, hold)
    checkout(repo, "gone")
    dispose(repo, keys, notice)
    checkout(repo, "main")
    git_merge(repo, keys["zhao"], "gone")
    assert_clean(repo)


@pytest.mark.parametrize("released_first", [True, False], ids=["released-side-first",
                                                               "disposing-side-first"])
def test_release_on_one_side_does_not_excuse_a_destruction_on_the_other(
        disposal_base: tuple[Path, str, str], tmp_path: Path, keys: Keys,
        released_first: bool) -> None:
    """The symmetric case: the hold is in force at the fork; one side releases it, the
    other destroys the record (by hand: ``dispose`` refuses a held record) without seeing
    the release. The destruction is reported where it was made, and the merge, which
    joins it to the release, neither hides it nor is blamed for it."""
    base, notice, approval = disposal_base
    repo = clone(base, tmp_path)
    hold = place_hold(repo, keys, "SOP-OLD")
    branch_at(repo, "gone")
    release(repo, keys, hold)
    branch_at(repo, "released")
    checkout(repo, "gone")
    use_signing_key(repo, keys["zhao"])
    refused = techxfer(repo, "dispose", "SOP-OLD", "--notice", notice, check=False)
    assert refused.returncode == 2 and hold in refused.stderr
    bad = dispose_by_hand(repo, keys, notice, approval, utcnow())
    checkout(repo, "released" if released_first else "gone")
    git_merge(repo, keys["zhao"], "gone" if released_first else "released")
    findings = assert_found(repo, "RECORD_DELETED", commit=bad, path="records/sop-old.txt")
    assert {f["commit"] for f in findings} == {bad}
    assert any(hold in f["message"] for f in findings)


# == 2. dispose request refuses up front ====================================================
LFS_POINTER = (b"version https://git-lfs.github.com/spec/v1\n"
               b"oid sha256:" + b"4d7a" * 16 + b"\nsize 12345\n")


@pytest.fixture(scope="module")
def records_base(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> Path:
    """Device lifetime 5 years. PTR-1 permanent; batch records BR-OLD (released 2020, kept
    to 2025-01-10, rev 1 then rev 2), BR-LEAP (to 2029-03-01), BR-2026 (to 2031-05-01) and
    BR-LFS (an LFS pointer, released 2019); SOP-1 (class default) rev A then rev B."""
    with isolated_env(tmp_path_factory):
        repo = make_repo(tmp_path_factory.mktemp("records"), keys, 5)
        add_record(repo, "records/2026.csv", "BR-2026", "2026-05-01")
        (repo / "records/scan.bin").write_bytes(LFS_POINTER)
        techxfer(repo, "add", "records/scan.bin", "--id", "BR-LFS", "--title", "Scan",
                 "--category", "batch-record", "--revision", "1", "--released", "2019-03-01")
        (repo / "records/sop.txt").write_text("procedure rev A\n")
        techxfer(repo, "add", "records/sop.txt", "--id", "SOP-1", "--title", "SOP",
                 "--category", "procedure", "--revision", "A")
        commit_as(repo, keys["zhao"], "more records")
        (repo / "records/old.csv").write_text("batch record BR-OLD, corrected\n")
        techxfer(repo, "add", "records/old.csv", "--id", "BR-OLD", "--title", "Batch BR-OLD",
                 "--category", "batch-record", "--revision", "2", "--released", "2020-01-10")
        (repo / "records/sop.txt").write_text("procedure rev B\n")
        techxfer(repo, "add", "records/sop.txt", "--id", "SOP-1", "--title", "SOP",
                 "--category", "procedure", "--revision", "B")
        commit_as(repo, keys["zhao"], "BR-OLD rev 2, SOP-1 rev B")
    return repo


@pytest.fixture
def records(records_base: Path, tmp_path: Path) -> Path:
    return clone(records_base, tmp_path)


def unchanged(repo: Path, before: str) -> None:
    """Nothing written: same HEAD, clean tree, index equal to HEAD."""
    assert head(repo) == before
    assert git(repo, "status", "--porcelain").stdout == ""
    assert git(repo, "diff", "--cached", "--quiet", check=False).returncode == 0


def request(repo: Path, keys: Keys, *args: str, check: bool = True
            ) -> subprocess.CompletedProcess[str]:
    use_signing_key(repo, keys["zhao"])
    return techxfer(repo, "dispose", "request", *args, "-m", "retention over", check=check)


def test_request_for_a_held_record_is_refused_even_ahead_of_time(records: Path, keys: Keys
                                                                 ) -> None:
    hold = place_hold(records, keys, "BR-OLD")
    before = head(records)
    for extra in ((), ("--before-end",)):
        proc = request(records, keys, "BR-OLD", *extra, check=False)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert f"BR-OLD: under legal hold {hold}" in proc.stderr
        assert "--before-end" not in proc.stderr  # no hint that would not help
        unchanged(records, before)
    assert not (records / "transfers").exists()


def test_request_before_the_end_is_refused_unless_asked_for(records: Path, keys: Keys) -> None:
    before = head(records)
    proc = request(records, keys, "BR-OLD", "BR-2026", check=False)
    assert proc.returncode == 2
    assert "BR-2026: retained until 2031-05-01" in proc.stderr and "--before-end" in proc.stderr
    assert "BR-OLD:" not in proc.stderr  # only what is refused is named; nothing is sent
    unchanged(records, before)
    proc = request(records, keys, "PTR-1", "--before-end", check=False)
    assert proc.returncode == 2 and "PTR-1: class permanent: kept permanently" in proc.stderr
    unchanged(records, before)
    proc = request(records, keys, "NOPE-1", check=False)
    assert proc.returncode == 2 and "NOPE-1" in proc.stderr
    unchanged(records, before)
    notice = re.search(TX_RE, request(records, keys, "BR-2026", "--before-end").stdout)
    assert notice and head(records) != before
    ack(records, keys["zhang"], notice.group(0), "approved")
    use_signing_key(records, keys["zhao"])
    approved = head(records)
    proc = techxfer(records, "dispose", "BR-2026", "--notice", notice.group(0), check=False)
    assert proc.returncode == 2 and "retained until 2031-05-01" in proc.stderr
    unchanged(records, approved)
    proc = techxfer(records, "dispose", "BR-2026", "--notice", notice.group(0), "--before-end",
                    check=False)
    assert proc.returncode == 2 and "request only" in proc.stderr
    assert_clean(records)


# == 1. dispose says what it removed and where the content still is ========================
def approved_notice(repo: Path, keys: Keys, *ids: str) -> str:
    notice = re.search(TX_RE, request(repo, keys, *ids).stdout)
    assert notice
    ack(repo, keys["zhang"], notice.group(0), "approved")
    return notice.group(0)


def blob(repo: Path, rev: str, path: str) -> str:
    return git(repo, "rev-parse", f"{rev}:{path}").stdout.strip()


def test_disposal_tells_the_truth_about_what_is_gone(records: Path, keys: Keys) -> None:
    """BR-OLD rev 2, past its retention, no hold, notice approved: dispose works, says the
    file left the tree and the register entry was kept as destroyed, and that both
    revisions are still in the history, by blob and commit; verify is clean."""
    rev1, rev2 = blob(records, "HEAD~1", "records/old.csv"), blob(records, "HEAD", "records/old.csv")
    notice = approved_notice(records, keys, "BR-OLD")
    last = head(records)
    out = dispose(records, keys, notice, "BR-OLD")
    disp = re.search(DISP_RE, out)
    assert disp, out
    assert "Destroyed" not in out
    assert f"dispositions/{disp.group(0)}.yaml" in out and head(records)[:10] in out
    assert "Removed from the current tree: records/old.csv (BR-OLD rev 2)." in out
    assert "Register entry BR-OLD rev 2 kept in records/MANIFEST.yaml, marked destroyed." in out
    assert "NOT gone" in out and "HISTORY_REWRITTEN" in out
    (current,) = [line for line in out.splitlines() if f"blob {rev2}" in line]
    assert "BR-OLD rev 2" in current and f"to {last[:10]}" in current
    (older,) = [line for line in out.splitlines() if f"blob {rev1}" in line]
    assert "rev 1 (superseded by rev 2)" in older and "eligible" in older
    # and it is true: the content is still there to read
    assert git(records, "cat-file", "-p", rev1).stdout == "batch record BR-OLD\n"
    assert git(records, "cat-file", "-p", rev2).stdout == "batch record BR-OLD, corrected\n"
    assert not (records / "records/old.csv").exists()
    assert_clean(records)


def test_disposal_in_chinese_and_as_json_names_the_lfs_object(records: Path, keys: Keys) -> None:
    notice = approved_notice(records, keys, "BR-LFS")
    use_signing_key(records, keys["zhao"])
    done = json.loads(techxfer(records, "dispose", "BR-LFS", "--notice", notice, "--json").stdout)
    assert done["removed_from_tree"] == ["records/scan.bin"]
    assert done["register_entries"] == [{"id": "BR-LFS", "revision": "1",
                                         "manifest": "records/MANIFEST.yaml",
                                         "status": "destroyed"}]
    (stored,) = done["still_in_history"]["BR-LFS"]
    assert stored["blob"] == blob(records, "HEAD~1", "records/scan.bin")
    assert stored["lfs_oid"] == "sha256:" + "4d7a" * 16
    assert stored["until_commit"] == head(records, "HEAD~1")
    assert_clean(records)


def test_disposal_words_in_chinese(records: Path, keys: Keys) -> None:
    notice = approved_notice(records, keys, "BR-OLD")
    use_signing_key(records, keys["zhao"])
    out = techxfer(records, "dispose", "BR-OLD", "--notice", notice, "--lang", "zh").stdout
    assert "已从当前版本树中删除：records/old.csv（BR-OLD 版本 2）" in out
    assert "内容并未消失" in out and "HISTORY_REWRITTEN" in out and "已被版本 2 取代" in out


# == 3. superseded revisions: report, check and dispose agree ================================
def test_superseded_revisions_are_records_of_their_own(records: Path, keys: Keys) -> None:
    out = json.loads(techxfer(records, "retention", "report", "--format", "json",
                              "--as-of", "2026-12-01").stdout)
    rows = {(r["id"], r["revision"]): r for r in out["records"] + out["superseded"]}
    assert len({r["id"] for r in out["records"]}) == len(out["records"])  # one row per id
    old1 = rows[("BR-OLD", "1")]
    assert (old1["status"], old1["standing"], old1["replaced_by"]) == ("superseded", "superseded", "2")
    assert (old1["class"], old1["end"], old1["state"]) == ("batch-record", "2025-01-10", "eligible")
    assert rows[("BR-OLD", "2")]["status"] == "effective"
    # SOP-1 rev A ran from obsolete, which it became when rev B replaced it (today)
    sop_a = rows[("SOP-1", "A")]
    today = date.today()
    assert sop_a["dates"]["obsolete"] == today.isoformat() and sop_a["state"] == "retain"
    assert sop_a["end"][:4] == str(today.year + 5)
    assert rows[("SOP-1", "B")]["state"] == "retain" and rows[("SOP-1", "B")]["end"] is None
    assert ("BR-LEAP", "1") in rows and len(out["superseded"]) == 2
    table = techxfer(records, "retention", "report", "--as-of", "2026-12-01").stdout
    (line,) = [x for x in table.splitlines() if x.startswith("BR-OLD") and " 1 " in x[16:23]]
    assert "superseded" in line and "eligible" in line and "by rev 2" in line
    # a hold on the record freezes its older revision too: report and check say the same
    hold = place_hold(records, keys, "BR-OLD")
    out = json.loads(techxfer(records, "retention", "report", "--format", "json").stdout)
    rows = {(r["id"], r["revision"]): r for r in out["records"] + out["superseded"]}
    assert rows[("BR-OLD", "1")]["state"] == rows[("BR-OLD", "2")]["state"] == "held"
    assert rows[("BR-OLD", "1")]["holds"] == [hold]
    proc = techxfer(records, "retention", "check", "BR-OLD", check=False)
    assert proc.returncode == 1
    assert "rev 1 (superseded by rev 2): held" in proc.stdout and "dispose does not remove it" in proc.stdout
    checked = json.loads(techxfer(records, "retention", "check", "BR-OLD", "--json",
                                  check=False).stdout)
    assert [r["state"] for r in checked[0]["superseded"]] == ["held"]


# == 4. hold list, and -m for hold release ==================================================
def test_hold_list_shows_active_and_released_holds(records: Path, keys: Keys) -> None:
    assert "No legal holds." in techxfer(records, "hold", "list").stdout
    first = place_hold(records, keys, "BR-OLD")
    use_signing_key(records, keys["zhang"])
    out = techxfer(records, "hold", "add", "--match", "records/*.csv", "-m", "audit",
                   "--ref", "CASE-9").stdout
    second = re.search(r"HOLD-[0-9A-Za-z-]+", out)
    assert second
    techxfer(records, "hold", "release", first, "-m", "case closed")
    listed = json.loads(techxfer(records, "hold", "list", "--json").stdout)
    assert [(h["id"], h["active"]) for h in listed] == [(second.group(0), True), (first, False)]
    assert listed[0]["placed_by"] == "acme:zhang.wei" and listed[0]["match"] == ["records/*.csv"]
    assert listed[0]["ref"] == "CASE-9" and listed[0]["reason"] == "audit"
    assert listed[1]["released"]["by"] == "acme:zhang.wei"
    assert listed[1]["released"]["reason"] == "case closed" and listed[1]["ids"] == ["BR-OLD"]
    assert listed[1]["placed_commit"] == git(records, "log", "--format=%H", "--diff-filter=A", "--",
                                             f".techxfer/holds/{first}.yaml").stdout.strip()
    text = techxfer(records, "hold", "list").stdout
    assert f"{second.group(0)}  ACTIVE  scope: match records/*.csv" in text
    assert f"{first}  released  scope: ids BR-OLD" in text and ": case closed" in text
    assert text.index(second.group(0)) < text.index(first)
    # before either was placed, none was in force
    early = json.loads(techxfer(records, "hold", "list", "--json", "--as-of", "2020-01-01").stdout)
    assert [h["state"] for h in early] == ["not placed yet", "not placed yet"]
    assert_clean(records)


def test_hold_release_reason_spellings(records: Path, keys: Keys) -> None:
    hold = place_hold(records, keys, "BR-OLD")
    before = head(records)
    proc = techxfer(records, "hold", "release", hold, check=False)
    assert proc.returncode == 2 and "-m REASON" in proc.stderr
    proc = techxfer(records, "hold", "release", hold, "-m", "a", "--reason", "b", check=False)
    assert proc.returncode == 2 and "once" in proc.stderr
    unchanged(records, before)
    assert "--reason" not in techxfer(records, "hold", "release", "--help").stdout
    techxfer(records, "hold", "release", hold, "--reason", "closed (old spelling)")
    assert "closed (old spelling)" in techxfer(records, "hold", "list").stdout


def test_superseded_revisions_across_a_merge_are_listed_once(records: Path, keys: Keys) -> None:
    """One line revises SOP-1 to rev C while the other, which never saw rev C, changes
    another entry of the same register: the history met in date order shows rev B again
    after rev C, which is not a new revision."""
    branch_at(records, "other")
    (records / "records/sop.txt").write_text("procedure rev C\n")
    techxfer(records, "add", "records/sop.txt", "--id", "SOP-1", "--title", "SOP",
             "--category", "procedure", "--revision", "C")
    commit_as(records, keys["zhao"], "SOP-1 rev C")
    checkout(records, "other")
    add_record(records, "records/late.csv", "BR-LATE", "2026-01-05")
    commit_as(records, keys["zhao"], "another batch record")
    checkout(records, "main")
    git_merge(records, keys["zhao"], "other")
    out = json.loads(techxfer(records, "retention", "report", "--format", "json").stdout)
    sop = [(r["revision"], r["standing"], r["replaced_by"])
           for r in out["records"] + out["superseded"] if r["id"] == "SOP-1"]
    assert sop == [("C", "current", None), ("B", "superseded", "C"), ("A", "superseded", "B")]
    assert_clean(records)


def test_removing_the_content_from_history_is_a_rewrite_verify_reports(records: Path,
                                                                        keys: Keys) -> None:
    """What dispose tells the records staff, done: the file purged from every commit with
    git filter-branch. Every rewritten commit has lost its signature, and a verifier that
    pinned the trust root finds it is no longer in the history."""
    notice = approved_notice(records, keys, "BR-OLD")
    dispose(records, keys, notice, "BR-OLD")
    assert_clean(records)
    root = git(records, "rev-list", "--max-parents=0", "HEAD").stdout.strip()
    git(records, "config", "techxfer.trustRoot", root)
    git(records, "filter-branch", "--index-filter",
        "git rm -q --cached --ignore-unmatch records/old.csv", "--", "--all",
        env={"FILTER_BRANCH_SQUELCH_WARNING": "1"})
    git(records, "update-ref", "-d", "refs/original/refs/heads/main")
    assert git(records, "log", "--all", "--format=%H", "--", "records/old.csv").stdout == ""
    found = assert_found(records, "HISTORY_REWRITTEN")
    assert root[:10] in found[0]["message"]
    git(records, "config", "--unset", "techxfer.trustRoot")
    assert "UNSIGNED_COMMIT" in {f["code"] for f in verify(records)[1]}
