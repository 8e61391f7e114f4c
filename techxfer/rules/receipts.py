"""The server's receipt log judged, and the time it gives each commit (DESIGN section 10).

A signer writes its own commit date; the server's post-receive hook writes, after every
accepted push, a receipt with the server's clock, signed by the witness key, chained to
the receipt before it. Here:

1. the chain: one parent each, every receipt readable and its signature verifying in-
   process, the server's time never going back, each ref moving on from where the last
   receipt left it, a push certificate verifying and carrying the updates recorded;
   the chain is trusted up to its first broken receipt, never past it;
2. the witnesses: each trusted receipt's key is a witness of the parties in force (at the
   audited tip for the findings, once those parties list any witness; at a commit's
   parent for the time it gives that commit, the same parties that judge the commit's
   signer), inside its validity window then;
3. the time of a commit: the server time of the first trusted receipt whose update of a
   protected branch made the commit reachable. Other rules judge the commit at the later
   of its own effective time and that one; a commit dated after its receipt (beyond the
   skew) is TIME_INCONSISTENT; with ``require``, a commit no receipt covers is UNWITNESSED;
4. a log rewritten since the last audit on this machine (its tip then no longer in it) is
   HISTORY_REWRITTEN (the tip is kept in the user's cache directory, not the repository).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from techxfer.errors import GitError, SignatureError
from techxfer.findings import Code, Finding, Msg, msg
from techxfer.format.layout import CONFIG_DIR, RECEIPTS_REF
from techxfer.git.repo import GitRepo
from techxfer.model.parties import short_key
from techxfer.model.receipt import Receipt, is_zero
from techxfer.rules.push_certificate import certificate_problems
from techxfer.rules.wording import key_window
from techxfer.state.config import Config
from techxfer.state.receipts import Chain, Link, last_seen, read_chain, remember


def _shown(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


@dataclass(frozen=True)
class Witnessed:
    """A receipt whose signature verified, and the key that made it (``algo base64``)."""

    receipt: Receipt
    key: str


def _verify_receipt(link: Link) -> tuple[str | None, Finding | None]:
    """Step 1 for one receipt's own signature: the witness's key, or the finding."""
    from techxfer.crypto.signatures import signature_kind, verify_sshsig

    def bad(message: Msg) -> Finding:
        return Finding.of(Code.BAD_SIGNATURE, RECEIPTS_REF, message, link.commit)

    if link.signature is None:
        return None, bad(msg("receipt.unsigned", "the receipt is not signed: only the server's "
                             "witness writes receipts"))
    sig, payload = link.signature
    try:
        if signature_kind(sig) != "ssh":
            return None, bad(msg("receipt.not_ssh", "the receipt is not signed with an SSH key, "
                                 "as a witness signs"))
        return verify_sshsig(sig, payload, "git").openssh(), None
    except SignatureError as exc:
        return None, bad(msg("receipt.bad_signature", "the receipt's signature does not verify: "
                             "{detail}", detail=exc.message))


class ReceiptLog:
    """The receipt log of a repository, checked once; asked for each commit's time."""

    def __init__(self, repo: GitRepo, chain: Chain, protected: Iterable[str], *,
                 require: bool = False) -> None:
        self.repo = repo
        self.chain = chain
        self.require = require
        self.protected = {f"refs/heads/{b}" for b in protected}
        self.problems: list[Finding] = []
        self.trusted: list[Witnessed] = []
        self.status: dict[str, str] = {}  # receipt commit → "verified" or the code found
        self._first: dict[str, Witnessed] | None = None
        self._check_chain()

    @classmethod
    def load(cls, repo: GitRepo, protected: Iterable[str], *, require: bool = False,
             seen: Path | None = None) -> ReceiptLog:
        """Read and check ``refs/techxfer/receipts``; SEEN, the cache folder where the last
        audit left the tip it saw (None: compare with nothing, remember nothing)."""
        log = cls(repo, read_chain(repo), protected, require=require)
        log._check_rewritten(seen)
        return log

    # -- 1) the chain ----------------------------------------------------------------------
    def _problem(self, code: Code, message: Msg, commit: str | None) -> None:
        self.problems.append(Finding.of(code, RECEIPTS_REF, message, commit))
        if commit is not None:
            self.status.setdefault(commit, code.value)

    def _check_chain(self) -> None:
        chain = self.chain
        intact = chain.broken is None
        if chain.broken is not None:
            first = chain.links[0].commit if chain.links else chain.tip
            self._problem(Code.RECEIPT_INVALID, msg("receipt.chain_broken", "the receipt log is "
                                                    "broken: {detail}", detail=chain.broken), first)
        previous: datetime | None = None
        where: dict[str, str] = {}  # ref → where the last receipt left it
        for link in chain.links:
            if len(link.parents) > 1:
                self._problem(Code.RECEIPT_INVALID, msg(
                    "receipt.parents", "a receipt with {n} parents: the log is one chain, each "
                    "receipt on the one before", n=len(link.parents)), link.commit)
                intact = False
            if link.receipt is None:
                self._problem(Code.RECEIPT_INVALID, msg(
                    "receipt.unreadable", "a receipt that cannot be read: {detail}",
                    detail=link.problem), link.commit)
                intact = False
                continue
            key, bad = _verify_receipt(link)
            if bad is not None or key is None:
                if bad is not None:
                    self.problems.append(bad)
                    self.status.setdefault(link.commit, bad.code.value)
                intact = False
                continue
            receipt = link.receipt
            if previous is not None and receipt.server_time < previous:
                self._problem(Code.TIME_INCONSISTENT, msg(
                    "receipt.time_back", "the server's time goes back: {when}, after a receipt "
                    "of {previous}", when=_shown(receipt.server_time), previous=_shown(previous)),
                    link.commit)
            previous = max(previous or receipt.server_time, receipt.server_time)
            for update in receipt.updates:
                last = where.get(update.ref)
                if last is not None and last != update.old:
                    self._problem(Code.RECEIPT_INVALID, msg(
                        "receipt.gap", "{ref} moved from {last} to {old} with no receipt: the log "
                        "has a gap", ref=update.ref, last=last[:10], old=update.old[:10]),
                        link.commit)
                where[update.ref] = update.new
            for code, problem in certificate_problems(receipt):
                self._problem(code, problem, link.commit)
            if intact:
                self.trusted.append(Witnessed(receipt, key))
                self.status.setdefault(link.commit, "verified")
            else:
                self.status.setdefault(link.commit, "after a broken receipt")

    # -- 4) a log rewritten since the last audit here -----------------------------------------
    def _check_rewritten(self, seen: Path | None) -> None:
        last = last_seen(seen)
        tip = self.chain.tip
        if last is not None and (tip is None or not self.repo.has_commit(last)
                                 or not self.repo.is_ancestor(last, tip)):
            self.problems.append(Finding.of(Code.HISTORY_REWRITTEN, RECEIPTS_REF, msg(
                "receipt.rewritten", "the receipt log was rewritten: its tip {last}, seen by an "
                "earlier audit on this machine, is no longer in it (a receipt log only grows)",
                last=last[:10]), tip))
            return
        if tip is not None and not self.problems:
            remember(seen, tip)

    # -- 2) the witnesses --------------------------------------------------------------------
    @staticmethod
    def trusted_by(witnessed: Witnessed, config: Config | None) -> bool:
        """Is the key a witness of CONFIG, valid at the receipt's time?"""
        if config is None:
            return False
        when = witnessed.receipt.server_time
        return any(w.key.valid_at(when) for w in config.parties.find_witness(witnessed.key))

    def findings(self, config: Config | None) -> list[Finding]:
        """Every problem of the log, with each trusted receipt's witness judged by CONFIG
        (the parties in force at the audited tip). Parties that list no witness yet have
        not agreed on one: their receipts are evidence of nothing (``judge`` uses none),
        and are not judged here, so installing a witness before the parties approve it
        breaks no audit."""
        out = list(self.problems)
        if config is None or not config.parties.witnesses:
            return out
        for w in self.trusted:
            holders = config.parties.find_witness(w.key)
            commit = w.receipt.commit
            if not holders:
                out.append(Finding.of(Code.UNKNOWN_KEY, RECEIPTS_REF, msg(
                    "receipt.unknown_witness", "a receipt signed with a key that is no witness in "
                    "the parties in force ({key})", key=short_key(w.key)), commit))
            elif not any(h.key.valid_at(w.receipt.server_time) for h in holders):
                h = holders[0]
                out.append(Finding.of(Code.KEY_NOT_VALID, RECEIPTS_REF, msg(
                    "receipt.witness_key", "witness {id} signed a receipt at {when} with a key "
                    "valid {window}", id=h.id, when=_shown(w.receipt.server_time),
                    window=key_window(h.key)), commit))
        return out

    # -- 3) the time of a commit ---------------------------------------------------------------
    def _coverage(self) -> dict[str, Witnessed]:
        """Commit → the first trusted receipt whose protected-branch update made it reachable."""
        if self._first is None:
            first: dict[str, Witnessed] = {}
            tips: dict[str, str] = {}  # protected ref → its tip at the last receipt
            for w in self.trusted:
                for update in w.receipt.updates:
                    if update.ref not in self.protected or is_zero(update.new) \
                            or not self.repo.has_commit(update.new):
                        continue
                    for commit in self.repo.walk(update.new, hide=list(tips.values())):
                        first.setdefault(commit, w)
                    tips[update.ref] = update.new
            self._first = first
        return self._first

    def receipt_for(self, commit: str) -> Witnessed | None:
        return self._coverage().get(commit)

    def received_at(self, commit: str, config: Config | None = None) -> datetime | None:
        """The server time of the first trusted receipt that made COMMIT reachable from a
        protected branch; with CONFIG, only if its key is a witness there."""
        found = self.receipt_for(commit)
        if found is None or (config is not None and not self.trusted_by(found, config)):
            return None
        return found.receipt.server_time

    def judge(self, commit: str, own: datetime, configs: Sequence[Config | None],
              allowed: timedelta) -> tuple[datetime | None, list[Finding]]:
        """Step 3 for one commit: its receipt time (only from a witness of every parties
        in force at its parents) and the findings about it."""
        found = self.receipt_for(commit)
        if found is None or not all(self.trusted_by(found, c) for c in configs):
            if not self.require:
                return None, []
            return None, [Finding.of(Code.UNWITNESSED, None, msg(
                "receipt.none", "no receipt of the server's witness shows when this commit "
                "reached a protected branch"), commit)]
        when = found.receipt.server_time
        if own > when + allowed:
            return when, [Finding.of(Code.TIME_INCONSISTENT, None, msg(
                "receipt.dated_after", "dated {own}, after the server received it at {when} "
                "(receipt {receipt})", own=_shown(own), when=_shown(when),
                receipt=found.receipt.commit[:10]), commit)]
        return when, []


