"""A revision's lifecycle and changes either side starts (DESIGN 11; GMP art. 43, 112;
ISO 13485 4.2.4; Shanghai guide S 4.4.9, S 10.0; 21 CFR 11.50).

- **Approval before use.** Under a policy rule with ``approval: required``, a revision
  becomes ``effective`` only in a commit whose tree holds a valid approval record of that
  revision and content (``approvals/<DOC-ID>@<REV>.yaml``), signed by a person of the
  document's owner party whose role carries ``approved``. The tree of a commit holds
  exactly what the commit and its ancestors wrote, so an approval made later, or on a side
  line merged afterwards, does not cure an earlier use: CHANGE_NOT_APPROVED.
- **Transfers carry effective revisions**, drafts only as a ``change-request``, whose items
  are all drafts (TRANSFER_INVALID otherwise).
- **A change request gates use.** A revision a change request carries may be made
  effective, or cited by a batch record (``x-uses``), only in a commit whose tree holds the
  recipient's ``approved`` acknowledgement of that request (CHANGE_NOT_APPROVED).
- **Implementation** (``transfers/<TX-ID>/implemented.yaml``) is confirmed by the
  manufacturer (the sender of its own request, the recipient of the registrant's), by a
  role carrying ``implemented``, and only after the approval.

A wrong approval or implementation record (signer, role, party, content) is ACK_INVALID:
like an acknowledgement, it is a signature given with a meaning. Records are added once,
never changed. ``verify`` asks ``LifecycleBook.judge`` of every commit (through the record
book); ``techxfer approve`` and ``techxfer implemented`` ask ``approval_problems`` and
``implementation_problems`` before they write.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from techxfer.findings import Code, Finding, Msg, msg, term
from techxfer.format.layout import (
    PathKind,
    ack_path,
    approval_path,
    is_manifest,
    kind,
    parse_approval_path,
    parse_implementation_path,
    parse_record_path,
    transfer_path,
)
from techxfer.model.approval import (
    APPROVED,
    IMPLEMENTED,
    Implementation,
    RevisionApproval,
    approval_step,
)
from techxfer.model.manifest import DocumentEntry, entry_of, nearest_manifest
from techxfer.model.parties import Signer
from techxfer.model.transfer import CHANGE_REQUEST, Acknowledgement, Transfer
from techxfer.model.uses import USES_KEY, uses_of
from techxfer.rules.duties import register_of
from techxfer.rules.meanings import meaning_problem, signers_of
from techxfer.rules.register import load_record
from techxfer.state.config import Config
from techxfer.state.manifests import EntryPair, manifest_delta
from techxfer.state.snapshot import Snapshot

Problems = list[tuple[Code, Msg]]


class Sent(Protocol):
    """A transfer as the record book met it (rules.records.Sent)."""

    @property
    def transfer(self) -> Transfer: ...

    @property
    def commit(self) -> str: ...


class Received(Protocol):
    """A valid acknowledgement as the record book met it (rules.records.Received)."""

    @property
    def ack(self) -> Acknowledgement: ...

    @property
    def commit(self) -> str: ...


# -- the records, as a command and the audit judge them ----------------------------------
def _signature(signer: Signer, config: Config, party: str, person: str, role: str,
               meaning: str) -> Problems:
    who = f"{signer.party.id}:{signer.person.id}"
    if (signer.party.id, signer.person.id) != (party, person):
        return [(Code.ACK_INVALID, msg("record.signed_by", "recorded as {named} but signed by "
                                       "{who}", named=f"{party}:{person}", who=who))]
    if role not in signer.person.roles:
        return [(Code.ACK_INVALID, msg("lifecycle.role_not_held", "signed as {role}, a role {who} "
                                       "does not hold", role=term("role", role), who=who))]
    problem = meaning_problem(config, signer, meaning)
    if problem is None and not any(config.party_id(r.party) == party and r.role == role
                                   for r in config.policy.meaning_roles(meaning)):
        problem = msg("lifecycle.role_no_meaning", "signed as {role}, which does not carry "
                      "'{meaning}': the policy's meanings.{key} names {signers}",
                      role=term("role", role), meaning=term("meaning", meaning), key=meaning,
                      signers=signers_of(config, meaning))
    return [(Code.ACK_INVALID, problem)] if problem is not None else []


def approver_problem(config: Config, signer: Signer, entry: DocumentEntry) -> Msg | None:
    """Why SIGNER may not approve ENTRY (not of its owner party, or no role carrying
    ``approved``), or None: asked by ``techxfer approve`` before anything else."""
    owner = config.party_id(entry.owner)
    if signer.party.id != owner:
        return msg("lifecycle.not_owner", "{id} is owned by {owner}; its revisions are approved "
                   "by {owner}'s {signers}, not by {who}", id=entry.id, owner=entry.owner,
                   signers=signers_of(config, APPROVED), who=f"{signer.party.id}:{signer.person.id}")
    return meaning_problem(config, signer, APPROVED)


def approval_problems(record: RevisionApproval, path: str, signer: Signer | None,
                      config: Config, register: Mapping[str, DocumentEntry]) -> Problems:
    """What is wrong with the approval RECORD at PATH signed by SIGNER, REGISTER being the
    documents (by id) of the state that holds it. Empty when nothing is."""
    out: Problems = []
    if parse_approval_path(path) != (record.document, record.revision):
        out.append((Code.ACK_INVALID, msg("lifecycle.approval_file", "the record approves {id} "
                                          "rev {revision} but its file name is {path}",
                                          id=record.document, revision=record.revision,
                                          path=path)))
    entry = register.get(record.document)
    if entry is None:
        out.append((Code.ACK_INVALID, msg("lifecycle.approval_unlisted", "approves {id}, which is "
                                          "not in the register", id=record.document)))
        return out
    if (entry.revision, entry.sha256) != (record.revision, record.sha256):
        out.append((Code.ACK_INVALID, msg(
            "lifecycle.approval_content", "approves {id} rev {revision} {sha256}…, but the "
            "register has rev {listed} {listed_sha256}…", id=record.document,
            revision=record.revision, sha256=record.sha256[:12], listed=entry.revision,
            listed_sha256=entry.sha256[:12])))
    owner = config.party_id(entry.owner)
    if record.party != owner:
        out.append((Code.ACK_INVALID, msg(
            "lifecycle.approval_party", "approved by {party}, but {id} is owned by {owner}",
            party=record.party, id=record.document, owner=entry.owner)))
    elif signer is not None:
        out += _signature(signer, config, record.party, record.signer, record.role, APPROVED)
    return out


def implementer(config: Config, tx: Transfer) -> str | None:
    """The party that implements a change request: the manufacturer, who is the sender of
    its own request and the recipient of the registrant's."""
    sender = config.parties.resolve(tx.sender)
    if sender is None:
        return None
    return sender.id if sender.seat == "manufacturer" else config.party_id(tx.recipient)


