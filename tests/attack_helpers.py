"""Building hostile signed histories for the attack tests (issue 13, DESIGN 2.1).

Everything here drives the real programs: ``git`` (``commit -S``, ``commit-tree -S``,
``merge -S``, a private index for hand-made trees) and ``python -m techxfer``. Nothing
imports techxfer. The attack builders return what the tests need (commit ids), so
``test_attacks.py`` (``verify``) and ``test_attacks_server.py`` (pre-receive) judge the very
same history.

The cast (tests/conftest.py ``PEOPLE``): acme (registrant) zhang.wei quality-head
(``zhang``), wang.fang doc-control + rd-engineer (``wang``); fab (manufacturer) li.na
quality-head (``li``), zhao.min doc-control (``zhao``, the attacker). ``outsider`` is
nobody's key.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from conftest import SshKey, commit_as, git, techxfer, use_signing_key

# -- reading the verdict ---------------------------------------------------------------------
Findings = list[dict[str, Any]]


def verify(repo: Path, *args: str) -> tuple[int, Findings]:
    """``techxfer verify --json``: exit status and findings (asserting the two agree)."""
    proc = techxfer(repo, "verify", "--json", *args, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    out = json.loads(proc.stdout)
    assert out["ok"] == (proc.returncode == 0) == (out["findings"] == []), out
    return proc.returncode, out["findings"]


def codes(repo: Path, *args: str) -> set[str]:
    return {f["code"] for f in verify(repo, *args)[1]}


def assert_clean(repo: Path, *args: str) -> None:
    rc, findings = verify(repo, *args)
    assert rc == 0 and findings == [], findings


def assert_found(repo: Path, code: str | set[str], *, commit: str | None = None,
                 path: str | None = None, args: Sequence[str] = ()) -> Findings:
    """verify exits 1 with a finding of CODE (or any of a set), on COMMIT and PATH when given.
    Returns every finding, for further asserts."""
    wanted = {code} if isinstance(code, str) else set(code)
    rc, findings = verify(repo, *args)
    hits = [f for f in findings if f["code"] in wanted
            and (commit is None or f["commit"] == commit)
            and (path is None or f["path"] == path)]
    assert rc == 1 and hits, (
        f"wanted {sorted(wanted)} on commit {commit and commit[:10]} path {path}; got:\n"
        + "\n".join(f"  {f['code']} {str(f['commit'])[:10]} {f['path']}: {f['message']}"
                    for f in findings))
    return findings


# -- git plumbing -----------------------------------------------------------------------------
def head(repo: Path, ref: str = "HEAD") -> str:
    return git(repo, "rev-parse", ref).stdout.strip()


def sign_args(key: SshKey) -> list[str]:
    return ["-c", "gpg.format=ssh", "-c", f"user.signingkey={key.private}"]


def dated(when: datetime | str) -> dict[str, str]:
    """Environment making git date the commit (author and committer) at WHEN."""
    text = when if isinstance(when, str) else when.isoformat(timespec="seconds")
    return {"GIT_COMMITTER_DATE": text, "GIT_AUTHOR_DATE": text}


def commit_time(repo: Path, rev: str = "HEAD") -> datetime:
    return datetime.fromtimestamp(int(git(repo, "log", "-1", "--format=%ct", rev).stdout), UTC)


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def compose_tree(repo: Path, base: str, *, take: Mapping[str, str] | None = None,
                 write: Mapping[str, bytes] | None = None, remove: Sequence[str] = ()) -> str:
    """A tree object: BASE's tree, with the paths (files or folders) of TAKE as they are in
    the given revisions (absent there: removed), WRITE's files, and REMOVE's paths removed.
    Built in a private index; the working tree and the real index are untouched."""
    index = repo / ".git" / "attack-index"
    env = {"GIT_INDEX_FILE": str(index)}
    try:
        git(repo, "read-tree", base, env=env)
        for path, rev in (take or {}).items():
            git(repo, "rm", "-q", "-r", "--cached", "--ignore-unmatch", "--", path, env=env)
            listing = git(repo, "ls-tree", "-r", "-z", rev, "--", path).stdout
            for line in filter(None, listing.split("\0")):
                meta, name = line.split("\t", 1)
                mode, _, oid = meta.split()
                git(repo, "update-index", "--add", "--cacheinfo", f"{mode},{oid},{name}", env=env)
        for path in remove:
            git(repo, "rm", "-q", "-r", "--cached", "--ignore-unmatch", "--", path, env=env)
        for path, data in (write or {}).items():
            blob = _hash_object(repo, data)
            git(repo, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
        return git(repo, "write-tree", env=env).stdout.strip()
    finally:
        index.unlink(missing_ok=True)


def _hash_object(repo: Path, data: bytes) -> str:
    import subprocess

    return subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=repo, input=data,
                          capture_output=True, check=True).stdout.decode().strip()


def signed_commit_tree(repo: Path, key: SshKey, tree: str, parents: Sequence[str], message: str,
                       env: Mapping[str, str] | None = None) -> str:
    """``git commit-tree -S``: a real signed commit with exactly these parents (none: a root)."""
    args = [a for p in parents for a in ("-p", p)]
    return git(repo, *sign_args(key), "commit-tree", "-S", *args, "-m", message, tree,
               env=dict(env or {})).stdout.strip()


def hand_merge(repo: Path, key: SshKey, parents: Sequence[str], tree: str,
               message: str = "Merge", env: Mapping[str, str] | None = None) -> str:
    """A signed merge commit made by hand and checked out on the current branch."""
    commit = signed_commit_tree(repo, key, tree, parents, message, env)
    git(repo, "reset", "-q", "--hard", commit)
    return commit


def git_merge(repo: Path, key: SshKey, branch: str, *extra: str, check: bool = True) -> str:
    """A real ``git merge --no-ff -S`` of BRANCH into the current branch; returns HEAD."""
    git(repo, *sign_args(key), "merge", "-q", "--no-ff", "-S", "--no-edit", *extra, branch,
        check=check)
    return head(repo)


def branch_at(repo: Path, name: str, rev: str = "HEAD") -> None:
    git(repo, "branch", "-f", name, rev)


def checkout(repo: Path, rev: str) -> None:
    git(repo, "checkout", "-q", rev)


# -- files and registers ----------------------------------------------------------------------
def edit_yaml(path: Path, change: Callable[[Any], Any]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def show(repo: Path, rev: str, path: str) -> bytes:
    import subprocess

    return subprocess.run(["git", "show", f"{rev}:{path}"], cwd=repo, capture_output=True,
                          check=True).stdout


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_with(repo: Path, rev: str, manifest: str, change: Callable[[list[dict[str, Any]]], Any]
                  ) -> bytes:
    """MANIFEST at REV, its ``documents`` list changed by CHANGE, as YAML bytes."""
    data = yaml.safe_load(show(repo, rev, manifest))
    change(data["documents"])
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode()


def entry_like(template: dict[str, Any], doc_id: str, local_path: str, content: bytes,
               revision: str = "A") -> dict[str, Any]:
    entry = dict(template)
    entry.update(id=doc_id, path=local_path, title=f"Title of {doc_id}", revision=revision,
                 sha256=sha256(content))
    return entry


OWNERS = {"design": "registrant", "records": "manufacturer"}
RETENTION = {"design-output": "permanent", "batch-record": "batch-record"}


def register(repo: Path, rel: str, content: bytes, doc_id: str, revision: str = "A",
             category: str = "design-output") -> None:
    """Write REL and its entry in the nearest MANIFEST.yaml, as ``techxfer add`` would (a
    new entry, or a new revision of the entry with that id), without a process per call."""
    target = repo / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    folder = rel.split("/", 1)[0]
    manifest = f"{folder}/MANIFEST.yaml" if (repo / folder / "MANIFEST.yaml").exists() \
        else "MANIFEST.yaml"
    local = rel[len(manifest) - len("MANIFEST.yaml"):]

    def change(d: Any) -> None:
        docs = d.setdefault("documents", []) or []
        d["documents"] = docs
        entry = next((e for e in docs if e["id"] == doc_id), None)
        if entry is None:
            entry = {"id": doc_id, "path": local, "title": f"Title of {doc_id}",
                     "category": category, "owner": OWNERS.get(folder, "registrant"),
                     "status": "effective", "retention": RETENTION.get(category, "default")}
            docs.append(entry)
        entry.update(revision=revision, sha256=sha256(content))
    edit_yaml(repo / manifest, change)


def revise(repo: Path, key: SshKey, rel: str, content: bytes, doc_id: str, revision: str,
           message: str | None = None, **kw: Any) -> str:
    """A new registered revision (file and manifest entry) in one signed commit."""
    register(repo, rel, content, doc_id, revision=revision, **kw)
    commit_as(repo, key, message or f"{doc_id} rev {revision}")
    return head(repo)


def prepared(tmp_path_factory: Any, base_repo: Path, build: Callable[[Path], object]) -> Path:
    """For a module-scoped fixture: a copy of the session's base repository, with BUILD run
    on it once, under the same isolation as a test (tests then copy it with ``clone``)."""
    import shutil

    from conftest import isolated_env

    with isolated_env(tmp_path_factory):
        repo: Path = tmp_path_factory.mktemp("prepared") / "repo"
        shutil.copytree(base_repo, repo, symlinks=True)
        build(repo)
    return repo


def clone(prepared_repo: Path, tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "repo"
    shutil.copytree(prepared_repo, target, symlinks=True)
    return target


# -- transfers, acknowledgements, configuration changes ----------------------------------------
TX_RE = r"TX-\d{8}-[RM]-[0-9a-f]{8}"


def transfer(repo: Path, key: SshKey, *ids: str, to: str = "fab", kind: str | None = None,
             env: Mapping[str, str] | None = None) -> str:
    use_signing_key(repo, key)
    args = ["transfer", *ids, "--to", to, "-m", "transfer for the test"]
    if kind:
        args += ["--type", kind]
    out = techxfer(repo, *args, env=dict(env) if env else None).stdout
    match = re.search(TX_RE, out)
    assert match, out
    return match.group(0)


def ack(repo: Path, key: SshKey, tx_id: str, meaning: str = "received") -> str:
    use_signing_key(repo, key)
    techxfer(repo, "ack", tx_id, "--meaning", meaning)
    return head(repo)


def approved_config_change(repo: Path, keys: Mapping[str, SshKey],
                           change: Callable[[Path], None], *, proposer: str = "li",
                           approver: str = "zhang") -> tuple[str, str]:
    """CHANGE edits ``.techxfer/`` in the working tree; PROPOSER (a quality head) sends it as
    a policy-change transfer and APPROVER (the other party's quality head) approves it, as
    test_verify's test_approved_policy_change_takes_effect. Returns (transfer, ack commit)."""
    change(repo / ".techxfer")
    to = "acme" if proposer in ("li", "zhao") else "fab"
    tx = transfer(repo, keys[proposer], to=to, kind="policy-change")
    return tx, ack(repo, keys[approver], tx, "approved")


def remove_person(person: str) -> Callable[[Path], None]:
    def change(config: Path) -> None:
        edit_yaml(config / "parties.yaml", lambda d: [
            party.update(people=[p for p in party["people"] if p["id"] != person])
            for party in d["parties"].values()])
    return change


def key_valid_until(person: str, until: str) -> Callable[[Path], None]:
    def change(config: Path) -> None:
        def edit(d: Any) -> None:
            for party in d["parties"].values():
                for p in party["people"]:
                    if p["id"] == person:
                        p["keys"] = [dict(k, valid_until=until) if isinstance(k, dict)
                                     else {"ssh": k, "valid_until": until} for k in p["keys"]]
        edit_yaml(config / "parties.yaml", edit)
    return change


def grant_fab_design_rights(config: Path) -> None:
    edit_yaml(config / "policy.yaml", lambda d: d["rules"][1]["write"].append("manufacturer:doc-control"))


# -- records written by hand ----------------------------------------------------------------
def write_disposition(repo: Path, *, disp_id: str, when: datetime, party: str, signer: str,
                      notice: str, approval_commit: str, records: list[dict[str, str]]) -> Path:
    path = repo / "dispositions" / f"{disp_id}.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump({
        "id": disp_id, "date": when.isoformat(timespec="seconds"), "party": party,
        "signer": signer, "reason": "retention over", "notice": notice,
        "approval_commit": approval_commit, "records": records}, sort_keys=False))
    return path


