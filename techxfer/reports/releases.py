"""``techxfer releases``: the release register, per batch its production and market release.

Built from the committed state (HEAD). Each signature shows the printed name, the date and
time with its zone, and the meaning (21 CFR 11.50), with the commit that recorded it; a
batch's records and closed deviations come from its production release. What the files
say: whether each release was rightly made is ``verify``'s finding (RELEASE_INVALID).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from techxfer.errors import TechxferError
from techxfer.format.layout import RELEASES_DIR, PathKind, kind, parse_release_path
from techxfer.model.release import MarketRelease, ProductionRelease, Signature
from techxfer.reports.text import cell, shown
from techxfer.state.config import Config
from techxfer.state.records import committed
from techxfer.state.workspace import Workspace

LABELS = {
    "en": {"title": "Batch release register", "batch": "Batch", "state": "State",
           "production": "Production release", "market": "Market release",
           "records": "Records", "deviations": "Closed deviations", "none": "no releases",
           "released": "released to market", "awaiting": "awaiting market release",
           "orphan": "market release without production release", "missing": "—"},
    "zh": {"title": "批放行记录", "batch": "批号", "state": "状态",
           "production": "生产放行", "market": "上市放行",
           "records": "批记录", "deviations": "已关闭偏差", "none": "无放行记录",
           "released": "已上市放行", "awaiting": "已生产放行，待上市放行",
           "orphan": "有上市放行但无生产放行", "missing": "—"},
}
MEANINGS_ZH = {"released": "放行"}


@dataclass(frozen=True)
class SignedRelease:
    path: str
    commit: str | None
    signature: Signature
    printed_name: str

    def as_json(self) -> dict[str, Any]:
        s = self.signature
        return {"path": self.path, "commit": self.commit, "party": s.party, "signer": s.signer,
                "printed_name": self.printed_name, "role": s.role, "meaning": s.meaning,
                "date": s.date.isoformat(timespec="seconds"), "comment": s.comment}

    def text(self, lang: str) -> str:
        s = self.signature
        meaning = MEANINGS_ZH.get(s.meaning, s.meaning) if lang == "zh" else s.meaning
        commit = f" [{self.commit[:10]}]" if self.commit else ""
        return (f"{self.printed_name} ({s.party}, {s.role}) — {meaning} — "
                f"{s.date.isoformat(sep=' ', timespec='seconds')}{commit}")


@dataclass
class BatchRow:
    batch: str
    production: SignedRelease | None = None
    market: SignedRelease | None = None
    records: list[dict[str, str]] = field(default_factory=list)
    deviations: list[dict[str, str]] = field(default_factory=list)

    @property
    def state(self) -> str:
        if self.market is not None:
            return "released" if self.production is not None else "orphan"
        return "awaiting"

    def as_json(self) -> dict[str, Any]:
        return {"batch": self.batch, "state": self.state,
                "production": self.production.as_json() if self.production else None,
                "market": self.market.as_json() if self.market else None,
                "records": self.records, "deviations": self.deviations}


@dataclass
class ReleaseRegister:
    commit: str
    rows: list[BatchRow] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"report": "releases", "commit": self.commit,
                "batches": [r.as_json() for r in self.rows]}


def _printed(config: Config, signature: Signature, lang: str) -> str:
    party = config.parties.resolve(signature.party)
    person = party.person(signature.signer) if party else None
    return person.display(lang) if person else signature.signer


def build(ws: Workspace, lang: str = "en") -> ReleaseRegister:
    commit, snap, config = committed(ws)
    register = ReleaseRegister(commit)
    rows: dict[str, BatchRow] = {}
    added = ws.repo.commits_adding(RELEASES_DIR)  # one git log, not one per record
    for path in sorted(snap.paths_under(RELEASES_DIR)):
        path_kind = kind(path)
        if path_kind not in (PathKind.PRODUCTION_RELEASE, PathKind.MARKET_RELEASE):
            continue
        batch = (parse_release_path(path) or ("", ""))[0]
        row = rows.setdefault(batch, BatchRow(batch))
        try:
            if path_kind is PathKind.PRODUCTION_RELEASE:
                production = ProductionRelease.create(snap.load("release-production", path))
                signature = production.signature
                row.records = [r.as_dict() for r in production.records]
                row.deviations = [d.as_dict() for d in production.deviations]
            else:
                signature = MarketRelease.create(snap.load("release-market", path)).signature
        except TechxferError:  # a broken record is verify's finding; the register goes on
            continue  # noqa: S112
        signed = SignedRelease(path, added.get(path), signature,
                               _printed(config, signature, lang))
        if path_kind is PathKind.PRODUCTION_RELEASE:
            row.production = signed
        else:
            row.market = signed
    register.rows = [rows[b] for b in sorted(rows)]
    return register


def render(report: ReleaseRegister, fmt: str, lang: str = "en") -> str:
    words = LABELS.get(lang, LABELS["en"])
    if fmt == "json":
        return json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([words[k] for k in ("batch", "state", "production", "market", "records",
                                            "deviations")])
        for row in report.rows:
            writer.writerow([cell(row.batch), words[row.state],
                             cell(row.production.text(lang)) if row.production else "",
                             cell(row.market.text(lang)) if row.market else "",
                             cell(" ".join(f"{r['id']}@{r['revision']}" for r in row.records)),
                             cell(" ".join(f"{d['id']}@{d['revision']}" for d in row.deviations))])
        return out.getvalue()
    lines = [f"{words['title']} ({report.commit[:10]})"]
    if not report.rows:
        lines.append(f"  {words['none']}")
    for row in report.rows:
        lines.append(f"{shown(row.batch)}: {words[row.state]}")
        for key, signed in (("production", row.production), ("market", row.market)):
            lines.append(f"  {words[key]}: "
                         f"{shown(signed.text(lang)) if signed else words['missing']}")
        if row.records:
            lines.append(f"  {words['records']}: " + ", ".join(
                shown(f"{r['id']} rev {r['revision']} {r['sha256'][:12]}…") for r in row.records))
        if row.deviations:
            lines.append(f"  {words['deviations']}: " + ", ".join(
                shown(f"{d['id']} rev {d['revision']} ({d['transfer']})") for d in row.deviations))
    return "\n".join(lines) + "\n"
