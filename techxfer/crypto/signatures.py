"""Signature verification: SSHSIG in-process (``sshsig``), OpenPGP through gpg.

OpenPGP keys come only from ``parties.yaml``: the verifier imports them once into a
temporary keyring of its own and never reads or touches the user's keyring. gpg's
``VALIDSIG`` status line names the primary key fingerprint of the signer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from techxfer.crypto.sshsig import (
    PublicKey,
    parse_ssh_public_key,
    verify_sshsig,
    verify_sshsig_with_key,
)
from techxfer.errors import SignatureError

__all__ = ["PublicKey", "parse_ssh_public_key", "verify_sshsig", "verify_sshsig_with_key",
           "signature_kind", "openpgp_fingerprint", "OpenPGPVerifier"]


def signature_kind(sig: bytes) -> Literal["ssh", "openpgp"]:
    head = sig.lstrip()[:40]
    if head.startswith(b"-----BEGIN SSH SIGNATURE-----"):
        return "ssh"
    if head.startswith(b"-----BEGIN PGP SIGNATURE-----"):
        return "openpgp"
    raise SignatureError("unknown signature format (neither SSH nor OpenPGP armor)")


def _gpg(home: Path, args: Sequence[str], data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    gpg = shutil.which("gpg")
    if gpg is None:
        raise SignatureError("OpenPGP signatures need gpg, which is not installed")
    env = {**os.environ, "GNUPGHOME": str(home), "LC_ALL": "C"}
    return subprocess.run([gpg, "--batch", "--no-tty", "--no-autostart", "--status-fd", "1",
                           *args], input=data, capture_output=True, env=env, check=False)


class OpenPGPVerifier:
    """Verifies detached OpenPGP signatures against a fixed set of armored public keys."""

    def __init__(self, armored_keys: Sequence[str]) -> None:
        self.home = Path(tempfile.mkdtemp(prefix="techxfer-gpg-"))
        self.home.chmod(0o700)
        for armored in armored_keys:
            if armored.strip():
                proc = _gpg(self.home, ["--import"], armored.encode())
                if proc.returncode != 0:
                    self.close()
                    raise SignatureError("an OpenPGP key in parties.yaml does not import: "
                                         + proc.stderr.decode(errors="replace").strip()[:200])

    def verify(self, signature: bytes, message: bytes) -> str:
        """The signer's primary key fingerprint (uppercase); SignatureError otherwise."""
        work = Path(tempfile.mkdtemp(dir=self.home))
        try:
            (work / "sig").write_bytes(signature)
            (work / "msg").write_bytes(message)
            proc = _gpg(self.home, ["--verify", str(work / "sig"), str(work / "msg")])
        finally:
            shutil.rmtree(work, ignore_errors=True)
        status = proc.stdout.decode(errors="replace").splitlines()
        valid = [ln.split() for ln in status if ln.startswith("[GNUPG:] VALIDSIG ")]
        bad = any(ln.startswith(("[GNUPG:] BADSIG", "[GNUPG:] ERRSIG")) for ln in status)
        if proc.returncode != 0 or bad or not valid:
            if any(ln.startswith("[GNUPG:] ERRSIG") for ln in status):
                raise SignatureError("OpenPGP signature by a key that is not in parties.yaml")
            raise SignatureError("OpenPGP signature does not verify")
        return valid[0][-1].upper()

    def close(self) -> None:
        shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self) -> OpenPGPVerifier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def openpgp_fingerprint(armored: str) -> str:
    """The primary key fingerprint of one armored public key (refuses zero or several)."""
    home = Path(tempfile.mkdtemp(prefix="techxfer-gpg-"))
    try:
        home.chmod(0o700)
        proc = _gpg(home, ["--with-colons", "--import-options", "show-only", "--import"],
                    armored.encode())
        fprs: list[str] = []
        primary = False
        for line in proc.stdout.decode(errors="replace").splitlines():
            fields = line.split(":")
            if fields[0] == "pub":
                primary = True
            elif fields[0] == "sub":
                primary = False
            elif fields[0] == "fpr" and primary:
                fprs.append(fields[9].upper())
                primary = False
        if proc.returncode != 0 or len(fprs) != 1:
            raise SignatureError(f"not one valid OpenPGP public key (found {len(fprs)})")
        return fprs[0]
    finally:
        shutil.rmtree(home, ignore_errors=True)
