"""Retention classes (``.techxfer/retention.yaml``) and legal holds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from techxfer.model.manifest import DocumentEntry


@dataclass(frozen=True)
class RetentionRule:
    years: int | None  # None: the device lifetime
    event: str  # released | effective | obsolete | created


@dataclass(frozen=True)
class RetentionClass:
    id: str
    description: str
    description_zh: str | None
    permanent: bool
    rules: tuple[RetentionRule, ...]


@dataclass(frozen=True)
class Retention:
    classes: Mapping[str, RetentionClass]
    default_class: str
    categories: Mapping[str, str]

    @classmethod
    def create(cls, raw: Any) -> Retention:
        classes = {
            cid: RetentionClass(
                id=cid,
                description=c["description"],
                description_zh=c.get("description_zh"),
                permanent=c.get("permanent", False),
                rules=tuple(
                    RetentionRule(None if r.get("device_lifetime") else r["years"], r["from"])
                    for r in c.get("rules", [])
                ),
            )
            for cid, c in raw["classes"].items()
        }
        return cls(classes, raw["default_class"], dict(raw.get("categories", {})))

    def class_for_category(self, category: str) -> str:
        return self.categories.get(category, self.default_class)


def released_on(entry: DocumentEntry, released: Mapping[str, str]) -> DocumentEntry:
    """ENTRY with the day its batch was released to market as its ``released`` date
    (DESIGN 11): the signed market release, not a date typed into the register, starts
    the retention that counts from release. RELEASED maps document id → day."""
    day = released.get(entry.id)
    if day is None or entry.date("released") == day:
        return entry
    dates = tuple((k, v) for k, v in entry.dates if k != "released") + (("released", day),)
    return replace(entry, dates=dates)


@dataclass(frozen=True)
class Hold:
    id: str
    reason: str
    ref: str | None
    placed: str
    placed_by: str
    match: tuple[str, ...]
    ids: tuple[str, ...]
    released: Mapping[str, str] | None

    @classmethod
    def create(cls, raw: Any) -> Hold:
        return cls(
            id=raw["id"],
            reason=raw["reason"],
            ref=raw.get("ref"),
            placed=raw["placed"],
            placed_by=raw["placed_by"],
            match=tuple(raw.get("match", [])),
            ids=tuple(raw.get("ids", [])),
            released=raw.get("released"),
        )

    @property
    def active(self) -> bool:
        return self.released is None
