"""The server's receipt log (DESIGN section 10), end to end with real programs.

A bare server with the pre-receive and post-receive hooks and a real witness key, pushed
to over file:// and through a real ``git daemon`` on 127.0.0.1, with ``git push --signed``.
Clocks are moved with libfaketime (the pip package builds it): the signers' by running
``git commit`` and ``techxfer`` under it, the server's through a timestamp file its
receive-pack reads (the daemon's environment, or ``remote.origin.receivepack`` for
file://). The history starts 60 days before the real clock, so nothing is in the future.
The verifier is a plain clone that fetched ``refs/techxfer/receipts``, judged offline
(the server is moved away first).
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import libfaketime
import pytest
import yaml
from conftest import PEOPLE, SshKey, commit_as, git, git_daemon, isolated_env, make_ssh_key, run, techxfer

# -- clocks ------------------------------------------------------------------------------------
FAKETIME_ENV = {k: str(v) for k, v in libfaketime.get_reload_information()[1].items()}
T0 = (datetime.now(UTC) - timedelta(days=60)).replace(minute=0, second=0, microsecond=0)
RECEIPTS = "refs/techxfer/receipts"


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def at(when: datetime) -> dict[str, str]:
    """The environment that runs a program with its clock stopped at WHEN (UTC)."""
    return {**FAKETIME_ENV, "TZ": "UTC", "FAKETIME": stamp(when)}


def iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="seconds")


def test_libfaketime_moves_the_clock_of_git_and_python() -> None:
    assert run("date", "-u", "+%F %T", env=at(day(3))).stdout.strip() == stamp(day(3))
    out = run("python3", "-c", "import datetime; print(datetime.datetime.now(datetime.UTC))",
              env=at(day(3))).stdout
    assert out.startswith(stamp(day(3)))


# -- the server --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int, Path]]:
    """A real git daemon whose clock (and its hooks') reads a timestamp file."""
    base = tmp_path_factory.mktemp("daemon")
    clock = base / "clock"
    clock.write_text("+0\n")
    env = {**FAKETIME_ENV, "TZ": "UTC", "FAKETIME_TIMESTAMP_FILE": str(clock)}
    with git_daemon(tmp_path_factory, base, env) as port:
        yield base, port, clock


@pytest.fixture(scope="session")
def witness(key_dir: Path) -> SshKey:
    return make_ssh_key(key_dir, "witness")


@dataclass
class Server:
    bare: Path
    url: str
    clock: Path
    transport: str

    def receive_pack(self) -> str:
        """For file://: the server's receive-pack under its own clock."""
        env = {**FAKETIME_ENV, "TZ": "UTC", "FAKETIME_TIMESTAMP_FILE": str(self.clock)}
        return "env " + " ".join(shlex.quote(f"{k}={v}") for k, v in env.items()) + " git-receive-pack"

    def connect(self, repo: Path) -> None:
        git(repo, "remote", "add", "origin", self.url)
        if self.transport == "file":
            git(repo, "config", "remote.origin.receivepack", self.receive_pack())
        git(repo, "config", "--add", "remote.origin.fetch", f"{RECEIPTS}:{RECEIPTS}")

    def push(self, repo: Path, when: datetime, *args: str, signed: SshKey | None = None,
             check: bool = True) -> subprocess.CompletedProcess[str]:
        """``git push ARGS`` received by the server at WHEN (its clock stopped there)."""
        self.clock.write_text(stamp(when) + "\n")
        sign = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={signed.private}"] if signed else []
        return git(repo, *sign, "push", *(["--signed"] if signed else []), *args, check=check)

    def receipts(self) -> list[dict[str, Any]]:
        """The receipts on the server, oldest first (read with git alone)."""
        ids = git(self.bare, "rev-list", "--reverse", RECEIPTS).stdout.split()
        return [yaml.safe_load(git(self.bare, "show", f"{c}:receipt.yaml").stdout) for c in ids]


@pytest.fixture(params=["git", "file"])
def server(request: pytest.FixtureRequest, daemon: tuple[Path, int, Path], tmp_path: Path,
           witness: SshKey) -> Server:
    base, port, clock = daemon
    name = f"{request.node.name.replace('[', '-').replace(']', '')}.git"
    bare = base / name
    git(base, "init", "-q", "--bare", str(bare))
    techxfer(base, "hooks", "install", "--server", str(bare), "--witness-key", str(witness.private))
    if request.param == "git":
        return Server(bare, f"git://127.0.0.1:{port}/{name}", clock, "git")
    return Server(bare, f"file://{bare}", tmp_path / "server-clock", "file")


FILE_ONLY = pytest.mark.parametrize("server", ["file"], indirect=True)


# -- the repository: a history that starts at T0 -------------------------------------------------
def add(repo: Path, rel: str, content: bytes, doc_id: str, when: datetime, revision: str = "A") -> None:
    target = repo / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)
    techxfer(repo, "add", rel, "--id", doc_id, "--title", f"Title of {doc_id}", "--category",
             "design-output", "--revision", revision, env=at(when))


