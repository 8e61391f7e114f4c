"""``techxfer verify``: the whole history, judged commit by commit (DESIGN section 4).

Ordered steps for every commit, parents first:
 0. what the commit changes, against each parent: only the trust root may have no parent
    (any other root starts a second history: HISTORY_REWRITTEN); for a merge, a path (a
    manifest entry) differing from parent P is *brought in* only where another parent Q
    has the merged content and P left it as it was at the merge base of P and Q; every
    other difference is the merge's own change, judged against the rules in force at P;
 1. time: the commit is not dated before a parent nor after the verifier's clock, and the
    other rules judge it at the latest time it can be shown to exist from;
 2. the signature verifies, in-process, and its key belongs to one person of the parties
    in force at every parent, inside the key's validity window at that time;
 3. that person may change every path the commit itself changes (rules in force at the
    parent; manifest entries judged by the file they list);
 4. the register of the new state holds for what changed (schemas, listing, hashes, ids,
    unsafe paths, read restrictions); for a merge, every path any parent changed;
 5. records (transfers, acknowledgements, holds, dispositions, distributions, batch
    releases) are well-formed, signed by the right party and role, immutable, dated as
    their commit, and bound to the content they name; records are not removed without a
    disposition, nor a batch record changed once its batch is released; for a merge, a
    destruction brought into a parent's line is judged against the holds of that line the
    destroying side never saw, and a controlled copy given back on two lines of history is
    given back twice where the two meet (what came before a record is read from the state
    it is judged against: records of another line do not count);
 6. the configuration in force moves on only by an authorised change, approved by the
    other party where the rule asks for approval; across a merge it never goes back (the
    newest in force among the parents), and a merge carrying another configuration
    proposes it like any change.
After the walk: acknowledgements past their deadline, changes never approved.
Findings are kept per commit and collected; nothing stops the walk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from techxfer.audit._changes import TreeChanges
from techxfer.audit._sigworker import AheadSignatures
from techxfer.errors import ConfigError, GitError, UsageError
from techxfer.findings import Code, Finding, msg
from techxfer.format.layout import POLICY_FILE, is_governing_path, is_manifest
from techxfer.git.repo import CommitInfo, Entry, GitRepo
from techxfer.model.manifest import DocumentEntry
from techxfer.model.parties import Signer
from techxfer.model.times import from_git_time, now
from techxfer.model.transfer import entry_record
from techxfer.rules.authorisation import authorize, config_paths_changed
from techxfer.rules.receipts import ReceiptLog
from techxfer.rules.records import RecordBook
from techxfer.rules.register import State, check_state
from techxfer.rules.release import Approval, ReleaseBook
from techxfer.rules.signer import Identified, SignatureChecker, bad_signature
from techxfer.rules.time import commit_time, effective_time, record_dates, skew
from techxfer.state.cache import BlobCache
from techxfer.state.config import Config, in_force_digest, load_config
from techxfer.state.manifests import EntryPair, manifest_delta, manifest_entries
from techxfer.state.snapshot import GitSnapshot, ParentView, Snapshot

Progress = Callable[[int, int], None]
Deltas = dict[str, tuple[EntryPair, ...]]


@dataclass
class PolicyState:
    """The configuration in force after a commit, and proposals awaiting approval.

    ``since`` is the walk position of the commit from which it is in force: across a
    merge the newest of the parents' wins, so the configuration never goes back."""

    config: Config | None
    digest: str | None
    proposals: dict[str, tuple[str, Config]] = field(default_factory=dict)  # digest → (commit, cfg)
    since: int = 0

    def copy(self) -> PolicyState:
        return PolicyState(self.config, self.digest, dict(self.proposals), self.since)


@dataclass
class CommitState:
    snap: GitSnapshot
    policy: PolicyState
    own_time: datetime  # what the commit says
    time: datetime      # the latest time it can be shown to exist from (rules.time)


@dataclass
class Change:
    """What a commit changes against one parent: the parent's view, every difference, and
    the commit's own changes among them (all of them for a single parent)."""

    parent: str
    before: Snapshot
    changed: set[str]
    own: set[str]
    deltas: Deltas | None = None  # a merge's own manifest entries, by manifest
    brought: Deltas = field(default_factory=dict)  # entries a merge brings in from another parent


@dataclass
class AuditResult:
    root: str
    tip: str
    commits: int = 0
    findings: list[Finding] = field(default_factory=list)
    transfers: int = 0
    acknowledgements: int = 0
    pending: list[str] = field(default_factory=list)
    # Each configuration as it came in force: (time, commit, configuration), in walk order
    # (``techxfer people`` reads who held which role when).
    configs: list[tuple[datetime, str, Config]] = field(default_factory=list)

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


