"""The git layer's whole-walk tree comparison, against real repositories and git's own answer."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import git
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from techxfer.errors import GitError
from techxfer.git import rawcommit
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


# -- commits techxfer cannot read as git would (issue 14, DESIGN 2.1) ------------------------
def write_commit(repo: Path, data: bytes) -> str:
    """A commit object of exactly these bytes (``hash-object --literally`` skips git's checks)."""
    proc = subprocess.run(["git", "hash-object", "-t", "commit", "-w", "--literally", "--stdin"],
                          cwd=repo, input=data, capture_output=True, check=True)
    return proc.stdout.decode().strip()


def raw(repo: Path, headers: str, message: str = "odd\n", *, parent: str | None = None) -> str:
    """A commit with these headers on the tree (and by default the parent) of HEAD."""
    head = git(repo, "rev-parse", "HEAD").stdout.strip()
    tree = git(repo, "rev-parse", "HEAD^{tree}").stdout.strip()
    text = headers.format(tree=tree, parent=parent or head) + "\n" + message
    return write_commit(repo, text.encode())


HEAD_LINES = "tree {tree}\nparent {parent}\nauthor A U Thor <a@example.invalid> 1700000000 +0100\n"
GOOD = HEAD_LINES + "committer C O Mitter <c@example.invalid> 1700000000 +0100\n"
SIG = "gpgsig -----BEGIN SSH SIGNATURE-----\n U1NIU0lH\n -----END SSH SIGNATURE-----\n"
ODD = {
    "unknown-encoding": (GOOD + "encoding nonexistent-enc\n", "unknown encoding"),
    "not-a-text-encoding": (GOOD + "encoding rot13\n", "not a text encoding"),
    "year-after-9999": (HEAD_LINES + "committer C <c@example.invalid> 999999999999 +0000\n",
                        "after the year 9999"),
    "past-int64": (HEAD_LINES + "committer C <c@example.invalid> 99999999999999999999999 +0000\n",
                   "after the year 9999"),
    "negative-date": (HEAD_LINES + "committer C <c@example.invalid> -5 +0000\n", "before 1970"),
    "zone-out-of-range": (HEAD_LINES + "committer C <c@example.invalid> 1700000000 +9999\n",
                          "not a time zone"),
    "author-zone": ("tree {tree}\nparent {parent}\nauthor A <a@example.invalid> 1700000000 -2400\n"
                    "committer C <c@example.invalid> 1700000000 +0000\n", "author time zone"),
    "duplicate-gpgsig": (GOOD + SIG + SIG, "gpgsig header appears 2 times"),
    "duplicate-gpgsig-sha256": (GOOD + SIG.replace("gpgsig", "gpgsig-sha256") * 2,
                                "gpgsig-sha256 header appears 2 times"),
    "duplicate-author": (HEAD_LINES + HEAD_LINES.split("\n")[2] + "\n"
                         + "committer C <c@example.invalid> 1700000000 +0000\n", "author header"),
    "header-without-value": (GOOD + "nonsense\n", "malformed header line"),
    "no-committer": (HEAD_LINES, "no committer"),
    "malformed-committer": (HEAD_LINES + "committer garbage\n", "committer line is not"),
    "nul-in-header": (GOOD + "x-extra a\0b\n", "NUL byte"),
}


@pytest.mark.parametrize("kind", sorted(ODD))
def test_a_malformed_commit_is_read_and_says_why(history: tuple[Path, list[str]], kind: str) -> None:
    """Never an exception: every field read as well as it can be, ``malformed`` saying
    why; and the walks and tree reads over it still answer, as git's own do."""
    repo_path, commits = history
    headers, reason = ODD[kind]
    odd = raw(repo_path, headers, "an odd commit \xe9\n")
    child = raw(repo_path, GOOD, "its child\n", parent=odd)
    repo = GitRepo.open(repo_path)
    info = repo.commit_info(odd)
    assert info.malformed is not None and reason in info.malformed, info.malformed
    assert info.id == odd and info.parents == (commits[-1],)
    assert info.tree == git(repo_path, "rev-parse", f"{commits[-1]}^{{tree}}").stdout.strip()
    assert info.message.startswith("an odd commit")
    assert repo.commit_info(child).malformed is None
    assert repo.has_commit(odd) and repo.resolve(child) == child
    ids = [i.id for i in repo.walk_info(child)]
    assert ids[-2:] == [odd, child] and set(ids) == set(git(repo_path, "rev-list", child).stdout.split())
    assert list(repo.walk(child, hide=[commits[-1]])) == [odd, child]
    assert repo.tree_entries(odd) == repo.tree_entries(commits[-1])
    assert repo.is_ancestor(commits[0], child) and not repo.is_ancestor(child, commits[0])
    assert repo.merge_base(child, commits[0]) == commits[0]
    assert repo.roots(child) == [commits[0]]
    assert repo.commits_touching(["side.txt"], rev=child)[0] == commits[4]
    assert repo.commits_adding(".", rev=child)["side.txt"] == commits[4]
    repo.commit_signature(odd)  # answers (the signature rules judge what it answers)


def test_a_well_formed_commit_is_not_malformed(history: tuple[Path, list[str]]) -> None:
    repo_path, commits = history
    repo = GitRepo.open(repo_path)
    assert all(info.malformed is None for info in repo.walk_info(commits[-1]))
    both = raw(repo_path, GOOD + "encoding ISO-8859-1\nx-extra kept\n" + SIG
               + SIG.replace("gpgsig", "gpgsig-sha256"), "caf\xe9\n")
    info = repo.commit_info(both)
    assert info.malformed is None
    assert info.commit_offset == 60 and info.author == "A U Thor"


def test_the_text_is_decoded_in_its_encoding_and_never_raises(history: tuple[Path, list[str]]) -> None:
    repo_path, _ = history
    tree = git(repo_path, "rev-parse", "HEAD^{tree}").stdout.strip().encode()
    latin = (b"tree " + tree + b"\nauthor A\xe9 <a@x> 1700000000 +0000\n"
             b"committer C <c@x> 1700000000 +0000\nencoding ISO-8859-1\n\ncaf\xe9 \xff\n")
    repo = GitRepo.open(repo_path)
    info = repo.commit_info(write_commit(repo_path, latin))
    assert (info.message, info.author, info.malformed) == ("caf\xe9 \xff\n", "A\xe9", None)
    info = repo.commit_info(write_commit(repo_path, latin.replace(b"ISO-8859-1", b"nonexistent-enc")))
    assert (info.message, info.author) == ("caf\ufffd \ufffd\n", "A\ufffd") and info.malformed
    info = repo.commit_info(write_commit(repo_path, latin.replace(b"encoding ISO-8859-1\n", b"")))
    assert (info.message, info.author, info.malformed) == ("caf\ufffd \ufffd\n", "A\ufffd", None)


def test_unknown_objects_are_git_errors_or_no(history: tuple[Path, list[str]]) -> None:
    """A checkpoint or a ref naming an object this repository does not hold (a refused
    push's, or one still in another push's quarantine) is never a pygit2 error."""
    repo_path, commits = history
    repo = GitRepo.open(repo_path)
    gone = "0123456789abcdef0123456789abcdef01234567"
    for bad in (gone, "not-an-id", "", "0" * 40, "abc"):
        assert not repo.has_commit(bad)
        assert repo.object_type(bad) is None and repo.peel(bad) is None
        for call in (lambda: repo.is_ancestor(bad, commits[-1]),
                     lambda: repo.is_ancestor(commits[0], bad),
                     lambda: repo.merge_base(bad, commits[-1]),
                     lambda: repo.commit_info(bad), lambda: repo.tree_entries(bad),
                     lambda: repo.entry_at(bad, "a.txt"), lambda: repo.resolve(bad),
                     lambda: list(repo.walk(bad)), lambda: list(repo.walk_info(commits[-1], hide=[bad]))):
            with pytest.raises(GitError):
                call()
    tree = git(repo_path, "rev-parse", f"{commits[0]}^{{tree}}").stdout.strip()
    assert not repo.has_commit(tree) and repo.object_type(tree) == "tree"


def test_tags_are_peeled_to_what_they_name(history: tuple[Path, list[str]]) -> None:
    repo_path, commits = history
    git(repo_path, "tag", "-a", "inner", "-m", "inner", commits[1])
    git(repo_path, "tag", "-a", "outer", "-m", "outer", "inner")
    blob = git(repo_path, "rev-parse", f"{commits[0]}:a.txt").stdout.strip()
    git(repo_path, "tag", "-a", "of-a-blob", "-m", "a blob", blob)
    repo = GitRepo.open(repo_path)
    outer = git(repo_path, "rev-parse", "outer").stdout.strip()
    assert repo.object_type(outer) == "tag"
    assert repo.peel(outer) == ("commit", commits[1])
    assert repo.peel(commits[2]) == ("commit", commits[2])
    assert repo.peel(git(repo_path, "rev-parse", "of-a-blob").stdout.strip()) == ("blob", blob)


def test_a_shallow_clone_says_so(history: tuple[Path, list[str]], tmp_path: Path) -> None:
    repo_path, _ = history
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo_path}", str(shallow))
    assert GitRepo.open(shallow).is_shallow()
    assert not GitRepo.open(repo_path).is_shallow()