def implementation_problems(record: Implementation, tx_id: str, sent: Sent | None,
                            signer: Signer | None, config: Config) -> Problems:
    """What is wrong with the implementation RECORD of transfer TX_ID (SENT: the transfer
    as recorded, if it is), signed by SIGNER; whether it was approved first is asked apart
    (``LifecycleBook.decided``)."""
    out: Problems = []
    if record.transfer != tx_id:
        out.append((Code.ACK_INVALID, msg("lifecycle.implemented_folder", "the record names "
                                          "transfer {named}, but lies in the folder of {tx}",
                                          named=record.transfer, tx=tx_id)))
    if sent is None or sent.transfer.type != CHANGE_REQUEST:
        out.append((Code.ACK_INVALID, msg("lifecycle.not_a_request", "{tx} is not a recorded "
                                          "change request", tx=tx_id)))
        return out
    if record.transfer_commit != sent.commit:
        out.append((Code.ACK_INVALID, msg("lifecycle.implemented_binding", "bound to commit "
                                          "{commit}, but the change request is commit {sent}",
                                          commit=record.transfer_commit[:10],
                                          sent=sent.commit[:10])))
    party = implementer(config, sent.transfer)
    if record.party != party:
        out.append((Code.ACK_INVALID, msg("lifecycle.implemented_party", "confirmed by {party}, "
                                          "but {tx} is implemented by {implementer}",
                                          party=record.party, tx=tx_id, implementer=party)))
    elif signer is not None:
        out += _signature(signer, config, record.party, record.signer, record.role, IMPLEMENTED)
    return out