def commit(repo: Path, key: SshKey, message: str, when: datetime, *extra: str) -> str:
    git(repo, "add", "-A")
    git(repo, "-c", "gpg.format=ssh", "-c", f"user.signingkey={key.private}", "commit", "-q",
        "-S", *extra, "-m", message, env=at(when))
    return git(repo, "rev-parse", "HEAD").stdout.strip()


def with_witness(repo: Path, witness: SshKey) -> None:
    path = repo / ".techxfer" / "parties.yaml"
    data = yaml.safe_load(path.read_text())
    data["witnesses"] = [{"id": "git-server", "name": "the shared git server",
                          "key": witness.public_line}]
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


@pytest.fixture(scope="session")
def timeline_base(tmp_path_factory: pytest.TempPathFactory, keys: dict[str, SshKey],
                  witness: SshKey) -> Path:
    """Built once: the trust root at T0 (the server's witness listed in it, wang.fang's key
    valid until day 10: the day it was revoked) and two documents registered at T0 + 1 h."""
    with isolated_env(tmp_path_factory):
        root = tmp_path_factory.mktemp("timeline") / "repo"
        env = at(T0)
        techxfer(root.parent, "init", str(root), "--registrant", "acme", "--manufacturer", "fab",
                 "--product", "Test pump", env=env)
        for party, pid, name, roles, key in PEOPLE:
            args = ["person", "add", party, pid, "--name", name, "--key", str(keys[key].public)]
            if pid == "wang.fang":
                args += ["--valid-until", day(10).date().isoformat()]
            for role in roles:
                args += ["--role", role]
            techxfer(root, *args, env=env)
        with_witness(root, witness)
        commit_as(root, keys["zhang"], "Trust root", env=env)
        (root / "design").mkdir()
        (root / "design" / "MANIFEST.yaml").write_text("format: 1\ndocuments: []\n")
        add(root, "design/drawing.pdf", b"%PDF-1.4 drawing rev A\n", "DRW-001", T0 + timedelta(hours=1))
        add(root, "design/spec.txt", b"Specification rev A\n", "SPEC-001", T0 + timedelta(hours=1))
        commit(root, keys["wang"], "Register design documents", T0 + timedelta(hours=1))
    return root


@pytest.fixture
def authors(timeline_base: Path, tmp_path: Path, server: Server) -> Path:
    """The authors' working copy, connected to the server and pushed at T0 + 2 h."""
    target = tmp_path / "repo"
    shutil.copytree(timeline_base, target, symlinks=True)
    server.connect(target)
    server.push(target, T0 + timedelta(hours=2), "origin", "main")
    return target


def verifier(server: Server, tmp_path: Path, name: str = "verifier") -> Path:
    """A plain clone, receipts fetched as ``techxfer hooks install`` sets it up, then the
    server moved away: what follows is offline."""
    clone = tmp_path / name
    git(tmp_path, "clone", "-q", server.url, str(clone))
    techxfer(clone, "hooks", "install")
    git(clone, "fetch", "-q", "origin")
    assert git(clone, "rev-parse", RECEIPTS).stdout.strip() == \
        git(server.bare, "rev-parse", RECEIPTS).stdout.strip()
    return clone


