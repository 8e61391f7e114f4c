"""Meanings belong to roles (DESIGN 11; 21 CFR 11.50, Electronic Signature Law art. 13).

An acknowledgement's meaning is a statement made with the signer's own authority: a
document clerk can say a transfer was received or reviewed, only a role the policy's
``meanings:`` names for it can approve or reject (by default the quality heads). The rule
is asked by the audit for every acknowledgement (a disposal notice's and a policy change's
approval too), by the hooks through the audit, and by ``techxfer ack`` before it writes.
"""

from __future__ import annotations

from techxfer.findings import Msg, msg, term
from techxfer.model.parties import Signer
from techxfer.model.transfer import Acknowledgement, Transfer
from techxfer.rules.wording import role_refs, roles
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


def signers_of(config: Config, meaning: str) -> Msg:
    refs = config.policy.meaning_roles(meaning)
    return role_refs(refs) if refs else msg("auth.nobody", "nobody")


def meaning_problem(config: Config, signer: Signer, meaning: str) -> Msg | None:
    """Why SIGNER may not sign MEANING under CONFIG (the policy in force then), or None."""
    if carrying_role(config, signer.party.id, signer.person.roles, meaning) is not None:
        return None
    held = roles(signer.person.roles) if signer.person.roles else msg("meaning.no_role", "no role")
    return msg("meaning.not_carried", "{who} ({roles}) may not sign '{meaning}': the policy's "
               "meanings.{key} names {signers}", who=f"{signer.party.id}:{signer.person.id}",
               roles=held, meaning=term("meaning", meaning), key=meaning,
               signers=signers_of(config, meaning))


def needed_meaning(config: Config, tx: Transfer) -> str:
    """What the recipient's acknowledgement of TX must say to settle it: ``returned`` for a
    termination; ``approved`` for a policy change, a disposal notice, a change request, or
    documents whose rule says ``ack: approved``; ``received`` otherwise."""
    if tx.type == "termination":
        return "returned"
    if tx.type in ("policy-change", "disposal-notice", "change-request"):
        return "approved"
    for item in tx.items:
        rule = config.policy.rule_for(item.path)
        if rule is not None and rule.ack == "approved":
            return "approved"
    return "received"


def misplaced(tx: Transfer, meaning: str) -> Msg | None:
    """``returned`` answers a termination only (and a termination nothing else but a
    rejection): a return confirmed of documents never withdrawn would say nothing true."""
    if meaning == "trained":  # a training record's meaning (techxfer train), no reply to a transfer
        return msg("meaning.trained_misplaced", "'{trained}' is signed in a training record "
                   "(techxfer train), not on an acknowledgement of {tx}",
                   trained=term("meaning", "trained"), tx=tx.id)
    if meaning == "implemented":
        return msg("meaning.implemented_misplaced", "'{implemented}' is confirmed with techxfer "
                   "implemented, not as an acknowledgement", implemented=term("meaning",
                                                                              "implemented"))
    if meaning == "returned" and tx.type != "termination":
        return msg("meaning.returned_misplaced", "'{returned}' confirms a termination; {tx} is a "
                   "{type} transfer", returned=term("meaning", "returned"), tx=tx.id,
                   type=term("type", tx.type))
    return None


def ack_refusal(config: Config, signer: Signer, tx: Transfer, meaning: str) -> Msg | None:
    """Why ``techxfer ack`` must not write this acknowledgement, or None. Beyond the audit's
    rule: a transfer that needs a decision is not acknowledged with a mere receipt, which
    would use up the party's one acknowledgement and leave the change never approved."""
    needed = needed_meaning(config, tx)
    fields = {"tx": tx.id, "type": term("type", tx.type), "needed": term("meaning", needed),
              "signers": signers_of(config, needed)}
    need = msg("meaning.needs_decision", "{tx} ({type}) needs '{needed}' (or '{rejected}'), "
               "signed by {signers}", rejected=term("meaning", "rejected"), **fields) \
        if needed == "approved" else \
        msg("meaning.needs", "{tx} ({type}) needs '{needed}', signed by {signers}", **fields)
    problem = misplaced(tx, meaning) or meaning_problem(config, signer, meaning)
    if problem is not None:
        return msg("meaning.refused", "{problem}; {need}", problem=problem, need=need)
    if needed == "approved" and meaning not in DECISIONS \
            or needed == "returned" and meaning not in ("returned", "rejected"):
        return msg("meaning.not_settled", "'{meaning}' does not settle it: {need}",
                   meaning=term("meaning", meaning), need=need)
    return None


def acknowledged(config: Config, tx: Transfer, ack: Acknowledgement | None, *,
                 judge_signer: bool = True) -> Msg | None:
    """None when ACK settles TX so that its documents may be used (controlled copies made):
    there is one, it is no rejection, its signer's roles carry its meaning (JUDGE_SIGNER;
    the audit judged that when it met the acknowledgement), and it says what the transfer
    needs. Otherwise why not, in words for the person exporting."""
    if ack is None:
        return msg("meaning.awaits", "awaits acknowledgement by {recipient} ({tx}, sent {sent})",
                   recipient=tx.recipient, tx=tx.id, sent=tx.date.date())
    if ack.meaning == "rejected":
        return msg("meaning.rejected", "rejected by {recipient} ({tx})", recipient=tx.recipient,
                   tx=tx.id)
    party = config.parties.resolve(ack.party)
    person = party.person(ack.signer) if party is not None else None
    roles = person.roles if person is not None else ()
    if judge_signer and (party is None
                         or carrying_role(config, party.id, roles, ack.meaning) is None):
        return msg("meaning.signer_roles", "acknowledged '{meaning}' by {who}, whose roles do not "
                   "carry that meaning ({tx})", meaning=term("meaning", ack.meaning),
                   who=f"{ack.party}:{ack.signer}", tx=tx.id)
    needed = needed_meaning(config, tx)
    if needed == "approved" and ack.meaning != "approved":
        return msg("meaning.only_as", "acknowledged only as '{meaning}'; {tx} needs '{approved}'",
                   meaning=term("meaning", ack.meaning), tx=tx.id,
                   approved=term("meaning", "approved"))
    return None
