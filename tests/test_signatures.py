"""Signatures made on the spot by the real tools: ``ssh-keygen -Y sign``, ``git commit -S``
with SSH keys and with gpg, verified by techxfer without mocks.

The OpenPGP verifier keeps its own temporary keyring: the tests assert that the keyring
used for signing is byte for byte the same after verification.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pygit2
import pytest
from conftest import SSH_KINDS, SshKey, git, run

from techxfer.crypto.signatures import (
    OpenPGPVerifier,
    openpgp_fingerprint,
    parse_ssh_public_key,
    signature_kind,
    verify_sshsig,
    verify_sshsig_with_key,
)
from techxfer.errors import SignatureError

MESSAGE = "A message signed by ssh-keygen.\nSecond line: ünïcødé.\n".encode()


def ssh_sign(key: SshKey, message: bytes, namespace: str, directory: Path) -> bytes:
    """``ssh-keygen -Y sign``: writes FILE.sig next to FILE."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "message.txt"
    path.write_bytes(message)
    sig = path.with_name("message.txt.sig")
    sig.unlink(missing_ok=True)
    run("ssh-keygen", "-q", "-Y", "sign", "-f", key.private, "-n", namespace, path)
    return sig.read_bytes()


# -- ssh-keygen -Y sign ----------------------------------------------------------------------

@pytest.mark.parametrize("kind", list(SSH_KINDS))
def test_ssh_keygen_signature_verifies(kind: str, ssh_keys: dict[str, SshKey],
                                       tmp_path: Path) -> None:
    key = ssh_keys[kind]
    sig = ssh_sign(key, MESSAGE, "git", tmp_path)
    assert signature_kind(sig) == "ssh"
    signer = verify_sshsig(sig, MESSAGE, "git")
    expected = parse_ssh_public_key(key.public_line)
    assert signer == expected
    assert signer.algorithm == SSH_KINDS[kind][2]
    assert signer.openssh() == " ".join(key.public_line.split()[:2])
    verify_sshsig_with_key(sig, MESSAGE, expected, "git")


@pytest.mark.parametrize("kind", list(SSH_KINDS))
def test_ssh_keygen_file_namespace_is_refused_for_git(kind: str, ssh_keys: dict[str, SshKey],
                                                       tmp_path: Path) -> None:
    sig = ssh_sign(ssh_keys[kind], MESSAGE, "file", tmp_path)
    assert verify_sshsig(sig, MESSAGE, "file") == parse_ssh_public_key(ssh_keys[kind].public_line)
    with pytest.raises(SignatureError):
        verify_sshsig(sig, MESSAGE, "git")


@pytest.mark.parametrize("kind", list(SSH_KINDS))
def test_ssh_keygen_signature_refused_for_other_message_and_key(
        kind: str, ssh_keys: dict[str, SshKey], tmp_path: Path) -> None:
    sig = ssh_sign(ssh_keys[kind], MESSAGE, "git", tmp_path)
    with pytest.raises(SignatureError):
        verify_sshsig(sig, MESSAGE + b"x", "git")
    with pytest.raises(SignatureError):
        verify_sshsig(sig, MESSAGE.replace(b"Second", b"second"), "git")
    for other in SSH_KINDS:
        if other != kind:
            with pytest.raises(SignatureError):
                other_key = parse_ssh_public_key(ssh_keys[other].public_line)
                verify_sshsig_with_key(sig, MESSAGE, other_key, "git")


def test_ssh_keygen_agrees_with_techxfer(ssh_keys: dict[str, SshKey], tmp_path: Path) -> None:
    """Cross-check: what techxfer accepts, ``ssh-keygen -Y verify`` accepts too."""
    key = ssh_keys["ed25519"]
    sig = ssh_sign(key, MESSAGE, "git", tmp_path)
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f"signer@example.invalid {key.public_line}\n")
    (tmp_path / "message.txt.sig").write_bytes(sig)
    proc = run("ssh-keygen", "-Y", "verify", "-f", allowed, "-I", "signer@example.invalid",
               "-n", "git", "-s", tmp_path / "message.txt.sig", input=MESSAGE)
    assert proc.returncode == 0
    assert verify_sshsig(sig, MESSAGE, "git") == parse_ssh_public_key(key.public_line)


