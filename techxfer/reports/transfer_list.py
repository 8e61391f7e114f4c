"""The dated transfer list (转移文件清单): every transfer with its items and acknowledgement.

Built from the committed records at one commit: the record files say who sent and who
acknowledged (``techxfer verify`` proves each record was signed by the person it names);
the commits that added them come from one ``git log`` over ``transfers/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from techxfer.errors import UsageError
from techxfer.format.layout import TRANSFERS_DIR, ack_path, transfer_path
from techxfer.model.times import now
from techxfer.model.transfer import Acknowledgement, Transfer, ack_state
from techxfer.rules.receipts import ReceiptLog, receipt_log
from techxfer.state.config import Config, load_config
from techxfer.state.manifests import manifest_entries
from techxfer.state.records import load_records
from techxfer.state.snapshot import Snapshot, commit_snapshot
from techxfer.state.workspace import Workspace


@dataclass(frozen=True)
class Signature:
    """A signature as 21 CFR 11.50 wants it shown: printed name, date and time, meaning."""

    party: str
    party_name: str
    person: str
    printed_name: str
    role: str
    meaning: str
    when: datetime
    commit: str | None
    received: datetime | None = None  # when the server's witness received the commit

    def as_json(self) -> dict[str, Any]:
        return {"party": self.party, "party_name": self.party_name, "person": self.person,
                "printed_name": self.printed_name, "role": self.role, "meaning": self.meaning,
                "date": self.when.isoformat(timespec="seconds"), "commit": self.commit,
                "received": self.received.isoformat(timespec="seconds") if self.received else None}


@dataclass(frozen=True)
class Line:
    id: str
    title: str
    revision: str
    action: str
    sha256: str
    path: str


@dataclass(frozen=True)
class TransferRow:
    transfer: Transfer
    commit: str | None
    sender: Signature
    lines: tuple[Line, ...]
    state: str  # received | reviewed | approved | rejected | pending | overdue
    due: datetime
    ack: Signature | None
    comment: str | None

    def as_json(self) -> dict[str, Any]:
        tx = self.transfer
        return {
            "id": tx.id, "date": tx.date.isoformat(timespec="seconds"), "type": tx.type,
            "reason": tx.reason, "change_ref": tx.change_ref, "from": tx.sender,
            "to": tx.recipient, "commit": self.commit, "manifest_digest": tx.manifest_digest,
            "sent_by": self.sender.as_json(),
            "items": [{"id": ln.id, "title": ln.title, "revision": ln.revision,
                       "action": ln.action, "sha256": ln.sha256, "path": ln.path}
                      for ln in self.lines],
            "state": self.state, "due": self.due.isoformat(timespec="seconds"),
            "acknowledgement": self.ack.as_json() if self.ack else None,
            "comment": self.comment,
        }


@dataclass
class TransferList:
    commit: str
    config: Config
    lang: str
    rows: list[TransferRow] = field(default_factory=list)
    generated: datetime = field(default_factory=now)
    verified: bool | None = None

    def as_json(self) -> dict[str, Any]:
        repo = self.config.repo
        return {
            "report": "transfer-list", "commit": self.commit,
            "generated": self.generated.isoformat(timespec="seconds"),
            "products": [p.name for p in repo.products], "registrant": repo.registrant,
            "manufacturer": repo.manufacturer, "quality_agreement": repo.quality_agreement,
            "verified": self.verified, "transfers": [r.as_json() for r in self.rows],
        }


def signature(config: Config, party_id: str, person_id: str, role: str, meaning: str,
              when: datetime, commit: str | None, lang: str,
              receipts: ReceiptLog | None = None) -> Signature:
    party = config.parties.resolve(party_id)
    person = party.person(person_id) if party else None
    received = receipts.received_at(commit, config) if receipts and commit else None
    return Signature(
        party=party_id, party_name=party.display(lang) if party else party_id,
        person=person_id, printed_name=person.display(lang) if person else person_id,
        role=role, meaning=meaning, when=when, commit=commit, received=received,
    )


def _titles(snap: Snapshot, lang: str) -> dict[str, str]:
    """Each document's title at this commit, read from the manifests (no register checks:
    the report states whether verify was clean instead)."""
    titles: dict[str, str] = {}
    for path in sorted(snap.manifest_set):
        titles.update((e.id, e.title_in(lang)) for e in manifest_entries(snap, path))
    return titles


def build(ws: Workspace, *, rev: str = "HEAD", since: datetime | None = None,
          until: datetime | None = None, to: str | None = None, lang: str = "en",
          as_of: datetime | None = None) -> TransferList:
    commit = ws.repo.resolve(rev)
    snap = commit_snapshot(ws.repo, commit, ws.cache)
    config = load_config(snap)
    recipient = None
    if to is not None:
        recipient = config.party_id(to)
        if recipient is None:
            raise UsageError(f"--to: unknown party {to!r}")
    records = load_records(snap)
    titles = _titles(snap, lang)
    added = ws.repo.commits_adding(TRANSFERS_DIR + "/")
    receipts = receipt_log(ws.repo, commit)  # "received by the server at", where there is one
    as_of = as_of or now()
    report = TransferList(commit, config, lang)
    for tx in records.in_order():
        if (since and tx.date < since) or (until and tx.date > until):
            continue
        if recipient and tx.recipient != recipient:
            continue
        ack: Acknowledgement | None = records.acks.get((tx.id, tx.recipient))
        tx_commit = added.get(transfer_path(tx.id))
        sender = signature(config, tx.sender, tx.signer, tx.role, "sent (authorship)", tx.date,
                           tx_commit, lang, receipts)
        ack_sig = None
        if ack is not None:
            ack_sig = signature(config, ack.party, ack.signer, ack.role, ack.meaning, ack.date,
                                added.get(ack_path(tx.id, ack.party)), lang, receipts)
        lines = tuple(Line(i.id, titles.get(i.id, ""), i.revision, i.action, i.sha256, i.path)
                      for i in tx.items)
        report.rows.append(TransferRow(tx, tx_commit, sender, lines,
                                       ack_state(tx, ack, as_of, config.repo), tx.due(config.repo), ack_sig,
                                       ack.comment if ack else None))
    ws.cache.flush()
    return report
