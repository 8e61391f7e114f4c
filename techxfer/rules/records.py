"""Transfer, acknowledgement, disposition and distribution records met along the history walk.

The book checks each new record as it appears (steps 4 and 5 of ``audit``), remembers
when each transfer was made and acknowledged, and at the end reports acknowledgements
past their deadline and changes that never got the approval their rule asks for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from techxfer.errors import ConfigError
from techxfer.findings import Code, Finding, Msg, msg, term
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
from techxfer.rules.copies import CopyLedger, copy_blocker, holdings, left_behind
from techxfer.rules.lifecycle import LifecycleBook
from techxfer.rules.meanings import meaning_problem, misplaced
from techxfer.rules.register import State, load_record
from techxfer.rules.release import release_dates
from techxfer.rules.retention import NoticeApproval, assess, destruction_reasons, under_hold
from techxfer.rules.training import TrainingBook
from techxfer.rules.wording import role_refs
from techxfer.state.config import Config, hold_paths, in_force_digest
from techxfer.state.manifests import EntryPair, manifest_delta, manifest_index
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
    copies: CopyLedger = field(default_factory=CopyLedger)  # controlled copies handed out
    training: TrainingBook = field(default_factory=TrainingBook)  # valid training records
    lifecycle: LifecycleBook = field(default_factory=LifecycleBook)  # approvals, change requests

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
            elif path_kind is PathKind.TRAINING:
                out += self.training.judge(commit, signer, config, path, before, after,
                                           duties.register_of(after))
        for path in sorted(changed):
            if is_manifest(path):
                pairs = deltas[path] if deltas is not None and path in deltas \
                    else manifest_delta(before, after, path)
                out += self._register_change(commit, when, config, path, pairs, before, after,
                                             changed)
        out += self.training.batches(commit, signer, config, changed, before, after,
                                     duties.register_of, deltas)
        out += self.lifecycle.judge(commit, signer, config, changed, before, after, deltas,
                                    self.sent, self.received)
        return out

    def _hold(self, commit: str, signer: Signer | None, config: Config | None, path: str,
              before: Snapshot, after: Snapshot) -> list[Finding]:
        if signer is None or config is None:
            return []
        who = f"{signer.party.id}:{signer.person.id}"
        if holds_role(config, signer, config.policy.hold_roles) is None:
            return [Finding.of(Code.UNAUTHORIZED_CHANGE, path, msg(
                "hold.not_allowed", "legal holds are placed and released by {roles}, not {who}",
                roles=role_refs(config.policy.hold_roles), who=who), commit)]
        if not after.exists(path):
            return [Finding.of(Code.UNAUTHORIZED_CHANGE, path, msg(
                "hold.deleted", "a legal hold was deleted; holds are released (techxfer hold "
                "release), never deleted"), commit)]
        if before.exists(path):
            try:
                old, new = dict(before.load("hold", path)), dict(after.load("hold", path))
            except ConfigError:
                return []  # reported by the register checks
            new.pop("released", None)
            if "released" in old or old != new:
                return [Finding.of(Code.UNAUTHORIZED_CHANGE, path, msg(
                    "hold.changed", "a legal hold may only be released, not otherwise changed"),
                    commit)]
        return []

    def _record_file(self, commit: str, when: datetime, signer: Signer | None,
                     config: Config | None, path: str, parsed: tuple[str, str | None],
                     before: Snapshot, after: Snapshot) -> list[Finding]:
        tx_id, party = parsed
        code = Code.TRANSFER_INVALID if party is None else Code.ACK_INVALID
        if before.exists(path):
            return [Finding.of(code, path, msg(
                "record.changed", "a signed record was changed; records are never changed or "
                "removed, only added") if after.exists(path) else msg(
                "record.removed", "a signed record was removed; records are never changed or "
                "removed, only added"), commit)]
        kind = "transfer" if party is None else "ack"
        raw = load_record(after, kind, path, code, commit)
        if isinstance(raw, list):
            return raw
        if party is None:
            return self._transfer(commit, when, signer, config, path, Transfer.create(raw), after)
        return self._ack(commit, when, signer, config, path, party, Acknowledgement.create(raw))

    def _transfer(self, commit: str, when: datetime, signer: Signer | None,
                  config: Config | None, path: str, tx: Transfer,
                  after: Snapshot) -> list[Finding]:
        out: list[Finding] = []

        def bad(message: Msg, code: Code = Code.TRANSFER_INVALID) -> None:
            out.append(Finding.of(code, path, _about(tx.id, message), commit))

        if path.split("/")[1] != tx.id:
            bad(msg("record.id_folder", "the record's id differs from its folder {folder}",
                    folder=path.split("/")[1]))
        self.sent.setdefault(tx.id, Sent(tx, commit, when))
        if config is None or signer is None:
            return out
        if signer.party.id != tx.sender:
            bad(msg("transfer.sender", "sent as {sender} but signed by {who}", sender=tx.sender,
                    who=f"{signer.party.id}:{signer.person.id}"), Code.UNAUTHORIZED_CHANGE)
        elif holds_role(config, signer, sender_roles(config, tx.type)) is None:
            bad(msg("transfer.role", "{who} holds no role that may send a {type} transfer",
                    who=f"{signer.party.id}:{signer.person.id}", type=term("type", tx.type)),
                Code.UNAUTHORIZED_CHANGE)
        if tx.signer != signer.person.id:
            bad(msg("record.signer", "the record names {named} as signer but {signer} signed it",
                    named=tx.signer, signer=signer.person.id))
        sender, recipient = config.parties.resolve(tx.sender), config.parties.resolve(tx.recipient)
        if sender is None or recipient is None or sender.seat == recipient.seat:
            bad(msg("transfer.parties", "from {sender} to {recipient}: a transfer goes from one "
                    "party to the other", sender=tx.sender, recipient=tx.recipient))
        if tx.type == "policy-change":
            if tx.manifest_digest != in_force_digest(after):
                bad(msg("transfer.config_digest", "the configuration digest differs from the "
                        ".techxfer/ files of this commit"))
            return out
        if tx.type == "termination" and (left := left_behind(
                (s.transfer for s in self.sent.values() if s.transfer is not tx), tx)):
            bad(msg("transfer.termination_left", "a termination withdraws everything {recipient} "
                    "holds, but leaves {left}", recipient=tx.recipient, left=", ".join(left)))
        entries = []
        for item in tx.items:
            entry = _entry(after, item.path, item.id)
            if entry is None:
                bad(msg("transfer.item_unlisted", "item {id} ({path}) is not in the register at "
                        "this commit", id=item.id, path=item.path))
                continue
            entries.append(entry)
            if (entry.revision, entry.sha256) != (item.revision, item.sha256):
                bad(msg("transfer.item_revision", "item {id} says rev {revision} {sha256}…, the "
                        "register has rev {listed} {listed_sha256}…", id=item.id,
                        revision=item.revision, sha256=item.sha256[:12], listed=entry.revision,
                        listed_sha256=entry.sha256[:12]))
            elif item.action != "withdraw" and not (after.is_file(item.path)
                                                    and after.sha256(item.path) == item.sha256):
                bad(msg("transfer.item_content", "item {id}: {path} is not in the tree with the "
                        "transferred content", id=item.id, path=item.path))
            if config.party_id(entry.owner) != tx.sender:
                bad(msg("transfer.item_owner", "item {id} is owned by {owner}, not the sender "
                        "{sender}", id=item.id, owner=entry.owner, sender=tx.sender))
        if len(entries) == len(tx.items) and manifest_digest(entries) != tx.manifest_digest:
            bad(msg("transfer.digest", "manifest_digest differs from the transferred register "
                    "entries"))
        return out

    def _ack(self, commit: str, when: datetime, signer: Signer | None, config: Config | None,
             path: str, party: str, ack: Acknowledgement) -> list[Finding]:
        out: list[Finding] = []

        def bad(message: Msg) -> None:
            out.append(Finding.of(Code.ACK_INVALID, path, _about(ack.transfer, message), commit))

        sent = self.sent.get(ack.transfer)
        if ack.party != party:
            bad(msg("ack.party_name", "the record says party {party} but its file name says "
                    "{named}", party=ack.party, named=party))
        if sent is None or path.split("/")[1] != ack.transfer:
            bad(msg("ack.no_transfer", "acknowledges a transfer that is not recorded before it"))
            return out
        tx = sent.transfer
        if party != tx.recipient:
            bad(msg("ack.own_transfer", "acknowledged by {party}, but the transfer went to "
                    "{recipient} (a party cannot acknowledge its own transfer)", party=party,
                    recipient=tx.recipient) if party == tx.sender else
                msg("ack.wrong_party", "acknowledged by {party}, but the transfer went to "
                    "{recipient}", party=party, recipient=tx.recipient))
        if ack.transfer_commit != sent.commit or ack.manifest_digest != tx.manifest_digest:
            bad(msg("ack.binding", "bound to commit {commit} / digest {digest}…, but the "
                    "transfer is commit {sent} / {sent_digest}…", commit=ack.transfer_commit[:10],
                    digest=ack.manifest_digest[:12], sent=sent.commit[:10],
                    sent_digest=tx.manifest_digest[:12]))
        if signer is not None and config is not None:
            if signer.party.id != party or signer.person.id != ack.signer:
                bad(msg("record.signed_by", "recorded as {named} but signed by {who}",
                        named=f"{party}:{ack.signer}", who=f"{signer.party.id}:{signer.person.id}"))
            elif holds_role(config, signer, config.policy.ack_roles) is None:
                bad(msg("ack.role", "{who} holds no acknowledgement role",
                        who=f"{signer.party.id}:{signer.person.id}"))
            elif (problem := misplaced(tx, ack.meaning)
                  or meaning_problem(config, signer, ack.meaning)) is not None:
                bad(problem)
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
            return [Finding.of(Code.RECORD_DELETED, path, msg(
                "disposition.changed", "a disposition record was changed; dispositions are kept, "
                "never changed or removed") if after.exists(path) else msg(
                "disposition.removed", "a disposition record was removed; dispositions are kept, "
                "never changed or removed"), commit)]
        raw = load_record(after, "disposition", path, Code.TRANSFER_INVALID, commit)
        if isinstance(raw, list):
            return raw
        record = Disposition.create(raw)
        out: list[Finding] = []

        def bad(message: Msg, code: Code = Code.TRANSFER_INVALID) -> None:
            out.append(Finding.of(code, path, _about(record.id, message), commit))

        if path != disposition_path(record.id):
            bad(msg("record.id_file", "the record's id differs from its file name {path}",
                    path=path))
        seen: set[str] = set()
        for item in record.records:
            if item.id in seen:
                bad(msg("disposition.twice", "lists {id} more than once", id=item.id))
                continue
            seen.add(item.id)
            old, new = _entry(before, item.path, item.id), _entry(after, item.path, item.id)
            if old is None or old.status == "destroyed" or new is None \
                    or new.status != "destroyed":
                bad(msg("disposition.not_destroyed", "lists {id} ({path}) which this commit does "
                        "not destroy", id=item.id, path=item.path))
            elif (old.path, old.revision, old.sha256) != (item.path, item.revision, item.sha256):
                bad(msg("disposition.other_entry", "lists {id} as {path} rev {revision} "
                        "{sha256}…, but the register destroyed {old_path} rev {old_revision} "
                        "{old_sha256}…", id=item.id, path=item.path, revision=item.revision,
                        sha256=item.sha256[:12], old_path=old.path, old_revision=old.revision,
                        old_sha256=old.sha256[:12]))
        if signer is None or config is None:
            return out
        who = f"{signer.party.id}:{signer.person.id}"
        if config.party_id(record.party) != signer.party.id or record.signer != signer.person.id:
            bad(msg("record.made_by", "recorded as made by {named} but signed by {who}",
                    named=f"{record.party}:{record.signer}", who=who), Code.UNAUTHORIZED_CHANGE)
        for item in record.records:
            if not may_write(config, signer, item.path):
                bad(msg("disposition.may_not_write", "{who} may not write {path}, so may not "
                        "record {id} destroyed", who=who, path=item.path, id=item.id),
                    Code.UNAUTHORIZED_CHANGE)
        return out

    def _distribution(self, commit: str, signer: Signer | None, config: Config | None, path: str,
                      before: Snapshot, after: Snapshot,
                      source: Callable[[str], Snapshot | None]) -> list[Finding]:
        """A distribution of controlled copies (``techxfer export --record``): added once by a
        distribution role of the party named, and every copy an effective revision of the
        commit it names, carried to the recipient by a recorded transfer or its own."""
        if before.exists(path):
            return [Finding.of(Code.RECORD_DELETED, path, msg(
                "distribution.changed", "a distribution record was changed; records of "
                "distribution are kept, never changed") if after.exists(path) else msg(
                "distribution.removed", "a distribution record was removed; records of "
                "distribution are kept, never changed"), commit)]
        out: list[Finding] = []
        raw = load_record(after, "distribution", path, Code.TRANSFER_INVALID, commit)
        if isinstance(raw, list):
            return raw
        record = Distribution.create(raw)
        exp_id = record.id

        def bad(message: Msg, code: Code = Code.TRANSFER_INVALID) -> None:
            out.append(Finding.of(code, path, _about(exp_id, message), commit))

        if path != distribution_path(exp_id):
            bad(msg("record.id_file", "the record's id differs from its file name {path}",
                    path=path))
        out += [Finding.of(Code.TRANSFER_INVALID, path, _about(exp_id, problem), commit)
                for problem in self.copies.record(record, path, after.blob_id(path), before)]
        if signer is None or config is None:
            return out
        who = f"{signer.party.id}:{signer.person.id}"
        if signer.party.id != record.party or signer.person.id != record.signer:
            bad(msg("record.made_by", "recorded as made by {named} but signed by {who}",
                    named=f"{record.party}:{record.signer}", who=who), Code.UNAUTHORIZED_CHANGE)
        elif holds_role(config, signer, config.policy.distribution_roles) is None:
            bad(msg("distribution.role", "{who} holds no role that may record a distribution "
                    "({roles})", who=who, roles=role_refs(config.policy.distribution_roles)),
                Code.UNAUTHORIZED_CHANGE)
        recipient = config.parties.resolve(record.recipient)
        if recipient is None:
            bad(msg("distribution.recipient", "recipient {recipient} is no party",
                    recipient=record.recipient))
            return out
        snap = source(record.commit)
        if snap is None:
            bad(msg("distribution.source", "the copies were made from commit {commit}, which is "
                    "not in the history before this record", commit=record.commit[:10]))
            return out
        numbers: set[str] = set()
        held = holdings((s.transfer for s in self.sent.values()), recipient.id)
        acks = {key: got.ack for key, got in self.received.items()}
        for copy in record.copies:
            number, doc_id = copy.copy, copy.id
            if not number.startswith(exp_id + "-") or number in numbers:
                bad(msg("distribution.number", "copy number {number} is not a unique number of "
                        "{id}", number=number, id=exp_id))
            numbers.add(number)
            entry = _entry(snap, copy.path, doc_id)
            if entry is None:
                bad(msg("distribution.unlisted", "copy {number}: {id} ({path}) is not in the "
                        "register of the commit the copies were made from", number=number,
                        id=doc_id, path=copy.path))
                continue
            if (entry.revision, entry.sha256) != (copy.revision, copy.sha256):
                bad(msg("distribution.revision", "copy {number}: {id} rev {revision} {sha256}… "
                        "differs from the register's rev {listed} {listed_sha256}…",
                        number=number, id=doc_id, revision=copy.revision,
                        sha256=copy.sha256[:12], listed=entry.revision,
                        listed_sha256=entry.sha256[:12]))
            elif entry.status != "effective":
                bad(msg("distribution.status", "copy {number}: {id} rev {revision} is {status}, "
                        "handed out as a controlled copy", number=number, id=doc_id,
                        revision=entry.revision, status=term("status", entry.status)))
            if not copy.stamped and copy.copy_sha256 != copy.sha256:
                bad(msg("distribution.unstamped", "copy {number}: an unstamped copy whose content "
                        "differs from the original", number=number))
            tx_id = copy.transfer
            if tx_id is None:
                if config.party_id(entry.owner) != recipient.id:
                    bad(msg("distribution.owner", "copy {number}: {id} is owned by {owner} and no "
                            "transfer to {recipient} is named", number=number, id=doc_id,
                            owner=entry.owner, recipient=recipient.id))
                continue
            sent = self.sent.get(tx_id)
            if sent is None or sent.transfer.recipient != recipient.id or not any(
                    (i.id, i.revision, i.sha256) == (doc_id, entry.revision, entry.sha256)
                    for i in sent.transfer.items):
                bad(msg("distribution.not_carried", "copy {number}: transfer {tx} did not carry "
                        "{id} rev {revision} to {recipient}", number=number, tx=tx_id, id=doc_id,
                        revision=copy.revision, recipient=recipient.id))
            elif why := copy_blocker(config, recipient.id, held.get(doc_id), entry.revision,
                                     entry.sha256, acks, judge_signer=False):
                # acknowledged and still held when the copy was issued (rules/copies)
                bad(msg("distribution.not_held", "copy {number}: {id} {why}", number=number,
                        id=doc_id, why=why))
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
                    out.append(Finding.of(Code.RECORD_DELETED, old.path, msg(
                        "register.removed", "{id} rev {revision} was removed from the register "
                        "({manifest}) without a disposition", id=old.id, revision=old.revision,
                        manifest=manifest), commit))
                elif moved.status == "destroyed":
                    why = self._disposal_problem(old, when, config, before, after, changed)
                    if why:
                        out.append(Finding.of(Code.RECORD_DELETED, old.path, _destroyed(old, why),
                                              commit))
            elif new.status == "destroyed":
                why = self._disposal_problem(old, when, config, before, after, changed)
                if why:
                    out.append(Finding.of(Code.RECORD_DELETED, old.path, _destroyed(old, why),
                                          commit))
        return out

    def _disposal_problem(self, old: DocumentEntry, when: datetime, config: Config | None,
                          before: Snapshot, after: Snapshot, changed: Iterable[str]) -> Msg | None:
        """Why this destruction is not justified, or None when it is."""
        record = _disposition_for(after, old.id, changed)
        if record is None:
            return msg("disposal.no_record", "no disposition record in the same commit lists it")
        sent = self.sent.get(record.notice)
        if sent is None or sent.transfer.type != "disposal-notice" \
                or all(i.id != old.id for i in sent.transfer.items):
            return msg("disposal.not_noticed", "disposal notice {notice} does not list it",
                       notice=record.notice)
        tx = sent.transfer
        ack = self.received.get((tx.id, tx.recipient))
        if ack is not None and ack.ack.meaning == "approved" and ack.commit != record.approval_commit:
            return msg("disposal.other_approval", "the disposition names another approval than "
                       "the notice's acknowledgement")
        if config is None:
            return None
        approval = NoticeApproval(tx, ack.ack.meaning if ack else None, sent.commit,
                                  ack.commit if ack else None)
        # Judged with the holds in force before this commit: a disposal cannot release
        # the hold that forbids it in the same commit.
        reasons = destruction_reasons(old, replace(config, holds=_holds(before)), when, approval,
                                     release_dates(before))
        if not reasons:
            return None
        joined = reasons[0]
        for reason in reasons[1:]:
            joined = msg("disposal.and", "{first}; {then}", first=joined, then=reason)
        return joined

    def brought_in(self, commit: str, when: datetime, config: Config | None,
                   others: Sequence[Snapshot], after: Snapshot,
                   pairs: Mapping[str, tuple[EntryPair, ...]]) -> list[Finding]:
        """A merge's entry changes brought into one parent's line from the OTHERS (PAIRS, by
        manifest). Each was judged in the commit that made it, against the holds of its own
        line; what that could not see are the holds this line placed after the two parted.
        A destruction brought across such a hold, still in force in the merged tree at the
        merge, makes the merge destroy a held record: the merge's finding (the same rule,
        ``assess``, decides what a hold freezes)."""
        if config is None:
            return []
        out: list[Finding] = []
        holds = _holds_at(after)
        for _, changes in sorted(pairs.items()):
            for old, new in changes:
                if old is None or old.status == "destroyed":
                    continue
                gone = new if new is not None else _entry(after, old.path, old.id)
                if gone is None or gone.status != "destroyed":
                    continue  # a removal without disposition is its own side's finding
                sides = [s for s in others if _destroyed_in(s, old)]
                unseen = tuple(hold for path, hold in holds if not any(
                    s.exists(path) and s.blob_id(path) == after.blob_id(path) for s in sides))
                held = assess(old, replace(config, holds=unseen), when).holds
                if held:
                    out.append(Finding.of(Code.RECORD_DELETED, old.path, msg(
                        "disposal.merged_over_hold", "{id} rev {revision} destroyed on the other "
                        "side of this merge, which brings it into a line where it is {held} "
                        "(placed after the two lines parted)", id=old.id, revision=old.revision,
                        held=under_hold(held)), commit))
        return out

    def merged(self, commit: str, parents: Sequence[Snapshot], after: Snapshot,
               brought: Iterable[str]) -> list[Finding]:
        """A merge (AFTER, of PARENTS) bringing records at BROUGHT into a line of history
        from another: each was judged on its own line; what only the two together say
        (a copy given back on both) is the merge's."""
        records = [p for p in brought if kind(p) is PathKind.DISTRIBUTION]
        if not records:
            return []
        return [Finding.of(Code.TRANSFER_INVALID, path, _about(exp_id, problem), commit)
                for path, exp_id, problem in self.copies.merged(parents, after, records)]

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
        repo = config.repo if config else None

        def due(tx: Transfer) -> datetime:
            return tx.due(repo) if repo else _plus_days(tx.date, 30)

        for tx_id, s in self.sent.items():
            tx = s.transfer
            got = self.received.get((tx_id, tx.recipient))
            days = repo.ack_days(tx.type) if repo else 30
            if got is None and as_of > due(tx):
                out.append(Finding.of(Code.ACK_MISSING, transfer_path(tx_id), msg(
                    "ack.missing", "{tx} to {recipient}, sent {sent}, not acknowledged within "
                    "{days} days", tx=tx_id, recipient=tx.recipient, sent=tx.date.date(),
                    days=days), s.commit))
            elif got is not None and got.when > due(tx):
                # judged at the latest time the acknowledgement can be shown to exist from:
                # a date written in time does not make an acknowledgement received late timely
                out.append(Finding.of(Code.ACK_MISSING, ack_path(tx_id, tx.recipient), msg(
                    "ack.late", "{tx} to {recipient}, sent {sent}, acknowledged only at {when}, "
                    "after the {days}-day deadline", tx=tx_id, recipient=tx.recipient,
                    sent=tx.date.date(), when=got.when.isoformat(timespec="seconds"), days=days),
                    got.commit))
        for digest, commit in unapproved.items():
            proposal = next((s for s in self.sent.values() if s.transfer.type == "policy-change"
                             and s.transfer.manifest_digest == digest), None)
            rejected = proposal is not None and self._rejected(proposal.transfer.id)
            if proposal is None or rejected or as_of > due(proposal.transfer):
                why = (msg("config.never_sent", "never sent for approval") if proposal is None else
                       msg("config.rejected", "rejected") if rejected else
                       msg("config.late", "not approved in time"))
                out.append(Finding.of(Code.CHANGE_NOT_APPROVED, CONFIG_DIR + "/", msg(
                    "config.not_in_force", "this configuration change is not in force: {why}",
                    why=why), commit))
        for (doc_id, rev, _), (commit, when, path) in self.needs_approval.items():
            if as_of > _plus_days(when, days):
                out.append(Finding.of(Code.CHANGE_NOT_APPROVED, path, msg(
                    "change.not_approved", "{id} rev {revision} needs the other party's approval "
                    "and has none after {days} days", id=doc_id, revision=rev, days=days), commit))
        return out

    def _rejected(self, tx_id: str) -> bool:
        return any(r.ack.meaning == "rejected" for (t, _), r in self.received.items() if t == tx_id)