# -- git commit -S with SSH keys -------------------------------------------------------------

def new_repo(path: Path) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "-q")
    return path


def signed_commit(repo: Path, content: str, *config: str, env: dict[str, str] | None = None) -> str:
    """Write a file, make a real ``git commit -S`` with the given ``-c`` settings; its id."""
    (repo / "file.txt").write_text(content)
    git(repo, "add", "file.txt")
    args: list[str] = []
    for setting in config:
        args += ["-c", setting]
    git(repo, *args, "commit", "-q", "-S", "-m", f"Commit {content}", env=env)
    return git(repo, "rev-parse", "HEAD").stdout.strip()


def read_signature(repo: Path, oid: str) -> tuple[bytes, bytes]:
    commit = pygit2.Repository(str(repo))[oid]
    assert isinstance(commit, pygit2.Commit)
    signature, payload = commit.gpg_signature
    assert signature is not None and payload is not None, "the commit is not signed"
    return signature, payload


@pytest.mark.parametrize("kind", ["ed25519", "rsa-3072", "ecdsa-256", "ecdsa-384", "ecdsa-521"])
def test_git_ssh_signed_commit_verifies(kind: str, ssh_keys: dict[str, SshKey],
                                        tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "repo")
    key = ssh_keys[kind]
    oid = signed_commit(repo, kind, "gpg.format=ssh", f"user.signingkey={key.private}")
    sig, payload = read_signature(repo, oid)
    assert signature_kind(sig) == "ssh"
    assert b"Commit " + kind.encode() in payload
    assert b"gpgsig" not in payload
    signer = verify_sshsig(sig, payload, "git")
    assert signer == parse_ssh_public_key(key.public_line)
    # another key of the same repository cannot claim the commit
    other = ssh_keys["ed25519" if kind != "ed25519" else "rsa-3072"]
    with pytest.raises(SignatureError):
        verify_sshsig_with_key(sig, payload, parse_ssh_public_key(other.public_line), "git")


def _flip_tree(payload: bytes) -> bytes:
    """Change one hex digit of the tree id."""
    assert payload.startswith(b"tree ")
    digit = payload[5:6]
    return payload[:5] + (b"0" if digit != b"0" else b"1") + payload[6:]


PAYLOAD_TAMPERING: dict[str, Callable[[bytes], bytes]] = {
    "message-edited": lambda p: p.replace(b"Commit ", b"Commit! "),
    "author-edited": lambda p: p.replace(b"author Test User", b"author Evil User"),
    "tree-edited": _flip_tree,
    "byte-appended": lambda p: p + b"\n",
    "truncated": lambda p: p[:-1],
}


@pytest.mark.parametrize("tampering", list(PAYLOAD_TAMPERING))
def test_git_ssh_signed_commit_tampered_payload_is_refused(
        tampering: str, ssh_keys: dict[str, SshKey], tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "repo")
    oid = signed_commit(repo, "tamper", "gpg.format=ssh",
                        f"user.signingkey={ssh_keys['ed25519'].private}")
    sig, payload = read_signature(repo, oid)
    tampered = PAYLOAD_TAMPERING[tampering](payload)
    assert tampered != payload
    with pytest.raises(SignatureError):
        verify_sshsig(sig, tampered, "git")


# -- OpenPGP through gpg ---------------------------------------------------------------------

needs_gpg = pytest.mark.skipif(shutil.which("gpg") is None, reason="gpg is not installed")


@dataclass(frozen=True)
class GpgKey:
    fingerprint: str
    armored: str


@dataclass(frozen=True)
class GpgHome:
    path: Path
    keys: dict[str, GpgKey]

    @property
    def env(self) -> dict[str, str]:
        return {"GNUPGHOME": str(self.path)}


