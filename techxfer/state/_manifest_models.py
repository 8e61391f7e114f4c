"""Building a manifest model from the last version of the same manifest: speed only.

One entry point, ``build``, whose answer equals ``Manifest.create`` (the tests hold it to
that). When the parser could split the manifest into entries it says which bytes each
entry came from (``format.manifest_parse.KeyedDocuments``): an entry whose bytes and place
are unchanged since the last version gives the same DocumentEntry, and the indexes (ids,
paths, by path) are the last version's with the changed places patched. Everything is
keyed by content (the entry's bytes), never by object identity.
"""

from __future__ import annotations

from itertools import compress
from operator import ne
from typing import Any

from techxfer.format.manifest_parse import KeyedDocuments
from techxfer.model.manifest import DocumentEntry, Manifest, document_entry, manifest_folder

MAX_LAST = 512
MAX_ENTRIES = 200_000
PATCH_AT_MOST = 16  # changed places above which the indexes are rebuilt, not patched
_LAST: dict[str, tuple[tuple[bytes, ...], Manifest]] = {}   # path → the last version built
_ENTRIES: dict[tuple[str, int, bytes], DocumentEntry] = {}  # (path, place, bytes) → entry


def _put(cache: dict[Any, Any], key: Any, value: Any, limit: int) -> None:
    if len(cache) >= limit:
        for old in list(cache)[: max(1, limit // 8)]:
            del cache[old]
    cache[key] = value


def build(path: str, raw: Any) -> Manifest:
    docs = raw.get("documents") or []
    keys = docs.keys if isinstance(docs, KeyedDocuments) else None
    if keys is None or not docs:
        return Manifest.create(path, raw)
    last = _LAST.get(path)
    prev: Manifest | None = None
    if last is not None and len(last[0]) == len(keys):
        prev = last[1]
        entries: list[DocumentEntry | None] = list(prev.entries)
        places = list(compress(range(len(keys)), map(ne, last[0], keys)))  # lengths equal
    else:
        entries = [None] * len(keys)
        places = list(range(len(keys)))
    fresh: list[int] = []
    for i in places:
        hit = _ENTRIES.get((path, i, keys[i]))
        if hit is not None:
            entries[i] = hit
        else:
            fresh.append(i)
    folder = manifest_folder(path)
    for i in fresh:
        entries[i] = entry = document_entry(path, folder, docs[i], i)
        _put(_ENTRIES, (path, i, keys[i]), entry, MAX_ENTRIES)
    done = tuple(e for e in entries if e is not None)
    index = prev.index.patched(prev.entries, done, places) \
        if prev is not None and len(places) <= PATCH_AT_MOST else None
    manifest = Manifest.of(path, done, "format" in raw, index)
    _put(_LAST, path, (keys, manifest), MAX_LAST)
    return manifest