def offline(server: Server) -> None:
    server.bare.rename(server.bare.with_name(server.bare.name + ".away"))


def verify(repo: Path, *args: str) -> tuple[int, list[dict[str, Any]]]:
    proc = techxfer(repo, "verify", "--json", *args, check=False)
    assert proc.returncode in (0, 1), proc.stderr
    out = json.loads(proc.stdout)
    return proc.returncode, out["findings"]


def found(findings: list[dict[str, Any]]) -> list[tuple[str, str | None, str | None]]:
    return sorted((f["code"], f["path"], f["commit"]) for f in findings)


def transfer(repo: Path, key: SshKey, when: datetime, *ids: str, to: str = "fab") -> str:
    git(repo, "config", "gpg.format", "ssh")
    git(repo, "config", "user.signingkey", str(key.private))
    out = techxfer(repo, "transfer", *(ids or ("DRW-001", "SPEC-001")), "--to", to, "-m",
                   "transfer for the test", env=at(when)).stdout
    return next(w for w in out.split() if w.startswith("TX-")).rstrip(":,.")


def ack(repo: Path, key: SshKey, tx: str, when: datetime, meaning: str = "received") -> str:
    git(repo, "config", "gpg.format", "ssh")
    git(repo, "config", "user.signingkey", str(key.private))
    techxfer(repo, "ack", tx, "--meaning", meaning, env=at(when))
    return git(repo, "rev-parse", "HEAD").stdout.strip()


# -- installing ---------------------------------------------------------------------------------
def test_install_refuses_a_witness_key_that_is_not_there(tmp_path: Path, witness: SshKey) -> None:
    bare = tmp_path / "srv.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    proc = techxfer(tmp_path, "hooks", "install", "--server", str(bare), "--witness-key",
                    str(tmp_path / "no-such-key"), check=False)
    assert proc.returncode == 2 and "no such file" in proc.stderr
    loose = tmp_path / "loose"
    shutil.copy(witness.private, loose)
    loose.chmod(0o644)
    proc = techxfer(tmp_path, "hooks", "install", "--server", str(bare), "--witness-key",
                    str(loose), check=False)
    assert proc.returncode == 2 and "chmod 600" in proc.stderr
    assert not (bare / "hooks" / "post-receive").exists()
    assert git(bare, "config", "techxfer.witnessKey", check=False).returncode != 0
    proc = techxfer(tmp_path, "hooks", "install", "--server", str(bare), "--witness-key",
                    str(witness.private))
    assert witness.public_line.split()[1] in proc.stdout  # the line for parties.yaml
    assert (bare / "hooks" / "post-receive").is_file() and (bare / "hooks" / "pre-receive").is_file()
    assert git(bare, "config", "techxfer.witnessKey").stdout.strip() == str(witness.private.resolve())
    assert len(git(bare, "config", "receive.certNonceSeed").stdout.strip()) == 64


def test_client_install_fetches_the_receipts_fast_forward_only(authors: Path) -> None:
    repo = authors
    techxfer(repo, "hooks", "install")
    techxfer(repo, "hooks", "install")
    specs = git(repo, "config", "--get-all", "remote.origin.fetch").stdout.split()
    assert specs.count(f"{RECEIPTS}:{RECEIPTS}") == 1 and f"+{RECEIPTS}:{RECEIPTS}" not in specs


