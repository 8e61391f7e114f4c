"""Issue 14, "Nothing brings the audit or the server down": the server's pre-receive hook.

Real pushes (file:// and a real ``git daemon`` on 127.0.0.1) into bare repositories with
the hook installed by ``techxfer hooks install --server``. A refused push leaves nothing
behind that changes the next push's verdict; an internal error refuses that push only,
with a message; every ref kind is judged; the hook's verdict is a full audit's (DESIGN 5).

Cases the code of today fails are ``xfail(strict=True)``: a fix flips them.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import SshKey, add_doc, commit_as, git, git_daemon, techxfer
from robust_helpers import Answer, bounded, cli, head, raw_commit, verify_json

PUSH_TIMEOUT = 30.0
NOT_BLOCKING = {"ACK_MISSING", "CHANGE_NOT_APPROVED"}  # state of the history, not of a push


def push(repo: Path, *args: str, env: dict[str, str] | None = None) -> Answer:
    answer = bounded(repo, "git", "push", *args, timeout=PUSH_TIMEOUT, env=env)
    assert "Traceback" not in answer.stderr, answer.stderr
    return answer


def refused(answer: Answer, needle: str) -> None:
    assert answer.returncode != 0, answer.stderr
    assert needle in answer.stderr, answer.stderr
    assert "internal error" not in answer.stderr, answer.stderr


def hook_codes(answer: Answer) -> set[str]:
    """The finding codes of the hook's one-line-per-finding refusal."""
    return set(re.findall(r"^remote:\s+[0-9a-f]{10} ([A-Z_]+):", answer.stderr, re.MULTILINE))


def new_server(base: Path, name: str) -> Path:
    bare = base / f"{name}.git"
    git(base, "init", "-q", "--bare", str(bare))
    techxfer(base, "hooks", "install", "--server", str(bare))
    return bare


@pytest.fixture
def server(repo: Path, tmp_path: Path) -> Path:
    """A bare repository with the server hook, main pushed to it over file://."""
    bare = new_server(tmp_path, "server")
    git(repo, "remote", "add", "origin", f"file://{bare}")
    answer = push(repo, "origin", "main")
    assert answer.returncode == 0, answer.stderr
    return bare


def signed_empty_commit(repo: Path, key: SshKey, message: str) -> str:
    git(repo, "-c", "gpg.format=ssh", "-c", f"user.signingkey={key.private}",
        "commit", "-q", "-S", "--allow-empty", "-m", message)
    return head(repo)


def plain_commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "-c", "commit.gpgSign=false", "commit", "-q", "--allow-empty", "-m", message)
    return head(repo)


# == A refused push leaves nothing behind =====================================================
@pytest.mark.parametrize("where", ["main", "side"])
def test_a_refused_push_does_not_brick_the_server(server: Path, repo: Path, keys: dict[str, SshKey],
                                                  where: str) -> None:
    before = head(server, "main")
    add_doc(repo, "design/drawing.pdf", b"%PDF-1.4 rev B, unsigned\n", "DRW-001", revision="B")
    plain_commit(repo, "unsigned")
    refused(push(repo, "origin", f"HEAD:refs/heads/{where}"), "UNSIGNED_COMMIT")
    assert head(server, "main") == before
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    add_doc(repo, "design/drawing.pdf", b"%PDF-1.4 rev B\n", "DRW-001", revision="B")
    commit_as(repo, keys["wang"], "rev B, signed")
    answer = push(repo, "origin", "main")
    assert answer.returncode == 0, answer.stderr
    assert head(server, "main") == head(repo)


def _checkpoints(bare: Path) -> set[str]:
    """The commits the server's hook has saved a checkpoint for (in the user's cache
    directory, which this test shares with the hook it starts)."""
    from techxfer.state.cache import repository_cache

    folder = repository_cache(bare) / "checkpoints"
    return {p.stem.split("-", 1)[1] for p in folder.glob("*.pickle")} if folder.is_dir() else set()


