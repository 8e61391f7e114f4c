"""``techxfer export``: controlled copies of the effective documents one party may use.

Copies come from the committed state (HEAD), never from the working tree, and each is
checked against its register hash before it is written. A party gets the documents it
owns and those whose current revision was transferred to it; obsolete, draft and
destroyed documents are never exported as effective. Every copy gets a copy number and a
line in the export register (CSV and JSON) written beside the copies. The output folder
is built under a temporary name and renamed into place, so a failed export leaves nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import secrets
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from techxfer.checks import check_state
from techxfer.errors import UsageError
from techxfer.model.manifest import DocumentEntry
from techxfer.model.times import now
from techxfer.snapshot import commit_snapshot
from techxfer.txops import load_records
from techxfer.workspace import Workspace

REGISTER_COLUMNS = ["copy", "id", "title", "revision", "path", "sha256", "copy_sha256",
                    "stamped", "transfer", "recipient", "date", "status", "reason"]


@dataclass
class ExportLine:
    copy: str | None
    entry: DocumentEntry
    transfer: str | None
    status: str  # copied | stamped | skipped
    reason: str = ""
    copy_sha256: str = ""

    def row(self, recipient: str, when: datetime) -> dict[str, Any]:
        e = self.entry
        return {"copy": self.copy or "", "id": e.id, "title": e.title, "revision": e.revision,
                "path": e.path, "sha256": e.sha256, "copy_sha256": self.copy_sha256,
                "stamped": self.status == "stamped", "transfer": self.transfer or "",
                "recipient": recipient, "date": when.isoformat(timespec="seconds"),
                "status": self.status, "reason": self.reason}


@dataclass
class Export:
    id: str
    party: str
    out: Path
    commit: str
    when: datetime
    lines: list[ExportLine] = field(default_factory=list)


def export_copies(ws: Workspace, party: str, out: Path, *, stamp: bool) -> Export:
    head = ws.repo.head()
    if head is None:
        raise UsageError("the repository has no commits yet")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"{out}: exists and is not an empty folder; give a new one")
    snap = commit_snapshot(ws.repo, head, ws.cache)
    state = check_state(snap)
    config = state.config
    if config is None:
        raise UsageError("the committed configuration cannot be read; run techxfer check")
    recipient = config.parties.resolve(party)
    if recipient is None:
        raise UsageError(f"--party: unknown party {party!r}")
    records = load_records(snap)
    carried: dict[tuple[str, str, str], str] = {}
    for tx in sorted(records.transfers.values(), key=lambda t: t.date):
        if tx.recipient == recipient.id and tx.type in ("initial", "change"):
            for item in tx.items:
                carried[(item.id, item.revision, item.sha256)] = tx.id
    when = now()
    export = Export(f"EXP-{when:%Y%m%d}-{secrets.token_hex(4)}", recipient.id, out, head, when)
    entries = sorted(state.entries(), key=lambda e: e.path)
    for entry in entries:
        if entry.status != "effective":
            continue
        rule = config.policy.rule_for(entry.path)
        if rule is not None and rule.read is not None and recipient.id not in {
                config.party_id(r) for r in rule.read}:
            continue
        tx_id = carried.get((entry.id, entry.revision, entry.sha256))
        owned = config.party_id(entry.owner) == recipient.id
        if tx_id is None and not owned:
            export.lines.append(ExportLine(None, entry, None, "skipped",
                                           f"rev {entry.revision} not transferred to {recipient.id}"))
            continue
        export.lines.append(ExportLine(None, entry, tx_id, "copied"))
    _write(ws, export, snap, stamp)
    ws.cache.flush()
    return export


def _write(ws: Workspace, export: Export, snap: Any, stamp: bool) -> None:
    from techxfer.stamp import StampError, stamp_pdf

    staging = export.out.with_name(f".{export.out.name}.partial-{secrets.token_hex(3)}")
    staging.mkdir(parents=True)
    try:
        number = 0
        for line in export.lines:
            if line.status == "skipped":
                continue
            entry = line.entry
            data = snap.read(entry.path)
            if hashlib.sha256(data).hexdigest() != entry.sha256:
                line.status, line.reason = "skipped", "content differs from the register (HASH_MISMATCH)"
                continue
            if stamp and entry.path.lower().endswith(".pdf"):
                text = [
                    "CONTROLLED COPY / 受控文件",
                    f"{entry.id} rev {entry.revision}",
                    f"{line.transfer or 'owner copy'} · {export.when:%Y-%m-%d}",
                    f"copy {export.id}-{number + 1:03d} for {export.party}",
                ]
                try:
                    data, _ = stamp_pdf(data, text, entry.path)
                    line.status = "stamped"
                except StampError as exc:
                    line.status, line.reason = "skipped", exc.message
                    continue
            number += 1
            line.copy = f"{export.id}-{number:03d}"
            line.copy_sha256 = hashlib.sha256(data).hexdigest()
            target = staging / entry.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        rows = [line.row(export.party, export.when) for line in export.lines]
        buf = io.StringIO()
        writer = csv.DictWriter(buf, REGISTER_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        (staging / "export-register.csv").write_text(buf.getvalue(), encoding="utf-8")
        (staging / "export-register.json").write_text(json.dumps({
            "export": export.id, "party": export.party, "commit": export.commit,
            "date": export.when.isoformat(timespec="seconds"), "copies": rows,
        }, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        if export.out.exists():
            export.out.rmdir()
        staging.rename(export.out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