# -- (e) the honest flow ----------------------------------------------------------------------------
def test_the_honest_flow_is_clean_and_every_push_has_its_receipt(
        server: Server, authors: Path, tmp_path: Path, keys: dict[str, SshKey]) -> None:
    repo = authors
    add(repo, "design/drawing.pdf", b"%PDF-1.4 drawing rev B\n", "DRW-001", day(1), "B")
    rev_b = commit(repo, keys["wang"], "rev B", day(1))
    server.push(repo, day(1) + timedelta(minutes=5), "origin", "main", signed=keys["wang"])
    tx = transfer(repo, keys["wang"], day(2))
    tx_commit = git(repo, "rev-parse", "HEAD").stdout.strip()
    server.push(repo, day(2) + timedelta(minutes=5), "origin", "main")
    ack_commit = ack(repo, keys["li"], tx, day(3))
    server.push(repo, day(3) + timedelta(minutes=5), "origin", "main", signed=keys["li"])

    receipts = server.receipts()
    assert [r["server_time"] for r in receipts] == [
        stamp(when).replace(" ", "T") + "Z" for when in
        (T0 + timedelta(hours=2), day(1) + timedelta(minutes=5), day(2) + timedelta(minutes=5),
         day(3) + timedelta(minutes=5))]
    assert [r["updates"][0]["new"] for r in receipts][1:] == [rev_b, tx_commit, ack_commit]
    assert receipts[1]["push_certificate"]["signer"] == "acme:wang.fang"
    assert receipts[1]["push_certificate"]["nonce_status"] == "OK"
    assert "push_certificate" not in receipts[2]

    clone = verifier(server, tmp_path)
    offline(server)
    assert verify(clone, "--require-receipts") == (0, [])
    listing = json.loads(techxfer(clone, "receipts", "--json").stdout)
    assert [r["status"] for r in listing["receipts"]] == ["verified"] * 4
    assert {r["witness"] for r in listing["receipts"]} == {"git-server"}
    pushers = [r["pushed_by"] for r in listing["receipts"]]
    assert pushers == [None, "王芳 (acme:wang.fang)", None, "李娜 (fab:li.na)"], pushers
    assert [r["push_status"] for r in listing["receipts"]] == [None, "verified", None, "verified"]
    assert listing["problems"] == []
    table = techxfer(clone, "receipts").stdout
    assert "pushed by" in table and "push not signed" in table

    # the reports: "received by the server at" beside the signer's time, en and zh
    report = json.loads(techxfer(clone, "transfers", "--format", "json").stdout)
    row = report["transfers"][0]
    assert row["sent_by"]["received"] == iso(day(2) + timedelta(minutes=5))
    assert row["acknowledgement"]["received"] == iso(day(3) + timedelta(minutes=5))
    assert "received by the server at" in techxfer(clone, "transfers").stdout
    assert "服务器接收于" in techxfer(clone, "transfers", "--lang", "zh").stdout
    log = techxfer(clone, "log", "DRW-001").stdout
    assert f"received by the server at {stamp(day(1) + timedelta(minutes=5))}+00:00" in log
    trail = json.loads(techxfer(clone, "signatures", "--format", "json").stdout)
    assert {e["commit"]: e["received"] for e in trail}[ack_commit] == iso(day(3) + timedelta(minutes=5))


# -- (a) a revoked key, a backdated branch ------------------------------------------------------
def test_a_revoked_key_backdating_a_branch_is_caught_by_the_receipts(
        server: Server, authors: Path, tmp_path: Path, keys: dict[str, SshKey]) -> None:
    repo = authors
    """wang.fang's key was valid until day 10. On day 20 he signs three commits with his
    clock set back to day 5 and pushes them: the server's hook, judging commit dates, lets
    them in; its receipt says day 20, and the audit of any clone judges the key then."""
    backdated = []
    for n, rev in enumerate("BCD"):
        add(repo, "design/spec.txt", f"Specification rev {rev}\n".encode(), "SPEC-001",
            day(5) + timedelta(hours=n), rev)
        backdated.append(commit(repo, keys["wang"], f"rev {rev}", day(5) + timedelta(hours=n)))
    pushed = server.push(repo, day(20), "origin", "main")
    assert "receipt" in pushed.stderr  # accepted, and witnessed

    clone = verifier(server, tmp_path)
    offline(server)
    rc, findings = verify(clone)
    assert rc == 1
    late = {f["commit"] for f in findings if f["code"] == "KEY_NOT_VALID"}
    assert late == set(backdated), findings
    assert all(f["code"] == "KEY_NOT_VALID" for f in findings), findings
    # Without the log the backdating goes unseen: that is what the receipts are for. An
    # audit on a machine that saw the log says it is gone; a fresh one cannot know.
    git(clone, "update-ref", "-d", RECEIPTS)
    assert ("HISTORY_REWRITTEN", RECEIPTS, None) in found(verify(clone)[1])
    assert verify(clone, "--no-cache") == (0, [])


