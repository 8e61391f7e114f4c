"""The register checks of one state (DESIGN 1.1, 1.2): ``check``, ``status``, pre-commit.

``check_state`` collects findings and never stops at the first. With a ``scope`` (the
staged paths) it judges only what those paths touch, so a commit costs what it
changes; a change to ``.techxfer/`` widens it to everything, and a manifest added or
removed to its folder. Given the state ``before`` (the parent, already judged), a changed
manifest costs only its changed entries.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from techxfer.errors import ConfigError, SchemaError, SignatureError
from techxfer.findings import Code, Finding, Msg, msg, term
from techxfer.format.layout import CONFIG_DIR, MANIFEST_NAME, PARTIES_FILE, is_format_path, is_manifest
from techxfer.model.manifest import DocumentEntry, Manifest, nearest_manifest
from techxfer.model.parties import INDEPENDENT_ROLES, Party, short_key
from techxfer.state.config import Config, load_config
from techxfer.state.manifests import bounded_put, cached_manifest, manifest_delta
from techxfer.state.snapshot import GitSnapshot, Snapshot, fold


def undecodable(path: str) -> bool:
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def shown(path: str) -> str:
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def control_characters(path: str) -> list[str]:
    """The control characters (C0, DEL, C1) in a path, as escapes (``\\x1b``): a name that
    can rewrite a terminal or a log line, or break a line-based tool, is never a file name
    of a technical file."""
    if path.isprintable():
        return []
    return sorted({f"\\x{ord(c):02x}" for c in path if ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0})


def schema_problem(problem: str) -> Msg:
    """One violation of a file's JSON Schema, as the validator words it."""
    return msg("schema.problem", "{detail}", detail=problem)


def unreadable(problem: str) -> Msg:
    """A file that cannot be read (YAML syntax, encoding), as the reader words it."""
    return msg("file.unreadable", "{detail}", detail=problem)


def load_record(snap: Snapshot, kind: str, path: str, code: Code, commit: str) -> Any:
    """A record file read and checked against its schema KIND, or the findings (a list, of
    CODE) saying why it cannot be."""
    try:
        return snap.load(kind, path)
    except SchemaError as exc:
        return [Finding.of(code, path, schema_problem(p), commit) for p in exc.problems]
    except ConfigError as exc:
        return [Finding.of(code, path, unreadable(exc.message), commit)]


@dataclass
class State:
    """What the checks learnt about one snapshot; reused by status, add and verify."""

    snap: Snapshot
    config: Config | None = None
    manifests: dict[str, Manifest] = field(default_factory=dict)
    broken_manifests: set[str] = field(default_factory=set)
    findings: list[Finding] = field(default_factory=list)
    # the states a change changed (a merge's parents), when judging a change
    parents: tuple[Snapshot, ...] = ()
    # the configuration in force, when judging a change in a history (verify): its policy
    # names the owners, not the tree's, which may be a proposal not yet approved
    in_force: Config | None = None

    def add(self, code: Code, path: str | None, message: Msg) -> None:
        self.findings.append(Finding.of(code, path, message))

    def entries(self) -> Iterable[DocumentEntry]:
        for manifest in self.manifests.values():
            yield from manifest.entries

    def entry_for_path(self, path: str) -> DocumentEntry | None:
        owner = nearest_manifest(path, self.manifest_paths)
        if owner is None or owner not in self.manifests:
            return None
        return next((e for e in self.manifests[owner].entries if e.path == path), None)

    @property
    def manifest_paths(self) -> frozenset[str]:
        return self.snap.manifest_set


_CONFIGS: dict[tuple[tuple[str, str], ...], Config] = {}  # by the blob ids of .techxfer/


def _config_key(snap: Snapshot) -> tuple[tuple[str, str], ...] | None:
    """The blob ids of ``.techxfer/`` in a git state: equal keys, equal configuration."""
    if not isinstance(snap, GitSnapshot):
        return None
    return tuple((p, snap.blob_id(p)) for p in snap.paths_under(CONFIG_DIR + "/"))


def load_state_config(state: State) -> None:
    key = _config_key(state.snap)
    if key is not None and key in _CONFIGS:
        state.config = _CONFIGS[key]
        return
    try:
        state.config = load_config(state.snap)
        if key is not None:
            bounded_put(_CONFIGS, key, state.config, 256)
    except SchemaError as exc:
        for problem in exc.problems:
            state.add(Code.MANIFEST_INVALID, exc.source, schema_problem(problem))
    except ConfigError as exc:
        path, _, message = exc.message.partition(": ")
        state.add(Code.MANIFEST_INVALID, path if message else None,
                  unreadable(message or exc.message))


