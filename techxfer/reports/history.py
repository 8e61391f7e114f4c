"""Document history (``techxfer log ID``) and the signature trail (``techxfer signatures``).

Signers are found the way ``verify`` finds them: the commit's signature is verified
in-process and its key resolved against the parties in force at the parent (the root
against its own). The configuration depends only on the ``.techxfer/`` folder, so it is
loaded once per distinct folder tree, not once per commit.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from techxfer.errors import TechxferError, UsageError
from techxfer.findings import Msg, msg, term
from techxfer.format.layout import (
    APPROVALS_DIR,
    CONFIG_DIR,
    TRANSFERS_DIR,
    PathKind,
    approval_path,
    implementation_path,
    parse_record_path,
)
from techxfer.format.layout import kind as kind_of
from techxfer.git.repo import Entry
from techxfer.model.approval import Implementation, RevisionApproval
from techxfer.model.parties import Signer
from techxfer.model.times import from_git_time, now
from techxfer.model.transfer import CHANGE_REQUEST, ack_state
from techxfer.reports import i18n
from techxfer.reports.i18n import label, ljust, word
from techxfer.reports.text import cell, shown
from techxfer.rules.receipts import receipt_log
from techxfer.rules.register import check_state
from techxfer.rules.signer import SignatureChecker
from techxfer.state.config import Config, load_config
from techxfer.state.manifests import manifest_entries
from techxfer.state.records import load_records
from techxfer.state.snapshot import GitSnapshot, Snapshot, commit_snapshot
from techxfer.state.workspace import Workspace


@dataclass(frozen=True)
class SignedBy:
    """Who signed a commit, as far as the signature proves it."""

    party: str | None
    person: str | None
    printed_name: str | None
    roles: tuple[str, ...]
    status: str  # "verified" or a finding code (UNSIGNED_COMMIT, UNKNOWN_KEY, …)

    def text(self, lang: str = "en") -> str:
        status = i18n.term("status", self.status, lang)  # a finding code stays as it is
        if self.person is None:
            return f"[{status}]"
        who = f"{self.printed_name} ({self.party}:{self.person})"
        return who if self.status == "verified" else f"{who} [{status}]"

    def as_json(self) -> dict[str, Any]:
        return {"party": self.party, "person": self.person, "printed_name": self.printed_name,
                "roles": list(self.roles), "status": self.status}


class SignerResolver:
    def __init__(self, ws: Workspace, lang: str = "en") -> None:
        self.ws = ws
        self.lang = lang
        self.checker = SignatureChecker()
        self._configs: dict[str | None, Config | None] = {}
        self.receipts = receipt_log(ws.repo)
        head = ws.repo.head()
        self._witnesses = self.config_at(head) if head is not None and self.receipts else None

    def received(self, commit: str) -> datetime | None:
        """When the server's witness received COMMIT (a witness of the parties at HEAD)."""
        if self.receipts is None or self._witnesses is None:
            return None
        return self.receipts.received_at(commit, self._witnesses)

    def config_at(self, commit: str) -> Config | None:
        tree, entries = self.ws.repo.subtree(commit, CONFIG_DIR)
        if tree not in self._configs:
            snap = GitSnapshot(self.ws.repo, entries, f"commit {commit[:10]}", self.ws.cache)
            try:
                self._configs[tree] = load_config(snap)
            except TechxferError:
                self._configs[tree] = None
        return self._configs[tree]

    def signed_by(self, commit: str) -> tuple[SignedBy, datetime]:
        info = self.ws.repo.commit_info(commit)
        when = from_git_time(info.commit_time, info.commit_offset)
        config = self.config_at(info.parents[0] if info.parents else commit)
        check = self.checker.check(commit, self.ws.repo.commit_signature(commit), config, when)
        status = "verified" if check.finding is None else check.finding.code.value
        return self._describe(check.signer, status), when

    def _describe(self, signer: Signer | None, status: str) -> SignedBy:
        if signer is None:
            return SignedBy(None, None, None, (), status)
        return SignedBy(signer.party.id, signer.person.id, signer.person.display(self.lang),
                        tuple(signer.person.roles), status)

    def close(self) -> None:
        self.checker.close()


