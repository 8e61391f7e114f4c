"""Results keyed by git blob id, kept in the user's cache directory between runs.

A blob id names exact content, so its SHA-256 and its schema-valid parse never change:
a second audit hashes and parses nothing it has seen. Manifests are kept entry by entry
(keyed by the entry's bytes and the schema it was validated against), not whole: their
versions share all but an entry or two. The cache is an optimisation only; if it cannot
be opened everything still works in memory.

Nothing is kept inside the audited repository: the party being audited usually hands
the repository over, and it controls every file under ``.git/``. A cache it could write
would let it choose the verdict (one row mapping a blob to the hash its manifest claims
would hide a HASH_MISMATCH). The cache lives under ``$TECHXFER_CACHE_DIR``, else
``$XDG_CACHE_HOME/techxfer``, else ``~/.cache/techxfer``, one folder per repository
(keyed by the real path of its git directory); every entry is keyed by content ids, so a
folder reused by another repository only misses.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from techxfer.format.manifest_parse import EntryCache

SCHEMA_VERSION = 1


def git_blob_id(data: bytes) -> str:
    """The id git gives these bytes as a blob (sha1 object format)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def cache_home() -> Path:
    """The user's techxfer cache directory (never inside a repository)."""
    given = os.environ.get("TECHXFER_CACHE_DIR")
    if given:
        return Path(given)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"
    return base / "techxfer"


def repository_cache(gitdir: Path) -> Path:
    """This repository's folder in the user's cache directory."""
    key = hashlib.sha256(os.fsencode(gitdir.resolve())).hexdigest()[:24]
    return cache_home() / "repos" / key


class BlobCache:
    """``BlobCache(folder)`` keeps results in FOLDER; ``BlobCache(None)`` in memory only
    (``verify --no-cache``). ``for_repository`` gives a repository its own folder."""

    @classmethod
    def for_repository(cls, gitdir: Path) -> BlobCache:
        return cls(repository_cache(gitdir))

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._sha: dict[str, str] = {}
        self._parsed: dict[tuple[str, str], Any] = {}
        self._new_sha: dict[str, str] = {}
        self._new_parsed: dict[tuple[str, str], str] = {}
        self._new_entries: dict[str, str] = {}
        self._db: sqlite3.Connection | None = None
        # Tables empty when opened: nothing to look up there (a first run, or a cache
        # emptied), so a lookup is a miss without a query. What this process adds is also
        # kept in memory; a row another process adds meanwhile is only missed.
        self._empty: set[str] = set()
        self.entries = EntryCache(self._load_entries, self._store_entry)
        if folder is not None:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(folder / "cache.sqlite", timeout=5)
                self._db.execute("CREATE TABLE IF NOT EXISTS sha256 (blob TEXT PRIMARY KEY, digest TEXT)")
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS parsed (blob TEXT, kind TEXT, data TEXT, "
                    "PRIMARY KEY (blob, kind))"
                )
                self._db.execute("CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, data TEXT)")
                self._empty = {table for table in ("sha256", "parsed", "entries")
                               if self._db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is None}  # noqa: S608
            except (OSError, sqlite3.Error):
                self._db = None
                self.folder = None

    def _rows(self, query: str, params: Sequence[str]) -> list[Any]:
        """The rows of a query; none when the cache cannot answer (locked by another
        process past the timeout, or damaged): a cache is an optimisation, its failure a
        miss, never an error."""
        if self._db is None:
            return []
        try:
            return self._db.execute(query, params).fetchall()
        except sqlite3.Error:
            return []

    def sha256(self, oid: str) -> str | None:
        hit = self._sha.get(oid)
        if hit is None and "sha256" not in self._empty:
            rows = self._rows("SELECT digest FROM sha256 WHERE blob=?", (oid,))
            if rows:
                hit = self._sha[oid] = rows[0][0]
        return hit

    def put_sha256(self, oid: str, digest: str) -> None:
        self._sha[oid] = digest
        self._new_sha[oid] = digest

    def parsed(self, oid: str, kind: str) -> Any | None:
        key = (oid, f"{kind}/{SCHEMA_VERSION}")
        if key in self._parsed:
            return self._parsed[key]
        if "parsed" in self._empty:
            return None
        rows = self._rows("SELECT data FROM parsed WHERE blob=? AND kind=?", key)
        if rows:
            try:
                value = self._parsed[key] = json.loads(rows[0][0])
            except (TypeError, ValueError):
                return None
            return value
        return None

    def put_parsed(self, oid: str, kind: str, value: Any) -> None:
        key = (oid, f"{kind}/{SCHEMA_VERSION}")
        self._parsed[key] = value
        self._new_parsed[key] = json.dumps(value, ensure_ascii=False)

    def _entry_key(self, chunk: bytes) -> str:
        return hashlib.sha1(_manifest_schema_tag() + chunk, usedforsecurity=False).hexdigest()

    def _load_entries(self, chunks: list[bytes]) -> dict[bytes, dict[str, Any]]:
        if self._db is None or "entries" in self._empty:
            return {}
        keys = {self._entry_key(chunk): chunk for chunk in chunks}
        found: dict[bytes, dict[str, Any]] = {}
        listed = list(keys)
        for start in range(0, len(listed), 500):  # SQLite's limit on bound parameters
            part = listed[start:start + 500]
            marks = ",".join("?" * len(part))  # placeholders only; the keys are bound
            rows = self._rows(f"SELECT key, data FROM entries WHERE key IN ({marks})",  # noqa: S608
                              part)
            for key, data in rows:
                try:
                    value = json.loads(data)
                except (TypeError, ValueError):
                    continue
                if isinstance(value, dict) and key in keys:
                    found[keys[key]] = value
        return found

    def _store_entry(self, chunk: bytes, entry: dict[str, Any]) -> None:
        if self._db is not None:
            self._new_entries[self._entry_key(chunk)] = json.dumps(entry, ensure_ascii=False)

    def flush(self) -> None:
        if self._db is None or not (self._new_sha or self._new_parsed or self._new_entries):
            return
        try:
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO sha256 VALUES (?, ?)",
                                     self._new_sha.items())
                self._db.executemany(
                    "INSERT OR REPLACE INTO parsed VALUES (?, ?, ?)",
                    [(b, k, d) for (b, k), d in self._new_parsed.items()],
                )
                self._db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?)",
                                     self._new_entries.items())
        except sqlite3.Error:
            return
        self._new_sha.clear()
        self._new_parsed.clear()
        self._new_entries.clear()


@cache
def _manifest_schema_tag() -> bytes:
    """Cached entries are valid under the schema they were checked against, and no other."""
    from techxfer.format import schema

    text = json.dumps(schema.load_schema("manifest"), sort_keys=True).encode()
    return hashlib.sha1(text, usedforsecurity=False).hexdigest().encode() + b"\0"
