"""``techxfer signing``: set up ``git commit -S`` in this repository for a listed key, and
the allowed-signers file that lets git itself name the signers of commits.

techxfer still holds no private key: it only writes git config (``gpg.format=ssh``,
``user.signingkey``, ``commit.gpgSign``, ``gpg.ssh.allowedSignersFile``) so that the
user's own ``git commit -S`` signs with the key ``parties.yaml`` lists for them. The
allowed-signers file serves git's display (``git log --show-signature``, ``%G?``): one
line per SSH key, the principal ``person@party``, the key's validity window in
ssh-keygen's form. ``techxfer verify`` stays the audit; git's verdict only mirrors it.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from techxfer.errors import GitError, SignatureError, UsageError
from techxfer.findings import listing, msg
from techxfer.format.fileio import write_atomic
from techxfer.format.layout import PARTIES_FILE
from techxfer.git.signing import config_guard
from techxfer.model.parties import Parties, Signer
from techxfer.model.times import now
from techxfer.state.workspace import Workspace

ALLOWED_SIGNERS_NAME = "allowed_signers"
HEADER = (
    "# Allowed signers for git's own signature display (git log --show-signature, %G?),\n"
    "# written from .techxfer/parties.yaml by `techxfer signing allowed-signers`: write it\n"
    "# again when parties.yaml changes. `techxfer verify` is the audit; this file only lets\n"
    "# git name the signers. Principal: person@party; times: UTC, both ends inclusive.\n"
)


@dataclass(frozen=True)
class AllowedSigners:
    text: str
    keys: int  # SSH key lines written
    people: int
    left_out: tuple[str, ...]  # keys git cannot be told about, and why


@dataclass(frozen=True)
class SignersWritten:
    path: Path | None  # None: printed, not written
    signers: AllowedSigners
    configured: bool  # gpg.ssh.allowedSignersFile now points at it


@dataclass(frozen=True)
class SigningSetup:
    signer: Signer
    signing_key: Path
    through_agent: bool  # a public key file was given: ssh-keygen asks the agent
    fingerprint: str
    written: SignersWritten
    valid_now: bool
    identity_missing: bool  # git has no user.name / user.email to commit with


def principal(signer: Signer) -> str:
    """How git names a signer: ``person@party``, email-like and unique across parties."""
    return f"{signer.person.id}@{signer.party.id}"


def _ssh_time(when: datetime, *, round_up: bool) -> str:
    """An instant as ssh-keygen reads it in allowed-signers options: UTC, whole seconds
    (rounded inwards, so git's window never exceeds the one verify judges by)."""
    utc = when.astimezone(UTC)
    if round_up and utc.microsecond:
        utc += timedelta(seconds=1)
    return utc.replace(microsecond=0).strftime("%Y%m%d%H%M%S") + "Z"


def allowed_signers(parties: Parties) -> AllowedSigners:
    lines = [HEADER]
    left_out: list[str] = []
    people: set[str] = set()
    for signer in parties.signers():
        who = principal(signer)
        key = signer.key
        if key.kind != "ssh":
            left_out.append(f"{who}: OpenPGP key {key.value} (git asks gpg's keyring for those)")
            continue
        options = ['namespaces="git"']
        after = _ssh_time(key.valid_from, round_up=True) if key.valid_from else None
        before = _ssh_time(key.valid_until, round_up=False) if key.valid_until else None
        if after and before and before <= after:
            # ssh-keygen refuses such a line, and with it every later one: leave it out.
            left_out.append(f"{who}: {key.value.split()[0]} key valid for no whole second "
                            f"({key.window()})")
            continue
        if after:
            options.append(f'valid-after="{after}"')
        if before:
            options.append(f'valid-before="{before}"')
        lines.append(f"{who} {','.join(options)} {key.identity}\n")
        people.add(who)
    return AllowedSigners("".join(lines), len(lines) - 1, len(people), tuple(left_out))


def default_path(ws: Workspace) -> Path:
    """Beside the repository's config, outside the working tree: derived from parties.yaml,
    never committed, shared by every worktree."""
    return ws.repo.common_dir / "techxfer" / ALLOWED_SIGNERS_NAME


def write_allowed_signers(ws: Workspace, out: Path | None, *, to_stdout: bool = False
                          ) -> SignersWritten:
    """Write the file to OUT, or (OUT None) to this repository's own file and point git's
    ``gpg.ssh.allowedSignersFile`` here at it. ``to_stdout`` only builds the text."""
    signers = allowed_signers(ws.config().parties)
    if to_stdout:
        return SignersWritten(None, signers, False)
    if out is not None:
        path = Path(os.path.abspath(out.expanduser()))
        if path.is_dir():
            raise UsageError(f"{out}: is a directory; give a file name")
        _write(path, signers.text)
        return SignersWritten(path, signers, False)
    path = default_path(ws)
    with config_guard(ws.repo):
        ws.repo.config_set("gpg.ssh.allowedSignersFile", str(path))
        _write(path, signers.text)
    return SignersWritten(path, signers, True)


def _write(path: Path, text: str) -> None:
    try:
        write_atomic(path, text.encode("utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot write the allowed-signers file: {exc.strerror}") from None


def public_key_of(key_file: Path) -> tuple[str, bool]:
    """The public half of KEY_FILE as an OpenSSH line, and whether KEY_FILE is itself the
    public key (then ssh-keygen signs through the agent)."""
    from techxfer.crypto import signatures

    try:
        data = key_file.read_bytes()[: 1 << 20]
    except OSError as exc:
        raise UsageError(f"{key_file}: cannot read the key file: {exc.strerror}") from None
    text = data.decode("utf-8", "replace")
    if "BEGIN PGP" in text:
        raise UsageError(
            f"{key_file}: an OpenPGP key; `techxfer signing setup` configures SSH signing",
            hint="for OpenPGP: git config gpg.format openpgp && git config user.signingkey "
                 "FINGERPRINT && git config commit.gpgSign true")
    is_private = "PRIVATE KEY" in text
    if is_private:
        line = _derive_public(key_file) or _read_pub(Path(f"{key_file}.pub"))
        if line is None:
            raise UsageError(f"{key_file}: cannot read the public half of this private key",
                             hint=f"keep the public key beside it as {key_file}.pub, or give "
                                  "the .pub file (git then signs through your ssh-agent)")
    else:
        lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
        if len(lines) != 1:
            raise UsageError(f"{key_file}: expected an SSH private key or one OpenSSH public "
                             f"key line, found {len(lines)} lines")
        line = lines[0]
    try:
        key = signatures.parse_ssh_public_key(line)
    except SignatureError as exc:
        raise UsageError(f"{key_file}: {exc.message}") from None
    return key.openssh(), not is_private


def _derive_public(private: Path) -> str | None:
    """``ssh-keygen -y`` for a key without a passphrase; None otherwise (never prompts)."""
    try:
        proc = subprocess.run(["ssh-keygen", "-y", "-P", "", "-f", str(private)],
                              capture_output=True, stdin=subprocess.DEVNULL, check=False,
                              timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = proc.stdout.decode("utf-8", "replace").strip()
    return out if proc.returncode == 0 and out else None


def _read_pub(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None
    return text.split("\n", 1)[0] if text else None


def setup_signing(ws: Workspace, key_file: Path) -> SigningSetup:
    """Configure this repository's git to sign every commit with KEY_FILE, which must be
    the key of exactly one person in the working tree's ``parties.yaml``."""
    from techxfer.crypto import signatures

    key_file = Path(os.path.abspath(key_file.expanduser()))
    public, through_agent = public_key_of(key_file)
    config = ws.config()
    holders = config.parties.find_key(" ".join(public.split()[:2]))
    if not holders:
        raise UsageError(msg("refuse.key_nobody", "{path}: this key is listed for nobody in "
                             "{parties}", path=key_file, parties=PARTIES_FILE),
                         hint=msg("refuse.key_nobody_hint", "list it first: techxfer person add "
                                  "PARTY PERSON --name N --role R --key FILE.pub (then commit "
                                  "the change)"))
    if len(holders) > 1:
        raise UsageError(msg("refuse.key_shared", "{path}: this key is listed for {who}; a "
                             "signing key must belong to one person alone (techxfer check names "
                             "it SHARED_KEY)", path=key_file,
                             who=listing(*(f"{h.party.id}:{h.person.id}" for h in holders))))
    signer = holders[0]
    signers = allowed_signers(config.parties)
    path = default_path(ws)
    with config_guard(ws.repo):
        ws.repo.config_set("gpg.format", "ssh")
        ws.repo.config_set("user.signingkey", str(key_file))
        ws.repo.config_set("commit.gpgSign", "true")
        ws.repo.config_set("gpg.ssh.allowedSignersFile", str(path))
        _write(path, signers.text)
    try:  # what `git commit` itself asks for (strict: no guessed email)
        ws.repo.git(["var", "GIT_COMMITTER_IDENT"])
        missing_identity = False
    except GitError:
        missing_identity = True
    return SigningSetup(
        signer=signer,
        signing_key=key_file,
        through_agent=through_agent,
        fingerprint=signatures.parse_ssh_public_key(public).fingerprint,
        written=SignersWritten(path, signers, True),
        valid_now=signer.key.valid_at(now()),
        identity_missing=missing_identity,
    )
