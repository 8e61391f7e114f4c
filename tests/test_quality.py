"""The code standards as tests: mypy --strict over the package, ruff over everything."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from conftest import run

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_strict() -> None:
    pytest.importorskip("mypy")
    proc = run(sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(ROOT / ".mypy_cache"),
               "techxfer", cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff() -> None:
    if shutil.which("ruff") is None and not Path(sys.executable).with_name("ruff").exists():
        pytest.skip("ruff not installed")
    ruff = str(Path(sys.executable).with_name("ruff")) if Path(sys.executable).with_name("ruff").exists() \
        else "ruff"
    proc = run(ruff, "check", "techxfer", "tests", "bench", "tools", cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