def test_a_refused_push_leaves_no_checkpoint(server: Path, repo: Path, keys: dict[str, SshKey]) -> None:
    """Only an accepted push saves the audit's state; a refused one saves nothing, so
    nothing of it remains for the next push to resume from."""
    saved = _checkpoints(server)
    assert head(repo) in saved  # the first push, accepted
    add_doc(repo, "design/drawing.pdf", b"%PDF-1.4 rev B, unsigned\n", "DRW-001", revision="B")
    unsigned = plain_commit(repo, "unsigned")
    git(repo, "checkout", "-q", "-b", "side")
    signed_empty_commit(repo, keys["wang"], "signed, on top of the unsigned commit")
    # two refs in one push: the clean-looking one is refused with the other
    refused(push(repo, "origin", "side", "main"), "UNSIGNED_COMMIT")
    assert _checkpoints(server) == saved and unsigned not in _checkpoints(server)
    git(repo, "checkout", "-q", "main")
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    add_doc(repo, "design/drawing.pdf", b"%PDF-1.4 rev B\n", "DRW-001", revision="B")
    commit_as(repo, keys["wang"], "rev B, signed")
    assert push(repo, "origin", "main").returncode == 0
    assert _checkpoints(server) == saved | {head(repo)}


@pytest.mark.parametrize("damage", ["checkpoints", "cache-database"])
def test_a_damaged_cache_is_ignored(server: Path, repo: Path, keys: dict[str, SshKey], damage: str) -> None:
    """The hook's cache (checkpoints, hashes, parsed entries) is an optimisation: damaged,
    it is not read, and pushes are judged as without it."""
    from techxfer.state.cache import repository_cache

    folder = repository_cache(server)
    files = list((folder / "checkpoints").glob("*.pickle")) if damage == "checkpoints" \
        else [folder / "cache.sqlite"]
    assert files
    import pickle

    for path in files:  # a pickle of something else, or bytes that are no database
        path.write_bytes(pickle.dumps(["not", "a", "checkpoint"]) if damage == "checkpoints"
                         else b"garbage, not what was saved" * 10)
    add_doc(repo, "design/drawing.pdf", b"%PDF-1.4 rev B, unsigned\n", "DRW-001", revision="B")
    plain_commit(repo, "unsigned")
    refused(push(repo, "origin", "main"), "UNSIGNED_COMMIT")
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    add_doc(repo, "design/drawing.pdf", b"%PDF-1.4 rev B\n", "DRW-001", revision="B")
    commit_as(repo, keys["wang"], "rev B, signed")
    answer = push(repo, "origin", "main")
    assert answer.returncode == 0, answer.stderr


def test_the_same_valid_push_after_a_refused_one_on_a_fresh_server(repo: Path, tmp_path: Path,
                                                                     keys: dict[str, SshKey]) -> None:
    """The control for the test above: the valid push alone is accepted."""
    bare = new_server(tmp_path, "fresh")
    git(repo, "remote", "add", "origin", f"file://{bare}")
    add_doc(repo, "design/drawing.pdf", b"%PDF-1.4 rev B\n", "DRW-001", revision="B")
    commit_as(repo, keys["wang"], "rev B, signed")
    answer = push(repo, "origin", "main")
    assert answer.returncode == 0, answer.stderr


# == The hook's verdict is a full audit's =====================================================
def _one_sided_policy_change_used_at_once(repo: Path, keys: dict[str, SshKey]) -> None:
    """li (the manufacturer's quality head) widens the design rule to herself and edits a
    design drawing in the same commit: not in force (nothing approved it), so the drawing
    is an UNAUTHORIZED_CHANGE under the policy at the parent."""
    policy = repo / ".techxfer/policy.yaml"
    data = yaml.safe_load(policy.read_text())
    design = next(r for r in data["rules"] if "design/**" in r["paths"])
    design["write"].append("manufacturer:quality-head")
    policy.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    add_doc(repo, "design/drawing.pdf", b"%PDF-1.4 rev B by the manufacturer\n", "DRW-001", revision="B")
    commit_as(repo, keys["li"], "widen the design rule and use it at once")


