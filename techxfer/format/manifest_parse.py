"""Parsing MANIFEST.yaml entry by entry, so a new version costs only its changed entries.

A history audit meets every version of every manifest; most versions differ from the
last in one entry. In the layout techxfer writes (a ``documents:`` block sequence whose
items start at column 0 with ``- `` and continue on indented lines) each item is parsed
on its own and kept by its exact bytes. The split is only trusted when every piece
parses alone as a one-item list of one mapping; a quoted scalar or block scalar cut by
the split leaves a piece that fails that test, and then the whole file goes through the
full loader. Either way the result is schema-validated, per entry or whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from techxfer.errors import ConfigError, SchemaError
from techxfer.format import schema, yamlio

# Blank and comment lines before the register, as the loader reads them. Each line is
# matched one way only (spaces, then an optional comment, then the line end), so a match
# is linear in the lines: ``(?:#…\n|\s*\n)*`` backtracked exponentially over blank lines,
# since ``\s`` also matches the newline. Only what the YAML loader reads as a blank or
# comment line is taken: no tab (the loader refuses one there), no lone CR, NEL, line or
# paragraph separator (line breaks to YAML), no control character. Comments holding
# other uncommon characters (lead bytes \xc2, \xe2, \xef) go to the loader, which judges.
_COMMENT = rb"#[\t\x20-\x7e\x80-\xbf\xc3-\xdf\xe0\xe1\xe3-\xee\xf0-\xf4]*"
_LEAD = rb"(?: *(?:" + _COMMENT + rb")?\r?\n)*"
_HEADER = re.compile(rb"\A" + _LEAD + rb"(?:format: 1\n)?documents:\n")
_EMPTY = re.compile(rb"\A" + _LEAD + rb"(?:format: 1\n)?documents: \[\]\n?\Z")


class EntryCache:
    """Validated entries keyed by their exact bytes: the last few thousand in memory, and
    all of them in the blob cache's table between runs when LOAD and STORE are given.

    Memory is bounded: a walk meets every revision of every entry, but once a manifest
    has been seen only its changed entries are looked up (``last``), and those are new."""

    LIMIT = 8192

    def __init__(self, load: Callable[[list[bytes]], dict[bytes, dict[str, Any]]] | None = None,
                 store: Callable[[bytes, dict[str, Any]], None] | None = None) -> None:
        self.entries: dict[bytes, dict[str, Any]] = {}
        self.last: dict[str, tuple[list[bytes], list[dict[str, Any]]]] = {}  # per manifest
        self._load = load
        self._store = store

    def get(self, key: bytes) -> dict[str, Any] | None:
        hit = self.entries.get(key)
        if hit is None and self._load is not None:
            hit = self._load([key]).get(key)
            if hit is not None:
                self._room(1)
                self.entries[key] = hit
        return hit

    def _room(self, wanted: int) -> None:
        if len(self.entries) + wanted > self.LIMIT:
            self.entries.clear()

    def prefetch(self, keys: list[bytes]) -> None:
        """Load these entries from the store in one query (a manifest seen first)."""
        missing = [k for k in keys if k not in self.entries]
        if missing and self._load is not None:
            self._room(len(missing))
            self.entries.update(self._load(missing))

    def put(self, key: bytes, entry: dict[str, Any]) -> None:
        self._room(1)
        self.entries[key] = entry
        if self._store is not None:
            self._store(key, entry)


class KeyedDocuments(list[dict[str, Any]]):
    """The ``documents`` list of a manifest parsed entry by entry, with the exact bytes each
    entry came from: equal bytes at the same place mean an equal entry, so a model built
    from the last version can be reused (``state._manifest_models``)."""

    def __init__(self, documents: list[dict[str, Any]], keys: list[bytes]) -> None:
        super().__init__(documents)
        self.keys = tuple(keys)


def _split(data: bytes) -> tuple[bool, list[bytes]] | None:
    header = _HEADER.match(data)
    if header is None:
        return None
    body = data[header.end():]
    if not body.startswith(b"- "):
        return None
    chunks = body.split(b"\n- ")
    return data.startswith(b"format: 1\n", header.start()) or b"\nformat: 1\n" in data[: header.end()], [
        chunk if i == 0 else b"- " + chunk for i, chunk in enumerate(chunks)
    ]


_LINE = re.compile(r"(?:- |  )([A-Za-z_][A-Za-z0-9_-]*): (.+)")
_BOOL_NULL = frozenset({  # the words YAML 1.1 reads as booleans or null
    "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
    "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL"})
_HEX = re.compile(r"[0-9a-f]*[a-f][0-9a-f]*")
_QUOTED = re.compile(r"'([^']*)'")
_SPECIAL = frozenset(":#'\"\\{}[],&*!|>%@`")


def _flat_entry(chunk: bytes) -> dict[str, Any] | None:
    """The common entry, parsed without YAML: one ``key: value`` a line, each value a
    single-quoted string without quotes inside, or a plain scalar that YAML can only read
    as that same string (starting with a letter and not a boolean or null word, or a hex
    string with a letter and not YAML's binary ``0b…``; no indicator, comment or control
    character anywhere). Anything else returns None and goes to the YAML loader; a test
    holds the two to the same answers."""
    entry: dict[str, Any] = {}
    lines = chunk.decode("utf-8").split("\n")
    if lines[-1] == "":
        lines.pop()
    if not lines or not lines[0].startswith("- "):
        return None
    for n, line in enumerate(lines):
        match = _LINE.fullmatch(line)
        if match is None or (n > 0) != line.startswith("  "):
            return None
        key, raw = match.groups()
        if key in entry or key in _BOOL_NULL or not raw.isprintable():
            return None
        quoted = _QUOTED.fullmatch(raw)
        if quoted is not None:
            value = quoted.group(1)
        elif raw != raw.strip() or any(c in _SPECIAL for c in raw):
            return None
        elif (raw[0].isalpha() and raw not in _BOOL_NULL) or (
                _HEX.fullmatch(raw) and not raw.startswith("0b")):  # YAML's 0b101 is a number
            value = raw
        else:
            return None
        entry[key] = value
    return entry


def _parse_chunk(chunk: bytes, source: str) -> dict[str, Any] | None:
    if b"&" in chunk or b"*" in chunk or b"!" in chunk:
        return None  # anchors, aliases, tags: the full loader refuses or judges them
    try:
        flat = _flat_entry(chunk)
    except UnicodeDecodeError:
        return None
    if flat is not None:
        return flat
    for line in chunk.split(b"\n")[1:]:
        if line and not line.startswith(b"  "):
            return None
    try:
        value = yamlio.load(chunk, source)
    except ConfigError:
        return None
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
        return value[0]
    return None


def parse_manifest(data: bytes, source: str, cache: EntryCache | None = None) -> Any:
    """The manifest's data, schema-valid; raises ConfigError / SchemaError."""
    if cache is not None and len(data) <= yamlio.MAX_BYTES and not _EMPTY.match(data):
        fast = _fast(data, source, cache)
        if fast is not None:
            return fast
    return schema.load_and_validate("manifest", data, source)


