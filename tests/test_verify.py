"""``techxfer verify`` over real signed histories: every finding code of DESIGN section 4,
each shown caught with its code, and the good case clean. Plus the attacks an auditor
worries about."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from attack_helpers import assert_clean, codes, verify
from conftest import (
    SshKey,
    add_doc,
    commit_as,
    git,
    init_repo,
    techxfer,
    use_signing_key,
)


def head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").stdout.strip()


def plain_commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "-c", "commit.gpgSign=false", "commit", "-q", "-m", message)


def transfer(repo: Path, keys: dict[str, SshKey], *ids: str, who: str = "wang",
             to: str = "fab") -> str:
    use_signing_key(repo, keys[who])
    out = techxfer(repo, "transfer", *(ids or ("DRW-001", "SPEC-001")), "--to", to, "-m",
                   "transfer for the test").stdout
    match = re.search(r"TX-\d{8}-[RM]-[0-9a-f]{8}", out)
    assert match, out
    return match.group(0)


def ack(repo: Path, keys: dict[str, SshKey], tx_id: str, who: str = "li", meaning: str = "received") -> None:
    use_signing_key(repo, keys[who])
    techxfer(repo, "ack", tx_id, "--meaning", meaning)


def edit_yaml(path: Path, change: Any) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def test_clean_history_with_transfer_and_ack(repo: Path, keys: dict[str, SshKey]) -> None:
    tx = transfer(repo, keys)
    ack(repo, keys, tx)
    proc = techxfer(repo, "verify")
    assert proc.returncode == 0
    assert "1 transfer, 1 acknowledgement" in proc.stdout and "No findings" in proc.stdout
    zh = techxfer(repo, "verify", "--lang", "zh")
    assert zh.returncode == 0 and zh.stdout != proc.stdout


# -- signatures -------------------------------------------------------------------------
def test_unsigned_commit(repo: Path) -> None:
    add_doc(repo, "design/drawing.pdf", b"rev B", "DRW-001", revision="B")
    plain_commit(repo, "unsigned")
    rc, findings = verify(repo)
    assert rc == 1 and [f["code"] for f in findings] == ["UNSIGNED_COMMIT"]
    assert findings[0]["commit"] == head(repo)
    text = techxfer(repo, "verify", check=False).stdout
    assert "UNSIGNED_COMMIT" in text and head(repo)[:10] in text


def test_bad_signature_on_a_forged_commit(repo: Path) -> None:
    """A signed commit whose message was changed afterwards: the signature no longer holds."""
    raw = git(repo, "cat-file", "commit", "HEAD").stdout
    forged = raw.replace("Register design documents", "Register design documents (edited)")
    new = subprocess.run(["git", "hash-object", "-t", "commit", "-w", "--stdin"], cwd=repo,
                         input=forged.encode(), capture_output=True, check=True).stdout.decode().strip()
    git(repo, "update-ref", "refs/heads/main", new)
    assert "BAD_SIGNATURE" in codes(repo)


def test_unknown_key(repo: Path, keys: dict[str, SshKey]) -> None:
    add_doc(repo, "design/drawing.pdf", b"rev B", "DRW-001", revision="B")
    commit_as(repo, keys["outsider"], "by an outsider")
    assert codes(repo) == {"UNKNOWN_KEY"}


ROOT_DATE = "2025-03-01T09:00:00+08:00"


@pytest.fixture
def windowed(tmp_path: Path, keys: dict[str, SshKey]) -> Path:
    """wang's key is valid only during 2025; zhang signs the root, in March 2025."""
    repo = init_repo(tmp_path / "w", keys, commit=False)
    edit_yaml(repo / ".techxfer/parties.yaml", lambda d: d["parties"]["acme"]["people"][1]["keys"][0]
              .update(valid_from="2025-01-01", valid_until="2025-12-31"))
    commit_as(repo, keys["zhang"], "Trust root",
              env={"GIT_COMMITTER_DATE": ROOT_DATE, "GIT_AUTHOR_DATE": ROOT_DATE})
    return repo


