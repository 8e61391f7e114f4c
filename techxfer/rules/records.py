"""Transfer, acknowledgement, disposition and distribution records met along the history walk.

The book checks each new record as it appears (steps 4 and 5 of ``audit``), remembers
when each transfer was made and acknowledged, and at the end reports acknowledgements
past their deadline and changes that never got the approval their rule asks for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from techxfer.errors import ConfigError, SchemaError
from techxfer.findings import Code, Finding
from techxfer.format.layout import (
    CONFIG_DIR,
    PathKind,
    ack_path,
    disposition_path,
    distribution_path,
    is_manifest,
    kind,
    parse_record_path,
    transfer_path,
)
from techxfer.model.manifest import DocumentEntry, nearest_manifest
from techxfer.model.parties import Signer
from techxfer.model.records import Disposition, Distribution
from techxfer.model.retention import Hold
from techxfer.model.transfer import Acknowledgement, Transfer, manifest_digest
from techxfer.rules import duties
from techxfer.rules.authorisation import holds_role, may_write, sender_roles
from techxfer.rules.register import State
from techxfer.rules.retention import NoticeApproval, destruction_blockers
from techxfer.state.config import Config, hold_paths, in_force_digest
from techxfer.state.manifests import EntryPair, manifest_delta, manifest_entries
from techxfer.state.snapshot import Snapshot


@dataclass
class Sent:
    transfer: Transfer
    commit: str
    when: datetime


@dataclass
class Received:
    ack: Acknowledgement
    commit: str
    when: datetime


@dataclass
class RecordBook:
    sent: dict[str, Sent] = field(default_factory=dict)
    received: dict[tuple[str, str], Received] = field(default_factory=dict)
    proposals: dict[str, str] = field(default_factory=dict)  # config digest → proposing commit
    approvals: dict[str, set[str]] = field(default_factory=dict)  # ack commit → digests approved
    needs_approval: dict[tuple[str, str, str], tuple[str, datetime, str]] = field(
        default_factory=dict)  # (id, revision, sha256) → (commit, when, path)

    # -- during the walk ------------------------------------------------------------------
    def record(self, commit: str, when: datetime, signer: Signer | None, config: Config | None,
               changed: Iterable[str], before: Snapshot, after: Snapshot,
               state: State, source: Callable[[str], Snapshot | None],
               deltas: Mapping[str, tuple[EntryPair, ...]] | None = None) -> list[Finding]:
        """Check every record this commit adds, changes or removes: each path of a record
        kind (layout.RECORD_KINDS, which the path rules leave to this book) is judged here,
        schema first. SOURCE gives the snapshot at an ancestor commit (None when it is not
        one): a distribution names the commit its copies came from. DELTAS, where given,
        are the register entries that changed (a merge's own changes)."""
        out: list[Finding] = []
        for path in sorted(changed):
            path_kind = kind(path)
            if path_kind in (PathKind.TRANSFER, PathKind.ACK):
                parsed = parse_record_path(path)
                assert parsed is not None
                out += self._record_file(commit, when, signer, config, path, parsed, before, after)
            elif path_kind is PathKind.HOLD:
                out += self._hold(commit, signer, config, path, before, after)
            elif path_kind is PathKind.DISPOSITION:
                out += self._disposition(commit, signer, config, path, before, after)
            elif path_kind is PathKind.DISTRIBUTION:
                out += self._distribution(commit, signer, config, path, before, after, source)
            elif path_kind is PathKind.DUTY:
                out += duties.judge_change(commit, signer, config, path, before, after)
        for path in sorted(changed):
            if is_manifest(path):
                pairs = deltas[path] if deltas is not None and path in deltas \
                    else manifest_delta(before, after, path)
                out += self._register_change(commit, when, config, path, pairs, before, after,
                                             changed)
        return out

    def _hold(self, commit: str, signer: Signer | None, config: Config | None, path: str,
              before: Snapshot, after: Snapshot) -> list[Finding]:
        if signer is None or config is None:
            return []
        who = f"{signer.party.id}:{signer.person.id}"
        if holds_role(config, signer, config.policy.hold_roles) is None:
            return [Finding(Code.UNAUTHORIZED_CHANGE, path, f"legal holds are placed and released "
                            f"by {', '.join(map(str, config.policy.hold_roles))}, not {who}", commit)]
        if not after.exists(path):
            return [Finding(Code.UNAUTHORIZED_CHANGE, path, "a legal hold was deleted; holds are "
                            "released (techxfer hold release), never deleted", commit)]
        if before.exists(path):
            try:
                old, new = dict(before.load("hold", path)), dict(after.load("hold", path))
            except ConfigError:
                return []  # reported by the register checks
            new.pop("released", None)
            if "released" in old or old != new:
                return [Finding(Code.UNAUTHORIZED_CHANGE, path, "a legal hold may only be "
                                "released, not otherwise changed", commit)]
        return []

    def _record_file(self, commit: str, when: datetime, signer: Signer | None,
                     config: Config | None, path: str, parsed: tuple[str, str | None],
                     before: Snapshot, after: Snapshot) -> list[Finding]:
        tx_id, party = parsed
        code = Code.TRANSFER_INVALID if party is None else Code.ACK_INVALID
        if before.exists(path):
            verb = "changed" if after.exists(path) else "removed"
            return [Finding(code, path, f"a signed record was {verb}; records are never "
                                        "changed or removed, only added", commit)]
        kind = "transfer" if party is None else "ack"
        raw = _load(after, kind, path, code, commit)
        if isinstance(raw, list):
            return raw
        if party is None:
            return self._transfer(commit, when, signer, config, path, Transfer.create(raw), after)
        return self._ack(commit, when, signer, config, path, party, Acknowledgement.create(raw))

    def _transfer(self, commit: str, when: datetime, signer: Signer | None,
                  config: Config | None, path: str, tx: Transfer,
                  after: Snapshot) -> list[Finding]:
        out: list[Finding] = []

        def bad(message: str, code: Code = Code.TRANSFER_INVALID) -> None:
            out.append(Finding(code, path, f"{tx.id}: {message}", commit))

        if path.split("/")[1] != tx.id:
            bad(f"the record's id differs from its folder {path.split('/')[1]}")
        self.sent.setdefault(tx.id, Sent(tx, commit, when))
        if config is None or signer is None:
            return out
        if signer.party.id != tx.sender:
            bad(f"sent as {tx.sender} but signed by {signer.party.id}:{signer.person.id}",
                Code.UNAUTHORIZED_CHANGE)
        elif holds_role(config, signer, sender_roles(config, tx.type)) is None:
            bad(f"{signer.party.id}:{signer.person.id} holds no role that may send a {tx.type} "
                "transfer",
                Code.UNAUTHORIZED_CHANGE)
        if tx.signer != signer.person.id:
            bad(f"the record names {tx.signer} as signer but {signer.person.id} signed it")
        sender, recipient = config.parties.resolve(tx.sender), config.parties.resolve(tx.recipient)
        if sender is None or recipient is None or sender.seat == recipient.seat:
            bad(f"from {tx.sender} to {tx.recipient}: a transfer goes from one party to the other")
        if tx.type == "policy-change":
            if tx.manifest_digest != in_force_digest(after):
                bad("the configuration digest differs from the .techxfer/ files of this commit")
            return out
        entries = []
        for item in tx.items:
            entry = _entry(after, item.path, item.id)
            if entry is None:
                bad(f"item {item.id} ({item.path}) is not in the register at this commit")
                continue
            entries.append(entry)
            if (entry.revision, entry.sha256) != (item.revision, item.sha256):
                bad(f"item {item.id} says rev {item.revision} {item.sha256[:12]}…, the register "
                    f"has rev {entry.revision} {entry.sha256[:12]}…")
            elif item.action != "withdraw" and not (after.is_file(item.path)
                                                    and after.sha256(item.path) == item.sha256):
                bad(f"item {item.id}: {item.path} is not in the tree with the transferred content")
            if config.party_id(entry.owner) != tx.sender:
                bad(f"item {item.id} is owned by {entry.owner}, not the sender {tx.sender}")
        if len(entries) == len(tx.items) and manifest_digest(entries) != tx.manifest_digest:
            bad("manifest_digest differs from the transferred register entries")
        return out

    def _ack(self, commit: str, when: datetime, signer: Signer | None, config: Config | None,
             path: str, party: str, ack: Acknowledgement) -> list[Finding]:
        out: list[Finding] = []

        def bad(message: str) -> None:
            out.append(Finding(Code.ACK_INVALID, path, f"{ack.transfer}: {message}", commit))

        sent = self.sent.get(ack.transfer)
        if ack.party != party:
            bad(f"the record says party {ack.party} but its file name says {party}")
        if sent is None or path.split("/")[1] != ack.transfer:
            bad("acknowledges a transfer that is not recorded before it")
            return out
        tx = sent.transfer
        if party != tx.recipient:
            own = " (a party cannot acknowledge its own transfer)" if party == tx.sender else ""
            bad(f"acknowledged by {party}, but the transfer went to {tx.recipient}{own}")
        if ack.transfer_commit != sent.commit or ack.manifest_digest != tx.manifest_digest:
            bad(f"bound to commit {ack.transfer_commit[:10]} / digest {ack.manifest_digest[:12]}…, "
                f"but the transfer is commit {sent.commit[:10]} / {tx.manifest_digest[:12]}…")
        if signer is not None and config is not None:
            if signer.party.id != party or signer.person.id != ack.signer:
                bad(f"recorded as {party}:{ack.signer} but signed by "
                    f"{signer.party.id}:{signer.person.id}")
            elif holds_role(config, signer, config.policy.ack_roles) is None:
                bad(f"{signer.party.id}:{signer.person.id} holds no acknowledgement role")
        if out:
            return out
        self.received.setdefault((ack.transfer, party), Received(ack, commit, when))
        if ack.meaning == "approved":
            if tx.type == "policy-change":
                self.approvals.setdefault(commit, set()).add(tx.manifest_digest)
            for item in tx.items:
                self.needs_approval.pop((item.id, item.revision, item.sha256), None)
        return out

    def _disposition(self, commit: str, signer: Signer | None, config: Config | None, path: str,
                     before: Snapshot, after: Snapshot) -> list[Finding]:
        """A disposition (``techxfer dispose``): added once, in the very commit that marks
        every record it lists ``destroyed`` in the register, by the person and party it
        names, who may write the path of each of those records. Whether each destruction
        was allowed (notice, approval, retention, holds) is judged with the register change
        (``_disposal_problem``)."""
        if before.exists(path):
            verb = "changed" if after.exists(path) else "removed"
            return [Finding(Code.RECORD_DELETED, path, f"a disposition record was {verb}; "
                            "dispositions are kept, never changed or removed", commit)]
        raw = _load(after, "disposition", path, Code.TRANSFER_INVALID, commit)
        if isinstance(raw, list):
            return raw
        record = Disposition.create(raw)
        out: list[Finding] = []

        def bad(message: str, code: Code = Code.TRANSFER_INVALID) -> None:
            out.append(Finding(code, path, f"{record.id}: {message}", commit))

        if path != disposition_path(record.id):
            bad(f"the record's id differs from its file name {path}")
        seen: set[str] = set()
        for item in record.records:
            if item.id in seen:
                bad(f"lists {item.id} more than once")
                continue
            seen.add(item.id)
            old, new = _entry(before, item.path, item.id), _entry(after, item.path, item.id)
            if old is None or old.status == "destroyed" or new is None \
                    or new.status != "destroyed":
                bad(f"lists {item.id} ({item.path}) which this commit does not destroy")
            elif (old.path, old.revision, old.sha256) != (item.path, item.revision, item.sha256):
                bad(f"lists {item.id} as {item.path} rev {item.revision} {item.sha256[:12]}…, but "
                    f"the register destroyed {old.path} rev {old.revision} {old.sha256[:12]}…")
        if signer is None or config is None:
            return out
        who = f"{signer.party.id}:{signer.person.id}"
        if config.party_id(record.party) != signer.party.id or record.signer != signer.person.id:
            bad(f"recorded as made by {record.party}:{record.signer} but signed by {who}",
                Code.UNAUTHORIZED_CHANGE)
        for item in record.records:
            if not may_write(config, signer, item.path):
                bad(f"{who} may not write {item.path}, so may not record {item.id} destroyed",
                    Code.UNAUTHORIZED_CHANGE)
        return out

    def _distribution(self, commit: str, signer: Signer | None, config: Config | None, path: str,
                      before: Snapshot, after: Snapshot,
                      source: Callable[[str], Snapshot | None]) -> list[Finding]:
        """A distribution of controlled copies (``techxfer export --record``): added once by a
        distribution role of the party named, and every copy an effective revision of the
        commit it names, carried to the recipient by a recorded transfer or its own."""
        if before.exists(path):
            verb = "changed" if after.exists(path) else "removed"
            return [Finding(Code.RECORD_DELETED, path, f"a distribution record was {verb}; "
                            "records of distribution are kept, never changed", commit)]
        out: list[Finding] = []
        raw = _load(after, "distribution", path, Code.TRANSFER_INVALID, commit)
        if isinstance(raw, list):
            return raw
        record = Distribution.create(raw)
        exp_id = record.id

        def bad(message: str, code: Code = Code.TRANSFER_INVALID) -> None:
            out.append(Finding(code, path, f"{exp_id}: {message}", commit))

        if path != distribution_path(exp_id):
            bad(f"the record's id differs from its file name {path}")
        if signer is None or config is None:
            return out
        who = f"{signer.party.id}:{signer.person.id}"
        if signer.party.id != record.party or signer.person.id != record.signer:
            bad(f"recorded as made by {record.party}:{record.signer} but signed by {who}",
                Code.UNAUTHORIZED_CHANGE)
        elif holds_role(config, signer, config.policy.distribution_roles) is None:
            bad(f"{who} holds no role that may record a distribution "
                f"({', '.join(map(str, config.policy.distribution_roles))})", Code.UNAUTHORIZED_CHANGE)
        recipient = config.parties.resolve(record.recipient)
        if recipient is None:
            bad(f"recipient {record.recipient} is no party")
            return out
        snap = source(record.commit)
        if snap is None:
            bad(f"the copies were made from commit {record.commit[:10]}, which is not in the "
                "history before this record")
            return out
        numbers: set[str] = set()
        for copy in record.copies:
            number, doc_id = copy.copy, copy.id
            if not number.startswith(exp_id + "-") or number in numbers:
                bad(f"copy number {number} is not a unique number of {exp_id}")
            numbers.add(number)
            entry = _entry(snap, copy.path, doc_id)
            if entry is None:
                bad(f"copy {number}: {doc_id} ({copy.path}) is not in the register of the "
                    "commit the copies were made from")
                continue
            if (entry.revision, entry.sha256) != (copy.revision, copy.sha256):
                bad(f"copy {number}: {doc_id} rev {copy.revision} {copy.sha256[:12]}… "
                    f"differs from the register's rev {entry.revision} {entry.sha256[:12]}…")
            elif entry.status != "effective":
                bad(f"copy {number}: {doc_id} rev {entry.revision} is {entry.status}, "
                    "handed out as a controlled copy")
            if not copy.stamped and copy.copy_sha256 != copy.sha256:
                bad(f"copy {number}: an unstamped copy whose content differs from the original")
            tx_id = copy.transfer
            if tx_id is None:
                if config.party_id(entry.owner) != recipient.id:
                    bad(f"copy {number}: {doc_id} is owned by {entry.owner} and no transfer to "
                        f"{recipient.id} is named")
                continue
            sent = self.sent.get(tx_id)
            if sent is None or sent.transfer.recipient != recipient.id or not any(
                    (i.id, i.revision, i.sha256) == (doc_id, entry.revision, entry.sha256)
                    for i in sent.transfer.items):
                bad(f"copy {number}: transfer {tx_id} did not carry {doc_id} rev "
                    f"{copy.revision} to {recipient.id}")
        return out

    def _register_change(self, commit: str, when: datetime, config: Config | None, manifest: str,
                         pairs: tuple[EntryPair, ...], before: Snapshot, after: Snapshot,
                         changed: Iterable[str]) -> list[Finding]:
        out: list[Finding] = []
        for old, new in pairs:
            if new is not None and config is not None and new.status != "destroyed":
                rule = config.policy.rule_for(new.path)
                if rule is not None and rule.ack == "approved":
                    self.needs_approval[(new.id, new.revision, new.sha256)] = (commit, when, new.path)
            if old is None or old.status == "destroyed":
                continue
            if new is None:
                # Gone from this manifest: removed, or moved to another one (a folder split),
                # where it must still be what it was: moved and destroyed at once is judged
                # as a destruction like any other.
                moved = _entry(after, old.path, old.id)
                if moved is None:
                    out.append(Finding(Code.RECORD_DELETED, old.path,
                                       f"{old.id} rev {old.revision} was removed from the register "
                                       f"({manifest}) without a disposition", commit))
                elif moved.status == "destroyed":
                    why = self._disposal_problem(old, when, config, before, after, changed)
                    if why:
                        out.append(Finding(Code.RECORD_DELETED, old.path,
                                           f"{old.id} rev {old.revision} destroyed: {why}", commit))
            elif new.status == "destroyed":
                why = self._disposal_problem(old, when, config, before, after, changed)
                if why:
                    out.append(Finding(Code.RECORD_DELETED, old.path,
                                       f"{old.id} rev {old.revision} destroyed: {why}", commit))
        return out

    def _disposal_problem(self, old: DocumentEntry, when: datetime, config: Config | None,
                          before: Snapshot, after: Snapshot, changed: Iterable[str]) -> str | None:
        """Why this destruction is not justified, or None when it is."""
        record = _disposition_for(after, old.id, changed)
        if record is None:
            return "no disposition record in the same commit lists it"
        sent = self.sent.get(record.notice)
        if sent is None or sent.transfer.type != "disposal-notice" \
                or all(i.id != old.id for i in sent.transfer.items):
            return f"disposal notice {record.notice} does not list it"
        tx = sent.transfer
        ack = self.received.get((tx.id, tx.recipient))
        if ack is not None and ack.ack.meaning == "approved" and ack.commit != record.approval_commit:
            return "the disposition names another approval than the notice's acknowledgement"
        if config is None:
            return None
        approval = NoticeApproval(tx, ack.ack.meaning if ack else None, sent.commit,
                                  ack.commit if ack else None)
        # Judged with the holds in force before this commit: a disposal cannot release
        # the hold that forbids it in the same commit.
        reasons = destruction_blockers(old, replace(config, holds=_holds(before)), when, approval)
        return "; ".join(reasons) or None

    def approved_config_digests(self, commit: str) -> set[str]:
        return self.approvals.get(commit, set())

    def propose_config(self, digest: str, commit: str) -> None:
        self.proposals.setdefault(digest, commit)

    # -- after the walk --------------------------------------------------------------------
    def counts(self) -> tuple[int, int]:
        return len(self.sent), len(self.received)

    def pending_ids(self, as_of: datetime) -> list[str]:
        return [tx_id for tx_id, s in self.sent.items()
                if (tx_id, s.transfer.recipient) not in self.received]

    def finish(self, as_of: datetime, config: Config | None,
               unapproved: dict[str, str]) -> list[Finding]:
        out: list[Finding] = []
        days = config.repo.ack_within_days if config else 30
        for tx_id, s in self.sent.items():
            tx = s.transfer
            got = self.received.get((tx_id, tx.recipient))
            if got is None and as_of > tx.due(days):
                out.append(Finding(Code.ACK_MISSING, transfer_path(tx_id),
                                   f"{tx_id} to {tx.recipient}, sent {tx.date.date()}, not "
                                   f"acknowledged within {days} days", s.commit))
            elif got is not None and got.when > tx.due(days):
                # judged at the latest time the acknowledgement can be shown to exist from:
                # a date written in time does not make an acknowledgement received late timely
                out.append(Finding(Code.ACK_MISSING, ack_path(tx_id, tx.recipient),
                                   f"{tx_id} to {tx.recipient}, sent {tx.date.date()}, "
                                   f"acknowledged only at {got.when.isoformat(timespec='seconds')}, "
                                   f"after the {days}-day deadline", got.commit))
        for digest, commit in unapproved.items():
            proposal = next((s for s in self.sent.values() if s.transfer.type == "policy-change"
                             and s.transfer.manifest_digest == digest), None)
            rejected = proposal is not None and self._rejected(proposal.transfer.id)
            if proposal is None or rejected or as_of > proposal.transfer.due(days):
                why = ("never sent for approval" if proposal is None else
                       "rejected" if rejected else "not approved in time")
                out.append(Finding(Code.CHANGE_NOT_APPROVED, CONFIG_DIR + "/",
                                   f"this configuration change is not in force: {why}", commit))
        for (doc_id, rev, _), (commit, when, path) in self.needs_approval.items():
            if as_of > _plus_days(when, days):
                out.append(Finding(Code.CHANGE_NOT_APPROVED, path,
                                   f"{doc_id} rev {rev} needs the other party's approval and has "
                                   f"none after {days} days", commit))
        return out

    def _rejected(self, tx_id: str) -> bool:
        return any(r.ack.meaning == "rejected" for (t, _), r in self.received.items() if t == tx_id)


def _plus_days(when: datetime, days: int) -> datetime:
    from datetime import timedelta

    return when + timedelta(days=days)


def _entry(snap: Snapshot, path: str, doc_id: str) -> DocumentEntry | None:
    manifest = nearest_manifest(path, snap.manifest_set)
    if manifest is None:
        return None
    return next((e for e in manifest_entries(snap, manifest) if e.id == doc_id), None)


def _load(after: Snapshot, kind: str, path: str, code: Code, commit: str) -> Any:
    """A record file read and schema-checked, or the findings (a list) of why it is not."""
    try:
        return after.load(kind, path)
    except SchemaError as exc:
        return [Finding(code, path, p, commit) for p in exc.problems]
    except ConfigError as exc:
        return [Finding(code, path, exc.message, commit)]


def _disposition_for(snap: Snapshot, doc_id: str, changed: Iterable[str]) -> Disposition | None:
    for path in sorted(changed):
        if kind(path) is PathKind.DISPOSITION and snap.is_file(path):
            try:
                raw = snap.load("disposition", path)
            except ConfigError:
                continue
            record = Disposition.create(raw)
            if record.lists(doc_id):
                return record
    return None


def _holds(snap: Snapshot) -> tuple[Hold, ...]:
    out = []
    for path in hold_paths(snap):
        try:
            out.append(Hold.create(snap.load("hold", path)))
        except ConfigError:
            continue
    return tuple(out)