def record_of(repo: Path, rel: str, doc_id: str, revision: str = "A") -> dict[str, str]:
    return {"id": doc_id, "path": rel, "revision": revision,
            "sha256": sha256((repo / rel).read_bytes()) if (repo / rel).exists() else "0" * 64}


# =========================================================================================
# Attack builders shared by verify and pre-receive tests. Each starts from the ``repo``
# fixture (root by zhang, DRW-001 and SPEC-001 rev A registered by wang, on main, checked
# out) and leaves main checked out at the attack; it returns the commit to blame.
# =========================================================================================
def forged_root(repo: Path, keys: Mapping[str, SshKey], base: str = "HEAD",
                write: Mapping[str, bytes] | None = None) -> str:
    """A second parentless commit signed by zhao: BASE's tree (plus WRITE) with a
    .techxfer/policy.yaml of its own that lets fab's doc-control write every path."""
    policy = yaml.safe_load(show(repo, base, ".techxfer/policy.yaml"))
    for rule in policy["rules"]:
        rule["write"].append("manufacturer:doc-control")
    tree = compose_tree(repo, base, write={
        ".techxfer/policy.yaml": yaml.safe_dump(policy, sort_keys=False).encode(), **(write or {})})
    return signed_commit_tree(repo, keys["zhao"], tree, [], "Trust root")


