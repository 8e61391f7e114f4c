"""How the rules name things inside their messages: roles, role references, key windows.

A message's arguments are ids, names and dates, shown as they are in every language,
except the words of the format itself (a role, a seat), which the catalogue translates.
So the rules pass those as terms (``findings.term``) and lists of them as a ``listing``.
"""

from __future__ import annotations

from collections.abc import Iterable

from techxfer.findings import Msg, listing, msg, term
from techxfer.model.parties import SEATS, KeyRecord
from techxfer.model.policy import RoleRef


def roles(names: Iterable[str]) -> Msg:
    """A person's roles: ``quality-head, doc-control``."""
    return listing(*(term("role", name) for name in names))


def role_refs(refs: Iterable[RoleRef]) -> Msg:
    """Roles of a party (``registrant:doc-control``): the seat and the role are terms, a
    party id is an id."""
    return listing(*(msg("role.ref", "{party}:{role}",
                         party=term("seat", ref.party) if ref.party in SEATS else ref.party,
                         role=term("role", ref.role)) for ref in refs))


def key_window(key: KeyRecord) -> Msg:
    """When KEY is valid, as ``KeyRecord.window`` says it."""
    start = key.valid_from.isoformat() if key.valid_from else msg("key.always", "always")
    end = key.valid_until.isoformat() if key.valid_until else msg("key.open", "open")
    return msg("key.window", "{start} … {end}", start=start, end=end)