HEADER_LINES = st.sampled_from([
    b"tree " + b"a" * 40, b"parent " + b"b" * 40, b"parent " + b"c" * 64, b"parent xyz",
    b"author A U Thor <a@x> 1700000000 +0100", b"committer C <c@x> 1700000000 -0530",
    b"committer C <c@x> 999999999999 +0000", b"author A <a@x> -1 +0000", b"committer <> 0 +2400",
    b"committer C <c@x> 1 +0099", b"author A <a@x>", b"author no email 1 +0000",
    b"encoding UTF-8", b"encoding ISO-8859-1", b"encoding nonexistent-enc", b"encoding rot13",
    b"encoding \xff\xfe", b"gpgsig -----BEGIN SSH SIGNATURE-----", b" U1NIU0lH", b" ",
    b"gpgsig-sha256 x", b"mergetag object " + b"d" * 40, b"x-extra value", b"nokey", b"",
    b"\x00", b"tree", b" continuation", b"\xe9\xff\x1b[2K", b"\r",
])


@settings(max_examples=300, deadline=200, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(HEADER_LINES | st.binary(max_size=40), max_size=30),
       message=st.binary(max_size=200), blank=st.booleans())
def test_any_commit_bytes_are_read_without_raising(lines: list[bytes], message: bytes, blank: bool) -> None:
    """Whatever a commit object's bytes, ``rawcommit`` reads them quickly and never raises;
    and a commit of git's own shape is never called malformed."""
    data = b"\n".join(lines) + (b"\n\n" if blank else b"\n") + message
    parsed = rawcommit.parse(data)
    rawcommit.decode(parsed.message, parsed.encoding)
    rawcommit.decode(parsed.author_name, "nonexistent-enc")
    rawcommit.signature(data)
    good = (b"tree " + b"a" * 40 + b"\nauthor A <a@x> 1700000000 +0100\n"
            b"committer C <c@x> 1700000000 +0100\n\n" + message)
    assert rawcommit.parse(good).malformed is None


