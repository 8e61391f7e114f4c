"""Hooks run by the real git: pre-commit on the index, pre-push, and a server's pre-receive
behind a real ``git daemon`` (git://) and over file://."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SshKey, add_doc, commit_as, git, git_daemon, run, techxfer


def head(repo: Path, ref: str = "HEAD") -> str:
    return git(repo, "rev-parse", ref).stdout.strip()


# -- pre-commit -------------------------------------------------------------------------
@pytest.fixture
def hooked(repo: Path) -> Path:
    proc = techxfer(repo, "hooks", "install")
    assert "pre-commit" in proc.stdout
    return repo


def test_pre_commit_refuses_content_changed_without_the_register(hooked: Path, keys: dict[str, SshKey]) -> None:
    before = head(hooked)
    (hooked / "design/drawing.pdf").write_bytes(b"%PDF-1.4 silently changed\n")
    proc = commit_as(hooked, keys["wang"], "sneaky", check=False)
    assert proc.returncode != 0
    assert "HASH_MISMATCH" in proc.stderr and "design/drawing.pdf" in proc.stderr
    assert head(hooked) == before


def test_hooks_never_import_a_techxfer_folder_of_the_checkout(hooked: Path, keys: dict[str, SshKey]) -> None:
    """git runs the hook in the working tree; a techxfer/ folder there must not replace
    the installed hook code (it would wave its own commits through)."""
    fake = hooked / "techxfer" / "hooks"
    fake.mkdir(parents=True)
    (hooked / "techxfer" / "__init__.py").write_text("")
    (fake / "__init__.py").write_text("")
    (fake / "__main__.py").write_text("raise SystemExit(0)\n")
    before = head(hooked)
    (hooked / "design/drawing.pdf").write_bytes(b"%PDF-1.4 silently changed\n")
    proc = commit_as(hooked, keys["wang"], "sneaky", "design/drawing.pdf", check=False)
    assert proc.returncode != 0 and "HASH_MISMATCH" in proc.stderr
    assert head(hooked) == before


def test_pre_commit_accepts_a_registered_revision(hooked: Path, keys: dict[str, SshKey]) -> None:
    before = head(hooked)
    add_doc(hooked, "design/drawing.pdf", b"%PDF-1.4 rev B\n", "DRW-001", revision="B")
    commit_as(hooked, keys["wang"], "rev B")
    assert head(hooked) != before


def test_pre_commit_refuses_unlisted_and_duplicate(hooked: Path, keys: dict[str, SshKey]) -> None:
    (hooked / "design/unlisted.txt").write_text("not registered")
    proc = commit_as(hooked, keys["wang"], "unlisted", check=False)
    assert proc.returncode != 0 and "UNLISTED_FILE" in proc.stderr


def test_pre_commit_judges_the_index_not_the_working_tree(hooked: Path, keys: dict[str, SshKey]) -> None:
    # Register rev B and stage it, then spoil the working copy: the staged content is good.
    add_doc(hooked, "design/drawing.pdf", b"%PDF-1.4 rev B\n", "DRW-001", revision="B")
    (hooked / "design/drawing.pdf").write_bytes(b"spoiled after staging")
    before = head(hooked)
    git(hooked, "-c", "gpg.format=ssh", "-c", f"user.signingkey={keys['wang'].private}",
        "commit", "-q", "-S", "-m", "staged is fine")
    assert head(hooked) != before
    # and the reverse: a bad staged state with a good working copy is refused
    good = (hooked / "design/spec.txt").read_bytes()
    (hooked / "design/spec.txt").write_text("changed and staged\n")
    git(hooked, "add", "design/spec.txt")
    (hooked / "design/spec.txt").write_bytes(good)
    before = head(hooked)
    proc = git(hooked, "-c", "gpg.format=ssh", "-c", f"user.signingkey={keys['wang'].private}",
               "commit", "-q", "-S", "-m", "staged is bad", check=False)
    assert proc.returncode != 0 and "HASH_MISMATCH" in proc.stderr
    assert head(hooked) == before


def test_pre_commit_with_paths_judges_only_what_is_committed(hooked: Path, keys: dict[str, SshKey]) -> None:
    # A bad change is staged, but `git commit PATH…` commits only a registered revision.
    (hooked / "design/spec.txt").write_text("changed without the register\n")
    git(hooked, "add", "design/spec.txt")
    add_doc(hooked, "design/drawing.pdf", b"%PDF-1.4 rev B\n", "DRW-001", revision="B")
    sign = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={keys['wang'].private}"]
    proc = git(hooked, *sign, "commit", "-q", "-S", "-m", "rev B only", "--",
               "design/drawing.pdf", "design/MANIFEST.yaml", check=False)
    assert proc.returncode == 0, proc.stderr
    assert git(hooked, "show", "--name-only", "--format=", "HEAD").stdout.split() == [
        "design/MANIFEST.yaml", "design/drawing.pdf"]
    # and committing just the bad path is refused
    before = head(hooked)
    proc = git(hooked, *sign, "commit", "-q", "-S", "-m", "bad", "--", "design/spec.txt", check=False)
    assert proc.returncode != 0 and "HASH_MISMATCH" in proc.stderr
    assert head(hooked) == before


def test_pre_commit_on_an_unborn_branch_judges_the_whole_index(hooked: Path,
                                                               keys: dict[str, SshKey]) -> None:
    """No HEAD (an orphan branch, as before the first commit): every staged path is judged."""
    git(hooked, "checkout", "-q", "--orphan", "fresh")
    (hooked / "design/unlisted.txt").write_text("not registered")
    proc = commit_as(hooked, keys["wang"], "first", check=False)
    assert proc.returncode != 0 and "UNLISTED_FILE" in proc.stderr
    assert "design/unlisted.txt" in proc.stderr
    git(hooked, "rm", "-q", "--cached", "design/unlisted.txt")
    (hooked / "design/unlisted.txt").unlink()
    commit_as(hooked, keys["wang"], "first, registered files only")
    assert git(hooked, "rev-list", "--count", "fresh").stdout.strip() == "1"


def test_pre_commit_refuses_a_listed_file_removed(hooked: Path, keys: dict[str, SshKey]) -> None:
    """A staged removal: HEAD's entry is the one judged against (seen through the index)."""
    before = head(hooked)
    git(hooked, "rm", "-q", "design/drawing.pdf")
    proc = git(hooked, "-c", "gpg.format=ssh", "-c", f"user.signingkey={keys['wang'].private}",
               "commit", "-q", "-S", "-m", "gone", check=False)
    assert proc.returncode != 0 and "MISSING_FILE" in proc.stderr
    assert "design/drawing.pdf" in proc.stderr
    assert head(hooked) == before