# -- techxfer log ID --------------------------------------------------------------------
@dataclass(frozen=True)
class Revision:
    when: datetime
    revision: str
    sha256: str
    status: str
    commit: str
    signed_by: SignedBy
    subject: str
    received: datetime | None = None  # by the server's witness

    def as_json(self) -> dict[str, Any]:
        return {"date": self.when.isoformat(timespec="seconds"), "revision": self.revision,
                "sha256": self.sha256, "status": self.status, "commit": self.commit,
                "signed_by": self.signed_by.as_json(), "subject": self.subject,
                "received": _iso(self.received)}


@dataclass(frozen=True)
class Carried:
    transfer: str
    date: datetime
    to: str
    revision: str
    sha256: str
    action: str
    state: str
    ack_by: str | None
    ack_date: datetime | None
    type: str = "change"

    def as_json(self) -> dict[str, Any]:
        return {"transfer": self.transfer, "date": self.date.isoformat(timespec="seconds"),
                "to": self.to, "revision": self.revision, "sha256": self.sha256,
                "action": self.action, "state": self.state, "ack_by": self.ack_by,
                "ack_date": self.ack_date.isoformat(timespec="seconds") if self.ack_date else None,
                "type": self.type}


@dataclass(frozen=True)
class Step:
    """One lifecycle signature on a revision (DESIGN 11): its approval (with the date it
    became effective) or a change request's implementation (with the first batch), shown as
    21 CFR 11.50 asks: printed name, date and time with zone, meaning."""

    when: datetime
    revision: str
    meaning: str  # approved | implemented
    name: str  # the printed name, from the parties in force at HEAD
    party: str
    person: str
    role: str
    detail: str  # the effective date, or the first batch
    record: str  # the record's path
    transfer: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"date": self.when.isoformat(timespec="seconds"), "revision": self.revision,
                "meaning": self.meaning, "printed_name": self.name, "party": self.party,
                "person": self.person, "role": self.role, "detail": self.detail,
                "record": self.record, "transfer": self.transfer}


@dataclass
class DocHistory:
    id: str
    title: str
    path: str
    manifest: str
    revisions: list[Revision] = field(default_factory=list)
    transfers: list[Carried] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "path": self.path, "manifest": self.manifest,
                "revisions": [r.as_json() for r in self.revisions],
                "transfers": [t.as_json() for t in self.transfers],
                "steps": [t.as_json() for t in self.steps]}


def document_history(ws: Workspace, doc_id: str, *, lang: str = "en",
                     as_of: datetime | None = None) -> DocHistory:
    head = ws.repo.head()
    if head is None:
        raise UsageError("the repository has no commits yet")
    snap = commit_snapshot(ws.repo, head, ws.cache)
    current = {e.id: e for e in check_state(snap).entries()}.get(doc_id)
    if current is None:
        raise UsageError(f"unknown document id {doc_id!r} (not in the register at HEAD)")
    history = DocHistory(doc_id, current.title_in(lang), current.path, current.manifest)
    resolver = SignerResolver(ws, lang)
    last: tuple[str, str, str] | None = None
    try:
        for commit in ws.repo.commits_touching([current.manifest]):
            _, entries = _one_file(ws, commit, current.manifest)
            view = GitSnapshot(ws.repo, entries, f"commit {commit[:10]}", ws.cache)
            entry = next((e for e in manifest_entries(view, current.manifest)
                          if e.id == doc_id), None)
            if entry is None:
                continue
            key = (entry.revision, entry.sha256, entry.status)
            if key == last:
                continue
            last = key
            signed, when = resolver.signed_by(commit)
            subject = ws.repo.commit_info(commit).message.split("\n", 1)[0]
            history.revisions.append(Revision(when, entry.revision, entry.sha256, entry.status,
                                              commit, signed, subject, resolver.received(commit)))
    finally:
        resolver.close()
    config = load_config(snap)
    records = load_records(snap)
    as_of = as_of or now()
    for tx in records.in_order():
        for item in tx.items:
            if item.id != doc_id:
                continue
            ack = records.acks.get((tx.id, tx.recipient))
            history.transfers.append(Carried(
                tx.id, tx.date, tx.recipient, item.revision, item.sha256, item.action,
                ack_state(tx, ack, as_of, config.repo),
                f"{ack.party}:{ack.signer}" if ack else None, ack.date if ack else None, tx.type))
    history.steps = lifecycle_steps(snap, config, history, lang)
    ws.cache.flush()
    return history


