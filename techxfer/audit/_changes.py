"""The walk's tree comparisons, read ahead: speed only, one entry point (``next``).

One ``git diff-tree --stdin`` answers every (commit, parent) pair of the walk, in the
order the walk will ask; answers are taken a few commits ahead, and the manifests they
change announced to the repository, which reads them ahead in another process. An answer
for another pair than the one asked means the walk and the stream are out of step: that
stops the walk with an error rather than judging the wrong change.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from techxfer.errors import GitError
from techxfer.format.layout import is_manifest
from techxfer.git.repo import Entry, GitRepo

READ_AHEAD = 8  # commits whose tree changes are taken ahead of the one judged
Changes = dict[str, Entry | None]


class TreeChanges:
    def __init__(self, repo: GitRepo, pairs: Sequence[tuple[str, str]]) -> None:
        self._repo = repo
        self._stream = repo.tree_changes(list(pairs))
        self._asked = iter(list(pairs))
        self._window: deque[tuple[tuple[str, str], Changes]] = deque()

    def next(self, commit: str, parent: str) -> Changes:
        """What changed from PARENT to COMMIT: the next answer of the stream."""
        while len(self._window) < READ_AHEAD:
            changes = next(self._stream, None)
            if changes is None:
                break
            self._window.append((next(self._asked), changes))
            for path, entry in changes.items():
                if entry is not None and is_manifest(path):
                    self._repo.expect_blob(entry.oid)
        if not self._window or self._window[0][0] != (commit, parent):
            raise GitError(f"no tree comparison for {commit[:10]} against {parent[:10]}")
        return self._window.popleft()[1]

    def close(self) -> None:
        self._stream.close()