def transfer_problems(tx: Transfer, register: Mapping[str, DocumentEntry]) -> list[Msg]:
    """Transfers carry effective revisions; a change request only drafts (DESIGN 11)."""
    out: list[Msg] = []
    for item in tx.items:
        entry = register.get(item.id)
        if entry is None or (entry.revision, entry.sha256) != (item.revision, item.sha256):
            continue  # the record book's finding
        if tx.type == CHANGE_REQUEST and entry.status != "draft":
            out.append(msg("lifecycle.request_not_draft", "a change request proposes draft "
                           "revisions; {id} rev {revision} is {status}", id=item.id,
                           revision=item.revision, status=term("status", entry.status)))
        elif tx.type != CHANGE_REQUEST and entry.status == "draft" and item.action != "withdraw":
            out.append(msg("lifecycle.draft_transferred", "{id} rev {revision} is a draft; a "
                           "draft travels only in a {request} transfer", id=item.id,
                           revision=item.revision, request=term("type", CHANGE_REQUEST)))
    return out


# -- along the history walk ---------------------------------------------------------------
@dataclass
class Request:
    transfer: str
    recipient: str
    sha256: str


@dataclass(frozen=True)
class Use:
    """A revision made effective or cited while no change request carrying it was in the
    tree: judged again where a request for it, undecided, meets it (a merge)."""

    commit: str
    entry: str  # the id of the entry made effective or citing
    effective: bool  # made effective (else cited)
    cited: str = ""  # the citation as written
    manifest: str = ""  # the manifest listing the entry