def _gpg(home: Path, *args: str, input: bytes | None = None) -> subprocess.CompletedProcess[str]:
    return run("gpg", "--batch", "--no-tty", *args, env={"GNUPGHOME": str(home), "LC_ALL": "C"},
               input=input)


def _make_gpg_key(home: Path, uid: str, algo: str) -> GpgKey:
    _gpg(home, "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key", uid, algo,
         "sign", "never")
    listing = _gpg(home, "--with-colons", "--list-keys", uid).stdout
    fprs = [line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:")]
    armored = _gpg(home, "--armor", "--export", fprs[0]).stdout
    assert armored.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    return GpgKey(fprs[0], armored)


@pytest.fixture(scope="module")
def gpg_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GpgHome]:
    """A keyring of its own with an ed25519 and an rsa3072 signing key, made by real gpg."""
    if shutil.which("gpg") is None:
        pytest.skip("gpg is not installed")
    home = tmp_path_factory.mktemp("gnupg")
    home.chmod(0o700)
    try:
        keys = {"ed25519": _make_gpg_key(home, "Test <t@example.invalid>", "ed25519"),
                "rsa3072": _make_gpg_key(home, "Test RSA <rsa@example.invalid>", "rsa3072")}
        yield GpgHome(home, keys)
    finally:
        # stop the agent this keyring started (and only that one)
        subprocess.run(["gpgconf", "--kill", "gpg-agent"], capture_output=True, check=False,
                       env={**os.environ, "GNUPGHOME": str(home)})


def gpg_signed_commit(repo: Path, home: GpgHome, key: str, content: str) -> tuple[bytes, bytes]:
    oid = signed_commit(repo, content, "gpg.program=gpg",
                        f"user.signingkey={home.keys[key].fingerprint}", env=home.env)
    return read_signature(repo, oid)


def keyring_state(home: Path) -> dict[str, bytes]:
    """The bytes of every regular file of a keyring (sockets and agent state aside)."""
    return {str(p.relative_to(home)): p.read_bytes() for p in sorted(home.rglob("*"))
            if p.is_file() and not p.name.startswith("S.") and p.suffix != ".lock"}


@needs_gpg
@pytest.mark.parametrize("key", ["ed25519", "rsa3072"])
def test_gpg_signed_commit_verifies(key: str, gpg_home: GpgHome, tmp_path: Path,
                                    isolated_git: Path) -> None:
    repo = new_repo(tmp_path / "repo")
    sig, payload = gpg_signed_commit(repo, gpg_home, key, f"gpg {key}")
    assert signature_kind(sig) == "openpgp"
    pubring = gpg_home.path / "pubring.kbx"
    before = pubring.read_bytes()
    state_before = keyring_state(gpg_home.path)
    with OpenPGPVerifier([k.armored for k in gpg_home.keys.values()]) as verifier:
        fingerprint = verifier.verify(sig, payload)
        verifier_home = verifier.home
        assert verifier_home != gpg_home.path
    assert fingerprint == gpg_home.keys[key].fingerprint
    assert fingerprint == fingerprint.upper() and len(fingerprint) == 40
    assert pubring.read_bytes() == before
    assert keyring_state(gpg_home.path) == state_before
    assert not verifier_home.exists(), "the verifier's temporary keyring is removed on close"
    assert not (isolated_git / ".gnupg").exists(), "the user's keyring is never created or read"


@needs_gpg
def test_gpg_signature_by_unknown_key_is_refused(gpg_home: GpgHome, tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "repo")
    sig, payload = gpg_signed_commit(repo, gpg_home, "rsa3072", "unknown signer")
    before = (gpg_home.path / "pubring.kbx").read_bytes()
    with OpenPGPVerifier([gpg_home.keys["ed25519"].armored]) as verifier, \
            pytest.raises(SignatureError):
        verifier.verify(sig, payload)
    with OpenPGPVerifier([]) as verifier, pytest.raises(SignatureError):
        verifier.verify(sig, payload)
    assert (gpg_home.path / "pubring.kbx").read_bytes() == before


