"""What records staff are told, and what verify holds them to (issue 16 item 6), on real
signed repositories: disposal requests refused up front, what ``dispose`` really removed and
where the content still is, superseded revisions in the retention report, the hold list,
and destructions brought in by a merge across a hold placed on the other side.

The cast (tests/conftest.py ``PEOPLE``): zhang (acme quality head, places holds and
approves notices), zhao (fab doc-control, keeps the batch records and disposes of them).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from attack_helpers import (
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
)
from conftest import SshKey, techxfer, use_signing_key

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
