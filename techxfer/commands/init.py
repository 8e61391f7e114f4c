"""``techxfer init``: a repository with the working defaults, staged, and no commit yet."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from techxfer.errors import UsageError
from techxfer.findings import msg
from techxfer.format import defaults, schema, yamlio
from techxfer.format.fileio import Transaction
from techxfer.format.layout import CONFIG_DIR, CONFIG_FILES, MANIFEST_NAME
from techxfer.git.repo import GitRepo, run_git

HEADERS = {
    "repo": "# techxfer repository: products, the two parties, acknowledgement deadline.\n",
    "parties": "# Parties, their people, roles and signing keys (techxfer person add).\n",
    "policy": "# Who may change which paths; first matching rule wins (gitignore patterns).\n",
    "retention": "# Retention classes; the longest applicable rule of a class wins.\n",
    "manifest": "# The register of controlled documents in this folder and below (techxfer add).\n",
}


GITATTRIBUTES = (
    b"# techxfer: files are stored byte for byte, so their SHA-256 in the manifests holds.\n"
    b"* -text\n"
)


@dataclass(frozen=True)
class InitResult:
    root: Path
    created_repository: bool
    written: tuple[str, ...]


def render(kind: str, data: object, source: str) -> bytes:
    schema.validate(kind, data, source)
    return HEADERS.get(kind, "").encode() + yamlio.dump(data)


def init_repository(directory: Path, registrant: str, manufacturer: str,
                    product: str | None, *, require_approval: bool = False) -> InitResult:
    if registrant == manufacturer:
        raise UsageError(msg("refuse.init_same_party", "--registrant and --manufacturer must be "
                             "different parties"))
    directory = directory.absolute()
    if (directory / CONFIG_DIR).exists():
        raise UsageError(msg("refuse.init_exists", "{path}: already exists; this is a techxfer "
                             "repository", path=directory / CONFIG_DIR))
    if directory.exists() and not directory.is_dir():
        raise UsageError(msg("refuse.init_not_dir", "{path}: exists and is not a directory",
                             path=directory))
    data = {
        "repo": defaults.repo_yaml(registrant, manufacturer, product or directory.name),
        "parties": defaults.parties_yaml(registrant, manufacturer),
        "policy": defaults.policy_yaml(require_approval),
        "retention": defaults.retention_yaml(),
    }
    files = {
        directory / path: render(kind, data[kind], path) for kind, path in CONFIG_FILES.items()
    }
    if not (directory / ".gitattributes").exists():
        # Stored bytes must equal the bytes hashed in the manifests: no eol conversion.
        files[directory / ".gitattributes"] = GITATTRIBUTES
    if not (directory / MANIFEST_NAME).exists():
        files[directory / MANIFEST_NAME] = render("manifest", defaults.manifest_yaml(), MANIFEST_NAME)
    created_dir = not directory.exists()
    is_repo = (directory / ".git").exists()
    try:
        with Transaction() as tx:
            directory.mkdir(parents=True, exist_ok=True)
            if not is_repo:
                run_git(["init", "-q", "-b", "main", str(directory)])
            tx.write_all(files)
            # Staged, so the first `git commit -S` holds the whole trust root even when
            # nobody remembers `git add`; still no commit: that is the signer's to make.
            GitRepo.open(directory).add([p.relative_to(directory).as_posix() for p in files])
    except BaseException:
        if not is_repo:
            _remove_tree(directory / ".git")
        if created_dir:
            _remove_tree(directory)
        raise
    return InitResult(directory, not is_repo,
                      tuple(p.relative_to(directory).as_posix() for p in files))


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