def forged_root_merged_in(repo: Path, keys: Mapping[str, SshKey]) -> tuple[str, str]:
    """zhao's forged root holds a forged design/bom.csv registered in design/MANIFEST.yaml;
    zhao merges it into main taking design/ from it. Returns (forged root, merge)."""
    main = head(repo)
    bom = b"part,qty\nforged-valve,1\n"
    manifest = manifest_with(repo, main, "design/MANIFEST.yaml", lambda docs: docs.append(
        entry_like(docs[0], "BOM-001", "bom.csv", bom)))
    forged = forged_root(repo, keys, main, {"design/bom.csv": bom, "design/MANIFEST.yaml": manifest})
    tree = compose_tree(repo, main, take={"design": forged})
    merge = hand_merge(repo, keys["zhao"], [main, forged], tree, "Merge the bill of materials")
    return forged, merge


def grant_fab_everything(config: Path) -> None:
    """.techxfer/policy.yaml: fab's doc-control may write every path (the attacker's wish)."""
    edit_yaml(config / "policy.yaml", lambda d: [
        r["write"].append("manufacturer:doc-control") for r in d["rules"]])


def self_granting_branch(repo: Path, keys: Mapping[str, SshKey], base: str,
                         name: str = "self-granted") -> str:
    """zhao's one commit on branch NAME from BASE: it grants fab's doc-control every path in
    its own .techxfer/policy.yaml and revises design/spec.txt (SPEC-001 rev Z) with it.
    Leaves main checked out; returns the commit."""
    git(repo, "checkout", "-q", "-b", name, base)
    grant_fab_everything(repo / ".techxfer")
    register(repo, "design/spec.txt", b"Specification rev Z, zhao's\n", "SPEC-001", "Z")
    commit_as(repo, keys["zhao"], "spec rev Z")
    commit = head(repo)
    checkout(repo, "main")
    return commit


