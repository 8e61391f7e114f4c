"""Legal holds (DESIGN section 6): placed, released, listed.

A hold freezes every record it matches until it is released; it is never deleted or
otherwise changed (verify reports both). Placing and releasing are signed commits by a
person holding one of the policy's ``hold_roles``; the list reads the committed state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from techxfer.commands.init import render
from techxfer.commands.transfer import current_signer
from techxfer.errors import RefusedError, UsageError
from techxfer.findings import listing, msg
from techxfer.format.fileio import Transaction
from techxfer.format.layout import hold_path
from techxfer.git.signing import index_guard, signed_commit
from techxfer.model.retention import Hold
from techxfer.model.times import format_instant, now, parse_instant
from techxfer.model.transfer import new_id
from techxfer.rules.authorisation import holds_role
from techxfer.rules.retention import hold_active
from techxfer.state.records import committed
from techxfer.state.workspace import Workspace


def place_hold(ws: Workspace, match: list[str], ids: list[str], reason: str, ref: str | None
               ) -> tuple[str, str]:
    if not match and not ids:
        raise UsageError(msg("refuse.hold_args", "give --match PATTERN or --id ID (or both)"))
    when = now()
    _, _, config = committed(ws)
    signer = current_signer(ws, config, when)
    if holds_role(config, signer, config.policy.hold_roles) is None:
        raise RefusedError(msg("refuse.hold_place", "{who} may not place legal holds "
                               "(hold_roles: {roles})", who=f"{signer.party.id}:{signer.person.id}",
                               roles=listing(*map(str, config.policy.hold_roles))))
    hold_id = new_id("HOLD", signer.party.seat, when)
    record: dict[str, Any] = {"id": hold_id, "reason": reason}
    if ref:
        record["ref"] = ref
    record.update(placed=format_instant(when), placed_by=f"{signer.party.id}:{signer.person.id}")
    if match:
        record["match"] = match
    if ids:
        record["ids"] = ids
    path = hold_path(hold_id)
    return hold_id, _commit_hold(ws, path, render("hold", record, path),
                                 f"Legal hold {hold_id}: {reason}")


def release_hold(ws: Workspace, hold_id: str, reason: str) -> str:
    when = now()
    _, head_snap, config = committed(ws)
    signer = current_signer(ws, config, when)
    if holds_role(config, signer, config.policy.hold_roles) is None:
        raise RefusedError(msg("refuse.hold_release", "{who} may not release legal holds",
                               who=f"{signer.party.id}:{signer.person.id}"))
    path = hold_path(hold_id)
    if not head_snap.exists(path):
        raise UsageError(msg("refuse.no_hold", "no committed hold {hold}", hold=hold_id))
    raw = head_snap.load("hold", path)
    if "released" in raw:
        raise RefusedError(msg("refuse.hold_released", "{hold} was already released on {date}",
                               hold=hold_id, date=raw["released"]["date"]))
    raw["released"] = {"date": format_instant(when), "by": f"{signer.party.id}:{signer.person.id}",
                       "reason": reason}
    return _commit_hold(ws, path, render("hold", raw, path), f"Release legal hold {hold_id}: {reason}")


def _commit_hold(ws: Workspace, path: str, data: bytes, message: str) -> str:
    with Transaction() as tx, index_guard(ws.repo):
        tx.write(ws.root / path, data)
        ws.repo.add([path])
        return signed_commit(ws.repo, message, only=[path])


@dataclass(frozen=True)
class HoldStatus:
    """One hold as the committed state records it, and whether it is in force."""

    hold: Hold
    active: bool
    commit: str | None  # the commit that placed it
    state: str = "active"  # active | released | not placed yet (at the date asked about)

    def as_json(self) -> dict[str, Any]:
        h = self.hold
        released = dict(h.released) if h.released is not None else None
        return {"id": h.id, "active": self.active, "state": self.state, "reason": h.reason,
                "ref": h.ref,
                "placed": h.placed, "placed_by": h.placed_by, "placed_commit": self.commit,
                "match": list(h.match), "ids": list(h.ids), "released": released}


def list_holds(ws: Workspace, as_of: datetime | None = None) -> list[HoldStatus]:
    """Every hold of the committed state, active ones first, each oldest first."""
    as_of = as_of or now()
    _, _, config = committed(ws)
    out = [HoldStatus(h, hold_active(h, as_of), ws.repo.first_commit_adding(hold_path(h.id)),
                      _state(h, as_of)) for h in config.holds]
    return sorted(out, key=lambda s: (not s.active, s.hold.placed, s.hold.id))


def _state(hold: Hold, as_of: datetime) -> str:
    if hold_active(hold, as_of):
        return "active"
    return "not placed yet" if parse_instant(hold.placed) > as_of else "released"
