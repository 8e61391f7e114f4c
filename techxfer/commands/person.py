"""``techxfer person``: people, their roles and signing keys in ``parties.yaml`` (add,
list, retire a key). Keys are never deleted, only ended, so old signatures still name
their signer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from techxfer.commands.init import render
from techxfer.errors import SignatureError, UsageError
from techxfer.findings import Msg, listing, msg
from techxfer.format import schema, yamlio
from techxfer.format.fileio import Transaction
from techxfer.format.layout import PARTIES_FILE
from techxfer.model.parties import INDEPENDENT_ROLES, KNOWN_ROLES, KeyRecord
from techxfer.model.times import now, parse_instant
from techxfer.state.config import Config
from techxfer.state.workspace import Workspace

PGP_ARMOR = "-----BEGIN PGP PUBLIC KEY BLOCK-----"


@dataclass(frozen=True)
class PersonAdded:
    party: str
    person: str
    new_person: bool
    key: str  # a short description of the key


def read_key(key_file: Path) -> dict[str, Any]:
    """A key file as a ``keys`` item: an OpenSSH public key line or an armored OpenPGP key."""
    from techxfer.crypto import signatures

    try:
        data = key_file.read_bytes()
    except OSError as exc:
        raise UsageError(f"{key_file}: cannot read the key file: {exc.strerror}") from None
    if len(data) > 1 << 20:
        raise UsageError(f"{key_file}: too large for a public key")
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise UsageError(f"{key_file}: not a text public key file") from None
    if "PRIVATE KEY" in text:
        raise UsageError(f"{key_file}: is a PRIVATE key; give the public key (.pub) instead")
    try:
        if PGP_ARMOR in text:
            return {"openpgp": signatures.openpgp_fingerprint(text), "armored": text + "\n"}
        lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
        if len(lines) != 1:
            raise UsageError(f"{key_file}: expected one OpenSSH public key line, found {len(lines)}")
        key = signatures.parse_ssh_public_key(lines[0])
    except SignatureError as exc:
        raise UsageError(f"{key_file}: {exc.message}") from None
    line = key.openssh() + (f" {key.comment}" if key.comment else "")
    return {"ssh": line}


def _when(value: str, option: str) -> str:
    try:
        if "T" in value:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        else:
            date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option}: {value!r} is not a date (YYYY-MM-DD) or timestamp") from None
    return value


def known_roles(config: Config) -> list[str]:
    """The roles of DESIGN 1.2, every role the policy names, and roles people already hold
    (each was a deliberate choice once)."""
    policy = config.policy
    named = [ref.role for rule in policy.rules for ref in rule.write]
    named += [ref.role for refs in (policy.transfer_roles, policy.ack_roles, policy.hold_roles,
                                    policy.distribution_roles) for ref in refs]
    held = [role for party in config.parties for person in party.people for role in person.roles]
    return list(dict.fromkeys([*KNOWN_ROLES, *named, *held]))


def _check_roles(config: Config, roles: list[str]) -> None:
    known = known_roles(config)
    unknown = [r for r in roles if r not in known]
    if unknown:
        import difflib

        guesses = {r: difflib.get_close_matches(r, known, n=1) for r in unknown}
        said = ", ".join(f"{r!r}" + (f" (did you mean {g[0]!r}?)" if g else "")
                         for r, g in guesses.items())
        raise UsageError(f"unknown role{'s' * (len(unknown) > 1)} {said}; "
                         f"known roles: {', '.join(known)}",
                         hint="a role no policy names yet: give it with --custom-role")


def _unknown_party(config: Config, ref: str) -> Msg:
    return msg("refuse.unknown_party", "unknown party {party!r}; known: {known}", party=ref,
               known=listing(*(f"{p.id} ({p.seat})" for p in config.parties)))


def add_person(ws: Workspace, party_ref: str, person_id: str, name: str, roles: list[str],
               key_file: Path | None, valid_from: str | None,
               valid_until: str | None, custom_roles: Sequence[str] = ()) -> PersonAdded:
    config = ws.config()
    party = config.parties.resolve(party_ref)
    if party is None:
        raise UsageError(_unknown_party(config, party_ref))
    _check_roles(config, roles)
    roles = [*roles, *custom_roles]
    path = ws.root / PARTIES_FILE
    raw = yamlio.load(path.read_bytes(), PARTIES_FILE)
    people: list[dict[str, Any]] = raw["parties"][party.id]["people"]
    person = next((p for p in people if p["id"] == person_id), None)
    new_person = person is None
    if person is None:
        if not roles:
            raise UsageError(msg("refuse.person_no_role", "{who} is new: give at least one "
                                 "--role (or --custom-role)", who=f"{party.id}:{person_id}"))
        person = {"id": person_id, "name": name, "roles": [], "keys": []}
        people.append(person)
    elif person["name"] != name:
        raise UsageError(f"{PARTIES_FILE}: parties.{party.id}: {person_id} is named "
                         f"{person['name']!r}, not {name!r}; edit the file to rename a person")
    for role in roles:
        if role not in person["roles"]:
            person["roles"].append(role)
    if all(r in person["roles"] for r in INDEPENDENT_ROLES):
        raise UsageError(msg("refuse.person_both_heads", "{who} would hold both production-head "
                             "and quality-head; these positions must be held by different "
                             "people", who=f"{party.id}:{person_id}"))
    key_desc = "no key"
    if key_file is not None:
        item = read_key(key_file)
        if valid_from:
            item["valid_from"] = _when(valid_from, "--valid-from")
        if valid_until:
            item["valid_until"] = _when(valid_until, "--valid-until")
        if valid_from and valid_until and item["valid_from"] > item["valid_until"]:
            raise UsageError("--valid-from is after --valid-until")
        identity = KeyRecord.create(item).identity
        for holder in config.parties.find_key(identity):
            who = f"{holder.party.id}:{holder.person.id}"
            if who == f"{party.id}:{person_id}":
                raise UsageError(msg("refuse.key_listed", "{path}: this key is already listed "
                                     "for {who}", path=key_file, who=who))
            raise UsageError(msg("refuse.key_listed_other", "{path}: this key is already listed "
                                 "for {who}; a signing key must belong to one person alone",
                                 path=key_file, who=who))
        person["keys"].append(item)
        key_desc = item["ssh"].split()[0] if "ssh" in item else f"OpenPGP {item['openpgp']}"
    _write_parties(ws, raw)
    return PersonAdded(party.id, person_id, new_person, key_desc)


def _write_parties(ws: Workspace, raw: dict[str, Any]) -> None:
    """Validate, write and stage ``parties.yaml`` (staged like everything init writes, so
    the next signed commit holds it)."""
    schema.validate("parties", raw, PARTIES_FILE)
    with Transaction() as tx:
        tx.write(ws.root / PARTIES_FILE, render("parties", raw, PARTIES_FILE))
        ws.repo.add([PARTIES_FILE])


@dataclass(frozen=True)
class KeyView:
    kind: str  # ssh | openpgp
    short: str  # ssh: type and SHA256 fingerprint, as git --show-signature prints it
    identity: str
    valid_from: str | None
    valid_until: str | None
    valid_now: bool


@dataclass(frozen=True)
class PersonView:
    party: str
    seat: str
    id: str
    name: str
    roles: tuple[str, ...]
    keys: tuple[KeyView, ...]


def _shown(when: datetime | None, *, end: bool) -> str | None:
    """A window end as written: a bare date where it is one (model.times)."""
    if when is None:
        return None
    day = parse_instant(when.date().isoformat(), end_of_day=end)
    return when.date().isoformat() if when == day else when.isoformat()


def _key_view(key: KeyRecord, at: datetime) -> KeyView:
    from techxfer.crypto import signatures

    if key.kind == "ssh":
        short = f"{key.value.split()[0]} {signatures.parse_ssh_public_key(key.value).fingerprint}"
    else:
        short = f"OpenPGP {key.value[-16:]}"
    return KeyView(key.kind, short, key.identity, _shown(key.valid_from, end=False),
                   _shown(key.valid_until, end=True), key.valid_at(at))


def list_people(ws: Workspace) -> list[PersonView]:
    """Everyone in the working tree's ``parties.yaml``, party by party."""
    at = now()
    return [PersonView(party.id, party.seat, person.id, person.name, person.roles,
                       tuple(_key_view(k, at) for k in person.keys))
            for party in ws.config().parties for person in party.people]


