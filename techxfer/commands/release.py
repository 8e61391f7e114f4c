"""``techxfer release production|market BATCH``: a batch released in two steps (DESIGN 11).

Each step is checked first with the rules ``verify`` applies (rules/release), against the
committed state at HEAD and the policy in force there, and refused with every reason
before anything is written; then the release record alone is committed, signed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from techxfer.commands.init import render
from techxfer.commands.transfer import current_signer
from techxfer.errors import RefusedError, UsageError
from techxfer.findings import Msg, bullets, listing, msg, term
from techxfer.format.fileio import Transaction
from techxfer.format.layout import ack_path, release_path
from techxfer.git.signing import index_guard, signed_commit
from techxfer.model.manifest import DocumentEntry
from techxfer.model.parties import Signer
from techxfer.model.release import (
    BATCH_NUMBER,
    RELEASED,
    MarketRelease,
    ProductionRelease,
    Signature,
    batch_records,
    deviations,
    record_data,
)
from techxfer.model.times import now
from techxfer.rules.authorisation import holds_role
from techxfer.rules.release import (
    Approval,
    Released,
    closures,
    market_problems,
    market_rework_problems,
    production_problems,
    register,
    release_roles,
    rework_problems,
    signer_problems,
)
from techxfer.state.config import Config
from techxfer.state.records import committed, load_records
from techxfer.state.snapshot import Snapshot
from techxfer.state.workspace import Workspace


@dataclass(frozen=True)
class ReleaseDone:
    step: str
    batch: str
    path: str
    commit: str
    signer: Signer
    record: dict[str, Any]


def release_production(ws: Workspace, batch: str, record_ids: tuple[str, ...], comment: str, *,
                       rework: bool = False, when: datetime | None = None,
                       signing_key: Path | None = None) -> ReleaseDone:
    """The manufacturer's release reviewer releases BATCH for production: its records
    (RECORD_IDS, else every register entry that names the batch) and its closed deviations.
    REWORK: the batch was released before and reworked since; this release supersedes
    that one (named by its commit and SHA-256, COMMENT the reason)."""
    when = when or now()
    head, snap, config = _start(ws, batch, "production", rework)
    signer = current_signer(ws, config, when)
    entries = register(snap)
    if record_ids:
        by_id = {e.id: e for e in entries if e.status != "destroyed"}
        unknown = [i for i in record_ids if i not in by_id]
        if unknown:
            raise UsageError(msg("refuse.release_records", "--record: not in the register at "
                                 "HEAD: {ids}", ids=listing(*unknown)))
        chosen = [by_id[i] for i in dict.fromkeys(record_ids)]
    else:
        chosen = batch_records(entries, batch)
        if not chosen:
            raise UsageError(msg("refuse.release_no_records", "no record of batch {batch} in "
                                 "the register at HEAD", batch=batch),
                             hint=msg("refuse.release_no_records_hint", "register them with "
                                      "x-batch: {batch} or an id ending in -{batch}, or name "
                                      "them with --record ID", batch=batch))
    closed = closures(config, _approvals(ws, snap))
    devs = [closed[k][0] for k in ((d.id, d.revision, d.sha256) for d in deviations(entries, batch))
            if k in closed]
    signature = _signature(config, signer, "production", when, comment)
    body: dict[str, Any] = {"records": [_listed(e) for e in chosen],
                            "deviations": [d.as_dict() for d in devs]}
    previous = _in_force(ws, snap, release_path(batch, "production")) if rework else None
    if previous is not None:
        body["supersedes"] = {"commit": previous[0], "sha256": previous[1], "reason": comment}
    data = record_data("production", batch, signature, body)
    record = ProductionRelease.create(data)
    problems = signer_problems("production", signature, signer, config)
    problems += production_problems(record, entries, closed)
    if previous is not None:
        path = release_path(batch, "production")
        old = Released(ProductionRelease.create(snap.load("release-production", path)), path,
                       previous[0], previous[1])
        problems += rework_problems(record, old, previous[1])
    return _commit(ws, "production", batch, data, signer, problems, signing_key)


def release_market(ws: Workspace, batch: str, comment: str, *, when: datetime | None = None,
                   signing_key: Path | None = None) -> ReleaseDone:
    """The registrant's release reviewer releases BATCH to market, bound to its production
    release (path, commit, SHA-256 of the file)."""
    when = when or now()
    head, snap, config = _start(ws, batch, "market", rework=True)
    signer = current_signer(ws, config, when)
    signature = _signature(config, signer, "market", when, comment)
    problems = signer_problems("market", signature, signer, config)
    produced = release_path(batch, "production")
    found = _in_force(ws, snap, produced)
    production = None
    if found is not None:
        production = Released(ProductionRelease.create(snap.load("release-production", produced)),
                              produced, found[0], found[1])
    ref = {"path": produced, "commit": found[0] if found else "0" * 40,
           "sha256": found[1] if found else "0" * 64}
    body: dict[str, Any] = {"production": ref}
    market_file = release_path(batch, "market")
    previous = _in_force(ws, snap, market_file)
    if previous is not None:
        old = MarketRelease.create(snap.load("release-market", market_file))
        if production is not None and old.production.commit == production.commit:
            raise RefusedError(msg("refuse.market_released", "batch {batch} already has a "
                                   "market release ({path}), bound to the production release in "
                                   "force; a release record is replaced only after rework and a "
                                   "new production release", batch=batch, path=market_file))
        body["supersedes"] = {"commit": previous[0], "sha256": previous[1], "reason": comment}
    data = record_data("market", batch, signature, body)
    record = MarketRelease.create(data)
    closed = closures(config, _approvals(ws, snap))
    problems += market_problems(record, production, snap, register(snap), closed)
    if previous is not None:
        problems += market_rework_problems(record, (old, previous[0], previous[1]), production,
                                           previous[1])
    return _commit(ws, "market", batch, data, signer, problems, signing_key)


def _start(ws: Workspace, batch: str, step: str,
           rework: bool = False) -> tuple[str, Snapshot, Config]:
    if not BATCH_NUMBER.fullmatch(batch):
        raise UsageError(msg("refuse.batch_number", "batch {batch!r}: use letters, digits, '.', "
                             "'_' or '-' (at most 64)", batch=batch))
    head, snap, config = committed(ws)
    path = release_path(batch, step)
    if snap.exists(path) and not rework:
        raise RefusedError(msg("refuse.released", "batch {batch} already has a {step} release "
                               "({path}); a release record is never replaced, except by a "
                               "re-release after rework (--rework)", batch=batch,
                               step=term("step", step), path=path))
    if not snap.exists(path) and (ws.root / path).exists():
        raise RefusedError(msg("refuse.release_uncommitted", "{path} exists but is not "
                               "committed; a release record is written only by techxfer "
                               "release: remove it first", path=path))
    if rework and step == "production" and not snap.is_file(path):
        raise UsageError(msg("refuse.rework_nothing", "--rework: batch {batch} has no "
                             "production release to supersede ({path} is not committed)",
                             batch=batch, path=path))
    if snap.is_file(path) and path in ws.repo.changed_worktree_paths():
        raise RefusedError(msg("refuse.release_changed", "{path} has uncommitted changes; "
                               "restore it first (git restore {path})", path=path))
    return head, snap, config


def _in_force(ws: Workspace, snap: Snapshot, path: str) -> tuple[str, str] | None:
    """The release record at PATH as committed: the commit that recorded it (the last one
    that wrote it, not a merge) and its SHA-256; None when there is none."""
    if not snap.is_file(path):
        return None
    for commit in reversed(ws.repo.commits_touching([path])):
        if len(ws.repo.commit_info(commit).parents) <= 1:
            return commit, snap.sha256(path)
    return None


def _signature(config: Config, signer: Signer, step: str, when: datetime,
               comment: str) -> Signature:
    if not comment.strip():
        raise UsageError(msg("refuse.release_comment", "-m: say what was reviewed (the release "
                             "comment is recorded)"))
    role = holds_role(config, signer, release_roles(config, step)) or signer.person.roles[0]
    return Signature(signer.party.id, signer.person.id, role, RELEASED, when, comment)


def _listed(entry: DocumentEntry) -> dict[str, str]:
    return {"id": entry.id, "path": entry.path, "revision": entry.revision, "sha256": entry.sha256}


def _approvals(ws: Workspace, snap: Snapshot) -> list[Approval]:
    """The registrant's approving acknowledgements at HEAD, each with its commit."""
    records = load_records(snap)
    out = []
    for (tx_id, party), ack in sorted(records.acks.items()):
        tx = records.transfers.get(tx_id)
        if tx is None or ack.meaning != "approved":
            continue
        commit = ws.repo.first_commit_adding(ack_path(tx_id, party))
        if commit is not None:
            out.append(Approval(tx, ack, commit))
    return out


def _commit(ws: Workspace, step: str, batch: str, data: dict[str, Any], signer: Signer,
            problems: list[Msg], signing_key: Path | None) -> ReleaseDone:
    if problems:
        raise RefusedError(msg("refuse.release", "cannot release batch {batch} ({step}); nothing "
                               "was written:{reasons}", batch=batch, step=term("step", step),
                               reasons=bullets(*problems)))
    path = release_path(batch, step)
    content = render(f"release-{step}", data, path)
    subject = f"Release batch {batch} ({step}): {data['comment']}"
    with Transaction() as tx, index_guard(ws.repo):
        tx.write(ws.root / path, content)
        ws.repo.add([path])
        commit = signed_commit(ws.repo, subject, only=[path], signing_key=signing_key)
    return ReleaseDone(step, batch, path, commit, signer, data)