@dataclass
class LifecycleBook:
    """What the walk learnt: the approval records and approving acknowledgements judged
    valid when they were added (by path and blob, so that only a tree that holds that very
    record counts), and the revisions change requests carry."""

    approvals: dict[tuple[str, str], str] = field(default_factory=dict)  # (path, blob) → sha256
    decisions: dict[str, set[str]] = field(default_factory=dict)  # tx id → approving ack blobs
    # (id, rev), case-folded: a citation spelt in another case names the same revision
    requests: dict[tuple[str, str], list[Request]] = field(default_factory=dict)
    pending: dict[tuple[str, str], list[Use]] = field(default_factory=dict)  # (id, rev) folded

    def judge(self, commit: str, signer: Signer | None, config: Config | None,
              changed: Iterable[str], before: Snapshot, after: Snapshot,
              deltas: Mapping[str, tuple[EntryPair, ...]] | None,
              sent: Mapping[str, Sent], received: Mapping[tuple[str, str], Received]
              ) -> list[Finding]:
        """The lifecycle records this commit adds, then what it makes effective or cites.
        SENT and RECEIVED are the record book's transfers and valid acknowledgements."""
        out: list[Finding] = []
        paths = sorted(changed)
        register: Mapping[str, DocumentEntry] | None = None

        def entries() -> Mapping[str, DocumentEntry]:
            nonlocal register
            if register is None:
                register = register_of(after)
            return register

        for path in paths:
            path_kind = kind(path)
            if path_kind is PathKind.APPROVAL:
                out += self._approval(commit, signer, config, path, before, after, entries)
            elif path_kind is PathKind.IMPLEMENTATION:
                out += self._implementation(commit, signer, config, path, before, after, sent,
                                            received)
            elif path_kind is PathKind.TRANSFER and not before.exists(path):
                out += self._transfer(commit, path, sent, after, entries)
            elif path_kind is PathKind.ACK and not before.exists(path):
                self._decision(commit, path, sent, received, after)
        out += self._met(commit, before, after, entries, received)
        if config is None:
            return out
        for path in paths:
            if not is_manifest(path):
                continue
            pairs = deltas[path] if deltas is not None and path in deltas \
                else manifest_delta(before, after, path)
            for old, new in pairs:
                if new is None or new.status == "destroyed":
                    continue
                out += self._use(commit, config, old, new, after, received, set(paths),
                                 entries)
        return out

    # records
    def _approval(self, commit: str, signer: Signer | None, config: Config | None, path: str,
                  before: Snapshot, after: Snapshot, entries: Any) -> list[Finding]:
        if before.exists(path):
            return [_changed(commit, path, after)]
        raw = load_record(after, "approval", path, Code.ACK_INVALID, commit)
        if isinstance(raw, list):
            return raw
        record = RevisionApproval.create(raw)
        if config is None:
            return []
        problems = approval_problems(record, path, signer, config, entries())
        if not problems and signer is not None:
            self.approvals[(path, after.blob_id(path))] = record.sha256
        return [Finding.of(code, path, _about(record.document, m), commit) for code, m in problems]

    def _implementation(self, commit: str, signer: Signer | None, config: Config | None,
                        path: str, before: Snapshot, after: Snapshot, sent: Mapping[str, Sent],
                        received: Mapping[tuple[str, str], Received]) -> list[Finding]:
        if before.exists(path):
            return [_changed(commit, path, after)]
        raw = load_record(after, "implementation", path, Code.ACK_INVALID, commit)
        if isinstance(raw, list):
            return raw
        record = Implementation.create(raw)
        tx_id = parse_implementation_path(path) or ""
        if config is None:
            return []
        found = sent.get(tx_id)
        problems = implementation_problems(record, tx_id, found, signer, config)
        if found is not None and found.transfer.type == CHANGE_REQUEST \
                and not self.decided(after, tx_id, found.transfer.recipient):
            problems.append((Code.CHANGE_NOT_APPROVED, msg(
                "lifecycle.implemented_first", "implementation confirmed before {recipient} "
                "approved the change request: {why}", recipient=found.transfer.recipient,
                why=_undecided(tx_id, found.transfer.recipient, received))))
        return [Finding.of(code, path, _about(tx_id, m), commit) for code, m in problems]

    def _transfer(self, commit: str, path: str, sent: Mapping[str, Sent], after: Snapshot,
                  entries: Any) -> list[Finding]:
        parsed = parse_record_path(path)
        found = sent.get(parsed[0]) if parsed is not None else None
        if found is None or found.commit != commit:
            return []
        tx = found.transfer
        if tx.type == CHANGE_REQUEST:
            for item in tx.items:
                requests = self.requests.setdefault(_key(item.id, item.revision), [])
                if all(r.transfer != tx.id for r in requests):
                    requests.append(Request(tx.id, tx.recipient, item.sha256))
        return [Finding.of(Code.TRANSFER_INVALID, path, _about(tx.id, m), commit)
                for m in transfer_problems(tx, entries())]

    def _decision(self, commit: str, path: str, sent: Mapping[str, Sent],
                  received: Mapping[tuple[str, str], Received], after: Snapshot) -> None:
        """An approving acknowledgement of a change request, valid and made here."""
        parsed = parse_record_path(path)
        if parsed is None or parsed[1] is None:
            return
        got = received.get((parsed[0], parsed[1]))
        tx = sent.get(parsed[0])
        if got is None or got.commit != commit or tx is None or got.ack.meaning != APPROVED \
                or tx.transfer.type != CHANGE_REQUEST or parsed[1] != tx.transfer.recipient:
            return
        self.decisions.setdefault(parsed[0], set()).add(after.blob_id(path))

    def decided(self, snap: Snapshot, tx_id: str, recipient: str) -> bool:
        """Does SNAP hold RECIPIENT's valid approval of change request TX_ID?"""
        path = ack_path(tx_id, recipient)
        return snap.exists(path) and snap.blob_id(path) in self.decisions.get(tx_id, set())

    def approved(self, snap: Snapshot, entry: DocumentEntry) -> bool:
        """Does SNAP hold a valid approval of ENTRY's revision with ENTRY's content?"""
        path = approval_path(entry.id, entry.revision)
        return snap.exists(path) and self.approvals.get((path, snap.blob_id(path))) == entry.sha256

    # uses
    def _met(self, commit: str, before: Snapshot, after: Snapshot, entries: Any,
             received: Mapping[tuple[str, str], Received]) -> list[Finding]:
        """Uses made on a line without the change request, meeting it undecided in this
        commit's tree (and not in the parent's): a merge brings them together."""
        out: list[Finding] = []
        old: Mapping[str, DocumentEntry] | None = None
        for key in sorted(self.requests.keys() & self.pending.keys()):
            for r in self.requests[key]:
                path = transfer_path(r.transfer)
                if not after.exists(path) or self.decided(after, r.transfer, r.recipient):
                    continue
                for use in self.pending[key]:
                    if before.exists(path) and _same(before, after, use.manifest):
                        continue  # neither the request nor the use came in here
                    entry = entries().get(use.entry)
                    if use.commit == commit or entry is None or not _uses(entry, key, use):
                        continue
                    if before.exists(path) and not self.decided(before, r.transfer, r.recipient):
                        old = old if old is not None else register_of(before)
                        was = old.get(use.entry)
                        if was is not None and _uses(was, key, use):
                            continue  # they met before this commit
                    out.append(Finding.of(Code.CHANGE_NOT_APPROVED, entry.path, msg(
                        "lifecycle.request_met", "{id} {what} in commit {commit} meets here "
                        "change request {tx} for it: {why}", id=entry.id,
                        what=msg("lifecycle.made_effective", "made effective") if use.effective
                        else msg("lifecycle.cited", "cites {cited}", cited=use.cited),
                        commit=use.commit[:10], tx=r.transfer,
                        why=_undecided(r.transfer, r.recipient, received)), commit))
        return out

    def _pending(self, snap: Snapshot, key: tuple[str, str], use: Use) -> None:
        """Keep USE when no change request carrying KEY is in SNAP."""
        if not self._in_tree(snap, key):
            uses = self.pending.setdefault(key, [])
            if use not in uses:
                uses.append(use)

    def _in_tree(self, snap: Snapshot, key: tuple[str, str]) -> list[Request]:
        return [r for r in self.requests.get(key, ()) if snap.exists(transfer_path(r.transfer))]

    def _use(self, commit: str, config: Config, old: DocumentEntry | None, new: DocumentEntry,
             after: Snapshot, received: Mapping[tuple[str, str], Received],
             changed: set[str], entries: Any) -> list[Finding]:
        out: list[Finding] = []
        became = new.status == "effective" and (
            old is None or old.status != "effective"
            or (old.revision, old.sha256) != (new.revision, new.sha256))
        if became:
            rule = config.policy.rule_for(new.path)
            # made effective as an approval (which the path rules left to this rule) or under
            # a rule that asks for one: the approval must hold
            as_approval = approval_step(old, new) and approval_path(new.id, new.revision) in changed
            if rule is not None and rule.approval and not self.approved(after, new):
                out.append(Finding.of(Code.CHANGE_NOT_APPROVED, new.path, msg(
                    "lifecycle.effective_unapproved", "{id} rev {revision} made effective "
                    "without its owner's approval of this content ({rule} says approval: "
                    "required; techxfer approve)", id=new.id, revision=new.revision,
                    rule=rule.label()), commit))
            elif as_approval and not self.approved(after, new):
                out.append(Finding.of(Code.CHANGE_NOT_APPROVED, new.path, msg(
                    "lifecycle.approval_void", "{id} rev {revision} made effective on an approval "
                    "that does not hold", id=new.id, revision=new.revision), commit))
            manifest = nearest_manifest(new.path, after.manifest_set) or ""
            self._pending(after, _key(new.id, new.revision), Use(commit, new.id, True, "",
                                                                 manifest))
            why = self._request_problem(after, new.id, new.revision, new.sha256, received)
            if why is not None:
                out.append(Finding.of(Code.CHANGE_NOT_APPROVED, new.path, msg(
                    "lifecycle.effective_requested", "{id} rev {revision} made effective: {why}",
                    id=new.id, revision=new.revision, why=why), commit))
        uses = uses_of(new)
        unread_before = set(uses_of(old).unreadable) if old is not None else set()
        for text in uses.unreadable:
            # a value that is no DOC-ID@REVISION hides what the batch was made to
            if text.startswith(USES_KEY) and text not in unread_before:
                out.append(Finding.of(Code.CHANGE_NOT_APPROVED, new.path, msg(
                    "lifecycle.uses_unreadable", "{id}: {value} is not one DOC-ID@REVISION "
                    "per item: what it was made to cannot be checked against change requests",
                    id=new.id, value=text), commit))
        cited_before = set(uses_of(old).cites) if old is not None else set()
        for cite in uses.cites:
            if cite in cited_before:
                continue
            # the content the register holds under that revision is the one cited
            self._pending(after, _key(cite.document, cite.revision), Use(
                commit, new.id, False, str(cite), nearest_manifest(new.path, after.manifest_set)
                or ""))
            listed = _listed(entries(), cite.document, cite.revision)
            why = self._request_problem(after, cite.document, cite.revision,
                                        listed.sha256 if listed is not None else None, received)
            if why is not None:
                out.append(Finding.of(Code.CHANGE_NOT_APPROVED, new.path, msg(
                    "lifecycle.cited_requested", "{id} cites {cited}: {why}", id=new.id,
                    cited=str(cite), why=why), commit))
        return out

    def _request_problem(self, snap: Snapshot, doc_id: str, revision: str, sha256: str | None,
                         received: Mapping[tuple[str, str], Received]) -> Msg | None:
        """None when no change request carries DOC_ID rev REVISION, or one carrying it (with
        SHA256, where given) is approved in SNAP; else why not."""
        requests = self._in_tree(snap, _key(doc_id, revision))  # a request this line holds
        if not requests:
            # the proposed content under another revision letter is still the proposal
            same = [r for (i, rev), rs in self.requests.items() if i == doc_id.casefold()
                    for r in rs if sha256 is not None and r.sha256 == sha256
                    and snap.exists(transfer_path(r.transfer))]
            if not same or any(self.decided(snap, r.transfer, r.recipient) for r in same):
                return None
            return msg("lifecycle.request_relettered", "its content is what change request {tx} "
                       "proposed under another revision: {why}", tx=same[0].transfer,
                       why=_undecided(same[0].transfer, same[0].recipient, received))
        matching = [r for r in requests if sha256 is None or r.sha256 == sha256]
        if any(self.decided(snap, r.transfer, r.recipient) for r in matching):
            return None
        if not matching:
            return msg("lifecycle.request_content", "its content differs from what change "
                       "request {tx} proposed", tx=requests[0].transfer)
        return _undecided(matching[0].transfer, matching[0].recipient, received)