@dataclass(frozen=True)
class KeyRetired:
    party: str
    person: str
    key: str
    valid_until: str
    before: str | None  # the end it had


def retire_key(ws: Workspace, party_ref: str, person_id: str, key_file: Path,
               valid_until: str) -> KeyRetired:
    """End a key's validity at VALID_UNTIL (inclusive) instead of deleting it: commits it
    signed inside its window stay attributable, later ones are KEY_NOT_VALID."""
    config = ws.config()
    party = config.parties.resolve(party_ref)
    if party is None:
        raise UsageError(_unknown_party(config, party_ref))
    until = _when(valid_until, "--valid-until")
    identity = KeyRecord.create(read_key(key_file)).identity
    raw = yamlio.load((ws.root / PARTIES_FILE).read_bytes(), PARTIES_FILE)
    person = next((p for p in raw["parties"][party.id]["people"] if p["id"] == person_id), None)
    if person is None:
        raise UsageError(f"{party.id}:{person_id}: no such person in {PARTIES_FILE}")
    index = next((i for i, k in enumerate(person["keys"])
                  if KeyRecord.create(k).identity == identity), None)
    if index is None:
        raise UsageError(f"{key_file}: not a key of {party.id}:{person_id}")
    item = person["keys"][index]
    if isinstance(item, str):
        item = person["keys"][index] = {"ssh": item}
    record = KeyRecord.create(item)
    end = parse_instant(until, end_of_day=True)
    if record.valid_from is not None and end < record.valid_from:
        raise UsageError(f"--valid-until {until} is before the key's valid_from "
                         f"{item['valid_from']}")
    before = item.get("valid_until")
    if record.valid_until is not None and end > record.valid_until:
        raise UsageError(f"{key_file}: this key already ends at {before}; retiring cannot "
                         f"extend a key (that is an edit of {PARTIES_FILE}, approved like any "
                         "configuration change)")
    item["valid_until"] = until
    _write_parties(ws, raw)
    desc = item["ssh"].split()[0] if "ssh" in item else f"OpenPGP {item['openpgp']}"
    return KeyRetired(party.id, person_id, desc, until, before)
