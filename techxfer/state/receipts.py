"""Reading the server's receipt log (``refs/techxfer/receipts``) as it stands in a repository.

The log is read from its tip back along first parents to its first receipt; each commit
is parsed into a ``Receipt`` or kept with the reason it cannot be, for ``rules.receipts``
to judge. The tip seen by the last audit is remembered in the user's cache directory
(never in the audited repository), so a log rewritten since is noticed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from techxfer.errors import ConfigError, GitError, SchemaError
from techxfer.format import schema
from techxfer.format.fileio import write_atomic
from techxfer.format.layout import PUSH_CERTIFICATE_FILE, RECEIPT_FILE, RECEIPTS_REF
from techxfer.git.repo import GitRepo
from techxfer.model.receipt import Receipt

SEEN_FILE = "receipts-seen.json"


@dataclass(frozen=True)
class Link:
    """One commit of the log: its receipt, or why it cannot be read (``problem``)."""

    commit: str
    parents: tuple[str, ...]
    receipt: Receipt | None
    problem: str | None
    signature: tuple[bytes, bytes] | None


@dataclass(frozen=True)
class Chain:
    tip: str | None
    links: tuple[Link, ...]  # oldest first
    broken: str | None = None  # why the walk back stopped before a first receipt


def read_chain(repo: GitRepo, ref: str = RECEIPTS_REF) -> Chain:
    try:
        tip = repo.resolve(ref)
    except GitError:
        return Chain(None, ())
    links: list[Link] = []
    broken = None
    commit: str | None = tip
    while commit is not None:
        try:
            info = repo.commit_info(commit)
        except GitError:
            broken = f"receipt {commit[:10]} is missing from this repository"
            break
        links.append(_read_link(repo, commit, info.parents))
        commit = info.parents[0] if info.parents else None
    links.reverse()
    return Chain(tip, tuple(links), broken)


def _read_link(repo: GitRepo, commit: str, parents: tuple[str, ...]) -> Link:
    signature = repo.commit_signature(commit)
    parent = parents[0] if parents else None

    def bad(problem: str) -> Link:
        return Link(commit, parents, None, problem, signature)

    files = repo.tree_entries(commit)
    extra = sorted(set(files) - {RECEIPT_FILE, PUSH_CERTIFICATE_FILE})
    if extra:
        return bad(f"holds files a receipt has not: {', '.join(extra[:5])}")
    if RECEIPT_FILE not in files:
        return bad(f"has no {RECEIPT_FILE}")
    source = f"{RECEIPT_FILE} of receipt {commit[:10]}"
    try:
        raw = schema.load_and_validate("receipt", repo.read_blob(files[RECEIPT_FILE].oid), source)
    except SchemaError as exc:
        return bad("; ".join(exc.problems[:3]))
    except (ConfigError, GitError) as exc:
        return bad(exc.message)
    certificate = None
    if PUSH_CERTIFICATE_FILE in files:
        certificate = repo.read_blob(files[PUSH_CERTIFICATE_FILE].oid)
    if ("push_certificate" in raw) != (certificate is not None):
        return bad(f"{RECEIPT_FILE} and {PUSH_CERTIFICATE_FILE} disagree on whether the push "
                   "was signed")
    try:
        receipt = Receipt.create(commit, parent, raw, certificate)
    except ValueError as exc:
        return bad(str(exc))
    return Link(commit, parents, receipt, None, signature)


# -- the tip the last audit saw (the user's cache directory) -----------------------------
def last_seen(folder: Path | None) -> str | None:
    if folder is None:
        return None
    try:
        tip = json.loads((folder / SEEN_FILE).read_text(encoding="utf-8"))["tip"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return tip if isinstance(tip, str) else None


def remember(folder: Path | None, tip: str) -> None:
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / SEEN_FILE, json.dumps({"tip": tip}).encode())
    except OSError:
        pass  # a read-only cache: the next audit just has nothing to compare with
