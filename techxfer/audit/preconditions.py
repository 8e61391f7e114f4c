"""What a repository must be for its history to be audited at all."""

from __future__ import annotations

from techxfer.errors import UsageError
from techxfer.git.repo import GitRepo


def require_full_history(repo: GitRepo) -> None:
    """A shallow clone lacks the parents of its oldest commits: its boundary would pass
    for the trust root, so it cannot be audited (DESIGN 4). UsageError (exit 2), saying
    how to fetch the rest."""
    if repo.is_shallow():
        raise UsageError("this is a shallow clone: the parents of its oldest commits are missing, "
                         "so its history cannot be audited",
                         hint="fetch the whole history with `git fetch --unshallow`, then try again")
