"""Installing the hook shims: a marker, a foreign hook kept as ``.legacy``, no
installation when ``core.hooksPath`` sends git elsewhere."""

from __future__ import annotations

import os
import secrets
import shlex
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from techxfer.errors import GitError, SignatureError, UsageError
from techxfer.format.layout import RECEIPTS_REF
from techxfer.git.repo import GitRepo

MARKER = "techxfer-hook-shim-v1"
CLIENT_HOOKS = ("pre-commit", "pre-push")
SERVER_HOOKS = ("pre-receive",)
WITNESS_HOOKS = ("pre-receive", "post-receive")  # a server that also writes receipts
RECEIPTS_REFSPEC = f"{RECEIPTS_REF}:{RECEIPTS_REF}"  # not forced: the log only grows


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


def configure_witness(repo: GitRepo, key: Path) -> str:
    """Make a server repository a witness (DESIGN section 10): remember the private key
    its post-receive hook signs receipts with, and give it a nonce seed so that
    ``git push --signed`` works. Returns the key's public line, for parties.yaml."""
    from techxfer.crypto.sshsig import public_key_of_private

    if not key.is_file():
        raise UsageError(f"--witness-key {key}: no such file",
                         hint="make one with ssh-keygen -t ed25519 -N '' -f KEY")
    if key.stat().st_mode & 0o077:
        raise UsageError(f"--witness-key {key}: readable by others; ssh-keygen will not sign "
                         f"with it", hint=f"chmod 600 {key}")
    try:
        public = public_key_of_private(key.read_bytes())
    except (OSError, SignatureError) as exc:
        raise UsageError(f"--witness-key {key}: {getattr(exc, 'message', exc)}",
                         hint="the hook signs unattended: give it a key without a passphrase") from None
    repo.git(["config", "techxfer.witnessKey", str(key.resolve())])
    if not repo.config_get("receive.certNonceSeed"):
        repo.git(["config", "receive.certNonceSeed", secrets.token_hex(32)])
    if not repo.config_get("gpg.ssh.allowedSignersFile"):
        # git checks a push certificate's SSH signature only against an allowed-signers
        # file, else prints an error on every signed push; techxfer checks the certificate
        # itself against parties.yaml, so git gets an empty list.
        repo.git(["config", "gpg.ssh.allowedSignersFile", os.devnull])
    return public.openssh()


def fetch_receipts(repo: GitRepo, remote: str = "origin") -> bool:
    """Have ``git fetch REMOTE`` bring the server's receipt log too (fast-forward only).
    False when there is no such remote."""
    if not repo.config_get(f"remote.{remote}.url"):
        return False
    try:
        present = repo.git(["config", "--get-all", f"remote.{remote}.fetch"]).decode().split()
    except GitError:
        present = []
    if not any(spec.lstrip("+") == RECEIPTS_REFSPEC for spec in present):
        repo.git(["config", "--add", f"remote.{remote}.fetch", RECEIPTS_REFSPEC])
    return True
