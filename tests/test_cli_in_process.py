"""``techxfer()`` runs the command line's ``main`` in the test's process (tests/conftest.py,
``cli_in_process``): it answers exactly as ``python -m techxfer`` in a subprocess does, for
success, findings, errors and usage errors, and leaves the process as it found it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from conftest import cli_in_process, run


def in_subprocess(cwd: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    proc = run(sys.executable, "-m", "techxfer", *args, cwd=cwd, check=False, env=env)
    return proc.returncode, proc.stdout, proc.stderr


def in_process(cwd: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    proc = cli_in_process(cwd, args, env)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize("args", [
    ["--version"],
    ["status"],
    ["verify", "--json"],
    ["log", "DRW-001"],
    ["transfers", "--lang", "zh"],
    ["nosuch"],
    ["add", "design/none.txt", "--id", "X-1"],
    ["add", "design/none.txt", "--id", "X-1", "--title", "t", "--category", "design-output",
     "--revision", "A"],
    ["verify", "--bogus-option"],
], ids=lambda a: " ".join(a))
def test_in_process_answers_as_a_subprocess(repo: Path, args: list[str]) -> None:
    expected = in_subprocess(repo, *args)
    assert in_process(repo, *args) == expected
    assert expected[0] in (0, 1, 2)


def test_findings_and_errors_outside_a_repository(repo: Path, tmp_path: Path) -> None:
    (repo / "design" / "MANIFEST.yaml").write_text("format: 1\ndocuments: [\n")
    expected = in_subprocess(repo, "check", "--json")
    assert expected[0] == 1 and in_process(repo, "check", "--json") == expected
    outside = tmp_path / "outside"
    outside.mkdir()
    expected = in_subprocess(outside, "verify")
    assert expected[0] == 2 and "Traceback" not in expected[2]
    assert in_process(outside, "verify") == expected


def test_the_environment_given_is_seen_and_everything_is_put_back(repo: Path) -> None:
    env = {"TECHXFER_CJK_FONT": "/no/such/font.ttc"}
    before = (os.getcwd(), dict(os.environ), sys.stdout, sys.stderr, sys.stdin)
    args = ("transfers", "--lang", "zh", "--format", "pdf", "--output", "x.pdf")
    expected = in_subprocess(repo, *args, env=env)
    assert expected[0] == 2 and "/no/such/font.ttc" in expected[2]
    assert in_process(repo, *args, env=env) == expected
    assert not (repo / "x.pdf").exists()
    assert (os.getcwd(), dict(os.environ), sys.stdout, sys.stderr, sys.stdin) == before
