"""Disposition and distribution records (``dispositions/``, ``distributions/``); a
distribution lists the copies it hands out and the earlier copies given back.

Built only from schema-valid data; past this boundary nobody reads a raw dict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from techxfer.model.times import parse_instant


@dataclass(frozen=True)
class DisposedRecord:
    id: str
    path: str
    revision: str
    sha256: str


@dataclass(frozen=True)
class Disposition:
    """A record destroyed: what, why, on which notice and whose approval."""

    id: str
    date: datetime
    party: str
    signer: str
    reason: str
    notice: str
    approval_commit: str
    records: tuple[DisposedRecord, ...]

    @classmethod
    def create(cls, raw: Any) -> Disposition:
        return cls(
            id=str(raw["id"]), date=parse_instant(raw["date"]), party=str(raw["party"]),
            signer=str(raw["signer"]), reason=str(raw["reason"]), notice=str(raw["notice"]),
            approval_commit=str(raw["approval_commit"]),
            records=tuple(DisposedRecord(str(r["id"]), str(r["path"]), str(r["revision"]),
                                         str(r["sha256"])) for r in raw["records"]),
        )

    def lists(self, doc_id: str) -> bool:
        return any(r.id == doc_id for r in self.records)


@dataclass(frozen=True)
class Copy:
    copy: str
    id: str
    path: str
    revision: str
    sha256: str
    copy_sha256: str
    stamped: bool
    transfer: str | None


@dataclass(frozen=True)
class Skipped:
    id: str
    path: str
    revision: str | None
    reason: str


@dataclass(frozen=True)
class Returned:
    """A copy of an earlier distribution given back (recalled), as of the record's date."""

    copy: str
    id: str
    revision: str
    reason: str | None


@dataclass(frozen=True)
class Distribution:
    """Controlled copies handed out: every copy number with both hashes, and their source."""

    id: str
    date: datetime
    party: str
    signer: str
    recipient: str
    commit: str
    stamped: bool
    purpose: str | None
    copies: tuple[Copy, ...]
    skipped: tuple[Skipped, ...]
    returned: tuple[Returned, ...] = ()

    @classmethod
    def create(cls, raw: Any) -> Distribution:
        stamped = bool(raw["stamped"])
        return cls(
            id=str(raw["id"]), date=parse_instant(raw["date"]), party=str(raw["party"]),
            signer=str(raw["signer"]), recipient=str(raw["recipient"]), commit=str(raw["commit"]),
            stamped=stamped, purpose=raw.get("purpose"),
            copies=tuple(Copy(str(c["copy"]), str(c["id"]), str(c["path"]), str(c["revision"]),
                              str(c["sha256"]), str(c["copy_sha256"]), bool(c.get("stamped", stamped)),
                              c.get("transfer")) for c in raw["copies"]),
            skipped=tuple(Skipped(str(s["id"]), str(s["path"]),
                                  None if s.get("revision") is None else str(s["revision"]),
                                  str(s["reason"])) for s in raw.get("skipped", [])),
            returned=tuple(Returned(str(r["copy"]), str(r["id"]), str(r["revision"]),
                                    r.get("reason")) for r in raw.get("returned", [])),
        )
