"""The progress line of long commands: on a terminal only, one line, at most ten updates a second.

The real command runs with its stderr on a pseudo-terminal (the slave end; the test reads
the master), and again with stderr on a pipe, where nothing may appear.
"""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from techxfer.cli.progress import CLEAR, ProgressLine


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_line_is_rewritten_in_place_and_erased_at_the_end() -> None:
    out, clock = io.StringIO(), Clock()
    line = ProgressLine("verify", stream=out, clock=clock)
    line(1, 10_000)
    clock.now = 1.0
    line(1_234, 10_000)
    assert out.getvalue() == f"{CLEAR}verify: 1/10,000 commits{CLEAR}verify: 1,234/10,000 commits"
    line.close()
    assert out.getvalue().endswith(CLEAR) and "\n" not in out.getvalue()


def test_at_most_ten_updates_a_second_and_always_the_last() -> None:
    out, clock = io.StringIO(), Clock()
    line = ProgressLine("verify", stream=out, clock=clock)
    for n in range(1, 10_001):  # 10,000 commits in 5 seconds
        clock.now = n * 0.0005
        line(n, 10_000)
    updates = out.getvalue().count(CLEAR)
    assert 45 <= updates <= 51
    assert out.getvalue().endswith("verify: 10,000/10,000 commits")


def test_the_line_in_chinese() -> None:
    out = io.StringIO()
    ProgressLine("verify", lang="zh", stream=out)(3, 12)
    assert out.getvalue() == f"{CLEAR}verify：3/12 个提交"


def test_nothing_is_erased_that_was_never_shown() -> None:
    out = io.StringIO()
    ProgressLine("verify", stream=out).close()
    assert out.getvalue() == ""


def _on_a_terminal(repo: Path, *args: str) -> tuple[int, str, str]:
    """Run the CLI with stderr on a pseudo-terminal: (exit status, stdout, what the
    terminal showed)."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "techxfer", *args], cwd=repo,
                                stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL)
    finally:
        os.close(slave)
    shown = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: every holder of the slave end has closed it
            break
        if not chunk:
            break
        shown += chunk
    os.close(master)
    stdout = proc.stdout.read().decode() if proc.stdout else ""
    return proc.wait(timeout=60), stdout, shown.decode()


def test_verify_shows_progress_on_a_terminal(repo: Path) -> None:
    status, stdout, terminal = _on_a_terminal(repo, "verify", "--no-cache")
    assert status == 0
    assert "verify: 1/2 commits" in terminal or "verify: 2/2 commits" in terminal
    assert "verify: 2/2 commits" in terminal  # the last count is always shown
    assert terminal.endswith(CLEAR)  # and then erased: the terminal's next line is clean
    assert "commits" not in stdout.replace("2 commits from trust root", "")


def test_verify_in_chinese_shows_chinese_progress(repo: Path) -> None:
    _, _, terminal = _on_a_terminal(repo, "verify", "--no-cache", "--lang", "zh")
    assert "verify：2/2 个提交" in terminal


@pytest.mark.parametrize("flag", ["--json", "-q"])
def test_no_progress_with_json_or_quiet(repo: Path, flag: str) -> None:
    status, stdout, terminal = _on_a_terminal(repo, "verify", "--no-cache", flag)
    assert status == 0 and stdout
    assert terminal == ""


def test_no_progress_when_stderr_is_a_pipe(repo: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "techxfer", "verify", "--no-cache"], cwd=repo,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and "Checked 2 commits" in proc.stdout
    assert proc.stderr == ""


def test_export_and_the_audited_transfer_list_show_progress(repo: Path, tmp_path: Path) -> None:
    status, stdout, terminal = _on_a_terminal(repo, "export", "--party", "acme", "--out",
                                              str(tmp_path / "copies"))
    assert status == 0 and "2 copies" in stdout
    assert "export: 2/2 documents" in terminal and terminal.endswith(CLEAR)
    status, stdout, terminal = _on_a_terminal(repo, "transfers", "--verify")
    assert status == 0 and stdout
    assert "transfers: 2/2 commits" in terminal and terminal.endswith(CLEAR)
