"""Parties, people, roles and keys (``.techxfer/parties.yaml``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from techxfer.model.times import parse_instant

SEATS = ("registrant", "manufacturer")
KNOWN_ROLES = (
    "legal-representative", "principal", "management-representative", "production-head",
    "quality-head", "release-reviewer", "rd-engineer", "doc-control",
)
INDEPENDENT_ROLES = ("production-head", "quality-head")


@dataclass(frozen=True)
class KeyRecord:
    """One signing key of a person with its validity window."""

    kind: Literal["ssh", "openpgp"]
    value: str  # "algo base64" for ssh, uppercase fingerprint for openpgp
    armored: str | None
    valid_from: datetime | None
    valid_until: datetime | None

    @property
    def identity(self) -> str:
        """What identifies the key across people: ssh key material or the fingerprint."""
        if self.kind == "ssh":
            return " ".join(self.value.split()[:2])
        return self.value.upper()

    def valid_at(self, when: datetime) -> bool:
        if self.valid_from is not None and when < self.valid_from:
            return False
        return not (self.valid_until is not None and when > self.valid_until)

    def window(self) -> str:
        start = self.valid_from.isoformat() if self.valid_from else "always"
        end = self.valid_until.isoformat() if self.valid_until else "open"
        return f"{start} … {end}"

    @classmethod
    def create(cls, raw: Any) -> KeyRecord:
        if isinstance(raw, str):
            raw = {"ssh": raw}
        valid_from = raw.get("valid_from")
        valid_until = raw.get("valid_until")
        window = (
            parse_instant(valid_from) if valid_from else None,
            parse_instant(valid_until, end_of_day=True) if valid_until else None,
        )
        if "ssh" in raw:
            return cls("ssh", " ".join(raw["ssh"].split()[:2]), None, *window)
        return cls("openpgp", raw["openpgp"].upper(), raw["armored"], *window)


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    name_en: str | None
    roles: tuple[str, ...]
    keys: tuple[KeyRecord, ...]

    def display(self, lang: str = "en") -> str:
        if lang == "en" and self.name_en:
            return f"{self.name_en} ({self.name})"
        return self.name


@dataclass(frozen=True)
class Party:
    id: str
    seat: str
    name: str
    name_en: str | None
    people: tuple[Person, ...]

    def person(self, person_id: str) -> Person | None:
        return next((p for p in self.people if p.id == person_id), None)

    def display(self, lang: str = "en") -> str:
        return self.name_en if lang == "en" and self.name_en else self.name


def short_key(identity: str) -> str:
    """A key as people read it in a message: the start and end of long key material."""
    return identity if len(identity) <= 60 else f"{identity[:30]}…{identity[-12:]}"


@dataclass(frozen=True)
class Signer:
    """A key resolved to the one person holding it."""

    party: Party
    person: Person
    key: KeyRecord

    def has_role(self, role: str) -> bool:
        return role in self.person.roles


@dataclass(frozen=True)
class Witness:
    """A server that signs the receipt log with its own key (DESIGN section 10)."""

    id: str
    name: str | None
    key: KeyRecord


@dataclass(frozen=True)
class Parties:
    by_id: Mapping[str, Party]
    witnesses: tuple[Witness, ...] = ()

    @classmethod
    def create(cls, raw: Any) -> Parties:
        parties = {}
        for pid, p in raw["parties"].items():
            people = tuple(
                Person(
                    id=person["id"],
                    name=person["name"],
                    name_en=person.get("name_en"),
                    roles=tuple(person["roles"]),
                    keys=tuple(KeyRecord.create(k) for k in person["keys"]),
                )
                for person in p["people"]
            )
            parties[pid] = Party(pid, p["seat"], p["name"], p.get("name_en"), people)
        witnesses = tuple(
            Witness(w["id"], w.get("name"), KeyRecord.create(
                {"ssh": w["key"], "valid_from": w.get("valid_from"), "valid_until": w.get("valid_until")}))
            for w in raw.get("witnesses", ())
        )
        return cls(parties, witnesses)

    def __iter__(self) -> Iterator[Party]:
        return iter(self.by_id.values())

    def resolve(self, ref: str) -> Party | None:
        """A party by id or by seat (``registrant`` / ``manufacturer``)."""
        if ref in self.by_id:
            return self.by_id[ref]
        if ref in SEATS:
            return next((p for p in self.by_id.values() if p.seat == ref), None)
        return None

    def other(self, party: Party) -> Party | None:
        return next((p for p in self.by_id.values() if p.seat != party.seat), None)

    def signers(self) -> Iterator[Signer]:
        for party in self.by_id.values():
            for person in party.people:
                for key in person.keys:
                    yield Signer(party, person, key)

    def find_key(self, identity: str) -> list[Signer]:
        """Every holder of a key (more than one is a SHARED_KEY finding)."""
        return [s for s in self.signers() if s.key.identity == identity]

    def find_witness(self, identity: str) -> list[Witness]:
        """The witnesses listed with this key (``algo base64``)."""
        return [w for w in self.witnesses if w.key.identity == identity]
