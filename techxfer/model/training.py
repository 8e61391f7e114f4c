"""Training records (``training/<DOC-ID>@<REV>/<PARTY>.<PERSON>.yaml``, DESIGN section 11).

One person's signed statement that they were trained on one revision of a document
(read and understood: the meaning ``trained``). Built only from schema-valid data; who
must be trained on what, and whether a record counts, is the business of
``rules.training``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from techxfer.model.times import format_instant, parse_instant

TRAINED = "trained"  # the meaning every training record carries


@dataclass(frozen=True)
class TrainingRecord:
    document: str
    revision: str
    sha256: str
    party: str
    person: str
    role: str
    date: datetime
    comment: str | None = None
    meaning: str = TRAINED

    @classmethod
    def create(cls, raw: Any) -> TrainingRecord:
        return cls(document=str(raw["document"]), revision=str(raw["revision"]),
                   sha256=str(raw["sha256"]), party=str(raw["party"]), person=str(raw["person"]),
                   role=str(raw["role"]), date=parse_instant(raw["date"]),
                   comment=raw.get("comment"), meaning=str(raw["meaning"]))

    @property
    def key(self) -> tuple[str, str, str, str]:
        """(document, revision, party, person): one record each."""
        return self.document, self.revision, self.party, self.person

    def as_dict(self) -> dict[str, Any]:
        """The record as written (the schema's order)."""
        out: dict[str, Any] = {"document": self.document, "revision": self.revision,
                               "sha256": self.sha256, "party": self.party, "person": self.person,
                               "role": self.role, "meaning": self.meaning,
                               "date": format_instant(self.date)}
        if self.comment is not None:
            out["comment"] = self.comment
        return out