def load_manifest(state: State, path: str) -> Manifest | None:
    if path in state.manifests:
        return state.manifests[path]
    if path in state.broken_manifests:
        return None
    try:
        manifest = cached_manifest(state.snap, path)
    except SchemaError as exc:
        state.broken_manifests.add(path)
        for problem in exc.problems:
            state.add(Code.MANIFEST_INVALID, path, schema_problem(problem))
        return None
    except ConfigError as exc:
        state.broken_manifests.add(path)
        state.add(Code.MANIFEST_INVALID, path, unreadable(exc.message.removeprefix(f"{path}: ")))
        return None
    state.manifests[path] = manifest
    return manifest


@dataclass
class Scope:
    """What a change touches: the paths to judge (None: everything), the changed manifests
    to judge whole, and for the others the ids and paths their changed entries introduce
    (only those can create a duplicate)."""

    paths: set[str] | None
    whole: set[str] = field(default_factory=set)
    introduced: dict[str, tuple[set[str], set[str]]] = field(default_factory=dict)


def expand_scope(state: State, scope: set[str], before: Snapshot | None = None) -> Scope:
    """Widen the staged paths to everything they can affect (None: everything), and say
    which changed manifests must be judged whole.

    A change under ``.techxfer/`` can change what is controlled and who owns it; a
    manifest added or removed re-decides which manifest governs every file below its
    folder. A manifest that only changed content affects the paths of its changed entries
    (old and new), when the state before is known; otherwise its whole folder.
    """
    if any(p.startswith(CONFIG_DIR + "/") for p in scope):
        return Scope(None)
    manifests = [p for p in scope if is_manifest(p)]
    if not manifests:
        return Scope(scope)
    result = Scope(set(scope))
    assert result.paths is not None
    for manifest in manifests:
        if before is not None and before.is_file(manifest) and state.snap.is_file(manifest):
            was: Manifest | None = None
            now: Manifest | None = None
            with contextlib.suppress(ConfigError):  # unreadable: judged whole below
                was, now = cached_manifest(before, manifest), cached_manifest(state.snap, manifest)
            if was is not None and now is not None:
                for old, new in manifest_delta(before, state.snap, manifest):
                    result.paths.update(e.path for e in (old, new) if e is not None)
                # Ids and paths listed more often than before (a copy of an entry included).
                result.introduced[manifest] = (_more(now.ids, was.ids),
                                               _more(now.paths, was.paths))
                continue
        result.whole.add(manifest)
        result.paths.update(state.snap.paths_under(manifest[: -len(MANIFEST_NAME)]))
    return result


def _more(now: dict[str, int], was: dict[str, int]) -> set[str]:
    """The keys NOW counts more often than WAS (none, at the cost of one dict comparison,
    when an entry changed but no id or path was added)."""
    if now == was:
        return set()
    return {k for k, n in now.items() - was.items() if n > was.get(k, 0)}


def check_state(snap: Snapshot, scope: set[str] | None = None, before: Snapshot | None = None,
                parents: Sequence[Snapshot] | None = None, in_force: Config | None = None
                ) -> State:
    """The register checks of SNAP: everything, or what SCOPE (changed paths) touches.
    BEFORE, the state SCOPE changed (already judged), lets a changed manifest cost only
    its changed entries. PARENTS, the states a commit changed (BEFORE by default): what
    one of them already held is not the change's doing. IN_FORCE, the configuration in
    force where the change is judged: its policy names the owners (the tree's otherwise)."""
    state = State(snap, parents=tuple(parents) if parents is not None
                  else (before,) if before is not None else (), in_force=in_force)
    judged = Scope(None) if scope is None else expand_scope(state, scope, before)
    load_state_config(state)
    if judged.paths is None:
        check_parties(state)
    check_paths(state, judged.paths)
    check_manifests(state, judged)
    return state


