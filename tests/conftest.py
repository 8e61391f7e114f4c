"""Test isolation and real-world fixtures.

Every test runs with its own HOME, an empty global git config, no system config and an
empty template directory, so nothing of the machine's git setup leaks in (the habit of
pre-commit's tests). Keys are real keys made by ssh-keygen.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
TESTDATA = SHARED / "testdata"
EXAMPLE_REPO = Path(__file__).resolve().parents[1] / "example_repo"


@pytest.fixture(autouse=True)
def isolated_git(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("home")
    template = home / "git-template"
    template.mkdir()
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Test User\n\temail = test@example.invalid\n"
        "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgSign = false\n"
        "[protocol \"file\"]\n\tallow = always\n"
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_TEMPLATE_DIR", str(template))
    monkeypatch.setenv("GNUPGHOME", str(home / ".gnupg"))
    for var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE",
                "SSH_AUTH_SOCK", "TECHXFER_LANG"):
        monkeypatch.delenv(var, raising=False)
    yield home


def run(*args: str | os.PathLike[str], cwd: Path | None = None, check: bool = True,
        env: dict[str, str] | None = None, input: bytes | None = None) -> subprocess.CompletedProcess[str]:
    """Run a real program; on failure show its output in the assertion."""
    full_env = None if env is None else {**os.environ, **env}
    proc = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=input is None,
                          env=full_env, input=input)
    if check and proc.returncode != 0:
        raise AssertionError(f"{args} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def git(cwd: Path, *args: str, check: bool = True, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run("git", *args, cwd=cwd, check=check, env=env)


@dataclass(frozen=True)
class SshKey:
    private: Path
    public: Path

    @property
    def public_line(self) -> str:
        return self.public.read_text().strip()


def make_ssh_key(directory: Path, name: str, kind: str = "ed25519", bits: int | None = None) -> SshKey:
    directory.mkdir(parents=True, exist_ok=True)
    private = directory / name
    args = ["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", name, "-f", str(private)]
    if bits:
        args += ["-b", str(bits)]
    run(*args)
    return SshKey(private, directory / f"{name}.pub")


@pytest.fixture(scope="session")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("keys")


@pytest.fixture(scope="session")
def keys(key_dir: Path) -> dict[str, SshKey]:
    """Real ed25519 keys, made once per run: registrant and manufacturer people, an outsider."""
    names = ["zhang", "wang", "li", "zhao", "outsider"]
    return {n: make_ssh_key(key_dir, n) for n in names}


def use_signing_key(repo: Path, key: SshKey) -> None:
    """Configure the repository to sign commits with this SSH key, as a user would."""
    git(repo, "config", "gpg.format", "ssh")
    git(repo, "config", "user.signingkey", str(key.private))
    git(repo, "config", "commit.gpgSign", "true")