@needs_gpg
@pytest.mark.parametrize("key", ["ed25519", "rsa3072"])
@pytest.mark.parametrize("tampering",
                         ["message-edited", "author-edited", "byte-appended", "truncated"])
def test_gpg_tampered_payload_is_refused(key: str, tampering: str, gpg_home: GpgHome,
                                         tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "repo")
    sig, payload = gpg_signed_commit(repo, gpg_home, key, f"tamper {key} {tampering}")
    tampered = PAYLOAD_TAMPERING[tampering](payload)
    assert tampered != payload
    before = keyring_state(gpg_home.path)
    with OpenPGPVerifier([k.armored for k in gpg_home.keys.values()]) as verifier:
        assert verifier.verify(sig, payload) == gpg_home.keys[key].fingerprint
        with pytest.raises(SignatureError):
            verifier.verify(sig, tampered)
    assert keyring_state(gpg_home.path) == before


@needs_gpg
def test_gpg_garbage_signature_is_refused(gpg_home: GpgHome) -> None:
    with OpenPGPVerifier([gpg_home.keys["ed25519"].armored]) as verifier:
        for junk in (b"", b"not a signature",
                     b"-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n"):
            with pytest.raises(SignatureError):
                verifier.verify(junk, b"payload")


@needs_gpg
def test_gpg_ssh_signature_is_refused_by_openpgp_verifier(
        gpg_home: GpgHome, ssh_keys: dict[str, SshKey], tmp_path: Path) -> None:
    sig = ssh_sign(ssh_keys["ed25519"], MESSAGE, "git", tmp_path)
    with OpenPGPVerifier([gpg_home.keys["ed25519"].armored]) as verifier, \
            pytest.raises(SignatureError):
        verifier.verify(sig, MESSAGE)


@needs_gpg
def test_openpgp_verifier_refuses_a_bad_key() -> None:
    with pytest.raises(SignatureError):
        OpenPGPVerifier(["-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n"
                         "-----END PGP PUBLIC KEY BLOCK-----\n"])


@needs_gpg
@pytest.mark.parametrize("key", ["ed25519", "rsa3072"])
def test_openpgp_fingerprint(key: str, gpg_home: GpgHome) -> None:
    before = keyring_state(gpg_home.path)
    fingerprint = openpgp_fingerprint(gpg_home.keys[key].armored)
    assert fingerprint == gpg_home.keys[key].fingerprint
    assert fingerprint == fingerprint.upper() and len(fingerprint) == 40
    assert keyring_state(gpg_home.path) == before


@needs_gpg
def test_openpgp_fingerprint_refuses_zero_or_several_keys(gpg_home: GpgHome) -> None:
    both = gpg_home.keys["ed25519"].armored + gpg_home.keys["rsa3072"].armored
    for armored in ("", "not a key", both):
        with pytest.raises(SignatureError):
            openpgp_fingerprint(armored)


# -- signature_kind --------------------------------------------------------------------------

@pytest.mark.parametrize(("sig", "kind"), [
    (b"-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n", "ssh"),
    (b"\n  -----BEGIN SSH SIGNATURE-----\n", "ssh"),
    (b"-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n", "openpgp"),
], ids=["ssh", "ssh-leading-space", "openpgp"])
def test_signature_kind(sig: bytes, kind: str) -> None:
    assert signature_kind(sig) == kind


@pytest.mark.parametrize("sig", [b"", b"garbage", b"-----BEGIN PGP MESSAGE-----\n",
                                 b"-----BEGIN SSH SIGNATURE",
                                 b"-----BEGIN X509 CERTIFICATE-----\n"],
                         ids=["empty", "garbage", "pgp-message", "ssh-cut", "x509"])
def test_signature_kind_refuses_unknown(sig: bytes) -> None:
    with pytest.raises(SignatureError):
        signature_kind(sig)