def test_a_commit_dated_after_its_receipt_is_time_inconsistent(
        server: Server, authors: Path, tmp_path: Path, keys: dict[str, SshKey]) -> None:
    repo = authors
    """The server's own pre-receive refuses a commit dated after its clock; with that gate
    off (here: taken away; elsewhere, a forge where CI is the gate), the witness still
    writes its receipt, and the audit compares the two."""
    add(repo, "design/spec.txt", b"Specification rev B\n", "SPEC-001", day(6), "B")
    ahead = commit(repo, keys["wang"], "dated on day 6", day(6))
    refused = server.push(repo, day(4), "origin", "main", check=False)
    assert refused.returncode != 0 and "after the verifier's clock" in refused.stderr
    (server.bare / "hooks" / "pre-receive").rename(server.bare / "hooks" / "pre-receive.off")
    server.push(repo, day(4), "origin", "main")  # the server received it on day 4
    clone = verifier(server, tmp_path)
    rc, findings = verify(clone)
    assert rc == 1 and found(findings) == [("TIME_INCONSISTENT", None, ahead)], findings
    assert "after the server received it" in findings[0]["message"]


# -- (b) an acknowledgement dated in time, received late ------------------------------------------
@FILE_ONLY
def test_an_acknowledgement_dated_in_time_but_received_late_is_late(
        server: Server, authors: Path, tmp_path: Path, keys: dict[str, SshKey]) -> None:
    repo = authors
    tx = transfer(repo, keys["wang"], day(1))  # due within 30 days: day 31
    server.push(repo, day(1), "origin", "main")
    late_ack = ack(repo, keys["li"], tx, day(20))  # her clock says day 20 ...
    server.push(repo, day(40), "origin", "main")  # ... the server got it on day 40
    clone = verifier(server, tmp_path)
    rc, findings = verify(clone)
    assert rc == 1 and found(findings) == [("ACK_MISSING", f"transfers/{tx}/ack.fab.yaml", late_ack)]
    assert "after the 30-day deadline" in findings[0]["message"]
    git(clone, "update-ref", "-d", RECEIPTS)  # judged by its own date alone, it was in time
    assert verify(clone, "--no-cache") == (0, [])


# -- (c) a receipt log edited on a clone ---------------------------------------------------------
def rewrite(repo: Path, receipt: str, edit: dict[str, Any]) -> str:
    """The receipt commit object with its receipt.yaml edited, its signature header kept:
    an edit by someone without the witness key."""
    data = yaml.safe_load(git(repo, "show", f"{receipt}:receipt.yaml").stdout)
    data.update(edit)
    blob = run("git", "hash-object", "-w", "--stdin", cwd=repo,
               input=yaml.safe_dump(data).encode()).stdout.decode().strip()
    tree = run("git", "mktree", cwd=repo, input=f"100644 blob {blob}\treceipt.yaml\n".encode()
               ).stdout.decode().strip()
    raw = git(repo, "cat-file", "commit", receipt).stdout
    old_tree = raw.split("\n", 1)[0].split()[1]
    return run("git", "hash-object", "-t", "commit", "-w", "--stdin", cwd=repo,
               input=raw.replace(old_tree, tree, 1).encode()).stdout.decode().strip()


def reparent(repo: Path, receipt: str, parent: str) -> str:
    raw = git(repo, "cat-file", "commit", receipt).stdout
    old = next(line.split()[1] for line in raw.splitlines() if line.startswith("parent "))
    return run("git", "hash-object", "-t", "commit", "-w", "--stdin", cwd=repo,
               input=raw.replace(f"parent {old}", f"parent {parent}", 1).encode()
               ).stdout.decode().strip()


