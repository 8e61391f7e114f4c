"""OpenSSH's own SSHSIG test vectors (openssh-portable ``regress/unittests/sshsig/testdata``).

Every vector must verify and name its key; every mutation of it must be refused with
SignatureError: another vector's key, a changed message, another namespace, a truncated or
corrupted signature, a rewritten hash algorithm, a bad magic, version 2, trailing bytes.
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from conftest import TESTDATA

from techxfer.crypto.sshsig import PublicKey, parse_ssh_public_key, verify_sshsig, verify_sshsig_with_key
from techxfer.errors import SignatureError

VECTORS_DIR = TESTDATA / "openssh-sshsig"
NAMES = ["ecdsa", "ecdsa_sk", "ecdsa_sk_webauthn", "ed25519", "ed25519_sk", "rsa"]
MESSAGE = (VECTORS_DIR / "signed-data").read_bytes()
NAMESPACE = (VECTORS_DIR / "namespace").read_text()
BEGIN = b"-----BEGIN SSH SIGNATURE-----"
END = b"-----END SSH SIGNATURE-----"


def _pub_line(name: str) -> str:
    return (VECTORS_DIR / f"{name}.pub").read_text().strip()


def _sig(name: str) -> bytes:
    return (VECTORS_DIR / f"{name}.sig").read_bytes()


def _key(name: str) -> PublicKey:
    return parse_ssh_public_key(_pub_line(name))


# -- the SSHSIG structure, parsed and rebuilt independently of techxfer.crypto.sshsig ----------------

def _ssh_string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _read_string(data: bytes, pos: int) -> tuple[bytes, int]:
    (length,) = struct.unpack(">I", data[pos:pos + 4])
    end = pos + 4 + length
    assert end <= len(data), "test vector is malformed"
    return data[pos + 4:end], end


@dataclass
class Sshsig:
    magic: bytes
    version: int
    publickey: bytes
    namespace: bytes
    reserved: bytes
    hash_alg: bytes
    signature: bytes
    trailer: bytes = b""

    @classmethod
    def parse(cls, blob: bytes) -> Sshsig:
        magic = blob[:6]
        (version,) = struct.unpack(">I", blob[6:10])
        pos = 10
        fields: list[bytes] = []
        for _ in range(5):
            value, pos = _read_string(blob, pos)
            fields.append(value)
        assert pos == len(blob), "test vector has trailing bytes"
        return cls(magic, version, *fields)

    def build(self) -> bytes:
        return (self.magic + struct.pack(">I", self.version) + _ssh_string(self.publickey)
                + _ssh_string(self.namespace) + _ssh_string(self.reserved)
                + _ssh_string(self.hash_alg) + _ssh_string(self.signature) + self.trailer)

    def raw_signature_span(self) -> tuple[int, int]:
        """Offsets (within ``signature``) of the raw signature bytes after the type string."""
        _, pos = _read_string(self.signature, 0)
        raw, end = _read_string(self.signature, pos)
        return pos + 4, end


def unarmor(armored: bytes) -> bytes:
    text = armored.strip()
    assert text.startswith(BEGIN) and text.endswith(END)
    return base64.b64decode(b"".join(text[len(BEGIN):-len(END)].split()), validate=True)


def armor(blob: bytes) -> bytes:
    body = base64.b64encode(blob)
    lines = [body[i:i + 70] for i in range(0, len(body), 70)]
    return b"\n".join([BEGIN, *lines, END]) + b"\n"


def _parsed(name: str) -> Sshsig:
    return Sshsig.parse(unarmor(_sig(name)))


def test_vector_set_is_complete() -> None:
    present = sorted(p.stem for p in VECTORS_DIR.glob("*.sig"))
    assert present == sorted(NAMES)
    assert NAMESPACE == "unittest"
    for name in NAMES:
        assert armor(unarmor(_sig(name))).strip() == _sig(name).strip(), "re-armoring is lossless"


# -- acceptance ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", NAMES)
def test_vector_verifies_and_names_its_key(name: str) -> None:
    signer = verify_sshsig(_sig(name), MESSAGE, NAMESPACE)
    expected = _key(name)
    assert signer == expected
    assert signer.openssh() == " ".join(_pub_line(name).split()[:2])
    assert signer.fingerprint == expected.fingerprint
    verify_sshsig_with_key(_sig(name), MESSAGE, expected, NAMESPACE)


# -- rejection: another vector's key ---------------------------------------------------------

CROSS = [(sig, key) for sig in NAMES for key in NAMES if sig != key]


@pytest.mark.parametrize(("sig_name", "key_name"), CROSS,
                         ids=[f"{s}-sig-by-{k}-key" for s, k in CROSS])
def test_rejected_against_another_vectors_key(sig_name: str, key_name: str) -> None:
    assert _key(sig_name) != _key(key_name)
    with pytest.raises(SignatureError):
        verify_sshsig_with_key(_sig(sig_name), MESSAGE, _key(key_name), NAMESPACE)


# -- rejection: changed message --------------------------------------------------------------

def _flip_byte(data: bytes, index: int) -> bytes:
    out = bytearray(data)
    out[index] ^= 0x01
    return bytes(out)


MESSAGE_CHANGES: dict[str, Callable[[bytes], bytes]] = {
    "first-byte-flipped": lambda m: _flip_byte(m, 0),
    "middle-byte-flipped": lambda m: _flip_byte(m, len(m) // 2),
    "last-byte-flipped": lambda m: _flip_byte(m, len(m) - 1),
    "byte-appended": lambda m: m + b"\n",
    "last-byte-dropped": lambda m: m[:-1],
    "empty": lambda m: b"",
}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("change", list(MESSAGE_CHANGES))
def test_rejected_with_changed_message(name: str, change: str) -> None:
    message = MESSAGE_CHANGES[change](MESSAGE)
    assert message != MESSAGE
    with pytest.raises(SignatureError):
        verify_sshsig(_sig(name), message, NAMESPACE)


# -- rejection: another namespace ------------------------------------------------------------

OTHER_NAMESPACES = {"file": "file", "empty": "", "gitx": "gitx", "git": "git",
                    "prefix": "unittes", "suffix": "unittestx", "nul-suffix": "unittest\x00",
                    "upper": "UNITTEST"}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("namespace", list(OTHER_NAMESPACES))
def test_rejected_in_another_namespace(name: str, namespace: str) -> None:
    with pytest.raises(SignatureError):
        verify_sshsig(_sig(name), MESSAGE, OTHER_NAMESPACES[namespace])


# -- rejection: damaged signatures -----------------------------------------------------------

def _truncate_armor_body(name: str) -> bytes:
    """Drop the last line of the armor body, keep the END line."""
    lines = _sig(name).strip().split(b"\n")
    return b"\n".join([*lines[:-2], lines[-1]]) + b"\n"


def _truncate_armor_half(name: str) -> bytes:
    """Cut the body in the middle of a line; keep the END line."""
    lines = _sig(name).strip().split(b"\n")
    body = b"".join(lines[1:-1])
    return b"\n".join([lines[0], body[: len(body) // 2], lines[-1]]) + b"\n"


def _truncate_armor_end(name: str) -> bytes:
    """The file is cut off: no END line."""
    data = _sig(name)
    return data[: len(data) // 2]


def _truncate_blob(name: str) -> bytes:
    """Well-formed armor around a blob missing its last byte."""
    return armor(unarmor(_sig(name))[:-1])


def _corrupt_raw_signature(where: str) -> Callable[[str], bytes]:
    def mutate(name: str) -> bytes:
        sig = _parsed(name)
        start, end = sig.raw_signature_span()
        index = {"first": start, "middle": (start + end) // 2, "last": end - 1}[where]
        sig.signature = _flip_byte(sig.signature, index)
        return armor(sig.build())
    return mutate


def _corrupt_blob_last_byte(name: str) -> bytes:
    blob = unarmor(_sig(name))
    return armor(_flip_byte(blob, len(blob) - 1))


def _swap_hash_alg(name: str) -> bytes:
    sig = _parsed(name)
    sig.hash_alg = {b"sha512": b"sha256", b"sha256": b"sha512"}[sig.hash_alg]
    return armor(sig.build())


def _hash_alg(value: bytes) -> Callable[[str], bytes]:
    def mutate(name: str) -> bytes:
        sig = _parsed(name)
        sig.hash_alg = value
        return armor(sig.build())
    return mutate


def _bad_magic(name: str) -> bytes:
    sig = _parsed(name)
    sig.magic = b"SSHSIH"
    return armor(sig.build())


def _version(version: int) -> Callable[[str], bytes]:
    def mutate(name: str) -> bytes:
        sig = _parsed(name)
        sig.version = version
        return armor(sig.build())
    return mutate


def _trailing(garbage: bytes) -> Callable[[str], bytes]:
    def mutate(name: str) -> bytes:
        sig = _parsed(name)
        sig.trailer = garbage
        return armor(sig.build())
    return mutate


def _reserved(name: str) -> bytes:
    """The reserved field is covered by the signature."""
    sig = _parsed(name)
    sig.reserved = b"x"
    return armor(sig.build())


def _namespace_in_blob(name: str) -> bytes:
    """The namespace rewritten inside the blob to the one asked for is still refused."""
    sig = _parsed(name)
    sig.namespace = b"unittesx"
    return armor(sig.build())


def _other_key_in_blob(name: str) -> bytes:
    """Another vector's public key substituted into the blob."""
    sig = _parsed(name)
    other = NAMES[(NAMES.index(name) + 1) % len(NAMES)]
    sig.publickey = _key(other).blob
    return armor(sig.build())


