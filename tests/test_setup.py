"""The first hour of a new pair of companies, through the real command line, real git and
real keys: init stages what it writes, people and roles, signing set up so git itself
names signers (``%G?``), a server whose clones check out ``main``, the README's two-party
flow, and clear messages outside a repository."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import SshKey, add_doc, git, init_repo, make_ssh_key, run, techxfer


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


def test_person_add_stages_parties_so_the_first_commit_holds_them(tmp_path: Path,
                                                                  keys: dict[str, SshKey]) -> None:
    repo = init_repo(tmp_path / "r", keys, commit=False)
    assert git(repo, "diff", "--name-only").stdout == ""  # nothing left unstaged
    techxfer(repo, "signing", "setup", "--key", str(keys["zhang"].private))
    git(repo, "commit", "-q", "-m", "Trust root")  # no `git add`, no -S: set up already
    assert techxfer(repo, "verify").returncode == 0
    assert signature_letters(repo) == ["G"]


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


# -- signing setup and allowed signers -------------------------------------------------------
def test_signing_setup_configures_git_so_it_names_listed_signers(tmp_path: Path,
                                                                 keys: dict[str, SshKey]) -> None:
    repo = init_repo(tmp_path / "r", keys, commit=False)
    proc = techxfer(repo, "signing", "setup", "--key", str(keys["zhang"].private))
    assert "acme:zhang.wei" in proc.stdout
    allowed = repo / ".git" / "techxfer" / "allowed_signers"
    assert local_config(repo, "gpg.format") == "ssh"
    assert local_config(repo, "user.signingkey") == str(keys["zhang"].private)
    assert local_config(repo, "commit.gpgSign") == "true"
    assert local_config(repo, "gpg.ssh.allowedSignersFile") == str(allowed)
    lines = [ln for ln in allowed.read_text().splitlines() if not ln.startswith("#")]
    assert f'zhang.wei@acme namespaces="git" {keys["zhang"].public_line.rsplit(" ", 1)[0]}' in lines
    assert len(lines) == 4
    git(repo, "commit", "-q", "-m", "Trust root")  # plain git commit: signed now
    assert signature_letters(repo) == ["G"]
    assert git(repo, "log", "-1", "--format=%GS").stdout.strip() == "zhang.wei@acme"
    shown = git(repo, "log", "-1", "--show-signature").stdout
    assert 'Good "git" signature for zhang.wei@acme' in shown
    # an unlisted key: a good signature, but git does not say G
    (repo / "design").mkdir()
    add_doc(repo, "design/a.txt", b"a", "A-1")
    git(repo, "-c", f"user.signingkey={keys['outsider'].private}", "commit", "-q", "-m", "outsider")
    assert signature_letters(repo) == ["U", "G"]
    # and techxfer verify agrees about whom it does not know
    assert "UNKNOWN_KEY" in techxfer(repo, "verify", check=False).stdout


def test_git_reads_the_validity_windows_as_verify_does(tmp_path: Path,
                                                       keys: dict[str, SshKey]) -> None:
    repo = init_repo(tmp_path / "r", keys, commit=False)
    techxfer(repo, "signing", "setup", "--key", str(keys["zhang"].private))
    git(repo, "commit", "-q", "-m", "Trust root")
    techxfer(repo, "person", "retire-key", "acme", "zhang.wei", "--key",
             str(keys["zhang"].public), "--valid-until", "2020-06-30")
    early = make_ssh_key(tmp_path / "k", "future")
    techxfer(repo, "person", "add", "acme", "zhang.wei", "--name", "张伟", "--key",
             str(early.public), "--valid-from", "2999-01-01")
    proc = techxfer(repo, "signing", "allowed-signers")
    assert "git here reads it" in proc.stdout
    text = (repo / ".git/techxfer/allowed_signers").read_text()
    assert 'valid-before="20200630235959Z"' in text and 'valid-after="29990101000000Z"' in text
    # the trust root (signed now) by a key that ended in 2020: git no longer says G
    assert signature_letters(repo) != ["G"]
    git(repo, "-c", f"user.signingkey={early.private}", "commit", "-q", "--allow-empty", "-m", "x")
    assert signature_letters(repo)[0] != "G"  # not yet valid


def test_allowed_signers_to_a_file_or_stdout_leaves_git_config_alone(
        tmp_path: Path, keys: dict[str, SshKey]) -> None:
    repo = init_repo(tmp_path / "r", keys, commit=False)
    techxfer(repo, "person", "add", "fab", "zhao.min", "--name", "赵敏", "--key",
             str(make_ssh_key(tmp_path / "k", "zhao2").public),
             "--valid-from", "2026-03-01T08:00:00+08:00", "--valid-until", "2026-09-30T17:30:00.5Z")
    out = tmp_path / "signers"
    proc = techxfer(repo, "signing", "allowed-signers", "-o", str(out))
    assert "5 SSH keys of 4 people" in proc.stdout
    assert local_config(repo, "gpg.ssh.allowedSignersFile") is None
    printed = techxfer(repo, "signing", "allowed-signers", "-o", "-").stdout
    assert printed == out.read_text()
    # timestamps as UTC whole seconds, rounded inwards
    assert 'zhao.min@fab namespaces="git",valid-after="20260301000000Z",' \
           'valid-before="20260930173000Z"' in printed
    assert not (repo / ".git/techxfer/allowed_signers").exists()


def test_signing_setup_refuses_keys_of_nobody_or_of_two_people(tmp_path: Path,
                                                               keys: dict[str, SshKey]) -> None:
    repo = init_repo(tmp_path / "r", keys, commit=False)
    config_before = (repo / ".git/config").read_bytes()
    assert_refused(techxfer(repo, "signing", "setup", "--key", str(keys["outsider"].private),
                            check=False), "listed for nobody", "techxfer person add")
    data = parties(repo)
    data["parties"]["fab"]["people"][1]["keys"].append(keys["zhang"].public_line)
    (repo / ".techxfer/parties.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    assert_refused(techxfer(repo, "signing", "setup", "--key", str(keys["zhang"].private),
                            check=False), "acme:zhang.wei, fab:zhao.min", "one person alone")
    (tmp_path / "k.asc").write_text("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nx\n"
                                    "-----END PGP PUBLIC KEY BLOCK-----\n")
    assert_refused(techxfer(repo, "signing", "setup", "--key", str(tmp_path / "k.asc"),
                            check=False), "OpenPGP", "gpg.format openpgp")
    assert_refused(techxfer(repo, "signing", "setup", "--key", str(tmp_path / "none"),
                            check=False), "cannot read")
    assert (repo / ".git/config").read_bytes() == config_before
    assert not (repo / ".git/techxfer/allowed_signers").exists()


def test_signing_setup_with_a_public_key_signs_through_the_agent(tmp_path: Path,
                                                                 keys: dict[str, SshKey]) -> None:
    if shutil.which("ssh-agent") is None or shutil.which("ssh-add") is None:
        pytest.skip("ssh-agent not installed")
    repo = init_repo(tmp_path / "r", keys, commit=False)
    proc = techxfer(repo, "signing", "setup", "--key", str(keys["wang"].public))
    assert "ssh-agent" in proc.stdout
    assert local_config(repo, "user.signingkey") == str(keys["wang"].public)
    sock = tmp_path / "agent.sock"
    agent = run("ssh-agent", "-a", str(sock), "-s").stdout
    pid = next(part.split("=")[1] for part in agent.replace(";", "\n").split()
               if part.startswith("SSH_AGENT_PID="))
    try:
        env = {"SSH_AUTH_SOCK": str(sock)}
        run("ssh-add", "-q", keys["wang"].private, env=env)
        git(repo, "commit", "-q", "-m", "root by the agent", env=env)
    finally:
        run("kill", pid, check=False)
    assert git(repo, "log", "-1", "--format=%G? %GS").stdout.strip() == "G wang.fang@acme"


# -- server create ---------------------------------------------------------------------------
def test_server_create_makes_a_server_whose_clones_check_out_main(tmp_path: Path,
                                                                  keys: dict[str, SshKey]) -> None:
    bare = tmp_path / "srv" / "pump.git"
    proc = techxfer(tmp_path, "server", "create", str(bare))
    assert "HEAD: main" in proc.stdout
    assert git(bare, "symbolic-ref", "HEAD").stdout.strip() == "refs/heads/main"
    assert git(bare, "rev-parse", "--is-bare-repository").stdout.strip() == "true"
    assert git(bare, "config", "techxfer.protectedBranches").stdout.strip() == "main"
    assert (bare / "hooks" / "pre-receive").is_file()
    repo = init_repo(tmp_path / "r", keys)  # signed trust root
    git(repo, "remote", "add", "origin", str(bare))
    git(repo, "push", "-q", "-u", "origin", "main")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(bare), str(clone))
    assert (clone / ".techxfer" / "parties.yaml").is_file() and (clone / "MANIFEST.yaml").is_file()
    assert git(clone, "rev-parse", "--abbrev-ref", "HEAD").stdout.strip() == "main"
    # an unsigned commit is refused by the hook server create installed
    git(repo, "commit", "-q", "--allow-empty", "--no-gpg-sign", "-m", "unsigned")
    pushed = git(repo, "push", "origin", "main", check=False)
    assert pushed.returncode != 0 and "UNSIGNED_COMMIT" in pushed.stderr
    assert git(bare, "rev-parse", "main").stdout != git(repo, "rev-parse", "main").stdout


def test_server_create_heads_the_first_protected_branch(tmp_path: Path) -> None:
    bare = tmp_path / "srv.git"
    techxfer(tmp_path, "server", "create", str(bare), "--protect", "release", "--protect", "main")
    assert git(bare, "symbolic-ref", "HEAD").stdout.strip() == "refs/heads/release"
    assert git(bare, "config", "techxfer.protectedBranches").stdout.strip() == "release main"


def test_server_create_refuses_and_leaves_nothing(tmp_path: Path) -> None:
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "file").write_text("x")
    assert_refused(techxfer(tmp_path, "server", "create", str(busy), check=False),
                   "not an empty directory")
    assert [p.name for p in busy.iterdir()] == ["file"]
    assert_refused(techxfer(tmp_path, "server", "create", str(tmp_path / "a.git"), "--protect",
                            "bad..name", check=False), "bad..name")
    assert not (tmp_path / "a.git").exists()
    # a hook that git would not run: refused, and the repository made is removed again
    hooks_path = tmp_path / "elsewhere"
    git(tmp_path, "config", "--global", "core.hooksPath", str(hooks_path))
    assert_refused(techxfer(tmp_path, "server", "create", str(tmp_path / "b.git"), check=False),
                   "core.hooksPath")
    assert not (tmp_path / "b.git").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_refused(techxfer(tmp_path, "server", "create", str(empty), check=False),
                   "core.hooksPath")
    assert empty.is_dir() and not any(empty.iterdir())


def test_server_create_with_a_witness_key_writes_a_receipt_of_each_push(
        tmp_path: Path, keys: dict[str, SshKey]) -> None:
    witness = make_ssh_key(tmp_path / "k", "witness")
    bare = tmp_path / "pump.git"
    proc = techxfer(tmp_path, "server", "create", str(bare), "--witness-key", str(witness.private))
    assert witness.public_line.split()[1] in proc.stdout  # the line for parties.yaml
    assert git(bare, "config", "techxfer.witnessKey").stdout.strip() == str(witness.private.resolve())
    assert (bare / "hooks" / "pre-receive").is_file() and (bare / "hooks" / "post-receive").is_file()
    repo = init_repo(tmp_path / "r", keys)
    git(repo, "remote", "add", "origin", str(bare))
    pushed = git(repo, "push", "-u", "origin", "main")
    assert "receipt" in pushed.stderr
    receipt = git(bare, "log", "-1", "--format=%P|%s", "refs/techxfer/receipts").stdout.strip()
    assert receipt.startswith("|techxfer receipt ")  # the first link of the chain
    signers = tmp_path / "witness.allowed"
    signers.write_text(f"witness@techxfer.invalid {witness.public_line}\n")
    letters = git(bare, "-c", f"gpg.ssh.allowedSignersFile={signers}", "log", "--format=%G?",
                  "refs/techxfer/receipts").stdout.split()
    assert letters == ["G"]


def test_server_create_with_a_witness_key_it_cannot_use_leaves_nothing(tmp_path: Path) -> None:
    assert_refused(techxfer(tmp_path, "server", "create", str(tmp_path / "a.git"), "--witness-key",
                            str(tmp_path / "missing"), check=False), "--witness-key", "no such file")
    assert not (tmp_path / "a.git").exists()


# -- the README's two-party flow -------------------------------------------------------------
def test_the_readme_two_party_flow(tmp_path: Path, keys: dict[str, SshKey]) -> None:
    """README "Quick start": registrant init, people, signing, trust root, server, transfer;
    manufacturer clone, signing, ack; verify clean and git naming every signer."""
    zhang, li = keys["zhang"], keys["li"]
    techxfer(tmp_path, "init", "pump", "--registrant", "acme", "--manufacturer", "fab")
    reg = tmp_path / "pump"
    techxfer(reg, "person", "add", "acme", "zhang.wei", "--name", "张伟", "--role", "quality-head",
             "--role", "doc-control", "--key", str(zhang.public))
    techxfer(reg, "person", "add", "fab", "li.na", "--name", "李娜", "--role", "quality-head",
             "--role", "doc-control", "--key", str(li.public))
    techxfer(reg, "signing", "setup", "--key", str(zhang.private))
    git(reg, "commit", "-q", "-m", "Trust root")
    techxfer(tmp_path, "server", "create", "pump.git")
    git(reg, "remote", "add", "origin", str(tmp_path / "pump.git"))
    git(reg, "push", "-q", "-u", "origin", "main")
    (reg / "design").mkdir()
    (reg / "design" / "drawing.pdf").write_bytes(b"%PDF-1.4 housing\n")
    techxfer(reg, "add", "design/drawing.pdf", "--id", "DRW-001", "--title", "Housing drawing",
             "--category", "design-output", "--revision", "A")
    techxfer(reg, "transfer", "DRW-001", "--to", "fab", "-m", "Initial design transfer")
    git(reg, "push", "-q")

    git(tmp_path, "clone", "-q", "pump.git", "fab-pump")
    fab = tmp_path / "fab-pump"
    techxfer(fab, "signing", "setup", "--key", str(li.private))
    status = techxfer(fab, "status").stdout
    tx_id = next(word for word in status.split() if word.startswith("TX-"))
    techxfer(fab, "ack", tx_id)
    git(fab, "push", "-q")
    assert techxfer(fab, "verify").returncode == 0
    assert git(fab, "log", "--format=%G? %GS").stdout.split("\n")[:3] == [
        "G li.na@fab", "G zhang.wei@acme", "G zhang.wei@acme"]


# -- outside a repository ----------------------------------------------------------------------
@pytest.mark.parametrize("args", [["check"], ["status"], ["verify"], ["person", "list"],
                                  ["signing", "allowed-signers"],
                                  ["person", "add", "acme", "p", "--name", "P", "--role", "x"]])
def test_outside_a_repository_the_message_says_what_to_do(tmp_path: Path, args: list[str]) -> None:
    proc = techxfer(tmp_path, *args, check=False)
    assert_refused(proc, "not a git repository", "techxfer init")


# -- transfer --changed says what it leaves out ------------------------------------------------
def test_transfer_changed_names_files_changed_but_not_registered(repo: Path,
                                                                 keys: dict[str, SshKey]) -> None:
    from conftest import use_signing_key

    use_signing_key(repo, keys["wang"])
    techxfer(repo, "transfer", "DRW-001", "SPEC-001", "--to", "fab", "-m", "Design transfer")
    add_doc(repo, "design/drawing.pdf", b"%PDF-1.4 drawing rev B\n", "DRW-001", revision="B")
    git(repo, "commit", "-q", "-m", "rev B")
    (repo / "design" / "spec.txt").write_text("Specification, edited but not registered\n")
    head = git(repo, "rev-parse", "HEAD").stdout
    status = git(repo, "status", "--porcelain").stdout
    assert_refused(techxfer(repo, "transfer", "--changed", "--to", "fab", "-m", "ECN-2",
                            check=False), "SPEC-001 (design/spec.txt)", "techxfer add")
    assert git(repo, "rev-parse", "HEAD").stdout == head
    assert git(repo, "status", "--porcelain").stdout == status
    # named explicitly, the registered change goes without the unregistered edit
    techxfer(repo, "transfer", "DRW-001", "--to", "fab", "-m", "ECN-2")
    assert git(repo, "rev-parse", "HEAD").stdout != head
    assert "spec.txt" in git(repo, "status", "--porcelain").stdout