def test_after_eight_side_branch_pushes_the_hook_judges_as_a_full_audit(
        server: Path, repo: Path, keys: dict[str, SshKey]) -> None:
    base = head(repo)
    for i in range(8):
        git(repo, "checkout", "-q", "-b", f"side{i}", base)
        signed_empty_commit(repo, keys["wang"], f"side branch {i}")
        answer = push(repo, "origin", f"side{i}")
        assert answer.returncode == 0, answer.stderr
    git(repo, "checkout", "-q", "main")
    _one_sided_policy_change_used_at_once(repo, keys)
    git(repo, "-c", "gpg.format=ssh", "-c", f"user.signingkey={keys['wang'].private}",
        "merge", "-q", "-S", "--no-ff", "side7", "-m", "merge side branch 7")
    # What a full audit of the same history says about the commits being pushed:
    pushed = set(git(repo, "rev-list", f"{base}..main").stdout.split())
    _, findings = verify_json(repo)
    expected = {f["code"] for f in findings if f["commit"] in pushed and f["code"] not in NOT_BLOCKING}
    assert "UNAUTHORIZED_CHANGE" in expected, findings
    answer = push(repo, "origin", "main")
    assert (answer.returncode == 0) == (not expected), answer.stderr
    assert hook_codes(answer) == expected, answer.stderr
    assert head(server, "main") == base
    assert verify_json(server, "main") == (0, [])  # what the server holds is still clean


def test_after_eight_side_branch_pushes_a_clean_merge_is_accepted(
        server: Path, repo: Path, keys: dict[str, SshKey]) -> None:
    base = head(repo)
    branches = [f"side{i}" for i in range(8)]
    for i, branch in enumerate(branches):
        git(repo, "checkout", "-q", "-b", branch, base)
        signed_empty_commit(repo, keys["wang"], f"side branch {i}")
    answer = push(repo, "origin", *branches)  # eight refs, eight checkpoints, in one push
    assert answer.returncode == 0, answer.stderr
    git(repo, "checkout", "-q", "main")
    add_doc(repo, "design/drawing.pdf", b"%PDF-1.4 rev B\n", "DRW-001", revision="B")
    commit_as(repo, keys["wang"], "rev B")
    git(repo, "-c", "gpg.format=ssh", "-c", f"user.signingkey={keys['wang'].private}",
        "merge", "-q", "-S", "--no-ff", "side7", "-m", "merge side branch 7")
    assert verify_json(repo) == (0, [])
    answer = push(repo, "origin", "main")
    assert answer.returncode == 0, answer.stderr
    assert verify_json(server, "main") == (0, [])


# == An internal error refuses that push only ==================================================
def test_an_internal_error_refuses_that_push_only(server: Path, repo: Path, tmp_path: Path,
                                                   keys: dict[str, SshKey]) -> None:
    """A fault inside the hook (here: a library that fails to import, injected through the
    pushing process's environment, which a file:// push hands to the hook) refuses the push
    with a message an admin can act on, and the next push is judged as if nothing happened."""
    fault = tmp_path / "fault" / "pathspec"
    fault.mkdir(parents=True)
    (fault / "__init__.py").write_text('raise RuntimeError("injected fault for the test")\n')
    before = head(server, "main")
    add_doc(repo, "design/drawing.pdf", b"%PDF-1.4 rev B\n", "DRW-001", revision="B")
    commit_as(repo, keys["wang"], "rev B")
    answer = push(repo, "origin", "main", env={"PYTHONPATH": str(fault.parent)})
    assert answer.returncode != 0, answer.stderr
    assert "pre-receive" in answer.stderr and "injected fault for the test" in answer.stderr, answer.stderr
    assert head(server, "main") == before
    answer = push(repo, "origin", "main")
    assert answer.returncode == 0, answer.stderr
    assert head(server, "main") == head(repo)


def test_an_internal_error_tells_the_admin_what_to_do(server: Path, repo: Path, tmp_path: Path,
                                                      keys: dict[str, SshKey]) -> None:
    """The refusal says it is techxfer's fault and not the pusher's, that nothing changed,
    and what an admin does: the traceback with TECHXFER_DEBUG=1, a report with the version.
    With TECHXFER_DEBUG=1 the traceback is there."""
    fault = tmp_path / "fault" / "pathspec"
    fault.mkdir(parents=True)
    (fault / "__init__.py").write_text('raise RuntimeError("injected fault for the test")\n')
    add_doc(repo, "design/drawing.pdf", b"%PDF-1.4 rev B\n", "DRW-001", revision="B")
    commit_as(repo, keys["wang"], "rev B")
    answer = push(repo, "origin", "main", env={"PYTHONPATH": str(fault.parent)})
    assert answer.returncode != 0
    for needle in ("internal error", "RuntimeError: injected fault for the test", "nothing was changed",
                   "TECHXFER_DEBUG=1", "report it", "techxfer version"):
        assert needle in answer.stderr, (needle, answer.stderr)
    debug = bounded(repo, "git", "push", "origin", "main", timeout=PUSH_TIMEOUT,
                    env={"PYTHONPATH": str(fault.parent), "TECHXFER_DEBUG": "1"})
    assert debug.returncode != 0 and "Traceback" in debug.stderr, debug.stderr
    assert push(repo, "origin", "main").returncode == 0


