"""Parsing MANIFEST.yaml entry by entry, so a new version costs only its changed entries.

A history audit meets every version of every manifest; most versions differ from the
last in one entry. Whatever the style the manifest is written in, its ``documents:``
block sequence is cut into items at the lines that start an item at the sequence's
indentation (``- `` after exactly that many spaces), and each item is parsed on its own
and kept by its exact bytes; what is left (the lines before and after the sequence: the
``format`` key, comments, other keys in any order) is the frame, parsed on its own too.

The cut is trusted only when every piece parses alone as a one-item list of one mapping
and the frame alone as a mapping whose ``documents`` is empty (null). A cut inside a
quoted or flow scalar leaves a piece with an unclosed quote or bracket, and a cut inside
a block scalar is impossible (its lines are indented deeper than the item), so a cut
that passes the test is where the full loader ends one item and starts the next; a test
generating manifests in many styles holds the two to the same answers. CRLF line ends
and a BOM at the start are read as YAML reads them (as LF, as nothing). Anything else
(a tab anywhere, a lone CR or a Unicode line break, anchors, aliases, tags, a list that
is not a block sequence under ``documents:``) goes through the full loader. Either way
the result is schema-validated, per entry or whole.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from itertools import compress
from operator import ne
from typing import Any

from techxfer.errors import ConfigError, SchemaError
from techxfer.format import schema, yamlio

# Line breaks to YAML other than LF (CR, NEL, LS, PS) and the BOM: the cut reads lines
# as LF-separated, so a file holding any of these goes to the full loader, except CRLF
# throughout and a BOM at the start, which YAML reads as LF and nothing (``_fast``).
_OTHER_BREAKS = (b"\r", b"\xc2\x85", b"\xe2\x80\xa8", b"\xe2\x80\xa9", b"\xef\xbb\xbf")
_BOM = b"\xef\xbb\xbf"
_DOCUMENTS_AT = re.compile(rb"^documents:(?: +#[^\n]*)? *\n", re.MULTILINE)
_LEAD = re.compile(rb"(?: *(?:#[^\n]*)?\n)*")  # blank and comment lines; one way to match each
# A frame of blank and comment lines, ``documents:`` and at most one ``format: 1``, read
# without YAML. Comments hold only what the YAML reader takes: no control character, no
# NEL, line or paragraph separator, BOM (lead bytes \xc2, \xe2, \xef go to the loader).
_COMMENT = rb"#[\x20-\x7e\x80-\xbf\xc3-\xdf\xe0\xe1\xe3-\xee\xf0-\xf4]*"
_BLANKS = rb"(?: *(?:" + _COMMENT + rb")?\n)*"
_FORMAT = rb"format: 1(?: +" + _COMMENT + rb")? *\n" + _BLANKS
_PLAIN_DOCUMENTS = rb"documents:(?: +" + _COMMENT + rb")? *\n" + _BLANKS
_FORMAT_FIRST = re.compile(rb"\A" + _BLANKS + _FORMAT + _PLAIN_DOCUMENTS + rb"\Z")
_FORMAT_LAST = re.compile(rb"\A" + _BLANKS + _PLAIN_DOCUMENTS + rb"(?P<format>" + _FORMAT + rb")?\Z")


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
        self.frames: dict[bytes, dict[str, Any] | None] = {}  # a manifest's lines but its items
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


@functools.cache
def _body_patterns(indent: int) -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    """For a sequence at INDENT: the first line at column 0 that is not an item, a blank
    or a comment (where the sequence ends and the frame goes on), and a line the cut
    cannot place (shallower than the items but not at column 0, or at the items' column
    but not an item)."""
    ends = rb"\n(?!- )[^ \n#]" if indent == 0 else rb"\n[^ \n#]"
    shallow = rb"\n {1,%d}[^ \n#]|" % (indent - 1) if indent > 1 else b""
    misplaced = rb"\n {%d}(?!- )[^ \n#]" % indent if indent > 0 else rb"\n-(?! )"
    return re.compile(ends), re.compile(shallow + misplaced)


def _split(data: bytes) -> tuple[bytes, list[bytes]] | None:
    """The frame (every line outside the sequence) and the items of ``documents:``, or
    None when the text is not a block sequence under a ``documents:`` line at column 0.
    A few passes of C code over the bytes (``re``, ``split``), none per line in Python."""
    if b"\r" in data or b"\t" in data or not data.endswith(b"\n") or (
            not data.isascii() and any(b in data for b in _OTHER_BREAKS)):  # ASCII: no others
        return None
    found = _DOCUMENTS_AT.search(data)
    if found is None:
        return None
    start = found.end()
    lead = _LEAD.match(data, start)
    body_at = lead.end() if lead is not None else start
    spaces = len(data) - len(data[body_at:].lstrip(b" ")) - body_at
    item = b" " * spaces + b"- "
    if not data.startswith(item, body_at):
        return None
    ends, misplaced = _body_patterns(spaces)
    body_end = len(data)
    tail = ends.search(data, body_at - 1)
    if tail is not None:
        body_end = tail.start() + 1
    if misplaced.search(data, body_at - 1, body_end - 1) is not None:
        return None
    frame = data[:body_at] + data[body_end:]
    body = data[body_at:body_end]
    pieces = body.split(b"\n" + item)
    return frame, [piece + b"\n" if i == 0 else item + piece + b"\n"
                   for i, piece in enumerate(pieces[:-1])] + [
        pieces[-1] if len(pieces) == 1 else item + pieces[-1]]


_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*): (.+)")
_BOOL_NULL = frozenset({  # the words YAML 1.1 reads as booleans or null
    "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
    "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL"})
_HEX = re.compile(r"[0-9a-f]*[a-f][0-9a-f]*")
_QUOTED = re.compile(r"'([^']*)'|\"([^\"\\]*)\"")
_SPECIAL = frozenset(":#'\"\\{}[],&*!|>%@`")


def _flat_value(raw: str, block: bool) -> str | None:
    """A scalar YAML can only read as one string, and that string; else None."""
    if not raw.isprintable():
        return None
    quoted = _QUOTED.fullmatch(raw) if raw[:1] in ("'", '"') else None  # quoted: starts so
    if quoted is not None:
        return quoted.group(1) if quoted.group(1) is not None else quoted.group(2)
    if " #" in raw:  # a trailing comment; a cut inside quotes leaves an unclosed quote
        if not block:
            return None  # in a flow mapping the comment would swallow the closing brace
        raw = raw[: raw.index(" #")].rstrip(" ")
        if not raw:
            return None
        quoted = _QUOTED.fullmatch(raw) if raw[:1] in ("'", '"') else None
        if quoted is not None:
            return quoted.group(1) if quoted.group(1) is not None else quoted.group(2)
    if raw != raw.strip() or not _SPECIAL.isdisjoint(raw):
        return None
    if (raw[0].isalpha() and raw not in _BOOL_NULL) or (
            _HEX.fullmatch(raw) and not raw.startswith("0b")):  # YAML's 0b101 is a number
        return raw
    return None


def _flat_pairs(pairs: list[str], entry: dict[str, Any], block: bool) -> bool:
    for pair in pairs:
        match = _LINE.fullmatch(pair)
        if match is None:
            return False
        key, raw = match.groups()
        if key in entry or key in _BOOL_NULL:
            return False
        value = _flat_value(raw, block)
        if value is None:
            return False
        entry[key] = value
    return True


def _flat_entry(chunk: bytes) -> dict[str, Any] | None:
    """The common entry, parsed without YAML, in any indentation: ``- key: value`` and
    then one ``key: value`` a line two columns deeper (blank and comment lines between),
    or one flow mapping on the item's line (``- {key: value, …}``). Each value is a
    quoted string without quotes or backslashes inside, or a plain scalar that YAML can
    only read as that same string (starting with a letter and not a boolean or null
    word, or a hex string with a letter and not YAML's binary ``0b…``; no indicator or
    control character anywhere), optionally followed by a comment. Anything else returns
    None and goes to the YAML loader; a test holds the two to the same answers."""
    entry: dict[str, Any] = {}
    lines = chunk.decode("utf-8").split("\n")
    if lines[-1] == "":
        lines.pop()
    if not lines:
        return None
    first = lines[0].lstrip(" ")
    indent = len(lines[0]) - len(first)
    if not first.startswith("- "):
        return None
    first = first[2:]
    if first.startswith("{"):
        end = first.rfind("}")
        if end < 0 or (first[end + 1:].strip() and not first[end + 1:].lstrip(" ").startswith("#")):
            return None
        if any(not (line.strip() == "" or line.lstrip(" ").startswith("#")) for line in lines[1:]):
            return None
        pairs = [part.strip(" ") for part in first[1:end].split(",")]
        if any("{" in part or "}" in part or ": " not in part for part in pairs):
            return None
        return entry if _flat_pairs(pairs, entry, False) else None
    body = [first]
    inner = " " * (indent + 2)
    for line in lines[1:]:
        stripped = line.lstrip(" ")
        if stripped == "" or stripped.startswith("#"):
            continue
        if not line.startswith(inner) or line[len(inner)] == " ":
            return None
        body.append(stripped)
    return entry if _flat_pairs(body, entry, True) else None


_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):")


def flat_document(data: bytes) -> dict[str, Any] | None:
    """A record file (a transfer, an acknowledgement, ...) read without YAML when it is in
    the common form, else None (the caller uses the YAML loader). The form: lines at
    column 0 of ``key: value`` (a value as ``_flat_value`` takes it, optionally with a
    comment), blank lines (empty), comment lines (``#`` at column 0), and ``key:`` lines
    each followed at once by a block sequence at column 0 whose every item is a flat
    mapping (``_flat_entry``); LF line ends, a final one, no tab, CR, other line break,
    BOM, anchor, alias or tag, and nothing that is not printable (YAML's reader refuses
    some of that; here any of it goes to the loader). Keys unique, none a YAML boolean or
    null word. A test holds the answers to PyYAML's."""
    if (b"\r" in data or b"\t" in data or b"&" in data or b"*" in data or b"!" in data
            or not data.endswith(b"\n")
            or (not data.isascii() and any(b in data for b in _OTHER_BREAKS))):
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    lines = text.split("\n")
    lines.pop()  # after the final line end
    if not "".join(lines).isprintable():
        return None
    out: dict[str, Any] = {}
    i, count = 0, len(lines)
    while i < count:
        line = lines[i]
        i += 1
        if line == "" or line.startswith("#"):
            continue
        match = _KEY_LINE.fullmatch(line)
        if match is None:
            if not _flat_pairs([line], out, True):
                return None
            continue
        key = match.group(1)
        if key in out or key in _BOOL_NULL:
            return None
        items: list[list[str]] = []
        while i < count and (lines[i].startswith("- ") or (items and lines[i].startswith("  "))):
            if lines[i].startswith("- "):
                items.append([])
            items[-1].append(lines[i])
            i += 1
        if not items:
            return None  # a null, or a value on the lines below: the loader's
        values: list[dict[str, Any]] = []
        for item in items:
            entry = _flat_entry("\n".join(item).encode("utf-8"))
            if entry is None:
                return None
            values.append(entry)
        out[key] = values
    return out or None


def _parse_chunk(chunk: bytes, source: str) -> dict[str, Any] | None:
    if b"&" in chunk or b"*" in chunk or b"!" in chunk:
        return None  # anchors, aliases, tags: the full loader refuses or judges them
    try:
        flat = _flat_entry(chunk)
    except UnicodeDecodeError:
        return None
    if flat is not None:
        return flat
    try:
        value = yamlio.load(chunk, source)
    except ConfigError:
        return None
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
        return value[0]
    return None


def parse_manifest(data: bytes, source: str, cache: EntryCache | None = None) -> Any:
    """The manifest's data, schema-valid; raises ConfigError / SchemaError."""
    if cache is not None and len(data) <= yamlio.MAX_BYTES:
        fast = _fast(data, source, cache)
        if fast is not None:
            return fast
    return schema.load_and_validate("manifest", data, source)


def _frame(frame: bytes, source: str, cache: EntryCache) -> dict[str, Any] | None:
    """The frame's keys, when it parses alone as a schema-valid mapping whose
    ``documents`` is null; memoised by its bytes (it rarely changes). The usual frame
    (comments, ``format: 1``, ``documents:``) is read without YAML; the tests hold the
    two readings together."""
    if frame in cache.frames:
        return cache.frames[frame]
    value: dict[str, Any] | None = None
    if _FORMAT_FIRST.match(frame):
        value = {"format": 1, "documents": None}
    elif (plain := _FORMAT_LAST.match(frame)) is not None:
        value = {"documents": None, "format": 1} if plain.group("format") else {"documents": None}
    elif b"&" not in frame and b"*" not in frame and b"!" not in frame:
        try:
            loaded = yamlio.load(frame, source)
        except ConfigError:
            loaded = None
        if isinstance(loaded, dict) and "documents" in loaded and loaded["documents"] is None:
            try:
                schema.validate("manifest", {**loaded, "documents": []}, source)
                value = loaded
            except SchemaError:
                value = None
    if len(cache.frames) > 256:
        cache.frames.clear()
    cache.frames[frame] = value
    return value


def _fast(data: bytes, source: str, cache: EntryCache) -> dict[str, Any] | None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    # YAML reads a CRLF as an LF everywhere (scalars included) and a BOM at the start as
    # nothing, so the text without them parses to the same value, entry by entry too.
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    if b"\r" in data:
        if data.count(b"\r") != data.count(b"\r\n"):
            return None
        data = data.replace(b"\r\n", b"\n")
    split = _split(data)
    if split is None:
        return None
    frame_bytes, chunks = split
    frame = _frame(frame_bytes, source, cache)
    if frame is None:
        return None
    keys = [chunk.rstrip(b"\n") for chunk in chunks]
    last = cache.last.get(source)
    if last is not None and len(last[0]) == len(keys):  # versions differ in an entry or two
        documents = list(last[1])
        places = list(compress(range(len(keys)), map(ne, last[0], keys)))  # lengths equal
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
    value = dict(frame)
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
