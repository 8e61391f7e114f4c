"""``techxfer person add``: a person, their roles and a signing key in ``parties.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from techxfer.commands.init import render
from techxfer.errors import SignatureError, UsageError
from techxfer.format import schema, yamlio
from techxfer.format.fileio import write_atomic
from techxfer.format.layout import PARTIES_FILE
from techxfer.model.parties import INDEPENDENT_ROLES, KeyRecord
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


def add_person(ws: Workspace, party_ref: str, person_id: str, name: str, roles: list[str],
               key_file: Path | None, valid_from: str | None,
               valid_until: str | None) -> PersonAdded:
    config = ws.config()
    party = config.parties.resolve(party_ref)
    if party is None:
        known = ", ".join(f"{p.id} ({p.seat})" for p in config.parties)
        raise UsageError(f"unknown party {party_ref!r}; known: {known}")
    path = ws.root / PARTIES_FILE
    raw = yamlio.load(path.read_bytes(), PARTIES_FILE)
    people: list[dict[str, Any]] = raw["parties"][party.id]["people"]
    person = next((p for p in people if p["id"] == person_id), None)
    new_person = person is None
    if person is None:
        person = {"id": person_id, "name": name, "roles": [], "keys": []}
        people.append(person)
    elif person["name"] != name:
        raise UsageError(f"{PARTIES_FILE}: parties.{party.id}: {person_id} is named "
                         f"{person['name']!r}, not {name!r}; edit the file to rename a person")
    for role in roles:
        if role not in person["roles"]:
            person["roles"].append(role)
    if all(r in person["roles"] for r in INDEPENDENT_ROLES):
        raise UsageError(f"{party.id}:{person_id} would hold both production-head and "
                         "quality-head; these positions must be held by different people")
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
                raise UsageError(f"{key_file}: this key is already listed for {who}")
            raise UsageError(f"{key_file}: this key is already listed for {who}; a signing key "
                             "must belong to one person alone")
        person["keys"].append(item)
        key_desc = item["ssh"].split()[0] if "ssh" in item else f"OpenPGP {item['openpgp']}"
    schema.validate("parties", raw, PARTIES_FILE)
    write_atomic(path, render("parties", raw, PARTIES_FILE))
    return PersonAdded(party.id, person_id, new_person, key_desc)
