"""The index and what is staged in it, read with git's plumbing alone (no pygit2).

The pre-commit hook judges one commit-to-be: the index, and for each staged path the
entry HEAD has. ``git ls-files -s`` lists the index, ``git diff --cached --raw`` the staged
paths with both entries, and one ``git cat-file --batch`` reads the few blobs the checks
open. Each runs in the hook's own environment (GIT_DIR, GIT_INDEX_FILE: ``git commit
PATH`` hands its hook a temporary index), without replace refs, as ``GitRepo`` reads.
Loading pygit2 costs more than all of this for one staged file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
from pathlib import Path

from techxfer.errors import GitError
from techxfer.git.entry import Entry, zsplit

ZERO_MODE = 0


def _env() -> dict[str, str]:
    env = {**os.environ, "GIT_NO_REPLACE_OBJECTS": "1"}
    if "GIT_DIR" in env:
        env["GIT_DIR"] = os.path.abspath(env["GIT_DIR"])
    return env


class StagedIndex:
    """The index of the repository at the current directory (as a hook finds it)."""

    def __init__(self) -> None:
        self._env = _env()
        self._batch: subprocess.Popen[bytes] | None = None
        out = self._run(["rev-parse", "--absolute-git-dir", "-q", "--verify", "HEAD"], check=False)
        lines = out.decode("utf-8", "surrogateescape").splitlines()
        if not lines:
            raise GitError(f"{os.getcwd()}: not a git repository")
        self.gitdir = Path(lines[0])
        self.head: str | None = lines[1] if len(lines) > 1 else None

    def _run(self, args: list[str], *, check: bool = True) -> bytes:
        try:
            proc = subprocess.run(["git", *args], capture_output=True, env=self._env, check=False)
        except FileNotFoundError:
            raise GitError("git is not installed or not on PATH") from None
        if check and proc.returncode != 0:
            message = proc.stderr.decode("utf-8", "replace").strip() or f"exit status {proc.returncode}"
            raise GitError(f"git {args[0]} failed: {message}")
        return proc.stdout

    def entries(self) -> dict[str, Entry]:
        """Every path of the index with its blob id and mode (as ``GitRepo.index_entries``)."""
        out: dict[str, Entry] = {}
        for record in zsplit(self._run(["ls-files", "-s", "-z"])):
            meta, _, path = record.partition(b"\t")
            mode, oid, _stage = meta.split(b" ")
            out[path.decode("utf-8", "surrogateescape")] = Entry(oid.decode(), int(mode, 8))
        return out

    def staged(self) -> dict[str, Entry | None]:
        """Path → HEAD's entry (None where HEAD has none) for every path whose index entry
        differs from HEAD's: added, changed and removed alike. On an unborn branch, every
        path of the index."""
        if self.head is None:
            return dict.fromkeys(self.entries())
        out = self._run(["diff", "--cached", "--raw", "-z", "--no-renames", "--no-abbrev",
                         "--ignore-submodules=none", "HEAD", "--"])
        fields = iter(zsplit(out))
        changed: dict[str, Entry | None] = {}
        for meta in fields:
            parts = meta.split(b" ")
            path = next(fields, b"").decode("utf-8", "surrogateescape")
            if len(parts) != 5 or not parts[0].startswith(b":") or not path:
                raise GitError("git diff --cached: a change line out of place")
            old_mode = int(parts[0][1:], 8)
            changed[path] = None if old_mode == ZERO_MODE else Entry(parts[2].decode(), old_mode)
        return changed

    def read_blob(self, oid: str) -> bytes:
        """A blob's bytes, checked against its id (``git cat-file --batch``, one process)."""
        if self._batch is None:
            try:
                self._batch = subprocess.Popen(["git", "cat-file", "--batch"], env=self._env,
                                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                               stderr=subprocess.DEVNULL)
            except FileNotFoundError:
                raise GitError("git is not installed or not on PATH") from None
        proc = self._batch
        assert proc.stdin is not None and proc.stdout is not None
        header: list[bytes] = []
        try:
            proc.stdin.write(oid.encode() + b"\n")
            proc.stdin.flush()
            header = proc.stdout.readline().split()
            if len(header) == 3 and header[0].decode() == oid and header[1] == b"blob":
                size = int(header[2])
                data = proc.stdout.read(size + 1)
                digest = hashlib.sha1 if len(oid) == 40 else hashlib.sha256
                if len(data) == size + 1 and digest(
                        b"blob %d\0" % size + data[:-1]).hexdigest() == oid:
                    return data[:-1]
        except (OSError, ValueError):
            pass
        self.close()
        if len(header) == 3 and header[1] != b"blob":
            raise GitError(f"object {oid} is not a file")
        raise GitError(f"object {oid} is missing from the repository")

    def close(self) -> None:
        proc, self._batch = self._batch, None
        if proc is None:
            return
        for pipe in (proc.stdin, proc.stdout):
            with contextlib.suppress(OSError):
                if pipe is not None:
                    pipe.close()
        proc.wait()