def _parents(info: CommitInfo) -> list[str]:
    return list(dict.fromkeys(info.parents))  # a parent listed twice counts once


class Auditor:
    def __init__(self, repo: GitRepo, cache: BlobCache, *, as_of: datetime | None = None,
                 progress: Progress | None = None, receipts: ReceiptLog | None = None) -> None:
        self.repo = repo
        self.receipts = receipts  # the server's receipt log (DESIGN 10); no checkpoints with it
        self.cache = cache
        self.as_of = as_of or now()
        self.clock = now()  # the verifier's own clock: no commit is dated after it
        repo.stream_objects()
        self.progress = progress
        self.signatures = SignatureChecker()
        self.reported: set[tuple[str | None, str, str | None, str]] = set()
        self.infos: dict[str, CommitInfo] = {}
        self.changes = TreeChanges(repo, [])
        self.ahead = AheadSignatures(repo, ())
        self.position = 0
        self._bases: dict[tuple[str, str], str | None] = {}
        self._base_snaps: dict[str, GitSnapshot] = {}
        self._pending: tuple[str, str, CommitState, RecordBook, list[Finding], int] | None = None
        self.releases = ReleaseBook()

    def run(self, tip_rev: str = "HEAD", root_rev: str | None = None, *,
            resume: bool = False, only: set[str] | None = None, save: bool = True) -> AuditResult:
        """Walk from the trust root to ``tip_rev``.

        ``resume`` starts from the newest saved checkpoint that is an ancestor of the tip
        (hooks use this), when every commit after it has its parents in the walk;
        ``verify`` walks everything. ``only`` keeps just the findings of those commits
        (the commits being pushed). ``save`` False keeps the checkpoint on the auditor
        instead of writing it: a hook writes it (``save_checkpoint``) only once it has
        accepted the push, so a refused push leaves nothing behind.
        """
        tip = self.repo.resolve(tip_rev)
        root = trust_root(self.repo, tip, root_rev)
        result = AuditResult(root, tip)
        start = self._resume(root, tip) if resume and self.receipts is None else None
        order: list[CommitInfo] = []
        if start is not None:
            order = list(self.repo.walk_info(tip, hide=[start[0]])) if tip != start[0] else []
            walked = {info.id for info in order} | {start[0]}
            if any(p not in walked for info in order for p in info.parents):
                start = None  # a commit after the checkpoint has an older parent: walk it all
        # A checkpoint of this root was saved by a walk from the root, so the root is an
        # ancestor of it, and it of the tip: the costly ancestry test (a walk of the whole
        # history, 60 ms at 10,000 commits) is needed only without one.
        if start is None and not self.repo.is_ancestor(root, tip):
            result.findings.append(Finding.of(Code.HISTORY_REWRITTEN, None, msg(
                "history.root_not_ancestor", "the trust root {root} is not an ancestor of {rev} "
                "({tip}): the history was rewritten or this is another repository",
                root=root[:10], rev=tip_rev, tip=tip[:10]), tip))
            return result
        states: dict[str, CommitState] = {}
        book = RecordBook()
        self.releases = ReleaseBook()
        if start is not None:
            commit, saved = start
            states[commit] = CommitState(
                GitSnapshot(self.repo, saved["entries"], f"commit {commit[:10]}", self.cache),
                saved["policy"], saved["own_time"], saved["time"])
            book = saved["book"]
            self.releases = saved["releases"]
            self.reported = saved["reported"]
            result.findings.extend(saved["findings"])
            result.commits = saved["commits"]
        else:
            order = list(self.repo.walk_info(tip))
        self.position = result.commits
        self.infos = {info.id: info for info in order}
        children: dict[str, int] = {}
        pairs: list[tuple[str, str]] = []  # (commit, parent) diffs, in the order they are read
        for info in order:
            for p in _parents(info):
                children[p] = children.get(p, 0) + 1
                pairs.append((info.id, p))
        self.changes = TreeChanges(self.repo, pairs)
        self.ahead = AheadSignatures(self.repo, list(self.infos))
        state = states.get(tip)
        try:
            for n, info in enumerate(order, 1):
                self.position += 1
                state = self._commit(info, root, states, children, book, result)
                states[info.id] = state
                for p in _parents(info):
                    if children.get(p) == 0:
                        states.pop(p, None)
                if self.progress:
                    self.progress(n, len(order))
                if n % 1000 == 0:
                    self.cache.flush()  # what was learnt goes to disk, not on the heap
            result.commits += len(order)
            assert state is not None
            walked_findings = list(result.findings)
            self._pending = (root, tip, state, book, walked_findings, result.commits)
            if save:
                self.save_checkpoint()
            result.findings.extend(book.finish(self.as_of, state.policy.config,
                                               self._unapproved(state)))
            if self.receipts is not None:
                result.findings.extend(self.receipts.findings(state.policy.config))
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
                if not self.repo.has_commit(commit) or not self.repo.is_ancestor(commit, tip):
                    continue
            except GitError:
                continue
            saved = checkpoint.load(self.cache.folder, root, commit)
            if saved is not None:
                return commit, saved
        return None

    def save_checkpoint(self) -> None:
        """Write the checkpoint of the last ``run`` (kept there when ``save`` was False)."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self._save(*pending)

    def _save(self, root: str, tip: str, state: CommitState, book: RecordBook,
              findings: list[Finding], commits: int) -> None:
        from techxfer.audit import _checkpoint as checkpoint

        if self.cache.folder is None or self.receipts is not None:
            return
        checkpoint.save(self.cache.folder, root, tip, {
            "entries": state.snap.entries, "policy": state.policy, "book": book,
            "releases": self.releases,
            "reported": self.reported, "findings": findings, "commits": commits,
            "own_time": state.own_time, "time": state.time,
        })

    # -- one commit -----------------------------------------------------------------------
    def _commit(self, info: CommitInfo, root: str, states: dict[str, CommitState],
                children: dict[str, int], book: RecordBook, result: AuditResult) -> CommitState:
        commit = info.id
        parents = _parents(info)
        label = f"commit {commit[:10]}"
        findings: list[Finding] = []
        own_time = from_git_time(info.commit_time, info.commit_offset)
        if info.malformed:
            # Judged like any other commit as far as it can be read; the rest goes on.
            findings.append(Finding.of(Code.MALFORMED_COMMIT, None, msg(
                "commit.malformed", "git would not read this commit as techxfer can: {detail}",
                detail=info.malformed), commit))
        # 0) what the commit changes, against each parent
        if not parents:
            snap = GitSnapshot(self.repo, self.repo.tree_entries(commit), label, self.cache)
            empty = GitSnapshot(self.repo, {}, "empty", self.cache)
            changes = [Change("", empty, set(snap.paths), set(snap.paths))]
            if commit == root:
                policy = self._root_policy(snap)
            else:
                findings.append(Finding.of(Code.HISTORY_REWRITTEN, None, msg(
                    "history.second_root", "a commit without parents other than the trust root "
                    "{root}: a second history starts here, and nothing in it is trusted (not its "
                    ".techxfer/)", root=root[:10]), commit))
                policy = PolicyState(None, None, since=self.position)
            judged_by = [policy]
            parent_times: list[tuple[str, datetime]] = []
            time = own_time
        else:
            pstates = [states[p] for p in parents]
            first = pstates[0]
            per_parent = [self.changes.next(commit, p) for p in parents]
            olds = [{path: s.snap.entries.get(path) for path in diff}
                    for s, diff in zip(pstates, per_parent, strict=True)]
            snap = self._advance(parents[0], first.snap, children, label, per_parent[0])
            views: list[Snapshot] = [ParentView(snap, old, f"commit {p[:10]}")
                                     for p, old in zip(parents, olds, strict=True)]
            if snap is first.snap:
                states.pop(parents[0], None)
            if len(parents) == 1:
                changes = [Change(parents[0], views[0], set(per_parent[0]), set(per_parent[0]))]
            else:
                changes = self._merge_changes(parents, per_parent, olds, views, snap)
            judged_by = [s.policy for s in pstates]
            newest = max(judged_by, key=lambda s: s.since)
            policy = newest.copy()
            for other in judged_by:
                for digest, proposal in other.proposals.items():
                    policy.proposals.setdefault(digest, proposal)
            parent_times = [(p, s.own_time) for p, s in zip(parents, pstates, strict=True)]
            time = effective_time(own_time, (s.time for s in pstates))
        # 1) time
        allowed = skew(judged_by[0].config)
        findings += commit_time(commit, own_time, parent_times, self.clock, allowed)
        if self.receipts is not None:  # judged from when the server received it, if later
            received, late = self.receipts.judge(commit, own_time, [j.config for j in judged_by],
                                                 allowed)
            findings += late
            time = max(time, received) if received is not None else time
        # No time after the verifier's clock can be shown: a commit dated in the future (a
        # finding of its own) does not push the time every later commit is judged at.
        time = min(time, self.clock)
        # 2) and 3) the signer, judged by the rules in force at every parent
        signer = None
        ahead = self.ahead.get(commit)
        verified: Identified | None = None
        if ahead is not None:
            verified = ("ssh", ahead[1]) if ahead[0] == "ssh" else bad_signature(commit, ahead[1])
        signature = self.repo.commit_signature(commit) if verified is None else None
        signers: list[Signer | None] = []
        for judge, change in zip(judged_by, changes, strict=True):
            identified = verified if verified is not None else \
                self.signatures.identify(commit, signature, judge.config)
            check = self.signatures.resolve(commit, identified, judge.config, time)
            if check.finding:
                findings.append(check.finding)
            signer = check.signer if check.finding is None else None
            signers.append(signer)
            if signer is not None and judge.config is not None and commit != root:
                findings += authorize(commit, signer, judge.config, change.own, change.before, snap,
                                      change.deltas)
        signer = signers[-1] if all(s is not None for s in signers) else None
        own_changes = set().union(*(c.own for c in changes))
        config_ok = signer is not None and not any(
            f.code == Code.UNAUTHORIZED_CHANGE and is_governing_path(f.path or "") for f in findings)
        # 4) the register of the new state
        single = len(changes) == 1 and commit != root and bool(parents)
        scope = None if commit == root else set().union(*(c.changed for c in changes))
        state = check_state(snap, scope=scope, before=changes[0].before if single else None,
                            parents=[c.before for c in changes] if commit != root else (),
                            in_force=policy.config)
        findings += [replace(f, commit=commit) for f in state.findings]
        # 5) records, judged against each parent for what the commit itself changed there
        # (Judging a record against each parent is idempotent in the book; a finding met
        # twice in one commit is kept once below.)
        # Each parent's rules judge the signer as that parent's configuration has them (a
        # role held on one side only counts on that side).
        for judge, change, own_signer in zip(judged_by, changes, signers, strict=True):
            by = own_signer if signer is not None else None
            findings += book.record(commit, time, by, judge.config, change.own, change.before,
                                    snap, state, self._sources(commit, change.parent, change.before),
                                    change.deltas)
            findings += self.releases.record(commit, by, judge.config, change.own,
                                             change.before, snap, lambda: _approvals(book),
                                             guard=change.changed)
        # (For a merge, what it brings into each parent's line from the others is judged
        # against the holds that line placed after they parted, which the others never saw.)
        for i, (judge, change) in enumerate(zip(judged_by, changes, strict=True)):
            if change.brought:
                others = [c.before for j, c in enumerate(changes) if j != i]
                findings += book.brought_in(commit, time, judge.config, others, snap,
                                            change.brought)
        if len(changes) > 1:
            findings += book.merged(commit, [c.before for c in changes], snap,
                                    set().union(*(c.changed - c.own for c in changes)))
        added = {p for p in own_changes if snap.exists(p)
                 and not any(c.before.exists(p) for c in changes)}
        findings += record_dates(commit, own_time, added, snap, allowed)
        # 6) the configuration in force
        if commit != root and parents:
            self._move_policy(commit, policy, config_ok, own_changes, snap, state, book,
                              merge=len(parents) > 1)
        for finding in findings:
            key = (commit, finding.code.value, finding.path, finding.message)
            if key not in self.reported:
                self.reported.add(key)
                result.findings.append(finding)
        if policy.config is not None and (not parents or policy.since == self.position):
            result.configs.append((time, commit, policy.config))  # in force from here on
        return CommitState(snap, policy, own_time, time)

    def _merge_changes(self, parents: list[str], per_parent: list[dict[str, Entry | None]],
                       olds: list[dict[str, Entry | None]], views: list[Snapshot],
                       snap: GitSnapshot) -> list[Change]:
        """Step 0 for a merge: each parent's differences, and which are the merge's own."""
        out: list[Change] = []
        for i, (parent, diff, old, view) in enumerate(zip(parents, per_parent, olds, views,
                                                           strict=True)):
            own: set[str] = set()
            deltas: Deltas = {}
            brought: Deltas = {}
            others = [j for j in range(len(parents)) if j != i]
            for path in diff:
                if is_manifest(path):
                    mine: list[EntryPair] = []
                    theirs: list[EntryPair] = []
                    for pair in manifest_delta(view, snap, path):
                        merged_in = any(self._entry_brought_in(parent, parents[j], path, pair,
                                                               views[j], path in per_parent[j])
                                        for j in others)
                        (theirs if merged_in else mine).append(pair)
                    if mine:
                        own.add(path)
                        deltas[path] = tuple(mine)
                    if theirs:
                        brought[path] = tuple(theirs)
                    continue
                if not any(path not in per_parent[j]
                           and self._base_entry(parent, parents[j], path) == old[path]
                           for j in others):
                    own.add(path)
            out.append(Change(parent, view, set(diff), own, deltas, brought))
        return out

    def _base(self, a: str, b: str) -> str | None:
        key = (a, b) if a < b else (b, a)
        if key not in self._bases:
            self._bases[key] = self.repo.merge_base(a, b)
        return self._bases[key]

    def _base_entry(self, a: str, b: str, path: str) -> Entry | None | bool:
        """The entry at the merge base of A and B (False: no merge base, nothing matches)."""
        base = self._base(a, b)
        if base is None:
            return False
        return self.repo.entry_at(base, path)

    def _entry_brought_in(self, parent: str, other: str, manifest: str, pair: EntryPair,
                          other_view: Snapshot, other_differs: bool) -> bool:
        """Is this entry change (old at PARENT → new in the merge) OTHER's work merged in?
        OTHER must hold the new entry, and PARENT the entry of the merge base."""
        old, new = pair
        doc_id = (new or old).id  # type: ignore[union-attr]
        if other_differs and _record(_entry_of(other_view, manifest, doc_id)) != _record(new):
            return False
        base = self._base(parent, other)
        if base is None:
            return False
        if base not in self._base_snaps:
            if len(self._base_snaps) > 8:
                self._base_snaps.clear()
            self._base_snaps[base] = GitSnapshot(self.repo, self.repo.tree_entries(base),
                                                 f"commit {base[:10]}", self.cache)
        return _record(_entry_of(self._base_snaps[base], manifest, doc_id)) == _record(old)

    def _sources(self, commit: str, parent: str, parent_snap: Snapshot
                 ) -> Callable[[str], Snapshot | None]:
        return lambda wanted: self._source(wanted, commit, parent, parent_snap)

    def _source(self, wanted: str, commit: str, parent: str,
                parent_snap: Snapshot) -> Snapshot | None:
        """The snapshot at WANTED when it is a strict ancestor of COMMIT (a distribution names
        the commit its copies were made from), else None. PARENT_SNAP is the view of PARENT,
        the parent the commit is being judged against."""
        if parent and wanted == parent:
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

    def _root_policy(self, snap: Snapshot) -> PolicyState:
        try:
            config = load_config(snap)
        except ConfigError:
            return PolicyState(None, None)  # reported as MANIFEST_INVALID by the checks
        return PolicyState(config, in_force_digest(snap), since=self.position)

    def _move_policy(self, commit: str, policy: PolicyState, config_ok: bool,
                     changed: set[str], snap: Snapshot, state: State, book: RecordBook,
                     *, merge: bool) -> None:
        """Step 6: approvals met in this commit, then this commit's own config change."""
        for digest in book.approved_config_digests(commit):
            if digest in policy.proposals:
                _, config = policy.proposals.pop(digest)
                policy.config, policy.digest, policy.since = config, digest, self.position
        if state.config is None or policy.config is None:
            return
        if merge:
            # The merged tree may carry a configuration other than the one in force (an old
            # parent's, or a mix of both): that is a change of the merge's own.
            digest = in_force_digest(snap)
            if digest == policy.digest or digest in policy.proposals:
                return
        else:
            if not (config_ok and config_paths_changed(changed)):
                return
            digest = in_force_digest(snap)
            if digest == policy.digest:
                return
        # The strictest rule among the governing paths that changed (or, for a merge's
        # tree, the configuration's own rule) decides whether approval is needed.
        judged = config_paths_changed(changed) or [POLICY_FILE]
        rules = [policy.config.policy.rule_for(p) for p in judged]
        if any(r is None or r.ack == "approved" for r in rules) or not config_ok:
            policy.proposals[digest] = (commit, state.config)
            book.propose_config(digest, commit)
        else:
            policy.config, policy.digest, policy.since = state.config, digest, self.position

    def _unapproved(self, tip: CommitState) -> dict[str, str]:
        """Proposals still present in the tip's tree: digest → commit that made them."""
        digest = in_force_digest(tip.snap)
        return {d: c for d, (c, _) in tip.policy.proposals.items() if d == digest}


def _approvals(book: RecordBook) -> list[Approval]:
    return [Approval(book.sent[tx_id].transfer, got.ack, got.commit)
            for (tx_id, _), got in book.received.items() if tx_id in book.sent]


def _entry_of(snap: Snapshot, manifest: str, doc_id: str) -> DocumentEntry | None:
    return next((e for e in manifest_entries(snap, manifest) if e.id == doc_id), None)


def _record(entry: DocumentEntry | None) -> dict[str, Any] | None:
    return entry_record(entry) if entry is not None else None
