"""Controlled copies: of which revisions they may be made, and which to recall.

GMP 2025 art. 43 asks for a record of every distribution, replacement and withdrawal, and
that obsolete documents be kept from use; DESIGN 11: controlled copies only of revisions
the recipient has acknowledged, and a list of copies to recall once a revision is
superseded or withdrawn. ``techxfer export`` asks before it copies and lists the recalls;
the audit asks of every distribution record, against the records met before it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from techxfer.findings import Msg, msg, term
from techxfer.model.manifest import DocumentEntry
from techxfer.model.records import Copy, Distribution
from techxfer.model.transfer import Acknowledgement, Item, Transfer
from techxfer.rules.meanings import acknowledged
from techxfer.state.config import Config
from techxfer.state.snapshot import Snapshot

# Transfers that hand no document over for use: a disposal notice asks leave to destroy
# the sender's own records, a policy change carries configuration.
NOT_HANDED_OVER = ("disposal-notice", "policy-change")

T = TypeVar("T")


@dataclass(frozen=True)
class Holding:
    """The last thing one transfer said about a document to its recipient."""

    transfer: Transfer
    item: Item


def holdings(transfers: Iterable[Transfer], recipient: str) -> dict[str, Holding]:
    """doc id → the last item transferred to RECIPIENT, TRANSFERS taken in the order made."""
    out: dict[str, Holding] = {}
    for tx in transfers:
        if tx.recipient == recipient and tx.type not in NOT_HANDED_OVER:
            for item in tx.items:
                out[item.id] = Holding(tx, item)
    return out


def copy_blocker(config: Config, recipient: str, holding: Holding | None, revision: str,
                 sha256: str, acks: Mapping[tuple[str, str], Acknowledgement], *,
                 judge_signer: bool = True) -> Msg | None:
    """Why a controlled copy of a document at REVISION/SHA256 may not be handed to RECIPIENT
    (who does not own it), or None. HOLDING is what the transfers last said of it to the
    recipient; ACKS the acknowledgements recorded. JUDGE_SIGNER: whether an acknowledgement's
    meaning must still be checked against its signer's roles (the audit has judged it when
    it met it, under the policy in force then)."""
    if holding is None:
        return msg("copies.not_transferred", "rev {revision} not transferred to {recipient}",
                   revision=revision, recipient=recipient)
    tx, item = holding.transfer, holding.item
    if item.action == "withdraw":
        return msg("copies.withdrawn", "withdrawn from {recipient} by {tx} ({type}, {date})",
                   recipient=recipient, tx=tx.id, type=term("type", tx.type), date=tx.date.date())
    if (item.revision, item.sha256) != (revision, sha256):
        return msg("copies.other_revision", "rev {revision} is not what {recipient} was given: "
                   "the last transfer, {tx}, carried rev {carried}", revision=revision,
                   recipient=recipient, tx=tx.id, carried=item.revision)
    why = acknowledged(config, tx, acks.get((tx.id, recipient)), judge_signer=judge_signer)
    return None if why is None else msg("copies.unsettled", "rev {revision} {why}",
                                        revision=revision, why=why)


def left_behind(before: Iterable[Transfer], termination: Transfer) -> list[str]:
    """The documents a termination fails to withdraw of those the transfers BEFORE it left
    with its recipient: a termination takes back everything (guide template §13)."""
    listed = {item.id for item in termination.items if item.action == "withdraw"}
    return sorted(doc for doc, held in holdings(before, termination.recipient).items()
                  if held.item.action != "withdraw" and doc not in listed)


Met = tuple[str, str]  # a distribution record as the walk met it: (file path, blob id)
Holder = tuple[str, str, str]  # to whom a copy was handed: (recipient, doc id, revision)


@dataclass
class CopyLedger:
    """The distribution records met along a history walk, and the copies each handed out
    and took back.

    What was handed out or given back *before* a record is read from the state it is
    judged against, not from the order the walk met the records in: a record counts on a
    line of history when its file is in that line's tree with the blob met (records are
    never changed or removed; doing so is a finding of its own). So a copy given back on
    each of two branches is given back twice where the two lines meet, the merge."""

    issued: dict[str, list[tuple[Met, Holder]]] = field(
        default_factory=dict)  # copy number → the records handing it out, to whom
    returned: dict[str, list[Met]] = field(
        default_factory=dict)  # copy number → the records giving it back
    gives_back: dict[Met, tuple[str, tuple[str, ...]]] = field(
        default_factory=dict)  # record → (its id, the copy numbers it gives back)

    def record(self, record: Distribution, path: str, blob: str, before: Snapshot) -> list[Msg]:
        """Take in a distribution record at PATH (blob BLOB), added to the state BEFORE;
        what is wrong with the returns it records: each must be a copy an earlier
        distribution on this line of history handed to the same recipient, as that
        revision, given back once."""
        met = (path, blob)
        problems = []
        seen: set[str] = set()
        for back in record.returned:
            holder = next((who for where, who in self.issued.get(back.copy, ())
                           if _on_line(where, before)), None)
            if holder != (record.recipient, back.id, back.revision):
                problems.append(msg("copies.not_issued", "returned copy {copy} ({id} rev {revision}) "
                                    "was not handed to {recipient} by an earlier distribution",
                                    copy=back.copy, id=back.id, revision=back.revision,
                                    recipient=record.recipient))
            elif back.copy in seen or any(where != met and _on_line(where, before)
                                          for where in self.returned.get(back.copy, ())):
                problems.append(_returned_twice(back.copy))
            seen.add(back.copy)
            _add(self.returned.setdefault(back.copy, []), met)
        for copy in record.copies:
            _add(self.issued.setdefault(copy.copy, []),
                 (met, (record.recipient, copy.id, copy.revision)))
        self.gives_back.setdefault(met, (record.id, tuple(sorted(seen))))
        return problems

    def merged(self, parents: Sequence[Snapshot], after: Snapshot,
               brought: Iterable[str]) -> list[tuple[str, str, Msg]]:
        """A merge (AFTER, of PARENTS) bringing the distribution records at BROUGHT into a
        line of history without them: each copy two of its records give back that no
        parent held together, given back a second time by the merge where they meet.
        (record path, record id, problem), once per copy."""
        out: list[tuple[str, str, Msg]] = []
        done: set[str] = set()
        for path in sorted(brought):
            if not after.is_file(path):
                continue
            exp_id, copies = self.gives_back.get((path, after.blob_id(path)), ("", ()))
            for copy in copies:
                meeting = [w for w in self.returned.get(copy, ()) if _on_line(w, after)]
                if copy in done or len(meeting) < 2 \
                        or any(all(_on_line(w, p) for w in meeting) for p in parents):
                    continue
                done.add(copy)
                out.append((path, exp_id, _returned_twice(copy)))
        return out


def _on_line(met: Met, snap: Snapshot) -> bool:
    """Whether the record MET is in SNAP's tree as the walk met it."""
    path, blob = met
    return snap.is_file(path) and snap.blob_id(path) == blob