# == Odd commits are findings on the server too ===============================================
@pytest.mark.parametrize("kind", ["unknown-encoding", "year-after-9999"])
def test_a_malformed_commit_is_refused_as_malformed(server: Path, repo: Path, keys: dict[str, SshKey],
                                                    kind: str) -> None:
    extra = {"extra_headers": ("encoding nonexistent-enc",)} if kind == "unknown-encoding" else \
        {"committer_when": "999999999999 +0000"}
    odd = raw_commit(repo, keys["wang"], parents=[head(repo)], **extra)  # type: ignore[arg-type]
    refused(push(repo, "origin", f"{odd}:refs/heads/main"), "MALFORMED_COMMIT")
    add_doc(repo, "design/drawing.pdf", b"%PDF-1.4 rev B\n", "DRW-001", revision="B")
    commit_as(repo, keys["wang"], "rev B")
    assert push(repo, "origin", "main").returncode == 0


# == Every ref kind is judged ================================================================
def _unsigned_off_branch(repo: Path) -> str:
    """An unsigned commit on no branch of the client."""
    return git(repo, "commit-tree", "HEAD^{tree}", "-p", "HEAD", "-m", "unsigned, off any branch"
               ).stdout.strip()


@pytest.mark.parametrize("kind", ["annotated-tag", "tag-of-a-tag", "lightweight-tag", "notes", "replace"])
def test_every_ref_kind_is_judged(server: Path, repo: Path, kind: str) -> None:
    unsigned = _unsigned_off_branch(repo)
    if kind == "annotated-tag":
        git(repo, "tag", "-a", "v1", "-m", "release 1", unsigned)
        refspec, ref, needle = "refs/tags/v1", "refs/tags/v1", "UNSIGNED_COMMIT"
    elif kind == "tag-of-a-tag":
        git(repo, "tag", "-a", "inner", "-m", "inner", unsigned)
        git(repo, "tag", "-a", "v1", "-m", "outer", "inner")
        git(repo, "tag", "-d", "inner")
        refspec, ref, needle = "refs/tags/v1", "refs/tags/v1", "UNSIGNED_COMMIT"
    elif kind == "lightweight-tag":
        git(repo, "tag", "v1", unsigned)
        refspec, ref, needle = "refs/tags/v1", "refs/tags/v1", "UNSIGNED_COMMIT"
    elif kind == "notes":
        refspec, ref, needle = f"{unsigned}:refs/notes/commits", "refs/notes/commits", "UNSIGNED_COMMIT"
    else:
        git(repo, "replace", head(repo), unsigned)
        refspec, ref, needle = "refs/replace/*:refs/replace/*", "refs/replace/", "replace refs are refused"
    refused(push(repo, "origin", refspec), needle)
    assert git(server, "for-each-ref", ref).stdout == ""
    assert git(server, "cat-file", "-e", unsigned, check=False).returncode != 0


@pytest.mark.parametrize("kind", ["annotated-tag-of-a-tree", "annotated-tag-of-a-blob",
                                  "lightweight-tag-of-a-blob", "tag-of-a-tag-of-a-blob"])
def test_a_tag_of_anything_but_a_commit_is_refused(server: Path, repo: Path, kind: str) -> None:
    tree = head(repo, "HEAD^{tree}")
    blob = head(repo, "HEAD:design/drawing.pdf")
    if kind == "annotated-tag-of-a-tree":
        git(repo, "tag", "-a", "v1", "-m", "a tree", tree)
    elif kind == "annotated-tag-of-a-blob":
        git(repo, "tag", "-a", "v1", "-m", "a blob", blob)
    elif kind == "lightweight-tag-of-a-blob":
        git(repo, "tag", "v1", blob)
    else:
        git(repo, "tag", "-a", "inner", "-m", "inner", blob)
        git(repo, "tag", "-a", "v1", "-m", "outer", "inner")
    refused(push(repo, "origin", "refs/tags/v1"), "not a commit")
    assert git(server, "for-each-ref", "refs/tags/").stdout == ""