def drawing_rev_b(repo: Path, keys: Mapping[str, SshKey]) -> tuple[str, str]:
    """main: wang registers drawing rev B. Returns (old commit with rev A, rev B commit)."""
    old = head(repo)
    new = revise(repo, keys["wang"], "design/drawing.pdf", b"%PDF-1.4 drawing rev B\n",
                 "DRW-001", "B")
    return old, new


def revert_by_merge(repo: Path, keys: Mapping[str, SshKey], *, old_first: bool) -> str:
    """zhao merges main (drawing rev B) with the old commit (rev A), keeping the old design/:
    the drawing and its register entry go back to rev A."""
    old, new = drawing_rev_b(repo, keys)
    tree = compose_tree(repo, new, take={"design": old})
    parents = [old, new] if old_first else [new, old]
    return hand_merge(repo, keys["zhao"], parents, tree, "Merge branch 'old'")


def octopus_leaving(repo: Path, keys: Mapping[str, SshKey], what: str) -> str:
    """An octopus merge signed by wang of main, a design branch and zhao's batch-record branch,
    whose tree combines the design branch's register with main's files (MISSING_FILE: a new
    document's entry without its file) or the design branch's file with main's register
    (HASH_MISMATCH: drawing rev B content under the rev A entry)."""
    main = head(repo)
    git(repo, "checkout", "-q", "-b", "design-work")
    if what == "MISSING_FILE":
        design = revise(repo, keys["wang"], "design/new.txt", b"new document\n", "NEW-001", "A")
    else:
        design = revise(repo, keys["wang"], "design/drawing.pdf", b"%PDF-1.4 drawing rev B\n",
                        "DRW-001", "B")
    git(repo, "checkout", "-q", "-b", "batch", main)
    batch = revise(repo, keys["zhao"], "records/batch-1.csv", b"batch,1\n", "BR-1", "1",
                   category="batch-record")
    checkout(repo, "main")
    if what == "MISSING_FILE":
        tree = compose_tree(repo, main, take={"records": batch,
                                              "design/MANIFEST.yaml": design})
    else:
        tree = compose_tree(repo, main, take={"records": batch,
                                              "design/drawing.pdf": design})
    return hand_merge(repo, keys["wang"], [main, design, batch], tree,
                      "Merge branches 'design-work' and 'batch'")