def test_key_outside_its_validity(windowed: Path, keys: dict[str, SshKey]) -> None:
    (windowed / "design").mkdir()
    add_doc(windowed, "design/a.txt", b"a", "A-1")
    commit_as(windowed, keys["wang"], "after the key expired")
    assert codes(windowed) == {"KEY_NOT_VALID"}


def test_key_inside_its_validity_is_clean(windowed: Path, keys: dict[str, SshKey]) -> None:
    (windowed / "design").mkdir()
    add_doc(windowed, "design/a.txt", b"a", "A-1")
    date = "2025-06-01T10:00:00+08:00"
    commit_as(windowed, keys["wang"], "in 2025", env={"GIT_COMMITTER_DATE": date,
                                                      "GIT_AUTHOR_DATE": date})
    assert_clean(windowed)


def test_a_key_cannot_be_used_by_backdating_past_its_parent(windowed: Path,
                                                            keys: dict[str, SshKey]) -> None:
    """A commit dated inside the window on top of one dated after it: the key is judged at
    the latest time the commit can be shown to exist from, its parent's."""
    (windowed / "design").mkdir()
    add_doc(windowed, "design/a.txt", b"a", "A-1")
    commit_as(windowed, keys["zhang"], "registrant work, now")  # zhang has no window
    add_doc(windowed, "design/b.txt", b"b", "B-1")
    date = "2025-06-01T10:00:00+08:00"
    commit_as(windowed, keys["wang"], "backdated into 2025", env={"GIT_COMMITTER_DATE": date,
                                                                  "GIT_AUTHOR_DATE": date})
    rc, findings = verify(windowed)
    assert {"TIME_INCONSISTENT", "KEY_NOT_VALID"} <= {f["code"] for f in findings
                                                     if f["commit"] == head(windowed)}


# -- authorisation ----------------------------------------------------------------------
def test_manufacturer_editing_registrant_paths(repo: Path, keys: dict[str, SshKey]) -> None:
    add_doc(repo, "design/drawing.pdf", b"changed by fab", "DRW-001", revision="B")
    commit_as(repo, keys["zhao"], "fab edits a design drawing")
    rc, findings = verify(repo)
    assert {f["code"] for f in findings} == {"UNAUTHORIZED_CHANGE"}
    assert any(f["path"] == "design/drawing.pdf" for f in findings)


def test_manufacturer_records_are_fine_registrant_records_are_not(repo: Path, keys: dict[str, SshKey]) -> None:
    add_doc(repo, "records/batch-1.csv", b"batch,1\n", "BR-1", category="batch-record")
    commit_as(repo, keys["zhao"], "batch record")
    assert_clean(repo)
    add_doc(repo, "records/batch-2.csv", b"batch,2\n", "BR-2", category="batch-record")
    commit_as(repo, keys["wang"], "registrant writes a manufacturer record")
    assert codes(repo) == {"UNAUTHORIZED_CHANGE"}


def test_a_replace_ref_does_not_hide_a_commit(repo: Path, keys: dict[str, SshKey]) -> None:
    """git replace makes git (not techxfer) show a harmless stand-in for the bad commit."""
    add_doc(repo, "design/drawing.pdf", b"changed by fab", "DRW-001", revision="B")
    commit_as(repo, keys["zhao"], "fab edits a design drawing")
    bad = head(repo)
    stand_in = git(repo, "commit-tree", "-p", "HEAD~1", "-m", "harmless", "HEAD~1^{tree}").stdout.strip()
    git(repo, "replace", bad, stand_in)
    assert "harmless" in git(repo, "log", "-1", "--format=%s").stdout
    findings = verify(repo)[1]
    assert {(f["code"], f["commit"]) for f in findings} >= {("UNAUTHORIZED_CHANGE", bad)}


