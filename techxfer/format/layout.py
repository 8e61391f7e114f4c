"""Every path of the repository format and its kind, in one place (DESIGN section 1).

Nobody else spells ``.techxfer/``, ``transfers/`` or ``MANIFEST.yaml``: a path's kind
decides which schema it must pass and which rule judges a change to it, so a folder the
layout does not name is a document like any other and is judged by the policy, never
skipped (that is how ``dispositions/`` once went unjudged).
"""

from __future__ import annotations

import enum
from functools import lru_cache

CONFIG_DIR = ".techxfer"
REPO_FILE = f"{CONFIG_DIR}/repo.yaml"
PARTIES_FILE = f"{CONFIG_DIR}/parties.yaml"
POLICY_FILE = f"{CONFIG_DIR}/policy.yaml"
RETENTION_FILE = f"{CONFIG_DIR}/retention.yaml"
HOLDS_DIR = f"{CONFIG_DIR}/holds/"
CONFIG_FILES = {
    "repo": REPO_FILE,
    "parties": PARTIES_FILE,
    "policy": POLICY_FILE,
    "retention": RETENTION_FILE,
}
MANIFEST_NAME = "MANIFEST.yaml"
TRANSFERS_DIR = "transfers"
DISPOSITIONS_DIR = "dispositions/"
DISTRIBUTIONS_DIR = "distributions/"
RELEASES_DIR = "releases/"
RELEASE_STEPS = ("production", "market")  # releases/<BATCH>/<step>.yaml, in this order
# Records of the pair's recurring quality duties (DESIGN 11): audits of the manufacturer,
# yearly self-inspections, agreement reviews, periodic document reviews.
AUDITS_DIR = "audits/"
# Training records (DESIGN 11): one per person and revision of a document whose category
# the policy's ``training:`` names, training/<DOC-ID>@<REV>/<PARTY>.<PERSON>.yaml.
TRAINING_DIR = "training/"
# A revision's approval by its owner (DESIGN 11 lifecycle): approvals/<DOC-ID>@<REV>.yaml;
# and a change request's confirmed implementation: transfers/<TX-ID>/implemented.yaml.
APPROVALS_DIR = "approvals/"
IMPLEMENTED_NAME = "implemented.yaml"
# Repository housekeeping: files that change how git or a forge treats every other file
# (line endings, ignores, submodules, CI). They change like the configuration (DESIGN 2.1):
# init's policy judges them by the configuration's own rule, and their contents are part
# of the configuration digest (state/config.in_force_digest). The patterns are
# gitignore-style, as in the policy: a bare name matches at any depth (a
# design/.gitattributes rules design/ as the root one rules everything).
HOUSEKEEPING_NAMES = (".gitattributes", ".gitignore", ".gitmodules", ".gitlab-ci.yml",
                      ".pre-commit-config.yaml")
HOUSEKEEPING_DIRS = (".github/",)  # at the root only
HOUSEKEEPING = (*HOUSEKEEPING_NAMES, *(f"{d}**" for d in HOUSEKEEPING_DIRS))
_HOUSEKEEPING_NAME_SET = frozenset(HOUSEKEEPING_NAMES)
# Paths that are never controlled documents: the format's own files.
FORMAT_PREFIXES = (f"{CONFIG_DIR}/", f"{TRANSFERS_DIR}/", DISPOSITIONS_DIR, DISTRIBUTIONS_DIR,
                   RELEASES_DIR, AUDITS_DIR, TRAINING_DIR, APPROVALS_DIR)
# What each record folder may hold; any other file there is RECORD_OTHER.
RECORD_FOLDERS = {
    f"{TRANSFERS_DIR}/": f"{TRANSFERS_DIR}/<TX-ID>/transfer.yaml, ack.<party>.yaml and "
                         f"{IMPLEMENTED_NAME}",
    DISPOSITIONS_DIR: f"{DISPOSITIONS_DIR}<DISP-ID>.yaml",
    DISTRIBUTIONS_DIR: f"{DISTRIBUTIONS_DIR}<EXP-ID>.yaml",
    RELEASES_DIR: f"{RELEASES_DIR}<BATCH>/production.yaml and market.yaml",
    AUDITS_DIR: f"{AUDITS_DIR}<AUD-ID>.yaml",
    TRAINING_DIR: f"{TRAINING_DIR}<DOC-ID>@<REV>/<PARTY>.<PERSON>.yaml",
    APPROVALS_DIR: f"{APPROVALS_DIR}<DOC-ID>@<REVISION>.yaml",
}


