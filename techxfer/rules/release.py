"""Batch release in two steps (DESIGN 11; H 1.2.3, H 8.1.3, S 8.4, GMP 2025 arts. 104, 113,
SAMR Order 53 art. 34): RELEASE_INVALID.

The manufacturer's release reviewer releases a batch for production, listing its records
(id, revision, SHA-256) and its deviation reports, each closed; only then may the
registrant's release reviewer release it to market, bound to that production release's
file and commit. A record of a batch released for production may not change afterwards.

Asked by ``verify`` (``ReleaseBook``, step 5 of the walk) and by ``techxfer release``
before it writes (``production_problems``, ``market_problems``, ``signer_problems``), so
a command refuses exactly what the audit would report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from techxfer.errors import ConfigError, SchemaError
from techxfer.findings import Code, Finding, Msg, msg, term
from techxfer.format.defaults import RELEASED_BY
from techxfer.format.layout import (
    RELEASES_DIR,
    PathKind,
    is_manifest,
    kind,
    parse_release_path,
    release_path,
)
from techxfer.model.manifest import DocumentEntry, nearest_manifest
from techxfer.model.parties import Signer
from techxfer.model.policy import RoleRef
from techxfer.model.release import (
    RELEASED,
    ClosedDeviation,
    MarketRelease,
    ProductionRelease,
    Signature,
    Supersedes,
    batch_records,
    deviations,
)
from techxfer.model.transfer import Acknowledgement, Transfer
from techxfer.rules.authorisation import holds_role
from techxfer.rules.register import schema_problem, unreadable
from techxfer.rules.wording import role_refs, roles
from techxfer.state.config import Config
from techxfer.state.manifests import manifest_entries
from techxfer.state.snapshot import Snapshot

Key = tuple[str, str, str]  # (document id, revision, sha256)
Closures = Mapping[Key, list[ClosedDeviation]]  # every approval of that revision


def release_roles(config: Config, step: str) -> tuple[RoleRef, ...]:
    """Who may sign ``released`` for STEP: the releasing party's roles among those that
    carry the meaning (the manufacturer's for production, the registrant's for market).
    The one place this is decided; the policy's meanings will feed it."""
    party = config.repo.manufacturer if step == "production" else config.repo.registrant
    return tuple(ref for ref in map(RoleRef.parse, RELEASED_BY) if config.party_id(ref.party) == party)


def signer_problems(step: str, signature: Signature, signer: Signer, config: Config) -> list[Msg]:
    """Wrong party, wrong role, or a record naming someone other than its signer."""
    out: list[Msg] = []
    who = f"{signer.party.id}:{signer.person.id}"
    party = config.repo.manufacturer if step == "production" else config.repo.registrant
    seat = "manufacturer" if step == "production" else "registrant"
    allowed = release_roles(config, step)
    if signer.party.id != party:
        out.append(msg("release.wrong_party", "a {step} release is signed by the {seat} {party}, "
                       "not by {who}", step=term("step", step), seat=term("seat", seat),
                       party=party, who=who))
    elif holds_role(config, signer, allowed) is None:
        out.append(msg("release.role", "{who} ({roles}) may not sign '{meaning}' for a {step} "
                       "release; that takes {allowed}", who=who, roles=roles(signer.person.roles),
                       meaning=term("meaning", RELEASED), step=term("step", step),
                       allowed=role_refs(allowed) if allowed else msg(
                           "release.nobody", "a role nobody holds")))
    if (signature.party, signature.signer) != (signer.party.id, signer.person.id):
        out.append(msg("release.signed_by", "recorded as released by {named} but signed by {who}",
                       named=f"{signature.party}:{signature.signer}", who=who))
    elif not out and signature.role not in {r.role for r in allowed}:
        out.append(msg("release.not_release_role", "recorded under role {role}, which is not "
                       "{who}'s release role", role=term("role", signature.role), who=who))
    return out


@dataclass(frozen=True)
class Approval:
    """A transfer and the acknowledgement of it, with the acknowledgement's commit."""

    transfer: Transfer
    ack: Acknowledgement
    commit: str


