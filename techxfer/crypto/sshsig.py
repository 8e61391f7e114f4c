"""OpenSSH public keys and SSHSIG signatures, verified in-process with ``cryptography``.

Covers every key type git can sign with: ssh-ed25519, ssh-rsa (rsa-sha2-256/512
signatures; SHA-1 "ssh-rsa" signatures are refused), ecdsa-sha2-nistp256/384/521, and
the FIDO types sk-ssh-ed25519@openssh.com and sk-ecdsa-sha2-nistp256@openssh.com,
including the webauthn-sk-ecdsa-sha2-nistp256@openssh.com signature form. Everything
fails closed: any malformed input raises SignatureError.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import struct
from dataclasses import dataclass
from typing import Any

from techxfer.errors import SignatureError

MAGIC = b"SSHSIG"
ARMOR_BEGIN = b"-----BEGIN SSH SIGNATURE-----"
ARMOR_END = b"-----END SSH SIGNATURE-----"
CURVES = {b"nistp256": ("SECP256R1", "SHA256"), b"nistp384": ("SECP384R1", "SHA384"),
          b"nistp521": ("SECP521R1", "SHA512")}
KEY_TYPES = (
    "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
)


class Reader:
    """SSH wire format: uint32 lengths and strings; every read is bounds-checked."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise SignatureError("truncated data")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def uint32(self) -> int:
        value: int = struct.unpack(">I", self.take(4))[0]
        return value

    def string(self) -> bytes:
        return self.take(self.uint32())

    def mpint(self) -> int:
        return int.from_bytes(self.string(), "big", signed=True)

    def done(self) -> None:
        if self.pos != len(self.data):
            raise SignatureError("trailing bytes after the data")


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


_U32 = struct.Struct(">I")


def _fields(data: bytes, pos: int, count: int) -> tuple[list[bytes], int]:
    """COUNT strings of the SSH wire format from POS, bounds-checked as ``Reader`` does (the
    same errors), and the position after them: the signature path's reader."""
    out: list[bytes] = []
    end = len(data)
    for _ in range(count):
        if pos + 4 > end:
            raise SignatureError("truncated data")
        n = _U32.unpack_from(data, pos)[0]
        pos += 4
        if pos + n > end:
            raise SignatureError("truncated data")
        out.append(data[pos:pos + n])
        pos += n
    return out, pos


@dataclass(frozen=True)
class PublicKey:
    algorithm: str
    blob: bytes
    comment: str = ""

    @property
    def fingerprint(self) -> str:
        digest = base64.b64encode(hashlib.sha256(self.blob).digest()).decode().rstrip("=")
        return f"SHA256:{digest}"

    def openssh(self) -> str:
        return f"{self.algorithm} {base64.b64encode(self.blob).decode()}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PublicKey) and self.blob == other.blob

    def __hash__(self) -> int:
        return hash(self.blob)


def _check_blob(blob: bytes) -> str:
    """Parse a key blob fully (point on curve, RSA size); return its algorithm."""
    return _parsed_key(blob)[0]


@functools.lru_cache(maxsize=256)
def _parsed_key(blob: bytes) -> tuple[str, object, bytes]:
    """A key blob fully parsed: its algorithm, the ``cryptography`` key and (FIDO keys) the
    application. Memoised by the blob's bytes (a history has a few signers' keys and
    thousands of signatures; a key object is immutable); a blob that fails raises each time."""
    r = Reader(blob)
    algorithm = r.string().decode("ascii", "replace")
    if algorithm not in KEY_TYPES:
        raise SignatureError(f"unsupported key type {algorithm!r}")
    key = _load_key(algorithm, r)
    application = r.string() if algorithm.startswith("sk-") else b""
    r.done()
    return algorithm, key, application