def _add(items: list[T], item: T) -> None:
    if item not in items:
        items.append(item)


def _returned_twice(copy: str) -> Msg:
    return msg("copies.returned_twice", "copy {copy} is recorded as returned a second time",
               copy=copy)


@dataclass(frozen=True)
class Recall:
    """A copy handed out whose revision is no longer the one to use, and not yet returned."""

    copy: Copy
    recipient: str
    distribution: str
    issued: datetime
    reason: str


def outdated(copy: Copy, entry: DocumentEntry | None, holding: Holding | None) -> str | None:
    """Why a copy handed out is out of date now (ENTRY: the register's current entry of its
    document, HOLDING: what the transfers last said of it to the copy's recipient)."""
    if entry is None:
        return f"{copy.id} is no longer in the register"
    if entry.status != "effective":
        return f"{copy.id} rev {entry.revision} is {entry.status}"
    if (entry.revision, entry.sha256) != (copy.revision, copy.sha256):
        return f"superseded by rev {entry.revision}"
    if copy.transfer is not None and holding is not None and holding.item.action == "withdraw":
        tx = holding.transfer
        return f"withdrawn by {tx.id} ({tx.type}, {tx.date.date()})"
    return None


def recalls(distributions: Sequence[Distribution], entries: Mapping[str, DocumentEntry],
            transfers: Sequence[Transfer], recipient: str | None = None) -> list[Recall]:
    """Every copy (for RECIPIENT, or anyone) whose revision was superseded or withdrawn and
    that no later distribution record lists as returned, the oldest issue first."""
    given_back = {r.copy for d in distributions for r in d.returned}
    held: dict[str, dict[str, Holding]] = {}
    out = []
    for record in sorted(distributions, key=lambda d: d.date):
        if recipient is not None and record.recipient != recipient:
            continue
        mine = held.setdefault(record.recipient, holdings(transfers, record.recipient))
        for copy in record.copies:
            if copy.copy in given_back:
                continue
            why = outdated(copy, entries.get(copy.id), mine.get(copy.id))
            if why is not None:
                out.append(Recall(copy, record.recipient, record.id, record.date, why))
    return out
