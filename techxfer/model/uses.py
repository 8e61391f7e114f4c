"""What a batch record says about how the batch was made (DESIGN 11): the document
revisions it was made to, and who made it.

Two extension keys of a register entry, so that format version 1 needs no new field:
``x-uses`` lists the revisions the batch was made to, each written ``DOC-ID@REVISION``;
``x-made-by`` lists the people of the entry's owner party who made it (person ids).
Both are read here once, so the rule on changes used before approval and the rule on
training read the same citations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from techxfer.model.manifest import DocumentEntry

USES_KEY = "x-uses"
MADE_BY_KEY = "x-made-by"
# A document id and a revision as the manifest schema writes them, joined by '@'.
CITATION = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]{0,127})@([A-Za-z0-9][A-Za-z0-9._-]{0,31})",
                      re.ASCII)
PERSON = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}", re.ASCII)


@dataclass(frozen=True)
class Citation:
    document: str
    revision: str

    def __str__(self) -> str:
        return f"{self.document}@{self.revision}"


@dataclass(frozen=True)
class Uses:
    """The citations and makers of one entry, and what could not be read (the raw values,
    for a finding that names them)."""

    cites: tuple[Citation, ...]
    made_by: tuple[str, ...]
    unreadable: tuple[str, ...]


def _strings(value: object) -> tuple[list[str], list[str]]:
    """VALUE as a list of strings (a single string is a list of one), and what is not."""
    items = value if isinstance(value, list) else [value]
    good = [v for v in items if isinstance(v, str)]
    bad = [repr(v) for v in items if not isinstance(v, str)]
    return good, bad


def uses_of(entry: DocumentEntry) -> Uses:
    raw = dict(entry.raw)
    cites: list[Citation] = []
    makers: list[str] = []
    unreadable: list[str] = []
    if USES_KEY in raw:
        good, bad = _strings(raw[USES_KEY])
        unreadable += [f"{USES_KEY}: {b}" for b in bad]
        for text in good:
            m = CITATION.fullmatch(text.strip())
            if m is None:
                unreadable.append(f"{USES_KEY}: {text!r}")
            else:
                cites.append(Citation(m.group(1), m.group(2)))
    if MADE_BY_KEY in raw:
        good, bad = _strings(raw[MADE_BY_KEY])
        unreadable += [f"{MADE_BY_KEY}: {b}" for b in bad]
        for text in good:
            if PERSON.fullmatch(text.strip()) is None:
                unreadable.append(f"{MADE_BY_KEY}: {text!r}")
            else:
                makers.append(text.strip())
    return Uses(tuple(cites), tuple(makers), tuple(unreadable))
