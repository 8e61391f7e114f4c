"""The transfer and acknowledgement records of one committed state, read as models.

Reading only: whether a record was signed by the person it names is the audit's
business (``rules/records``); reports and commands read what the files say.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cmp_to_key

from techxfer.errors import UsageError
from techxfer.format.layout import (
    AUDITS_DIR,
    TRANSFERS_DIR,
    PathKind,
    kind,
    parse_record_path,
    transfer_path,
)
from techxfer.git.repo import GitRepo
from techxfer.model.duties import DutyRecord
from techxfer.model.transfer import Acknowledgement, Transfer
from techxfer.state.config import Config, load_config
from techxfer.state.snapshot import Snapshot, commit_snapshot
from techxfer.state.workspace import Workspace


@dataclass(frozen=True)
class Records:
    transfers: dict[str, Transfer]
    acks: dict[tuple[str, str], Acknowledgement]
    repo: GitRepo | None = field(default=None, compare=False)

    def in_order(self) -> list[Transfer]:
        """The transfers oldest first: by date, and those of the same second (a date has
        no finer grain) by history, the commit that added one before its descendants'.
        A withdrawal made in the second after the transfer it withdraws still comes after it."""
        txs = sorted(self.transfers.values(), key=lambda t: t.date)
        if self.repo is None or len({t.date for t in txs}) == len(txs):
            return txs
        repo = self.repo
        added = repo.commits_adding(f"{TRANSFERS_DIR}/")

        def before(a: Transfer, b: Transfer) -> int:
            if a.date != b.date:
                return -1 if a.date < b.date else 1
            ca, cb = added.get(transfer_path(a.id)), added.get(transfer_path(b.id))
            if ca == cb:
                return 0
            if ca is None or cb is None:  # not committed yet: after what is
                return 1 if ca is None else -1
            if repo.is_ancestor(ca, cb):
                return -1
            return 1 if repo.is_ancestor(cb, ca) else 0

        return sorted(txs, key=cmp_to_key(before))

    def last_transferred(self, recipient: str) -> dict[str, tuple[str, str, str]]:
        """doc id → (revision, sha256, action) as last transferred to ``recipient``."""
        state: dict[str, tuple[str, str, str]] = {}
        for tx in self.in_order():
            if tx.recipient == recipient and tx.type != "disposal-notice":
                for item in tx.items:
                    state[item.id] = (item.revision, item.sha256, item.action)
        return state


def load_records(snap: Snapshot) -> Records:
    transfers: dict[str, Transfer] = {}
    acks: dict[tuple[str, str], Acknowledgement] = {}
    for path in sorted(snap.paths):
        parsed = parse_record_path(path)
        if parsed is None:
            continue
        tx_id, party = parsed
        if party is None:
            transfers[tx_id] = Transfer.create(snap.load("transfer", path))
        else:
            acks[(tx_id, party)] = Acknowledgement.create(snap.load("ack", path))
    return Records(transfers, acks, getattr(snap, "repo", None))


def load_duty_records(snap: Snapshot) -> list[DutyRecord]:
    """The duty records (``audits/``) of a state, oldest first."""
    records = [DutyRecord.create(snap.load("duty", path))
               for path in snap.paths_under(AUDITS_DIR) if kind(path) is PathKind.DUTY]
    return sorted(records, key=lambda r: (r.date, r.id))


def committed(ws: Workspace) -> tuple[str, Snapshot, Config]:
    head = ws.repo.head()
    if head is None:
        raise UsageError("the repository has no commit yet; make the signed first commit "
                         "(the trust root) before transferring")
    snap = commit_snapshot(ws.repo, head, ws.cache)
    return head, snap, load_config(snap)
