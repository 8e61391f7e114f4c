"""A commit object's bytes read as git reads them, and what in them techxfer cannot read.

libgit2 parses most commits, but it reads some differently from git (a time zone of
``+9999`` becomes UTC) and refuses others outright that git shows (a date past 2^63), and
Python cannot hold every date git can, nor decode every ``encoding`` header. Such a
commit is a finding of its own (MALFORMED_COMMIT, DESIGN 2.1), never a crash: this module
says why a commit is malformed, and reads the fields the audit needs from the bytes when
libgit2 will not.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

# Headers a commit may hold once only (git fsck: multipleAuthors and the like; a second
# signature header would be a signature nobody checks).
_ONCE = (b"tree", b"author", b"committer", b"encoding", b"gpgsig", b"gpgsig-sha256")
_KEY = re.compile(rb"[\x21-\x7e]+")
# git's ident line: name <email> seconds zone (git fsck's check, in bytes)
_IDENT = re.compile(rb"[^<>\n]*<[^<>\n]*> (-?[0-9]+) ([+-])([0-9]{2})([0-9]{2})")
_HEX = re.compile(rb"[0-9a-f]{40}|[0-9a-f]{64}")
# The usual commit, well formed as a whole: matched at once, the per-line reading skipped.
_ID = rb"(?:[0-9a-f]{40}|[0-9a-f]{64})"
_WHO = rb" [^<>\n\0]*<[^<>\n\0]*> [0-9]{1,11} [+-](?:[01][0-9]|2[0-3])[0-5][0-9]\n"
_USUAL = re.compile(
    rb"tree " + _ID + rb"\n(?:parent " + _ID + rb"\n)*author" + _WHO + rb"committer" + _WHO
    + rb"(?:gpgsig [^\n\0]*\n(?: [^\n\0]*\n)*)?(?:gpgsig-sha256 [^\n\0]*\n(?: [^\n\0]*\n)*)?\n")
# The last second Python's datetime can hold (9999-12-31 23:59:59 UTC).
_LAST_SECOND = int(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp())


@dataclass(frozen=True)
class RawCommit:
    """The fields of a commit object, from its bytes."""

    tree: str
    parents: tuple[str, ...]
    author_name: bytes
    commit_time: int
    commit_offset: int  # minutes east of UTC; 0 where the zone is unreadable, as libgit2
    encoding: str | None
    message: bytes
    malformed: str | None


def _headers(data: bytes) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """The header lines (continuations joined with newlines; a malformed line left out)
    and the message."""
    head, sep, message = data.partition(b"\n\n")
    if not sep:
        head, message = data.removesuffix(b"\n"), b""
    headers: list[tuple[bytes, bytes]] = []
    for line in head.split(b"\n"):
        if line[:1] == b" ":
            if headers:
                key, value = headers[-1]
                headers[-1] = (key, value + b"\n" + line[1:])
            continue
        key, space, value = line.partition(b" ")
        if space and _KEY.fullmatch(key):
            headers.append((key, value))
    return headers, message


def problem(data: bytes) -> str | None:
    """Why techxfer cannot read this commit object as git would, or None. Run on every
    commit a walk meets, so the usual commit costs one regular-expression match; any other
    is read line by line."""
    if _USUAL.match(data):
        return None
    end = data.find(b"\n\n")
    head = data[:end] if end >= 0 else data.removesuffix(b"\n")
    if b"\0" in head:
        return "a NUL byte in the commit headers"
    keys: list[bytes] = []
    author = committer = encoding = None
    for line in head.split(b"\n"):
        if line[:1] == b" ":
            if not keys:
                return "a continuation line before any header"
            continue
        space = line.find(b" ")
        key = line[:space]
        if space <= 0 or not (key.replace(b"-", b"").isalnum() or _KEY.fullmatch(key)):
            return f"a malformed header line {_show(line)}"
        keys.append(key)
        if key == b"author" and author is None:
            author = line[space + 1:]
        elif key == b"committer" and committer is None:
            committer = line[space + 1:]
        elif key == b"encoding" and encoding is None:
            encoding = line[space + 1:]
    for key in _ONCE:
        if key in keys and keys.count(key) > 1:
            return f"the {key.decode()} header appears {keys.count(key)} times"
    if not keys or keys[0] != b"tree" or not _HEX.fullmatch(head[5:head.find(b"\n")] if b"\n" in head
                                                           else head[5:]):
        return "the commit does not start with its tree"
    for role, value in (("author", author), ("committer", committer)):
        if value is None:
            return f"the commit has no {role} line"
        why = ident_problem(role, value)
        if why:
            return why
    if b"parent" in keys:
        for line in head.split(b"\n"):
            if line.startswith(b"parent ") and not _HEX.fullmatch(line[7:]):
                return "a parent header does not name a commit id"
    return encoding_problem(encoding) if encoding is not None else None


def _show(raw: bytes, limit: int = 40) -> str:
    text = raw[:limit].decode("ascii", "backslashreplace")
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
    return repr(text + ("…" if len(raw) > limit else ""))


def ident_problem(role: str, value: bytes) -> str | None:
    """Why an author or committer line is not one git and Python both read the same."""
    match = _IDENT.fullmatch(value)
    if match is None:
        return f"the {role} line is not «name <email> seconds zone»: {_show(value)}"
    seconds = int(match.group(1))
    if seconds < 0:
        return f"the {role} date {seconds} is before 1970 (git reads no negative date)"
    if seconds > _LAST_SECOND:
        return f"the {role} date {seconds} is after the year 9999"
    hours, minutes = int(match.group(3)), int(match.group(4))
    if minutes >= 60 or hours >= 24:
        zone = b"".join(match.group(2, 3, 4)).decode()
        return f"the {role} time zone {zone} is not a time zone"
    return None


@lru_cache(maxsize=64)
def encoding_problem(name: bytes) -> str | None:
    """Why an ``encoding`` header names no text encoding Python can decode."""
    try:
        text = name.decode("ascii")
        info = codecs.lookup(text)
    except (UnicodeDecodeError, LookupError):
        return f"the encoding header names an unknown encoding {_show(name)}"
    if not getattr(info, "_is_text_encoding", True):
        return f"the encoding header names {text!r}, which is not a text encoding"
    return None


def _ident_fields(value: bytes) -> tuple[bytes, int, int]:
    """Name, seconds and zone of an ident line, as well as they can be read (0 for what
    cannot be, as libgit2 does for a zone)."""
    name = value.split(b" <", 1)[0]
    match = _IDENT.fullmatch(value)
    if match is None:
        return name, 0, 0
    hours, minutes = int(match.group(3)), int(match.group(4))
    offset = hours * 60 + minutes if minutes < 60 and hours < 24 else 0
    return name, int(match.group(1)), -offset if match.group(2) == b"-" else offset


def parse(data: bytes) -> RawCommit:
    """Read a commit object's bytes; never raises."""
    headers, message = _headers(data)
    values = dict(reversed(headers))  # the first of each
    encoding = values.get(b"encoding")
    if encoding is not None and encoding_problem(encoding) is not None:
        encoding = None
    author_name = _ident_fields(values.get(b"author", b""))[0]
    _, seconds, offset = _ident_fields(values.get(b"committer", b""))
    return RawCommit(
        tree=values.get(b"tree", b"").decode("ascii", "replace"),
        parents=tuple(v.decode("ascii", "replace") for k, v in headers if k == b"parent"),
        author_name=author_name,
        commit_time=seconds,
        commit_offset=offset,
        encoding=encoding.decode("ascii") if encoding is not None else None,
        message=message,
        malformed=problem(data),
    )


def decode(text: bytes, encoding: str | None) -> str:
    """Text of a commit in its declared encoding (UTF-8 when none or unknown), never raising:
    undecodable bytes become U+FFFD."""
    try:
        return text.decode(encoding or "utf-8", "replace")
    except (LookupError, TypeError, ValueError):
        return text.decode("utf-8", "replace")


def signature(data: bytes) -> tuple[bytes, bytes] | None:
    """(signature, signed payload) as git extracts them: the first ``gpgsig`` header's value
    and the object without it (used where libgit2 cannot read the commit)."""
    lines = data.split(b"\n")
    out: list[bytes] = []
    sig: list[bytes] | None = None
    taking = False
    in_head = True
    for n, line in enumerate(lines):
        if in_head and line == b"":
            out.extend(lines[n:])
            break
        if in_head and taking and line.startswith(b" "):
            assert sig is not None
            sig.append(line[1:])
            continue
        taking = False
        if in_head and sig is None and line.startswith(b"gpgsig "):
            sig = [line[len(b"gpgsig "):]]
            taking = True
            continue
        out.append(line)
    if sig is None:
        return None
    return b"\n".join(sig) + b"\n", b"\n".join(out)
