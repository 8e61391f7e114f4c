"""What the shims run. Each hook prints one line per finding and exits non-zero to refuse."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from techxfer.errors import TechxferError
from techxfer.findings import Finding


def _run_legacy(hook_dir: Path | None, hook_type: str, args: Sequence[str], stdin: bytes) -> int:
    if hook_dir is None:
        return 0
    legacy = hook_dir / f"{hook_type}.legacy"
    if not legacy.is_file() or not os.access(legacy, os.X_OK):
        return 0
    return subprocess.run([str(legacy), *args], input=stdin, check=False).returncode


def report(hook: str, findings: Sequence[Finding], what: str) -> None:
    write = sys.stderr.write
    write(f"techxfer {hook}: {what} refused, {len(findings)} finding(s):\n")
    for finding in findings:
        where = f"{finding.commit[:10]} " if finding.commit else ""
        write(f"  {where}{finding.one_line()}\n")


def pre_commit() -> int:
    from techxfer.cache import BlobCache
    from techxfer.checks import check_state
    from techxfer.gitrepo import GitRepo
    from techxfer.snapshot import index_snapshot

    repo = GitRepo.open(".", from_env=True)
    scope = repo.staged_paths()
    if not scope:
        return 0
    cache = BlobCache(repo.gitdir)
    state = check_state(index_snapshot(repo, cache), scope)
    cache.flush()
    if state.findings:
        report("pre-commit", state.findings, "commit")
        sys.stderr.write("  (fix the files or the manifests, stage them, and commit again)\n")
        return 1
    return 0


def main(argv: Sequence[str]) -> int:
    if not argv:
        sys.stderr.write("usage: python -m techxfer.hooks HOOK-TYPE [--hook-dir DIR] -- ARGS\n")
        return 2
    hook_type, rest = argv[0], list(argv[1:])
    hook_dir: Path | None = None
    if rest[:1] == ["--hook-dir"] and len(rest) >= 2:
        hook_dir = Path(rest[1])
        rest = rest[2:]
    if rest[:1] == ["--"]:
        rest = rest[1:]
    stdin = b"" if hook_type == "pre-commit" else sys.stdin.buffer.read()
    legacy = _run_legacy(hook_dir, hook_type, rest, stdin)
    if legacy != 0:
        return legacy
    handlers = {"pre-commit": pre_commit}
    handler = handlers.get(hook_type)
    if handler is None:
        sys.stderr.write(f"techxfer: unknown hook type {hook_type!r}\n")
        return 2
    try:
        return handler()
    except TechxferError as exc:
        sys.stderr.write(f"techxfer {hook_type}: refused: {exc.diagnostic()}\n")
        return 1
