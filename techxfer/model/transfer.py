"""Transfer and acknowledgement records: ids, digests, deadlines (DESIGN section 3).

A transfer binds a dated list of documents to exactly their content: each item carries
its SHA-256, and ``manifest_digest`` is the SHA-256 of the canonical JSON of the
transferred manifest entries. An acknowledgement repeats the transfer's commit id and
digest, so it confirms that content and nothing else.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from techxfer.model.manifest import DocumentEntry
from techxfer.model.repo import RepoConfig
from techxfer.model.times import parse_instant

TRANSFER_TYPES = ("initial", "change", "withdrawal", "disposal-notice", "policy-change",
                  "termination", "change-request",
                  *("deviation", "complaint", "adverse-event", "quality-data", "inspection-report"))
# Reports of quality events, typically from the manufacturer to the registrant (DESIGN 11):
# each acknowledged within its own deadline (repo.yaml ack_within_days_by_type).
QUALITY_EVENT_TYPES = TRANSFER_TYPES[-5:]
# ``trained`` is signed in a training record (techxfer train), never on an acknowledgement
# (rules/meanings.misplaced refuses it there).
MEANINGS = ("received", "reviewed", "approved", "rejected", "returned", "trained",
            "implemented")
# A change request (DESIGN 11) carries draft revisions: the recipient's approval comes first.
CHANGE_REQUEST = "change-request"


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_record(entry: DocumentEntry) -> dict[str, Any]:
    """A manifest entry as the digest sees it: repository path, every key of the entry."""
    record = entry.as_dict()
    record["path"] = entry.path
    return record


def manifest_digest(entries: Iterable[DocumentEntry]) -> str:
    records = sorted((entry_record(e) for e in entries), key=lambda r: str(r["id"]))
    return hashlib.sha256(canonical_json(records)).hexdigest()


def config_digest(files: Mapping[str, bytes]) -> str:
    """For a policy-change transfer: the digest of the ``.techxfer/`` files it proposes."""
    listing = [{"path": p, "sha256": hashlib.sha256(d).hexdigest()} for p, d in sorted(files.items())]
    return hashlib.sha256(canonical_json(listing)).hexdigest()


def new_id(prefix: str, seat: str, when: datetime) -> str:
    """``TX-20261122-R-3f2a9c01``: date, party letter, random: no collisions when both work."""
    letter = "R" if seat == "registrant" else "M"
    return f"{prefix}-{when.strftime('%Y%m%d')}-{letter}-{secrets.token_hex(4)}"


@dataclass(frozen=True)
class Item:
    id: str
    path: str
    revision: str
    sha256: str
    action: str


@dataclass(frozen=True)
class Transfer:
    id: str
    date: datetime
    sender: str
    recipient: str
    type: str
    reason: str
    change_ref: str | None
    signer: str
    role: str
    manifest_digest: str
    items: tuple[Item, ...]

    @classmethod
    def create(cls, raw: Any) -> Transfer:
        return cls(
            id=raw["id"], date=parse_instant(raw["date"]), sender=raw["from"], recipient=raw["to"],
            type=raw["type"], reason=raw["reason"], change_ref=raw.get("change_ref"),
            signer=raw["signer"], role=raw["role"], manifest_digest=raw["manifest_digest"],
            items=tuple(Item(i["id"], i["path"], str(i["revision"]), i["sha256"], i["action"])
                        for i in raw["items"]),
        )

    def due(self, repo: RepoConfig) -> datetime:
        """When the recipient's acknowledgement is due (``repo.yaml``: this type's days)."""
        return self.date + timedelta(days=repo.ack_days(self.type))


@dataclass(frozen=True)
class Acknowledgement:
    transfer: str
    transfer_commit: str
    manifest_digest: str
    party: str
    signer: str
    role: str
    meaning: str
    date: datetime
    comment: str | None

    @classmethod
    def create(cls, raw: Any) -> Acknowledgement:
        return cls(
            transfer=raw["transfer"], transfer_commit=raw["transfer_commit"],
            manifest_digest=raw["manifest_digest"], party=raw["party"], signer=raw["signer"],
            role=raw["role"], meaning=raw["meaning"], date=parse_instant(raw["date"]),
            comment=raw.get("comment"),
        )


def ack_state(transfer: Transfer, ack: Acknowledgement | None, now: datetime,
              repo: RepoConfig) -> str:
    """acknowledged meaning, or pending / overdue."""
    if ack is not None:
        return ack.meaning
    return "overdue" if now > transfer.due(repo) else "pending"
