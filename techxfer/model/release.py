"""Batch release records (DESIGN 11): the manufacturer's production release, then the
registrant's market release bound to it (``releases/<BATCH>/production.yaml``,
``market.yaml``).

Which register entries belong to a batch is decided here once, so the command that
lists them and the rule that judges the list agree: an entry whose ``x-batch`` names
the batch, or a batch record or deviation report whose id is the batch number or ends
with ``-<BATCH>`` (``BR-B2026-0001`` for batch ``B2026-0001``, as ``techxfer demo``
registers them). Deviation reports are the entries of category ``deviation``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from techxfer.model.manifest import DocumentEntry
from techxfer.model.times import parse_instant

BATCH_KEY = "x-batch"  # an extension key of a register entry naming its batch
DEVIATION_CATEGORY = "deviation"
BATCH_CATEGORIES = ("batch-record", DEVIATION_CATEGORY)  # named by their id as well
RELEASED = "released"  # the meaning both release signatures carry
BATCH_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", re.ASCII)  # as the schemas say


def names_batch(entry: DocumentEntry, batch: str) -> bool:
    named = dict(entry.raw).get(BATCH_KEY)
    if named is not None:
        return str(named) == batch
    return entry.category in BATCH_CATEGORIES and (entry.id == batch
                                                   or entry.id.endswith(f"-{batch}"))


def batch_records(entries: Iterable[DocumentEntry], batch: str) -> list[DocumentEntry]:
    """The batch's records in a register (not its deviation reports, not destroyed ones)."""
    return sorted((e for e in entries if names_batch(e, batch) and e.status != "destroyed"
                   and e.category != DEVIATION_CATEGORY), key=lambda e: e.id)


def deviations(entries: Iterable[DocumentEntry], batch: str) -> list[DocumentEntry]:
    """The batch's deviation reports in a register."""
    return sorted((e for e in entries if names_batch(e, batch) and e.status != "destroyed"
                   and e.category == DEVIATION_CATEGORY), key=lambda e: e.id)


@dataclass(frozen=True)
class ReleasedRecord:
    id: str
    path: str
    revision: str
    sha256: str

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "path": self.path, "revision": self.revision,
                "sha256": self.sha256}


@dataclass(frozen=True)
class ClosedDeviation:
    """A deviation report's revision, closed by the registrant's approval of the transfer
    that carried it."""

    id: str
    revision: str
    sha256: str
    transfer: str
    approval_commit: str

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "revision": self.revision, "sha256": self.sha256,
                "transfer": self.transfer, "approval_commit": self.approval_commit}


@dataclass(frozen=True)
class Signature:
    """Who released, as the record says: party, person, role, meaning, when, why."""

    party: str
    signer: str
    role: str
    meaning: str
    date: datetime
    comment: str

    @classmethod
    def create(cls, raw: Any) -> Signature:
        return cls(raw["party"], raw["signer"], raw["role"], raw["meaning"],
                   parse_instant(raw["date"]), raw["comment"])


@dataclass(frozen=True)
class Supersedes:
    """A re-release after rework names the release it replaces: the commit that recorded
    it, that file's SHA-256, and why the batch is released again. The only way a release
    record is rewritten; the replaced one stays in the history."""

    commit: str
    sha256: str
    reason: str

    @classmethod
    def create(cls, raw: Any) -> Supersedes | None:
        found = raw.get("supersedes") if isinstance(raw, dict) else None
        if found is None:
            return None
        return cls(found["commit"], found["sha256"], found["reason"])

    def as_dict(self) -> dict[str, str]:
        return {"commit": self.commit, "sha256": self.sha256, "reason": self.reason}


@dataclass(frozen=True)
class ProductionRelease:
    batch: str
    signature: Signature
    records: tuple[ReleasedRecord, ...]
    deviations: tuple[ClosedDeviation, ...]
    supersedes: Supersedes | None = None

    @classmethod
    def create(cls, raw: Any) -> ProductionRelease:
        return cls(
            batch=raw["batch"], signature=Signature.create(raw),
            records=tuple(ReleasedRecord(r["id"], r["path"], str(r["revision"]), r["sha256"])
                          for r in raw["records"]),
            deviations=tuple(ClosedDeviation(d["id"], str(d["revision"]), d["sha256"],
                                             d["transfer"], d["approval_commit"])
                             for d in raw["deviations"]),
            supersedes=Supersedes.create(raw),
        )


@dataclass(frozen=True)
class ProductionRef:
    """The production release a market release reviewed: its path, the commit that
    recorded it, and the SHA-256 of its file."""

    path: str
    commit: str
    sha256: str


@dataclass(frozen=True)
class MarketRelease:
    batch: str
    signature: Signature
    production: ProductionRef
    supersedes: Supersedes | None = None

    @classmethod
    def create(cls, raw: Any) -> MarketRelease:
        p = raw["production"]
        return cls(raw["batch"], Signature.create(raw),
                   ProductionRef(p["path"], p["commit"], p["sha256"]), Supersedes.create(raw))


def record_data(step: str, batch: str, signature: Signature, body: dict[str, Any]) -> dict[str, Any]:
    """A release record as written: the batch and step, the signature, then BODY."""
    from techxfer.model.times import format_instant

    return {"batch": batch, "step": step, "date": format_instant(signature.date),
            "party": signature.party, "signer": signature.signer, "role": signature.role,
            "meaning": signature.meaning, "comment": signature.comment, **body}
