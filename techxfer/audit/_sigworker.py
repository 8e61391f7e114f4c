"""SSH signatures of a long walk, verified ahead of it in a second process.

Whether a commit's SSH signature verifies, and with which key, depends on the commit's own
bytes only; who holds that key, and whether it was valid then, depends on the policy in
force, which the walk decides commit by commit. So a walk of many commits hands their ids
to this worker, which reads each commit's signature with pygit2 and verifies it with the
same code as the walk would, while the walk judges the commits before. On two cores the
signature work (about 0.3 ms a commit) leaves the walk's path.

The worker answers one line per commit, in the order asked:
``<commit> ssh <key>`` (a good signature by that OpenSSH key), ``<commit> bad <message>``
(no good signature; the message as a JSON string), or ``<commit> -`` (unsigned or
OpenPGP: the walk checks those itself, against the keyring in force). Anything unexpected
from the worker ends its use and the walk checks the remaining commits itself; its answers
are never a reason to pass a commit that the in-process check would fail.

    python -P -m techxfer.audit._sigworker GITDIR [--from-env]   (commit ids on standard input)
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import IO

from techxfer.errors import GitError, SignatureError
from techxfer.git.repo import GitRepo, feed_and_close

MIN_COMMITS = 500  # below this, starting a second interpreter (~0.2 s) does not pay


def answer(repo: GitRepo, commit: str) -> str:
    from techxfer.crypto import signatures

    try:
        signature = repo.commit_signature(commit)
    except GitError:
        return "-"
    if signature is None:
        return "-"
    sig, payload = signature
    try:
        if signatures.signature_kind(sig) != "ssh":
            return "-"
        return "ssh " + signatures.verify_sshsig(sig, payload, "git").openssh()
    except SignatureError as exc:
        return "bad " + json.dumps(exc.message)  # one line, the message exactly


def serve(gitdir: str, from_env: bool, commits: IO[str], out: IO[str]) -> None:
    repo = GitRepo.open(gitdir, from_env=from_env)
    repo.stream_objects()
    for line in commits:
        commit = line.strip()
        if commit:
            out.write(f"{commit} {answer(repo, commit)}\n")
    out.flush()


class AheadSignatures:
    """The worker's answers, read in the walk's order; ``get`` returns None whenever the
    walk must check the commit itself."""

    def __init__(self, repo: GitRepo, commits: Sequence[str], *, min_commits: int | None = None) -> None:
        self._lines: Iterator[str] | None = None
        self._proc: subprocess.Popen[str] | None = None
        if len(commits) < (MIN_COMMITS if min_commits is None else min_commits):
            return
        # -P: the worker imports the installed techxfer, never a techxfer/ folder of the
        # audited checkout (the current directory), which would answer for its own commits.
        args = [sys.executable, "-P", "-m", "techxfer.audit._sigworker", str(repo.gitdir)]
        if repo.from_env:
            args.append("--from-env")
        try:
            self._proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=subprocess.DEVNULL, text=True, encoding="utf-8",
                                          errors="replace")
        except OSError:
            return
        assert self._proc.stdin is not None and self._proc.stdout is not None
        feed = "".join(f"{c}\n" for c in commits)
        self._writer = threading.Thread(target=feed_and_close, args=(self._proc.stdin, feed), daemon=True)
        self._writer.start()
        self._lines = iter(self._proc.stdout)

    def get(self, commit: str) -> tuple[str, str] | None:
        """("ssh", key) or ("bad", message) for COMMIT, the next commit of the walk."""
        if self._lines is None:
            return None
        line = next(self._lines, "")
        said, _, rest = line.rstrip("\n").partition(" ")
        kind, _, detail = rest.partition(" ")
        if kind == "bad":
            try:
                detail = json.loads(detail)
            except ValueError:
                detail = ""
        if (said != commit or kind not in ("ssh", "bad", "-") or (kind != "-" and not detail)
                or not isinstance(detail, str)):
            self.close()  # out of step or gone: the walk checks the rest itself
            return None
        return None if kind == "-" else (kind, detail)

    def close(self) -> None:
        self._lines = None
        if self._proc is None:
            return
        proc, self._proc = self._proc, None
        if proc.poll() is None:
            proc.kill()
        assert proc.stdout is not None
        proc.stdout.close()
        self._writer.join()
        proc.wait()


def main(argv: list[str]) -> int:
    if not argv or len(argv) > 2 or (len(argv) == 2 and argv[1] != "--from-env"):
        print("usage: python -P -m techxfer.audit._sigworker GITDIR [--from-env]", file=sys.stderr)
        return 2
    try:
        serve(argv[0], len(argv) == 2, sys.stdin, sys.stdout)
    except (GitError, BrokenPipeError) as exc:
        print(f"techxfer.audit._sigworker: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
