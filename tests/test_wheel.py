"""The wheel carries the schemas, the hook shims and the example: built for real, looked
inside, and used from an installation that is not this source tree."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest
from conftest import run

from techxfer.format.schema import KINDS

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
        "-w", str(out), str(ROOT))
    return next(out.glob("techxfer-*.whl"))


def test_wheel_contents(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for kind in KINDS:
        assert f"techxfer/schemas/{kind}.schema.json" in names
    assert "techxfer/schemas/report-transfer-list.schema.json" in names
    assert "techxfer/hook_shims/hook-tmpl" in names
    assert "techxfer/example_repo/design/MANIFEST.yaml" in names
    assert "techxfer/example_repo/later/housing-assembly-revB.pdf" in names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "techxfer = techxfer.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
    assert not any("demo-keys" in n or n.endswith(("id_ed25519", ".pem")) for n in names)


def test_installed_wheel_finds_its_own_data(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    probe = ("import techxfer.format.schema, techxfer.hooks.install, techxfer.commands.demo;"
             "print(techxfer.format.schema.schema_path('manifest'));"
             "print(len(techxfer.hooks.install.shim_template()));"
             "print(techxfer.commands.demo.example_source())")
    out = run(sys.executable, "-c", probe, cwd=tmp_path, env={"PYTHONPATH": str(target)}).stdout
    schema_path, shim_len, example = out.split("\n")[:3]
    assert schema_path.startswith(str(target)) and schema_path.endswith("schemas/manifest.schema.json")
    assert int(shim_len) > 100
    assert example.startswith(str(target))
