"""``techxfer add``: register a controlled document, or a new revision of one."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

from techxfer.commands.init import render
from techxfer.errors import ConfigError, UsageError
from techxfer.findings import listing, msg, term
from techxfer.format import yamlio
from techxfer.format.fileio import Transaction
from techxfer.format.layout import is_format_path, is_manifest
from techxfer.model.manifest import nearest_manifest
from techxfer.model.release import BATCH_KEY, BATCH_NUMBER
from techxfer.rules.register import State, load_manifest
from techxfer.state.workspace import Workspace


@dataclass(frozen=True)
class DocumentRequest:
    path: str  # as given by the user
    id: str
    title: str
    category: str
    revision: str
    owner: str | None = None
    retention: str | None = None
    title_zh: str | None = None
    status: str | None = None  # None: draft where the path's rule needs approval, else effective
    released: date | None = None
    batch: str | None = None  # the batch a batch record or deviation report belongs to


@dataclass(frozen=True)
class Registered:
    id: str
    path: str
    manifest: str
    revision: str
    sha256: str
    outcome: Literal["added", "revised", "unchanged"]
    status: str = "effective"


def register(ws: Workspace, req: DocumentRequest, *, today: date | None = None) -> Registered:
    today = today or date.today()
    config = ws.config()
    path = ws.relative(req.path)
    snap = ws.worktree()
    if is_format_path(path):
        raise UsageError(msg("refuse.add_record", "{path}: is a techxfer record or manifest, not "
                             "a controlled document", path=path))
    if req.batch is not None and not BATCH_NUMBER.fullmatch(req.batch):
        raise UsageError(msg("refuse.add_batch", "--batch: {batch!r} is not a batch number "
                             "(letters, digits, '.', '_' or '-', at most 64)", batch=req.batch))
    if not config.policy.is_controlled(path):
        raise UsageError(msg("refuse.add_not_controlled", "{path}: the policy marks this path "
                             "as not controlled", path=path))
    kind = snap.paths.get(path)
    if kind is None:
        raise UsageError(msg("refuse.add_no_file", "{path}: no such file (or ignored by "
                             ".gitignore)", path=req.path))
    if kind != "file":
        raise UsageError(msg("refuse.add_not_file", "{path}: is a {kind}; controlled documents "
                             "must be regular files", path=req.path, kind=term("kind", kind)))
    manifest_path = nearest_manifest(path, frozenset(p for p in snap.paths if is_manifest(p)))
    if manifest_path is None:
        raise UsageError(msg("refuse.add_no_manifest", "{path}: no MANIFEST.yaml in its folder "
                             "or above; run techxfer init or create one", path=path))
    state = State(snap, config)
    for mpath in sorted(p for p in snap.paths if is_manifest(p)):
        if load_manifest(state, mpath) is None and mpath == manifest_path:
            problems = [f.said or f.message for f in state.findings if f.path == mpath]
            raise ConfigError(msg("refuse.add_broken_manifest", "{manifest}: cannot register "
                                  "into a broken manifest: {problem}", manifest=mpath,
                                  problem=problems[0]))
    by_id = {e.id: e for e in state.entries()}
    by_path = {e.path: e for e in state.entries()}
    digest = snap.sha256(path)

    rule = config.policy.rule_for(path)
    if req.status is None:  # a revision under ``approval: required`` starts as a draft
        req = replace(req, status="draft" if rule is not None and rule.approval else "effective")
    owner = req.owner or (rule.owner if rule else None)
    if owner is None:
        raise UsageError(msg("refuse.add_no_owner", "{path}: no policy rule names an owner; "
                             "give --owner", path=path))
    party = config.parties.resolve(owner)
    if party is None:
        raise UsageError(msg("refuse.add_unknown_owner", "--owner: unknown party {party!r}",
                             party=owner))
    named = config.parties.resolve(rule.owner) if rule and rule.owner else None
    if named is not None and named.id != party.id:
        raise UsageError(msg("refuse.add_other_owner", "--owner: {rule} names {named} the owner "
                             "of {path}, not {owner}", rule=rule.label() if rule else path,
                             named=named.id, path=path, owner=owner))
    retention = req.retention or config.retention.class_for_category(req.category)
    if retention not in config.retention.classes:
        raise UsageError(msg("refuse.add_unknown_class", "--retention: unknown class {cls!r}; "
                             "known: {known}", cls=retention,
                             known=listing(*config.retention.classes)))

    existing = by_path.get(path)
    same_id = by_id.get(req.id)
    if same_id is not None and same_id.path != path:
        raise UsageError(msg("refuse.add_id_used", "id {id} is already used for {path} "
                             "({where})", id=req.id, path=same_id.path, where=same_id.where()))
    if existing is not None and existing.id != req.id:
        raise UsageError(msg("refuse.add_path_listed", "{path} is already listed as {id} "
                             "({where})", path=path, id=existing.id, where=existing.where()))

    raw = yamlio.load((ws.root / manifest_path).read_bytes(), manifest_path)
    documents: list[dict[str, Any]] = raw.setdefault("documents", []) or []
    raw["documents"] = documents
    local = posixpath.relpath(path, posixpath.dirname(manifest_path) or ".")
    if existing is None:
        entry: dict[str, Any] = {"id": req.id, "path": local, "title": req.title}
        if req.title_zh:
            entry["title_zh"] = req.title_zh
        entry.update(revision=req.revision, category=req.category, owner=owner,
                     status=req.status, sha256=digest, retention=retention,
                     created=today.isoformat())
        _dates(entry, req, today)
        documents.append(entry)
        outcome: Literal["added", "revised", "unchanged"] = "added"
    else:
        entry = documents[existing.index]
        # a draft's content may change before its approval fixes it (DESIGN 11)
        if existing.revision == req.revision and existing.sha256 != digest \
                and (existing.status, req.status) != ("draft", "draft"):
            raise UsageError(msg(
                "refuse.add_same_revision", "{path}: content changed but revision is still "
                "{revision}; give a new --revision (a controlled document's revision identifies "
                "its content)", path=path, revision=req.revision))
        if existing.revision == req.revision and existing.status == req.status \
                and existing.sha256 == digest \
                and req.released is None and (req.batch is None
                                              or existing.as_dict().get(BATCH_KEY) == req.batch):
            return Registered(req.id, path, manifest_path, req.revision, digest, "unchanged",
                              existing.status)
        entry.update(revision=req.revision, sha256=digest, title=req.title,
                     category=req.category, status=req.status)
        if req.title_zh:
            entry["title_zh"] = req.title_zh
        _dates(entry, req, today)
        outcome = "revised"
    data = render("manifest", raw, manifest_path)
    with Transaction() as tx:
        tx.write(ws.root / manifest_path, data)
        ws.repo.add([manifest_path, path])
    return Registered(req.id, path, manifest_path, req.revision, digest, outcome,
                      req.status or "effective")


def _dates(entry: dict[str, Any], req: DocumentRequest, today: date) -> None:
    """The event dates retention counts from (DESIGN 6): set when the status says so; and
    the batch the entry belongs to (DESIGN 11), which its release lists it under."""
    if req.batch is not None:
        entry[BATCH_KEY] = req.batch
    if req.status == "effective":
        entry["effective"] = today.isoformat()
    if req.status == "obsolete":
        entry["obsolete"] = today.isoformat()
    if req.released is not None:
        entry["released"] = req.released.isoformat()
