"""``techxfer train DOC-ID``: the signer's own record of having been trained on (read and
understood) the current effective revision of a document (DESIGN section 11), written as
``training/<DOC-ID>@<REV>/<PARTY>.<PERSON>.yaml`` in one signed commit. Judged before
anything is written by the rule ``verify`` uses (``rules.training.record_problems``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from techxfer.commands.init import render
from techxfer.commands.transfer import current_signer
from techxfer.errors import RefusedError, UsageError
from techxfer.findings import listing, msg, several, term
from techxfer.format.fileio import Transaction
from techxfer.format.layout import training_path
from techxfer.git.signing import index_guard, signed_commit
from techxfer.model.times import format_instant, now
from techxfer.model.training import TRAINED, TrainingRecord
from techxfer.rules.duties import register_of
from techxfer.rules.meanings import carrying_role, meaning_problem
from techxfer.rules.training import makers_roles, record_problems
from techxfer.state.records import committed
from techxfer.state.workspace import Workspace


@dataclass(frozen=True)
class Trained:
    record: TrainingRecord
    path: str
    commit: str


def train(ws: Workspace, doc_id: str, revision: str | None, comment: str | None, *,
          when: datetime | None = None) -> Trained:
    """Write and commit the signer's training record on DOC_ID (its current revision, or
    REVISION, which must be it)."""
    when = when or now()
    _, snap, config = committed(ws)
    signer = current_signer(ws, config, when)
    who = f"{signer.party.id}:{signer.person.id}"
    register = register_of(snap)
    entry = register.get(doc_id)
    if entry is None:
        raise UsageError(msg("refuse.unknown_id_head", "unknown document id {id!r} (not in the "
                             "register at HEAD)", id=doc_id))
    if revision is not None and revision != entry.revision:
        raise RefusedError(msg("refuse.train_revision", "{id} rev {asked} is not the revision in "
                               "force: the register holds rev {revision} ({status})", id=doc_id,
                               asked=revision, revision=entry.revision,
                               status=term("status", entry.status)))
    if entry.status != "effective":
        raise RefusedError(msg("refuse.train_not_effective", "{id} rev {revision} is {status}: "
                               "training is recorded on effective revisions only", id=doc_id,
                               revision=entry.revision, status=term("status", entry.status)))
    refs = config.policy.training_roles(entry.category)
    if not refs:
        raise RefusedError(msg("refuse.train_not_required", "the policy's training: names no "
                               "roles for category {category!r} ({id}): no training is required "
                               "on it", category=entry.category, id=doc_id))
    named = makers_roles(config, signer.party.id, signer.person, entry.category)
    if not named:
        raise RefusedError(msg("refuse.train_roles", "{who} holds none of the roles "
                               "training.{category} names ({roles})", who=who,
                               category=entry.category, roles=listing(*map(str, refs))))
    role = carrying_role(config, signer.party.id, named, TRAINED)
    if role is None:
        problem = meaning_problem(config, signer, TRAINED)
        raise RefusedError(problem if problem is not None else msg(
            "refuse.train_meaning", "{who} ({roles}) may not sign '{meaning}': the policy's "
            "meanings.trained names none of these roles", who=who, roles=listing(*named),
            meaning=term("meaning", TRAINED)))
    path = training_path(doc_id, entry.revision, signer.party.id, signer.person.id)
    if snap.exists(path) or (ws.root / path).exists():
        raise RefusedError(msg("refuse.already_trained", "{who} is already recorded as trained "
                               "on {id} rev {revision} ({path})", who=who, id=doc_id,
                               revision=entry.revision, path=path))
    raw: dict[str, Any] = {
        "document": doc_id, "revision": entry.revision, "sha256": entry.sha256,
        "party": signer.party.id, "person": signer.person.id, "role": role,
        "meaning": TRAINED, "date": format_instant(when),
    }
    if comment:
        raw["comment"] = comment
    data = render("training", raw, path)
    record = TrainingRecord.create(raw)
    problems = record_problems(record, path, signer, config, register)
    if problems:
        raise RefusedError(msg("refuse.training", "training record refused: {problems}",
                               problems=several(*problems)))
    subject = f"Training: {who} trained on {doc_id} rev {entry.revision}" + (
        f" — {comment}" if comment else "")
    with Transaction() as tx, index_guard(ws.repo):
        tx.write(ws.root / path, data)
        ws.repo.add([path])
        commit = signed_commit(ws.repo, subject, only=[path])
    return Trained(record, path, commit)
