"""The ``.techxfer/`` configuration of one state, loaded and cross-checked.

Schema validation catches the shape of each file; this module adds what one file
cannot know alone: the parties named in ``repo.yaml`` exist with the right seats, policy
references resolve, retention defaults exist. Every error names the file and the key.
"""

from __future__ import annotations

from dataclasses import dataclass

from techxfer.errors import ConfigError
from techxfer.format.layout import (
    HOLDS_DIR,
    PARTIES_FILE,
    POLICY_FILE,
    REPO_FILE,
    RETENTION_FILE,
    PathKind,
    is_governing_path,
    kind,
)
from techxfer.model.parties import KNOWN_ROLES, SEATS, Parties
from techxfer.model.policy import Policy, RoleRef
from techxfer.model.repo import RepoConfig
from techxfer.model.retention import Hold, Retention
from techxfer.model.transfer import config_digest
from techxfer.state.snapshot import Snapshot


@dataclass(frozen=True)
class Config:
    repo: RepoConfig
    parties: Parties
    policy: Policy
    retention: Retention
    holds: tuple[Hold, ...]

    def party_id(self, ref: str) -> str | None:
        party = self.parties.resolve(ref)
        return party.id if party else None


def hold_paths(snap: Snapshot) -> list[str]:
    """The legal holds of a state: ``.techxfer/holds/*.yaml`` (any other file there is
    configuration, format/layout.kind)."""
    return [p for p in snap.paths_under(HOLDS_DIR) if kind(p) is PathKind.HOLD]


def load_config(snap: Snapshot) -> Config:
    """Load and cross-check ``.techxfer/``; raise ConfigError naming file and key."""
    repo = RepoConfig.create(snap.load("repo", REPO_FILE))
    parties = Parties.create(snap.load("parties", PARTIES_FILE))
    policy = Policy.create(snap.load("policy", POLICY_FILE))
    retention = Retention.create(snap.load("retention", RETENTION_FILE))
    holds = []
    for path in hold_paths(snap):
        hold = Hold.create(snap.load("hold", path))
        stem = path.rsplit("/", 1)[-1].removesuffix(".yaml")
        if hold.id != stem:
            raise ConfigError(f"{path}: id: {hold.id!r} differs from the file name {stem!r}")
        holds.append(hold)
    config = Config(repo, parties, policy, retention, tuple(holds))
    _cross_check(config)
    return config


def _cross_check(config: Config) -> None:
    parties = config.parties
    for seat in SEATS:
        holders = [p.id for p in parties if p.seat == seat]
        if len(holders) != 1:
            raise ConfigError(
                f"{PARTIES_FILE}: parties: expected exactly one party with seat {seat}, "
                f"found {len(holders)} ({', '.join(holders) or 'none'})"
            )
    for key, seat in (("registrant", "registrant"), ("manufacturer", "manufacturer")):
        pid = getattr(config.repo, key)
        party = parties.by_id.get(pid)
        if party is None:
            raise ConfigError(f"{REPO_FILE}: {key}: party {pid!r} is not in {PARTIES_FILE}")
        if party.seat != seat:
            raise ConfigError(f"{REPO_FILE}: {key}: party {pid!r} has seat {party.seat}, not {seat}")
    for party in parties:
        ids = [p.id for p in party.people]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ConfigError(f"{PARTIES_FILE}: parties.{party.id}.people: person id "
                              f"{dupes[0]!r} appears more than once")

    def check_party(ref: str, where: str) -> None:
        if parties.resolve(ref) is None:
            raise ConfigError(f"{POLICY_FILE}: {where}: unknown party {ref!r}")

    def check_roles(refs: tuple[RoleRef, ...], where: str) -> None:
        for i, ref in enumerate(refs):
            check_party(ref.party, f"{where}[{i}]")

    policy = config.policy
    for rule in policy.rules:
        where = f"rules[{rule.index}]"
        if rule.owner is not None:
            check_party(rule.owner, f"{where}.owner")
        for i, ref in enumerate(rule.read or ()):
            check_party(ref, f"{where}.read[{i}]")
        check_roles(rule.write, f"{where}.write")
    check_roles(policy.transfer_roles, "transfer_roles")
    check_roles(policy.ack_roles, "ack_roles")
    check_roles(policy.hold_roles, "hold_roles")
    for category, refs in policy.training:
        check_roles(refs, f"training.{category}")
    for meaning in sorted(policy.explicit_meanings):
        check_roles(policy.meaning_roles(meaning), f"meanings.{meaning}")
    unknown = policy.unknown_meaning_role(
        {role for party in parties for person in party.people for role in person.roles}, KNOWN_ROLES)
    if unknown:
        raise ConfigError(f"{POLICY_FILE}: {unknown}")

    retention = config.retention
    if retention.default_class not in retention.classes:
        raise ConfigError(f"{RETENTION_FILE}: default_class: {retention.default_class!r} "
                          "is not one of the classes")
    for category, cls in retention.categories.items():
        if cls not in retention.classes:
            raise ConfigError(f"{RETENTION_FILE}: categories.{category}: unknown class {cls!r}")


def in_force_digest(snap: Snapshot) -> str:
    """The digest of the configuration of a state: every file under ``.techxfer/`` except
    the holds, and every housekeeping file present (``layout.is_governing_path``). A
    policy-change transfer binds to it, and the audit puts a state in force by it, so a
    change to ``.gitattributes`` is a configuration change like one to ``policy.yaml``."""
    return config_digest({p: _content(snap, p) for p in snap.paths if is_governing_path(p)})


def _content(snap: Snapshot, path: str) -> bytes:
    """A file's bytes; a symlink or a submodule counts by its kind only, so a commit and
    the working tree give the same digest and an object that is not a blob is never read
    (a symlink in ``.techxfer/`` is UNSAFE_PATH; git refuses symlinked .gitattributes and
    .gitignore)."""
    kind_of = snap.paths[path]
    return snap.read(path) if kind_of == "file" else f"\0{kind_of}\0".encode()