def closures(config: Config, approvals: Iterable[Approval]) -> dict[Key, list[ClosedDeviation]]:
    """Each document revision the manufacturer sent and the registrant approved, with every
    approval of it (by transfer id): what closes a deviation report (a deviation stays open
    until then, DESIGN 11)."""
    out: dict[Key, list[ClosedDeviation]] = {}
    for a in approvals:
        tx = a.transfer
        if a.ack.meaning != "approved" or a.ack.party != config.repo.registrant \
                or tx.sender != config.repo.manufacturer or tx.recipient != config.repo.registrant:
            continue
        for item in tx.items:
            out.setdefault((item.id, item.revision, item.sha256), []).append(
                ClosedDeviation(item.id, item.revision, item.sha256, tx.id, a.commit))
    for found in out.values():
        found.sort(key=lambda c: (c.transfer, c.approval_commit))
    return out


def register(snap: Snapshot) -> list[DocumentEntry]:
    """Every entry of every manifest of a state."""
    return [e for m in sorted(snap.manifest_set) for e in manifest_entries(snap, m)]


def open_deviations(entries: Iterable[DocumentEntry], batch: str,
                    closed: Closures) -> list[DocumentEntry]:
    return [d for d in deviations(entries, batch) if (d.id, d.revision, d.sha256) not in closed]


def production_problems(record: ProductionRelease, entries: list[DocumentEntry],
                        closed: Closures) -> list[Msg]:
    """The records listed are the batch's, as the register has them; no deviation is open."""
    out: list[Msg] = []
    by_id = {e.id: e for e in entries}
    for r in record.records:
        entry = by_id.get(r.id)
        if entry is None or entry.status == "destroyed":
            out.append(msg("release.unlisted", "lists {id} ({path}), which is not in the register",
                           id=r.id, path=r.path))
        elif (entry.path, entry.revision, entry.sha256) != (r.path, r.revision, r.sha256):
            out.append(msg("release.record_differs", "lists {id} as {path} rev {revision} "
                           "{sha256}…, but the register has {listed_path} rev {listed} "
                           "{listed_sha256}…", id=r.id, path=r.path, revision=r.revision,
                           sha256=r.sha256[:12], listed_path=entry.path, listed=entry.revision,
                           listed_sha256=entry.sha256[:12]))
        elif entry.status != "effective":
            out.append(msg("release.not_effective", "lists {id} rev {revision}, which is {status}, "
                           "not effective", id=r.id, revision=r.revision,
                           status=term("status", entry.status)))
    listed = {r.id for r in record.records}
    for entry in batch_records(entries, record.batch):
        if entry.id not in listed:
            out.append(msg("release.record_not_listed", "batch record {id} ({path}) of batch "
                           "{batch} is not listed", id=entry.id, path=entry.path,
                           batch=record.batch))
    out += [_open_deviation(dev) for dev in open_deviations(entries, record.batch, closed)]
    current = {(d.id, d.revision, d.sha256) for d in deviations(entries, record.batch)}
    for listed_dev in record.deviations:
        key = (listed_dev.id, listed_dev.revision, listed_dev.sha256)
        if key not in current or listed_dev not in closed.get(key, ()):
            out.append(msg("release.deviation_not_closed", "lists deviation {id} rev {revision} as "
                           "closed by {tx}, which is not how the register and its approvals "
                           "stand", id=listed_dev.id, revision=listed_dev.revision,
                           tx=listed_dev.transfer))
    listed_devs = {d.id for d in record.deviations}
    for dev in deviations(entries, record.batch):
        if dev.id not in listed_devs and (dev.id, dev.revision, dev.sha256) in closed:
            out.append(msg("release.deviation_not_listed", "deviation {id} of batch {batch} is "
                           "not listed", id=dev.id, batch=record.batch))
    return out


def _open_deviation(dev: DocumentEntry) -> Msg:
    return msg("release.open_deviation", "released over open deviation {id} rev {revision}: the "
               "registrant has not approved that revision of the report", id=dev.id,
               revision=dev.revision)


@dataclass(frozen=True)
class Released:
    """A production release as recorded in the history."""

    record: ProductionRelease
    path: str
    commit: str
    sha256: str


def entry_of(snap: Snapshot, path: str, doc_id: str) -> DocumentEntry | None:
    """The register entry DOC_ID in the manifest governing PATH, if any."""
    manifest = nearest_manifest(path, snap.manifest_set)
    if manifest is None:
        return None
    return next((e for e in manifest_entries(snap, manifest) if e.id == doc_id), None)