def check_parties(state: State) -> None:
    if state.config is None:
        return
    from techxfer.crypto.signatures import parse_ssh_public_key

    holders: dict[str, list[str]] = defaultdict(list)
    for party in state.config.parties:
        for person in party.people:
            where = f"parties.{party.id}.{person.id}"
            if all(r in person.roles for r in INDEPENDENT_ROLES):
                state.add(Code.ROLE_CONFLICT, PARTIES_FILE, msg(
                    "parties.role_conflict", "{where} holds both production-head and "
                    "quality-head; these positions must be held by different people", where=where))
            for i, key in enumerate(person.keys):
                holders[key.identity].append(f"{party.id}:{person.id}")
                if key.kind == "ssh":
                    try:
                        parse_ssh_public_key(key.value)
                    except SignatureError as exc:
                        state.add(Code.MANIFEST_INVALID, PARTIES_FILE, msg(
                            "parties.bad_key", "{where}: {detail}", where=f"{where}.keys[{i}]",
                            detail=exc.message))
    witness_ids: set[str] = set()
    for i, witness in enumerate(state.config.parties.witnesses):
        # A witness's key attests when pushes arrived; held by a person too, that person
        # could write receipts for their own pushes.
        holders[witness.key.identity].append(f"witness {witness.id}")
        if witness.id in witness_ids:
            state.add(Code.MANIFEST_INVALID, PARTIES_FILE, msg(
                "parties.witness_twice", "witnesses[{i}]: id {id!r} appears more than once",
                i=i, id=witness.id))
        witness_ids.add(witness.id)
        try:
            parse_ssh_public_key(witness.key.value)
        except SignatureError as exc:
            state.add(Code.MANIFEST_INVALID, PARTIES_FILE, msg(
                "parties.bad_key", "{where}: {detail}", where=f"witnesses[{i}].key",
                detail=exc.message))
    for identity, people in holders.items():
        if len(set(people)) > 1:
            state.add(Code.SHARED_KEY, PARTIES_FILE, msg(
                "parties.shared_key", "key {key} is listed for {people}; a signing key must "
                "belong to one person (or one witness) alone", key=short_key(identity),
                people=", ".join(sorted(set(people)))))


def check_paths(state: State, scope: set[str] | None) -> None:
    """Per-file checks: unsafe names, symlinks, case clashes, read restrictions."""
    snap = state.snap
    folded = snap.folded
    policy = state.config.policy if state.config else None
    targets = snap.paths if scope is None else [p for p in scope if snap.exists(p)]
    for path in sorted(targets):
        if undecodable(path):
            state.add(Code.UNSAFE_PATH, shown(path), msg("path.not_utf8", "file name is not valid UTF-8"))
            continue
        controls = control_characters(path)
        if controls:
            state.add(Code.UNSAFE_PATH, path, msg(
                "path.controls", "the path holds control characters ({chars})",
                chars=", ".join(controls)))
        clash = folded.get(fold(path), set())
        if len(clash) > 1 and (scope is not None or path == min(clash)):
            if len({p.casefold() for p in clash}) == 1:
                state.add(Code.UNSAFE_PATH, path, msg(
                    "path.case", "paths differ only by letter case: {paths}",
                    paths=", ".join(sorted(clash))))
            else:  # names that look alike: spelt out code point by code point
                state.add(Code.UNSAFE_PATH, path, msg(
                    "path.normalisation", "paths are one name under Unicode normalisation "
                    "(NFC/NFD) and letter case, as macOS stores names: {paths}",
                    paths=", ".join(ascii(p) for p in sorted(clash))))
        kind = snap.paths[path]
        if is_format_path(path):
            if kind != "file":
                state.add(Code.UNSAFE_PATH, path, msg(
                    "path.record_not_file", "a record file is a {kind}, not a regular file",
                    kind=term("kind", kind)))
            continue
        if policy is None or not policy.is_controlled(path):
            continue
        if kind != "file":
            state.add(Code.UNSAFE_PATH, path, msg(
                "path.controlled_not_file", "a controlled path is a {kind}, not a regular file",
                kind=term("kind", kind)))
        rule = policy.rule_for(path)
        if rule is not None and rule.read is not None and state.config is not None:
            allowed = {state.config.party_id(r) for r in rule.read}
            if len(allowed) < 2:
                state.add(Code.READ_RESTRICTED_PLAINTEXT, path, msg(
                    "path.read_restricted", "{rule} limits reading to {readers}, but everyone "
                    "who can clone this repository can read it", rule=rule.label(),
                    readers=", ".join(rule.read)))