class PathKind(enum.Enum):
    CONFIG = "config"              # repo, parties, policy, retention, or another file under .techxfer/
    HOLD = "hold"                  # .techxfer/holds/HOLD-*.yaml
    MANIFEST = "manifest"          # any folder's MANIFEST.yaml
    TRANSFER = "transfer"          # transfers/<TX-ID>/transfer.yaml
    ACK = "ack"                    # transfers/<TX-ID>/ack.<party>.yaml
    DISPOSITION = "disposition"    # dispositions/<DISP-ID>.yaml
    DISTRIBUTION = "distribution"  # distributions/<EXP-ID>.yaml
    PRODUCTION_RELEASE = "production-release"  # releases/<BATCH>/production.yaml
    MARKET_RELEASE = "market-release"  # releases/<BATCH>/market.yaml
    DUTY = "duty"                  # audits/<AUD-ID>.yaml
    TRAINING = "training"          # training/<DOC-ID>@<REV>/<PARTY>.<PERSON>.yaml
    APPROVAL = "approval"          # approvals/<DOC-ID>@<REV>.yaml
    IMPLEMENTATION = "implementation"  # transfers/<TX-ID>/implemented.yaml
    RECORD_OTHER = "record-other"  # anything else under a record folder (RECORD_FOLDERS)
    DOCUMENT = "document"          # everything else: judged by the policy's path rules


# The kinds judged by their own rules (rules/records), not by the policy's path rules.
RECORD_KINDS = frozenset({PathKind.TRANSFER, PathKind.ACK, PathKind.HOLD, PathKind.DISPOSITION,
                          PathKind.DISTRIBUTION, PathKind.PRODUCTION_RELEASE,
                          PathKind.MARKET_RELEASE, PathKind.DUTY, PathKind.TRAINING,
                          PathKind.APPROVAL, PathKind.IMPLEMENTATION})

# The schema each record kind must pass (format.schema kinds).
SCHEMA_OF = {PathKind.HOLD: "hold", PathKind.MANIFEST: "manifest", PathKind.TRANSFER: "transfer",
             PathKind.ACK: "ack", PathKind.DISPOSITION: "disposition",
             PathKind.DISTRIBUTION: "distribution",
             PathKind.PRODUCTION_RELEASE: "release-production",
             PathKind.MARKET_RELEASE: "release-market",
             PathKind.DUTY: "duty", PathKind.TRAINING: "training",
             PathKind.APPROVAL: "approval", PathKind.IMPLEMENTATION: "implementation"}


def is_manifest(path: str) -> bool:
    # The last name is MANIFEST.yaml: one suffix test, no split (asked of every path).
    return (path.endswith("/" + MANIFEST_NAME) or path == MANIFEST_NAME) \
        and not path.startswith(FORMAT_PREFIXES)


def is_format_path(path: str) -> bool:
    """The format's own files: never listed in a manifest."""
    return path.startswith(FORMAT_PREFIXES) or is_manifest(path)


def is_config_path(path: str) -> bool:
    """A file of the configuration in force: anything under ``.techxfer/`` except the
    legal holds (``.techxfer/holds/HOLD-*.yaml``, judged by the hold roles). Any other
    file under ``holds/`` is configuration like the rest, never a loophole."""
    return path.startswith(CONFIG_DIR + "/") and not _is_hold(path)


def is_housekeeping(path: str) -> bool:
    """A repository housekeeping file (``HOUSEKEEPING``, gitignore semantics: a bare name
    matches a file or folder of that name at any depth, and everything below it)."""
    return path.startswith(HOUSEKEEPING_DIRS) or not _HOUSEKEEPING_NAME_SET.isdisjoint(
        path.split("/"))


def is_governing_path(path: str) -> bool:
    """A path whose content decides how every other path is judged or treated: the
    configuration (``.techxfer/`` except holds) and the housekeeping files. A change to
    one is a configuration change, in force only as the policy's rule for the
    configuration says (DESIGN 1.3, 2.1); their contents make the configuration digest."""
    return is_config_path(path) or is_housekeeping(path)


def record_folder_holds(path: str) -> str | None:
    """For a path in a record folder, what that folder may hold; else None."""
    return next((what for folder, what in RECORD_FOLDERS.items() if path.startswith(folder)), None)


def transfer_path(tx_id: str) -> str:
    return f"{TRANSFERS_DIR}/{tx_id}/transfer.yaml"


def ack_path(tx_id: str, party: str) -> str:
    return f"{TRANSFERS_DIR}/{tx_id}/ack.{party}.yaml"


def disposition_path(disp_id: str) -> str:
    return f"{DISPOSITIONS_DIR}{disp_id}.yaml"


def distribution_path(exp_id: str) -> str:
    return f"{DISTRIBUTIONS_DIR}{exp_id}.yaml"


def release_path(batch: str, step: str) -> str:
    """``releases/<BATCH>/production.yaml`` or ``market.yaml`` (DESIGN 11)."""
    return f"{RELEASES_DIR}{batch}/{step}.yaml"


def parse_release_path(path: str) -> tuple[str, str] | None:
    """(batch, step) for a release record's path, else None."""
    parts = path.split("/")
    if len(parts) != 3 or f"{parts[0]}/" != RELEASES_DIR or not parts[1]:
        return None
    step = parts[2].removesuffix(".yaml")
    return (parts[1], step) if parts[2].endswith(".yaml") and step in RELEASE_STEPS else None
def duty_path(aud_id: str) -> str:
    return f"{AUDITS_DIR}{aud_id}.yaml"


def training_path(document: str, revision: str, party: str, person: str) -> str:
    return f"{TRAINING_DIR}{document}@{revision}/{party}.{person}.yaml"


