"""Judging one commit: who signed it, and may they change what it changes.

Pure functions over a commit's signature bytes, its parent and own snapshots, and the
configuration in force at its parent. They return findings; they never raise for a
problem in the history (that is a finding), only for a broken repository.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from techxfer.errors import SignatureError
from techxfer.findings import Code, Finding
from techxfer.format.layout import (
    CONFIG_DIR,
    DISPOSITIONS_DIR,
    DISTRIBUTIONS_DIR,
    HOLDS_DIR,
    is_manifest,
    parse_record_path,
)
from techxfer.model.parties import Signer
from techxfer.rules.identity import holds_role
from techxfer.rules.register import manifest_delta
from techxfer.state.config import Config
from techxfer.state.snapshot import Snapshot


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
        holders = config.parties.find_key(identity) if config else []
        if not holders:
            short = identity if len(identity) < 50 else f"{identity[:24]}…{identity[-12:]}"
            return SignatureCheck(None, Finding(
                Code.UNKNOWN_KEY, None,
                f"signed with a key that belongs to nobody in the parties in force ({short})",
                commit), kind)
        if len({(h.party.id, h.person.id) for h in holders}) > 1:
            names = ", ".join(sorted(f"{h.party.id}:{h.person.id}" for h in holders))
            return SignatureCheck(None, Finding(
                Code.SHARED_KEY, None,
                f"signed with a key listed for several people ({names}); it identifies nobody",
                commit), kind)
        valid = [h for h in holders if h.key.valid_at(when)]
        if not valid:
            h = holders[0]
            return SignatureCheck(h, Finding(
                Code.KEY_NOT_VALID, None,
                f"{h.party.id}:{h.person.id} signed at {when.isoformat(timespec='seconds')} "
                f"with a key valid {h.key.window()}", commit), kind)
        return SignatureCheck(valid[0], None, kind)

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


def judged_paths(changed: Iterable[str], before: Snapshot, after: Snapshot
                 ) -> Iterator[tuple[str, str]]:
    """(path whose rule judges, what changed) for every change of a commit (DESIGN 1.3)."""
    for path in sorted(changed):
        if parse_record_path(path) is not None or path.startswith(
                (HOLDS_DIR, DISPOSITIONS_DIR, DISTRIBUTIONS_DIR)):
            continue  # records are judged by their own roles
        if is_manifest(path):
            for old, new in manifest_delta(before, after, path):
                for entry in (old, new):
                    if entry is not None:
                        yield entry.path, f"register entry {entry.id} in {path}"
            continue
        yield path, path


def authorize(commit: str, signer: Signer, config: Config, changed: Iterable[str],
              before: Snapshot, after: Snapshot) -> list[Finding]:
    findings: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    who = f"{signer.party.id}:{signer.person.id}"
    for rule_path, what in judged_paths(changed, before, after):
        if (rule_path, what) in seen:
            continue
        seen.add((rule_path, what))
        rule = config.policy.rule_for(rule_path)
        if rule is None:
            findings.append(Finding(Code.UNAUTHORIZED_CHANGE, rule_path,
                                    f"{what}: no policy rule covers this path, so nobody may "
                                    f"change it (changed by {who})", commit))
        elif holds_role(config, signer, rule.write) is None:
            allowed = ", ".join(map(str, rule.write)) or "nobody"
            findings.append(Finding(Code.UNAUTHORIZED_CHANGE, rule_path,
                                    f"{what}: changed by {who} ({', '.join(signer.person.roles)}); "
                                    f"{rule.label()} allows {allowed}", commit))
    return findings


def config_paths_changed(changed: Iterable[str]) -> list[str]:
    return sorted(p for p in changed
                  if p.startswith(CONFIG_DIR + "/") and not p.startswith(HOLDS_DIR))
