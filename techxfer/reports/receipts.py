"""``techxfer receipts``: the server's receipt log, oldest first (DESIGN section 10).

Each receipt with the server's time, whether its witness signature verified (and which
witness of the parties at HEAD made it), who pushed (the signer of the push certificate,
verified again here), and every ref update. ``verify`` judges the log; this lists it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from techxfer.errors import TechxferError
from techxfer.findings import Finding, Msg
from techxfer.format.layout import CONFIG_DIR, RECEIPTS_REF
from techxfer.model.receipt import RefUpdate, is_zero
from techxfer.reports.i18n import message, render, term, title, word
from techxfer.rules.push_certificate import certificate_signer
from techxfer.rules.receipts import ReceiptLog
from techxfer.state.cache import BlobCache
from techxfer.state.config import Config, load_config
from techxfer.state.receipts import read_chain
from techxfer.state.snapshot import GitSnapshot
from techxfer.state.workspace import Workspace


@dataclass(frozen=True)
class ReceiptRow:
    commit: str
    server_time: datetime | None
    status: str  # "verified", or the finding code of its problem
    witness: str | None
    signed_push: bool
    pushed_by: str | None
    push_status: str | None  # "verified", or why the certificate's signer is not known
    updates: tuple[RefUpdate, ...]
    push_problem: Msg | None = None  # ``push_status`` by message id, when it is a problem

    def as_json(self) -> dict[str, Any]:
        return {"commit": self.commit,
                "server_time": self.server_time.isoformat() if self.server_time else None,
                "status": self.status, "witness": self.witness, "signed_push": self.signed_push,
                "pushed_by": self.pushed_by, "push_status": self.push_status,
                "updates": [u.as_record() for u in self.updates]}


@dataclass
class ReceiptList:
    tip: str | None
    rows: list[ReceiptRow] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"ref": RECEIPTS_REF, "tip": self.tip, "receipts": [r.as_json() for r in self.rows],
                "problems": [f.as_json() for f in self.problems]}


def _config_at_head(ws: Workspace) -> Config | None:
    head = ws.repo.head()
    if head is None:
        return None
    _, entries = ws.repo.subtree(head, CONFIG_DIR)
    try:
        return load_config(GitSnapshot(ws.repo, entries, f"commit {head[:10]}", BlobCache(None)))
    except TechxferError:
        return None


def receipt_list(ws: Workspace, lang: str = "en") -> ReceiptList:
    chain = read_chain(ws.repo)
    out = ReceiptList(chain.tip)
    if chain.tip is None:
        return out
    log = ReceiptLog(ws.repo, chain, ())  # listed, not asked for commits' times
    config = _config_at_head(ws)
    out.problems = log.findings(config)
    witnesses = {w.receipt.commit: w.key for w in log.trusted}
    for link in chain.links:
        receipt = link.receipt
        status = log.status.get(link.commit, "RECEIPT_INVALID")
        witness = None
        key = witnesses.get(link.commit)
        if key is not None and config is not None:
            listed = config.parties.find_witness(key)
            witness = listed[0].id if listed else None
        if receipt is None:
            out.rows.append(ReceiptRow(link.commit, None, status, witness, False, None, None, ()))
            continue
        cert = receipt.certificate
        pushed_by = push_status = problem = None
        if cert is not None and cert.text is not None:
            signer, _, problem = certificate_signer(cert.text, config, receipt.server_time)
            if signer is not None:
                pushed_by = f"{signer.person.display(lang)} ({signer.party.id}:{signer.person.id})"
            push_status = problem.text if problem is not None else "verified"
        out.rows.append(ReceiptRow(link.commit, receipt.server_time, status, witness,
                                   cert is not None, pushed_by, push_status, receipt.updates,
                                   problem))
    return out


def _short(oid: str, lang: str) -> str:
    return word("none_ref", lang) if is_zero(oid) else oid[:10]


def render_receipts(listing: ReceiptList, fmt: str, lang: str = "en") -> str:
    if fmt == "json":
        return json.dumps(listing.as_json(), ensure_ascii=False, indent=2) + "\n"
    if listing.tip is None:
        return word("no_receipts", lang, ref=RECEIPTS_REF) + "\n"
    lines = [f"{RECEIPTS_REF} @ {listing.tip[:10]}"]
    for row in listing.rows:
        when = row.server_time.strftime("%Y-%m-%d %H:%M:%SZ") if row.server_time else "?"
        witness = f"{word('witness', lang)} {row.witness or '?'}"
        status = term("status", row.status, lang)
        if not row.signed_push:
            pusher = word("unsigned_push", lang)
        else:
            who = row.pushed_by or "?"
            why = render(row.push_problem, lang) if row.push_problem else row.push_status
            pusher = word("pushed_by", lang, who=who) + (
                "" if row.push_status == "verified" else f" [{why}]")
        lines.append(f"{when}  {row.commit[:10]}  {witness} [{status}]  {pusher}")
        for u in row.updates:
            lines.append(f"    {u.ref}  {_short(u.old, lang)} → {_short(u.new, lang)}")
    for problem in listing.problems:
        code = problem.code.value if lang != "zh" \
            else f"{problem.code.value}（{title(problem.code, lang)}）"
        lines.append(word("problem_line", lang, code=code, commit=(problem.commit or "")[:10],
                          message=message(problem, lang)))
    return "\n".join(lines) + "\n"
