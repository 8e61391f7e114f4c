"""Signatures verified ahead of the walk in a second process: the same answers as the walk's
own check, and the walk falls back to that check whenever the worker is out of step."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import SshKey, add_doc, commit_as, git

from techxfer.audit import _sigworker as sigworker
from techxfer.audit.walk import Auditor
from techxfer.findings import Finding
from techxfer.git.repo import GitRepo
from techxfer.rules.signer import SignatureChecker, bad_signature
from techxfer.state.cache import BlobCache


def forge(repo: Path, rev: str, old: str, new: str) -> str:
    """A copy of a signed commit with its message edited: the signature no longer holds."""
    raw = git(repo, "cat-file", "commit", rev).stdout
    assert old in raw
    return subprocess.run(["git", "hash-object", "-t", "commit", "-w", "--stdin"], cwd=repo,
                          input=raw.replace(old, new).encode(), capture_output=True,
                          check=True).stdout.decode().strip()


@pytest.fixture
def mixed(repo: Path, keys: dict[str, SshKey]) -> tuple[Path, list[str]]:
    """Good SSH signatures by two people, an unsigned commit, a forged one."""
    add_doc(repo, "design/drawing.pdf", b"rev B", "DRW-001", revision="B")
    commit_as(repo, keys["wang"], "Revision B")
    add_doc(repo, "design/drawing.pdf", b"rev C", "DRW-001", revision="C")
    git(repo, "-c", "commit.gpgSign=false", "commit", "-q", "-m", "unsigned")
    commits = git(repo, "rev-list", "--reverse", "HEAD").stdout.split()
    return repo, [*commits, forge(repo, "HEAD~1", "Revision B", "Revision B (edited)")]


def test_worker_answers_as_the_walk_would(mixed: tuple[Path, list[str]]) -> None:
    repo, commits = mixed
    r = GitRepo.open(repo)
    own = SignatureChecker()
    ahead = sigworker.AheadSignatures(r, commits, min_commits=1)
    try:
        answers = [ahead.get(c) for c in commits]
    finally:
        ahead.close()
    kinds = []
    for commit, answer in zip(commits, answers, strict=True):
        identified = own.identify(commit, r.commit_signature(commit), None)
        if answer is None:  # unsigned: the walk checks it itself
            assert isinstance(identified, Finding) and identified.code.value == "UNSIGNED_COMMIT"
            kinds.append("-")
        elif answer[0] == "ssh":
            assert identified == answer
            kinds.append("ssh")
        else:
            assert identified == bad_signature(commit, answer[1])  # the message exactly
            kinds.append("bad")
    assert kinds[-3:] == ["ssh", "-", "bad"] and set(kinds[:-3]) == {"ssh"}


def test_out_of_step_ends_the_worker_and_the_walk_checks_itself(mixed: tuple[Path, list[str]]) -> None:
    repo, commits = mixed
    ahead = sigworker.AheadSignatures(GitRepo.open(repo), commits, min_commits=1)
    assert ahead.get(commits[0]) is not None
    assert ahead.get(commits[2]) is None  # asked for another commit than the worker's next
    assert ahead.get(commits[1]) is None  # and from then on nothing is taken from it


def test_short_walks_start_no_worker(mixed: tuple[Path, list[str]]) -> None:
    repo, commits = mixed
    ahead = sigworker.AheadSignatures(GitRepo.open(repo), commits)
    assert len(commits) < sigworker.MIN_COMMITS and ahead.get(commits[0]) is None


def test_the_worker_command_refuses_bad_arguments() -> None:
    assert sigworker.main([]) == 2
    assert sigworker.main(["a", "--nope"]) == 2


@pytest.mark.parametrize("threshold", [1, 10**9])
def test_verify_finds_the_same_with_and_without_the_worker(
        mixed: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch, threshold: int) -> None:
    repo, commits = mixed
    git(repo, "update-ref", "refs/heads/main", commits[-1])
    monkeypatch.setattr(sigworker, "MIN_COMMITS", threshold)
    result = Auditor(GitRepo.open(repo), BlobCache(None)).run()
    found = sorted((f.code.value, f.commit) for f in result.findings)
    # The forged commit's parent is the unsigned one's parent: the forged tip is judged alone.
    assert found == [("BAD_SIGNATURE", commits[-1])]
    git(repo, "update-ref", "refs/heads/main", commits[-2])
    result = Auditor(GitRepo.open(repo), BlobCache(None)).run()
    assert sorted((f.code.value, f.commit) for f in result.findings) == [("UNSIGNED_COMMIT", commits[-2])]


def test_the_worker_never_imports_a_techxfer_folder_of_the_checkout(
        mixed: tuple[Path, list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """verify runs in the audited checkout; a techxfer/ folder committed there must not
    become the worker, which would vouch for every signature."""
    repo, commits = mixed
    planted = tmp_path / "checkout"
    (planted / "techxfer").mkdir(parents=True)
    marker = tmp_path / "imported"
    (planted / "techxfer" / "__init__.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    (planted / "techxfer" / "sigworker.py").write_text(
        "import sys\nfor line in sys.stdin:\n    print(line.strip(), 'ssh ssh-ed25519 AAAAforged', flush=True)\n")
    monkeypatch.chdir(planted)
    r = GitRepo.open(repo)
    ahead = sigworker.AheadSignatures(r, commits, min_commits=1)
    try:
        answers = [ahead.get(c) for c in commits]
    finally:
        ahead.close()
    assert not marker.exists()
    assert answers[-2] is None and answers[-1] is not None and answers[-1][0] == "bad"
    assert all(a is not None and a[1] != "ssh-ed25519 AAAAforged" for a in answers[:-2])