def _armor_text_after_end(name: str) -> bytes:
    return _sig(name).strip() + b"\ngarbage\n"


def _armor_missing(name: str) -> bytes:
    return base64.b64encode(unarmor(_sig(name)))


MUTATIONS: dict[str, Callable[[str], bytes]] = {
    "truncated-armor-last-line": _truncate_armor_body,
    "truncated-armor-mid-line": _truncate_armor_half,
    "truncated-armor-no-end": _truncate_armor_end,
    "truncated-blob": _truncate_blob,
    "corrupt-raw-sig-first-byte": _corrupt_raw_signature("first"),
    "corrupt-raw-sig-middle-byte": _corrupt_raw_signature("middle"),
    "corrupt-raw-sig-last-byte": _corrupt_raw_signature("last"),
    "corrupt-blob-last-byte": _corrupt_blob_last_byte,
    "hash-alg-swapped": _swap_hash_alg,
    "hash-alg-sha1": _hash_alg(b"sha1"),
    "hash-alg-empty": _hash_alg(b""),
    "bad-magic": _bad_magic,
    "version-2": _version(2),
    "version-0": _version(0),
    "trailing-garbage": _trailing(b"\x00\x00\x00\x00"),
    "trailing-one-byte": _trailing(b"x"),
    "reserved-changed": _reserved,
    "namespace-in-blob-changed": _namespace_in_blob,
    "other-key-in-blob": _other_key_in_blob,
    "armor-text-after-end": _armor_text_after_end,
    "armor-missing": _armor_missing,
}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_rejected_damaged_signature(name: str, mutation: str) -> None:
    damaged = MUTATIONS[mutation](name)
    assert damaged != _sig(name)
    with pytest.raises(SignatureError):
        verify_sshsig(damaged, MESSAGE, NAMESPACE)


