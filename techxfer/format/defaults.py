"""The working defaults ``techxfer init`` writes (DESIGN 1.3), as data."""

from __future__ import annotations

from typing import Any

from techxfer.format.layout import HOUSEKEEPING

REGISTRANT_PATHS = ["design/**", "process/**", "labeling/**", "inspection/**"]
ACK_ROLES = ["registrant:quality-head", "manufacturer:quality-head",
             "manufacturer:doc-control", "registrant:doc-control"]
# A decision is signed with the signer's own authority (21 CFR 11.50, Electronic Signature
# Law art. 13): approving, and rejecting too, since a rejection blocks a design change, a
# policy change or a disposal as surely as an approval lets it through. Confirming that
# everything was returned at termination closes the agreement's hand-over: the same level.
DECISION_ROLES = ["registrant:quality-head", "manufacturer:quality-head"]
# Everyone signs ``trained`` for themselves only (the record names its signer): every role
# init's defaults use, of both parties. Every role a policy's ``training:`` names carries
# it as well (model/policy).
TRAINED_ROLES = [f"{seat}:{role}" for seat in ("registrant", "manufacturer")
                 for role in ("doc-control", "rd-engineer", "quality-head", "release-reviewer")]


def meanings_yaml(ack_roles: list[str]) -> dict[str, list[str]]:
    """Who signs which meaning (DESIGN 11): confirming receipt or review is for whoever
    acknowledges (ACK_ROLES); a decision (approved, rejected) and the return of everything
    at termination (returned) for the quality heads; having been trained (trained) for
    every role of the defaults. Also the defaults of a policy without
    ``meanings:``, meaning by meaning."""
    return {"received": list(ack_roles), "reviewed": list(ack_roles),
            "approved": list(DECISION_ROLES), "rejected": list(DECISION_ROLES),
            "returned": list(DECISION_ROLES), "trained": list(TRAINED_ROLES),
            "implemented": list(DECISION_ROLES)}


# Who may sign the meaning ``released`` (DESIGN 11), until the policy names it: each
# party's release reviewer (GMP 2025 art. 14, 22: a key position, from quality; H 8.1.2:
# the registrant authorises the manufacturer's releaser). Not the quality head as such.
RELEASED_BY = ("registrant:release-reviewer", "manufacturer:release-reviewer")


def repo_yaml(registrant: str, manufacturer: str, product: str) -> dict[str, Any]:
    return {
        "format": 1,
        "products": [{"name": product}],
        "registrant": registrant,
        "manufacturer": manufacturer,
        "ack_within_days": 30,
        # What the quality agreement sets for reports of quality events: a complaint
        # confirmed within its working days (here 5 calendar days), an adverse event or a
        # regulatory inspection report at once (the next day), a deviation within 5 days.
        "ack_within_days_by_type": {"deviation": 5, "complaint": 5, "adverse-event": 1,
                                    "inspection-report": 1, "quality-data": 30},
        "protected_branches": ["main"],
    }


def parties_yaml(registrant: str, manufacturer: str) -> dict[str, Any]:
    return {
        "parties": {
            registrant: {"seat": "registrant", "name": registrant, "people": []},
            manufacturer: {"seat": "manufacturer", "name": manufacturer, "people": []},
        }
    }


def policy_yaml(require_approval: bool = False) -> dict[str, Any]:
    """init's policy; REQUIRE_APPROVAL: the registrant's documents become effective only
    with its approver's signature (``approval: required``, DESIGN 11)."""
    policy = _policy_yaml()
    if require_approval:
        for rule in policy["rules"]:
            if rule.get("owner") == "registrant":
                rule["approval"] = "required"
    return policy


def _policy_yaml() -> dict[str, Any]:
    return {
        "rules": [
            {
                # One rule for the configuration and the housekeeping files, which change
                # like it (DESIGN 2.1), first so that a design/.gitattributes is housekeeping
                # too. Not controlled documents: no manifest lists them.
                "paths": [".techxfer/**", *HOUSEKEEPING],
                "write": ["registrant:quality-head", "manufacturer:quality-head"],
                "ack": "approved",
                "controlled": False,
                "description": "Configuration and repository housekeeping (git attributes and "
                               "ignores, submodules, CI): in force only once the other party "
                               "approves",
            },
            {
                "paths": REGISTRANT_PATHS,
                "owner": "registrant",
                "write": ["registrant:doc-control", "registrant:rd-engineer"],
                "ack": "received",
                "description": "Design, process, labeling and inspection files of the registrant",
            },
            {
                "paths": ["records/**"],
                "owner": "manufacturer",
                "write": ["manufacturer:doc-control"],
                "ack": "none",
                "description": "Production records kept by the manufacturer",
            },
            {
                "paths": ["/README*"],
                "write": ["registrant:doc-control", "manufacturer:doc-control",
                          "registrant:quality-head", "manufacturer:quality-head"],
                "controlled": False,
                "description": "The repository's read-me: not a controlled document, and read "
                               "by people only",
            },
        ],
        "transfer_roles": ["registrant:doc-control", "manufacturer:doc-control"],
        "ack_roles": list(ACK_ROLES),
        "meanings": meanings_yaml(ACK_ROLES),
        "hold_roles": ["registrant:quality-head"],
    }


def retention_yaml() -> dict[str, Any]:
    return {
        "classes": {
            "permanent": {
                "description": "Design control and design change files, stability data, "
                               "documents sent to the authorities: kept permanently",
                "description_zh": "设计控制和设计变更文件、稳定性数据、报送监管部门的文件：永久保存",
                "permanent": True,
            },
            "batch-record": {
                "description": "Production records: at least the device lifetime, and not less "
                               "than 2 years from release",
                "description_zh": "生产记录：不少于产品寿命期，且自放行之日起不少于2年",
                "rules": [
                    {"device_lifetime": True, "from": "released"},
                    {"years": 2, "from": "released"},
                ],
            },
            "default": {
                "description": "Other documents: 5 years after they become obsolete",
                "description_zh": "其他文件：作废后保存5年",
                "rules": [{"years": 5, "from": "obsolete"}],
            },
        },
        "default_class": "default",
        "categories": {
            "design-input": "permanent",
            "design-output": "permanent",
            "design-change": "permanent",
            "risk-management": "permanent",
            "stability": "permanent",
            "regulatory": "permanent",
            "labeling": "permanent",
            "batch-record": "batch-record",
        },
    }


def manifest_yaml() -> dict[str, Any]:
    return {"format": 1, "documents": []}
