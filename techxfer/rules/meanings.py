"""Meanings belong to roles (DESIGN 11; 21 CFR 11.50, Electronic Signature Law art. 13).

An acknowledgement's meaning is a statement made with the signer's own authority: a
document clerk can say a transfer was received or reviewed, only a role the policy's
``meanings:`` names for it can approve or reject (by default the quality heads). The rule
is asked by the audit for every acknowledgement (a disposal notice's and a policy change's
approval too), by the hooks through the audit, and by ``techxfer ack`` before it writes.
"""

from __future__ import annotations

from techxfer.model.parties import Signer
from techxfer.model.transfer import Acknowledgement, Transfer
from techxfer.state.config import Config

# The meanings that decide: a transfer whose rule asks for approval is settled by one of
# these, never by a mere receipt.
DECISIONS = ("approved", "rejected")


def carrying_role(config: Config, party: str, roles: tuple[str, ...], meaning: str) -> str | None:
    """The first of ROLES (held in PARTY) that the policy lets sign MEANING, or None."""
    for ref in config.policy.meaning_roles(meaning):
        if config.party_id(ref.party) == party and ref.role in roles:
            return ref.role
    return None


def signers_of(config: Config, meaning: str) -> str:
    return ", ".join(map(str, config.policy.meaning_roles(meaning))) or "nobody"


def meaning_problem(config: Config, signer: Signer, meaning: str) -> str | None:
    """Why SIGNER may not sign MEANING under CONFIG (the policy in force then), or None."""
    if carrying_role(config, signer.party.id, signer.person.roles, meaning) is not None:
        return None
    roles = ", ".join(signer.person.roles) or "no role"
    return (f"{signer.party.id}:{signer.person.id} ({roles}) may not sign '{meaning}': the "
            f"policy's meanings.{meaning} names {signers_of(config, meaning)}")


def needed_meaning(config: Config, tx: Transfer) -> str:
    """What the recipient's acknowledgement of TX must say to settle it: ``returned`` for a
    termination; ``approved`` for a policy change, a disposal notice, or documents whose
    rule says ``ack: approved``; ``received`` otherwise."""
    if tx.type == "termination":
        return "returned"
    if tx.type in ("policy-change", "disposal-notice"):
        return "approved"
    for item in tx.items:
        rule = config.policy.rule_for(item.path)
        if rule is not None and rule.ack == "approved":
            return "approved"
    return "received"


def misplaced(tx: Transfer, meaning: str) -> str | None:
    """``returned`` answers a termination only (and a termination nothing else but a
    rejection): a return confirmed of documents never withdrawn would say nothing true."""
    if meaning == "returned" and tx.type != "termination":
        return f"'returned' confirms a termination; {tx.id} is a {tx.type} transfer"
    return None


def ack_refusal(config: Config, signer: Signer, tx: Transfer, meaning: str) -> str | None:
    """Why ``techxfer ack`` must not write this acknowledgement, or None. Beyond the audit's
    rule: a transfer that needs a decision is not acknowledged with a mere receipt, which
    would use up the party's one acknowledgement and leave the change never approved."""
    needed = needed_meaning(config, tx)
    need = (f"{tx.id} ({tx.type}) needs '{needed}'"
            + (" (or 'rejected')" if needed == "approved" else "")
            + f", signed by {signers_of(config, needed)}")
    problem = misplaced(tx, meaning) or meaning_problem(config, signer, meaning)
    if problem is not None:
        return f"{problem}; {need}"
    if needed == "approved" and meaning not in DECISIONS \
            or needed == "returned" and meaning not in ("returned", "rejected"):
        return f"'{meaning}' does not settle it: {need}"
    return None


def acknowledged(config: Config, tx: Transfer, ack: Acknowledgement | None, *,
                 judge_signer: bool = True) -> str | None:
    """None when ACK settles TX so that its documents may be used (controlled copies made):
    there is one, it is no rejection, its signer's roles carry its meaning (JUDGE_SIGNER;
    the audit judged that when it met the acknowledgement), and it says what the transfer
    needs. Otherwise why not, in words for the person exporting."""
    if ack is None:
        return f"awaits acknowledgement by {tx.recipient} ({tx.id}, sent {tx.date.date()})"
    if ack.meaning == "rejected":
        return f"rejected by {tx.recipient} ({tx.id})"
    party = config.parties.resolve(ack.party)
    person = party.person(ack.signer) if party is not None else None
    roles = person.roles if person is not None else ()
    if judge_signer and (party is None
                         or carrying_role(config, party.id, roles, ack.meaning) is None):
        return (f"acknowledged '{ack.meaning}' by {ack.party}:{ack.signer}, whose roles do not "
                f"carry that meaning ({tx.id})")
    needed = needed_meaning(config, tx)
    if needed == "approved" and ack.meaning != "approved":
        return f"acknowledged only as '{ack.meaning}'; {tx.id} needs 'approved'"
    return None
