"""Finding codes (DESIGN section 4), the Finding record, and its message by id.

A rule writes each message once, in English, as a template with named arguments and a
message id (``Msg``). The English text is the finding's ``message`` (JSON and hooks keep
it); the id and arguments let a report render it in another language from the one
catalogue, ``reports/i18n.py``, which this layer cannot import.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field


class Code(str, enum.Enum):
    UNSIGNED_COMMIT = "UNSIGNED_COMMIT"
    BAD_SIGNATURE = "BAD_SIGNATURE"
    UNKNOWN_KEY = "UNKNOWN_KEY"
    KEY_NOT_VALID = "KEY_NOT_VALID"
    UNAUTHORIZED_CHANGE = "UNAUTHORIZED_CHANGE"
    MANIFEST_INVALID = "MANIFEST_INVALID"
    UNLISTED_FILE = "UNLISTED_FILE"
    MISSING_FILE = "MISSING_FILE"
    HASH_MISMATCH = "HASH_MISMATCH"
    DUPLICATE_ID = "DUPLICATE_ID"
    TRANSFER_INVALID = "TRANSFER_INVALID"
    ACK_MISSING = "ACK_MISSING"
    ACK_INVALID = "ACK_INVALID"
    CHANGE_NOT_APPROVED = "CHANGE_NOT_APPROVED"
    RECORD_DELETED = "RECORD_DELETED"
    READ_RESTRICTED_PLAINTEXT = "READ_RESTRICTED_PLAINTEXT"
    HISTORY_REWRITTEN = "HISTORY_REWRITTEN"
    UNSAFE_PATH = "UNSAFE_PATH"
    ROLE_CONFLICT = "ROLE_CONFLICT"
    SHARED_KEY = "SHARED_KEY"
    TIME_INCONSISTENT = "TIME_INCONSISTENT"
    MALFORMED_COMMIT = "MALFORMED_COMMIT"
    UNWITNESSED = "UNWITNESSED"
    RECEIPT_INVALID = "RECEIPT_INVALID"
    RELEASE_INVALID = "RELEASE_INVALID"
    # training (DESIGN 11)
    TRAINING_INVALID = "TRAINING_INVALID"
    UNTRAINED = "UNTRAINED"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Msg:
    """A message a person reads: its id in the catalogue, its English template, and the
    values of the template's named fields (text, or a message of its own)."""

    key: str
    en: str
    args: tuple[tuple[str, str | Msg], ...] = ()

    @property
    def text(self) -> str:
        return self.en.format(**{k: v.text if isinstance(v, Msg) else v for k, v in self.args})


def msg(key: str, en: str, /, **args: object) -> Msg:
    """Message KEY with the English template EN; a value that is no message is kept as text."""
    return Msg(key, en, tuple((k, v if isinstance(v, Msg) else str(v)) for k, v in args.items()))


def term(kind: str, word: str) -> Msg:
    """A word of the format's vocabulary (a transfer type, a status…) inside a message: shown
    as itself in English, translated by kind in the catalogue's terms."""
    return Msg(f"{kind}.{word}", word.replace("{", "{{").replace("}", "}}"))


LIST = "list"  # the id of a listing: no template of its own, its items joined


BULLETS = "bullets"  # reasons one to a line, each after "  - ": no template of its own
SEVERAL = "several"  # several reasons given as one: no template of its own
PARTS = "parts"  # the reasons of several things, each its own part: no template of its own


def _joined(key: str, separator: str, items: tuple[str | Msg, ...], lead: str = "") -> Msg:
    return Msg(key, separator.join(f"{lead}{{i{n}}}" for n in range(len(items))),
               tuple((f"i{n}", item) for n, item in enumerate(items)))


def bullets(*items: str | Msg) -> Msg:
    """Reasons one to a line (each line begins with a line break and ``  - ``)."""
    return _joined(BULLETS, "", items, "\n  - ")


def several(*items: str | Msg) -> Msg:
    """Several reasons as one: separated by ``; `` in English (``；`` in Chinese)."""
    return _joined(SEVERAL, "; ", items)


def parts(*items: str | Msg) -> Msg:
    """The reasons of several things, separated by `` | `` in either language."""
    return _joined(PARTS, " | ", items)


def listing(*items: str | Msg) -> Msg:
    """Several values as one: comma-separated in English (``、`` in Chinese)."""
    return _joined(LIST, ", ", items)


def roles_or_nobody(roles: Iterable[object]) -> Msg:
    """The roles a rule names, or "nobody" when it names none."""
    named = [str(r) for r in roles]
    return listing(*named) if named else msg("refuse.nobody", "nobody")


@dataclass(frozen=True, order=True)
class Finding:
    """One thing wrong. ``commit`` is None for checks of the working tree or index.

    ``said`` is the message by id (``message`` is its English text); it takes no part in
    comparing findings, so a finding's identity is what it always was."""

    code: Code
    path: str | None
    message: str
    commit: str | None = None
    said: Msg | None = field(default=None, compare=False)

    @classmethod
    def of(cls, code: Code, path: str | None, said: Msg, commit: str | None = None) -> Finding:
        return cls(code, path, said.text, commit, said)

    def as_json(self) -> dict[str, str | None]:
        return {
            "code": self.code.value,
            "commit": self.commit,
            "path": self.path,
            "message": self.message,
        }

    def one_line(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.code.value}: {where}{self.message}"