def _load_key(algorithm: str, r: Reader) -> object:
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    try:
        if algorithm in ("ssh-ed25519", "sk-ssh-ed25519@openssh.com"):
            raw = r.string()
            if len(raw) != 32:
                raise SignatureError("ed25519 key is not 32 bytes")
            return ed25519.Ed25519PublicKey.from_public_bytes(raw)
        if algorithm == "ssh-rsa":
            e, n = r.mpint(), r.mpint()
            if n.bit_length() < 1024 or e < 3:
                raise SignatureError("RSA key too small or invalid exponent")
            return rsa.RSAPublicNumbers(e, n).public_key()
        curve_name = r.string()
        if curve_name not in CURVES or curve_name.decode() not in algorithm:
            raise SignatureError("ECDSA curve does not match the key type")
        curve = getattr(ec, CURVES[curve_name][0])()
        return ec.EllipticCurvePublicKey.from_encoded_point(curve, r.string())
    except (ValueError, TypeError) as exc:
        raise SignatureError(f"invalid {algorithm} key: {exc}") from None


def parse_ssh_public_key(line: str) -> PublicKey:
    """An OpenSSH public key line (``type base64 [comment]``), fully checked."""
    parts = line.strip().split(None, 2)
    if len(parts) < 2:
        raise SignatureError("not a valid OpenSSH public key: expected 'TYPE BASE64 [COMMENT]'")
    algorithm, b64 = parts[0], parts[1]
    if algorithm not in KEY_TYPES:
        raise SignatureError(f"not a valid OpenSSH public key: unsupported type {algorithm!r}")
    try:
        blob = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("not a valid OpenSSH public key: bad base64") from None
    try:
        inner = _check_blob(blob)
    except SignatureError as exc:
        raise SignatureError(f"not a valid OpenSSH public key: {exc.message}") from None
    if inner != algorithm:
        raise SignatureError(f"not a valid OpenSSH public key: says {algorithm}, holds {inner}")
    return PublicKey(algorithm, blob, parts[2] if len(parts) > 2 else "")


