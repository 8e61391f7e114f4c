"""``techxfer training``: the training matrix of one committed state (DESIGN section 11).

Each effective revision of a category the policy's ``training:`` names, against each
person in the named roles (whose key is valid on the date): trained when, or a gap and
since when it is due. The rule is ``rules.training.matrix``; records are read as
committed (``techxfer verify`` judges who signed them). A report: it exits 0 with gaps.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from techxfer.reports.i18n import term, word
from techxfer.reports.text import cell
from techxfer.rules.duties import register_of
from techxfer.rules.training import MatrixRow, matrix, records_of
from techxfer.state.records import committed, load_records
from techxfer.state.workspace import Workspace


@dataclass
class TrainingReport:
    commit: str
    as_of: date
    categories: dict[str, list[str]]  # category → the role refs named
    rows: list[MatrixRow] = field(default_factory=list)

    def gaps(self) -> list[MatrixRow]:
        return [r for r in self.rows if r.state == "gap"]

    def as_json(self) -> dict[str, Any]:
        return {"report": "training", "commit": self.commit, "as_of": self.as_of.isoformat(),
                "required": self.categories,
                "rows": [{"document": r.document, "revision": r.revision, "title": r.title,
                          "category": r.category, "party": r.party, "person": r.person,
                          "name": r.name, "roles": list(r.roles), "state": r.state,
                          "due_since": r.since.isoformat() if r.since else None,
                          "trained": r.trained.isoformat() if r.trained else None,
                          "record": r.record} for r in self.rows],
                "gaps": len(self.gaps())}


def build_training(ws: Workspace, as_of: date) -> TrainingReport:
    commit, snap, config = committed(ws)
    records = load_records(snap)
    rows = matrix(config, register_of(snap).values(), records_of(snap), records.transfers,
                  records.acks, as_of)
    ws.cache.flush()
    return TrainingReport(commit, as_of, {c: [str(r) for r in refs]
                                          for c, refs in config.policy.training}, rows)


def _word(key: str, lang: str, **kwargs: object) -> str:
    return word(f"training.{key}", lang, **kwargs)


def render_training(report: TrainingReport, fmt: str, lang: str,
                    echo: Callable[[str], None]) -> None:
    if fmt == "json":
        echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
        return
    echo(_word("title", lang, as_of=report.as_of.isoformat(), commit=report.commit[:10]))
    if not report.categories:
        echo(_word("none_required", lang))
        return
    for category, refs in report.categories.items():
        echo(_word("required", lang, category=cell(category), roles=", ".join(refs)))
    echo(" | ".join(_word("header", lang).split("|")))
    for r in report.rows:
        if r.state == "trained":
            state = _word("trained_on", lang, on=r.trained.isoformat() if r.trained else "-")
        elif r.state == "gap":
            state = _word("gap_since", lang, since=r.since.isoformat() if r.since else "-")
        else:
            state = _word("awaiting", lang)
        echo(" | ".join([cell(f"{r.document} rev {r.revision}"), cell(r.party),
                         cell(f"{r.name} ({r.person})"),
                         ", ".join(term("role", role, lang) for role in r.roles), state]))
    if not report.rows:
        echo(_word("no_rows", lang))
    gaps = len(report.gaps())
    echo(_word("gaps", lang, n=gaps) if gaps else _word("no_gaps", lang))
    echo(_word("unverified", lang))
