"""Audit checkpoints: the walk's state after a verified commit, so hooks resume there.

A server hook must judge a push of 100 commits in well under a second on a history of
tens of thousands; re-walking everything on every push would not do. After a walk, the
state at the tip (configuration in force, pending proposals, records met, the tree's
entries, findings so far) is saved in the user's cache directory (``state.cache``, never
inside the audited repository, whose party could write it), keyed by commit and trust
root. A checkpoint that does not load (damaged, of another version, naming a commit this
repository does not hold) is ignored and the walk starts from the trust root.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

from techxfer import __version__
from techxfer.format.fileio import write_atomic

KEEP = 8
FORMAT = 8  # what a checkpoint holds (3: findings carry their message by id; 4: the batch
           # releases; 5: the copies issued; 6: the training records; 7: approvals and change
           # requests; 8: training records with their content, uses met before a change
           # request, release records by the commit that wrote them, copies and production
           # releases by the record met, judged per line of history); older ones are ignored


def _folder(cache: Path) -> Path:
    return cache / "checkpoints"


def save(cache: Path, root: str, commit: str, payload: dict[str, Any]) -> None:
    folder = _folder(cache)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        state = {"version": __version__, "format": FORMAT, "root": root, "commit": commit,
                 **payload}
        # pickled straight into the file: the books of a long history are megabytes
        write_atomic(folder / f"{root[:16]}-{commit}.pickle",
                     lambda fh: pickle.dump(state, fh, protocol=pickle.HIGHEST_PROTOCOL))
        old = sorted(folder.glob(f"{root[:16]}-*.pickle"), key=lambda p: p.stat().st_mtime)
        for stale in old[:-KEEP]:
            stale.unlink(missing_ok=True)
    except OSError:
        return


def load(cache: Path, root: str, commit: str) -> dict[str, Any] | None:
    path = _folder(cache) / f"{root[:16]}-{commit}.pickle"
    try:
        data = pickle.loads(path.read_bytes())  # noqa: S301 - our own file
    except Exception:  # noqa: BLE001 - whatever a damaged file raises, it is not loaded
        return None
    if not isinstance(data, dict) or data.get("version") != __version__ \
            or data.get("format") != FORMAT or data.get("root") != root:
        return None
    return data


def available(cache: Path, root: str) -> list[str]:
    """Commit ids with a checkpoint under this trust root, the newest first (the newest
    ancestor of a tip is where its walk resumes)."""
    prefix = f"{root[:16]}-"
    found = []
    for path in _folder(cache).glob(f"{prefix}*.pickle"):
        try:
            found.append((path.stat().st_mtime, path.stem[len(prefix):]))
        except OSError:
            continue
    return [commit for _, commit in sorted(found, reverse=True)]
