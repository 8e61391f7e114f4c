"""Making signed commits through the user's own ``git commit -S``.

techxfer never holds a private key: git signs with whatever the user configured
(ssh-agent, a hardware key, gpg). If signing fails, the index is put back exactly as it
was, so a failed command leaves nothing staged that it staged.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from techxfer.errors import GitError, SigningError
from techxfer.git.repo import GitRepo


@contextmanager
def index_guard(repo: GitRepo) -> Iterator[None]:
    """Restore the index file if the block fails."""
    index = repo.gitdir / "index"
    backup = repo.gitdir / "techxfer" / "index.before"
    backup.parent.mkdir(exist_ok=True)
    had_index = index.exists()
    if had_index:
        shutil.copy2(index, backup)
    try:
        yield
    except BaseException:
        if had_index:
            shutil.copy2(backup, index)
        else:
            index.unlink(missing_ok=True)
        raise
    finally:
        backup.unlink(missing_ok=True)


@contextmanager
def config_guard(repo: GitRepo) -> Iterator[None]:
    """Put the repository's own config file back as it was if the block fails, so a
    command that sets several keys sets all of them or none."""
    config = repo.common_dir / "config"
    before = config.read_bytes() if config.exists() else None
    try:
        yield
    except BaseException:
        if before is None:
            config.unlink(missing_ok=True)
        else:
            config.write_bytes(before)
        raise


def signed_commit(repo: GitRepo, message: str, *, signing_key: Path | None = None,
                  env: Mapping[str, str] | None = None, allow_empty: bool = False,
                  only: list[str] | None = None) -> str:
    """Commit the index (or, with ``only``, just those paths), signed; return the commit id."""
    args: list[str] = []
    if signing_key is not None:
        args += ["-c", "gpg.format=ssh", "-c", f"user.signingkey={signing_key}"]
    args += ["commit", "-q", "-S", "-m", message]
    if allow_empty:
        args.append("--allow-empty")
    if only is not None:
        args += ["--only", "--", *only]
    before = repo.head()
    try:
        repo.git(args, env=env)
    except GitError as exc:
        text = exc.message
        if "sign" in text.lower() or "gpg" in text.lower() or "ssh-keygen" in text:
            raise SigningError(
                f"signing the commit failed; nothing was committed: {text}",
                hint="check user.signingkey and gpg.format (git config), and that your key or "
                     "agent is available",
            ) from None
        raise
    after = repo.head()
    if after is None or after == before:
        raise GitError("git commit reported success but HEAD did not move")
    return after


def configured_key(repo: GitRepo) -> tuple[str, str]:
    """What ``git commit -S`` will sign with here: ("ssh", "algo base64") or
    ("openpgp", key id as configured). Refuses when it cannot be known in advance."""
    fmt = (repo.config_get("gpg.format") or "openpgp").lower()
    key = repo.config_get("user.signingkey")
    if not key:
        raise SigningError("no signing key is configured (git config user.signingkey)",
                           hint="git config gpg.format ssh && git config user.signingkey "
                                "~/.ssh/id_ed25519.pub")
    if fmt == "openpgp":
        return "openpgp", key.removeprefix("0x").rstrip("!").upper()
    if fmt != "ssh":
        raise SigningError(f"gpg.format={fmt} is not supported; use ssh or openpgp")
    if key.startswith("key::"):
        return "ssh", " ".join(key[5:].split()[:2])
    if key.startswith(("ssh-", "ecdsa-", "sk-")):
        return "ssh", " ".join(key.split()[:2])
    path = Path(key).expanduser()
    for candidate in (path, Path(f"{path}.pub")):
        try:
            text = candidate.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            continue
        first = text.split("\n", 1)[0]
        if first.startswith(("ssh-", "ecdsa-", "sk-")):
            return "ssh", " ".join(first.split()[:2])
    raise SigningError(f"cannot read the public half of the signing key {key}",
                       hint=f"keep the public key beside it as {path}.pub")
