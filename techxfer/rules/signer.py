"""Who signed: a commit's signature verified in-process, and its key resolved to one person.

Pure functions over a commit's signature bytes, its parent and own snapshots, and the
configuration in force at its parent. They return findings; they never raise for a
problem in the history (that is a finding), only for a broken repository.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from techxfer.errors import SignatureError
from techxfer.findings import Code, Finding, Msg, msg
from techxfer.model.parties import Signer, short_key
from techxfer.rules.wording import key_window
from techxfer.state.config import Config


def bad_signature(commit: str, message: str) -> Finding:
    return Finding.of(Code.BAD_SIGNATURE, None, msg(
        "signature.bad", "the signature does not verify: {detail}", detail=message), commit)


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
            return Finding.of(Code.UNSIGNED_COMMIT, None,
                              msg("signature.none", "the commit carries no signature"), commit)
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
            return SignatureCheck(None, Finding.of(Code.UNKNOWN_KEY, None, msg(
                "key.pgp_nobody", "signed with an OpenPGP key nobody holds"), commit))
        if config is None:
            return SignatureCheck(None, Finding.of(Code.UNKNOWN_KEY, None, _nobody(identity),
                                                   commit), kind)
        holder = resolve_key(config, kind, identity, when)
        finding = Finding.of(holder.code, None, holder.said, commit) \
            if holder.code and holder.said else None
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
    said: Msg | None = None

    @property
    def problem(self) -> str:
        return self.said.text if self.said else ""


def _nobody(identity: str) -> Msg:
    return msg("key.nobody", "signed with a key that belongs to nobody in the parties in force "
               "({key})", key=short_key(identity))


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
        return KeyHolder(None, Code.UNKNOWN_KEY, _nobody(identity))
    people = sorted({f"{h.party.id}:{h.person.id}" for h in holders})
    if len(people) > 1:
        return KeyHolder(None, Code.SHARED_KEY, msg(
            "key.several", "signed with a key listed for several people ({people}); it "
            "identifies nobody", people=", ".join(people)))
    valid = [h for h in holders if h.key.valid_at(when)]
    if not valid:
        h = holders[0]
        return KeyHolder(h, Code.KEY_NOT_VALID, msg(
            "key.outside", "{who} signed at {when} with a key valid {window}",
            who=f"{h.party.id}:{h.person.id}", when=when.isoformat(timespec="seconds"),
            window=key_window(h.key)))
    return KeyHolder(valid[0])
