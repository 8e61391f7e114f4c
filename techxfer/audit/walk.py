"""``techxfer verify``: the whole history, judged commit by commit (DESIGN section 4).

Ordered steps for every commit, parents first:
 1. the signature verifies, in-process, and its key belongs to one person of the parties
    in force at the parent, inside the key's validity window at the commit time;
 2. that person may change every path the commit changes (rules in force at the parent;
    manifest entries judged by the file they list);
 3. the register of the new state holds for what changed (schemas, listing, hashes, ids,
    unsafe paths, read restrictions);
 4. transfer and acknowledgement records are well-formed, signed by the right party and
    role, immutable, and bound to the content they name;
 5. records are not removed without a disposition;
 6. the configuration in force moves on only by an authorised change, approved by the
    other party where the rule asks for approval.
After the walk: acknowledgements past their deadline, changes never approved.
Findings are collected; nothing stops the walk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from techxfer.audit._changes import TreeChanges
from techxfer.audit._sigworker import AheadSignatures
from techxfer.errors import ConfigError, GitError, UsageError
from techxfer.findings import Code, Finding
from techxfer.format.layout import CONFIG_DIR
from techxfer.git.repo import CommitInfo, Entry, GitRepo
from techxfer.model.times import from_git_time, now
from techxfer.rules.authorisation import authorize, config_paths_changed
from techxfer.rules.records import RecordBook
from techxfer.rules.register import State, check_state
from techxfer.rules.signer import Identified, SignatureChecker, bad_signature
from techxfer.state.cache import BlobCache
from techxfer.state.config import Config, in_force_digest, load_config
from techxfer.state.snapshot import GitSnapshot, ParentView, Snapshot

Progress = Callable[[int, int], None]


@dataclass
class PolicyState:
    """The configuration in force after a commit, and proposals awaiting approval."""

    config: Config | None
    digest: str | None
    proposals: dict[str, tuple[str, Config]] = field(default_factory=dict)  # digest → (commit, cfg)


@dataclass
class CommitState:
    snap: GitSnapshot
    policy: PolicyState


@dataclass
class AuditResult:
    root: str
    tip: str
    commits: int = 0
    findings: list[Finding] = field(default_factory=list)
    transfers: int = 0
    acknowledgements: int = 0
    pending: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_json(self) -> dict[str, object]:
        return {"ok": self.ok, "commits": self.commits, "root": self.root, "tip": self.tip,
                "transfers": self.transfers, "acknowledgements": self.acknowledgements,
                "pending": self.pending,
                "findings": [f.as_json() for f in self.findings]}


def trust_root(repo: GitRepo, tip: str, given: str | None) -> str:
    """``--trust-root``, else git config ``techxfer.trustRoot``, else the first commit.

    Recomputed on every run, never read from a cache: the audited party controls every
    file under ``.git/``. A named trust root must be a commit without parents."""
    rev = given or repo.config_get("techxfer.trustRoot")
    if rev:
        root = repo.resolve(rev)
        if repo.commit_info(root).parents:
            raise UsageError(f"the trust root {rev} ({root[:10]}) has parents; a trust root is the "
                             "first commit of a history",
                             hint="name a commit without parents (git rev-list --max-parents=0 HEAD)")
        return root
    roots = repo.roots(tip)
    if not roots:
        raise GitError("no root commit found")
    return roots[0]


def _merge_changes(per_parent: list[dict[str, Entry | None]]) -> set[str]:
    """Paths whose merged content is in no parent: what the merge itself introduced."""
    candidates = set().union(*per_parent)
    return {p for p in candidates if all(p in changes for changes in per_parent)}


class Auditor:
    def __init__(self, repo: GitRepo, cache: BlobCache, *, as_of: datetime | None = None,
                 progress: Progress | None = None) -> None:
        self.repo = repo
        self.cache = cache
        self.as_of = as_of or now()
        repo.stream_objects()
        self.progress = progress
        self.signatures = SignatureChecker()
        self.reported: set[tuple[str, str | None, str]] = set()
        self.infos: dict[str, CommitInfo] = {}
        self.changes = TreeChanges(repo, [])
        self.ahead = AheadSignatures(repo, ())

    def run(self, tip_rev: str = "HEAD", root_rev: str | None = None, *,
            resume: bool = False, only: set[str] | None = None) -> AuditResult:
        """Walk from the trust root to ``tip_rev``.

        ``resume`` starts from the newest saved checkpoint that is an ancestor of the tip
        (hooks use this); ``verify`` walks everything. ``only`` keeps just the findings of
        those commits (the commits being pushed).
        """
        tip = self.repo.resolve(tip_rev)
        root = trust_root(self.repo, tip, root_rev)
        result = AuditResult(root, tip)
        # A checkpoint of this root was saved by a walk from the root, so the root is an
        # ancestor of it, and it of the tip: the costly ancestry test (a walk of the whole
        # history, 60 ms at 10,000 commits) is needed only without one.
        start = self._resume(root, tip) if resume else None
        if start is None and not self.repo.is_ancestor(root, tip):
            result.findings.append(Finding(
                Code.HISTORY_REWRITTEN, None,
                f"the trust root {root[:10]} is not an ancestor of {tip_rev} ({tip[:10]}): the "
                "history was rewritten or this is another repository", tip))
            return result
        states: dict[str, CommitState] = {}
        book = RecordBook()
        hide = list(self.repo.commit_info(root).parents)
        if start is not None:
            commit, saved = start
            states[commit] = CommitState(
                GitSnapshot(self.repo, saved["entries"], f"commit {commit[:10]}", self.cache),
                saved["policy"])
            book = saved["book"]
            self.reported = saved["reported"]
            result.findings.extend(saved["findings"])
            result.commits = saved["commits"]
            hide = [commit]
        order = list(self.repo.walk_info(tip, hide=hide)) if tip not in states else []
        self.infos = {info.id: info for info in order}
        known = self.infos.keys() | states.keys()
        children: dict[str, int] = {}
        pairs: list[tuple[str, str]] = []  # (commit, parent) diffs, in the order they are read
        for info in order:
            for p in info.parents:
                children[p] = children.get(p, 0) + 1
                if p in known and info.id != root:
                    pairs.append((info.id, p))
        self.changes = TreeChanges(self.repo, pairs)
        self.ahead = AheadSignatures(self.repo, list(self.infos))
        state = states.get(tip)
        try:
            for n, info in enumerate(order, 1):
                state = self._commit(info, root, states, children, book, result)
                states[info.id] = state
                for p in info.parents:
                    if children.get(p) == 0:
                        states.pop(p, None)
                if self.progress:
                    self.progress(n, len(order))
                if n % 1000 == 0:
                    self.cache.flush()  # what was learnt goes to disk, not on the heap
            result.commits += len(order)
            assert state is not None
            walked = list(result.findings)
            self._save(root, tip, state, book, walked, result.commits)
            result.findings.extend(book.finish(self.as_of, state.policy.config,
                                               self._unapproved(state)))
            result.transfers, result.acknowledgements = book.counts()
            result.pending = book.pending_ids(self.as_of)
        finally:
            self.changes.close()
            self.ahead.close()
            self.repo.stop_reading_ahead()
            self.signatures.close()
            self.cache.flush()
        if only is not None:
            result.findings = [f for f in result.findings if f.commit in only]
        return result

    def _resume(self, root: str, tip: str) -> tuple[str, dict[str, Any]] | None:
        from techxfer.audit import _checkpoint as checkpoint

        if self.cache.folder is None:
            return None
        for commit in checkpoint.available(self.cache.folder, root):  # newest first
            try:
                if not self.repo.is_ancestor(commit, tip):
                    continue
            except GitError:
                continue
            saved = checkpoint.load(self.cache.folder, root, commit)
            if saved is not None:
                return commit, saved
        return None

    def _save(self, root: str, tip: str, state: CommitState, book: RecordBook,
              findings: list[Finding], commits: int) -> None:
        from techxfer.audit import _checkpoint as checkpoint

        if self.cache.folder is None:
            return
        checkpoint.save(self.cache.folder, root, tip, {
            "entries": state.snap.entries, "policy": state.policy, "book": book,
            "reported": self.reported, "findings": findings, "commits": commits,
        })

    # -- one commit -----------------------------------------------------------------------
    def _commit(self, info: CommitInfo, root: str, states: dict[str, CommitState],
                children: dict[str, int], book: RecordBook, result: AuditResult) -> CommitState:
        commit = info.id
        parents = [p for p in info.parents if p in states]
        label = f"commit {commit[:10]}"
        if commit == root or not parents:
            snap = GitSnapshot(self.repo, self.repo.tree_entries(commit), label, self.cache)
            changed = set(snap.paths)
            parent_snap: Snapshot = GitSnapshot(self.repo, {}, "empty", self.cache)
            policy = self._root_policy(snap, commit, result)
            judged_by = [policy]
        else:
            first = states[parents[0]]
            judged_by = [states[p].policy for p in parents]
            per_parent = [self.changes.next(commit, p) for p in parents]
            changes = per_parent[0]
            changed = set(changes) if len(parents) == 1 else _merge_changes(per_parent)
            old = {p: first.snap.entries.get(p) for p in changes}
            snap = self._advance(parents[0], first.snap, children, label, changes)
            parent_snap = ParentView(snap, old, f"commit {parents[0][:10]}")
            if snap is first.snap:
                states.pop(parents[0], None)
            policy = PolicyState(first.policy.config, first.policy.digest,
                                 dict(first.policy.proposals))
        when = from_git_time(info.commit_time, info.commit_offset)
        findings: list[Finding] = []
        signer = None
        ahead = self.ahead.get(commit)
        verified: Identified | None = None
        if ahead is not None:
            verified = ("ssh", ahead[1]) if ahead[0] == "ssh" else bad_signature(commit, ahead[1])
        signature = self.repo.commit_signature(commit) if verified is None else None
        for judge in judged_by:
            identified = verified if verified is not None else \
                self.signatures.identify(commit, signature, judge.config)
            check = self.signatures.resolve(commit, identified, judge.config, when)
            if check.finding:
                findings.append(check.finding)
            signer = check.signer if check.finding is None else None
            if signer is not None and judge.config is not None and commit != root:
                findings += authorize(commit, signer, judge.config, changed, parent_snap, snap)
        config_ok = signer is not None and not any(
            f.code == Code.UNAUTHORIZED_CHANGE and (f.path or "").startswith(CONFIG_DIR + "/")
            for f in findings)
        state = check_state(snap, scope=changed if commit != root else None,
                            before=parent_snap if len(judged_by) == 1 else None)
        findings += [Finding(f.code, f.path, f.message, commit) for f in state.findings]
        findings += book.record(commit, when, signer, judged_by[0].config, changed, parent_snap,
                                snap, state, lambda wanted: self._source(wanted, commit, parent_snap))
        if commit != root:
            self._move_policy(commit, policy, config_ok, changed, snap, state, book)
        for finding in findings:
            key = (finding.code.value, finding.path, finding.message)
            if key not in self.reported:
                self.reported.add(key)
                result.findings.append(finding)
        return CommitState(snap, policy)

    def _source(self, wanted: str, commit: str, parent_snap: Snapshot) -> Snapshot | None:
        """The snapshot at WANTED when it is a strict ancestor of COMMIT (a distribution names
        the commit its copies were made from), else None."""
        info = self.infos.get(commit) or self.repo.commit_info(commit)
        parents = info.parents
        if parents and wanted == parents[0]:
            return parent_snap
        if wanted == commit or not self.repo.has_commit(wanted) or not self.repo.is_ancestor(wanted, commit):
            return None
        return GitSnapshot(self.repo, self.repo.tree_entries(wanted), f"commit {wanted[:10]}", self.cache)

    def _advance(self, parent: str, snap: GitSnapshot, children: dict[str, int], label: str,
                 changes: dict[str, Entry | None]) -> GitSnapshot:
        children[parent] -= 1
        nxt = snap if children[parent] == 0 else snap.copy(label)
        nxt.apply(changes, label)
        return nxt

    def _root_policy(self, snap: Snapshot, commit: str, result: AuditResult) -> PolicyState:
        try:
            config = load_config(snap)
        except ConfigError:
            return PolicyState(None, None)  # reported as MANIFEST_INVALID by the checks
        return PolicyState(config, in_force_digest(snap))

    def _move_policy(self, commit: str, policy: PolicyState, config_ok: bool,
                     changed: set[str], snap: Snapshot, state: State, book: RecordBook) -> None:
        """Step 6: approvals met in this commit, then this commit's own config change."""
        for digest in book.approved_config_digests(commit):
            if digest in policy.proposals:
                _, config = policy.proposals.pop(digest)
                policy.config, policy.digest = config, digest
        if not (config_ok and config_paths_changed(changed)) or state.config is None \
                or policy.config is None:
            return
        digest = in_force_digest(snap)
        if digest == policy.digest:
            return
        rule = policy.config.policy.rule_for(f"{CONFIG_DIR}/policy.yaml")
        if rule is not None and rule.ack == "approved":
            policy.proposals[digest] = (commit, state.config)
            book.propose_config(digest, commit)
        else:
            policy.config, policy.digest = state.config, digest

    def _unapproved(self, tip: CommitState) -> dict[str, str]:
        """Proposals still present in the tip's tree: digest → commit that made them."""
        digest = in_force_digest(tip.snap)
        return {d: c for d, (c, _) in tip.policy.proposals.items() if d == digest}