@FILE_ONLY
def test_a_receipt_log_edited_on_a_clone_is_caught(
        server: Server, authors: Path, tmp_path: Path, keys: dict[str, SshKey]) -> None:
    repo = authors
    tx = transfer(repo, keys["wang"], day(1))
    server.push(repo, day(1), "origin", "main")
    ack(repo, keys["li"], tx, day(20))
    server.push(repo, day(40), "origin", "main")  # the late acknowledgement of test (b)
    clone = verifier(server, tmp_path)
    assert {f["code"] for f in verify(clone)[1]} == {"ACK_MISSING"}
    chain = git(clone, "rev-list", "--reverse", RECEIPTS).stdout.split()
    assert len(chain) == 3

    # 1. the last receipt edited to say day 20, its signature kept: it no longer verifies
    forged = rewrite(clone, chain[2], {"server_time": stamp(day(20)).replace(" ", "T") + "Z"})
    git(clone, "update-ref", RECEIPTS, forged)
    rc, findings = verify(clone)
    assert ("BAD_SIGNATURE", RECEIPTS, forged) in found(findings), findings
    assert "ACK_MISSING" not in {f["code"] for f in findings}  # the forged receipt is not used
    assert ("HISTORY_REWRITTEN", RECEIPTS, forged) in found(findings)  # seen here before
    # and the clone's fetch will not take the server's log over the edited one, nor the reverse
    git(clone, "update-ref", RECEIPTS, chain[2])
    assert {f["code"] for f in verify(clone)[1]} == {"ACK_MISSING"}

    # 2. the middle receipt edited and the last one put back on top of it: both break
    middle = rewrite(clone, chain[1], {"updates": [{"ref": "refs/heads/main", "old": "0" * 40,
                                                     "new": git(clone, "rev-parse", "main~1").stdout.strip()}]})
    top = reparent(clone, chain[2], middle)
    git(clone, "update-ref", RECEIPTS, top)
    codes = found(verify(clone, "--no-cache")[1])
    assert ("BAD_SIGNATURE", RECEIPTS, middle) in codes and ("BAD_SIGNATURE", RECEIPTS, top) in codes

    # 3. a log re-signed with another key, the late receipt left out
    other = make_ssh_key(tmp_path / "k", "not-the-witness")
    tree = git(clone, "rev-parse", f"{chain[1]}^{{tree}}").stdout.strip()
    resigned = git(clone, "-c", "gpg.format=ssh", "-c", f"user.signingkey={other.private}",
                   "commit-tree", "-S", "-p", chain[0], "-m", "receipt", tree).stdout.strip()
    git(clone, "update-ref", RECEIPTS, resigned)
    codes = found(verify(clone, "--no-cache")[1])
    assert ("UNKNOWN_KEY", RECEIPTS, resigned) in codes, codes

    # 4. the log cut back to before the late receipt: an audit that saw it says so
    git(clone, "update-ref", RECEIPTS, chain[1])
    rc, findings = verify(clone)
    assert ("HISTORY_REWRITTEN", RECEIPTS, chain[1]) in found(findings), findings
    # ... and git fetch refuses to move the clone's log anywhere but forward
    git(clone, "update-ref", RECEIPTS, forged)
    proc = git(clone, "fetch", "origin", check=False)
    assert proc.returncode != 0 and "rejected" in proc.stderr and RECEIPTS in proc.stderr


def test_the_server_refuses_a_push_to_the_receipt_log(server: Server, authors: Path) -> None:
    repo = authors
    before = git(server.bare, "rev-parse", RECEIPTS).stdout.strip()
    git(repo, "fetch", "-q", "origin")
    proc = server.push(repo, day(1), "origin", f"main:{RECEIPTS}", "--force", check=False)
    assert proc.returncode != 0 and "receipt log is written by the server alone" in proc.stderr
    assert git(server.bare, "rev-parse", RECEIPTS).stdout.strip() == before


