"""Approval before use in a repository made with ``techxfer init --require-approval``: the
normal flow as a user types it (drafts by default, the quality head's approval, transfer),
and a revision made effective without approval, caught (DESIGN 11; issue 18 item 2)."""

from __future__ import annotations

from pathlib import Path

import yaml
from attack_helpers import ack, assert_clean, assert_found, head, transfer
from conftest import PEOPLE, SshKey, commit_as, techxfer, use_signing_key


def _repo(tmp_path: Path, keys: dict[str, SshKey]) -> Path:
    repo = tmp_path / "repo"
    techxfer(tmp_path, "init", str(repo), "--registrant", "acme", "--manufacturer", "fab",
             "--require-approval")
    for party, pid, name, roles, key in PEOPLE:
        args = ["person", "add", party, pid, "--name", name, "--key", str(keys[key].public)]
        for role in roles:
            args += ["--role", role]
        techxfer(repo, *args)
    commit_as(repo, keys["zhang"], "Trust root")
    return repo


def test_init_can_require_approval_and_the_normal_flow_is_clean(
        tmp_path: Path, keys: dict[str, SshKey]) -> None:
    repo = _repo(tmp_path, keys)
    policy = yaml.safe_load((repo / ".techxfer" / "policy.yaml").read_text())
    assert [r.get("approval") for r in policy["rules"] if r.get("owner") == "registrant"] \
        == ["required"]
    (repo / "design").mkdir()
    (repo / "design" / "spec.txt").write_bytes(b"Specification rev A\n")
    added = techxfer(repo, "add", "design/spec.txt", "--id", "SPEC-001", "--title", "Spec",
                     "--category", "design-output", "--revision", "A").stdout
    assert "is a draft" in added and "techxfer approve SPEC-001" in added
    entry = yaml.safe_load((repo / "MANIFEST.yaml").read_text())["documents"][0]
    assert entry["status"] == "draft" and "effective" not in entry
    commit_as(repo, keys["wang"], "SPEC-001 drafted")
    use_signing_key(repo, keys["wang"])
    refused = techxfer(repo, "transfer", "SPEC-001", "--to", "fab", "-m", "early", check=False)
    assert refused.returncode == 2 and "draft" in refused.stderr
    clerk = techxfer(repo, "approve", "SPEC-001", check=False)
    assert clerk.returncode == 2 and "approved" in clerk.stderr
    use_signing_key(repo, keys["zhang"])
    techxfer(repo, "approve", "SPEC-001", "-m", "Design review passed")
    entry = yaml.safe_load((repo / "MANIFEST.yaml").read_text())["documents"][0]
    assert entry["status"] == "effective"
    tx = transfer(repo, keys["wang"], "SPEC-001")
    ack(repo, keys["li"], tx)
    assert_clean(repo)


def test_a_revision_made_effective_without_approval_is_caught(
        tmp_path: Path, keys: dict[str, SshKey]) -> None:
    repo = _repo(tmp_path, keys)
    (repo / "design").mkdir()
    (repo / "design" / "spec.txt").write_bytes(b"Specification rev A\n")
    techxfer(repo, "add", "design/spec.txt", "--id", "SPEC-001", "--title", "Spec",
             "--category", "design-output", "--revision", "A", "--status", "effective")
    commit_as(repo, keys["wang"], "SPEC-001 effective at once")
    assert_found(repo, "CHANGE_NOT_APPROVED", commit=head(repo))


def test_an_approval_record_that_is_not_yaml_is_a_finding_naming_it(
        tmp_path: Path, keys: dict[str, SshKey]) -> None:
    repo = _repo(tmp_path, keys)
    (repo / "approvals").mkdir()
    (repo / "approvals" / "SPEC-001@A.yaml").write_text("document: [unclosed\n")
    commit_as(repo, keys["zhang"], "A broken approval record")
    assert_found(repo, "ACK_INVALID", commit=head(repo), path="approvals/SPEC-001@A.yaml")
