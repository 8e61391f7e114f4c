"""``.techxfer/repo.yaml``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Product:
    name: str
    name_zh: str | None
    registration: str | None


@dataclass(frozen=True)
class RepoConfig:
    products: tuple[Product, ...]
    registrant: str
    manufacturer: str
    quality_agreement: str | None
    ack_within_days: int
    device_lifetime_years: int | None
    protected_branches: tuple[str, ...]
    clock_skew_minutes: int = 10
    ack_within_days_by_type: tuple[tuple[str, int], ...] = ()

    def ack_days(self, tx_type: str) -> int:
        """Days within which a transfer of TX_TYPE must be acknowledged."""
        return dict(self.ack_within_days_by_type).get(tx_type, self.ack_within_days)

    @classmethod
    def create(cls, raw: Any) -> RepoConfig:
        return cls(
            products=tuple(
                Product(p["name"], p.get("name_zh"), p.get("registration")) for p in raw["products"]
            ),
            registrant=raw["registrant"],
            manufacturer=raw["manufacturer"],
            quality_agreement=raw.get("quality_agreement"),
            ack_within_days=raw["ack_within_days"],
            device_lifetime_years=raw.get("device_lifetime_years"),
            protected_branches=tuple(raw.get("protected_branches", ["main"])),
            clock_skew_minutes=raw.get("clock_skew_minutes", 10),
            ack_within_days_by_type=tuple(sorted(raw.get("ack_within_days_by_type", {}).items())),
        )