# -- (d) --require-receipts ------------------------------------------------------------------------
@FILE_ONLY
def test_require_receipts_flags_a_commit_no_receipt_covers(
        server: Server, authors: Path, keys: dict[str, SshKey]) -> None:
    repo = authors
    git(repo, "fetch", "-q", "origin")
    assert verify(repo, "--require-receipts") == (0, [])
    add(repo, "design/spec.txt", b"Specification rev B\n", "SPEC-001", day(1), "B")
    local = commit(repo, keys["wang"], "not pushed yet", day(1))
    assert verify(repo) == (0, [])
    rc, findings = verify(repo, "--require-receipts")
    assert rc == 1 and found(findings) == [("UNWITNESSED", None, local)]
    server.push(repo, day(1), "origin", "main")
    git(repo, "fetch", "-q", "origin")
    assert verify(repo, "--require-receipts") == (0, [])


# -- signed pushes, concurrency ---------------------------------------------------------------------
@FILE_ONLY
def test_a_signed_push_by_a_key_nobody_holds_is_refused(
        server: Server, authors: Path, keys: dict[str, SshKey]) -> None:
    repo = authors
    add(repo, "design/spec.txt", b"Specification rev B\n", "SPEC-001", day(1), "B")
    commit(repo, keys["wang"], "rev B", day(1))
    before = git(server.bare, "rev-parse", "main").stdout.strip()
    proc = server.push(repo, day(1), "origin", "main", signed=keys["outsider"], check=False)
    assert proc.returncode != 0 and "push certificate" in proc.stderr, proc.stderr
    assert git(server.bare, "rev-parse", "main").stdout.strip() == before
    assert len(server.receipts()) == 1
    server.push(repo, day(1), "origin", "main", signed=keys["wang"])
    assert len(server.receipts()) == 2


@FILE_ONLY
def test_two_pushes_at_once_make_one_chain(
        server: Server, authors: Path, tmp_path: Path, keys: dict[str, SshKey]) -> None:
    repo = authors
    clones = []
    for name in ("a", "b", "c"):
        clone = tmp_path / name
        shutil.copytree(repo, clone, symlinks=True)
        add(clone, f"design/{name}.txt", f"{name}\n".encode(), f"DOC-{name.upper()}", day(1))
        commit(clone, keys["wang"], f"doc {name}", day(1))
        clones.append(clone)
    server.clock.write_text(stamp(day(1)) + "\n")
    results: list[subprocess.CompletedProcess[str]] = []
    threads = [threading.Thread(target=lambda c=c: results.append(
        git(c, "push", "origin", f"HEAD:refs/heads/{c.name}", check=False))) for c in clones]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.returncode for r in results] == [0, 0, 0], [r.stderr for r in results]
    chain = git(server.bare, "rev-list", "--parents", RECEIPTS).stdout.splitlines()
    assert len(chain) == 4 and all(len(line.split()) <= 2 for line in chain)
    pushed = {r["updates"][0]["ref"] for r in server.receipts()[1:]}
    assert pushed == {"refs/heads/a", "refs/heads/b", "refs/heads/c"}
    git(repo, "fetch", "-q", "origin")
    assert verify(repo, "--require-receipts") == (0, [])


# -- the witness in parties.yaml -------------------------------------------------------------------
def test_a_witness_key_also_listed_for_a_person_is_a_shared_key(
        timeline_base: Path, tmp_path: Path, keys: dict[str, SshKey]) -> None:
    work = tmp_path / "repo"
    shutil.copytree(timeline_base, work, symlinks=True)
    assert techxfer(work, "check").returncode == 0
    path = work / ".techxfer" / "parties.yaml"
    data = yaml.safe_load(path.read_text())
    data["witnesses"][0]["key"] = keys["zhang"].public_line
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    proc = techxfer(work, "check", "--json", check=False)
    assert proc.returncode == 1
    shared = [f for f in json.loads(proc.stdout)["findings"] if f["code"] == "SHARED_KEY"]
    assert shared and "witness git-server" in shared[0]["message"]