def check_manifests(state: State, judged: Scope) -> None:
    snap = state.snap
    scope, whole = judged.paths, judged.whole
    manifest_paths = state.manifest_paths
    if scope is None:
        wanted = set(manifest_paths)
    else:
        wanted = {p for p in scope if p in manifest_paths}
        for path in scope:
            if not is_manifest(path):
                owner = nearest_manifest(path, manifest_paths)
                if owner:
                    wanted.add(owner)
    for path in sorted(wanted):
        load_manifest(state, path)
    changed_manifests = wanted if scope is None else {p for p in scope if p in manifest_paths}
    if any(p not in judged.introduced or any(judged.introduced[p]) for p in changed_manifests):
        for path in sorted(manifest_paths - set(state.manifests)):
            load_manifest(state, path)  # duplicate ids are judged across all manifests
        check_duplicates(state, changed_manifests, judged.introduced)

    for manifest in list(state.manifests.values()):
        if scope is None or manifest.path in whole:
            for entry in manifest.entries:
                check_entry(state, entry, manifest_paths)
        else:
            by_path = manifest.by_path
            for path in scope:
                for entry in by_path.get(path, ()):
                    check_entry(state, entry, manifest_paths)

    def listed(path: str) -> bool:
        return any(path in m.paths for m in state.manifests.values())

    if state.config is None:
        return
    targets = snap.paths if scope is None else [p for p in scope if snap.exists(p)]
    for path in sorted(targets):
        if is_format_path(path) or undecodable(path) or not _controlled(state, path):
            continue
        if listed(path):
            continue
        owner = nearest_manifest(path, manifest_paths)
        if owner in state.broken_manifests:
            continue  # already reported: the manifest cannot be read
        state.add(Code.UNLISTED_FILE, path, msg(
            "register.unlisted", "controlled file is not listed in {manifest}", manifest=owner)
            if owner else msg("register.unlisted_nowhere", "controlled file is not listed in any "
                              "manifest (there is no MANIFEST.yaml above it)"))


def _controlled(state: State, path: str) -> bool:
    """Is PATH a controlled file by the tree's policy or by the policy in force? A proposal
    not yet approved (the tree's) does not make a file uncontrolled, nor does the policy in
    force excuse what the proposal would control."""
    assert state.config is not None
    return state.config.policy.is_controlled(path) or (
        state.in_force is not None and state.in_force.policy.is_controlled(path))


_FOLDED: dict[int, tuple[Manifest, dict[str, frozenset[str]]]] = {}  # by id(manifest)


def _folded_ids(manifest: Manifest) -> dict[str, frozenset[str]]:
    """A manifest's ids by their case-folded spelling (memoised per model: models are
    memoised by blob, so an unchanged manifest costs a look-up)."""
    held = _FOLDED.get(id(manifest))
    if held is not None and held[0] is manifest:
        return held[1]
    spelt: dict[str, set[str]] = defaultdict(set)
    for doc_id in manifest.ids:
        spelt[doc_id.casefold()].add(doc_id)
    folded = {k: frozenset(v) for k, v in spelt.items()}
    bounded_put(_FOLDED, id(manifest), (manifest, folded), 512)
    return folded


def check_duplicates(state: State, changed: set[str],
                     introduced: dict[str, tuple[set[str], set[str]]] | None = None) -> None:
    """Ids and paths listed twice, where a changed manifest is involved: each changed
    manifest against itself and against every other (set intersections, so a commit
    costs its own manifests, not the whole register). For a manifest in INTRODUCED (its
    unchanged entries were judged before) only the ids and paths its change introduced
    are asked about."""
    reported: set[tuple[str, str]] = set()
    for path in sorted(changed):
        mine = state.manifests.get(path)
        if mine is None:
            continue
        focus = introduced.get(path) if introduced else None
        for what, values in (("id", mine.ids), ("path", mine.paths)):
            asked = values.keys() if focus is None else focus[0] if what == "id" else focus[1]
            clash = {v for v in asked if values[v] > 1}
            for other in state.manifests.values():
                if other is not mine:
                    clash |= asked & (other.ids if what == "id" else other.paths).keys()
            if what == "id" and asked:
                # ids are matched whatever their case (citations, change requests,
                # training): two spellings of one id are one id listed twice
                spellings = [_folded_ids(m) for m in state.manifests.values()]
                for v in asked:
                    key = v.casefold()
                    if len(set().union(*(f.get(key, ()) for f in spellings))) > 1:
                        clash.add(v)
            for value in sorted(clash):
                key = value.casefold() if what == "id" else value
                if (what, key) in reported:
                    continue
                reported.add((what, key))
                entries = [e for m in state.manifests.values() for e in m.entries
                           if (e.id.casefold() == key if what == "id" else e.path == value)]
                places = "; ".join(e.where() for e in entries)
                state.add(Code.DUPLICATE_ID, entries[1].manifest if len(entries) > 1 else path,
                          msg("register.duplicate_id", "id {value!r} is listed more than once: "
                              "{places}", value=value, places=places) if what == "id" else
                          msg("register.duplicate_path", "path {value!r} is listed more than "
                              "once: {places}", value=value, places=places))