def lifecycle_steps(snap: Snapshot, config: Config, history: DocHistory,
                    lang: str) -> list[Step]:
    """The approval records of the document's revisions and the implementation records of
    the change requests that carried it, as they stand at HEAD."""
    def name(party: str, person: str) -> str:
        found = config.parties.resolve(party)
        who = found.person(person) if found is not None else None
        return who.display(lang) if who is not None else person

    out: list[Step] = []
    for revision in dict.fromkeys(r.revision for r in history.revisions):
        path = approval_path(history.id, revision)
        if snap.is_file(path):
            try:
                a = RevisionApproval.create(snap.load("approval", path))
            except TechxferError:
                continue  # verify reports it
            out.append(Step(a.date, revision, a.meaning, name(a.party, a.signer), a.party,
                            a.signer, a.role, a.effective.isoformat(), path))
    for t in history.transfers:
        path = implementation_path(t.transfer)
        if t.type == CHANGE_REQUEST and snap.is_file(path):
            try:
                d = Implementation.create(snap.load("implementation", path))
            except TechxferError:
                continue
            out.append(Step(d.date, t.revision, d.meaning, name(d.party, d.signer), d.party,
                            d.signer, d.role, d.first_batch, path, t.transfer))
    return sorted(out, key=lambda s: s.when)


def _one_file(ws: Workspace, commit: str, path: str) -> tuple[str | None, dict[str, Entry]]:
    folder, _, name = path.rpartition("/")
    if not folder:
        entries = ws.repo.tree_entries(commit)
        return None, {path: entries[path]} if path in entries else {}
    tree, entries = ws.repo.subtree(commit, folder)
    return tree, {p: e for p, e in entries.items() if p == path}


# -- techxfer signatures ----------------------------------------------------------------
@dataclass(frozen=True)
class SignatureEvent:
    when: datetime
    signed_by: SignedBy
    kind: str  # commit | transfer | acknowledgement
    meaning: str
    what: str
    commit: str
    received: datetime | None = None  # by the server's witness
    said: Msg | None = None  # ``what`` by message id, for a table in another language

    def as_json(self) -> dict[str, Any]:
        return {"date": self.when.isoformat(timespec="seconds"), **self.signed_by.as_json(),
                "kind": self.kind, "meaning": self.meaning, "what": self.what,
                "commit": self.commit, "received": _iso(self.received)}