def unarmor(armored: bytes) -> bytes:
    text = armored.strip()
    if not text.startswith(ARMOR_BEGIN) or not text.endswith(ARMOR_END):
        raise SignatureError("not an SSH signature (armor missing)")
    body = text[len(ARMOR_BEGIN):-len(ARMOR_END)]
    try:
        return base64.b64decode(b"".join(body.split()), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("SSH signature armor is not valid base64") from None


def verify_sshsig(armored: bytes, message: bytes, namespace: str = "git") -> PublicKey:
    """Verify an SSHSIG over ``message``; return the signer's key (fail closed)."""
    blob = unarmor(armored)
    if len(blob) < 6:
        raise SignatureError("truncated data")
    if blob[:6] != MAGIC:
        raise SignatureError("not an SSHSIG blob")
    if len(blob) < 10:
        raise SignatureError("truncated data")
    if _U32.unpack_from(blob, 6)[0] != 1:
        raise SignatureError("unsupported SSHSIG version")
    (key_blob, sig_namespace, reserved, hash_alg, sig_blob), end = _fields(blob, 10, 5)
    if end != len(blob):
        raise SignatureError("trailing bytes after the data")
    if sig_namespace != namespace.encode():
        raise SignatureError(f"signature namespace is {sig_namespace!r}, expected {namespace!r}")
    if hash_alg not in (b"sha256", b"sha512"):
        raise SignatureError(f"unsupported hash algorithm {hash_alg!r}")
    algorithm = _check_blob(key_blob)
    digest = hashlib.new(hash_alg.decode(), message).digest()
    signed = MAGIC + _string(namespace.encode()) + _string(reserved) + _string(hash_alg) \
        + _string(digest)
    _verify(algorithm, key_blob, sig_blob, signed)
    return PublicKey(algorithm, key_blob)


def verify_sshsig_with_key(armored: bytes, message: bytes, key: PublicKey,
                           namespace: str = "git") -> None:
    signer = verify_sshsig(armored, message, namespace)
    if signer != key:
        raise SignatureError(f"signed by {signer.fingerprint}, not by {key.fingerprint}")


@functools.cache
def _crypto() -> tuple[Any, Any, Any, Any]:
    """``cryptography``'s modules of the signature path, imported once (on first use)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding

    return InvalidSignature, hashes, ec, padding


def _verify(algorithm: str, key_blob: bytes, sig_blob: bytes, signed: bytes) -> None:
    InvalidSignature, hashes, ec, padding = _crypto()  # noqa: N806 - a class, as imported
    _, key, application = _parsed_key(key_blob)
    (sig_type_bytes, raw), pos = _fields(sig_blob, 0, 2)
    sig_type = sig_type_bytes.decode("ascii", "replace")
    sr = Reader(sig_blob)
    sr.pos = pos
    try:
        if algorithm == "ssh-rsa":
            hashers = {"rsa-sha2-256": hashes.SHA256(), "rsa-sha2-512": hashes.SHA512()}
            if sig_type not in hashers:
                raise SignatureError(f"RSA signature type {sig_type!r} is refused (SHA-1 or unknown)")
            sr.done()
            key.verify(raw, signed, padding.PKCS1v15(), hashers[sig_type])  # type: ignore[attr-defined]
            return
        if algorithm == "ssh-ed25519":
            _expect(sig_type, algorithm)
            sr.done()
            key.verify(raw, signed)  # type: ignore[attr-defined]
            return
        if algorithm.startswith("ecdsa-"):
            _expect(sig_type, algorithm)
            sr.done()
            curve = algorithm.rsplit("-", 1)[1].encode()
            key.verify(_ecdsa_der(raw), signed,  # type: ignore[attr-defined]
                       ec.ECDSA(getattr(hashes, CURVES[curve][1])()))
            return
        # FIDO keys: the authenticator signs sha256(application) || flags || counter ||
        # sha256(message) [|| extensions]; the webauthn form signs clientDataJSON instead.
        flags = sr.take(1)
        counter = sr.take(4)
        app_hash = hashlib.sha256(application).digest()
        if sig_type == "webauthn-sk-ecdsa-sha2-nistp256@openssh.com":
            if algorithm != "sk-ecdsa-sha2-nistp256@openssh.com":
                raise SignatureError("webauthn signature on a non-ECDSA key")
            origin = sr.string()
            client_data = sr.string()
            extensions = sr.string()
            sr.done()
            _check_client_data(client_data, signed, origin)
            to_verify = app_hash + flags + counter + extensions + hashlib.sha256(client_data).digest()
        else:
            _expect(sig_type, algorithm)
            sr.done()
            to_verify = app_hash + flags + counter + hashlib.sha256(signed).digest()
        if algorithm == "sk-ssh-ed25519@openssh.com":
            key.verify(raw, to_verify)  # type: ignore[attr-defined]
        else:
            key.verify(_ecdsa_der(raw), to_verify,  # type: ignore[attr-defined]
                       ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise SignatureError("signature does not verify") from None
    except (ValueError, TypeError) as exc:
        raise SignatureError(f"malformed signature: {exc}") from None


def _expect(sig_type: str, algorithm: str) -> None:
    if sig_type != algorithm:
        raise SignatureError(f"signature type {sig_type!r} does not match key type {algorithm!r}")


def _ecdsa_der(raw: bytes) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    r = Reader(raw)
    sig_r, sig_s = r.mpint(), r.mpint()
    r.done()
    if sig_r <= 0 or sig_s <= 0:
        raise SignatureError("malformed ECDSA signature")
    return encode_dss_signature(sig_r, sig_s)


def _check_client_data(client_data: bytes, signed: bytes, origin: bytes) -> None:
    try:
        data = json.loads(client_data)
    except (ValueError, UnicodeDecodeError):
        raise SignatureError("webauthn clientData is not JSON") from None
    challenge = base64.urlsafe_b64encode(signed).decode().rstrip("=")
    if not isinstance(data, dict) or data.get("type") != "webauthn.get" \
            or data.get("challenge") != challenge:
        raise SignatureError("webauthn clientData does not bind the signed message")
    if data.get("origin") is not None and data.get("origin") != origin.decode("utf-8", "replace"):
        raise SignatureError("webauthn origin mismatch")


def public_key_of_private(data: bytes) -> PublicKey:
    """The public half of an unencrypted OpenSSH private key file (a witness's key: the
    server's hook signs with it unattended, so it has no passphrase)."""
    from cryptography.hazmat.primitives import serialization

    try:
        private = serialization.load_ssh_private_key(data, password=None)
        line = private.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                                 serialization.PublicFormat.OpenSSH)
    except (ValueError, TypeError, AttributeError) as exc:
        raise SignatureError(f"not an unencrypted OpenSSH private key: {exc}") from None
    return parse_ssh_public_key(line.decode("ascii"))
