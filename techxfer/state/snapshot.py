"""One view of the files of a state: the working tree, the index, or a commit.

The checks run on a Snapshot and so judge exactly what will be committed (the index,
in the pre-commit hook), what is on disk (``status``, ``check``) or what history holds
(``verify``), with the same code.
"""

from __future__ import annotations

import bisect
import hashlib
import os
import stat
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from techxfer.errors import ConfigError
from techxfer.format import schema, yamlio
from techxfer.format.layout import is_manifest
from techxfer.format.manifest_parse import flat_document, parse_manifest
from techxfer.git.entry import Entry
from techxfer.state.cache import BlobCache, git_blob_id

if TYPE_CHECKING:  # pygit2 is loaded only by those who open a GitRepo (not pre-commit)
    from techxfer.git.repo import GitRepo


class BlobReader(Protocol):
    """What a git state reads its files with: a ``GitRepo``, or the pre-commit hook's
    ``git.staged.StagedIndex``."""

    def read_blob(self, oid: str) -> bytes: ...

MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024


def fold(path: str) -> str:
    """The form under which two paths are one file on some file system: letter case folded
    (macOS, Windows) and Unicode normalised (macOS stores NFD; ``é`` composed or decomposed
    is one name there). Canonical caseless matching: NFD, case fold, NFD again."""
    if path.isascii():
        return path.casefold()
    return unicodedata.normalize("NFD", unicodedata.normalize("NFD", path).casefold())


class Snapshot(ABC):
    label: str
    _manifests: frozenset[str] | None = None
    _folded: dict[str, set[str]] | None = None
    _sorted: list[str] | None = None

    @property
    def manifest_set(self) -> frozenset[str]:
        """The paths of every MANIFEST.yaml (computed once per state)."""
        if self._manifests is None:
            self._manifests = frozenset(p for p in self.paths if is_manifest(p))
        return self._manifests

    def paths_under(self, prefix: str) -> list[str]:
        """Every path starting with ``prefix`` (a folder with its slash), by bisection."""
        if self._sorted is None:
            self._sorted = sorted(self.paths)
        start = bisect.bisect_left(self._sorted, prefix)
        bound = past_prefix(prefix)
        end = len(self._sorted) if bound is None else bisect.bisect_left(self._sorted, bound)
        return self._sorted[start:end]

    @property
    def folded(self) -> dict[str, set[str]]:
        """Paths grouped by their folded form (``fold``: two in a group clash on macOS or
        Windows)."""
        if self._folded is None:
            folded: dict[str, set[str]] = {}
            for path in self.paths:
                folded.setdefault(fold(path), set()).add(path)
            self._folded = folded
        return self._folded

    @property
    @abstractmethod
    def paths(self) -> Mapping[str, str]:
        """Every path with its kind: ``file``, ``symlink`` or ``other``."""

    @abstractmethod
    def read(self, path: str) -> bytes: ...

    @abstractmethod
    def blob_id(self, path: str) -> str: ...

    @abstractmethod
    def sha256(self, path: str) -> str: ...

    def exists(self, path: str) -> bool:
        return path in self.paths

    def is_file(self, path: str) -> bool:
        return self.paths.get(path) == "file"

    def load(self, kind: str, path: str) -> Any:
        """Read, parse and schema-validate one file; raises ConfigError / SchemaError."""
        if not self.exists(path):
            raise ConfigError(f"{path}: missing from the {self.label}")
        if not self.is_file(path):
            raise ConfigError(f"{path}: is a {self.paths[path]}, not a regular file")
        return schema.load_and_validate(kind, self.read(path), path)


class GitSnapshot(Snapshot):
    """The index or a commit's tree, read from the object database."""

    def __init__(self, repo: BlobReader, entries: dict[str, Entry], label: str,
                 cache: BlobCache) -> None:
        self.repo = repo
        self.entries = entries
        self.label = label
        self.cache = cache
        self._paths = {p: _kind(e) for p, e in entries.items()}

    @property
    def paths(self) -> Mapping[str, str]:
        return self._paths

    def copy(self, label: str) -> GitSnapshot:
        twin = GitSnapshot.__new__(GitSnapshot)
        twin.repo, twin.cache, twin.label = self.repo, self.cache, label
        twin.entries, twin._paths = dict(self.entries), dict(self._paths)
        twin._manifests = self._manifests
        twin._sorted = self._sorted
        twin._folded = ({k: set(v) for k, v in self._folded.items()}
                        if self._folded is not None else None)
        return twin

    def apply(self, changes: Mapping[str, Entry | None], label: str) -> None:
        """Move this state forward by a diff: path → new entry, or None when removed."""
        self.label = label
        manifests_changed = False
        ordered: list[str] | None = None  # the sorted paths, kept in order (a copy: shared)
        for path, entry in changes.items():
            existed = path in self.entries
            if entry is None:
                self.entries.pop(path, None)
                self._paths.pop(path, None)
            else:
                self.entries[path] = entry
                self._paths[path] = _kind(entry)
            if existed != (entry is not None):
                if self._sorted is not None:
                    if ordered is None:
                        ordered = self._sorted = list(self._sorted)
                    if entry is None:
                        del ordered[bisect.bisect_left(ordered, path)]
                    else:
                        bisect.insort(ordered, path)
                manifests_changed |= is_manifest(path)
                if self._folded is not None:
                    group = self._folded.setdefault(fold(path), set())
                    if entry is None:
                        group.discard(path)
                    else:
                        group.add(path)
        if manifests_changed:
            self._manifests = None

    def _entry(self, path: str) -> Entry | None:
        return self.entries.get(path)

    def _oid(self, path: str) -> str:
        entry = self._entry(path)
        if entry is None:
            raise KeyError(path)
        return entry.oid

    def read(self, path: str) -> bytes:
        return self.repo.read_blob(self._oid(path))

    def blob_id(self, path: str) -> str:
        return self._oid(path)

    def sha256(self, path: str) -> str:
        oid = self._oid(path)
        digest = self.cache.sha256(oid)
        if digest is None:
            digest = hashlib.sha256(self.repo.read_blob(oid)).hexdigest()
            self.cache.put_sha256(oid, digest)
        return digest

    def load(self, kind: str, path: str) -> Any:
        entry = self._entry(path)
        if kind == "manifest" and entry is not None and entry.is_file:
            # Cached entry by entry (cache.entries), never whole: versions share entries.
            return parse_manifest(self.read(path), path, self.cache.entries)
        if entry is not None and entry.is_file:
            hit = self.cache.parsed(entry.oid, kind)
            if hit is not None:
                return hit
            # A record in the common form is read without YAML (``flat_document``, held to
            # PyYAML's answers by the tests), then validated as the loader's value would be.
            data = self.read(path)
            flat = flat_document(data) if len(data) <= yamlio.MAX_BYTES else None
            if flat is not None:
                schema.validate(kind, flat, path)
                self.cache.put_parsed(entry.oid, kind, flat)
                return flat
            value = schema.load_and_validate(kind, data, path)
            self.cache.put_parsed(entry.oid, kind, value)
            return value
        value = super().load(kind, path)
        if entry is not None:
            self.cache.put_parsed(entry.oid, kind, value)
        return value


