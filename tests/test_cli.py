"""The register commands through the real command line: init, person add, add, status,
check, and their exit statuses (0 clean, 1 findings, 2 could not run)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

import pytest
import yaml
from conftest import (
    SSH_KINDS,
    TESTDATA,
    SshKey,
    add_doc,
    commit_as,
    git,
    init_repo,
    run,
    techxfer,
)


def snapshot_tree(root: Path) -> dict[str, bytes]:
    """Every file under root (the .git index and config too): to prove nothing was written."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not path.is_symlink() and "/objects/" not in f"/{rel}" \
                and "techxfer/" not in rel.removeprefix(".git/")[:9]:
            out[rel] = path.read_bytes()
    return out


def assert_clean_error(proc: object, *needles: str) -> None:
    """Exit 2, one clear message on stderr naming what is wrong, no traceback."""
    assert proc.returncode == 2, (proc.stdout, proc.stderr)  # type: ignore[attr-defined]
    err: str = proc.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in err and "internal error" not in err, err
    assert err.startswith("techxfer: error:") or err.startswith("Error:"), err
    for needle in needles:
        assert needle in err, (needle, err)


def manifest(repo: Path, folder: str = "design") -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((repo / folder / "MANIFEST.yaml").read_text())  # type: ignore[no-any-return]


# -- init -------------------------------------------------------------------------------
def test_init_writes_configuration_and_makes_no_commit(tmp_path: Path) -> None:
    target = tmp_path / "new" / "device"
    proc = techxfer(tmp_path, "init", str(target), "--registrant", "acme", "--manufacturer", "fab",
                    "--product", "Pump")
    for name in ("repo.yaml", "parties.yaml", "policy.yaml", "retention.yaml"):
        assert (target / ".techxfer" / name).is_file()
    assert (target / "MANIFEST.yaml").is_file()
    assert "trust root" in proc.stdout
    assert git(target, "rev-parse", "--verify", "HEAD", check=False).returncode != 0
    repo_yaml = yaml.safe_load((target / ".techxfer" / "repo.yaml").read_text())
    assert repo_yaml["registrant"] == "acme" and repo_yaml["manufacturer"] == "fab"
    # the new repository passes its own check
    assert techxfer(target, "check").returncode == 0


def test_init_refuses_an_initialised_repository_and_equal_parties(tmp_path: Path) -> None:
    target = tmp_path / "r"
    techxfer(tmp_path, "init", str(target), "--registrant", "acme", "--manufacturer", "fab")
    before = snapshot_tree(target)
    assert_clean_error(techxfer(tmp_path, "init", str(target), "--registrant", "acme",
                                "--manufacturer", "fab", check=False), ".techxfer")
    assert snapshot_tree(target) == before
    assert_clean_error(techxfer(tmp_path, "init", str(tmp_path / "s"), "--registrant", "same",
                                "--manufacturer", "same", check=False))
    assert not (tmp_path / "s" / ".techxfer").exists()


# -- person add -------------------------------------------------------------------------
@pytest.mark.parametrize("kind", list(SSH_KINDS))
def test_person_add_accepts_every_openssh_key_type(tmp_path: Path, kind: str,
                                                   ssh_keys: dict[str, SshKey]) -> None:
    repo = tmp_path / "r"
    techxfer(tmp_path, "init", str(repo), "--registrant", "acme", "--manufacturer", "fab")
    key = ssh_keys[kind]
    assert key.public_line.startswith(SSH_KINDS[kind][2] + " ")
    techxfer(repo, "person", "add", "acme", "p.one", "--name", "P One", "--role", "doc-control",
             "--key", str(key.public))
    parties = yaml.safe_load((repo / ".techxfer" / "parties.yaml").read_text())
    person = parties["parties"]["acme"]["people"][0]
    assert person["id"] == "p.one"
    assert key.public_line.split()[1] in json.dumps(person)


@pytest.mark.parametrize("vector", ["ed25519_sk", "ecdsa_sk"])
def test_person_add_accepts_fido_keys(tmp_path: Path, vector: str) -> None:
    repo = tmp_path / "r"
    techxfer(tmp_path, "init", str(repo), "--registrant", "acme", "--manufacturer", "fab")
    pub = TESTDATA / "openssh-sshsig" / f"{vector}.pub"
    techxfer(repo, "person", "add", "registrant", "fido", "--name", "F", "--role", "doc-control",
             "--key", str(pub))
    assert pub.read_text().split()[1] in (repo / ".techxfer" / "parties.yaml").read_text()


