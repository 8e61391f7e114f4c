"""The registers of a state as models: one manifest, its entries, what changed between two.

A history walk meets thousands of versions of a manifest that differ in an entry or two,
so models are memoised by blob id, deltas by the pair of blob ids, and a new version is
built from the last one (``_manifest_models``, speed only, held to ``Manifest.create`` by
the tests). All of it lives for one process; nothing here is kept on disk.
"""

from __future__ import annotations

import itertools
from itertools import compress
from operator import is_not
from typing import Any

from techxfer.errors import ConfigError
from techxfer.model.manifest import DocumentEntry, Manifest
from techxfer.model.transfer import entry_record
from techxfer.state import _manifest_models
from techxfer.state.snapshot import GitSnapshot, Snapshot

EntryPair = tuple["DocumentEntry | None", "DocumentEntry | None"]
MAX_MANIFESTS = 512
MAX_DELTAS = 1024
_MANIFESTS: dict[tuple[str, str], Manifest] = {}
_DELTAS: dict[tuple[str, str | None, str | None], tuple[EntryPair, ...]] = {}
_INDEXES: dict[tuple[str, str], dict[str, DocumentEntry]] = {}


def bounded_put(cache: dict[Any, Any], key: Any, value: Any, limit: int) -> None:
    """Put into a memo of at most LIMIT items; the oldest eighth goes when it is full."""
    if len(cache) >= limit:
        for old in list(itertools.islice(cache, max(1, limit // 8))):
            del cache[old]
    cache[key] = value


def cached_manifest(snap: Snapshot, path: str) -> Manifest:
    """One manifest as a model, memoised by blob in git states; ConfigError if broken."""
    key = (path, snap.blob_id(path)) if isinstance(snap, GitSnapshot) else None
    if key is not None and key in _MANIFESTS:
        return _MANIFESTS[key]
    manifest = _manifest_models.build(path, snap.load("manifest", path))
    if key is not None:
        bounded_put(_MANIFESTS, key, manifest, MAX_MANIFESTS)
    return manifest


def manifest_entries(snap: Snapshot, path: str) -> tuple[DocumentEntry, ...]:
    """The entries of one manifest; () when it is absent or unreadable."""
    if not snap.is_file(path):
        return ()
    try:
        return cached_manifest(snap, path).entries
    except ConfigError:
        return ()


def manifest_index(snap: Snapshot, path: str) -> dict[str, DocumentEntry]:
    """The entries of one manifest by id, in their order, the first of a duplicated id
    (DUPLICATE_ID is the register checks' finding); empty when the manifest is absent or
    unreadable. Memoised by blob in git states: the caller must not change it."""
    key = (path, snap.blob_id(path)) if isinstance(snap, GitSnapshot) and snap.is_file(path) \
        else None
    if key is not None and key in _INDEXES:
        return _INDEXES[key]
    entries = manifest_entries(snap, path)
    index = {e.id: e for e in entries}
    if len(index) != len(entries):  # a duplicated id: the first wins, in its place
        index = {}
        for entry in entries:
            index.setdefault(entry.id, entry)
    if key is not None:
        bounded_put(_INDEXES, key, index, MAX_MANIFESTS)
    return index


def _blob(snap: Snapshot, path: str) -> str | None:
    return snap.blob_id(path) if snap.is_file(path) else None


def manifest_delta(before: Snapshot, after: Snapshot, manifest: str) -> tuple[EntryPair, ...]:
    """(old, new) pairs of the entries that differ between two versions of one manifest
    (by id; None where absent). An unreadable version counts as empty."""
    key = None
    if isinstance(before, GitSnapshot) and isinstance(after, GitSnapshot):
        key = (manifest, _blob(before, manifest), _blob(after, manifest))
        if key in _DELTAS:
            return _DELTAS[key]
    pairs: list[EntryPair] = []
    old_entries, new_entries = manifest_entries(before, manifest), manifest_entries(after, manifest)
    if len(old_entries) == len(new_entries):  # the usual case: compare place by place
        moved = list(compress(zip(old_entries, new_entries, strict=True),
                              map(is_not, old_entries, new_entries)))
        if all(o.id == n.id for o, n in moved):
            old_entries = tuple(o for o, _ in moved)
            new_entries = tuple(n for _, n in moved)
    old = {e.id: e for e in old_entries}
    new = {e.id: e for e in new_entries}
    for doc_id in sorted(old.keys() | new.keys()):
        o, n = old.get(doc_id), new.get(doc_id)
        if o is n:
            continue
        differs = o is None or n is None or o.raw != n.raw or o.path != n.path
        if differs and (o is None or n is None or entry_record(o) != entry_record(n)):
            pairs.append((o, n))
    result = tuple(pairs)
    if key is not None:
        bounded_put(_DELTAS, key, result, MAX_DELTAS)
    return result