def test_annotated_tags_of_clean_commits_are_accepted(server: Path, repo: Path,
                                                      keys: dict[str, SshKey]) -> None:
    """A release tag of a commit the server holds, and one of a new signed commit (the
    commit judged through the tag), are accepted; so is a tag of a tag."""
    git(repo, "tag", "-a", "v1", "-m", "release 1")
    assert push(repo, "origin", "refs/tags/v1").returncode == 0
    git(repo, "checkout", "-q", "-b", "next")
    signed_empty_commit(repo, keys["wang"], "a signed commit only a tag names")
    git(repo, "tag", "-a", "v2", "-m", "release 2")
    git(repo, "tag", "-a", "v2-final", "-m", "release 2, final", "v2")
    answer = push(repo, "origin", "refs/tags/v2", "refs/tags/v2-final")
    assert answer.returncode == 0, answer.stderr
    assert head(server, "v2-final^{commit}") == head(repo)


def test_a_genuine_notes_push_is_judged_too(server: Path, repo: Path) -> None:
    """``git notes`` makes unsigned commits of its own: refused like any other. The first
    notes commit has no parent: a second history beside the trust root's, refused as
    HISTORY_REWRITTEN before anything in it is trusted (DESIGN 2.1)."""
    git(repo, "notes", "add", "-m", "a note", "HEAD")
    refused(push(repo, "origin", "refs/notes/commits"), "HISTORY_REWRITTEN")
    assert git(server, "for-each-ref", "refs/notes/").stdout == ""


# == Two clients at once =====================================================================

@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int]]:
    base = tmp_path_factory.mktemp("daemon")
    with git_daemon(tmp_path_factory, base) as port:
        yield base, port


def _at_once(*pushes: tuple[Path, list[str]]) -> list[Answer]:
    """Start every push, then wait for all (each bounded)."""
    procs = [(subprocess.Popen(["git", "push", *args], cwd=cwd, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, start_new_session=True), time.monotonic())
             for cwd, args in pushes]
    answers = []
    for proc, started in procs:
        try:
            out, err = proc.communicate(timeout=PUSH_TIMEOUT)
        except subprocess.TimeoutExpired:
            import os
            import signal

            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise AssertionError(f"a concurrent push gave no answer within {PUSH_TIMEOUT:g} s") from None
        answers.append(Answer(proc.returncode, out.decode(errors="replace"), err.decode(errors="replace"),
                              time.monotonic() - started))
    for answer in answers:
        assert "Traceback" not in answer.stderr and "internal error" not in answer.stderr, answer.stderr
    return answers


