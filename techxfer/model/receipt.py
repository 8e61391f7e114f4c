"""One receipt of the server's receipt log (``refs/techxfer/receipts``, DESIGN section 10).

The server's post-receive hook writes one receipt per accepted push: its own clock, every
ref update, and for ``git push --signed`` the push certificate. The receipt is a commit
signed by the witness key whose parent is the previous receipt, so the log is a hash
chain nobody but the witness can extend and nobody can edit without breaking it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from techxfer.model.times import parse_instant

FORMAT = 1


def is_zero(oid: str) -> bool:
    """git's all-zeros id: the ref did not exist before, or does not after."""
    return set(oid) == {"0"}


@dataclass(frozen=True)
class RefUpdate:
    ref: str
    old: str
    new: str

    def as_record(self) -> dict[str, str]:
        return {"ref": self.ref, "old": self.old, "new": self.new}


@dataclass(frozen=True)
class PushCertificate:
    """What the server saw of a ``git push --signed``; ``text`` is the certificate itself
    (payload and signature) exactly as pushed, when it was kept."""

    status: str
    nonce_status: str
    key: str | None
    signer: str | None
    text: bytes | None = None

    def as_record(self) -> dict[str, Any]:
        record = {"status": self.status, "nonce_status": self.nonce_status, "key": self.key,
                  "signer": self.signer}
        return {k: v for k, v in record.items() if v is not None}

    def commands(self) -> set[tuple[str, str, str]]:
        """The ``old new ref`` lines the pusher signed (after the blank line of the header)."""
        if self.text is None:
            return set()
        body = split_certificate(self.text)[0].decode("utf-8", "replace")
        _, _, rest = body.partition("\n\n")
        out = set()
        for line in rest.splitlines():
            parts = line.split(" ")
            if len(parts) == 3:
                out.add((parts[0], parts[1], parts[2]))
        return out


SIGNATURE_STARTS = (b"-----BEGIN SSH SIGNATURE-----", b"-----BEGIN PGP SIGNATURE-----")


def split_certificate(text: bytes) -> tuple[bytes, bytes]:
    """(signed payload, armored signature) of a push certificate, as git splits it: the
    signature starts at the first line that opens an armor block."""
    pos = 0
    for line in text.splitlines(keepends=True):
        if line.startswith(SIGNATURE_STARTS):
            return text[:pos], text[pos:]
        pos += len(line)
    return text, b""


@dataclass(frozen=True)
class Receipt:
    commit: str
    parent: str | None
    server_time: datetime
    updates: tuple[RefUpdate, ...]
    certificate: PushCertificate | None

    @classmethod
    def create(cls, commit: str, parent: str | None, raw: Any,
               certificate_text: bytes | None = None) -> Receipt:
        """From a schema-valid ``receipt.yaml``."""
        cert = raw.get("push_certificate")
        return cls(
            commit=commit,
            parent=parent,
            server_time=parse_instant(raw["server_time"]).astimezone(UTC),
            updates=tuple(RefUpdate(u["ref"], u["old"], u["new"]) for u in raw["updates"]),
            certificate=None if cert is None else PushCertificate(
                cert["status"], cert["nonce_status"], cert.get("key"), cert.get("signer"),
                certificate_text),
        )


def receipt_record(server_time: datetime, updates: tuple[RefUpdate, ...],
                   certificate: PushCertificate | None) -> dict[str, Any]:
    """The content of ``receipt.yaml``: the server's time in UTC to the second."""
    record: dict[str, Any] = {
        "format": FORMAT,
        "server_time": server_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "updates": [u.as_record() for u in updates],
    }
    if certificate is not None:
        record["push_certificate"] = certificate.as_record()
    return record
