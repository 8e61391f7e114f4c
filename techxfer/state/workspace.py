"""The working copy a command acts on: repository, paths inside it, its snapshots."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from techxfer.errors import UsageError
from techxfer.findings import msg
from techxfer.git.repo import GitRepo
from techxfer.state.cache import BlobCache
from techxfer.state.config import Config, load_config
from techxfer.state.snapshot import WorkTreeSnapshot


@dataclass
class Workspace:
    repo: GitRepo
    cached: bool = True
    cache: BlobCache = field(init=False)

    def __post_init__(self) -> None:
        self.cache = BlobCache.for_repository(self.repo.gitdir) if self.cached else BlobCache(None)
        self.repo.cache_dir = self.cache.folder

    @classmethod
    def open(cls, path: str | os.PathLike[str] = ".", *, cached: bool = True) -> Workspace:
        return cls(GitRepo.open(path), cached)

    @property
    def root(self) -> Path:
        return self.repo.workdir

    def worktree(self) -> WorkTreeSnapshot:
        return WorkTreeSnapshot(self.repo, self.cache)

    def config(self) -> Config:
        return load_config(self.worktree())

    def relative(self, given: str | os.PathLike[str]) -> str:
        """A user-given path as a repository path; refuse escapes, symlinks and bad names."""
        raw = os.fspath(given)
        absolute = Path(os.path.abspath(raw))
        root = Path(os.path.abspath(self.root))
        try:
            rel = absolute.relative_to(root)
        except ValueError:
            raise UsageError(msg("refuse.path_outside", "{path}: outside the repository {root}",
                                 path=raw, root=root)) from None
        if not rel.parts:
            raise UsageError(msg("refuse.path_root", "{path}: is the repository itself, not a "
                                 "file", path=raw))
        probe = root
        for part in rel.parts:
            probe = probe / part
            if probe.is_symlink():
                raise UsageError(msg("refuse.path_symlink", "{path}: goes through the symbolic "
                                     "link {link}; controlled files must be regular files",
                                     path=raw, link=probe.relative_to(root)))
        text = rel.as_posix()
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise UsageError(msg("refuse.path_not_utf8", "{path!r}: file name is not valid UTF-8",
                                 path=raw)) from None
        if rel.parts[0] == ".git":
            raise UsageError(msg("refuse.path_in_git", "{path}: inside .git", path=raw))
        return text
