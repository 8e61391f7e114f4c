"""Who signed: a commit's signature verified in-process, and its key resolved to one person.

Pure functions over a commit's signature bytes, its parent and own snapshots, and the
configuration in force at its parent. They return findings; they never raise for a
problem in the history (that is a finding), only for a broken repository.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from techxfer.errors import SignatureError
from techxfer.findings import Code, Finding
from techxfer.model.parties import Signer, short_key
from techxfer.state.config import Config


def bad_signature(commit: str, message: str) -> Finding:
    return Finding(Code.BAD_SIGNATURE, None, f"the signature does not verify: {message}", commit)


@dataclass(frozen=True)
class SignatureCheck:
    signer: Signer | None
    finding: Finding | None
    key_kind: str | None = None


Identified = tuple[str, str | None] | Finding  # (key kind, identity), or why there is none


class SignatureChecker:
    """Verifies commit signatures in-process and resolves the key to its holder."""

    def __init__(self) -> None:
        self._pgp: dict[tuple[str, ...], object] = {}

    def check(self, commit: str, signature: tuple[bytes, bytes] | None, config: Config | None,
              when: datetime) -> SignatureCheck:
        return self.resolve(commit, self.identify(commit, signature, config), config, when)

    def identify(self, commit: str, signature: tuple[bytes, bytes] | None,
                 config: Config | None) -> Identified:
        """The key that made a good signature, as (kind, identity), or the finding."""
        from techxfer.crypto import signatures

        if signature is None:
            return Finding(Code.UNSIGNED_COMMIT, None, "the commit carries no signature", commit)
        sig, payload = signature
        try:
            if signatures.signature_kind(sig) == "ssh":
                return "ssh", signatures.verify_sshsig(sig, payload, "git").openssh()
            return "openpgp", self._openpgp(config).verify(sig, payload)
        except SignatureError as exc:
            return bad_signature(commit, exc.message)

    def resolve(self, commit: str, identified: Identified, config: Config | None,
                when: datetime) -> SignatureCheck:
        """Who holds the key in the parties in force, and was it valid at WHEN."""
        if isinstance(identified, Finding):
            return SignatureCheck(None, identified)
        kind, identity = identified
        if identity is None:
            return SignatureCheck(None, Finding(Code.UNKNOWN_KEY, None,
                                                "signed with an OpenPGP key nobody holds", commit))
        if config is None:
            return SignatureCheck(None, Finding(
                Code.UNKNOWN_KEY, None,
                f"signed with a key that belongs to nobody in the parties in force ({short_key(identity)})",
                commit), kind)
        holder = resolve_key(config, kind, identity, when)
        finding = Finding(holder.code, None, holder.problem, commit) if holder.code else None
        return SignatureCheck(holder.signer, finding, kind)

    def _openpgp(self, config: Config | None) -> _PgpVerifier:
        from techxfer.crypto import signatures

        armored = tuple(sorted(s.key.armored or "" for s in (config.parties.signers() if config else [])
                               if s.key.kind == "openpgp"))
        if armored not in self._pgp:
            self._pgp[armored] = signatures.OpenPGPVerifier(list(armored))
        return _PgpVerifier(self._pgp[armored])

    def close(self) -> None:
        for verifier in self._pgp.values():
            getattr(verifier, "close", lambda: None)()


@dataclass(frozen=True)
class _PgpVerifier:
    inner: object

    def verify(self, sig: bytes, payload: bytes) -> str | None:
        fpr: str = getattr(self.inner, "verify")(sig, payload)  # noqa: B009
        return fpr.upper() if fpr else None


@dataclass(frozen=True)
class KeyHolder:
    """The one person holding a key at a time, or what is wrong (``code``, ``problem``).

    ``signer`` is set when the key has one holder, even if the key was not valid then."""

    signer: Signer | None
    code: Code | None = None
    problem: str = ""


def resolve_key(config: Config, kind: str, identity: str, when: datetime) -> KeyHolder:
    """From a key to its holder in ``parties.yaml``: the one rule, for verify and commands.

    The signer is identified by the key alone, never by author or committer text; an
    OpenPGP key may be named by a fingerprint suffix (a configured key id)."""
    if kind == "openpgp":
        wanted = identity.upper()
        holders = [s for s in config.parties.signers()
                   if s.key.kind == "openpgp" and s.key.identity.endswith(wanted)]
    else:
        holders = config.parties.find_key(identity)
    if not holders:
        return KeyHolder(None, Code.UNKNOWN_KEY, "signed with a key that belongs to nobody in the "
                         f"parties in force ({short_key(identity)})")
    people = sorted({f"{h.party.id}:{h.person.id}" for h in holders})
    if len(people) > 1:
        return KeyHolder(None, Code.SHARED_KEY, f"signed with a key listed for several people "
                         f"({', '.join(people)}); it identifies nobody")
    valid = [h for h in holders if h.key.valid_at(when)]
    if not valid:
        h = holders[0]
        return KeyHolder(h, Code.KEY_NOT_VALID, f"{h.party.id}:{h.person.id} signed at "
                         f"{when.isoformat(timespec='seconds')} with a key valid {h.key.window()}")
    return KeyHolder(valid[0])