def test_pre_commit_does_not_load_pygit2(hooked: Path) -> None:
    """One staged file costs a few git processes; pygit2 alone would cost more to import."""
    import sys

    add_doc(hooked, "design/drawing.pdf", b"%PDF-1.4 rev B\n", "DRW-001", revision="B")
    proc = git(hooked, "diff", "--cached", "--name-only")
    assert "design/drawing.pdf" in proc.stdout
    proc = run(sys.executable, "-X", "importtime", "-m", "techxfer.hooks", "pre-commit", "--",
               cwd=hooked, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "techxfer.rules.register" in proc.stderr  # the checks ran
    assert "pygit2" not in proc.stderr


def test_pre_commit_refuses_broken_manifest_with_file_and_key(hooked: Path, keys: dict[str, SshKey]) -> None:
    (hooked / "design/MANIFEST.yaml").write_text("format: 1\ndocuments:\n- id: X\n")
    proc = commit_as(hooked, keys["wang"], "broken", check=False)
    assert proc.returncode != 0
    assert "MANIFEST_INVALID" in proc.stderr and "design/MANIFEST.yaml" in proc.stderr


def test_install_keeps_a_foreign_hook_as_legacy_and_runs_it_first(repo: Path, keys: dict[str, SshKey]) -> None:
    hook = repo / ".git/hooks/pre-commit"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text("#!/bin/sh\necho legacy-ran >&2\nexit 1\n")
    hook.chmod(0o755)
    proc = techxfer(repo, "hooks", "install")
    assert "legacy" in proc.stdout
    assert (repo / ".git/hooks/pre-commit.legacy").read_text().startswith("#!/bin/sh")
    add_doc(repo, "design/drawing.pdf", b"%PDF-1.4 rev B\n", "DRW-001", revision="B")
    proc = commit_as(repo, keys["wang"], "x", check=False)
    assert proc.returncode != 0 and "legacy-ran" in proc.stderr
    # reinstalling is idempotent; uninstalling restores the foreign hook
    techxfer(repo, "hooks", "install")
    techxfer(repo, "hooks", "uninstall")
    assert hook.read_text().startswith("#!/bin/sh\necho legacy-ran")
    assert not (repo / ".git/hooks/pre-commit.legacy").exists()


def test_install_refuses_when_core_hooks_path_is_set(repo: Path) -> None:
    git(repo, "config", "core.hooksPath", ".githooks")
    proc = techxfer(repo, "hooks", "install", check=False)
    assert proc.returncode == 2 and "core.hooksPath" in proc.stderr
    assert not (repo / ".git/hooks/pre-commit").exists()


# -- pre-push ---------------------------------------------------------------------------
def test_pre_push_refuses_unsigned_commits(hooked: Path, tmp_path: Path, keys: dict[str, SshKey]) -> None:
    remote = tmp_path / "plain.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(hooked, "remote", "add", "origin", str(remote))
    git(hooked, "push", "-q", "origin", "main")
    add_doc(hooked, "design/drawing.pdf", b"%PDF-1.4 rev B\n", "DRW-001", revision="B")
    git(hooked, "commit", "-q", "-m", "unsigned")
    proc = git(hooked, "push", "origin", "main", check=False)
    assert proc.returncode != 0 and "UNSIGNED_COMMIT" in proc.stderr
    assert head(remote, "main") == head(hooked, "HEAD~1")


# -- server: pre-receive behind git daemon and file:// -----------------------------------

@pytest.fixture(scope="module")
def daemon_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int]]:
    base = tmp_path_factory.mktemp("daemon")
    with git_daemon(tmp_path_factory, base) as port:
        yield base, port