def _fast(data: bytes, source: str, cache: EntryCache) -> dict[str, Any] | None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    split = _split(data)
    if split is None:
        return None
    has_format, chunks = split
    keys = [chunk.rstrip(b"\n") for chunk in chunks]
    last = cache.last.get(source)
    if last is not None and len(last[0]) == len(keys):  # versions differ in an entry or two
        documents = list(last[1])
        places = [i for i, (a, b) in enumerate(zip(last[0], keys, strict=True)) if a != b]
    else:
        documents = [{}] * len(keys)
        places = list(range(len(keys)))
        cache.prefetch(keys)
    fresh: list[tuple[bytes, dict[str, Any]]] = []
    for i in places:
        entry = cache.get(keys[i])
        if entry is None:
            parsed = _parse_chunk(chunks[i], source)
            if parsed is None:
                return None
            fresh.append((keys[i], parsed))
            entry = parsed
        documents[i] = entry
    value: dict[str, Any] = {"format": 1} if has_format else {}
    value["documents"] = KeyedDocuments(documents, keys)
    if fresh:
        # Validate only the new entries; on failure validate the whole value so every
        # message carries its exact key path. Entries are cached once known valid.
        try:
            schema.validate("manifest", {"documents": [e for _, e in fresh]}, source)
        except SchemaError:
            schema.validate("manifest", value, source)
            raise
        for key, entry in fresh:
            cache.put(key, entry)
    if len(cache.last) > 4096:
        cache.last.clear()
    cache.last[source] = (keys, documents)
    return value