def test_a_submodule_link_hidden_by_gitmodules_is_judged(repo: Path, keys: dict[str, SshKey]) -> None:
    (repo / ".gitmodules").write_text('[submodule "x"]\n\tpath = design/x\n\turl = ./x\n\tignore = all\n')
    git(repo, "add", ".gitmodules")
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{head(repo)},design/x")
    use_signing_key(repo, keys["wang"])
    git(repo, "commit", "-q", "--no-verify", "-S", "-m", "a submodule link in the design folder")
    findings = verify(repo)[1]
    assert ("UNSAFE_PATH", "design/x") in {(f["code"], f["path"]) for f in findings}


def test_register_entry_moved_onto_a_path_one_may_not_write(repo: Path, keys: dict[str, SshKey]) -> None:
    """Manifests are judged by the files their entries list: the manufacturer may not
    rewrite a design entry even inside a manifest it could otherwise touch."""
    edit_yaml(repo / "design/MANIFEST.yaml", lambda d: d["documents"][0].update(title="Renamed"))
    commit_as(repo, keys["zhao"], "fab retitles a design document")
    assert "UNAUTHORIZED_CHANGE" in codes(repo)


# -- register ---------------------------------------------------------------------------
def test_content_changed_without_the_manifest(repo: Path, keys: dict[str, SshKey]) -> None:
    (repo / "design/drawing.pdf").write_bytes(b"silently changed")
    commit_as(repo, keys["wang"], "silent change")
    rc, findings = verify(repo)
    assert [(f["code"], f["path"]) for f in findings] == [("HASH_MISMATCH", "design/drawing.pdf")]


def test_unlisted_file(repo: Path, keys: dict[str, SshKey]) -> None:
    (repo / "design/extra.txt").write_text("not in the register")
    commit_as(repo, keys["wang"], "unlisted")
    assert codes(repo) == {"UNLISTED_FILE"}


def test_listed_file_removed(repo: Path, keys: dict[str, SshKey]) -> None:
    git(repo, "rm", "-q", "design/spec.txt")
    commit_as(repo, keys["wang"], "file gone, entry kept")
    assert codes(repo) == {"MISSING_FILE"}


def test_duplicate_ids(repo: Path, keys: dict[str, SshKey]) -> None:
    edit_yaml(repo / "design/MANIFEST.yaml", lambda d: d["documents"][1].update(id="DRW-001"))
    commit_as(repo, keys["wang"], "duplicate")
    assert "DUPLICATE_ID" in codes(repo)


@pytest.mark.parametrize("how", ["exact copy of an entry", "copy in another folder's manifest",
                                 "revision and a copy at once"])
def test_duplicate_entries_added_later(repo: Path, keys: dict[str, SshKey], how: str) -> None:
    # verify judges a changed manifest by its changed entries; a duplicate must still show.
    if how == "copy in another folder's manifest":
        (repo / "design/sub").mkdir()
        (repo / "design/sub/MANIFEST.yaml").write_text("format: 1\ndocuments: []\n")
        add_doc(repo, "design/sub/x.txt", b"x", "X-1")
        commit_as(repo, keys["wang"], "a sub-folder register")
        edit_yaml(repo / "design/sub/MANIFEST.yaml",
                  lambda d: d["documents"][0].update(id="DRW-001"))
    else:
        def change(d: Any) -> None:
            d["documents"].append(dict(d["documents"][0]))
            if how.startswith("revision"):
                d["documents"][1]["revision"] = "B"
        edit_yaml(repo / "design/MANIFEST.yaml", change)
    commit_as(repo, keys["wang"], "duplicate")
    found = [f for f in verify(repo)[1] if f["code"] == "DUPLICATE_ID"]
    assert found and "DRW-001" in found[0]["message"], verify(repo)[1]


