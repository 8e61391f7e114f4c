"""techxfer: medical-device technical files and their transfer, kept in Git."""

from __future__ import annotations

__version__ = "0.1.0"
FORMAT_VERSION = 1
