"""Lifecycle records (DESIGN 11): a revision's approval by its owner
(``approvals/<DOC-ID>@<REV>.yaml``) and a change request's confirmed implementation
(``transfers/<TX-ID>/implemented.yaml``).

Built only from schema-valid data. Whether a record is one its signer may make, and what
it allows, is the business of ``rules.lifecycle``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date as Day
from datetime import datetime
from typing import Any

from techxfer.model.manifest import DocumentEntry
from techxfer.model.times import format_instant, parse_instant

APPROVED = "approved"
IMPLEMENTED = "implemented"


def approval_step(old: DocumentEntry | None, new: DocumentEntry | None) -> bool:
    """Is OLD → NEW a draft made effective and nothing else (``techxfer approve``)? Such a
    change is the approver's to make, in the commit adding the approval record: the path
    rules leave it to the lifecycle rule, which judges the approval (rules.lifecycle)."""
    if old is None or new is None or (old.status, new.status) != ("draft", "effective"):
        return False
    rest = {k: v for k, v in old.as_dict().items() if k not in ("status", "effective")}
    return rest == {k: v for k, v in new.as_dict().items() if k not in ("status", "effective")}


@dataclass(frozen=True)
class RevisionApproval:
    """The owner's approver signed this revision, with this content, effective that day."""

    document: str
    revision: str
    sha256: str
    party: str
    signer: str
    role: str
    meaning: str
    date: datetime
    effective: Day
    comment: str | None = None

    @classmethod
    def create(cls, raw: Any) -> RevisionApproval:
        return cls(document=str(raw["document"]), revision=str(raw["revision"]),
                   sha256=str(raw["sha256"]), party=str(raw["party"]), signer=str(raw["signer"]),
                   role=str(raw["role"]), meaning=str(raw["meaning"]),
                   date=parse_instant(raw["date"]),
                   effective=Day.fromisoformat(str(raw["effective"])),
                   comment=raw.get("comment"))

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "document": self.document, "revision": self.revision, "sha256": self.sha256,
            "party": self.party, "signer": self.signer, "role": self.role,
            "meaning": self.meaning, "date": format_instant(self.date),
            "effective": self.effective.isoformat()}
        if self.comment:
            out["comment"] = self.comment
        return out


@dataclass(frozen=True)
class Implementation:
    """The implementing party confirms an approved change request is in use from a batch on."""

    transfer: str
    transfer_commit: str
    party: str
    signer: str
    role: str
    meaning: str
    first_batch: str
    date: datetime
    comment: str | None = None

    @classmethod
    def create(cls, raw: Any) -> Implementation:
        return cls(transfer=str(raw["transfer"]), transfer_commit=str(raw["transfer_commit"]),
                   party=str(raw["party"]), signer=str(raw["signer"]), role=str(raw["role"]),
                   meaning=str(raw["meaning"]), first_batch=str(raw["first_batch"]),
                   date=parse_instant(raw["date"]), comment=raw.get("comment"))

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "transfer": self.transfer, "transfer_commit": self.transfer_commit,
            "party": self.party, "signer": self.signer, "role": self.role,
            "meaning": self.meaning, "first_batch": self.first_batch,
            "date": format_instant(self.date)}
        if self.comment:
            out["comment"] = self.comment
        return out
