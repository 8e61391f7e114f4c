"""Writing files all-or-nothing: every change is staged in memory, then replaced atomically.

A command either writes every file it meant to or restores what it touched, so the
working tree is never left half-changed (DESIGN section 8).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import BinaryIO


def write_atomic(path: Path, data: bytes | Callable[[BinaryIO], object]) -> None:
    """Write DATA (bytes, or a function writing to the open file) to PATH whole or not at
    all: into a temporary file beside it, then renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            if isinstance(data, bytes):
                fh.write(data)
            else:
                data(fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Transaction:
    """Write several files; on failure put every one back as it was."""

    def __init__(self) -> None:
        self._before: dict[Path, bytes | None] = {}
        self._made_dirs: list[Path] = []

    def write(self, path: Path, data: bytes) -> None:
        if path not in self._before:
            self._before[path] = path.read_bytes() if path.exists() else None
        missing = []
        parent = path.parent
        while not parent.exists():
            missing.append(parent)
            parent = parent.parent
        self._made_dirs.extend(reversed(missing))
        write_atomic(path, data)

    def write_all(self, files: Mapping[Path, bytes]) -> None:
        for path, data in files.items():
            self.write(path, data)

    def remove(self, path: Path) -> None:
        if path not in self._before:
            self._before[path] = path.read_bytes() if path.exists() else None
        path.unlink(missing_ok=True)

    def rollback(self) -> None:
        for path, data in self._before.items():
            if data is None:
                path.unlink(missing_ok=True)
            else:
                write_atomic(path, data)
        for folder in reversed(self._made_dirs):
            with contextlib.suppress(OSError):  # not empty: something else lives there
                folder.rmdir()

    def __enter__(self) -> Transaction:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            self.rollback()