@pytest.mark.parametrize("name", NAMES)
def test_namespace_rewritten_to_the_expected_one_is_refused(name: str) -> None:
    """Rewriting the blob's namespace to what the verifier expects breaks the signature."""
    sig = _parsed(name)
    sig.namespace = b"git"
    with pytest.raises(SignatureError):
        verify_sshsig(armor(sig.build()), MESSAGE, "git")


@pytest.mark.parametrize("name", NAMES)
def test_rebuilt_vector_still_verifies(name: str) -> None:
    """The test's own parser rebuilds each vector byte for byte, so every mutation above
    changes exactly what it says and nothing else."""
    blob = unarmor(_sig(name))
    assert Sshsig.parse(blob).build() == blob
    assert verify_sshsig(armor(Sshsig.parse(blob).build()), MESSAGE, NAMESPACE) == _key(name)


def _webauthn_fields() -> tuple[Sshsig, int, bytes, int, bytes]:
    """The webauthn vector with offsets of its origin and clientData inside ``signature``."""
    sig = _parsed("ecdsa_sk_webauthn")
    start, end = sig.raw_signature_span()
    pos = end + 1 + 4  # flags, counter
    origin, after_origin = _read_string(sig.signature, pos)
    client_data, _ = _read_string(sig.signature, after_origin)
    return sig, pos + 4, origin, after_origin + 4, client_data


WEBAUTHN_CHANGES = ["origin-byte-flipped", "client-data-challenge-flipped",
                    "client-data-type-flipped"]


@pytest.mark.parametrize("change", WEBAUTHN_CHANGES)
def test_webauthn_envelope_changes_are_refused(change: str) -> None:
    sig, origin_at, origin, client_at, client_data = _webauthn_fields()
    assert origin == b"https://www.mindrot.org"
    if change == "origin-byte-flipped":
        index = origin_at + len(origin) - 1
    elif change == "client-data-challenge-flipped":
        index = client_at + client_data.index(b'"challenge":"') + 20
    else:
        index = client_at + client_data.index(b"webauthn.get") + 9
    sig.signature = _flip_byte(sig.signature, index)
    with pytest.raises(SignatureError):
        verify_sshsig(armor(sig.build()), MESSAGE, NAMESPACE)
