"""The server's witness: refusals before a push (pre-receive) and its receipt after
(post-receive), DESIGN section 10.

Before: nobody pushes to the receipt log, and a signed push (``git push --signed``) must
carry a certificate made with the server's fresh nonce by a key of a listed person.
After: one receipt per accepted push, appended by ``commands.receipts``. A push is
already in when post-receive runs, so a receipt that cannot be written is reported
loudly for the server's administrator and the push stands (its commits are then
unwitnessed, which ``verify --require-receipts`` reports).
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from techxfer.errors import TechxferError
from techxfer.format.layout import CONFIG_DIR, is_receipts_ref
from techxfer.git.repo import GitRepo
from techxfer.model.receipt import PushCertificate, RefUpdate, is_zero

if TYPE_CHECKING:  # loaded only for a signed push: post-receive stays quick
    from techxfer.state.config import Config


def ref_updates(stdin: bytes) -> list[RefUpdate]:
    """``old new ref`` lines, as git gives them to pre- and post-receive."""
    out = []
    for line in stdin.decode("utf-8", "surrogateescape").splitlines():
        parts = line.split(" ")
        if len(parts) == 3:
            out.append(RefUpdate(parts[2], parts[0], parts[1]))
    return out


def _config_for(repo: GitRepo, updates: list[RefUpdate]) -> Config | None:
    """The parties a push certificate is judged by: those at the tip of the first protected
    branch as the push leaves it (else at the first commit pushed)."""
    from techxfer.state.cache import BlobCache
    from techxfer.state.config import load_config
    from techxfer.state.snapshot import GitSnapshot

    pushed = {u.ref: u.new for u in updates}
    candidates = []
    for branch in sorted(repo.protected_branches()):
        ref = f"refs/heads/{branch}"
        if ref in pushed:
            candidates.append(pushed[ref])
        elif repo.has_commit(tip := _tip(repo, ref) or ""):
            candidates.append(tip)
    candidates += [u.new for u in updates]
    for commit in candidates:
        if is_zero(commit) or not repo.has_commit(commit):
            continue
        _, entries = repo.subtree(commit, CONFIG_DIR)
        try:
            return load_config(GitSnapshot(repo, entries, f"commit {commit[:10]}", BlobCache(None)))
        except TechxferError:
            return None
    return None


def _tip(repo: GitRepo, ref: str) -> str | None:
    try:
        return repo.resolve(ref)
    except TechxferError:
        return None


def _certificate(repo: GitRepo, updates: list[RefUpdate]
                 ) -> tuple[PushCertificate | None, str | None, str | None]:
    """The push certificate of a signed push (None for a plain push), its blob id, and
    what is wrong with its signer judged against the parties, if anything."""
    blob = os.environ.get("GIT_PUSH_CERT")
    if not blob:
        return None, None, None
    from techxfer.rules.push_certificate import certificate_holder

    signer, key, problem = certificate_holder(repo.read_blob(blob), _config_for(repo, updates),
                                              datetime.now(UTC))
    who = f"{signer.party.id}:{signer.person.id}" if signer is not None and problem is None else None
    cert = PushCertificate(os.environ.get("GIT_PUSH_CERT_STATUS", ""),
                           os.environ.get("GIT_PUSH_CERT_NONCE_STATUS", ""), key, who)
    return cert, blob, problem


def push_refusals(repo: object, stdin: bytes) -> list[str]:
    """What pre-receive refuses for the witness's sake, one line each."""
    assert isinstance(repo, GitRepo)
    updates = ref_updates(stdin)
    problems = [f"{u.ref}: the receipt log is written by the server alone; pushing to it is "
                "refused" for u in updates if is_receipts_ref(u.ref)]
    cert, _, problem = _certificate(repo, updates)
    if cert is not None and cert.nonce_status != "OK":
        problems.append(f"push certificate: its nonce is {cert.nonce_status or 'missing'}, "
                        "not the server's fresh one (push again with git push --signed)")
    if problem is not None:
        problems.append(f"push certificate: {problem}")
    return problems


def post_receive(stdin: bytes) -> int:
    from techxfer.commands.receipts import append_receipt

    try:
        repo = GitRepo.open(".", from_env=True)
        key = repo.config_get("techxfer.witnessKey")
        if not key:
            sys.stderr.write("techxfer post-receive: no witness key (git config "
                             "techxfer.witnessKey): no receipt written\n")
            return 1
        updates = ref_updates(stdin)
        if not updates:
            return 0
        cert, blob, _ = _certificate(repo, updates)
        commit = append_receipt(repo, updates, Path(key), cert, blob)
    except Exception as exc:  # the push stands; say so where the administrator looks
        message = exc.diagnostic() if isinstance(exc, TechxferError) else f"{type(exc).__name__}: {exc}"
        sys.stderr.write(f"techxfer post-receive: NO RECEIPT was written for this push (it "
                         f"stands): {message}\n")
        return 1
    sys.stderr.write(f"techxfer: receipt {commit[:10]} written by the server's witness\n")
    return 0