def removal_approved(repo: Path, keys: Mapping[str, SshKey]) -> str:
    """Branch ``side`` at HEAD; then on main both parties approve removing zhao.min (li's
    policy-change transfer, zhang's approved acknowledgement). Returns the approval commit."""
    branch_at(repo, "side")
    return approved_config_change(repo, keys, remove_person("zhao.min"))[1]


def rollback_merge(repo: Path, keys: Mapping[str, SshKey], *, old_first: bool,
                   signer: str = "li") -> str:
    """After ``removal_approved``: SIGNER merges main with ``side`` (cut before the removal)
    keeping side's .techxfer/ (zhao listed again) and main's everything else."""
    side, approval = head(repo, "side"), head(repo)
    tree = compose_tree(repo, approval, take={".techxfer": side})
    parents = [side, approval] if old_first else [approval, side]
    return hand_merge(repo, keys[signer], parents, tree, "Merge branch 'side'")


def config_rollback(repo: Path, keys: Mapping[str, SshKey], *, old_first: bool,
                    signer: str = "li") -> tuple[str, str]:
    """``removal_approved`` then ``rollback_merge``. Returns (approval commit, merge)."""
    approval = removal_approved(repo, keys)
    return approval, rollback_merge(repo, keys, old_first=old_first, signer=signer)


def zhao_batch_record(repo: Path, keys: Mapping[str, SshKey], n: int = 1,
                      env: Mapping[str, str] | None = None) -> str:
    register(repo, f"records/batch-{n}.csv", f"batch,{n}\n".encode(), f"BR-{n}",
             revision="1", category="batch-record")
    commit_as(repo, keys["zhao"], f"batch record {n}", env=dict(env) if env else None)
    return head(repo)


def zhao_writes(repo: Path, keys: Mapping[str, SshKey], path: str, content: bytes = b"x\n",
                who: str = "zhao") -> str:
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    commit_as(repo, keys[who], f"add {path}")
    return head(repo)
def place_hold(repo: Path, keys: Mapping[str, SshKey], doc_id: str, who: str = "zhang") -> str:
    """``techxfer hold add --id DOC`` signed by WHO (acme's quality head by default)."""
    use_signing_key(repo, keys[who])
    out = techxfer(repo, "hold", "add", "--id", doc_id, "--reason", "litigation").stdout
    match = re.search(r"HOLD-[0-9A-Za-z-]+", out)
    assert match, out
    return match.group(0)


