"""A progress line on stderr for long commands: ``verify: 1,234/10,000 commits``.

Shown only to a person watching a terminal: nothing when stderr is not a tty (a pipe, a
log file, CI), with ``--json`` or ``-q``. One line rewritten in place (``\\r``), at most
about ten times a second however fast the work goes, and erased when the work ends, so
that what the command prints next starts on a clean line. The library reports progress
through a callback and never prints; this is the callback.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from techxfer.reports.i18n import term, word

INTERVAL = 0.1  # seconds between two updates of the line
CLEAR = "\r\x1b[K"  # back to the line's start, erase it


class ProgressLine:
    """Callable as ``progress(n, total)``; ``close()`` erases the line."""

    def __init__(self, command: str, unit: str = "commits", lang: str = "en",
                 stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.command = command
        self.unit = unit
        self.lang = lang
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self._last: float | None = None
        self._shown = False

    def __call__(self, n: int, total: int) -> None:
        now = self.clock()
        if n < total and self._last is not None and now - self._last < INTERVAL:
            return
        self._last = now
        text = word("progress", self.lang, command=self.command, n=f"{n:,}", total=f"{total:,}",
                    unit=term("unit", self.unit, self.lang))
        self.stream.write(CLEAR + text)
        self.stream.flush()
        self._shown = True

    def close(self) -> None:
        if self._shown:
            self.stream.write(CLEAR)
            self.stream.flush()
            self._shown = False


def progress_line(command: str, unit: str = "commits", lang: str = "en", *,
                  quiet: bool = False) -> ProgressLine | None:
    """A progress line when stderr is a terminal and the command is not quiet, else None."""
    if quiet or not sys.stderr.isatty():
        return None
    return ProgressLine(command, unit, lang)
