"""``techxfer duty record``: a recurring quality duty carried out, as a signed record
(``audits/<AUD-ID>.yaml``, DESIGN section 11). The record is judged by the same rule
``verify`` uses (``rules.duties.record_problems``) before anything is written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from techxfer.commands.init import render
from techxfer.commands.transfer import current_signer
from techxfer.errors import RefusedError, UsageError
from techxfer.findings import listing, msg, roles_or_nobody, several, term
from techxfer.format.fileio import Transaction
from techxfer.format.layout import duty_path
from techxfer.git.signing import index_guard, signed_commit
from techxfer.model.duties import DUTY_KINDS, DutyRecord
from techxfer.model.times import format_instant, now
from techxfer.model.transfer import new_id
from techxfer.rules.authorisation import holds_role
from techxfer.rules.duties import record_problems, register_of
from techxfer.state.records import committed
from techxfer.state.workspace import Workspace


@dataclass(frozen=True)
class DutyRequest:
    kind: str
    performed: date
    summary: str
    period: int | None = None
    subject: str | None = None
    submitted: date | None = None
    report: str | None = None
    documents: Sequence[str] = ()
    role: str | None = None


def record_duty(ws: Workspace, req: DutyRequest) -> tuple[DutyRecord, str]:
    """Write and commit one duty record; (the record, its commit)."""
    if req.kind not in DUTY_KINDS:
        raise UsageError(msg("refuse.unknown_duty", "unknown duty {kind!r} (one of {kinds})",
                             kind=req.kind, kinds=listing(*DUTY_KINDS)))
    when = now()
    _, snap, config = committed(ws)
    signer = current_signer(ws, config, when)
    allowed = config.policy.roles_for_duty(req.kind)
    role = req.role or holds_role(config, signer, allowed)
    if role is None:
        raise RefusedError(msg("refuse.no_duty_role", "{who} holds no role that may sign a "
                               "{kind} record ({roles})", who=f"{signer.party.id}:{signer.person.id}",
                               kind=term("duty", req.kind), roles=roles_or_nobody(allowed)))
    register = register_of(snap)
    documents = []
    for doc_id in dict.fromkeys(req.documents):
        entry = register.get(doc_id)
        if entry is None:
            raise UsageError(msg("refuse.duty_document", "--document: unknown document id {id}",
                                 id=doc_id))
        documents.append({"id": doc_id, "revision": entry.revision})
    if req.kind == "document-review" and not documents:
        raise UsageError(msg("refuse.review_documents", "a document review names the documents "
                             "reviewed (--document ID)"))
    if req.kind == "self-inspection" and (req.period is None or req.submitted is None):
        raise UsageError(msg("refuse.self_inspection", "a self-inspection record names the year "
                             "inspected (--period) and when the report went to the authority "
                             "(--submitted)"))
    subject = req.subject
    if req.kind == "supplier-audit" and subject is None:
        other = config.parties.other(signer.party)
        subject = other.id if other is not None else None
    aud_id = new_id("AUD", signer.party.seat, when)
    raw: dict[str, Any] = {
        "id": aud_id, "kind": req.kind, "date": format_instant(when), "party": signer.party.id,
        "signer": signer.person.id, "role": role, "performed": req.performed.isoformat(),
    }
    if req.period is not None:
        raw["period"] = req.period
    if subject is not None:
        raw["subject"] = subject
    if req.submitted is not None:
        raw["submitted"] = req.submitted.isoformat()
    raw["summary"] = req.summary
    if req.report is not None:
        raw["report"] = req.report
    if documents:
        raw["documents"] = documents
    path = duty_path(aud_id)
    data = render("duty", raw, path)
    record = DutyRecord.create(raw)
    problems = record_problems(record, path, signer, config, register)
    if problems:
        raise RefusedError(msg("refuse.duty_record", "{kind} record refused: {problems}",
                               kind=term("duty", req.kind), problems=several(*(m for _, m in problems))))
    with Transaction() as tx, index_guard(ws.repo):
        tx.write(ws.root / path, data)
        ws.repo.add([path])
        commit = signed_commit(ws.repo, f"Duty {aud_id} ({req.kind}): {req.summary}", only=[path])
    return record, commit