def parse_training_path(path: str) -> tuple[str, str, str, str] | None:
    """(document, revision, party, person) for a training record's path, else None. A
    party id has no dot, so the first dot of the file name ends it."""
    parts = path.split("/")
    if len(parts) != 3 or f"{parts[0]}/" != TRAINING_DIR or not parts[2].endswith(".yaml"):
        return None
    document, at, revision = parts[1].partition("@")
    party, dot, person = parts[2].removesuffix(".yaml").partition(".")
    if not (document and at and revision and party and dot and person) or "@" in revision:
        return None
    return document, revision, party, person
def approval_path(doc_id: str, revision: str) -> str:
    return f"{APPROVALS_DIR}{doc_id}@{revision}.yaml"


def parse_approval_path(path: str) -> tuple[str, str] | None:
    """(document id, revision) for ``approvals/<DOC-ID>@<REV>.yaml``, else None."""
    if not _flat_yaml(path, APPROVALS_DIR):
        return None
    doc_id, at, revision = path[len(APPROVALS_DIR):-5].rpartition("@")
    return (doc_id, revision) if at and doc_id and revision else None


def implementation_path(tx_id: str) -> str:
    return f"{TRANSFERS_DIR}/{tx_id}/{IMPLEMENTED_NAME}"


def parse_implementation_path(path: str) -> str | None:
    """The transfer id of ``transfers/<TX-ID>/implemented.yaml``, else None."""
    parts = path.split("/")
    ok = len(parts) == 3 and parts[0] == TRANSFERS_DIR and bool(parts[1]) \
        and parts[2] == IMPLEMENTED_NAME
    return parts[1] if ok else None


def hold_path(hold_id: str) -> str:
    return f"{HOLDS_DIR}{hold_id}.yaml"


def parse_record_path(path: str) -> tuple[str, str | None] | None:
    """(transfer id, acknowledging party or None) for a path under ``transfers/``."""
    parts = path.split("/")
    if len(parts) != 3 or parts[0] != TRANSFERS_DIR:
        return None
    if parts[2] == "transfer.yaml":
        return parts[1], None
    if parts[2].startswith("ack.") and parts[2].endswith(".yaml") and len(parts[2]) > 9:
        return parts[1], parts[2][4:-5]
    return None


def record_id(path: str) -> str:
    """The id a disposition, distribution, duty or hold file carries in its name."""
    return path.rsplit("/", 1)[-1].removesuffix(".yaml")


@lru_cache(maxsize=1 << 16)  # a walk asks about the same paths commit after commit
def kind(path: str) -> PathKind:
    if is_manifest(path):
        return PathKind.MANIFEST
    if path.startswith(HOLDS_DIR):
        return PathKind.HOLD if _is_hold(path) else PathKind.CONFIG
    if path.startswith(CONFIG_DIR + "/"):
        return PathKind.CONFIG
    record = parse_record_path(path)
    if record is not None:
        return PathKind.TRANSFER if record[1] is None else PathKind.ACK
    if path.startswith(DISPOSITIONS_DIR):
        return PathKind.DISPOSITION if _flat_yaml(path, DISPOSITIONS_DIR) else PathKind.RECORD_OTHER
    if path.startswith(DISTRIBUTIONS_DIR):
        return PathKind.DISTRIBUTION if _flat_yaml(path, DISTRIBUTIONS_DIR) else PathKind.RECORD_OTHER
    if path.startswith(AUDITS_DIR):
        return PathKind.DUTY if _flat_yaml(path, AUDITS_DIR) else PathKind.RECORD_OTHER
    if path.startswith(TRAINING_DIR):
        return PathKind.TRAINING if parse_training_path(path) else PathKind.RECORD_OTHER
    if path.startswith(APPROVALS_DIR):
        return PathKind.APPROVAL if parse_approval_path(path) else PathKind.RECORD_OTHER
    if path.startswith(TRANSFERS_DIR + "/"):
        return PathKind.IMPLEMENTATION if parse_implementation_path(path) else PathKind.RECORD_OTHER
    if path.startswith(RELEASES_DIR):
        release = parse_release_path(path)
        if release is None:
            return PathKind.RECORD_OTHER
        return PathKind.PRODUCTION_RELEASE if release[1] == "production" else PathKind.MARKET_RELEASE
    return PathKind.DOCUMENT


def _is_hold(path: str) -> bool:
    return path.startswith(HOLDS_DIR) and _flat_yaml(path, HOLDS_DIR)


def _flat_yaml(path: str, folder: str) -> bool:
    rest = path[len(folder):]
    return "/" not in rest and rest.endswith(".yaml") and len(rest) > 5


# The server's receipt log (DESIGN section 10): a ref outside the branches, one signed
# commit per accepted push, each tree holding these files.
RECEIPTS_REF = "refs/techxfer/receipts"
RECEIPT_FILE = "receipt.yaml"
PUSH_CERTIFICATE_FILE = "push-certificate"


def is_receipts_ref(ref: str) -> bool:
    return ref == RECEIPTS_REF or ref.startswith(RECEIPTS_REF + "/")
