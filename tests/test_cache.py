"""No file the audited party can write changes the verdict (DESIGN 2.1, issue 12).

The party being audited hands its repository to the auditor and controls everything in
it, ``.git/`` included. Caches therefore live in the auditor's own cache directory; what
an earlier techxfer once kept under ``.git/techxfer/`` (hash cache, parsed entries,
checkpoints, the trust root) is never read. These tests bring a repository whose
``.git/techxfer/`` was poisoned on another machine and show the verdict unchanged.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import SshKey, add_doc, commit_as, git, techxfer


def verify(repo: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    proc = techxfer(repo, "verify", "--json", *args, check=False, env=env)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def verdict(out: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    return sorted((f["code"], f["path"], f["commit"]) for f in out["findings"])


def user_cache() -> Path:
    return Path.home() / ".cache" / "techxfer"


class Trap:
    """Unpickling this runs code: a checkpoint read from the repository would leave a mark."""

    def __init__(self, mark: Path) -> None:
        self.mark = mark

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.write_text, (self.mark, "unpickled"))


@pytest.fixture
def bad_history(repo: Path, keys: dict[str, SshKey]) -> Path:
    """A history with a HASH_MISMATCH and an UNKNOWN_KEY commit on top of a clean root."""
    (repo / "design/drawing.pdf").write_bytes(b"silently changed\n")
    commit_as(repo, keys["wang"], "silent change")
    add_doc(repo, "design/extra.txt", b"extra\n", "EXTRA-1")
    commit_as(repo, keys["outsider"], "signed by nobody listed")
    return repo


def poison(repo: Path, mark: Path) -> None:
    """What a hostile party could leave in .git/techxfer/ for an auditor."""
    folder = repo / ".git" / "techxfer"
    folder.mkdir(exist_ok=True)
    head = git(repo, "rev-parse", "HEAD").stdout.strip()
    root = git(repo, "rev-list", "--max-parents=0", "HEAD").stdout.split()[0]
    # 1) a trust root moved past the bad commits
    (folder / "trust-root.json").write_text(json.dumps({"tip": head, "root": head}))
    # 2) the hash cache: the changed blob "has" the hash its manifest claims
    blob = git(repo, "rev-parse", "HEAD:design/drawing.pdf").stdout.strip()
    claimed = hashlib.sha256(b"%PDF-1.4 drawing rev A\n").hexdigest()
    db = sqlite3.connect(folder / "cache.sqlite")
    db.execute("CREATE TABLE IF NOT EXISTS sha256 (blob TEXT PRIMARY KEY, digest TEXT)")
    db.execute("INSERT OR REPLACE INTO sha256 VALUES (?, ?)", (blob, claimed))
    db.commit()
    db.close()
    # 3) a checkpoint at the tip saying the whole history was clean, and code to run
    checkpoints = folder / "checkpoints"
    checkpoints.mkdir(exist_ok=True)
    (checkpoints / f"{root[:16]}-{head}.pickle").write_bytes(pickle.dumps(Trap(mark)))
    # 4) the list of commits that added each transfer record
    (folder / "added-000000000000.json").write_text(json.dumps({"tip": head, "added": {}}))


def test_a_poisoned_git_directory_changes_nothing(bad_history: Path, tmp_path: Path) -> None:
    rc, honest = verify(bad_history, "--no-cache")
    assert rc == 1
    assert {"HASH_MISMATCH", "UNKNOWN_KEY"} <= {f["code"] for f in honest["findings"]}
    # The repository arrives from another machine with its .git/techxfer/ poisoned.
    arrived = tmp_path / "arrived"
    shutil.copytree(bad_history, arrived, symlinks=True)
    mark = tmp_path / "pickle-ran"
    poison(arrived, mark)
    for args in ((), (), ("--no-cache",)):  # cold cache, warm cache, no cache
        rc, out = verify(arrived, *args)
        assert rc == 1
        assert verdict(out) == verdict(honest)
        assert out["root"] == honest["root"]
    assert not mark.exists()


def test_the_cache_lives_outside_the_repository(bad_history: Path) -> None:
    before = {p.relative_to(bad_history) for p in (bad_history / ".git").rglob("*")}
    first = verify(bad_history)
    second = verify(bad_history)
    assert first == second
    after = {p.relative_to(bad_history) for p in (bad_history / ".git").rglob("*")}
    assert after == before  # verify writes nothing into the audited repository
    assert list(user_cache().glob("repos/*/cache.sqlite"))


def test_no_cache_reads_and_writes_no_cache(bad_history: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "cache-dir"
    env = {"TECHXFER_CACHE_DIR": str(elsewhere)}
    honest = verify(bad_history, "--no-cache", env=env)
    assert not elsewhere.exists()
    verify(bad_history, env=env)
    assert list(elsewhere.glob("repos/*/cache.sqlite"))
    # An entry in the user's own cache is trusted by later runs, so --no-cache exists to
    # recompute everything; it ignores even a cache made wrong by hand.
    db = sqlite3.connect(next(elsewhere.glob("repos/*/cache.sqlite")))
    blob = git(bad_history, "rev-parse", "HEAD:design/drawing.pdf").stdout.strip()
    db.execute("UPDATE sha256 SET digest=? WHERE blob=?",
               (hashlib.sha256(b"%PDF-1.4 drawing rev A\n").hexdigest(), blob))
    db.commit()
    db.close()
    assert verify(bad_history, "--no-cache", env=env) == honest


def test_a_trust_root_with_parents_is_refused(bad_history: Path) -> None:
    proc = techxfer(bad_history, "verify", "--trust-root", "HEAD~1", check=False)
    assert proc.returncode == 2
    assert "has parents" in proc.stderr and "Traceback" not in proc.stderr
    git(bad_history, "config", "techxfer.trustRoot", "HEAD~1")
    proc = techxfer(bad_history, "verify", check=False)
    assert proc.returncode == 2 and "has parents" in proc.stderr
