"""Path rules (``.techxfer/policy.yaml``): first match wins, gitignore-style patterns; and
which roles may sign each meaning (``meanings:``, DESIGN 11)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from techxfer.format.defaults import meanings_yaml
from techxfer.format.layout import is_format_path

AckKind = Literal["received", "approved", "none"]

# Who signs each kind of duty record (audits/) unless the policy's ``duty_roles`` says:
# the registrant audits the manufacturer; each party inspects its own quality system and
# reports by 31 March; the quality agreement is reviewed by either quality head; documents
# by the quality or document-control people; management reviews by the top of each party.
DEFAULT_DUTY_ROLES: dict[str, tuple[str, ...]] = {
    "supplier-audit": ("registrant:quality-head", "registrant:management-representative"),
    "self-inspection": ("registrant:quality-head", "registrant:management-representative",
                        "manufacturer:quality-head", "manufacturer:management-representative"),
    "agreement-review": ("registrant:quality-head", "manufacturer:quality-head"),
    "document-review": ("registrant:quality-head", "registrant:doc-control",
                        "manufacturer:quality-head", "manufacturer:doc-control"),
    "management-review": ("registrant:principal", "registrant:management-representative",
                          "manufacturer:principal", "manufacturer:management-representative"),
}

@dataclass(frozen=True)
class RoleRef:
    """``PARTYREF:ROLE``: a party id or seat and a role."""

    party: str
    role: str

    @classmethod
    def parse(cls, text: str) -> RoleRef:
        party, _, role = text.partition(":")
        return cls(party, role)

    def __str__(self) -> str:
        return f"{self.party}:{self.role}"


@dataclass(frozen=True)
class Rule:
    paths: tuple[str, ...]
    owner: str | None
    write: tuple[RoleRef, ...]
    ack: AckKind
    read: tuple[str, ...] | None
    controlled: bool
    description: str | None = None
    index: int = field(default=0, compare=False)
    approval: bool = False  # ``approval: required``: effective only once the owner approved

    @cached_property
    def _spec(self) -> Any:
        import pathspec  # lazy: ~60 ms, and only needed once a rule is matched

        return pathspec.GitIgnoreSpec.from_lines(self.paths)

    def matches(self, path: str) -> bool:
        return bool(self._spec.match_file(path))

    def label(self) -> str:
        return f"rules[{self.index}] ({', '.join(self.paths)})"


@dataclass(frozen=True)
class Policy:
    rules: tuple[Rule, ...]
    transfer_roles: tuple[RoleRef, ...]
    ack_roles: tuple[RoleRef, ...]
    hold_roles: tuple[RoleRef, ...]
    distribution_roles: tuple[RoleRef, ...] = ()
    # meaning → roles that may sign it; a policy without ``meanings:`` (or without one
    # meaning) gets the defaults of format/defaults.meanings_yaml for it
    meanings: tuple[tuple[str, tuple[RoleRef, ...]], ...] = ()
    explicit_meanings: frozenset[str] = frozenset()  # the meanings the file itself names
    duty_roles: tuple[tuple[str, tuple[RoleRef, ...]], ...] = ()  # duty kind → who signs it
    review_every_months: tuple[tuple[str, int], ...] = ()  # category → months between reviews
    # category → roles whose holders sign ``trained`` for each new effective revision
    training: tuple[tuple[str, tuple[RoleRef, ...]], ...] = ()

    @classmethod
    def create(cls, raw: Any) -> Policy:
        rules = tuple(
            Rule(
                paths=tuple(r["paths"]),
                owner=r.get("owner"),
                write=tuple(RoleRef.parse(w) for w in r["write"]),
                ack=r.get("ack", "none"),
                read=tuple(r["read"]) if "read" in r else None,
                controlled=r.get("controlled", True),
                description=r.get("description"),
                index=i,
                approval=r.get("approval") == "required",
            )
            for i, r in enumerate(raw["rules"])
        )
        training = tuple((category, tuple(RoleRef.parse(x) for x in refs))
                         for category, refs in sorted(raw.get("training", {}).items()))
        meanings = {**meanings_yaml(raw["ack_roles"]), **raw.get("meanings", {})}
        # A role the policy requires to be trained may always say it was: the requirement
        # is the authority (and init's explicit meanings.trained cannot forget a new role).
        meanings["trained"] = list(dict.fromkeys(
            [*meanings["trained"], *(str(r) for _, refs in training for r in refs)]))
        return cls(
            rules=rules,
            transfer_roles=tuple(RoleRef.parse(x) for x in raw["transfer_roles"]),
            ack_roles=tuple(RoleRef.parse(x) for x in raw["ack_roles"]),
            hold_roles=tuple(RoleRef.parse(x) for x in raw.get("hold_roles", ["registrant:quality-head"])),
            distribution_roles=tuple(RoleRef.parse(x) for x in
                                     raw.get("distribution_roles", raw["transfer_roles"])),
            meanings=tuple((meaning, tuple(RoleRef.parse(x) for x in refs))
                           for meaning, refs in meanings.items()),
            explicit_meanings=frozenset(raw.get("meanings", {})),
            duty_roles=tuple(
                (duty, tuple(RoleRef.parse(x) for x in raw.get("duty_roles", {}).get(duty, default)))
                for duty, default in DEFAULT_DUTY_ROLES.items()),
            review_every_months=tuple(sorted(raw.get("review_every_months", {}).items())),
            training=training,
        )

    def meaning_roles(self, meaning: str) -> tuple[RoleRef, ...]:
        """The roles that may sign MEANING (none for a meaning the policy does not know)."""
        return next((refs for name, refs in self.meanings if name == meaning), ())

    def unknown_meaning_role(self, held: set[str], known: tuple[str, ...]) -> str | None:
        """``meanings.M[i]: ...`` for the first role of ``meanings:`` that is none of KNOWN
        (DESIGN 1.2's), none the policy names elsewhere and none anybody HELD: a typo would
        otherwise let nobody sign that meaning, silently."""
        allowed = {*known, *self.named_roles(), *held}
        for meaning in sorted(self.explicit_meanings):
            for i, ref in enumerate(self.meaning_roles(meaning)):
                if ref.role not in allowed:
                    return (f"meanings.{meaning}[{i}]: unknown role {ref.role!r}: no role of "
                            "DESIGN 1.2, none the policy names elsewhere, and nobody holds it")
        return None

    def named_roles(self) -> set[str]:
        """Every role the policy names anywhere except ``meanings:``."""
        refs = [*self.transfer_roles, *self.ack_roles, *self.hold_roles, *self.distribution_roles,
                *(ref for rule in self.rules for ref in rule.write)]
        return {ref.role for ref in refs}

    def training_roles(self, category: str) -> tuple[RoleRef, ...]:
        """The roles whose holders must be trained on each effective revision of a
        document of CATEGORY (none: no training required)."""
        return dict(self.training).get(category, ())

    def roles_for_duty(self, duty: str) -> tuple[RoleRef, ...]:
        return dict(self.duty_roles).get(duty, ())

    @cached_property
    def _rule_cache(self) -> dict[str, Rule | None]:
        return {}

    def rule_for(self, path: str) -> Rule | None:
        """The first rule matching ``path`` (memoised: the same paths are asked about in
        every commit of a history)."""
        cache = self._rule_cache
        if path in cache:
            return cache[path]
        found = next((rule for rule in self.rules if rule.matches(path)), None)
        if len(cache) > 200_000:
            cache.clear()
        cache[path] = found
        return found

    def is_controlled(self, path: str) -> bool:
        if is_format_path(path):
            return False
        rule = self.rule_for(path)
        return rule is None or rule.controlled

    @property
    def has_read_restrictions(self) -> bool:
        return any(r.read is not None for r in self.rules)
