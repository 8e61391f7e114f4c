"""``techxfer export``: controlled copies of the effective documents one party may use.

Copies come from the committed state (HEAD), never from the working tree, and each is
checked against its register hash before it is written. A party gets the documents it
owns and those whose current revision was transferred to it, acknowledged (not pending,
not rejected, with the meaning the transfer needs) and not withdrawn since
(rules/copies); every other document it owns or was given is listed as skipped, with the
reason. Obsolete, draft and destroyed documents are never exported as effective. The
copies handed out before whose revision was superseded or withdrawn since, and that were
not given back, are listed to recall; ``returned`` records copies given back. Every copy
gets a copy number and a line in the export register (CSV and JSON) written beside the
copies. The output folder is built under a temporary name and renamed into place, so a
failed export leaves nothing.

With ``record``, the distribution is also recorded in the repository (GMP 2025 art. 43):
``distributions/<EXP-ID>.yaml`` lists every copy with its number and both hashes, in one
signed commit by a person holding a distribution role. The signer is checked before any
copy is made; if the commit fails, neither the record nor the copies are left behind.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from techxfer.commands.transfer import current_signer
from techxfer.errors import RefusedError, UsageError
from techxfer.findings import msg, roles_or_nobody
from techxfer.format.layout import DISTRIBUTIONS_DIR, PathKind, kind
from techxfer.model.manifest import DocumentEntry
from techxfer.model.parties import Signer
from techxfer.model.records import Copy, Distribution
from techxfer.model.times import format_instant, now
from techxfer.model.transfer import new_id
from techxfer.reports.text import cell, shown
from techxfer.rules.authorisation import holds_role
from techxfer.rules.copies import Recall, copy_blocker, holdings, outdated, recalls
from techxfer.rules.register import check_state
from techxfer.state.records import load_records
from techxfer.state.snapshot import Snapshot, commit_snapshot
from techxfer.state.workspace import Workspace

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
    signer: Signer | None = None  # who recorded it (--record)
    record_commit: str | None = None
    holder: tuple[str, ...] = ()  # the recipient's legal name, and its English name if any
    returned: list[tuple[Copy, str | None]] = field(default_factory=list)  # given back, why
    recalls: list[Recall] = field(default_factory=list)  # copies out of date, not yet back

    @property
    def record_path(self) -> str:
        return f"{DISTRIBUTIONS_DIR}{self.id}.yaml"

    def record(self, stamped: bool) -> dict[str, Any]:
        """The distribution record (``distribution`` schema) of a recorded export."""
        assert self.signer is not None
        copies = []
        for line in self.lines:
            if line.copy is None:
                continue
            e = line.entry
            copy: dict[str, Any] = {"copy": line.copy, "id": e.id, "path": e.path,
                                    "revision": e.revision, "sha256": e.sha256,
                                    "copy_sha256": line.copy_sha256,
                                    "stamped": line.status == "stamped"}
            if line.transfer:
                copy["transfer"] = line.transfer
            copies.append(copy)
        record: dict[str, Any] = {
            "id": self.id, "date": format_instant(self.when), "party": self.signer.party.id,
            "signer": self.signer.person.id, "recipient": self.party, "commit": self.commit,
            "stamped": stamped, "copies": copies,
        }
        skipped = [{"id": line.entry.id, "path": line.entry.path, "revision": line.entry.revision,
                    "reason": line.reason} for line in self.lines if line.status == "skipped"]
        if skipped:
            record["skipped"] = skipped
        if self.returned:
            record["returned"] = [{"copy": c.copy, "id": c.id, "revision": c.revision,
                                   **({"reason": why} if why else {})}
                                  for c, why in self.returned]
        return record


def export_copies(ws: Workspace, party: str, out: Path, *, stamp: bool,
                  record: bool = False, returned: tuple[str, ...] = (),
                  progress: Callable[[int, int], None] | None = None) -> Export:
    """Controlled copies for PARTY in OUT; RETURNED, copies given back (recorded with
    RECORD); PROGRESS, where given, is told (done, total) as each document is copied."""
    head = ws.repo.head()
    if head is None:
        raise UsageError(msg("refuse.no_commits", "the repository has no commits yet"))
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(msg("refuse.export_folder", "{path}: exists and is not an empty folder; "
                             "give a new one", path=out))
    snap = commit_snapshot(ws.repo, head, ws.cache)
    state = check_state(snap)
    config = state.config
    if config is None:
        raise UsageError(msg("refuse.config_unreadable", "the committed configuration cannot be "
                             "read; run techxfer check"))
    recipient = config.parties.resolve(party)
    if recipient is None:
        raise UsageError(msg("refuse.unknown_party_option", "--party: unknown party {party!r}",
                             party=party))
    if returned and not record:
        raise UsageError(msg("refuse.returned_needs_record", "--returned needs --record: a return "
                             "is recorded in the repository"))
    records = load_records(snap)
    transfers = records.in_order()
    held = holdings(transfers, recipient.id)
    distributions = _distributions(snap)
    back = _returns(distributions, recipient.id, returned)
    when = now()
    signer = None
    if record:  # refuse before making any copy
        signer = current_signer(ws, config, when)
        if holds_role(config, signer, config.policy.distribution_roles) is None:
            raise RefusedError(msg("refuse.no_distribution_role", "{who} may not record a "
                                   "distribution (distribution_roles: {roles}); nothing was "
                                   "exported", who=f"{signer.party.id}:{signer.person.id}",
                                   roles=roles_or_nobody(config.policy.distribution_roles)))
    exp_id = (new_id("EXP", signer.party.seat, when) if signer is not None
              else f"EXP-{when:%Y%m%d}-{secrets.token_hex(4)}")
    holder = (recipient.name, *([recipient.name_en] if recipient.name_en
                                 and recipient.name_en != recipient.name else []))
    export = Export(exp_id, recipient.id, out, head, when, signer=signer, holder=holder)
    entries = sorted(state.entries(), key=lambda e: e.path)
    current = {e.id: e for e in entries}
    export.returned = [(copy, outdated(copy, current.get(copy.id), held.get(copy.id)))
                       for copy in back]
    export.recalls = [r for r in recalls(distributions, current, transfers, recipient.id)
                      if r.copy.copy not in returned]
    for entry in entries:
        rule = config.policy.rule_for(entry.path)
        if rule is not None and rule.read is not None and recipient.id not in {
                config.party_id(r) for r in rule.read}:
            continue
        owned = config.party_id(entry.owner) == recipient.id
        holding = held.get(entry.id)
        if entry.status != "effective":
            # the party's own, or once given to it, and still a file: say why it is not copied
            if (owned or holding is not None) and entry.status != "destroyed":
                export.lines.append(ExportLine(None, entry, None, "skipped",
                                               f"rev {entry.revision} is {entry.status}"))
            continue
        if owned:
            export.lines.append(ExportLine(None, entry, None, "copied"))
            continue
        # only revisions the recipient acknowledged and still holds (rules/copies)
        why = copy_blocker(config, recipient.id, holding, entry.revision, entry.sha256,
                           records.acks)
        if why is not None or holding is None:
            export.lines.append(ExportLine(None, entry, None, "skipped",
                                           why.text if why is not None
                                           else f"rev {entry.revision} not transferred"))
            continue
        export.lines.append(ExportLine(None, entry, holding.transfer.id, "copied"))
    _write(ws, export, snap, stamp, progress)
    ws.cache.flush()
    return export


def _distributions(snap: Snapshot) -> list[Distribution]:
    return [Distribution.create(snap.load("distribution", path))
            for path in snap.paths_under(DISTRIBUTIONS_DIR) if kind(path) is PathKind.DISTRIBUTION]


def _returns(distributions: list[Distribution], recipient: str,
             numbers: tuple[str, ...]) -> list[Copy]:
    """The copies NUMBERS names, each handed to RECIPIENT and not yet given back."""
    issued = {c.copy: c for d in distributions if d.recipient == recipient for c in d.copies}
    back = {r.copy for d in distributions for r in d.returned}
    out = []
    for number in dict.fromkeys(numbers):
        if number not in issued:
            raise UsageError(msg("refuse.returned_unknown", "--returned {copy}: no recorded "
                                 "distribution handed a copy with that number to {recipient}",
                                 copy=number, recipient=recipient))
        if number in back:
            raise UsageError(msg("refuse.returned_twice", "--returned {copy}: already recorded as "
                                 "returned", copy=number))
        out.append(issued[number])
    return out


def _write(ws: Workspace, export: Export, snap: Any, stamp: bool,
           progress: Callable[[int, int], None] | None = None) -> None:
    from techxfer.reports.stamp import StampError, stamp_pdf

    staging = export.out.with_name(f".{export.out.name}.partial-{secrets.token_hex(3)}")
    staging.mkdir(parents=True)
    try:
        number = 0
        for done, line in enumerate(export.lines):
            if progress is not None:
                progress(done, len(export.lines))
            if line.status == "skipped":
                continue
            entry = line.entry
            data = snap.read(entry.path)
            if hashlib.sha256(data).hexdigest() != entry.sha256:
                line.status, line.reason = "skipped", "content differs from the register (HASH_MISMATCH)"
                continue
            if stamp and entry.path.lower().endswith(".pdf"):
                # The holder by legal name (parties.yaml), never by party id.
                names = export.holder or (export.party,)
                text = [shown(t) for t in (
                    "CONTROLLED COPY / 受控文件",
                    f"Holder 持有人: {names[0]}",
                    *names[1:],
                    f"Copy {export.id}-{number + 1:03d} · {entry.id} rev {entry.revision}",
                    f"{line.transfer or 'owner copy'} · {export.when:%Y-%m-%d}",
                )]
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
        if progress is not None:
            progress(len(export.lines), len(export.lines))
        rows = [line.row(export.party, export.when) for line in export.lines]
        buf = io.StringIO()
        writer = csv.DictWriter(buf, REGISTER_COLUMNS)
        writer.writeheader()
        writer.writerows({k: cell(v) if isinstance(v, str) else v for k, v in row.items()}
                         for row in rows)
        (staging / "export-register.csv").write_text(buf.getvalue(), encoding="utf-8")
        (staging / "export-register.json").write_text(json.dumps({
            "export": export.id, "party": export.party, "commit": export.commit,
            "date": export.when.isoformat(timespec="seconds"), "copies": rows,
            "returned": [{"copy": c.copy, "id": c.id, "revision": c.revision}
                         for c, _ in export.returned],
            "recall": [{"copy": r.copy.copy, "id": r.copy.id, "revision": r.copy.revision,
                        "recipient": r.recipient, "distribution": r.distribution,
                        "issued": r.issued.isoformat(timespec="seconds"), "reason": r.reason}
                       for r in export.recalls],
        }, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        if export.signer is not None:
            export.record_commit = _record(ws, export, stamp)
        if export.out.exists():
            export.out.rmdir()
        staging.rename(export.out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _record(ws: Workspace, export: Export, stamp: bool) -> str:
    """Commit the distribution record alone, signed; the tree and index are untouched if not."""
    from techxfer.commands.init import render
    from techxfer.format.fileio import Transaction
    from techxfer.git.signing import index_guard, signed_commit

    path = export.record_path
    data = render("distribution", export.record(stamp), path)
    copies = sum(1 for line in export.lines if line.copy)
    back = f", {len(export.returned)} returned" if export.returned else ""
    with Transaction() as tx, index_guard(ws.repo):
        tx.write(ws.root / path, data)
        ws.repo.add([path])
        return signed_commit(ws.repo, f"Distribute {copies} controlled copies to {export.party}"
                                      f"{back} ({export.id})", only=[path])