def signature_trail(ws: Workspace, *, person: str | None = None,
                    since: datetime | None = None, lang: str = "en") -> list[SignatureEvent]:
    """Every signed commit, with the record it carries: the trail of each key position."""
    head = ws.repo.head()
    if head is None:
        return []
    head_snap = commit_snapshot(ws.repo, head, ws.cache)
    records = load_records(head_snap)
    by_commit: dict[str, list[str]] = {}
    for path, commit in ws.repo.commits_adding(TRANSFERS_DIR + "/").items():
        by_commit.setdefault(commit, []).append(path)
    for path, commit in ws.repo.commits_adding(APPROVALS_DIR).items():
        by_commit.setdefault(commit, []).append(path)
    resolver = SignerResolver(ws, lang)
    events: list[SignatureEvent] = []
    try:
        for commit in ws.repo.walk(head):
            signed, when = resolver.signed_by(commit)
            if since is not None and when < since:
                continue
            if person is not None and person not in (signed.person,
                                                     f"{signed.party}:{signed.person}"):
                continue
            subject = ws.repo.commit_info(commit).message.split("\n", 1)[0]
            kind, meaning, what, said = "commit", "authored (commit)", subject, None
            for path in sorted(by_commit.get(commit, [])):
                step = _lifecycle_event(head_snap, path)
                if step is not None:
                    kind, meaning, said = step
                    what = said.text
                    continue
                parsed = parse_record_path(path)
                if parsed is None:
                    continue
                tx_id, party = parsed
                tx = records.transfers.get(tx_id)
                if party is None and tx is not None:
                    kind, meaning = "transfer", "sent (authorship)"
                    said = msg("trail.sent", "{tx} ({type}, {n} item(s)) to {to}", tx=tx_id,
                               type=term("type", tx.type), n=len(tx.items), to=tx.recipient)
                    what = said.text
                elif party is not None and (tx_id, party) in records.acks:
                    ack = records.acks[(tx_id, party)]
                    kind, meaning = "acknowledgement", ack.meaning
                    said = msg("trail.acked", "{tx} from {sender}", tx=tx_id,
                               sender=tx.sender if tx else "?")
                    what = said.text
            events.append(SignatureEvent(when, signed, kind, meaning, what, commit,
                                         resolver.received(commit), said))
    finally:
        resolver.close()
    ws.cache.flush()
    return events


def _lifecycle_event(snap: Snapshot, path: str) -> tuple[str, str, Msg] | None:
    """An approval or implementation record at PATH (as at HEAD): (kind, meaning, what)."""
    try:
        if kind_of(path) is PathKind.APPROVAL and snap.is_file(path):
            a = RevisionApproval.create(snap.load("approval", path))
            return "approval", a.meaning, msg("trail.approved", "{id} rev {revision}, effective "
                                              "{date}", id=a.document, revision=a.revision,
                                              date=a.effective.isoformat())
        if kind_of(path) is PathKind.IMPLEMENTATION and snap.is_file(path):
            d = Implementation.create(snap.load("implementation", path))
            return "implementation", d.meaning, msg("trail.implemented", "{tx} from batch "
                                                    "{batch}", tx=d.transfer, batch=d.first_batch)
    except TechxferError:
        return None
    return None


# -- rendering --------------------------------------------------------------------------
def _iso(when: datetime | None) -> str | None:
    return when.isoformat(timespec="seconds") if when is not None else None


def _received(when: datetime | None, lang: str) -> str:
    return word("received", lang, when=when.isoformat(sep=" ", timespec="seconds")) if when else ""