def _about(record_id: str, message: Msg) -> Msg:
    return msg("record.about", "{id}: {detail}", id=record_id, detail=message)


def _destroyed(old: DocumentEntry, why: Msg) -> Msg:
    return msg("register.destroyed", "{id} rev {revision} destroyed: {why}", id=old.id,
               revision=old.revision, why=why)




def _plus_days(when: datetime, days: int) -> datetime:
    from datetime import timedelta

    return when + timedelta(days=days)


def _entry(snap: Snapshot, path: str, doc_id: str) -> DocumentEntry | None:
    manifest = nearest_manifest(path, snap.manifest_set)
    if manifest is None:
        return None
    return manifest_index(snap, manifest).get(doc_id)  # the first entry of that id



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


def _destroyed_in(snap: Snapshot, old: DocumentEntry) -> bool:
    entry = _entry(snap, old.path, old.id)
    return entry is not None and entry.status == "destroyed"


def _holds_at(snap: Snapshot) -> list[tuple[str, Hold]]:
    """The readable holds of a state, with their paths (a broken one is the register's
    finding)."""
    out = []
    for path in hold_paths(snap):
        try:
            out.append((path, Hold.create(snap.load("hold", path))))
        except ConfigError:
            continue
    return out


def _holds(snap: Snapshot) -> tuple[Hold, ...]:
    return tuple(hold for _, hold in _holds_at(snap))
