"""Writing objects and refs with git's plumbing: the server's receipt log (DESIGN 10).

A receipt is made without a working tree or index (the server's repository is bare):
``hash-object`` for its file, ``mktree`` for its tree, ``commit-tree -S`` signed with the
witness key through git's own SSH signing, and ``update-ref NEW OLD``, which moves the
ref only if nobody else moved it meanwhile (compare and swap), so two pushes at once
still make one chain.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from techxfer.errors import GitError
from techxfer.git.repo import GitRepo


def ref_target(repo: GitRepo, ref: str) -> str | None:
    """The commit a ref names, or None when there is no such ref."""
    try:
        return repo.resolve(ref)
    except GitError:
        return None


def write_blob(repo: GitRepo, data: bytes) -> str:
    return repo.git(["hash-object", "-w", "--stdin"], input=data).decode().strip()


def make_tree(repo: GitRepo, files: Mapping[str, str]) -> str:
    """A tree of plain files: name → blob id (names without '/')."""
    lines = b"".join(f"100644 blob {oid}\t{name}".encode() + b"\0"
                     for name, oid in sorted(files.items()))
    return repo.git(["mktree", "-z"], input=lines).decode().strip()


def signed_commit_tree(repo: GitRepo, tree: str, parents: Sequence[str], message: str,
                       ssh_key: Path, env: Mapping[str, str] | None = None) -> str:
    """``git commit-tree -S`` signed with an SSH private key file (git runs ssh-keygen)."""
    args = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={ssh_key}", "commit-tree", "-S"]
    for parent in parents:
        args += ["-p", parent]
    args += ["-m", message, tree]
    return repo.git(args, env=env).decode().strip()


def update_ref(repo: GitRepo, ref: str, new: str, old: str | None) -> str | None:
    """Move REF to NEW only if it is at OLD (None: only if it does not exist yet). None when
    done, else git's message (another writer got there first, or the ref cannot be written)."""
    expected = old if old is not None else "0" * len(new)
    try:
        repo.git(["update-ref", "-m", "techxfer receipt", ref, new, expected])
    except GitError as exc:
        return exc.message
    return None
