"""From a key to the one person holding it, and what that person may sign.

The signer is identified by the key alone, never by author or committer text.
"""

from __future__ import annotations

from datetime import datetime

from techxfer.errors import RefusedError
from techxfer.format.layout import PARTIES_FILE, POLICY_FILE
from techxfer.model.parties import Signer
from techxfer.model.policy import RoleRef
from techxfer.state.config import Config


def signer_for(config: Config, kind: str, identity: str) -> Signer:
    """The holder of a key; an OpenPGP key id may be a fingerprint suffix."""
    if kind == "openpgp":
        matches = [s for s in config.parties.signers()
                   if s.key.kind == "openpgp" and s.key.identity.endswith(identity)]
    else:
        matches = config.parties.find_key(identity)
    people = {(s.party.id, s.person.id) for s in matches}
    if not matches:
        raise RefusedError(f"your signing key ({_short(identity)}) is not listed for anyone in "
                           f"{PARTIES_FILE}",
                           hint="ask your quality head to add it (techxfer person add)")
    if len(people) > 1:
        raise RefusedError(f"your signing key is listed for {len(people)} people; a signing key "
                           "must belong to one person alone")
    return matches[0]


def _short(identity: str) -> str:
    return identity if len(identity) <= 40 else f"{identity[:30]}…{identity[-8:]}"


def require_valid(signer: Signer, when: datetime) -> None:
    if not signer.key.valid_at(when):
        raise RefusedError(f"the signing key of {signer.party.id}:{signer.person.id} is not valid "
                           f"at {when.isoformat(timespec='seconds')} (valid {signer.key.window()})")


def holds_role(config: Config, signer: Signer, refs: tuple[RoleRef, ...]) -> str | None:
    """The first role of ``refs`` the signer holds in their own party, or None."""
    for ref in refs:
        if config.party_id(ref.party) == signer.party.id and ref.role in signer.person.roles:
            return ref.role
    return None


def may_write(config: Config, signer: Signer, path: str) -> bool:
    rule = config.policy.rule_for(path)
    if rule is None:
        return False
    return holds_role(config, signer, rule.write) is not None


def sender_roles(config: Config, tx_type: str) -> tuple[RoleRef, ...]:
    """Who may send a transfer of this type: a policy change is sent by those who may
    write the configuration; every other transfer by the policy's transfer roles."""
    if tx_type == "policy-change":
        rule = config.policy.rule_for(POLICY_FILE)
        return rule.write if rule is not None else ()
    return config.policy.transfer_roles