def test_person_add_second_key_keeps_the_first(tmp_path: Path, keys: dict[str, SshKey]) -> None:
    repo = tmp_path / "r"
    techxfer(tmp_path, "init", str(repo), "--registrant", "acme", "--manufacturer", "fab")
    techxfer(repo, "person", "add", "acme", "p", "--name", "P", "--role", "doc-control",
             "--key", str(keys["zhang"].public), "--valid-until", "2026-12-31")
    techxfer(repo, "person", "add", "acme", "p", "--name", "P", "--role", "doc-control",
             "--key", str(keys["wang"].public), "--valid-from", "2027-01-01")
    text = (repo / ".techxfer" / "parties.yaml").read_text()
    assert keys["zhang"].public_line.split()[1] in text
    assert keys["wang"].public_line.split()[1] in text
    assert "2026-12-31" in text and "2027-01-01" in text


def test_person_add_openpgp_key(tmp_path: Path) -> None:
    if shutil.which("gpg") is None:
        pytest.skip("gpg not installed")
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    env = {"GNUPGHOME": str(home)}
    run("gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key",
        "Zhang <z@example.invalid>", "ed25519", "sign", "never", env=env)
    armored = run("gpg", "--armor", "--export", "z@example.invalid", env=env).stdout
    (tmp_path / "z.asc").write_text(armored)
    fpr = [ln.split(":")[9] for ln in run("gpg", "--with-colons", "--list-keys", env=env)
           .stdout.splitlines() if ln.startswith("fpr:")][0]
    repo = tmp_path / "r"
    techxfer(tmp_path, "init", str(repo), "--registrant", "acme", "--manufacturer", "fab")
    techxfer(repo, "person", "add", "acme", "zhang", "--name", "Z", "--role", "quality-head",
             "--key", str(tmp_path / "z.asc"))
    assert fpr.upper() in (repo / ".techxfer" / "parties.yaml").read_text().upper()


@pytest.mark.parametrize("content,needle", [
    ("ssh-ed25519 AAAAnot-base64!!", "key"),
    ("ssh-ed25519 AAAAC3NzaC1yc2EAAAADAQABAAABAQ== x", "key"),  # rsa blob under an ed25519 label
    ("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnonsense\n-----END PGP PUBLIC KEY BLOCK-----\n", "key"),
    ("", "key"),
])
def test_person_add_refuses_malformed_keys(tmp_path: Path, content: str, needle: str) -> None:
    repo = tmp_path / "r"
    techxfer(tmp_path, "init", str(repo), "--registrant", "acme", "--manufacturer", "fab")
    (tmp_path / "bad.pub").write_text(content)
    before = snapshot_tree(repo)
    proc = techxfer(repo, "person", "add", "acme", "p", "--name", "P", "--role", "doc-control",
                    "--key", str(tmp_path / "bad.pub"), check=False)
    assert_clean_error(proc, needle)
    assert snapshot_tree(repo) == before


def test_person_add_refuses_unknown_party_shared_key_and_role_conflict(
        tmp_path: Path, keys: dict[str, SshKey]) -> None:
    repo = tmp_path / "r"
    techxfer(tmp_path, "init", str(repo), "--registrant", "acme", "--manufacturer", "fab")
    techxfer(repo, "person", "add", "acme", "a", "--name", "A", "--role", "doc-control",
             "--key", str(keys["zhang"].public))
    before = snapshot_tree(repo)
    assert_clean_error(techxfer(repo, "person", "add", "nobody", "b", "--name", "B", "--role", "x",
                                "--key", str(keys["wang"].public), check=False), "nobody")
    assert_clean_error(techxfer(repo, "person", "add", "fab", "b", "--name", "B",
                                "--role", "doc-control", "--key", str(keys["zhang"].public),
                                check=False), "acme:a")
    assert_clean_error(techxfer(repo, "person", "add", "fab", "c", "--name", "C",
                                "--role", "production-head", "--role", "quality-head",
                                "--key", str(keys["li"].public), check=False), "production-head")
    assert_clean_error(techxfer(repo, "person", "add", "fab", "d", "--name", "D",
                                "--role", "doc-control", "--key", str(tmp_path / "missing.pub"),
                                check=False), "missing.pub")
    assert snapshot_tree(repo) == before


