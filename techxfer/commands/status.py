"""``techxfer status``: the working tree against the register."""

from __future__ import annotations

from dataclasses import dataclass, field

from techxfer.findings import Code, Finding
from techxfer.rules.register import check_state
from techxfer.state.workspace import Workspace


@dataclass
class Status:
    ok: list[str] = field(default_factory=list)  # "ID path rev"
    changed: list[Finding] = field(default_factory=list)
    missing: list[Finding] = field(default_factory=list)
    unlisted: list[Finding] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)
    documents: int = 0
    awaiting: list[dict[str, str]] = field(default_factory=list)  # transfers not acknowledged

    @property
    def clean(self) -> bool:
        return not (self.changed or self.missing or self.unlisted or self.problems)

    def as_json(self) -> dict[str, object]:
        return {
            "clean": self.clean,
            "documents": self.documents,
            "ok": self.ok,
            "changed": [f.as_json() for f in self.changed],
            "missing": [f.as_json() for f in self.missing],
            "unlisted": [f.as_json() for f in self.unlisted],
            "problems": [f.as_json() for f in self.problems],
            "awaiting_acknowledgement": self.awaiting,
        }


def working_status(ws: Workspace) -> Status:
    state = check_state(ws.worktree())
    ws.cache.flush()
    status = Status()
    buckets = {Code.HASH_MISMATCH: status.changed, Code.MISSING_FILE: status.missing,
               Code.UNLISTED_FILE: status.unlisted}
    for finding in state.findings:
        buckets.get(finding.code, status.problems).append(finding)
    troubled = {f.path for f in status.changed + status.missing}
    for entry in sorted(state.entries(), key=lambda e: e.path):
        status.documents += 1
        if entry.status != "destroyed" and entry.path not in troubled:
            status.ok.append(f"{entry.id} {entry.path} rev {entry.revision} ({entry.status})")
    from techxfer.commands.transfer import pending_transfers

    for p in pending_transfers(ws):
        status.awaiting.append({"transfer": p.transfer.id, "to": p.transfer.recipient,
                                "date": p.transfer.date.isoformat(), "due": p.due.isoformat(),
                                "state": p.state})
    return status