def protected_branches(repo: GitRepo, rev: str) -> set[str]:
    """The branches whose receipts count: git config ``techxfer.protectedBranches`` and
    ``repo.yaml`` ``protected_branches`` at REV."""
    from techxfer.errors import TechxferError
    from techxfer.state.cache import BlobCache
    from techxfer.state.config import load_config
    from techxfer.state.snapshot import GitSnapshot

    protected = set(repo.protected_branches())
    try:
        commit = repo.resolve(rev)
        _, entries = repo.subtree(commit, CONFIG_DIR)
        config = load_config(GitSnapshot(repo, entries, f"commit {commit[:10]}", BlobCache(None)))
    except TechxferError:
        return protected  # a broken configuration is the audit's finding
    return protected | set(config.repo.protected_branches)


def receipt_log(repo: GitRepo, rev: str = "HEAD", *, require: bool = False,
                seen: Path | None = None) -> ReceiptLog | None:
    """The repository's receipt log, checked, for an audit or a report at REV; None when
    there is none, none is required, and no earlier audit here saw one (a log deleted
    since is HISTORY_REWRITTEN)."""
    if not require and last_seen(seen) is None:
        try:
            repo.resolve(RECEIPTS_REF)
        except GitError:
            return None
    return ReceiptLog.load(repo, protected_branches(repo, rev), require=require, seen=seen)
