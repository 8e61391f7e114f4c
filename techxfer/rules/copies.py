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

from techxfer.findings import Msg, msg, term
from techxfer.model.manifest import DocumentEntry
from techxfer.model.records import Copy, Distribution
from techxfer.model.transfer import Acknowledgement, Item, Transfer
from techxfer.rules.meanings import acknowledged
from techxfer.state.config import Config

# Transfers that hand no document over for use: a disposal notice asks leave to destroy
# the sender's own records, a policy change carries configuration.
NOT_HANDED_OVER = ("disposal-notice", "policy-change")


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


@dataclass
class CopyLedger:
    """The copies handed out along a history, and which were given back."""

    issued: dict[str, tuple[str, str, str]] = field(
        default_factory=dict)  # copy number → (recipient, doc id, revision)
    given_back: set[str] = field(default_factory=set)

    def record(self, record: Distribution) -> list[Msg]:
        """Take in a distribution record; what is wrong with the returns it records: each
        must be a copy an earlier distribution handed to the same recipient, as that
        revision, given back once."""
        problems = []
        for back in record.returned:
            if self.issued.get(back.copy) != (record.recipient, back.id, back.revision):
                problems.append(msg("copies.not_issued", "returned copy {copy} ({id} rev {revision}) "
                                    "was not handed to {recipient} by an earlier distribution",
                                    copy=back.copy, id=back.id, revision=back.revision,
                                    recipient=record.recipient))
            elif back.copy in self.given_back:
                problems.append(msg("copies.returned_twice", "copy {copy} is recorded as returned a "
                                    "second time", copy=back.copy))
            self.given_back.add(back.copy)
        for copy in record.copies:
            self.issued.setdefault(copy.copy, (record.recipient, copy.id, copy.revision))
        return problems


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
