"""Records of recurring quality duties (``audits/<AUD-ID>.yaml``, DESIGN section 11).

Built only from schema-valid data. What is due, and when, is the business of
``rules.duties``; a record only says what was done, by whom and for which period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date as Day
from datetime import datetime
from typing import Any

from techxfer.model.times import format_instant, parse_instant

DUTY_KINDS = ("supplier-audit", "self-inspection", "agreement-review", "document-review",
              "management-review")


@dataclass(frozen=True)
class ReviewedDocument:
    id: str
    revision: str


@dataclass(frozen=True)
class DutyRecord:
    id: str
    kind: str
    date: datetime  # when it was signed
    party: str
    signer: str
    role: str
    performed: Day  # when the activity took place
    summary: str
    period: int | None = None
    subject: str | None = None
    submitted: Day | None = None
    report: str | None = None
    documents: tuple[ReviewedDocument, ...] = ()

    @classmethod
    def create(cls, raw: Any) -> DutyRecord:
        def day(value: Any) -> Day | None:
            return Day.fromisoformat(str(value)) if value is not None else None

        performed = day(raw["performed"])
        assert performed is not None  # required by the schema
        return cls(
            id=str(raw["id"]), kind=str(raw["kind"]), date=parse_instant(raw["date"]),
            party=str(raw["party"]), signer=str(raw["signer"]), role=str(raw["role"]),
            performed=performed, summary=str(raw["summary"]),
            period=int(raw["period"]) if raw.get("period") is not None else None,
            subject=raw.get("subject"), submitted=day(raw.get("submitted")),
            report=raw.get("report"),
            documents=tuple(ReviewedDocument(str(d["id"]), str(d["revision"]))
                            for d in raw.get("documents", ())),
        )

    def as_dict(self) -> dict[str, Any]:
        """The record as written (``yamlio`` order: the schema's)."""
        out: dict[str, Any] = {"id": self.id, "kind": self.kind}
        out.update(date=format_instant(self.date), party=self.party, signer=self.signer,
                   role=self.role, performed=self.performed.isoformat())
        if self.period is not None:
            out["period"] = self.period
        if self.subject is not None:
            out["subject"] = self.subject
        if self.submitted is not None:
            out["submitted"] = self.submitted.isoformat()
        out["summary"] = self.summary
        if self.report is not None:
            out["report"] = self.report
        if self.documents:
            out["documents"] = [{"id": d.id, "revision": d.revision} for d in self.documents]
        return out