@pytest.mark.parametrize("bad", ["../../etc/passwd", "sub/../../x.txt"])
def test_path_traversal_in_a_manifest(repo: Path, keys: dict[str, SshKey], bad: str) -> None:
    edit_yaml(repo / "design/MANIFEST.yaml", lambda d: d["documents"][0].update(path=bad))
    commit_as(repo, keys["wang"], "traversal")
    assert codes(repo) & {"UNSAFE_PATH", "MANIFEST_INVALID"}


def test_symlink_in_a_controlled_path(repo: Path, keys: dict[str, SshKey]) -> None:
    (repo / "design/link.pdf").symlink_to("/etc/passwd")
    commit_as(repo, keys["wang"], "symlink")
    assert "UNSAFE_PATH" in codes(repo)


def test_paths_differing_only_by_case(repo: Path, keys: dict[str, SshKey]) -> None:
    add_doc(repo, "design/Drawing.pdf", b"other", "DRW-002")
    commit_as(repo, keys["wang"], "case clash")
    assert "UNSAFE_PATH" in codes(repo)


def test_broken_manifest_committed(repo: Path, keys: dict[str, SshKey]) -> None:
    (repo / "design/MANIFEST.yaml").write_text("format: 1\ndocuments:\n- id: X\n")
    commit_as(repo, keys["wang"], "broken")
    rc, findings = verify(repo)
    invalid = [f for f in findings if f["code"] == "MANIFEST_INVALID"]
    assert invalid and invalid[0]["path"] == "design/MANIFEST.yaml"


# -- transfers and acknowledgements ------------------------------------------------------
def test_transfer_record_with_wrong_hash(repo: Path, keys: dict[str, SshKey]) -> None:
    tx = transfer(repo, keys)
    path = repo / "transfers" / tx / "transfer.yaml"
    git(repo, "rm", "-q", "--cached", str(path))
    # a second, hand-written transfer claiming content that is not in the tree
    forged = f"{tx[:-8]}deadbeef"
    (repo / "transfers" / forged).mkdir()
    edit_yaml(path, lambda d: (d.update(id=forged), d["items"][0].update(sha256="0" * 64)))
    path.rename(repo / "transfers" / forged / "transfer.yaml")
    git(repo, "checkout", "HEAD", "--", str(path))
    commit_as(repo, keys["wang"], "forged transfer")
    assert "TRANSFER_INVALID" in codes(repo)


def test_transfer_record_changed_afterwards(repo: Path, keys: dict[str, SshKey]) -> None:
    tx = transfer(repo, keys)
    edit_yaml(repo / "transfers" / tx / "transfer.yaml", lambda d: d.update(reason="rewritten"))
    commit_as(repo, keys["wang"], "rewrite a signed record")
    rc, findings = verify(repo)
    assert any(f["code"] == "TRANSFER_INVALID" and "never" in f["message"] for f in findings)


def test_transfer_signed_by_the_other_party(repo: Path, keys: dict[str, SshKey]) -> None:
    tx = transfer(repo, keys)
    record = (repo / "transfers" / tx / "transfer.yaml").read_text()
    other = f"{tx[:-8]}0badf00d"
    (repo / "transfers" / other).mkdir()
    (repo / "transfers" / other / "transfer.yaml").write_text(record.replace(tx, other))
    commit_as(repo, keys["zhao"], "fab forges a transfer from acme")
    assert "UNAUTHORIZED_CHANGE" in codes(repo)


def test_a_party_acknowledging_its_own_transfer(repo: Path, keys: dict[str, SshKey]) -> None:
    tx = transfer(repo, keys)
    # the CLI refuses...
    use_signing_key(repo, keys["zhang"])
    proc = techxfer(repo, "ack", tx, check=False)
    assert proc.returncode == 2 and "own transfer" in proc.stderr
    # ...so the attacker writes the record by hand
    commit = git(repo, "log", "-1", "--format=%H").stdout.strip()
    digest = yaml.safe_load((repo / "transfers" / tx / "transfer.yaml").read_text())["manifest_digest"]
    (repo / "transfers" / tx / "ack.acme.yaml").write_text(yaml.safe_dump({
        "transfer": tx, "transfer_commit": commit, "manifest_digest": digest, "party": "acme",
        "signer": "zhang.wei", "role": "quality-head", "meaning": "approved",
        "date": "2026-11-23T10:00:00+08:00"}))
    commit_as(repo, keys["zhang"], "self-acknowledgement")
    rc, findings = verify(repo, "--as-of", "2099-01-01")
    assert any(f["code"] == "ACK_INVALID" and "own transfer" in f["message"] for f in findings)
    assert "ACK_MISSING" in {f["code"] for f in findings}  # the real recipient never answered