@pytest.fixture(params=["git", "file"])
def server(request: pytest.FixtureRequest, repo: Path, daemon_root: tuple[Path, int]) -> tuple[Path, str]:
    base, port = daemon_root
    name = f"{request.node.name.replace('[', '-').replace(']', '')}.git"
    bare = base / name
    git(base, "init", "-q", "--bare", str(bare))
    techxfer(base, "hooks", "install", "--server", str(bare))
    url = f"git://127.0.0.1:{port}/{name}" if request.param == "git" else f"file://{bare}"
    git(repo, "remote", "add", "origin", url)
    proc = git(repo, "push", "origin", "main", check=False)
    assert proc.returncode == 0, proc.stderr  # a clean history is accepted
    assert head(bare, "main") == head(repo)
    return bare, url


def refused(repo: Path, bare: Path, *push_args: str, needle: str) -> None:
    before = head(bare, "main")
    proc = git(repo, "push", *push_args, check=False)
    assert proc.returncode != 0, proc.stderr
    assert needle in proc.stderr, proc.stderr
    assert head(bare, "main") == before


def test_server_accepts_a_clean_signed_change(server: tuple[Path, str], repo: Path, keys: dict[str, SshKey]) -> None:
    bare, _ = server
    add_doc(repo, "design/drawing.pdf", b"%PDF-1.4 rev B\n", "DRW-001", revision="B")
    commit_as(repo, keys["wang"], "rev B")
    git(repo, "push", "-q", "origin", "main")
    assert head(bare, "main") == head(repo)


