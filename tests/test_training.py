"""Training on new revisions (issue 18 item 4, DESIGN 11; Hebei guideline 2.2.5, 5.1.5):
``techxfer train`` records, ``verify``'s TRAINING_INVALID and UNTRAINED, the ``training``
matrix and the training gaps among the duties, on real signed histories.

The module's history (built once, ``history``): the policy, changed with fab's approval,
names design-output for fab's doc-control and quality head; DRW-001 and SPEC-001 rev A go
to fab, which acknowledges them. Then batch records on records/ cite DRW-001@A:

- B0, zhao (untrained) registers a batch record without x-made-by: UNTRAINED;
- T1, zhao signs ``techxfer train DRW-001``;
- B1, zhao again, without x-made-by: clean;
- B2, made by zhao.min and li.na: UNTRAINED for li.na only;
- S (branch ``side`` from B2), li signs ``techxfer train DRW-001``;
- B3 on main, made by li.na: UNTRAINED (her training is on a branch not merged yet);
- M, side merged into main; B4, made by li.na: clean.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from attack_helpers import (
    ack,
    approved_config_change,
    assert_found,
    checkout,
    clone,
    edit_yaml,
    git_merge,
    head,
    key_valid_until,
    prepared,
    register,
    transfer,
    utcnow,
    verify,
)
from conftest import SshKey, commit_as, git, techxfer, use_signing_key

TODAY = utcnow().date()
TRAINING = {"design-output": ["manufacturer:doc-control", "manufacturer:quality-head"]}
# rd-engineer left out on purpose: wang.fang holds it, and may not sign 'trained' with it
TRAINED_BY = ["manufacturer:doc-control", "manufacturer:quality-head", "registrant:doc-control"]


def train(repo: Path, key: SshKey, doc_id: str, *args: str, check: bool = True) -> Any:
    use_signing_key(repo, key)
    return techxfer(repo, "train", doc_id, *args, check=check)


def batch(repo: Path, key: SshKey, n: int, uses: list[str], made_by: list[str] | None = None
          ) -> str:
    """A batch record registered on records/ with x-uses (and x-made-by), committed by KEY."""
    rel = f"records/batch-{n}.csv"
    register(repo, rel, f"batch {n}\n".encode(), f"BR-{n}", category="batch-record")

    def cite(d: Any) -> None:
        entry = next(e for e in d["documents"] if e["id"] == f"BR-{n}")
        entry["x-uses"] = uses
        if made_by is not None:
            entry["x-made-by"] = made_by
    edit_yaml(repo / "MANIFEST.yaml", cite)
    commit_as(repo, key, f"batch {n}")
    return head(repo)


def matrix(repo: Path, *args: str) -> dict[str, Any]:
    proc = techxfer(repo, "training", "--json", *args)
    out: dict[str, Any] = json.loads(proc.stdout)
    return out


@dataclass
class History:
    repo: Path
    commits: dict[str, str]
    acked: date


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory, base_repo: Path,
            keys: dict[str, SshKey]) -> History:
    commits: dict[str, str] = {}

    def build(repo: Path) -> None:
        def policy(config: Path) -> None:
            edit_yaml(config / "policy.yaml", lambda d: (
                d.update(training=TRAINING), d["meanings"].update(trained=TRAINED_BY)))
        approved_config_change(repo, keys, policy, proposer="li", approver="zhang")
        tx = transfer(repo, keys["wang"], "DRW-001", "SPEC-001")
        ack(repo, keys["li"], tx)
        commits["B0"] = batch(repo, keys["zhao"], 0, ["DRW-001@A"])
        train(repo, keys["zhao"], "DRW-001", "-m", "read and understood")
        commits["T1"] = head(repo)
        commits["B1"] = batch(repo, keys["zhao"], 1, ["DRW-001@A"])
        commits["B2"] = batch(repo, keys["zhao"], 2, ["DRW-001@A"], ["zhao.min", "li.na"])
        git(repo, "checkout", "-q", "-b", "side")
        train(repo, keys["li"], "DRW-001")
        commits["S"] = head(repo)
        checkout(repo, "main")
        commits["B3"] = batch(repo, keys["zhao"], 3, ["DRW-001@A"], ["li.na"])
        commits["M"] = git_merge(repo, keys["zhao"], "side")
        commits["B4"] = batch(repo, keys["zhao"], 4, ["DRW-001@A"], ["li.na"])

    repo = prepared(tmp_path_factory, base_repo, build)
    return History(repo, commits, TODAY)


def test_train_writes_the_signers_own_record_bound_to_the_revision(history: History) -> None:
    repo, t1 = history.repo, history.commits["T1"]
    files = git(repo, "show", "--name-only", "--format=", t1).stdout.split()
    assert files == ["training/DRW-001@A/fab.zhao.min.yaml"]
    data = yaml.safe_load(git(repo, "show", f"{t1}:{files[0]}").stdout)
    listed = next(e for e in yaml.safe_load((repo / "design" / "MANIFEST.yaml").read_text())[
        "documents"] if e["id"] == "DRW-001")
    assert (data["document"], data["revision"], data["sha256"], data["party"], data["person"],
            data["role"], data["meaning"], data["comment"]) == (
        "DRW-001", "A", listed["sha256"], "fab", "zhao.min", "doc-control", "trained",
        "read and understood")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)", data["date"])


def test_verify_finds_exactly_the_untrained_batches(history: History) -> None:
    rc, findings = verify(history.repo)
    c = history.commits
    got = sorted((f["code"], f["commit"], f["path"]) for f in findings)
    assert rc == 1 and got == sorted([
        ("UNTRAINED", c["B0"], "records/batch-0.csv"),
        ("UNTRAINED", c["B2"], "records/batch-2.csv"),
        ("UNTRAINED", c["B3"], "records/batch-3.csv")]), findings
    by_commit = {f["commit"]: f["message"] for f in findings}
    assert "fab:zhao.min" in by_commit[c["B0"]]  # no x-made-by: the signer made it
    assert "fab:li.na" in by_commit[c["B2"]] and "zhao.min" not in by_commit[c["B2"]]
    # li.na's training on the side branch came in only with the merge, after B3
    assert "training/DRW-001@A/fab.li.na.yaml" in by_commit[c["B3"]]
    zh = techxfer(history.repo, "verify", "--lang", "zh", check=False).stdout
    assert "批记录的操作人员未接受所引用文件版本的培训" in zh and "没有该版本的有效培训记录" in zh


def test_the_legitimate_path_verifies_clean(history: History, tmp_path: Path,
                                            keys: dict[str, SshKey]) -> None:
    """Train first, then make the batch: the history up to B1 (and the side branch with
    li's training) is clean."""
    repo = clone(history.repo, tmp_path)
    rc, findings = verify(repo, history.commits["B1"])
    assert [f["commit"] for f in findings] == [history.commits["B0"]]
    rc, findings = verify(repo, history.commits["S"])
    assert {f["commit"] for f in findings} == {history.commits["B0"], history.commits["B2"]}
    # a batch citing a revision of a category training: does not name needs nobody trained
    register(repo, "design/plan.txt", b"plan\n", "PLAN-1", category="design-plan")
    commit_as(repo, keys["wang"], "a plan")
    b5 = batch(repo, keys["zhao"], 5, ["PLAN-1@A", "DRW-001@A"], ["zhao.min"])
    assert all(f["commit"] != b5 for f in verify(repo)[1])


def _hand_record(repo: Path, key: SshKey | None, **fields: Any) -> tuple[str, str]:
    """A training record written by hand, committed by KEY (None: left uncommitted)."""
    listed = next(e for e in yaml.safe_load((repo / "design" / "MANIFEST.yaml").read_text())[
        "documents"] if e["id"] == "SPEC-001")
    rec = {"document": "SPEC-001", "revision": "A", "sha256": listed["sha256"], "party": "fab",
           "person": "zhao.min", "role": "doc-control", "meaning": "trained",
           "date": utcnow().isoformat(timespec="seconds").replace("+00:00", "Z")}
    name = fields.pop("file", None)
    rec.update(fields)
    path = name or f"training/{rec['document']}@{rec['revision']}/{rec['party']}.{rec['person']}.yaml"
    (repo / path).parent.mkdir(parents=True, exist_ok=True)
    (repo / path).write_text(yaml.safe_dump(rec))
    if key is not None:
        commit_as(repo, key, "training record by hand")
    return head(repo), path


@pytest.mark.parametrize("case,code", [
    ("signed by someone else", "TRAINING_INVALID"),
    ("sha256 not the register's", "TRAINING_INVALID"),
    ("revision not the register's", "TRAINING_INVALID"),
    ("a role the signer does not hold", "TRAINING_INVALID"),
    ("a role that does not carry trained", "TRAINING_INVALID"),
    ("file name names another person", "TRAINING_INVALID"),
    ("malformed", "TRAINING_INVALID"),
    ("dated days before its commit", "TIME_INCONSISTENT"),
])
def test_verify_catches_a_training_record_written_by_hand(
        history: History, tmp_path: Path, keys: dict[str, SshKey], case: str, code: str) -> None:
    repo = clone(history.repo, tmp_path)
    key, fields = keys["zhao"], {}
    if case == "signed by someone else":
        key = keys["li"]
    elif case == "sha256 not the register's":
        fields = {"sha256": "0" * 64}
    elif case == "revision not the register's":
        fields = {"revision": "B"}
    elif case == "a role the signer does not hold":
        fields = {"role": "quality-head"}
    elif case == "a role that does not carry trained":
        key, fields = keys["wang"], {"party": "acme", "person": "wang.fang", "role": "rd-engineer"}
    elif case == "file name names another person":
        fields = {"file": "training/SPEC-001@A/fab.li.na.yaml"}
    elif case == "malformed":
        fields = {"meaning": "approved"}
    elif case == "dated days before its commit":
        fields = {"date": (utcnow() - timedelta(days=3)).isoformat().replace("+00:00", "Z")}
    commit, path = _hand_record(repo, key, **fields)
    findings = assert_found(repo, code, commit=commit, path=path)
    assert {f["code"] for f in findings if f["commit"] == commit} == {code}


def test_an_invalid_training_record_does_not_count_for_a_batch(
        history: History, tmp_path: Path, keys: dict[str, SshKey]) -> None:
    repo = clone(history.repo, tmp_path)
    _hand_record(repo, keys["li"])  # zhao's training on SPEC-001, signed by li
    b5 = batch(repo, keys["zhao"], 5, ["SPEC-001@A"])
    assert_found(repo, "UNTRAINED", commit=b5, path="records/batch-5.csv")
    # the record zhao signs himself counts, even in the very commit of the batch record
    repo2 = clone(history.repo, tmp_path / "again")
    _hand_record(repo2, None)
    b5 = batch(repo2, keys["zhao"], 5, ["SPEC-001@A"])
    assert "training/SPEC-001@A/fab.zhao.min.yaml" in git(
        repo2, "show", "--name-only", "--format=", b5).stdout
    assert all(f["commit"] != b5 for f in verify(repo2)[1])


def test_a_maker_nobody_lists_cannot_be_shown_trained(history: History, tmp_path: Path,
                                                     keys: dict[str, SshKey]) -> None:
    repo = clone(history.repo, tmp_path)
    b5 = batch(repo, keys["zhao"], 5, ["DRW-001@A"], ["zhao.min", "ghost.worker"])
    findings = assert_found(repo, "UNTRAINED", commit=b5, path="records/batch-5.csv")
    said = [f["message"] for f in findings if f["commit"] == b5]
    assert len(said) == 1 and "ghost.worker" in said[0] and "zhao.min" not in said[0]


def test_check_names_a_training_role_of_an_unknown_party(history: History,
                                                         tmp_path: Path) -> None:
    repo = clone(history.repo, tmp_path)
    edit_yaml(repo / ".techxfer" / "policy.yaml",
              lambda d: d["training"].update({"labeling": ["nobody:doc-control"]}))
    proc = techxfer(repo, "check", check=False)
    assert proc.returncode != 0
    assert "training.labeling[0]" in proc.stdout + proc.stderr and "nobody" in proc.stdout + proc.stderr


def test_a_training_record_is_never_changed_or_removed(
        history: History, tmp_path: Path, keys: dict[str, SshKey]) -> None:
    repo = clone(history.repo, tmp_path)
    path = "training/DRW-001@A/fab.zhao.min.yaml"
    edit_yaml(repo / path, lambda d: d.update(comment="trained later, really"))
    commit_as(repo, keys["zhao"], "edit my training")
    assert_found(repo, "RECORD_DELETED", commit=head(repo), path=path)
    git(repo, "reset", "-q", "--hard", history.commits["B4"])
    git(repo, "rm", "-q", path)
    commit_as(repo, keys["zhao"], "lose my training")
    assert_found(repo, "RECORD_DELETED", commit=head(repo), path=path)
    git(repo, "reset", "-q", "--hard", history.commits["B4"])
    (repo / "training" / "notes.txt").write_text("not a record\n")
    commit_as(repo, keys["zhao"], "a file where training records go")
    assert_found(repo, "UNAUTHORIZED_CHANGE", commit=head(repo), path="training/notes.txt")


def test_train_refuses_and_writes_nothing(history: History, tmp_path: Path,
                                          keys: dict[str, SshKey]) -> None:
    repo = clone(history.repo, tmp_path)
    register(repo, "design/plan.txt", b"plan\n", "PLAN-1", category="design-plan")
    commit_as(repo, keys["wang"], "a plan")
    use_signing_key(repo, keys["wang"])
    (repo / "design" / "draft.txt").write_text("draft\n")
    techxfer(repo, "add", "design/draft.txt", "--id", "DRAFT-1", "--title", "Draft",
             "--category", "design-output", "--revision", "A", "--status", "draft")
    commit_as(repo, keys["wang"], "a draft")
    before, status = head(repo), git(repo, "status", "--porcelain").stdout
    cases = [
        (keys["zhao"], "DRW-001", [], "already recorded as trained"),
        (keys["wang"], "DRW-001", [], "manufacturer:doc-control, manufacturer:quality-head"),
        (keys["li"], "DRW-001", ["--revision", "B"], "rev A"),
        (keys["li"], "DRAFT-1", [], "draft"),
        (keys["li"], "PLAN-1", [], "design-plan"),
        (keys["li"], "NOPE-1", [], "NOPE-1"),
    ]
    for key, doc, extra, said in cases:
        proc = train(repo, key, doc, *extra, check=False)
        assert proc.returncode == 2 and said in proc.stderr, (doc, proc.stderr)
        assert "Traceback" not in proc.stderr
    assert head(repo) == before and git(repo, "status", "--porcelain").stdout == status
    # li trains on SPEC-001: accepted, then a second time refused
    train(repo, keys["li"], "SPEC-001")
    assert head(repo) != before
    assert train(repo, keys["li"], "SPEC-001", check=False).returncode == 2


def test_the_matrix_shows_who_is_trained_and_the_gaps(history: History, tmp_path: Path,
                                                      keys: dict[str, SshKey]) -> None:
    out = matrix(history.repo)
    assert out["required"] == TRAINING
    rows = {(r["document"], r["person"]): r for r in out["rows"]}
    assert set(rows) == {("DRW-001", "zhao.min"), ("DRW-001", "li.na"),
                         ("SPEC-001", "zhao.min"), ("SPEC-001", "li.na")}
    assert rows[("DRW-001", "zhao.min")]["state"] == "trained"
    assert rows[("DRW-001", "zhao.min")]["trained"] == TODAY.isoformat()
    assert rows[("DRW-001", "zhao.min")]["record"] == "training/DRW-001@A/fab.zhao.min.yaml"
    gap = rows[("SPEC-001", "li.na")]
    assert (gap["state"], gap["due_since"], gap["roles"], gap["party"]) == (
        "gap", history.acked.isoformat(), ["quality-head"], "fab")
    assert out["gaps"] == 2 and set(out) >= {"report", "commit", "as_of", "rows"}
    # before the revision was effective there is nothing to be trained on
    assert matrix(history.repo, "--as-of", (TODAY - timedelta(days=3)).isoformat())["rows"] == []
    en = techxfer(history.repo, "training").stdout
    assert "SPEC-001 rev A" in en and f"GAP, due since {history.acked}" in en and "2 gap(s)" in en
    zh = techxfer(history.repo, "training", "--lang", "zh").stdout
    assert "培训矩阵" in zh and "未培训" in zh and "质量管理部门负责人" in zh
    # exit 0 with gaps: a report
    assert techxfer(history.repo, "training", check=False).returncode == 0


def test_a_revision_not_yet_acknowledged_awaits_receipt(history: History, tmp_path: Path,
                                                        keys: dict[str, SshKey]) -> None:
    repo = clone(history.repo, tmp_path)
    register(repo, "design/drawing.pdf", b"%PDF-1.4 drawing rev B\n", "DRW-001", "B")
    commit_as(repo, keys["wang"], "drawing rev B")
    tx = transfer(repo, keys["wang"], "DRW-001")
    rows = {r["person"]: r for r in matrix(repo)["rows"] if r["document"] == "DRW-001"}
    assert {p: (r["revision"], r["state"], r["due_since"]) for p, r in rows.items()} == {
        "zhao.min": ("B", "awaiting", None), "li.na": ("B", "awaiting", None)}
    ack(repo, keys["li"], tx)
    rows = {r["person"]: r for r in matrix(repo)["rows"] if r["document"] == "DRW-001"}
    assert {r["state"] for r in rows.values()} == {"gap"}  # rev A's training does not carry over
    # the old revision's training does not cover a batch citing the new one
    b5 = batch(repo, keys["zhao"], 5, ["DRW-001@B"])
    assert_found(repo, "UNTRAINED", commit=b5)
    train(repo, keys["zhao"], "DRW-001")
    b6 = batch(repo, keys["zhao"], 6, ["DRW-001@B"])
    assert all(f["commit"] != b6 for f in verify(repo)[1])


def test_only_people_whose_key_is_valid_on_the_date_are_in_the_matrix(
        history: History, tmp_path: Path, keys: dict[str, SshKey]) -> None:
    repo = clone(history.repo, tmp_path)
    until = TODAY + timedelta(days=10)
    approved_config_change(repo, keys, key_valid_until("li.na", until.isoformat()),
                           proposer="zhang", approver="li")
    people = {r["person"] for r in matrix(repo, "--as-of", until.isoformat())["rows"]}
    assert people == {"zhao.min", "li.na"}
    later = matrix(repo, "--as-of", (until + timedelta(days=1)).isoformat())["rows"]
    assert {r["person"] for r in later} == {"zhao.min"}


def test_training_gaps_are_duties(history: History) -> None:
    from techxfer.rules.duties import due, register_of
    from techxfer.rules.training import records_of
    from techxfer.state.records import committed, load_records
    from techxfer.state.workspace import Workspace

    ws = Workspace.open(history.repo, cached=False)
    _, snap, config = committed(ws)
    records = load_records(snap)
    args = (config, TODAY + timedelta(days=1), TODAY, [], register_of(snap).values(),
            records.transfers, records.acks)
    lines = [d for d in due(*args, training=records_of(snap)) if d.kind == "training"]
    assert sorted((d.party, d.subject, d.state, d.due, d.clause) for d in lines) == [
        ("fab", "SPEC-001 rev A: li.na", "overdue", history.acked, "H 2.2.5; H 5.1.5"),
        ("fab", "SPEC-001 rev A: zhao.min", "overdue", history.acked, "H 2.2.5; H 5.1.5")]
    assert not [d for d in due(*args) if d.kind == "training"]  # without the records: none


def test_techxfer_duties_lists_the_training_gaps(history: History) -> None:
    out = json.loads(techxfer(history.repo, "duties", "--json", "--as-of",
                              (TODAY + timedelta(days=1)).isoformat(), check=False).stdout)
    lines = [d for d in out["duties"] if d["kind"] == "training"]
    assert sorted(d["subject"] for d in lines) == ["SPEC-001 rev A: li.na",
                                                   "SPEC-001 rev A: zhao.min"]
    assert {d["clause"] for d in lines} == {"H 2.2.5; H 5.1.5"}


def test_trained_is_no_acknowledgement_meaning(tmp_path: Path, history: History,
                                               keys: dict[str, SshKey]) -> None:
    repo = clone(history.repo, tmp_path)
    register(repo, "design/spec.txt", b"Specification rev B\n", "SPEC-001", "B")
    commit_as(repo, keys["wang"], "spec rev B")
    tx = transfer(repo, keys["wang"], "SPEC-001")
    before = head(repo)
    use_signing_key(repo, keys["li"])
    proc = techxfer(repo, "ack", tx, "--meaning", "trained", check=False)
    assert proc.returncode == 2 and "techxfer train" in proc.stderr and head(repo) == before


def test_without_training_in_the_policy_nothing_is_required(repo: Path,
                                                            keys: dict[str, SshKey]) -> None:
    out = matrix(repo)
    assert out["required"] == {} and out["rows"] == [] and out["gaps"] == 0
    assert "names no training" in techxfer(repo, "training").stdout
    proc = train(repo, keys["zhao"], "DRW-001", check=False)
    assert proc.returncode == 2 and "no training is required" in proc.stderr


def test_the_server_refuses_an_untrained_batch_and_takes_a_trained_one(
        history: History, tmp_path: Path, keys: dict[str, SshKey]) -> None:
    repo = clone(history.repo, tmp_path)
    git(repo, "reset", "-q", "--hard", f"{history.commits['B0']}^")  # before any batch
    bare = tmp_path / "server.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    techxfer(tmp_path, "hooks", "install", "--server", str(bare))
    git(repo, "remote", "add", "origin", f"file://{bare}")
    git(repo, "push", "-q", "origin", "main")
    accepted = head(repo)
    batch(repo, keys["zhao"], 5, ["DRW-001@A"])
    proc = git(repo, "push", "origin", "main", check=False)
    assert proc.returncode != 0 and "UNTRAINED" in proc.stderr, proc.stderr
    assert head(bare, "main") == accepted
    git(repo, "reset", "-q", "--hard", accepted)
    train(repo, keys["zhao"], "DRW-001")
    batch(repo, keys["zhao"], 5, ["DRW-001@A"])
    proc = git(repo, "push", "origin", "main", check=False)
    assert proc.returncode == 0, proc.stderr
    assert head(bare, "main") == head(repo)
