"""A push certificate (``git push --signed``) judged: who signed it, and whether it binds
the ref updates a receipt records (DESIGN section 10).

The server asks ``certificate_holder`` before it accepts a signed push (the key must be a
listed person's, valid now); the audit asks ``certificate_problems`` of every receipt that
carries one, without the parties (an OpenPGP certificate was checked by the server).
"""

from __future__ import annotations

from datetime import datetime

from techxfer.errors import SignatureError
from techxfer.findings import Code, Msg, msg
from techxfer.model.parties import Signer, short_key
from techxfer.model.receipt import Receipt, split_certificate
from techxfer.rules.signer import SignatureChecker
from techxfer.state.config import Config


def certificate_holder(certificate: bytes, config: Config | None, when: datetime
                       ) -> tuple[Signer | None, str | None, str | None]:
    """Who signed a push certificate, judged like a commit's signer by CONFIG at WHEN:
    (the person, the key, None), or what is wrong as the last item."""
    signer, key, problem = certificate_signer(certificate, config, when)
    return signer, key, problem.text if problem is not None else None


def certificate_signer(certificate: bytes, config: Config | None, when: datetime
                       ) -> tuple[Signer | None, str | None, Msg | None]:
    """``certificate_holder`` with what is wrong by message id, for a report in another language."""
    payload, sig = split_certificate(certificate)
    if not sig:
        return None, None, msg("push.no_signature", "the push certificate carries no signature")
    checker = SignatureChecker()
    try:
        identified = checker.identify("push certificate", (sig, payload), config)
        check = checker.resolve("push certificate", identified, config, when)
    finally:
        checker.close()
    key = identified[1] if isinstance(identified, tuple) else None
    if check.finding is not None:
        return check.signer, key, check.finding.said or msg("push.problem", "{detail}",
                                                             detail=check.finding.message)
    return check.signer, key, None


def certificate_problems(receipt: Receipt) -> list[tuple[Code, Msg]]:
    """Step 1 for a signed push: the certificate verifies (SSH keys here; an OpenPGP one
    was checked by the server), its nonce was the server's own, and it carries every
    update the receipt records."""
    from techxfer.crypto.signatures import signature_kind, verify_sshsig

    cert = receipt.certificate
    if cert is None:
        return []
    out: list[tuple[Code, Msg]] = []
    if cert.nonce_status != "OK":
        out.append((Code.RECEIPT_INVALID, msg(
            "push.nonce", "the push certificate's nonce was {status}, not OK: it may be a replay "
            "of another push", status=cert.nonce_status)))
    if cert.text is None:
        return out
    payload, sig = split_certificate(cert.text)
    try:
        if signature_kind(sig) == "ssh":
            key = verify_sshsig(sig, payload, "git").openssh()
            if cert.key is not None and cert.key.startswith(("ssh-", "ecdsa-", "sk-")) \
                    and " ".join(cert.key.split()[:2]) != key:
                out.append((Code.BAD_SIGNATURE, msg(
                    "push.other_key", "the push certificate was signed with {key}, not the key "
                    "the receipt names ({named})", key=short_key(key), named=short_key(cert.key))))
    except SignatureError as exc:
        out.append((Code.BAD_SIGNATURE, msg(
            "push.bad_signature", "the push certificate's signature does not verify: {detail}",
            detail=exc.message)))
    signed = cert.commands()
    unsigned = [u.ref for u in receipt.updates if (u.old, u.new, u.ref) not in signed]
    if unsigned:
        out.append((Code.RECEIPT_INVALID, msg(
            "push.unsigned_updates", "updates the pusher did not sign in the push certificate: "
            "{refs}", refs=", ".join(unsigned))))
    return out
