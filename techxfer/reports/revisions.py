"""Every revision a record has had, and where its content is kept in Git.

A new revision replaces the file in the tree, not in the history: the older content stays
in every commit that held it, so an older revision is still a record, kept from its own
dates (``rules.retention.superseded``). ``dispose`` removes a file from the tree only; what
it says it removed, and where the content still is, comes from here, as do the superseded
rows of the retention report and the notes of ``retention check``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from techxfer.errors import TechxferError
from techxfer.git.repo import Entry
from techxfer.model.manifest import DocumentEntry
from techxfer.model.times import from_git_time
from techxfer.rules.retention import RecordRetention, assess_superseded
from techxfer.state.config import Config
from techxfer.state.manifests import manifest_entries
from techxfer.state.snapshot import GitSnapshot
from techxfer.state.workspace import Workspace

LFS_POINTER = b"version https://git-lfs.github.com/spec/v1\n"


@dataclass(frozen=True)
class StoredRevision:
    """One revision of a record as the history holds it: its register entry (as last
    written while it was current), its blob, the commit that brought it in, and the commit
    that replaced it (None while it is the current one)."""

    entry: DocumentEntry
    blob: str | None  # git blob id of the file at ``since`` (None: not in that tree)
    since: str
    replaced: str | None = None
    replaced_at: datetime | None = None
    lfs_oid: str | None = None  # the Git LFS object holding the content, for a pointer file

    def as_json(self) -> dict[str, object]:
        return {"revision": self.entry.revision, "sha256": self.entry.sha256, "blob": self.blob,
                "since_commit": self.since, "replaced_commit": self.replaced,
                "replaced": self.replaced_at.isoformat(timespec="seconds")
                if self.replaced_at else None, "lfs_oid": self.lfs_oid}


def revisions(ws: Workspace, manifests: set[str], rev: str = "HEAD"
              ) -> dict[str, list[StoredRevision]]:
    """Document id → its revisions, oldest first, from the history of these MANIFESTS up
    to REV: a revision is a new (revision, sha256) of an entry; status and date changes
    update the entry of the revision they belong to; a destroyed entry ends nothing."""
    out: dict[str, list[StoredRevision]] = {}
    for manifest in sorted(manifests):
        for commit in ws.repo.commits_touching([manifest], rev):
            entries = _one_file(ws, commit, manifest)
            if not entries:
                continue
            view = GitSnapshot(ws.repo, entries, f"commit {commit[:10]}", ws.cache)
            try:
                listed = manifest_entries(view, manifest)
            except TechxferError:
                continue  # a broken register at that commit is verify's finding
            for entry in listed:
                _meet(ws, out.setdefault(entry.id, []), entry, commit)
    return out


def _meet(ws: Workspace, seen: list[StoredRevision], entry: DocumentEntry, commit: str) -> None:
    last = seen[-1] if seen else None
    if last is not None and (last.entry.revision, last.entry.sha256) == (entry.revision,
                                                                          entry.sha256):
        if entry.status != "destroyed":
            seen[-1] = StoredRevision(entry, last.blob, last.since, None, None, last.lfs_oid)
        return
    if entry.status == "destroyed":
        return
    if any((s.entry.revision, s.entry.sha256) == (entry.revision, entry.sha256) for s in seen):
        return  # an older state met again: a line merged later that had not seen the new one
    if last is not None:
        info = ws.repo.commit_info(commit)
        seen[-1] = StoredRevision(last.entry, last.blob, last.since, commit,
                                  from_git_time(info.commit_time, info.commit_offset),
                                  last.lfs_oid)
    found = ws.repo.entry_at(commit, entry.path)
    blob = found.oid if found is not None and found.is_file else None
    seen.append(StoredRevision(entry, blob, commit, lfs_oid=_lfs_oid(ws, blob)))


def _lfs_oid(ws: Workspace, blob: str | None) -> str | None:
    if blob is None:
        return None
    data = ws.repo.read_blob(blob)
    if not data.startswith(LFS_POINTER) or len(data) > 1024:
        return None
    for line in data.decode("utf-8", "replace").splitlines():
        if line.startswith("oid "):
            return line[4:].strip()
    return None


def _one_file(ws: Workspace, commit: str, path: str) -> dict[str, Entry]:
    folder, _, _ = path.rpartition("/")
    if not folder:
        entry = ws.repo.entry_at(commit, path)
        return {path: entry} if entry is not None else {}
    _, entries = ws.repo.subtree(commit, folder)
    return {p: e for p, e in entries.items() if p == path}


def superseded_rows(stored: list[StoredRevision], config: Config, as_of: datetime
                    ) -> list[RecordRetention]:
    """The retention rows of a record's older revisions (every one but the last), newest
    first, each judged by the one rule (``assess_superseded``)."""
    out = []
    for older, newer in zip(stored, stored[1:], strict=False):
        if older.replaced is None or older.replaced_at is None:
            continue
        out.append(assess_superseded(older.entry, newer.entry.revision, older.replaced,
                                     older.replaced_at.date(), config, as_of))
    return out[::-1]