def test_ack_bound_to_another_digest(repo: Path, keys: dict[str, SshKey]) -> None:
    tx = transfer(repo, keys)
    ack(repo, keys, tx)
    path = repo / "transfers" / tx / "ack.fab.yaml"
    text = path.read_text()
    git(repo, "rm", "-q", str(path))
    commit_as(repo, keys["li"], "remove the ack")
    digest = yaml.safe_load(text)["manifest_digest"]
    path.write_text(text.replace(digest, "f" * 64))
    commit_as(repo, keys["li"], "re-add a wrong one")
    assert {"ACK_INVALID"} <= codes(repo)


def test_overdue_acknowledgement(repo: Path, keys: dict[str, SshKey]) -> None:
    tx = transfer(repo, keys)
    assert_clean(repo)  # within 30 days
    rc, findings = verify(repo, "--as-of", "2099-01-01")
    assert [(f["code"], tx in f["message"]) for f in findings] == [("ACK_MISSING", True)]
    ack(repo, keys, tx)
    assert_clean(repo, "--as-of", "2099-01-01")


# -- configuration changes --------------------------------------------------------------
def grant_fab_design_rights(repo: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["rules"][1]["write"].append("manufacturer:doc-control")
    edit_yaml(repo / ".techxfer/policy.yaml", change)


def test_one_sided_policy_change_then_used(repo: Path, keys: dict[str, SshKey]) -> None:
    """The manufacturer's quality head grants its own doc-control design rights, then uses
    them: the grant never took effect, so the use is unauthorised too."""
    grant_fab_design_rights(repo)
    commit_as(repo, keys["li"], "fab grants itself design rights")
    add_doc(repo, "design/drawing.pdf", b"fab's drawing", "DRW-001", revision="B")
    commit_as(repo, keys["zhao"], "and uses them")
    rc, findings = verify(repo, "--as-of", "2099-01-01")
    found = {f["code"] for f in findings}
    assert "CHANGE_NOT_APPROVED" in found and "UNAUTHORIZED_CHANGE" in found
    assert any(f["path"] == "design/drawing.pdf" and f["code"] == "UNAUTHORIZED_CHANGE"
               for f in findings)


def test_approved_policy_change_takes_effect(repo: Path, keys: dict[str, SshKey]) -> None:
    grant_fab_design_rights(repo)
    use_signing_key(repo, keys["li"])
    out = techxfer(repo, "transfer", "--to", "acme", "--type", "policy-change", "-m",
                   "fab doc-control may edit design files").stdout
    tx_id = re.search(r"TX-\d{8}-M-[0-9a-f]{8}", out)
    assert tx_id, out
    use_signing_key(repo, keys["zhang"])
    techxfer(repo, "ack", tx_id.group(0), "--meaning", "approved")
    add_doc(repo, "design/drawing.pdf", b"fab's drawing", "DRW-001", revision="B")
    commit_as(repo, keys["zhao"], "now allowed")
    assert_clean(repo, "--as-of", "2099-01-01")


# -- records removed --------------------------------------------------------------------
def test_permanent_record_removed_consistently(repo: Path, keys: dict[str, SshKey]) -> None:
    """git rm of the file and its register entry, in a properly signed commit."""
    git(repo, "rm", "-q", "design/drawing.pdf")
    edit_yaml(repo / "design/MANIFEST.yaml", lambda d: d["documents"].pop(0))
    commit_as(repo, keys["wang"], "tidy up")
    rc, findings = verify(repo)
    assert [(f["code"], f["path"]) for f in findings] == [("RECORD_DELETED", "design/drawing.pdf")]


def test_marked_destroyed_without_a_disposition(repo: Path, keys: dict[str, SshKey]) -> None:
    git(repo, "rm", "-q", "design/drawing.pdf")
    edit_yaml(repo / "design/MANIFEST.yaml", lambda d: d["documents"][0].update(status="destroyed"))
    commit_as(repo, keys["wang"], "destroyed, says who")
    assert "RECORD_DELETED" in codes(repo)


def test_destroyed_while_moved_to_another_manifest(repo: Path, keys: dict[str, SshKey]) -> None:
    """The folder's manifest is dissolved into the root one in the same commit that marks
    an entry destroyed: still a destruction, judged like any other (found by review)."""
    import yaml

    design = yaml.safe_load((repo / "design/MANIFEST.yaml").read_text())
    moved = []
    for doc in design["documents"]:
        doc = dict(doc, path=f"design/{doc['path']}")
        if doc["id"] == "DRW-001":
            doc["status"] = "destroyed"
        moved.append(doc)
    git(repo, "rm", "-q", "design/drawing.pdf", "design/MANIFEST.yaml")
    edit_yaml(repo / "MANIFEST.yaml", lambda d: d.update(documents=[*(d.get("documents") or []), *moved]))
    commit_as(repo, keys["wang"], "fold the design register into the root one, quietly")
    rc, findings = verify(repo)
    assert ("RECORD_DELETED", "design/drawing.pdf") in [(f["code"], f["path"]) for f in findings]


def test_entries_moved_to_another_manifest_unchanged_stay_clean(repo: Path,
                                                               keys: dict[str, SshKey]) -> None:
    import yaml

    design = yaml.safe_load((repo / "design/MANIFEST.yaml").read_text())
    moved = [dict(doc, path=f"design/{doc['path']}") for doc in design["documents"]]
    git(repo, "rm", "-q", "design/MANIFEST.yaml")
    edit_yaml(repo / "MANIFEST.yaml", lambda d: d.update(documents=[*(d.get("documents") or []), *moved]))
    commit_as(repo, keys["wang"], "one register for the whole repository")
    assert_clean(repo)


# -- read restriction -------------------------------------------------------------------
def test_read_restricted_plaintext(tmp_path: Path, keys: dict[str, SshKey]) -> None:
    repo = init_repo(tmp_path / "r", keys, commit=False)

    def restrict(d: dict[str, Any]) -> None:
        d["rules"].insert(0, {"paths": ["design/secret/**"], "owner": "registrant",
                              "write": ["registrant:doc-control"], "read": ["registrant"],
                              "ack": "none"})
    edit_yaml(repo / ".techxfer/policy.yaml", restrict)
    commit_as(repo, keys["zhang"], "Trust root")
    (repo / "design").mkdir()
    (repo / "design/MANIFEST.yaml").write_text("format: 1\ndocuments: []\n")
    add_doc(repo, "design/open.txt", b"open", "OPEN-1")
    commit_as(repo, keys["wang"], "open file")
    assert_clean(repo)
    add_doc(repo, "design/secret/formula.txt", b"secret", "SECRET-1")
    commit_as(repo, keys["wang"], "secret in plaintext")
    assert codes(repo) == {"READ_RESTRICTED_PLAINTEXT"}


# -- parties in the trust root -----------------------------------------------------------
def test_role_conflict_and_shared_key_in_the_root(tmp_path: Path, keys: dict[str, SshKey]) -> None:
    repo = init_repo(tmp_path / "r", keys, commit=False)

    def spoil(d: dict[str, Any]) -> None:
        fab = d["parties"]["fab"]["people"]
        fab[0]["roles"].append("production-head")
        fab[1]["keys"] = [dict(d["parties"]["acme"]["people"][1]["keys"][0])]
    edit_yaml(repo / ".techxfer/parties.yaml", spoil)
    commit_as(repo, keys["zhang"], "Trust root")
    found = codes(repo)
    assert {"ROLE_CONFLICT", "SHARED_KEY"} <= found


def test_signing_with_a_shared_key(tmp_path: Path, keys: dict[str, SshKey]) -> None:
    repo = init_repo(tmp_path / "r", keys, commit=False)
    edit_yaml(repo / ".techxfer/parties.yaml", lambda d: d["parties"]["fab"]["people"][1]
              .update(keys=[dict(d["parties"]["acme"]["people"][1]["keys"][0])]))
    commit_as(repo, keys["zhang"], "Trust root")
    (repo / "design").mkdir()
    add_doc(repo, "design/a.txt", b"a", "A-1")
    commit_as(repo, keys["wang"], "signed with a key two people hold")
    rc, findings = verify(repo)
    assert any(f["code"] == "SHARED_KEY" and f["commit"] == head(repo) for f in findings)


# -- the trust root ---------------------------------------------------------------------
def test_trust_root_not_an_ancestor(repo: Path, keys: dict[str, SshKey]) -> None:
    git(repo, "checkout", "-q", "--orphan", "other")
    commit_as(repo, keys["zhang"], "another root")
    other = head(repo)
    git(repo, "checkout", "-q", "main")
    rc, findings = verify(repo, "--trust-root", other)
    assert rc == 1 and [f["code"] for f in findings] == ["HISTORY_REWRITTEN"]
    git(repo, "config", "techxfer.trustRoot", other)
    assert codes(repo) == {"HISTORY_REWRITTEN"}


def test_root_signed_by_someone_it_does_not_list(tmp_path: Path, keys: dict[str, SshKey]) -> None:
    repo = init_repo(tmp_path / "r", keys, commit=False)
    commit_as(repo, keys["outsider"], "Trust root by an outsider")
    assert codes(repo) == {"UNKNOWN_KEY"}


# -- merges -----------------------------------------------------------------------------
def test_merge_of_two_signed_branches_is_judged(repo: Path, keys: dict[str, SshKey]) -> None:
    git(repo, "checkout", "-q", "-b", "side")
    add_doc(repo, "records/batch-1.csv", b"batch", "BR-1", category="batch-record")
    commit_as(repo, keys["zhao"], "batch record on a branch")
    git(repo, "checkout", "-q", "main")
    add_doc(repo, "design/drawing.pdf", b"rev B", "DRW-001", revision="B")
    commit_as(repo, keys["wang"], "rev B on main")
    git(repo, "-c", "gpg.format=ssh", "-c", f"user.signingkey={keys['wang'].private}",
        "merge", "-q", "-S", "--no-edit", "side")
    assert_clean(repo)
    # an unsigned merge is caught
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    git(repo, "-c", "commit.gpgSign=false", "merge", "-q", "--no-edit", "side")
    assert codes(repo) == {"UNSIGNED_COMMIT"}


def test_json_shape_and_exit_codes(repo: Path) -> None:
    proc = techxfer(repo, "verify", "--json")
    out = json.loads(proc.stdout)
    assert set(out) >= {"ok", "commits", "root", "tip", "findings"}
    assert out["commits"] == 2 and out["ok"] is True
    proc = techxfer(repo, "verify", "--trust-root", "no-such-rev", check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_second_run_uses_the_cache_and_agrees(repo: Path, keys: dict[str, SshKey]) -> None:
    (repo / "design/drawing.pdf").write_bytes(b"silently changed")
    commit_as(repo, keys["wang"], "silent change")
    first = verify(repo)
    assert list((Path.home() / ".cache" / "techxfer" / "repos").glob("*/cache.sqlite"))
    assert not (repo / ".git" / "techxfer").exists()
    assert verify(repo) == first


