"""A file of a tree or the index, as git lists it: without pygit2, so the paths that only
read the index and a few blobs (the pre-commit hook) never load it."""

from __future__ import annotations

from dataclasses import dataclass

MODE_FILE = 0o100644
MODE_EXEC = 0o100755
MODE_LINK = 0o120000
MODE_TREE = 0o040000
MODE_COMMIT = 0o160000


@dataclass(frozen=True)
class Entry:
    """A file in a tree or the index: its blob id (hex) and git mode."""

    oid: str
    mode: int

    @property
    def is_symlink(self) -> bool:
        return self.mode == MODE_LINK

    @property
    def is_file(self) -> bool:
        return self.mode in (MODE_FILE, MODE_EXEC)


def zsplit(data: bytes) -> list[bytes]:
    """Git's NUL-separated output (``-z``) as its fields, without the trailing empty one."""
    parts = data.split(b"\0")
    if parts and parts[-1] == b"":
        parts.pop()
    return parts