def test_a_witness_counts_once_the_parties_approve_it(
        tmp_path: Path, witness: SshKey, repo: Path, keys: dict[str, SshKey]) -> None:
    """Added like any configuration change: fab's quality head proposes the witness, acme's
    approves. Receipts written before count for nothing (and break no audit); commits after
    the approval are judged from their receipts."""
    from attack_helpers import approved_config_change

    work = repo  # conftest's: dated by the real clock
    bare = tmp_path / "srv.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    techxfer(tmp_path, "hooks", "install", "--server", str(bare), "--witness-key", str(witness.private))
    git(work, "remote", "add", "origin", f"file://{bare}")
    git(work, "config", "--add", "remote.origin.fetch", f"{RECEIPTS}:{RECEIPTS}")
    git(work, "push", "-q", "origin", "main")
    git(work, "fetch", "-q", "origin")
    assert verify(work) == (0, [])  # receipts of a witness nobody listed yet: nothing to say
    before = set(git(work, "rev-list", "main").stdout.split())
    assert {f["commit"] for f in verify(work, "--require-receipts")[1]} == before

    def list_witness(config: Path) -> None:
        with_witness(config.parent, witness)

    _, approval = approved_config_change(work, keys, list_witness)
    (work / "design" / "spec.txt").write_text("Specification rev B\n")
    techxfer(work, "add", "design/spec.txt", "--id", "SPEC-001", "--title", "Spec",
             "--category", "design-output", "--revision", "B")
    commit_as(work, keys["wang"], "rev B")
    after = git(work, "rev-parse", "HEAD").stdout.strip()
    git(work, "push", "-q", "origin", "main")
    git(work, "fetch", "-q", "origin")
    assert verify(work) == (0, [])
    unwitnessed = {f["commit"] for f in verify(work, "--require-receipts")[1]}
    assert after not in unwitnessed and approval in unwitnessed  # judged by the config before it
    assert unwitnessed == set(git(work, "rev-list", "main~1").stdout.split())




@FILE_ONLY
def test_a_push_the_witness_could_not_sign_leaves_a_gap_the_audit_reports(
        server: Server, authors: Path, tmp_path: Path, keys: dict[str, SshKey]) -> None:
    """The push stands (post-receive runs after the refs moved) and says loudly that no
    receipt was written; the next receipt does not start where the last one left main."""
    repo = authors
    key = git(server.bare, "config", "techxfer.witnessKey").stdout.strip()
    git(server.bare, "config", "techxfer.witnessKey", str(tmp_path / "gone"))
    add(repo, "design/spec.txt", b"Specification rev B\n", "SPEC-001", day(1), "B")
    gap = commit(repo, keys["wang"], "rev B", day(1))
    proc = server.push(repo, day(1), "origin", "main")
    assert "NO RECEIPT was written" in proc.stderr
    assert git(server.bare, "rev-parse", "main").stdout.strip() == gap
    git(server.bare, "config", "techxfer.witnessKey", key)
    add(repo, "design/spec.txt", b"Specification rev C\n", "SPEC-001", day(2), "C")
    commit(repo, keys["wang"], "rev C", day(2))
    server.push(repo, day(2), "origin", "main")
    clone = verifier(server, tmp_path)
    rc, findings = verify(clone)
    assert rc == 1 and [f["code"] for f in findings] == ["RECEIPT_INVALID"], findings
    assert "the log has a gap" in findings[0]["message"]
    # the commit pushed without a receipt is covered by the next one (a later time)
    assert verify(clone, "--require-receipts")[1] == findings
    table = techxfer(clone, "receipts").stdout
    assert table.count("witness git-server [verified]") == 1
    assert table.count("witness git-server [RECEIPT_INVALID]") == 1
    zh = techxfer(clone, "receipts", "--lang", "zh").stdout
    assert zh.count("见证服务器 git-server [已验证]") == 1
    assert "RECEIPT_INVALID（服务器接收凭证链损坏）：" in zh and "凭证链有缺口" in zh


def test_receipts_without_a_log(tmp_path: Path, repo: Path) -> None:
    assert "No receipts" in techxfer(repo, "receipts").stdout
    assert json.loads(techxfer(repo, "receipts", "--json").stdout)["tip"] is None
