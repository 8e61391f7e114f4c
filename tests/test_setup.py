"""The first hour of a new pair of companies, through the real command line, real git and
real keys: init stages what it writes, people and roles, signing set up so git itself
names signers (``%G?``), a server whose clones check out ``main``, the README's two-party
flow, and clear messages outside a repository."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import SshKey, git, init_repo, run, techxfer


def assert_refused(proc: object, *needles: str) -> None:
    """Exit 2, one clear message naming what is wrong, no traceback."""
    assert proc.returncode == 2, (proc.stdout, proc.stderr)  # type: ignore[attr-defined]
    err: str = proc.stderr  # type: ignore[attr-defined]
    assert err.startswith("techxfer: error:") and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, (needle, err)


def local_config(repo: Path, key: str) -> str | None:
    proc = git(repo, "config", "--local", "--get", key, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def signature_letters(repo: Path, rev: str = "HEAD") -> list[str]:
    """git's own verdict per commit, newest first: G good and listed, U good but unknown…"""
    return git(repo, "log", "--format=%G?", rev).stdout.split()


def parties(repo: Path) -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((repo / ".techxfer" / "parties.yaml").read_text())  # type: ignore[no-any-return]


# -- init stages everything it writes ----------------------------------------------------
def test_init_stages_everything_it_writes_and_commits_nothing(tmp_path: Path) -> None:
    target = tmp_path / "device"
    proc = techxfer(tmp_path, "init", str(target), "--registrant", "acme", "--manufacturer", "fab")
    staged = set(git(target, "diff", "--cached", "--name-only").stdout.split())
    assert staged == {".techxfer/repo.yaml", ".techxfer/parties.yaml", ".techxfer/policy.yaml",
                      ".techxfer/retention.yaml", ".gitattributes", "MANIFEST.yaml"}
    assert "staged" in proc.stdout and "no commit" in proc.stdout
    assert git(target, "rev-parse", "--verify", "HEAD", check=False).returncode != 0
    assert git(target, "status", "--porcelain", "--untracked-files=all").stdout.startswith("A ")


def test_init_in_an_existing_repository_stages_only_what_it_wrote(tmp_path: Path) -> None:
    target = tmp_path / "existing"
    git(tmp_path, "init", "-q", str(target))
    (target / ".gitattributes").write_text("*.pdf binary\n")  # kept, so not staged by init
    (target / "notes.txt").write_text("mine")
    techxfer(target, "init", "--registrant", "acme", "--manufacturer", "fab")
    staged = set(git(target, "diff", "--cached", "--name-only").stdout.split())
    assert ".techxfer/parties.yaml" in staged and "MANIFEST.yaml" in staged
    assert "notes.txt" not in staged and ".gitattributes" not in staged


# -- person: roles, list, retiring a key -----------------------------------------------------
@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    repo = tmp_path / "r"
    techxfer(tmp_path, "init", str(repo), "--registrant", "acme", "--manufacturer", "fab")
    return repo


def test_person_add_refuses_a_mistyped_role_with_the_known_ones(fresh: Path,
                                                                keys: dict[str, SshKey]) -> None:
    before = (fresh / ".techxfer/parties.yaml").read_bytes()
    proc = techxfer(fresh, "person", "add", "acme", "zhang", "--name", "Z", "--role", "qualty-head",
                    "--key", str(keys["zhang"].public), check=False)
    assert_refused(proc, "'qualty-head'", "did you mean 'quality-head'", "legal-representative",
                   "release-reviewer", "--custom-role")
    assert (fresh / ".techxfer/parties.yaml").read_bytes() == before
    assert_refused(techxfer(fresh, "person", "add", "acme", "zhang", "--name", "Z", check=False),
                   "--role")


def test_person_add_takes_policy_roles_and_custom_roles(fresh: Path) -> None:
    policy = fresh / ".techxfer/policy.yaml"
    data = yaml.safe_load(policy.read_text())
    data["ack_roles"].append("manufacturer:regulatory-affairs")
    policy.write_text(yaml.safe_dump(data))
    techxfer(fresh, "person", "add", "fab", "ra", "--name", "R", "--role", "regulatory-affairs")
    techxfer(fresh, "person", "add", "acme", "cl", "--name", "C", "--custom-role", "clinical-lead")
    people = {p["id"]: p["roles"] for party in parties(fresh)["parties"].values()
              for p in party["people"]}
    assert people == {"ra": ["regulatory-affairs"], "cl": ["clinical-lead"]}
    # once held, a role is known: no second --custom-role needed
    techxfer(fresh, "person", "add", "acme", "cl2", "--name", "C2", "--role", "clinical-lead")


def test_person_list_shows_people_roles_short_keys_and_validity(tmp_path: Path,
                                                               keys: dict[str, SshKey]) -> None:
    repo = init_repo(tmp_path / "r", keys, commit=False)
    techxfer(repo, "person", "retire-key", "fab", "li.na", "--key", str(keys["li"].public),
             "--valid-until", "2020-06-30")
    fingerprint = run("ssh-keygen", "-l", "-f", keys["zhang"].public).stdout.split()[1]
    text = techxfer(repo, "person", "list").stdout
    assert "acme (registrant)" in text and "fab (manufacturer)" in text
    assert "zhang.wei" in text and "张伟" in text and "quality-head" in text
    assert f"ssh-ed25519 {fingerprint}" in text  # as git --show-signature prints it
    assert keys["zhang"].public_line.split()[1] not in text  # shortened
    assert "always … 2020-06-30" in text and "not valid now" in text
    data = json.loads(techxfer(repo, "person", "list", "--json").stdout)["people"]
    li = next(p for p in data if p["id"] == "li.na")
    assert li["party"] == "fab" and li["roles"] == ["quality-head"]
    assert li["keys"][0]["valid_until"] == "2020-06-30" and li["keys"][0]["valid_now"] is False
    zhang = next(p for p in data if p["id"] == "zhang.wei")
    assert zhang["keys"][0]["short"].endswith(fingerprint) and zhang["keys"][0]["valid_now"]


def test_retire_key_ends_a_key_without_deleting_it(tmp_path: Path, keys: dict[str, SshKey]) -> None:
    repo = init_repo(tmp_path / "r", keys, commit=False)
    proc = techxfer(repo, "person", "retire-key", "acme", "wang.fang", "--key",
                    str(keys["wang"].public), "--valid-until", "2027-03-31")
    assert "valid until 2027-03-31" in proc.stdout and "approves" in proc.stdout
    wang = next(p for p in parties(repo)["parties"]["acme"]["people"] if p["id"] == "wang.fang")
    assert wang["keys"] == [{"ssh": keys["wang"].public_line, "valid_until": "2027-03-31"}]
    assert ".techxfer/parties.yaml" in git(repo, "diff", "--cached", "--name-only").stdout
    before = (repo / ".techxfer/parties.yaml").read_bytes()
    # retiring never extends, and names only that person's keys
    assert_refused(techxfer(repo, "person", "retire-key", "acme", "wang.fang", "--key",
                            str(keys["wang"].public), "--valid-until", "2028-01-01", check=False),
                   "already ends at 2027-03-31")
    assert_refused(techxfer(repo, "person", "retire-key", "acme", "wang.fang", "--key",
                            str(keys["zhang"].public), "--valid-until", "2026-01-01", check=False),
                   "not a key of acme:wang.fang")
    assert_refused(techxfer(repo, "person", "retire-key", "acme", "wang.fang", "--key",
                            str(keys["wang"].public), "--valid-until", "soon", check=False),
                   "--valid-until")
    assert (repo / ".techxfer/parties.yaml").read_bytes() == before