def test_a_state_moved_forward_lists_its_paths_in_order(history: tuple[Path, list[str]]) -> None:
    """A snapshot moved along the history by diffs (as the walk moves it) answers
    ``paths_under`` as one read afresh at each commit, and a copy taken before a step keeps
    the paths it had (the sorted list is kept up to date in place, never shared)."""
    from techxfer.state.cache import BlobCache
    from techxfer.state.snapshot import commit_snapshot

    repo, commits = history
    r = GitRepo.open(repo)
    cache = BlobCache(None)
    c1, c2, c3, c4, c5, c6 = commits
    snap = commit_snapshot(r, c1, cache)
    assert snap.paths_under("") == sorted(snap.paths)
    steps = [(c2, c1), (c3, c2), (c4, c3), (c6, c4)]
    for (commit, parent), changes in zip(steps, r.tree_changes(steps), strict=True):
        before = snap.copy("before")
        kept = before.paths_under("")
        snap.apply(changes, commit)
        fresh = commit_snapshot(r, commit, cache)
        for prefix in ("", "a.txt/", "docs/", "side"):
            assert snap.paths_under(prefix) == fresh.paths_under(prefix), (commit, prefix)
        assert before.paths_under("") == kept
    assert "side.txt" in snap.paths_under("")
    assert snap.paths_under("a.txt/") == ["a.txt/inner"]
