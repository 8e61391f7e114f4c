"""``techxfer retention report``: every record's class, dates, computed end and state.

Built from the committed state (HEAD): what the repository holds, not what is on a desk.
Destroyed records stay in the report with the disposition that removed them, and a
record's older revisions are listed under it as ``superseded`` rows: their content is still
in the history and their retention runs from their own dates.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from techxfer.errors import TechxferError
from techxfer.format.layout import DISPOSITIONS_DIR, PathKind, kind
from techxfer.model.records import Disposition
from techxfer.model.times import now
from techxfer.reports.revisions import revisions, superseded_rows
from techxfer.reports.text import cell, shown
from techxfer.rules.register import check_state
from techxfer.rules.release import release_dates
from techxfer.rules.retention import RecordRetention, assess
from techxfer.state.config import Config
from techxfer.state.records import committed
from techxfer.state.workspace import Workspace

STATES = ("retain", "eligible", "held", "destroyed")


@dataclass
class RetentionReport:
    commit: str
    config: Config
    as_of: datetime
    rows: list[RecordRetention] = field(default_factory=list)
    dispositions: dict[str, str] = field(default_factory=dict)  # doc id → DISP id

    def disposition_of(self, row: RecordRetention) -> str | None:
        """The disposition that destroyed this row's record (none for an older revision:
        ``dispose`` removes the tree's file, its older content stays in the history)."""
        return self.dispositions.get(row.entry.id) if row.standing == "current" else None

    def totals(self) -> dict[str, int]:
        counts = Counter(r.state for r in self.rows)
        return {state: counts.get(state, 0) for state in STATES}

    def as_json(self) -> dict[str, Any]:
        return {
            "report": "retention", "commit": self.commit,
            "as_of": self.as_of.isoformat(timespec="seconds"), "totals": self.totals(),
            # One row per id under "records" (as readers key them); older revisions apart.
            "records": [{**r.as_json(), "disposition": self.disposition_of(r)}
                        for r in self.rows if r.standing == "current"],
            "superseded": [r.as_json() for r in self.rows if r.standing == "superseded"],
        }


def build(ws: Workspace, as_of: datetime | None = None) -> RetentionReport:
    as_of = as_of or now()
    commit, snap, config = committed(ws)
    report = RetentionReport(commit, config, as_of)
    entries = sorted(check_state(snap).entries(), key=lambda e: e.path)
    history = revisions(ws, set(snap.manifest_set), commit)
    released = release_dates(snap)
    for entry in entries:
        report.rows.append(assess(entry, config, as_of, released))
        report.rows.extend(superseded_rows(history.get(entry.id, []), config, as_of))
    # A disposition is believed only for the records the register marks destroyed: a
    # file under dispositions/ naming a live record proves nothing (verify judges it).
    destroyed = {(e.id, e.path) for e in entries if e.status == "destroyed"}
    for path in sorted(p for p in snap.paths_under(DISPOSITIONS_DIR)
                       if kind(p) is PathKind.DISPOSITION):
        try:
            record = Disposition.create(snap.load("disposition", path))
        except TechxferError:  # a broken record is verify's finding; the report goes on
            continue  # noqa: S112
        for item in record.records:
            if (item.id, item.path) in destroyed:
                report.dispositions[item.id] = record.id
    ws.cache.flush()
    return report


def _end(r: RecordRetention) -> str:
    return "permanent" if r.end.permanent else (r.end.end.isoformat() if r.end.end else "?")


CSV_COLUMNS = ["id", "path", "title", "revision", "status", "class", "created", "effective",
               "released", "obsolete", "end", "basis", "state", "holds", "disposition",
               "replaced_by", "replaced_commit"]


def render_csv(report: RetentionReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in report.rows:
        e = r.entry
        dates = dict(e.dates)
        writer.writerow([cell(c) for c in (
            e.id, e.path, e.title, e.revision, r.status, r.retention_class,
            dates.get("created", ""), dates.get("effective", ""), dates.get("released", ""),
            dates.get("obsolete", ""), _end(r), r.end.reason, r.state, " ".join(r.holds),
            report.disposition_of(r) or "", r.replaced_by or "", r.replaced_commit or "")])
    return out.getvalue()


def render_table(report: RetentionReport, lang: str = "en") -> str:
    from techxfer.reports.i18n import label, ljust, pdf_word, render, term, word

    lines = [f"{pdf_word('retention_title', lang)} · {pdf_word('as_of', lang)} "
             f"{report.as_of.date()} ({label(lang, 'commit')} {report.commit[:10]})", ""]
    heads = (label(lang, "doc_id"), label(lang, "rev"), pdf_word("class", lang),
             pdf_word("status", lang), pdf_word("end", lang), label(lang, "state"))
    widths = (16, 5, 13, 10, 11, 10)
    lines.append(" ".join(ljust(h, w) for h, w in zip(heads, widths, strict=True)) + " "
                 + pdf_word("basis", lang))
    for r in report.rows:
        why = ", ".join(r.holds) if r.holds else report.disposition_of(r) or render(r.end.basis, lang)
        if r.standing == "superseded":
            why = word("superseded_by", lang, rev=r.replaced_by,
                       commit=(r.replaced_commit or "")[:10]) + f"; {why}"
        values = (r.entry.id, r.entry.revision, r.retention_class, term("status", r.status, lang),
                  _end(r), term("state", r.state, lang))
        lines.append(" ".join(ljust(v, w) for v, w in zip(values, widths, strict=True)) + " " + why)
    totals = report.totals()
    lines += ["", f"{pdf_word('totals', lang)}: "
              + ", ".join(f"{term('state', k, lang)} {v}" for k, v in totals.items())]
    return "\n".join(shown(line) for line in lines) + "\n"


def render(report: RetentionReport, fmt: str, output: str | None,
           echo: Callable[[str], None], lang: str = "en") -> None:
    """The text formats; the PDF is ``pdf_retention``'s."""
    from techxfer.format.fileio import write_atomic

    text = (render_csv(report) if fmt == "csv" else
            json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n" if fmt == "json"
            else render_table(report, lang))
    if output is None:
        echo(text.rstrip("\n"))
    else:
        write_atomic(Path(output), text.encode())
