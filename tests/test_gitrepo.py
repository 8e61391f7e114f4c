"""The git layer's whole-walk tree comparison, against real repositories and git's own answer."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import git

from techxfer.errors import GitError
from techxfer.git.repo import Entry, GitRepo


def commit_all(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD").stdout.strip()


@pytest.fixture()
def history(tmp_path: Path) -> tuple[Path, list[str]]:
    """Additions, a change, a removal, a file that becomes a folder, an executable bit, a
    symlink, a Chinese path, an empty commit and a merge."""
    repo = tmp_path / "r"
    git(tmp_path, "init", "-q", str(repo))
    (repo / "a.txt").write_text("one\n")
    (repo / "docs").mkdir()
    (repo / "docs" / "图纸.pdf").write_bytes(b"%PDF-1.4\n")
    c1 = commit_all(repo, "first")
    (repo / "a.txt").write_text("two\n")
    (repo / "docs" / "图纸.pdf").unlink()
    (repo / "run.sh").write_text("#!/bin/sh\n")
    (repo / "run.sh").chmod(0o755)
    (repo / "link").symlink_to("a.txt")
    c2 = commit_all(repo, "second")
    (repo / "a.txt").unlink()
    (repo / "a.txt").mkdir()
    (repo / "a.txt" / "inner").write_text("x\n")
    c3 = commit_all(repo, "file becomes folder")
    c4 = commit_all(repo, "empty")
    git(repo, "checkout", "-q", "-b", "side", c2)
    (repo / "side.txt").write_text("side\n")
    c5 = commit_all(repo, "side")
    git(repo, "checkout", "-q", "-")
    git(repo, "merge", "-q", "--no-edit", "side")
    c6 = git(repo, "rev-parse", "HEAD").stdout.strip()
    return repo, [c1, c2, c3, c4, c5, c6]


def git_answer(repo: Path, commit: str, parent: str) -> dict[str, Entry | None]:
    """What `git diff-tree` says for one pair, read path by path from the two trees."""
    out: dict[str, Entry | None] = {}
    names = git(repo, "diff-tree", "-r", "--name-only", "--no-renames", "-z", parent, commit).stdout
    for path in filter(None, names.split("\0")):
        listed = git(repo, "ls-tree", "-r", "-z", commit, "--", path).stdout.split("\0")
        files = {name: meta.split() for meta, name in (e.split("\t", 1) for e in listed if e)}
        out[path] = Entry(files[path][2], int(files[path][0], 8)) if path in files else None
    return out


def test_each_pair_answered_in_order_as_git_compares_it(history: tuple[Path, list[str]]) -> None:
    repo, (c1, c2, c3, c4, c5, c6) = history
    pairs = [(c2, c1), (c3, c2), (c4, c3), (c5, c2), (c6, c4), (c6, c5)]
    answers = list(GitRepo.open(repo).tree_changes(pairs))
    assert answers == [git_answer(repo, c, p) for c, p in pairs]
    second, folder, empty = answers[0], answers[1], answers[2]
    assert second["docs/图纸.pdf"] is None
    assert second["run.sh"] is not None and second["run.sh"].mode == 0o100755
    assert second["link"] is not None and second["link"].is_symlink
    assert folder["a.txt"] is None and folder["a.txt/inner"] is not None
    assert empty == {}
    assert set(answers[4]) == {"side.txt"} and set(answers[5]) == {"a.txt", "a.txt/inner"}


def test_no_pairs_starts_no_git(history: tuple[Path, list[str]]) -> None:
    repo, _ = history
    assert list(GitRepo.open(repo).tree_changes([])) == []


def test_a_missing_commit_is_a_git_error_with_gits_message(history: tuple[Path, list[str]]) -> None:
    repo, (c1, c2, *_) = history
    with pytest.raises(GitError, match="diff-tree"):
        list(GitRepo.open(repo).tree_changes([(c2, c1), ("0" * 40, c1)]))


def child_gits() -> list[int]:
    """Processes named git whose parent is this one (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            pid, rest = stat.read_text().split(" (", 1)
        except OSError:
            continue
        name, fields = rest.rsplit(") ", 1)
        if name == "git" and int(fields.split()[1]) == os.getpid():
            found.append(int(pid))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_stopping_early_leaves_no_process(history: tuple[Path, list[str]]) -> None:
    repo, (c1, c2, c3, *_) = history
    changes = GitRepo.open(repo).tree_changes([(c2, c1), (c3, c2)] * 5000)
    assert "a.txt" in next(changes)
    assert child_gits()
    changes.close()  # kills git and joins the writer; a second close is harmless
    changes.close()
    assert child_gits() == []
    with pytest.raises(StopIteration):
        next(changes)


def test_walk_info_is_walk_with_details(history: tuple[Path, list[str]]) -> None:
    repo, commits = history
    r = GitRepo.open(repo)
    infos = list(r.walk_info(commits[-1]))
    assert [i.id for i in infos] == list(r.walk(commits[-1]))
    assert infos[0].id == commits[0] and infos[-1].parents == (commits[3], commits[4])
    assert infos == [r.commit_info(i.id) for i in infos]


def test_blobs_read_ahead_in_order_skipped_or_unannounced(history: tuple[Path, list[str]]) -> None:
    repo, (c1, c2, *_) = history
    r = GitRepo.open(repo)
    blobs = [git(repo, "rev-parse", f"{c}:a.txt").stdout.strip() for c in (c1, c2)]
    link = git(repo, "rev-parse", f"{c2}:link").stdout.strip()
    for oid in (*blobs, link, blobs[0]):
        r.expect_blob(oid)
    assert r.read_blob(blobs[0]) == b"one\n"
    assert r.read_blob(link) == b"a.txt"  # the second announced blob is skipped over
    assert r.read_blob(blobs[1]) == b"two\n"  # already passed: read in-process
    assert r.read_blob(blobs[0]) == b"one\n"  # announced twice, taken twice
    r.expect_blob("0" * 40)  # missing: the in-process read says so in its own words
    with pytest.raises(GitError, match="missing"):
        r.read_blob("0" * 40)
    r.stop_reading_ahead()
    assert r.read_blob(blobs[1]) == b"two\n"


def test_replace_refs_are_ignored_as_pygit2_ignores_them(history: tuple[Path, list[str]]) -> None:
    """refs/replace/ would make git answer for another commit or blob than the signed one."""
    repo, (c1, c2, *_) = history
    expected = git_answer(repo, c2, c1)
    one = git(repo, "rev-parse", f"{c1}:a.txt").stdout.strip()
    two = git(repo, "rev-parse", f"{c2}:a.txt").stdout.strip()
    stand_in = git(repo, "commit-tree", "-p", c1, "-m", "stand-in", f"{c1}^{{tree}}").stdout.strip()
    git(repo, "replace", c2, stand_in)
    git(repo, "replace", one, two)
    assert git(repo, "cat-file", "blob", one).stdout == "two\n"  # what git itself now shows
    r = GitRepo.open(repo)
    assert list(r.tree_changes([(c2, c1)])) == [expected]
    r.expect_blob(one)
    assert r.read_blob(one) == b"one\n"
    assert r.git(["cat-file", "blob", one]) == b"one\n"


def test_submodule_links_are_changes_whatever_gitmodules_says(history: tuple[Path, list[str]]) -> None:
    repo, commits = history
    (repo / ".gitmodules").write_text('[submodule "x"]\n\tpath = docs/x\n\turl = ./x\n\tignore = all\n')
    git(repo, "add", ".gitmodules")
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{commits[0]},docs/x")
    git(repo, "commit", "-q", "-m", "a submodule link")
    added = git(repo, "rev-parse", "HEAD").stdout.strip()
    git(repo, "update-index", "--force-remove", "docs/x")
    git(repo, "commit", "-q", "-m", "link removed")
    removed = git(repo, "rev-parse", "HEAD").stdout.strip()
    changes = list(GitRepo.open(repo).tree_changes([(added, commits[-1]), (removed, added)]))
    assert changes[0]["docs/x"] == Entry(commits[0], 0o160000)
    assert changes[1] == {"docs/x": None}


def test_git_processes_of_a_hook_find_the_repository(history: tuple[Path, list[str]],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """git runs push hooks in the git directory with GIT_DIR=. (in a non-bare repository
    too): the helper git processes must read that repository, not the working tree's."""
    repo, (c1, c2, *_) = history
    expected = git_answer(repo, c2, c1)
    blob = git(repo, "rev-parse", f"{c1}:a.txt").stdout.strip()
    head = git(repo, "rev-parse", "HEAD").stdout.strip()
    monkeypatch.setenv("GIT_DIR", ".")
    monkeypatch.chdir(repo / ".git")
    r = GitRepo.open(".", from_env=True)
    assert list(r.tree_changes([(c2, c1)])) == [expected]
    r.expect_blob(blob)
    assert r._ahead is not None and r._ahead.take(blob) == b"one\n"  # from git, not the fallback
    assert r.git(["rev-parse", "HEAD"]).decode().strip() == head