def test_server_refuses_unsigned(server: tuple[Path, str], repo: Path) -> None:
    add_doc(repo, "design/drawing.pdf", b"%PDF-1.4 rev B\n", "DRW-001", revision="B")
    git(repo, "commit", "-q", "-m", "unsigned")
    refused(repo, server[0], "origin", "main", needle="UNSIGNED_COMMIT")


def test_server_refuses_a_key_of_nobody(server: tuple[Path, str], repo: Path, keys: dict[str, SshKey]) -> None:
    add_doc(repo, "design/drawing.pdf", b"%PDF-1.4 rev B\n", "DRW-001", revision="B")
    commit_as(repo, keys["outsider"], "outsider")
    refused(repo, server[0], "origin", "main", needle="UNKNOWN_KEY")


def test_server_refuses_unauthorised_paths(server: tuple[Path, str], repo: Path, keys: dict[str, SshKey]) -> None:
    add_doc(repo, "design/drawing.pdf", b"%PDF-1.4 rev B by fab\n", "DRW-001", revision="B")
    commit_as(repo, keys["zhao"], "manufacturer edits a design drawing")
    refused(repo, server[0], "origin", "main", needle="UNAUTHORIZED_CHANGE")


def test_server_refuses_unauthorised_on_any_branch(server: tuple[Path, str], repo: Path, keys: dict[str, SshKey]) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    git(repo, "commit", "-q", "--allow-empty", "-m", "unsigned on a branch")
    proc = git(repo, "push", "origin", "feature", check=False)
    assert proc.returncode != 0 and "UNSIGNED_COMMIT" in proc.stderr
    assert git(server[0], "rev-parse", "--verify", "-q", "refs/heads/feature", check=False).returncode != 0


def test_server_refuses_force_push(server: tuple[Path, str], repo: Path, keys: dict[str, SshKey]) -> None:
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    add_doc(repo, "design/other.txt", b"other history\n", "OTHER-1")
    commit_as(repo, keys["wang"], "rewritten history")
    refused(repo, server[0], "--force", "origin", "main", needle="fast-forward")


def test_server_refuses_deleting_main(server: tuple[Path, str], repo: Path) -> None:
    refused(repo, server[0], "origin", ":main", needle="protected branch")


def test_server_refuses_replace_refs(server: tuple[Path, str], repo: Path) -> None:
    """A replace ref would make git log on the server show a stand-in for a signed commit."""
    bare, _ = server
    stand_in = git(repo, "commit-tree", "-m", "stand-in", "HEAD^{tree}").stdout.strip()
    git(repo, "replace", head(repo), stand_in)
    refused(repo, bare, "origin", "refs/replace/*:refs/replace/*", needle="replace refs are refused")
    assert git(bare, "for-each-ref", "refs/replace/").stdout == ""


def test_server_hook_in_a_repository_with_a_working_tree(tmp_path: Path, repo: Path,
                                                          keys: dict[str, SshKey]) -> None:
    """git runs pre-receive in the git directory with GIT_DIR=. there too."""
    target = tmp_path / "server-with-worktree"
    git(tmp_path, "clone", "-q", str(repo), str(target))
    techxfer(tmp_path, "hooks", "install", "--server", str(target / ".git"))
    add_doc(repo, "design/drawing.pdf", b"%PDF-1.4 rev B\n", "DRW-001", revision="B")
    commit_as(repo, keys["wang"], "rev B")
    git(repo, "push", "-q", str(target), "HEAD:refs/heads/incoming")
    assert head(target, "incoming") == head(repo)
    git(repo, "commit", "-q", "--allow-empty", "-m", "unsigned")  # and the hook does judge
    proc = git(repo, "push", str(target), "HEAD:refs/heads/incoming", check=False)
    assert proc.returncode != 0 and "UNSIGNED_COMMIT" in proc.stderr, proc.stderr
    assert head(target, "incoming") == head(repo, "HEAD~1")