def _key(doc_id: str, revision: str) -> tuple[str, str]:
    return doc_id.casefold(), revision.casefold()


def _same(before: Snapshot, after: Snapshot, path: str) -> bool:
    """Is PATH the same file (or as absent) in BEFORE and AFTER?"""
    if before.exists(path) != after.exists(path):
        return False
    return not after.exists(path) or before.blob_id(path) == after.blob_id(path)


def _uses(entry: DocumentEntry, key: tuple[str, str], use: Use) -> bool:
    """Does ENTRY (still) make KEY effective, or cite it, as USE did?"""
    if use.effective:
        return entry.status == "effective" and _key(entry.id, entry.revision) == key
    return any(_key(c.document, c.revision) == key for c in uses_of(entry).cites)


def _listed(register: Mapping[str, DocumentEntry], doc_id: str,
            revision: str) -> DocumentEntry | None:
    """The register's entry of DOC_ID when it holds REVISION (either in any case)."""
    entry = entry_of(register, doc_id)
    if entry is None or entry.revision.casefold() != revision.casefold():
        return None
    return entry


def _undecided(tx_id: str, recipient: str, received: Mapping[tuple[str, str], Received]) -> Msg:
    got = received.get((tx_id, recipient))
    if got is not None and got.ack.meaning == "rejected":
        return msg("lifecycle.request_rejected", "change request {tx} was rejected by "
                   "{recipient}", tx=tx_id, recipient=recipient)
    return msg("lifecycle.request_unapproved", "change request {tx} has no approval by "
               "{recipient} in this commit's history", tx=tx_id, recipient=recipient)


def _about(record_id: str, message: Msg) -> Msg:
    return msg("record.about", "{id}: {detail}", id=record_id, detail=message)


def _changed(commit: str, path: str, after: Snapshot) -> Finding:
    return Finding.of(Code.ACK_INVALID, path, msg(
        "record.changed", "a signed record was changed; records are never changed or "
        "removed, only added") if after.exists(path) else msg(
        "record.removed", "a signed record was removed; records are never changed or "
        "removed, only added"), commit)