def changed_records(released: Released, now: Snapshot, before: Snapshot | None = None) -> list[Msg]:
    """Records of a batch released for production whose content the register of NOW
    changed (when BEFORE is given: only those this change itself changed)."""
    out = []
    for r in released.record.records:
        entry = entry_of(now, r.path, r.id)
        if entry is None or entry.status == "destroyed" or entry.sha256 == r.sha256:
            continue  # a removal is RECORD_DELETED's
        if before is not None:
            old = entry_of(before, r.path, r.id)
            if old is not None and old.sha256 == entry.sha256:
                continue
        out.append(msg("release.record_changed", "batch record {id} changed after the production "
                       "release of batch {batch} (commit {commit}): rev {revision} {sha256}… "
                       "released, now rev {now} {now_sha256}…", id=r.id,
                       batch=released.record.batch, commit=released.commit[:10],
                       revision=r.revision, sha256=r.sha256[:12], now=entry.revision,
                       now_sha256=entry.sha256[:12]))
    return out


def market_problems(record: MarketRelease, production: Released | None, snap: Snapshot,
                    entries: list[DocumentEntry], closed: Closures) -> list[Msg]:
    """After the production release, bound to its content, and the batch as released."""
    if production is None:
        return [msg("release.before_production", "market release of batch {batch} before its "
                    "production release ({path})", batch=record.batch,
                    path=release_path(record.batch, "production"))]
    out: list[Msg] = []
    ref = record.production
    if (ref.path, ref.commit, ref.sha256) != (production.path, production.commit, production.sha256):
        out.append(msg("release.binding", "bound to {path} at commit {commit} ({sha256}…), but the "
                       "production release is {released} at commit {released_commit} "
                       "({released_sha256}…)", path=ref.path, commit=ref.commit[:10],
                       sha256=ref.sha256[:12], released=production.path,
                       released_commit=production.commit[:10],
                       released_sha256=production.sha256[:12]))
    out += changed_records(production, snap)
    out += [_open_deviation(dev) for dev in open_deviations(entries, record.batch, closed)]
    return out


def release_dates(snap: Snapshot) -> dict[str, str]:
    """Document id → the day its batch was released to market, for every record a
    production release lists, from the market releases of a state (retention counts from
    it). What the files say; whether they were rightly signed is ``verify``'s business."""
    out: dict[str, str] = {}
    for path in snap.paths_under(RELEASES_DIR):
        if kind(path) is not PathKind.MARKET_RELEASE:
            continue
        try:
            market = MarketRelease.create(snap.load("release-market", path))
            produced = release_path(market.batch, "production")
            production = ProductionRelease.create(snap.load("release-production", produced))
        except ConfigError:
            continue  # a missing or broken record is verify's finding
        for r in production.records:
            out[r.id] = market.signature.date.date().isoformat()
    return out


def in_rework(snap: Snapshot, batch: str, closed: Closures | None) -> bool:
    """Whether BATCH is under rework in SNAP: one of its deviation reports is open."""
    return closed is not None and bool(open_deviations(register(snap), batch, closed))


def _nothing(said: Supersedes, step: str, batch: str) -> Msg:
    return msg("release.supersedes_nothing", "names {commit} as the {step} release it "
               "supersedes, but batch {batch} had none", commit=said.commit[:10],
               step=term("step", step), batch=batch)


def _wrong_supersedes(said: Supersedes, in_force: str, replaced: str) -> Msg:
    return msg("release.supersedes", "names {commit} ({sha256}…) as the release it supersedes, "
               "but the release in force was recorded in {in_force} ({in_force_sha256}…)",
               commit=said.commit[:10], sha256=said.sha256[:12], in_force=in_force[:10],
               in_force_sha256=replaced[:12])


def rework_problems(record: ProductionRelease, previous: Released | None,
                    replaced: str | None) -> list[Msg]:
    """A production release that rewrites the one in force: it names that one (the commit
    that recorded it, its SHA-256) and lists a deviation closed since; nothing else may
    rewrite it."""
    said = record.supersedes
    if said is None:
        return []
    out: list[Msg] = []
    if previous is None or replaced is None:
        out.append(_nothing(said, "production", record.batch))
        return out
    if (said.commit, said.sha256) != (previous.commit, replaced):
        out.append(_wrong_supersedes(said, previous.commit, replaced))
    before = {(d.id, d.revision, d.sha256) for d in previous.record.deviations}
    if not any((d.id, d.revision, d.sha256) not in before for d in record.deviations):
        out.append(msg("release.rework_no_deviation", "a re-release after rework lists no "
                       "deviation closed since the release it supersedes ({commit})",
                       commit=previous.commit[:10]))
    return out