class WorkTreeSnapshot(Snapshot):
    """The files on disk that git tracks or would track (not ignored)."""

    label = "working tree"

    def __init__(self, repo: GitRepo, cache: BlobCache) -> None:
        self.root = repo.workdir
        self.cache = cache
        self._paths: dict[str, str] = {}
        for path in repo.worktree_paths():
            try:
                mode = os.lstat(self.root / path).st_mode
            except OSError:
                continue  # tracked but deleted on disk
            self._paths[path] = (
                "file" if stat.S_ISREG(mode) else "symlink" if stat.S_ISLNK(mode) else "other"
            )
        self._sha: dict[str, str] = {}

    @property
    def paths(self) -> Mapping[str, str]:
        return self._paths

    def read(self, path: str) -> bytes:
        return self._path(path).read_bytes()

    def _path(self, path: str) -> Path:
        return self.root / path

    def blob_id(self, path: str) -> str:
        return git_blob_id(self.read(path))

    def sha256(self, path: str) -> str:
        if path not in self._sha:
            digest = hashlib.sha256()
            with self._path(path).open("rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
            self._sha[path] = digest.hexdigest()
        return self._sha[path]

    def load(self, kind: str, path: str) -> Any:
        if not self.is_file(path):
            return super().load(kind, path)
        data = self.read(path)
        if kind == "manifest":  # entry by entry, shared with the committed versions
            return parse_manifest(data, path, self.cache.entries)
        oid = git_blob_id(data)
        hit = self.cache.parsed(oid, kind)
        if hit is not None:
            return hit
        value = schema.load_and_validate(kind, data, path)
        self.cache.put_parsed(oid, kind, value)
        return value


def past_prefix(prefix: str) -> str | None:
    """The least string after every string starting with PREFIX (None: none is, the prefix
    being empty or all U+10FFFF). Not PREFIX + U+10FFFF: a name may hold that code point
    (valid UTF-8), and PREFIX + U+10FFFF + anything sorts after it."""
    stem = prefix.rstrip("\U0010ffff")
    if not stem:
        return None
    return stem[:-1] + chr(ord(stem[-1]) + 1)


def _kind(entry: Entry) -> str:
    return "file" if entry.is_file else "symlink" if entry.is_symlink else "other"


def index_snapshot(repo: GitRepo, cache: BlobCache) -> GitSnapshot:
    return GitSnapshot(repo, repo.index_entries(), "index", cache)


def commit_snapshot(repo: GitRepo, commit_id: str, cache: BlobCache) -> GitSnapshot:
    return GitSnapshot(repo, repo.tree_entries(commit_id), f"commit {commit_id[:10]}", cache)




class ParentView(GitSnapshot):
    """The parent state of a commit, seen through the commit's own (already advanced) state.

    The walk moves one snapshot forward in place; this view answers for the parent by
    keeping only the old entries of the paths the commit changed, so judging a commit
    costs what it changes, not the size of the tree.
    """

    def __init__(self, after: GitSnapshot, old: Mapping[str, Entry | None], label: str) -> None:
        self.repo, self.cache, self.label = after.repo, after.cache, label
        self._after = after
        self._old = dict(old)
        self._full: dict[str, Entry] | None = None

    @property
    def entries(self) -> dict[str, Entry]:
        if self._full is None:
            full = dict(self._after.entries)
            for path, entry in self._old.items():
                if entry is None:
                    full.pop(path, None)
                else:
                    full[path] = entry
            self._full = full
        return self._full

    @entries.setter
    def entries(self, value: dict[str, Entry]) -> None:
        self._full = value

    @property
    def paths(self) -> Mapping[str, str]:
        return {p: _kind(e) for p, e in self.entries.items()}

    def _entry(self, path: str) -> Entry | None:
        if path in self._old:
            return self._old[path]
        return self._after.entries.get(path)

    def exists(self, path: str) -> bool:
        return self._entry(path) is not None

    def is_file(self, path: str) -> bool:
        entry = self._entry(path)
        return entry is not None and entry.is_file

    def paths_under(self, prefix: str) -> list[str]:
        inside = set(self._after.paths_under(prefix))
        for path, entry in self._old.items():
            if path.startswith(prefix):
                if entry is None:
                    inside.discard(path)
                else:
                    inside.add(path)
        return sorted(inside)
