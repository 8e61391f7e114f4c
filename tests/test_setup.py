"""The first hour of a new pair of companies, through the real command line, real git and
real keys: init stages what it writes, people and roles, signing set up so git itself
names signers (``%G?``), a server whose clones check out ``main``, the README's two-party
flow, and clear messages outside a repository."""

from __future__ import annotations

from pathlib import Path

import yaml
from conftest import git, techxfer


def assert_refused(proc: object, *needles: str) -> None:
    """Exit 2, one clear message naming what is wrong, no traceback."""
    assert proc.returncode == 2, (proc.stdout, proc.stderr)  # type: ignore[attr-defined]
    err: str = proc.stderr  # type: ignore[attr-defined]
    assert err.startswith("techxfer: error:") and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, (needle, err)


def local_config(repo: Path, key: str) -> str | None:
    proc = git(repo, "config", "--local", "--get", key, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def signature_letters(repo: Path, rev: str = "HEAD") -> list[str]:
    """git's own verdict per commit, newest first: G good and listed, U good but unknown…"""
    return git(repo, "log", "--format=%G?", rev).stdout.split()


def parties(repo: Path) -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((repo / ".techxfer" / "parties.yaml").read_text())  # type: ignore[no-any-return]


# -- init stages everything it writes ----------------------------------------------------
def test_init_stages_everything_it_writes_and_commits_nothing(tmp_path: Path) -> None:
    target = tmp_path / "device"
    proc = techxfer(tmp_path, "init", str(target), "--registrant", "acme", "--manufacturer", "fab")
    staged = set(git(target, "diff", "--cached", "--name-only").stdout.split())
    assert staged == {".techxfer/repo.yaml", ".techxfer/parties.yaml", ".techxfer/policy.yaml",
                      ".techxfer/retention.yaml", ".gitattributes", "MANIFEST.yaml"}
    assert "staged" in proc.stdout and "no commit" in proc.stdout
    assert git(target, "rev-parse", "--verify", "HEAD", check=False).returncode != 0
    assert git(target, "status", "--porcelain", "--untracked-files=all").stdout.startswith("A ")


def test_init_in_an_existing_repository_stages_only_what_it_wrote(tmp_path: Path) -> None:
    target = tmp_path / "existing"
    git(tmp_path, "init", "-q", str(target))
    (target / ".gitattributes").write_text("*.pdf binary\n")  # kept, so not staged by init
    (target / "notes.txt").write_text("mine")
    techxfer(target, "init", "--registrant", "acme", "--manufacturer", "fab")
    staged = set(git(target, "diff", "--cached", "--name-only").stdout.split())
    assert ".techxfer/parties.yaml" in staged and "MANIFEST.yaml" in staged
    assert "notes.txt" not in staged and ".gitattributes" not in staged