def market_rework_problems(record: MarketRelease, previous: tuple[MarketRelease, str, str] | None,
                           production: Released | None, replaced: str | None) -> list[Msg]:
    """A market release that rewrites the one in force: it names that one, and comes after
    a new production release (the one it replaces was bound to an earlier one)."""
    said = record.supersedes
    if said is None:
        return []
    if previous is None or replaced is None:
        return [_nothing(said, "market", record.batch)]
    old, old_commit, _ = previous
    out: list[Msg] = []
    if (said.commit, said.sha256) != (old_commit, replaced):
        out.append(_wrong_supersedes(said, old_commit, replaced))
    if production is not None and old.production.commit == production.commit:
        out.append(msg("release.market_again", "released to market again, but the production "
                       "release ({commit}) the replaced market release was bound to is still "
                       "in force", commit=production.commit[:10]))
    return out


@dataclass
class ReleaseBook:
    """The releases met along the walk: production releases by batch, which records they
    hold still, and market releases."""

    production: dict[str, Released] = field(default_factory=dict)
    market: dict[str, tuple[MarketRelease, str, str]] = field(default_factory=dict)  # commit, sha
    # What guards released records. ``guarded`` indexes which production release files ever
    # listed a record path, ``versions`` every production release met by (file path,
    # SHA-256); whether one guards a commit's change is read from the commit's parent
    # state: the release file is there with the content met (one met on another line of
    # history does not count).
    guarded: dict[str, set[str]] = field(default_factory=dict)  # record path → release paths
    versions: dict[tuple[str, str], Released] = field(default_factory=dict)
    # (path, SHA-256) → the commit that wrote that release record: what a ``supersedes``
    # must name is the record the state before the rewrite holds, in its own line
    written: dict[tuple[str, str], str] = field(default_factory=dict)

    def record(self, commit: str, signer: Signer | None, config: Config | None,
               changed: Iterable[str], before: Snapshot, after: Snapshot,
               approvals: Callable[[], Iterable[Approval]],
               guard: Iterable[str] | None = None) -> list[Finding]:
        """Judge every release record this change adds, changes or removes, and every
        change to a record of a batch already released for production. APPROVALS gives
        the acknowledged transfers so far (asked only when a release is met). GUARD: every
        path that differs from BEFORE (for a merge, what it brings in too: a released
        record changed on another line and merged into the release's line changes it
        there); by default CHANGED."""
        out: list[Finding] = []
        changed = sorted(changed)
        for path in changed:
            path_kind = kind(path)
            if path_kind in (PathKind.PRODUCTION_RELEASE, PathKind.MARKET_RELEASE):
                out += self._release(commit, signer, config, path, path_kind, before, after,
                                     approvals)
        out += self._guard(commit, changed if guard is None else sorted(guard), before, after,
                           lambda: closures(config, approvals()) if config is not None else None)
        return out

    def _release(self, commit: str, signer: Signer | None, config: Config | None, path: str,
                 path_kind: PathKind, before: Snapshot, after: Snapshot,
                 approvals: Callable[[], Iterable[Approval]]) -> list[Finding]:
        rewritten = before.exists(path)
        if rewritten and not after.exists(path):
            return [Finding.of(Code.RECORD_DELETED, path, msg(
                "release.removed", "a release record was removed; release records are kept, "
                "never changed or removed"), commit)]
        production = path_kind is PathKind.PRODUCTION_RELEASE
        schema = "release-production" if production else "release-market"
        try:
            raw = after.load(schema, path)
        except SchemaError as exc:
            return [Finding.of(Code.RELEASE_INVALID, path, schema_problem(p), commit)
                    for p in exc.problems]
        except ConfigError as exc:
            return [Finding.of(Code.RELEASE_INVALID, path, unreadable(exc.message), commit)]
        record: ProductionRelease | MarketRelease = (ProductionRelease.create(raw) if production
                                                     else MarketRelease.create(raw))
        if rewritten and record.supersedes is None:
            return [Finding.of(Code.RELEASE_INVALID, path, msg(
                "release.changed", "a release record was changed; release records are kept, "
                "never changed or removed"), commit)]
        step = "production" if production else "market"
        problems: list[Msg] = []
        batch = (parse_release_path(path) or ("", ""))[0]
        if record.batch != batch:
            problems.append(msg("release.batch_folder", "the record's batch {batch} differs from "
                                "its folder {folder}", batch=record.batch, folder=batch))
        if signer is not None and config is not None:
            problems += signer_problems(step, record.signature, signer, config)
        entries = register(after)
        closed = closures(config, approvals()) if config is not None else {}
        replaced = before.sha256(path) if rewritten else None
        self.written.setdefault((path, after.sha256(path)), commit)
        in_force = self._in_force(path, schema, before, replaced)
        if isinstance(record, ProductionRelease):
            problems += production_problems(record, entries, closed)
            if rewritten or record.supersedes is not None:
                line = None if in_force is None or not isinstance(in_force[0], ProductionRelease) \
                    else Released(in_force[0], path, in_force[1], replaced or "")
                problems += rework_problems(record, line, replaced)
            released = Released(record, path, commit, after.sha256(path))
            if rewritten:
                self.production[record.batch] = released  # the file in force from now on
            else:
                self.production.setdefault(record.batch, released)
            self.versions.setdefault((path, released.sha256), released)
            for r in record.records:
                self.guarded.setdefault(r.path, set()).add(path)
        else:
            produced = self._produced(record.batch, after)
            problems += market_problems(record, produced, after, entries, closed)
            if rewritten or record.supersedes is not None:
                line_market = None if in_force is None or not isinstance(
                    in_force[0], MarketRelease) else (in_force[0], in_force[1], replaced or "")
                problems += market_rework_problems(record, line_market, produced, replaced)
            if rewritten:
                self.market[record.batch] = (record, commit, after.sha256(path))
            else:
                self.market.setdefault(record.batch, (record, commit, after.sha256(path)))
        return [Finding.of(Code.RELEASE_INVALID, path, msg(
                    "release.batch", "batch {batch}: {problem}", batch=batch, problem=p), commit)
                for p in problems]

    def _in_force(self, path: str, schema: str, before: Snapshot, replaced: str | None
                  ) -> tuple[ProductionRelease | MarketRelease, str] | None:
        """The release record a rewrite replaces, as the state before it holds it, with
        the commit that wrote it (on this line of history); None when there is none."""
        commit = self.written.get((path, replaced)) if replaced is not None else None
        if commit is None:
            return None
        try:
            raw = before.load(schema, path)
        except ConfigError:
            return None
        return (ProductionRelease.create(raw) if schema == "release-production"
                else MarketRelease.create(raw)), commit

    def _guard(self, commit: str, changed: list[str], before: Snapshot, after: Snapshot,
               closed: Callable[[], Closures | None]) -> list[Finding]:
        """A record of a batch released for production, changed by this commit: allowed
        only as rework while a deviation report of the batch is open (registered, not yet
        approved by the registrant); the batch is then released again (``supersedes``).
        Judged against the production release on BEFORE's line of history (its file there,
        as met), which is the one the change changes."""
        if not self.guarded:
            return []
        touched = {b for p in changed for b in self.guarded.get(p, ())}
        manifests = {p for p in changed if is_manifest(p)}
        if manifests:
            for path, releases in self.guarded.items():
                if nearest_manifest(path, after.manifest_set) in manifests:
                    touched |= releases
        out: list[Finding] = []
        for path in sorted(touched):
            released = self._on_line(path, before)
            if released is None:
                continue  # not released on this line: a merge into its line is judged there
            made = self._on_line(path, after)
            if made is not None and made.commit == commit:
                continue  # released again here: the release's own content, judged with it
            said_all = changed_records(released, after, before)
            if said_all and in_rework(after, released.record.batch, closed()):
                continue
            for said in said_all:
                out.append(Finding.of(Code.RELEASE_INVALID, released.path, said, commit))
        return out

    def _on_line(self, path: str, snap: Snapshot) -> Released | None:
        """The production release recorded at PATH in SNAP's tree, as the walk met it."""
        if not snap.is_file(path):
            return None
        return self.versions.get((path, snap.sha256(path)))

    def _produced(self, batch: str, snap: Snapshot) -> Released | None:
        """The production release of BATCH as it stands in SNAP: one met on another line
        of history, not in this state, does not count."""
        released = self.production.get(batch)
        if released is None or not snap.is_file(released.path) \
                or snap.sha256(released.path) != released.sha256:
            return None
        return released