# -- add --------------------------------------------------------------------------------
def test_add_records_hash_and_new_revisions(repo: Path) -> None:
    entry = manifest(repo)["documents"][0]
    assert entry["id"] == "DRW-001" and entry["revision"] == "A"
    assert entry["sha256"] == hashlib.sha256((repo / "design/drawing.pdf").read_bytes()).hexdigest()
    assert entry["owner"] == "registrant"  # from the matching policy rule
    (repo / "design/drawing.pdf").write_bytes(b"%PDF-1.4 drawing rev B\n")
    before = snapshot_tree(repo)
    proc = techxfer(repo, "add", "design/drawing.pdf", "--id", "DRW-001", "--title", "Drawing",
                    "--category", "design-output", "--revision", "A", check=False)
    assert_clean_error(proc, "revision")
    assert snapshot_tree(repo) == before
    techxfer(repo, "add", "design/drawing.pdf", "--id", "DRW-001", "--title", "Drawing",
             "--category", "design-output", "--revision", "B", "--title-zh", "图纸")
    entry = manifest(repo)["documents"][0]
    assert entry["revision"] == "B" and entry["title_zh"] == "图纸"
    assert entry["sha256"] == hashlib.sha256(b"%PDF-1.4 drawing rev B\n").hexdigest()
    staged = git(repo, "diff", "--cached", "--name-only").stdout.split()
    assert staged == ["design/MANIFEST.yaml", "design/drawing.pdf"]


def test_add_writes_into_the_nearest_manifest(repo: Path) -> None:
    (repo / "design" / "sub").mkdir()
    (repo / "design" / "sub" / "MANIFEST.yaml").write_text("format: 1\ndocuments: []\n")
    add_doc(repo, "design/sub/deep/part.txt", b"part\n", "PART-1")
    entries = yaml.safe_load((repo / "design/sub/MANIFEST.yaml").read_text())["documents"]
    assert entries[0]["path"] == "deep/part.txt"
    assert all(e["id"] != "PART-1" for e in manifest(repo)["documents"])


def test_add_refuses_an_id_used_elsewhere(repo: Path) -> None:
    (repo / "design/other.txt").write_text("x")
    before = snapshot_tree(repo)
    assert_clean_error(techxfer(repo, "add", "design/other.txt", "--id", "DRW-001", "--title", "t",
                               "--category", "c", "--revision", "A", check=False), "DRW-001")
    assert snapshot_tree(repo) == before


@pytest.mark.parametrize("case", ["outside", "dotdot", "symlink", "symlinked-dir", "missing",
                                  "directory", "unknown-retention", "unknown-owner",
                                  "other-owner"])
def test_add_bad_input_exits_2_and_writes_nothing(repo: Path, tmp_path: Path, case: str) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("outside")
    path, extra = "design/x.txt", []
    if case == "outside":
        path = str(outside)
    elif case == "dotdot":
        path = "design/../../outside.txt"
    elif case == "symlink":
        os.symlink(outside, repo / "design" / "link.txt")
        path = "design/link.txt"
    elif case == "symlinked-dir":
        (tmp_path / "elsewhere").mkdir()
        (tmp_path / "elsewhere" / "f.txt").write_text("f")
        os.symlink(tmp_path / "elsewhere", repo / "design" / "dir")
        path = "design/dir/f.txt"
    elif case == "missing":
        path = "design/nothing.txt"
    elif case == "directory":
        (repo / "design" / "folder").mkdir()
        (repo / "design" / "folder" / "f").write_text("f")
        path = "design/folder"
    else:
        (repo / "design" / "x.txt").write_text("x")
        extra = {"unknown-retention": ["--retention", "forever"],
                 "unknown-owner": ["--owner", "nobody"],
                 "other-owner": ["--owner", "manufacturer"]}[case]
    before = snapshot_tree(repo)
    proc = techxfer(repo, "add", path, "--id", "X-1", "--title", "t", "--category", "c",
                    "--revision", "A", *extra, check=False)
    assert_clean_error(proc)
    if case == "other-owner":  # design/** is the registrant's by the policy
        assert "the owner of design/x.txt, not manufacturer" in proc.stderr, proc.stderr
    assert snapshot_tree(repo) == before


