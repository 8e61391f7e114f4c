"""Installing the hook shims: a marker, a foreign hook kept as ``.legacy``, no
installation when ``core.hooksPath`` sends git elsewhere."""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from techxfer.errors import UsageError
from techxfer.git.repo import GitRepo

MARKER = "techxfer-hook-shim-v1"
CLIENT_HOOKS = ("pre-commit", "pre-push")
SERVER_HOOKS = ("pre-receive",)


@dataclass(frozen=True)
class Installed:
    hook_dir: Path
    hooks: tuple[str, ...]
    legacy: tuple[str, ...]


def shim_template() -> str:
    packaged = resources.files("techxfer") / "hook_shims" / "hook-tmpl"
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (Path(__file__).resolve().parents[2] / "hooks" / "hook-tmpl").read_text(encoding="utf-8")


def is_ours(path: Path) -> bool:
    try:
        return MARKER in path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def install(repo: GitRepo, hook_types: tuple[str, ...]) -> Installed:
    if repo.config_get("core.hooksPath"):
        raise UsageError(
            f"git config core.hooksPath is set ({repo.config_get('core.hooksPath')}); techxfer "
            "will not install hooks where git would not run them. Unset it "
            "(git config --unset-all core.hooksPath) or call python -P -m techxfer.hooks from "
            "your hooks there."
        )
    hook_dir = repo.gitdir / "hooks"
    hook_dir.mkdir(exist_ok=True)
    template = shim_template().replace("'@INSTALL_PYTHON@'", shlex.quote(sys.executable))
    legacy = []
    for hook_type in hook_types:
        target = hook_dir / hook_type
        if target.exists() and not is_ours(target):
            keep = hook_dir / f"{hook_type}.legacy"
            if keep.exists():
                raise UsageError(f"{target}: a foreign hook is here and {keep.name} exists too; "
                                 "merge them by hand first")
            os.replace(target, keep)
            legacy.append(hook_type)
        target.write_text(template.replace("@HOOK_TYPE@", hook_type), encoding="utf-8")
        target.chmod(0o755)
    return Installed(hook_dir, hook_types, tuple(legacy))


def uninstall(repo: GitRepo, hook_types: tuple[str, ...]) -> list[str]:
    hook_dir = repo.gitdir / "hooks"
    removed = []
    for hook_type in hook_types:
        target = hook_dir / hook_type
        if target.exists() and is_ours(target):
            target.unlink()
            removed.append(hook_type)
            keep = hook_dir / f"{hook_type}.legacy"
            if keep.exists():
                os.replace(keep, target)
    return removed
