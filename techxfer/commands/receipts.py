"""Appending one receipt to the server's receipt log (DESIGN section 10).

Called by the server's post-receive hook after every accepted push: the server's clock
(UTC, to the second), every ref update, and a push certificate where the push was signed,
in one commit signed with the witness key whose parent is the receipt before it. The ref
moves by compare and swap: when another push appended first, the receipt is made again
on top of that one (with the clock read again), so the log stays one chain and its times
never go back.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from techxfer.errors import GitError
from techxfer.format import yamlio
from techxfer.format.layout import PUSH_CERTIFICATE_FILE, RECEIPT_FILE, RECEIPTS_REF
from techxfer.git.objects import make_tree, ref_target, signed_commit_tree, update_ref, write_blob
from techxfer.git.repo import GitRepo
from techxfer.model.receipt import PushCertificate, RefUpdate, receipt_record

ATTEMPTS = 20
WITNESS_NAME = "techxfer witness"
WITNESS_EMAIL = "witness@techxfer.invalid"


def server_clock() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _message(when: datetime, updates: Sequence[RefUpdate], cert: PushCertificate | None) -> str:
    lines = [f"techxfer receipt {when.strftime('%Y-%m-%dT%H:%M:%SZ')}", ""]
    lines += [f"{u.old} {u.new} {u.ref}" for u in updates]
    if cert is not None:
        lines += ["", f"signed push: {cert.signer or cert.key or 'unknown key'} "
                      f"(nonce {cert.nonce_status})"]
    return "\n".join(lines) + "\n"


def append_receipt(repo: GitRepo, updates: Sequence[RefUpdate], witness_key: Path,
                   certificate: PushCertificate | None = None,
                   certificate_blob: str | None = None,
                   clock: Callable[[], datetime] = server_clock) -> str:
    """Write one receipt and move ``refs/techxfer/receipts`` to it; return its id.
    CERTIFICATE_BLOB, the pushed certificate's blob (``GIT_PUSH_CERT``), goes into the
    receipt's tree as it is."""
    if not updates:
        raise GitError("a receipt needs at least one ref update")
    last = ""
    for attempt in range(ATTEMPTS):
        parent = ref_target(repo, RECEIPTS_REF)
        when = clock()  # read after the parent: a receipt is never older than the one before
        record = receipt_record(when, tuple(updates), certificate)
        files = {RECEIPT_FILE: write_blob(repo, yamlio.dump(record))}
        if certificate_blob:
            files[PUSH_CERTIFICATE_FILE] = certificate_blob
        stamp = f"@{int(when.timestamp())} +0000"
        env = {"GIT_COMMITTER_DATE": stamp, "GIT_AUTHOR_DATE": stamp,
               "GIT_COMMITTER_NAME": WITNESS_NAME, "GIT_AUTHOR_NAME": WITNESS_NAME,
               "GIT_COMMITTER_EMAIL": WITNESS_EMAIL, "GIT_AUTHOR_EMAIL": WITNESS_EMAIL}
        commit = signed_commit_tree(repo, make_tree(repo, files), [parent] if parent else [],
                                    _message(when, updates, certificate), witness_key, env)
        problem = update_ref(repo, RECEIPTS_REF, commit, parent)
        if problem is None:
            return commit
        last = problem
        time.sleep(0.02 * (attempt + 1))
    raise GitError(f"could not append to {RECEIPTS_REF} after {ATTEMPTS} attempts: {last}")
