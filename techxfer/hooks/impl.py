"""What the shims run. Each hook prints one line per finding and exits non-zero to refuse."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from techxfer.errors import TechxferError
from techxfer.findings import Finding
from techxfer.reports.text import shown


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
        write(f"  {where}{shown(finding.one_line())}\n")


def pre_commit() -> int:
    # git's plumbing, not pygit2 (GitRepo): one staged file costs a few git processes,
    # and loading pygit2 alone would cost more (DESIGN 5: the hook stays instant).
    from techxfer.git.staged import StagedIndex
    from techxfer.rules.register import check_state
    from techxfer.state.cache import BlobCache
    from techxfer.state.snapshot import GitSnapshot, ParentView

    index = StagedIndex()
    try:
        staged = index.staged()
        if not staged:
            return 0
        cache = BlobCache.for_repository(index.gitdir)
        # Judged against HEAD: a changed manifest costs its changed entries. What HEAD
        # already holds is for `techxfer check` and `verify`; the hook refuses what this
        # commit adds. HEAD is seen through the index: its entries where they differ.
        after = GitSnapshot(index, index.entries(), "index", cache)
        before = ParentView(after, staged, f"commit {index.head[:10]}") \
            if index.head is not None else None
        state = check_state(after, set(staged), before)
        cache.flush()
    finally:
        index.close()
    if state.findings:
        report("pre-commit", state.findings, "commit")
        sys.stderr.write("  (fix the files or the manifests, stage them, and commit again)\n")
        return 1
    return 0


ZERO = "0" * 40
# Findings about the state of the whole history, not about what is being pushed: they
# must not stop the push that brings the missing acknowledgement or approval.
NOT_BLOCKING = {"ACK_MISSING", "CHANGE_NOT_APPROVED"}


def _anchored_root(repo: object) -> str | None:
    """The trust root every push is judged from: git config ``techxfer.trustRoot`` (the
    server's own, which no pusher writes), else the root of a protected branch as it
    stands. None only before the first push: then the pushed history's own root."""
    from techxfer.git.repo import GitRepo

    assert isinstance(repo, GitRepo)
    given = repo.config_get("techxfer.trustRoot")
    if given:
        return given
    for branch in repo.protected_branches():
        try:
            tip = repo.resolve(f"refs/heads/{branch}")
        except TechxferError:
            continue
        roots = repo.roots(tip)
        if roots:
            return roots[0]
    return None


def _judge_push(repo: object, updates: list[tuple[str, str, str]], hook: str) -> int:
    """Audit each updated tip, resuming from checkpoints; refuse on findings in new commits.

    Checkpoints are written only once the whole push is accepted: a refused push leaves
    nothing behind that the next push would resume from (DESIGN 5)."""
    from techxfer.audit.preconditions import require_full_history
    from techxfer.audit.walk import Auditor
    from techxfer.git.repo import GitRepo
    from techxfer.state.cache import BlobCache

    assert isinstance(repo, GitRepo)
    require_full_history(repo)
    cache = BlobCache.for_repository(repo.gitdir)
    refused: list[Finding] = []
    judged: list[Auditor] = []
    # A pushed branch of its own (even a parentless one) is judged from the repository's
    # trust root, never from a root it brings.
    root = _anchored_root(repo) if hook == "pre-receive" else None
    for old, new, ref in updates:
        hide = [old] if old != ZERO else repo.other_ref_tips(ref)
        fresh = set(repo.walk(new, hide=hide))
        if not fresh:
            continue
        auditor = Auditor(repo, cache)
        result = auditor.run(new, root, resume=True, only=fresh, save=False)
        refused += [f for f in result.findings if f.code.value not in NOT_BLOCKING]
        judged.append(auditor)
    if refused:
        report(hook, refused, "push")
        return 1
    for auditor in judged:
        auditor.save_checkpoint()
    return 0


def _commit_of(repo: object, oid: str) -> tuple[str | None, str | None]:
    """(the commit a pushed object stands for, why it is refused): a commit is itself, an
    annotated tag (or a tag of a tag) is peeled to what it names, which must be a commit."""
    from techxfer.git.repo import GitRepo

    assert isinstance(repo, GitRepo)
    peeled = repo.peel(oid)
    if peeled is None:
        return None, f"{oid[:10]} is not an object of this push or repository"
    kind, target = peeled
    if kind != "commit":
        return None, (f"names a {kind} ({target[:10]}), not a commit; only commits and tags of "
                      "commits are accepted")
    return target, None


def pre_push(args: Sequence[str], stdin: bytes) -> int:
    """Client side: stdin has ``local-ref local-sha remote-ref remote-sha`` lines."""
    from techxfer.git.repo import GitRepo

    repo = GitRepo.open(".", from_env=True)
    updates = []
    for line in stdin.decode().splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[1] != ZERO:
            updates.append((parts[3], parts[1], parts[2]))
    judged = []
    for old, new, ref in updates:
        commit, _ = _commit_of(repo, new)
        if commit is None:
            continue  # not a commit: nothing of the history to verify here; the server judges
        before, _ = _commit_of(repo, old) if old != ZERO else (None, None)
        judged.append((before or ZERO, commit, ref))
    return _judge_push(repo, judged, "pre-push")


def pre_receive(args: Sequence[str], stdin: bytes) -> int:
    """Server side: stdin has ``old new ref`` lines; judge protected branches."""
    from techxfer.git.repo import GitRepo
    from techxfer.hooks.receipt import push_refusals

    repo = GitRepo.open(".", from_env=True)
    protected = repo.protected_branches()
    problems: list[str] = push_refusals(repo, stdin)  # the receipt log, push certificates
    updates = []
    for line in stdin.decode().splitlines():
        parts = line.split()
        if len(parts) != 3:
            continue
        old, new, ref = parts
        if ref.startswith("refs/replace/") and new != ZERO:
            # git log and git show would then display another object in place of the
            # signed one; techxfer ignores replacements, an inspector's git would not.
            problems.append(f"{ref}: replace refs are refused; they make git show other "
                            "objects in place of the signed history")
            continue
        branch = ref.removeprefix("refs/heads/")
        if not ref.startswith("refs/heads/") or branch not in protected:
            # Every pushed commit is judged, whatever the ref (an annotated tag by the
            # commit it names); deleting or rewinding an unprotected branch is the branch
            # owner's business.
            if new == ZERO:
                continue
            commit, why = _commit_of(repo, new)
            if commit is None:
                problems.append(f"{ref}: {why}")
                continue
            before, _ = _commit_of(repo, old) if old != ZERO else (None, None)
            updates.append((before or ZERO, commit, ref))
            continue
        if new == ZERO:
            problems.append(f"{ref}: deleting a protected branch is refused")
            continue
        if repo.object_type(new) != "commit":
            problems.append(f"{ref}: a protected branch must name a commit")
            continue
        if old != ZERO and not repo.is_ancestor(old, new):
            problems.append(f"{ref}: not a fast-forward; the history of a protected branch is "
                            "never rewritten")
            continue
        updates.append((old, new, ref))
    if problems:
        sys.stderr.write("techxfer pre-receive: push refused:\n")
        for problem in problems:
            sys.stderr.write(f"  {shown(problem)}\n")
        return 1
    return _judge_push(repo, updates, "pre-receive")


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
    if hook_type == "post-receive":  # the push is in: its receipt first, whatever else runs
        from techxfer.hooks.receipt import post_receive

        status = post_receive(stdin)
        return _run_legacy(hook_dir, hook_type, rest, stdin) or status
    legacy = _run_legacy(hook_dir, hook_type, rest, stdin)
    if legacy != 0:
        return legacy
    try:
        if hook_type == "pre-commit":
            return pre_commit()
        if hook_type == "pre-push":
            return pre_push(rest, stdin)
        if hook_type == "pre-push-framework":
            # The pre-commit framework passes the range in its environment, not on stdin.
            env = os.environ
            line = (f"{env.get('PRE_COMMIT_LOCAL_BRANCH', 'HEAD')} {env.get('PRE_COMMIT_TO_REF', '')} "
                    f"{env.get('PRE_COMMIT_REMOTE_BRANCH', '')} "
                    f"{env.get('PRE_COMMIT_FROM_REF') or ZERO}")
            return pre_push(rest, line.encode())
        if hook_type == "pre-receive":
            return pre_receive(rest, stdin)
        sys.stderr.write(f"techxfer: unknown hook type {hook_type!r}\n")
        return 2
    except TechxferError as exc:
        sys.stderr.write(f"techxfer {hook_type}: refused: {shown(exc.diagnostic(), multiline=True)}\n")
        return 1
    except Exception as exc:  # fail closed: a hook that cannot judge refuses
        internal_error(hook_type, exc)
        return 1


def internal_error(hook_type: str, exc: BaseException) -> None:
    """A fault inside the hook refuses what it was judging, and only that: nothing was
    written (checkpoints are saved only for an accepted push), so the next push is judged
    as if this one never came. The message says what an admin needs to act."""
    import traceback

    from techxfer import __version__

    what = "commit" if hook_type == "pre-commit" else "push"
    write = sys.stderr.write
    if os.environ.get("TECHXFER_DEBUG"):
        write(shown("".join(traceback.format_exception(exc)), multiline=True))
    write(f"techxfer {hook_type}: {what} refused, internal error: "
          f"{shown(f'{type(exc).__name__}: {exc}')}\n"
          f"  techxfer could not judge this {what}, so it refused it; nothing was changed, and "
          f"the next {what} is judged as usual.\n"
          f"  For the administrator: set TECHXFER_DEBUG=1 in the hook's environment and try "
          f"again for the traceback, then report it with the techxfer version ({__version__}), "
          f"the hook ({hook_type}) and this message.\n")