def test_add_refuses_a_non_utf8_file_name(repo: Path) -> None:
    name = b"design/caf\xe9.txt"
    with open(os.fsencode(repo) + b"/" + name, "wb") as fh:
        fh.write(b"x")
    before = snapshot_tree(repo)
    proc = run(sys.executable, "-m", "techxfer", "add", os.fsdecode(name), "--id", "X-2", "--title", "t",
               "--category", "c", "--revision", "A", cwd=repo, check=False)
    assert_clean_error(proc)
    assert snapshot_tree(repo) == before
    # and check names it as an unsafe path
    proc = techxfer(repo, "check", "--json", check=False)
    assert proc.returncode == 1
    assert "UNSAFE_PATH" in {f["code"] for f in json.loads(proc.stdout)["findings"]}


# -- status -----------------------------------------------------------------------------
def test_status_reports_changed_missing_unlisted_and_fine(repo: Path) -> None:
    clean = json.loads(techxfer(repo, "status", "--json").stdout)
    assert clean["documents"] == 2 and len(clean["ok"]) == 2
    (repo / "design/drawing.pdf").write_bytes(b"tampered")
    (repo / "design/spec.txt").unlink()
    (repo / "design/new.txt").write_text("new")
    status = json.loads(techxfer(repo, "status", "--json").stdout)
    codes = {(f["code"], f["path"]) for key in ("changed", "missing", "unlisted")
             for f in status[key]}
    assert ("HASH_MISMATCH", "design/drawing.pdf") in codes
    assert ("MISSING_FILE", "design/spec.txt") in codes
    assert ("UNLISTED_FILE", "design/new.txt") in codes
    text = techxfer(repo, "status").stdout
    assert "Changed" in text and "Missing" in text and "Not listed" in text


# -- check ------------------------------------------------------------------------------
def check_codes(repo: Path) -> set[tuple[str, str | None]]:
    proc = techxfer(repo, "check", "--json", check=False)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    return {(f["code"], f["path"]) for f in json.loads(proc.stdout)["findings"]}


def test_check_clean_repository_exits_0(repo: Path) -> None:
    proc = techxfer(repo, "check")
    assert proc.returncode == 0 and "Clean: 2 documents" in proc.stdout


def test_check_hash_missing_unlisted(repo: Path) -> None:
    (repo / "design/drawing.pdf").write_bytes(b"changed")
    (repo / "design/spec.txt").unlink()
    (repo / "process").mkdir()
    (repo / "process/flow.txt").write_text("flow")
    codes = check_codes(repo)
    assert ("HASH_MISMATCH", "design/drawing.pdf") in codes
    assert ("MISSING_FILE", "design/spec.txt") in codes
    assert ("UNLISTED_FILE", "process/flow.txt") in codes
    text = techxfer(repo, "check", check=False).stdout
    assert "HASH_MISMATCH" in text and "Summary:" in text