def other_owner(config: Config, entry: DocumentEntry) -> Party | None:
    """The party CONFIG's policy names the owner of ENTRY's path, when ENTRY names another
    (both read by CONFIG's parties); None when they agree or no rule names an owner."""
    rule = config.policy.rule_for(entry.path)
    named = None if rule is None or rule.owner is None else config.parties.resolve(rule.owner)
    held = config.parties.resolve(entry.owner)
    return named if named is not None and (held is None or named.id != held.id) else None


def _owned_before(state: State, entry: DocumentEntry) -> bool:
    """Did a state the judged change changed list ENTRY as it is (its id, in its manifest,
    every key alike)? Only an entry the change leaves as it was is not its doing: one moved
    to a folder another party owns, or rewritten (a new revision) under the owner it had
    before a policy change moved its folder, is the writer's, whatever a parent held."""
    fields = dict(entry.raw)
    for before in state.parents:
        if not before.is_file(entry.manifest):
            continue
        with contextlib.suppress(ConfigError):
            if any(e.id == entry.id and e.path == entry.path and dict(e.raw) == fields
                   for e in cached_manifest(before, entry.manifest).entries):
                return True
    return False


def check_entry(state: State, entry: DocumentEntry, manifest_paths: frozenset[str]) -> None:
    snap, config = state.snap, state.config
    where = entry.where()
    governing = nearest_manifest(entry.path, manifest_paths)
    if governing != entry.manifest:
        state.add(Code.MANIFEST_INVALID, entry.manifest, msg(
            "register.wrong_manifest", "documents[{index}].path: {path} is governed by "
            "{governing}; list it there", index=entry.index, path=entry.local_path,
            governing=governing))
        return
    if config is not None:
        if is_format_path(entry.path) or not config.policy.is_controlled(entry.path):
            state.add(Code.MANIFEST_INVALID, entry.manifest, msg(
                "register.not_controlled", "documents[{index}].path: {path} is not a controlled "
                "path", index=entry.index, path=entry.path))
            return
        party = config.parties.resolve(entry.owner)
        if party is None:
            state.add(Code.MANIFEST_INVALID, entry.manifest, msg(
                "register.unknown_owner", "documents[{index}].owner: unknown party {owner!r}",
                index=entry.index, owner=entry.owner))
        else:
            # the policy in force names the owner: a proposed policy in the tree is not
            # yet anyone's word (an entry written under it is the writer's doing)
            owners = state.in_force or config
            named = other_owner(owners, entry)
            if named is not None and not _owned_before(state, entry):
                rule = owners.policy.rule_for(entry.path)
                # the owner decides whose approval and acknowledgement a revision needs:
                # it is the policy's word, never the entry's writer's. An entry the change
                # leaves as it was is not the change's doing (a policy change moving a
                # folder to the other party, its entries relabelled by their new owner after)
                state.add(Code.MANIFEST_INVALID, entry.manifest, msg(
                    "register.wrong_owner", "documents[{index}].owner: {owner} but {rule} "
                    "names {named} the owner of {path}", index=entry.index, owner=entry.owner,
                    rule=rule.label() if rule else "", named=named.id, path=entry.path))
        if entry.retention not in config.retention.classes:
            state.add(Code.MANIFEST_INVALID, entry.manifest, msg(
                "register.unknown_class", "documents[{index}].retention: unknown class {cls!r}",
                index=entry.index, cls=entry.retention))
    kind = snap.paths.get(entry.path)
    if entry.status == "destroyed":
        if kind is not None:
            state.add(Code.MANIFEST_INVALID, entry.manifest, msg(
                "register.destroyed_present", "documents[{index}]: {id} is marked destroyed but "
                "{path} is still present", index=entry.index, id=entry.id, path=entry.path))
        return
    if kind is None:
        state.add(Code.MISSING_FILE, entry.path, msg(
            "register.missing", "listed as {id} ({where}) but not present", id=entry.id,
            where=where))
    elif kind != "file":
        state.add(Code.UNSAFE_PATH, entry.path, msg(
            "register.not_file", "listed as {id} but is a {kind}", id=entry.id,
            kind=term("kind", kind)))
    else:
        actual = snap.sha256(entry.path)
        if actual != entry.sha256:
            state.add(Code.HASH_MISMATCH, entry.path, msg(
                "register.hash", "content SHA-256 {actual}… differs from {id} rev {revision} "
                "({expected}…) in {manifest}", actual=actual[:12], id=entry.id,
                revision=entry.revision, expected=entry.sha256[:12], manifest=entry.manifest))