def render_history(history: DocHistory, fmt: str, lang: str = "en") -> str:
    if fmt == "json":
        return json.dumps(history.as_json(), ensure_ascii=False, indent=2)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["id", "date", "revision", "status", "sha256", "commit", "signer",
                         "signature", "transfers", "received_by_server"])
        for rev in history.revisions:
            carried = [t.transfer for t in history.transfers
                       if (t.revision, t.sha256) == (rev.revision, rev.sha256)]
            writer.writerow([cell(c) for c in (
                history.id, rev.when.isoformat(timespec="seconds"), rev.revision, rev.status,
                rev.sha256, rev.commit, rev.signed_by.printed_name or "", rev.signed_by.status,
                " ".join(carried), _iso(rev.received) or "")])
        return out.getvalue()
    lines = [word("listed_in", lang, id=history.id, title=history.title, path=history.path,
                  manifest=history.manifest), ""]
    for rev in history.revisions:
        lines.append(f"{rev.when.isoformat(sep=' ', timespec='minutes')}  "
                     f"{ljust(word('rev', lang, revision=rev.revision), 9)} "
                     f"{ljust(i18n.term('status', rev.status, lang), 10)} {rev.sha256[:16]}…  "
                     f"{label(lang, 'commit')} {rev.commit[:10]}  {rev.signed_by.text(lang)}")
        lines.append(f"    {rev.subject}")
        if rev.received is not None:
            lines.append(f"    {_received(rev.received, lang)}")
        for t in history.transfers:
            if (t.revision, t.sha256) == (rev.revision, rev.sha256):
                state = i18n.term("state", t.state, lang)
                ack = (word("acked_by", lang, state=state, who=t.ack_by,
                            when=t.ack_date.isoformat(sep=" ", timespec="minutes"))
                       if t.ack_by and t.ack_date else state if lang == "zh" else state.upper())
                lines.append("    " + word("carried", lang, tx=t.transfer, to=t.to, state=ack,
                                           action=i18n.term("type", t.type, lang)
                                           if t.type == CHANGE_REQUEST
                                           else i18n.term("action", t.action, lang)))
        if rev is _last_of(history, rev.revision):
            lines += ["    " + _step(step, lang) for step in history.steps
                      if step.revision == rev.revision]
            at = history.revisions.index(rev)
            later = [r for r in history.revisions[at:] if r.revision != rev.revision]
            if later:
                lines.append("    " + word("lifecycle.superseded", lang, rev=later[0].revision,
                                           when=later[0].when.isoformat(sep=" ", timespec="minutes")))
    if not history.revisions:
        lines.append(word("no_revision", lang))
    return "\n".join(shown(line) for line in lines) + "\n"


def _last_of(history: DocHistory, revision: str) -> Revision:
    return [r for r in history.revisions if r.revision == revision][-1]


def _step(step: Step, lang: str) -> str:
    """An approval or implementation as 21 CFR 11.50 shows a signature, and what it set."""
    signed = word("signature", lang, name=step.name, party=f"{step.party}:{step.person}",
                  role=i18n.term("role", step.role, lang),
                  meaning=i18n.term("meaning", step.meaning, lang),
                  when=step.when.isoformat(sep=" ", timespec="seconds"))
    detail = word("lifecycle.effective", lang, date=step.detail) if step.meaning == "approved" \
        else word("lifecycle.first_batch", lang, tx=step.transfer, batch=step.detail)
    return f"{signed}{word('separator', lang)}{detail}"


def render_trail(events: list[SignatureEvent], fmt: str, lang: str = "en") -> str:
    if fmt == "json":
        return json.dumps([e.as_json() for e in events], ensure_ascii=False, indent=2)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["date", "party", "person", "printed_name", "roles", "status", "kind",
                         "meaning", "what", "commit", "received_by_server"])
        for e in events:
            s = e.signed_by
            writer.writerow([cell(c) for c in (
                e.when.isoformat(timespec="seconds"), s.party or "", s.person or "",
                s.printed_name or "", " ".join(s.roles), s.status, e.kind, e.meaning, e.what,
                e.commit, _iso(e.received) or "")])
        return out.getvalue()
    lines = []
    for e in events:
        what = i18n.render(e.said, lang) if e.said is not None else e.what
        lines.append(f"{e.when.isoformat(sep=' ', timespec='seconds')}  "
                     f"{ljust(e.signed_by.text(lang), 34)} {ljust(i18n.term('event', e.kind, lang), 15)} "
                     f"{ljust(i18n.term('meaning', e.meaning, lang), 20)} {what}  ({e.commit[:10]})"
                     + (f"  [{_received(e.received, lang)}]" if e.received else ""))
    return "\n".join(shown(line) for line in lines) + "\n" if lines \
        else word("no_signatures", lang) + "\n"
