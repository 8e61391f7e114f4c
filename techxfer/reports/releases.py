"""``techxfer releases``: the release register, per batch its production and market release.

Built from the committed state (HEAD). Each signature shows the printed name, the date and
time with its zone, and the meaning (21 CFR 11.50), with the commit that recorded it; a
batch's records and closed deviations come from its production release. A batch released
again after rework shows the releases it superseded (each read from the commit that
recorded it, following ``supersedes``), with the reason. What the files say: whether each
release was rightly made is ``verify``'s finding (RELEASE_INVALID).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from techxfer.errors import TechxferError
from techxfer.format.layout import RELEASES_DIR, PathKind, kind, parse_release_path
from techxfer.model.release import MarketRelease, ProductionRelease, Signature, Supersedes
from techxfer.reports.i18n import term, word
from techxfer.reports.text import cell, shown
from techxfer.rules.release import register as release_register
from techxfer.state.config import Config
from techxfer.state.records import committed
from techxfer.state.snapshot import Snapshot, commit_snapshot
from techxfer.state.workspace import Workspace

STATES = ("released", "awaiting", "orphan", "market_stale", "rework")


def words(key: str, lang: str, **values: object) -> str:
    return word(f"releases.{key}", lang, **values)


def heading(text: str, lang: str) -> str:
    """TEXT followed by its colon, the way LANG writes it."""
    return word("heading", lang, label=text)


@dataclass(frozen=True)
class SignedRelease:
    step: str
    path: str
    commit: str | None
    signature: Signature
    printed_name: str
    supersedes: Supersedes | None = None
    superseded_by: str | None = None
    production_commit: str | None = None  # a market release: the production release it binds

    def as_json(self) -> dict[str, Any]:
        s = self.signature
        out: dict[str, Any] = {
            "step": self.step, "path": self.path, "commit": self.commit, "party": s.party,
            "signer": s.signer, "printed_name": self.printed_name, "role": s.role,
            "meaning": s.meaning, "date": s.date.isoformat(timespec="seconds"),
            "comment": s.comment,
            "supersedes": self.supersedes.as_dict() if self.supersedes else None}
        if self.production_commit is not None:
            out["production_commit"] = self.production_commit
        if self.superseded_by is not None:
            out["superseded_by"] = self.superseded_by
        return out

    def text(self, lang: str, commit_width: int = 10) -> str:
        s = self.signature
        commit = f" [{self.commit[:commit_width]}]" if self.commit else ""
        meaning = words("meaning", lang) if s.meaning == "released" else s.meaning
        return word("signature", lang, name=self.printed_name, party=s.party,
                    role=term("role", s.role, lang),
                     meaning=meaning, when=s.date.isoformat(sep=" ", timespec="seconds")) + commit


@dataclass
class BatchRow:
    batch: str
    production: SignedRelease | None = None
    market: SignedRelease | None = None
    records: list[dict[str, str]] = field(default_factory=list)
    deviations: list[dict[str, str]] = field(default_factory=list)
    superseded: list[SignedRelease] = field(default_factory=list)  # production ones, then market
    changed: bool = False  # a record the production release lists differs in the register now

    @property
    def state(self) -> str:
        if self.production is not None and self.changed:
            return "rework"  # changed since its production release, not yet released again
        if self.market is None:
            return "awaiting"
        if self.production is None:
            return "orphan"
        if self.market.production_commit not in (None, self.production.commit):
            return "market_stale"  # released again for production, not yet to market
        return "released"

    def as_json(self) -> dict[str, Any]:
        return {"batch": self.batch, "state": self.state,
                "production": self.production.as_json() if self.production else None,
                "market": self.market.as_json() if self.market else None,
                "records": self.records, "deviations": self.deviations,
                "superseded": [s.as_json() for s in self.superseded]}


@dataclass
class ReleaseRegister:
    commit: str
    config: Config
    rows: list[BatchRow] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"report": "releases", "commit": self.commit,
                "batches": [r.as_json() for r in self.rows]}


def _printed(config: Config, signature: Signature, lang: str) -> str:
    party = config.parties.resolve(signature.party)
    person = party.person(signature.signer) if party else None
    return person.display(lang) if person else signature.signer


def _read(snap: Snapshot, path: str, step: str) -> ProductionRelease | MarketRelease:
    if step == "production":
        return ProductionRelease.create(snap.load("release-production", path))
    return MarketRelease.create(snap.load("release-market", path))


def _recorded_in(ws: Workspace, path: str, added: dict[str, str],
                 record: ProductionRelease | MarketRelease) -> str | None:
    """The commit that recorded the file in force: the one that added it, or for a
    re-release the last (not a merge) that wrote it."""
    if record.supersedes is None:
        return added.get(path)
    for commit in reversed(ws.repo.commits_touching([path])):
        if len(ws.repo.commit_info(commit).parents) <= 1:
            return commit
    return added.get(path)


def build(ws: Workspace, lang: str = "en") -> ReleaseRegister:
    commit, snap, config = committed(ws)
    register = ReleaseRegister(commit, config)
    rows: dict[str, BatchRow] = {}
    added = ws.repo.commits_adding(RELEASES_DIR)  # one git log, not one per record
    for path in sorted(snap.paths_under(RELEASES_DIR)):
        path_kind = kind(path)
        if path_kind not in (PathKind.PRODUCTION_RELEASE, PathKind.MARKET_RELEASE):
            continue
        batch, step = parse_release_path(path) or ("", "")
        row = rows.setdefault(batch, BatchRow(batch))
        try:
            record = _read(snap, path, step)
        except TechxferError:  # a broken record is verify's finding; the register goes on
            continue  # noqa: S112
        if isinstance(record, ProductionRelease):
            row.records = [r.as_dict() for r in record.records]
            row.deviations = [d.as_dict() for d in record.deviations]
        signed = _signed(config, step, path, _recorded_in(ws, path, added, record), record, lang)
        if step == "production":
            row.production = signed
        else:
            row.market = signed
        row.superseded += _superseded(ws, config, step, path, signed, record, lang)
    listed = {(e.id, e.sha256) for e in release_register(snap) if e.status != "destroyed"}
    for row in rows.values():
        row.changed = any((r["id"], r["sha256"]) not in listed for r in row.records)
        row.superseded.sort(key=lambda s: s.step != "production")  # production first, stable
    register.rows = [rows[b] for b in sorted(rows)]
    ws.cache.flush()
    return register


def _signed(config: Config, step: str, path: str, commit: str | None,
            record: ProductionRelease | MarketRelease, lang: str,
            superseded_by: str | None = None) -> SignedRelease:
    bound = record.production.commit if isinstance(record, MarketRelease) else None
    return SignedRelease(step, path, commit, record.signature,
                         _printed(config, record.signature, lang), record.supersedes,
                         superseded_by, bound)


def _superseded(ws: Workspace, config: Config, step: str, path: str, current: SignedRelease,
                record: ProductionRelease | MarketRelease, lang: str) -> list[SignedRelease]:
    """The releases RECORD superseded, newest first, each as the commit it names recorded it."""
    out: list[SignedRelease] = []
    later, said = current, record.supersedes
    seen: set[str] = set()
    while said is not None and said.commit not in seen:
        seen.add(said.commit)
        try:
            older = _read(commit_snapshot(ws.repo, said.commit, ws.cache), path, step)
        except TechxferError:  # a wrong commit is verify's finding (RELEASE_INVALID)
            break
        later = _signed(config, step, path, said.commit, older, lang, later.commit)
        out.append(later)
        said = older.supersedes
    return out


def render(report: ReleaseRegister, fmt: str, lang: str = "en") -> str:
    if fmt == "json":
        return json.dumps(report.as_json(), ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(words("csv_header", lang).split("|"))
        for row in report.rows:
            writer.writerow([cell(row.batch), words(row.state, lang),
                             cell(row.production.text(lang)) if row.production else "",
                             cell(row.market.text(lang)) if row.market else "",
                             cell(" ".join(f"{r['id']}@{r['revision']}" for r in row.records)),
                             cell(" ".join(f"{d['id']}@{d['revision']}" for d in row.deviations)),
                             cell(" ".join(f"{s.step}@{s.commit}" for s in row.superseded))])
        return out.getvalue()
    lines = [words("title", lang, commit=report.commit[:10])]
    if not report.rows:
        lines.append(f"  {words('none', lang)}")
    for row in report.rows:
        lines.append(f"{heading(shown(row.batch), lang)}{words(row.state, lang)}")
        for key, signed in (("production", row.production), ("market", row.market)):
            lines.append(f"  {heading(words(key, lang), lang)}"
                         f"{shown(signed.text(lang)) if signed else '—'}")
            if signed is not None and signed.supersedes is not None:
                lines.append(f"    {heading(words('reason', lang), lang)}"
                             f"{shown(signed.supersedes.reason)}")
        if row.records:
            lines.append(f"  {heading(words('records', lang), lang)}" + ", ".join(
                shown(f"{r['id']} {word('rev', lang, revision=r['revision'])} {r['sha256'][:12]}…")
                for r in row.records))
        if row.deviations:
            lines.append(f"  {heading(words('deviations', lang), lang)}" + ", ".join(
                shown(f"{d['id']} {word('rev', lang, revision=d['revision'])} ({d['transfer']})")
                for d in row.deviations))
        for old in row.superseded:
            lines.append(f"  {heading(words('superseded', lang, step=term('step', old.step, lang)), lang)}"
                         f"{shown(old.text(lang))} → {(old.superseded_by or '')[:10]}")
    return "\n".join(lines) + "\n"