def test_two_clients_pushing_at_once(daemon: tuple[Path, int], repo: Path, tmp_path: Path,
                                     keys: dict[str, SshKey], request: pytest.FixtureRequest) -> None:
    """Two clients push side branches at the same moment (one over git://, one over
    file://), one clean and one unsigned; then both push main at the same moment; then the
    one that lost pushes again. Every push is judged; none meets an internal error.

    (The same with two clean side branches fails only now and then today, when one hook
    resumes from the other's checkpoint while that push is still in quarantine: the test
    below makes that interleaving happen every time.)"""

    base, port = daemon
    slug = re.sub(r"[^A-Za-z0-9_-]", "-", request.node.name)
    name = f"{slug}.git"
    bare = new_server(base, slug)
    git(repo, "remote", "add", "origin", f"git://127.0.0.1:{port}/{name}")
    assert push(repo, "origin", "main").returncode == 0
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", f"file://{bare}", str(other))
    one, two = repo, other  # one pushes over git://, the other over file://

    # two side branches at once: each judged on its own
    git(one, "checkout", "-q", "-b", "a")
    add_doc(one, "process/a.txt", b"a\n", "A-1")
    commit_as(one, keys["wang"], "a")
    git(two, "checkout", "-q", "-b", "b")
    add_doc(two, "process/b.txt", b"b\n", "B-1")
    plain_commit(two, "unsigned b")
    first, other_answer = _at_once((one, ["origin", "a"]), (two, ["origin", "b"]))
    assert first.returncode == 0, first.stderr
    refused(other_answer, "UNSIGNED_COMMIT")

    # both onto main at once: one wins; the other is refused (by git or the hook), not broken
    git(one, "checkout", "-q", "main")
    add_doc(one, "process/one.txt", b"one\n", "ONE-1")
    commit_as(one, keys["wang"], "one")
    git(two, "checkout", "-q", "main")
    add_doc(two, "process/two.txt", b"two\n", "TWO-1")
    commit_as(two, keys["wang"], "two")
    results = _at_once((one, ["origin", "main"]), (two, ["origin", "main"]))
    accepted = [i for i, r in enumerate(results) if r.returncode == 0]
    assert len(accepted) == 1, [r.stderr for r in results]
    winner, loser = ((one, two) if accepted == [0] else (two, one))
    assert head(bare, "main") == head(winner)

    # and the next push is fine
    git(loser, "fetch", "-q", "origin")
    git(loser, "reset", "-q", "--hard", "origin/main")
    add_doc(loser, "process/next.txt", b"next\n", "NEXT-1")
    commit_as(loser, keys["wang"], "next")
    answer = push(loser, "origin", "main")
    assert answer.returncode == 0, answer.stderr
    assert verify_json(bare, "main") == (0, [])
    assert cli(bare, "verify", "main").returncode == 0


HOLD_AT_EXIT = """\
import atexit, os, sys, time

def _hold():
    # Only the pre-receive hook's own process: it has judged the push and is about to exit;
    # git has not yet moved the pushed objects out of quarantine.
    if "pre-receive" not in sys.argv:
        return
    open(os.environ["TEST_HELD"], "w").close()
    deadline = time.monotonic() + 25
    while not os.path.exists(os.environ["TEST_RELEASE"]) and time.monotonic() < deadline:
        time.sleep(0.02)

atexit.register(_hold)
"""


def test_a_push_judged_while_another_waits_in_quarantine(daemon: tuple[Path, int], repo: Path,
                                                         tmp_path: Path, keys: dict[str, SshKey]) -> None:
    """The interleaving of two concurrent clean pushes, made to happen every time: push B's
    hook has judged B but not yet exited (held at exit through the environment a file://
    push hands its hook) when push A is judged. Both are clean; both must be accepted."""
    base, port = daemon
    bare = new_server(base, "held")
    git(repo, "remote", "add", "origin", f"git://127.0.0.1:{port}/held.git")
    assert push(repo, "origin", "main").returncode == 0
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", f"file://{bare}", str(other))
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(HOLD_AT_EXIT)
    held, release = tmp_path / "held", tmp_path / "release"

    git(other, "checkout", "-q", "-b", "b")
    add_doc(other, "process/b.txt", b"b\n", "B-1")
    commit_as(other, keys["wang"], "b")
    git(repo, "checkout", "-q", "-b", "a")
    add_doc(repo, "process/a.txt", b"a\n", "A-1")
    commit_as(repo, keys["wang"], "a")

    import os

    env = {**os.environ, "PYTHONPATH": str(site), "TEST_HELD": str(held), "TEST_RELEASE": str(release)}
    waiting = subprocess.Popen(["git", "push", "origin", "b"], cwd=other, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, start_new_session=True)
    try:
        deadline = time.monotonic() + PUSH_TIMEOUT
        while not held.exists() and waiting.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert held.exists(), "push B's hook never finished judging"
        answer = push(repo, "origin", "a")  # judged while B's objects are in quarantine
    finally:
        release.touch()
        out, err = waiting.communicate(timeout=PUSH_TIMEOUT)
    assert waiting.returncode == 0, err.decode()
    assert answer.returncode == 0, answer.stderr
    assert head(bare, "a") == head(repo) and head(bare, "b") == head(other)
    git(repo, "checkout", "-q", "main")
    add_doc(repo, "design/drawing.pdf", b"%PDF-1.4 rev B\n", "DRW-001", revision="B")
    commit_as(repo, keys["wang"], "rev B")
    answer = push(repo, "origin", "main")
    assert answer.returncode == 0, answer.stderr
