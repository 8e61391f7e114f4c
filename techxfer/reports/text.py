"""Text from the repository, made safe to show to a person (DESIGN 4).

Titles, reasons, comments, commit subjects, author names and file names are written by
whoever made the commit. Shown raw, a control character or a bidirectional override in
them could erase or rewrite what a terminal shows (ESC sequences, CR), reorder a line so
that ``txt.exe`` reads as ``exe.txt`` (U+202E), or start a formula in a spreadsheet. Every
human-readable output (terminal, hook messages, table, Markdown, CSV and PDF reports)
passes such text through ``shown``; JSON keeps it exact, for programs.
"""

from __future__ import annotations

# Bidirectional formatting characters: embeddings and overrides, isolates, the implicit
# marks (left-to-right, right-to-left, Arabic letter mark).
BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
# Line and paragraph separators: a line break to some terminals and editors.
SEPARATORS = frozenset("\u2028\u2029")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# A CSV cell starting with one of these is read as a formula by spreadsheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _unsafe(char: str, keep: str) -> bool:
    code = ord(char)
    if char in keep:
        return False
    return (code < 0x20 or 0x7F <= code < 0xA0 or char in BIDI or char in SEPARATORS
            or 0xD800 <= code < 0xE000)  # lone surrogates: undecodable bytes of a file name


def _escape(char: str) -> str:
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(text: str, *, multiline: bool = False) -> str:
    """TEXT with every control character (C0, DEL, C1), bidirectional formatting
    character, line separator and lone surrogate written as a visible escape (``\\x1b``,
    ``\\r``, ``\\u202e``). Tabs are kept; newlines too when MULTILINE (text whose lines are
    its structure), else written ``\\n``: a one-line field stays on one line."""
    keep = "\t\n" if multiline else "\t"
    if text.isprintable() or not any(_unsafe(c, keep) for c in text):
        return text
    return "".join(_escape(c) if _unsafe(c, keep) else c for c in text)


def cell(value: str) -> str:
    """A CSV cell for a spreadsheet: shown on one line, and a leading ``= + - @`` (or
    tab, CR) neutralised by an apostrophe, so that no cell runs as a formula."""
    text = shown(value)
    return "'" + text if value.startswith(FORMULA_START) or text.startswith(FORMULA_START) else text


def md_cell(value: str) -> str:
    """A Markdown table cell: shown on one line, its pipes escaped."""
    return shown(value).replace("|", "\\|")
