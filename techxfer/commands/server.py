"""``techxfer server create``: the shared bare repository both parties push to.

``git init --bare`` leaves HEAD on git's default branch (``master`` on most machines), so
a clone of a server holding only ``main`` checks out nothing. Here HEAD names the first
protected branch, the protected branches are recorded (``techxfer.protectedBranches``),
and the pre-receive hook is installed, all or nothing: a failure removes what was made.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from techxfer.errors import GitError, UsageError
from techxfer.git.repo import GitRepo, run_git


@dataclass(frozen=True)
class ServerCreated:
    path: Path
    head: str
    protected: tuple[str, ...]
    hook_dir: Path


def _check_branch(name: str) -> str:
    try:
        run_git(["check-ref-format", "--branch", name])
    except GitError:
        raise UsageError(f"--protect: {name!r} is not a valid branch name") from None
    if name.startswith("-"):
        raise UsageError(f"--protect: {name!r} is not a valid branch name")
    return name


def create_server(directory: Path, protect: Sequence[str],
                  install_hook: Callable[[GitRepo], Path]) -> ServerCreated:
    """Create a bare repository at DIRECTORY with HEAD on ``protect[0]`` (default
    ``main``); ``install_hook`` installs the pre-receive hook and returns its folder (the
    hook installer lives above this layer)."""
    branches = tuple(dict.fromkeys(_check_branch(b) for b in protect)) or ("main",)
    directory = Path(os.path.abspath(directory.expanduser()))
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise UsageError(f"{directory}: exists and is not an empty directory")
    created = not directory.exists()
    try:
        run_git(["init", "-q", "--bare", f"--initial-branch={branches[0]}", str(directory)])
        repo = GitRepo.open(directory)
        if not repo.is_bare:
            raise GitError(f"{directory}: git made a repository with a working tree")
        repo.config_set("techxfer.protectedBranches", " ".join(branches))
        hook_dir = install_hook(repo)
    except BaseException:
        if created:
            shutil.rmtree(directory, ignore_errors=True)
        else:
            for child in directory.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
        raise
    return ServerCreated(directory, branches[0], branches, hook_dir)