def edit_manifest(repo: Path, change: object, folder: str = "design") -> None:
    data = manifest(repo, folder)
    change(data)  # type: ignore[operator]
    (repo / folder / "MANIFEST.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))


def test_check_duplicate_ids_across_manifests(repo: Path) -> None:
    (repo / "process").mkdir()
    (repo / "process/MANIFEST.yaml").write_text("format: 1\ndocuments: []\n")
    add_doc(repo, "process/flow.txt", b"flow", "FLOW-1")
    edit_manifest(repo, lambda d: d["documents"][0].update(id="DRW-001"), "process")
    assert "DUPLICATE_ID" in {c for c, _ in check_codes(repo)}


@pytest.mark.parametrize("bad_path", ["../outside.txt", "/etc/passwd", "a/../../b.txt"])
def test_check_paths_escaping_the_repository(repo: Path, bad_path: str) -> None:
    edit_manifest(repo, lambda d: d["documents"][0].update(path=bad_path))
    codes = {c for c, _ in check_codes(repo)}
    assert codes & {"UNSAFE_PATH", "MANIFEST_INVALID"}, codes


def test_check_path_through_a_symlink(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "drawing.pdf").write_bytes((repo / "design/drawing.pdf").read_bytes())
    (repo / "design/drawing.pdf").unlink()
    os.symlink(tmp_path / "real" / "drawing.pdf", repo / "design/drawing.pdf")
    assert ("UNSAFE_PATH", "design/drawing.pdf") in check_codes(repo)


def test_check_paths_differing_by_case(repo: Path) -> None:
    (repo / "design/Spec.txt").write_text("other")
    codes = check_codes(repo)
    assert "UNSAFE_PATH" in {c for c, _ in codes}


def test_check_unknown_owner_and_retention_class(repo: Path) -> None:
    edit_manifest(repo, lambda d: d["documents"][0].update(owner="nobody"))
    edit_manifest(repo, lambda d: d["documents"][1].update(retention="forever"))
    proc = techxfer(repo, "check", "--json", check=False)
    findings = json.loads(proc.stdout)["findings"]
    text = " ".join(f["message"] for f in findings)
    assert proc.returncode == 1 and "nobody" in text and "forever" in text


def test_check_role_conflict_and_shared_key(repo: Path, keys: dict[str, SshKey]) -> None:
    path = repo / ".techxfer/parties.yaml"
    parties = yaml.safe_load(path.read_text())
    fab = parties["parties"]["fab"]["people"]
    fab[0]["roles"] = ["quality-head", "production-head"]
    fab[1]["keys"] = [dict(parties["parties"]["acme"]["people"][0]["keys"][0])]
    path.write_text(yaml.safe_dump(parties, allow_unicode=True))
    codes = {c for c, _ in check_codes(repo)}
    assert {"ROLE_CONFLICT", "SHARED_KEY"} <= codes


@pytest.mark.parametrize("text,needle", [
    ("documents: [\n", "malformed YAML"),
    ("a: &x [1]\nb: *x\ndocuments: []\n", "alias"),
    ("documents:\n- id: A\n  id: B\n", "duplicate"),
    ("format: 1\ndocuments: []\nextra: 1\n", "extra"),
    ("format: 1\ndocuments:\n- id: ''\n  path: x\n", "documents[0]"),
])
def test_check_broken_manifest_names_file_and_key(repo: Path, text: str, needle: str) -> None:
    (repo / "design/MANIFEST.yaml").write_text(text)
    proc = techxfer(repo, "check", "--json", check=False)
    assert proc.returncode == 1
    findings = json.loads(proc.stdout)["findings"]
    bad = [f for f in findings if f["code"] == "MANIFEST_INVALID"]
    assert bad and bad[0]["path"] == "design/MANIFEST.yaml"
    assert needle.lower() in " ".join(f["message"] for f in bad).lower()


def test_alias_bomb_is_refused_quickly(repo: Path) -> None:
    bomb = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
        f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n"
        for i in range(9))
    (repo / "design/MANIFEST.yaml").write_text(bomb + "documents: []\n")
    proc = techxfer(repo, "check", "--json", check=False)
    assert proc.returncode == 1
    assert "alias" in proc.stdout.lower()


@pytest.mark.parametrize("name,text,needle", [
    ("policy.yaml", "rules: [\n", "policy.yaml"),
    ("repo.yaml", "format: 1\nregistrant: acme\n", "repo.yaml"),
    ("retention.yaml", "classes: {}\nbogus: 1\n", "retention.yaml"),
])
def test_broken_configuration_is_reported_with_file(repo: Path, name: str, text: str, needle: str) -> None:
    (repo / ".techxfer" / name).write_text(text)
    proc = techxfer(repo, "check", check=False)
    assert proc.returncode in (1, 2)
    out = proc.stdout + proc.stderr
    assert needle in out and "Traceback" not in out


def test_commands_outside_a_repository_exit_2(tmp_path: Path) -> None:
    for args in (["check"], ["status"], ["verify"]):
        assert_clean_error(techxfer(tmp_path, *args, check=False))


def test_check_a_committed_repository_after_signed_commits(tmp_path: Path, keys: dict[str, SshKey]) -> None:
    repo = init_repo(tmp_path / "r", keys)
    add_doc(repo, "design/a.txt", b"a", "A-1")
    commit_as(repo, keys["wang"], "add")
    assert techxfer(repo, "check").returncode == 0
    assert git(repo, "log", "--format=%G?", "-1").stdout.strip() in {"G", "U", "N", "B", "E"}
