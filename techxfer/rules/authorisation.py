"""Who may change what: the policy's path rules and roles, applied to one change (DESIGN 1.3).

Written once and asked by the audit (every commit), the hooks and the commands (before
they write). A changed path is judged by the first rule matching it; a manifest entry by
the rule of the file it lists; records (transfers, acknowledgements, holds, dispositions,
distributions) by the roles their kind names, in rules/records. No folder is exempt
(DESIGN 2.1): any other file in a record folder is judged here, and refused whatever
the rules say, since only its records belong there.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from techxfer.findings import Code, Finding, Msg, msg
from techxfer.format.layout import (
    POLICY_FILE,
    RECORD_KINDS,
    PathKind,
    approval_path,
    is_governing_path,
    kind,
    record_folder_holds,
)
from techxfer.model.approval import approval_step
from techxfer.model.parties import Signer
from techxfer.model.policy import RoleRef
from techxfer.rules.wording import role_refs, roles
from techxfer.state.config import Config
from techxfer.state.manifests import EntryPair, manifest_delta
from techxfer.state.snapshot import Snapshot


def holds_role(config: Config, signer: Signer, refs: tuple[RoleRef, ...]) -> str | None:
    """The first role of ``refs`` the signer holds in their own party, or None."""
    for ref in refs:
        if config.party_id(ref.party) == signer.party.id and ref.role in signer.person.roles:
            return ref.role
    return None


def may_write(config: Config, signer: Signer, path: str) -> bool:
    rule = config.policy.rule_for(path)
    if rule is None:
        return False
    return holds_role(config, signer, rule.write) is not None


def sender_roles(config: Config, tx_type: str) -> tuple[RoleRef, ...]:
    """Who may send a transfer of this type: a policy change is sent by those who may
    write the configuration; every other transfer by the policy's transfer roles."""
    if tx_type == "policy-change":
        rule = config.policy.rule_for(POLICY_FILE)
        return rule.write if rule is not None else ()
    return config.policy.transfer_roles


def judged_paths(changed: Iterable[str], before: Snapshot, after: Snapshot,
                 deltas: Mapping[str, tuple[EntryPair, ...]] | None = None
                 ) -> Iterator[tuple[str, str | Msg]]:
    """(path whose rule judges, what changed) for every change of a commit (DESIGN 1.3).

    DELTAS, where given, names the entries of a manifest that changed (a merge's own
    changes, entry by entry); otherwise the manifest's entries are compared."""
    for path, what in _judged(changed, before, after, deltas):
        yield path, _what(what)


# What changed, as ``_judged`` names it: a path, or (entry id, manifest) for a register
# entry; worded (``_what``) only when a finding needs it.
_What = str | tuple[str, str]


def _what(what: _What) -> str | Msg:
    if isinstance(what, str):
        return what
    return msg("auth.entry", "register entry {id} in {manifest}", id=what[0], manifest=what[1])


def _judged(changed: Iterable[str], before: Snapshot, after: Snapshot,
            deltas: Mapping[str, tuple[EntryPair, ...]] | None) -> Iterator[tuple[str, _What]]:
    paths = sorted(changed)
    for path in paths:
        path_kind = kind(path)
        if path_kind in RECORD_KINDS:
            continue  # judged by their own roles and schemas (rules/records.RecordBook)
        if path_kind is PathKind.MANIFEST:
            pairs = deltas[path] if deltas is not None and path in deltas \
                else manifest_delta(before, after, path)
            for old, new in pairs:
                if new is not None and approval_step(old, new) \
                        and approval_path(new.id, new.revision) in paths:
                    continue  # the approver's, judged with the approval (rules/lifecycle)
                for entry in (old, new):
                    if entry is not None:
                        yield entry.path, (entry.id, path)
            continue
        yield path, path


def authorize(commit: str, signer: Signer, config: Config, changed: Iterable[str],
              before: Snapshot, after: Snapshot,
              deltas: Mapping[str, tuple[EntryPair, ...]] | None = None) -> list[Finding]:
    findings: list[Finding] = []
    seen: set[tuple[str, _What]] = set()
    who = f"{signer.party.id}:{signer.person.id}"
    holds: dict[int, bool] = {}  # id(rule) → does the signer hold a role it lets write?
    for rule_path, key in _judged(changed, before, after, deltas):
        if (rule_path, key) in seen:
            continue
        seen.add((rule_path, key))
        rule = config.policy.rule_for(rule_path)
        if rule is not None:
            allowed = holds.get(id(rule))
            if allowed is None:
                allowed = holds[id(rule)] = holds_role(config, signer, rule.write) is not None
            if allowed and kind(rule_path) is not PathKind.RECORD_OTHER:
                continue  # the usual case: nothing to say
        what = _what(key)
        if kind(rule_path) is PathKind.RECORD_OTHER and rule is not None \
                and holds_role(config, signer, rule.write) is not None:
            findings.append(Finding.of(Code.UNAUTHORIZED_CHANGE, rule_path, msg(
                "auth.record_folder", "{what}: only {holds} belong there; {rule} cannot allow "
                "another file (changed by {who})", what=what, holds=record_folder_holds(rule_path),
                rule=rule.label(), who=who), commit))
        elif rule is None:
            findings.append(Finding.of(Code.UNAUTHORIZED_CHANGE, rule_path, msg(
                "auth.no_rule", "{what}: no policy rule covers this path, so nobody may change it "
                "(changed by {who})", what=what, who=who), commit))
        elif holds_role(config, signer, rule.write) is None:
            allowed_roles = role_refs(rule.write) if rule.write else msg("auth.nobody", "nobody")
            findings.append(Finding.of(Code.UNAUTHORIZED_CHANGE, rule_path, msg(
                "auth.not_allowed", "{what}: changed by {who} ({roles}); {rule} allows {allowed}",
                what=what, who=who, roles=roles(signer.person.roles), rule=rule.label(),
                allowed=allowed_roles), commit))
    return findings


def config_paths_changed(changed: Iterable[str]) -> list[str]:
    """The changed paths that make a configuration change: ``.techxfer/`` (except holds)
    and the housekeeping files (DESIGN 2.1), the paths ``in_force_digest`` covers."""
    return sorted(p for p in changed if is_governing_path(p))
