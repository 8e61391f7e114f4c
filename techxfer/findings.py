"""Finding codes (DESIGN section 4) and the Finding record."""

from __future__ import annotations

import enum
from dataclasses import dataclass


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

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, order=True)
class Finding:
    """One thing wrong. ``commit`` is None for checks of the working tree or index."""

    code: Code
    path: str | None
    message: str
    commit: str | None = None

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