def disposable_record(repo: Path, keys: Mapping[str, SshKey]) -> tuple[str, str]:
    """fab's SOP-OLD (class default: 5 years from obsolete), obsolete since 2015, with a
    disposal notice to acme (``techxfer dispose request`` by zhao) approved by zhang.
    Returns (notice, approval commit)."""
    register(repo, "records/sop-old.txt", b"old procedure\n", "SOP-OLD", category="procedure")
    edit_yaml(repo / "MANIFEST.yaml", lambda d: [
        e.update(status="obsolete", obsolete="2015-01-01") for e in d["documents"]
        if e["id"] == "SOP-OLD"])
    commit_as(repo, keys["zhao"], "SOP-OLD obsolete since 2015")
    use_signing_key(repo, keys["zhao"])
    out = techxfer(repo, "dispose", "request", "SOP-OLD", "-m", "retention over").stdout
    notice = re.search(TX_RE, out)
    assert notice, out
    return notice.group(0), ack(repo, keys["zhang"], notice.group(0), "approved")


def dispose_by_hand(repo: Path, keys: Mapping[str, SshKey], notice: str, approval: str,
                    when: datetime) -> str:
    """What ``techxfer dispose SOP-OLD`` commits, written by hand and dated WHEN (commit and
    record): the file removed, its entry marked destroyed, a disposition record."""
    record = record_of(repo, "records/sop-old.txt", "SOP-OLD")
    write_disposition(repo, disp_id="DISP-20260101-M-0badf00d", when=when, party="fab",
                      signer="zhao.min", notice=notice, approval_commit=approval, records=[record])
    git(repo, "rm", "-q", "records/sop-old.txt")
    edit_yaml(repo / "MANIFEST.yaml", lambda d: [
        e.update(status="destroyed") for e in d["documents"] if e["id"] == "SOP-OLD"])
    commit_as(repo, keys["zhao"], "Dispose SOP-OLD", env=dated(when))
    return head(repo)


def revoke_zhao(repo: Path, keys: Mapping[str, SshKey]) -> str:
    """Both parties approve ending zhao's key two days ago. Returns the valid_until date."""
    from datetime import timedelta

    until = (utcnow() - timedelta(days=2)).date().isoformat()
    approved_config_change(repo, keys, key_valid_until("zhao.min", until))
    return until


def batch_lines(repo: Path, key: SshKey, base: str, sides: Sequence[int], ours: int
                ) -> tuple[str, list[str], Any, dict[str, str]]:
    """Lines of history from BASE for a merge made by hand: one per number in SIDES, each
    registering batch record BR-n (``records/B-n.csv``) signed with KEY, and ours, checked
    out last, registering BR-OURS. Returns our tip, the side tips, our root manifest with
    every side's entry appended (for the merge's tree), and the side files for
    ``compose_tree``'s TAKE."""
    tips = []
    for n in (*sides, ours):
        checkout(repo, base)
        register(repo, f"records/B-{n}.csv", f"batch {n}\n".encode(), f"BR-{n}",
                 category="batch-record")
        commit_as(repo, key, f"batch {n}")
        tips.append(head(repo))
    *tips, tip = tips
    manifest = yaml.safe_load(show(repo, tip, "MANIFEST.yaml"))
    for side, n in zip(tips, sides, strict=True):
        manifest["documents"].append(next(e for e in yaml.safe_load(show(
            repo, side, "MANIFEST.yaml"))["documents"] if e["id"] == f"BR-{n}"))
    return tip, tips, manifest, {f"records/B-{n}.csv": side for side, n in zip(tips, sides,
                                                                                strict=True)}


def history_fixtures(build: Callable[[Path, Mapping[str, SshKey]], dict[str, str]]
                     ) -> tuple[Any, Any, Any]:
    """The fixtures of a module sharing one built history: ``built`` (BUILD run once on a
    copy of the session's base repository: its path and the commit ids BUILD returns),
    ``repo`` (a clone per test) and ``ids``. A module assigns them to those names."""
    import pytest

    @pytest.fixture(scope="module")
    def built(tmp_path_factory: pytest.TempPathFactory, base_repo: Path,
              keys: dict[str, SshKey]) -> tuple[Path, dict[str, str]]:
        ids: dict[str, str] = {}
        repo = prepared(tmp_path_factory, base_repo, lambda r: ids.update(build(r, keys)))
        return repo, ids

    @pytest.fixture
    def repo(built: tuple[Path, dict[str, str]], tmp_path: Path) -> Path:
        return clone(built[0], tmp_path)

    @pytest.fixture
    def ids(built: tuple[Path, dict[str, str]]) -> dict[str, str]:
        return built[1]

    return built, repo, ids
