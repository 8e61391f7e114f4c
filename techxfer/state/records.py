"""The transfer and acknowledgement records of one committed state, read as models.

Reading only: whether a record was signed by the person it names is the audit's
business (``rules/records``); reports and commands read what the files say.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

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
        """The transfers oldest first (``chronological``)."""
        if self.repo is None:
            return chronological(self.transfers.values(), {}, None)
        return chronological(self.transfers.values(),
                             self.repo.commits_adding(f"{TRANSFERS_DIR}/"), self.repo)

    def last_transferred(self, recipient: str) -> dict[str, tuple[str, str, str]]:
        """doc id → (revision, sha256, action) as last transferred to ``recipient``."""
        state: dict[str, tuple[str, str, str]] = {}
        for tx in self.in_order():
            if tx.recipient == recipient and tx.type not in ("disposal-notice", "change-request"):
                for item in tx.items:
                    state[item.id] = (item.revision, item.sha256, item.action)
        return state


def chronological(transfers: Iterable[Transfer], added: Mapping[str, str],
                  repo: GitRepo | None) -> list[Transfer]:
    """Transfers by date; those dated within the same second (a record's resolution) in
    the order their commits were made (ADDED: path → the commit that added it), not by
    their ids, which are random: a withdrawal made in the second of the transfer it
    withdraws still comes after it.

    Within one second, a transfer ranks by how many of the others' commits are ancestors
    of its own: an ancestor always ranks lower, and a number keeps the order total
    (transfers of equal rank, such as two on parallel branches, fall back to their ids)."""
    listed = list(transfers)
    same_second: dict[datetime, list[Transfer]] = defaultdict(list)
    for tx in listed:
        same_second[tx.date].append(tx)
    rank: dict[str, int] = {}
    for group in same_second.values():
        commits = {c for tx in group if (c := added.get(transfer_path(tx.id)))}
        if repo is None or len(commits) < 2:
            continue
        for tx in group:
            mine = added.get(transfer_path(tx.id))
            if mine:
                rank[tx.id] = sum(1 for c in commits if c != mine and repo.is_ancestor(c, mine))
    return sorted(listed, key=lambda tx: (tx.date, rank.get(tx.id, 0), tx.id))


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
