"""Issue 14, "Nothing brings the audit or the server down": the audit side.

Every case ends in a clear verdict within a time bound (DESIGN 2.1, 4): exit 0 or 1 with
the right finding, or exit 2 with a message; never a traceback, never "internal error",
never a hang. Black-box: the real CLI in a subprocess, real git, real ssh keys. The
server's hook cases are in ``test_robustness_server.py``.

A case the code of today fails is marked ``xfail(strict=True)``: the suite stays green,
and the fix flips it (a strict xfail that passes fails the run, so the marker is then
removed with the fix).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
import unicodedata
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SshKey, commit_as, git, isolated_env, techxfer, use_signing_key
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from robust_helpers import (
    bounded,
    cli,
    head,
    new_entry_cache,
    parse_with_techxfer,
    raw_commit,
    verify_json,
)


def plain_commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "-c", "commit.gpgSign=false", "commit", "-q", "--allow-empty", "-m", message)
    return head(repo)


def at_commit(findings: list[dict[str, Any]], code: str, commit: str) -> list[dict[str, Any]]:
    return [f for f in findings if f["code"] == code and f["commit"] == commit]


# == 3. Odd signed commits: a finding, not a crash (DESIGN 2.1) ================================
def _odd_commit(repo: Path, keys: dict[str, SshKey], kind: str) -> str:
    parent = head(repo)
    if kind == "unknown-encoding":
        return raw_commit(repo, keys["wang"], parents=[parent],
                          extra_headers=("encoding nonexistent-enc",),
                          message="a commit in an encoding nobody knows\n")
    if kind == "year-after-9999":
        # 999999999999 s after 1970 is in the year 33658: no calendar date of Python's.
        return raw_commit(repo, keys["wang"], parents=[parent],
                          committer_when="999999999999 +0000", message="dated after year 9999\n")
    if kind == "duplicate-signature":
        return raw_commit(repo, keys["wang"], parents=[parent], signatures=2,
                          message="two signature headers\n")
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", [
    "unknown-encoding",
    "year-after-9999",
    "duplicate-signature",
])
def test_odd_commit_is_malformed_and_the_rest_still_judged(repo: Path, keys: dict[str, SshKey],
                                                           kind: str) -> None:
    odd = _odd_commit(repo, keys, kind)
    git(repo, "update-ref", "refs/heads/main", odd)
    git(repo, "reset", "-q", "--hard")
    later = plain_commit(repo, "a later unsigned commit")  # a later bad commit, also reported
    rc, findings = verify_json(repo)
    assert rc == 1
    assert at_commit(findings, "MALFORMED_COMMIT", odd), findings
    assert at_commit(findings, "UNSIGNED_COMMIT", later), findings
    human = cli(repo, "verify")  # the human report too: a verdict, no crash
    assert human.returncode == 1 and "MALFORMED_COMMIT" in human.stdout


@pytest.mark.parametrize("kind", ["unknown-encoding", "year-after-9999", "duplicate-signature"])
def test_odd_commit_never_stops_the_audit(repo: Path, keys: dict[str, SshKey], kind: str) -> None:
    """The weaker promise, which holds whatever the codes: a verdict, not exit 2."""
    git(repo, "update-ref", "refs/heads/main", _odd_commit(repo, keys, kind))
    git(repo, "reset", "-q", "--hard")
    plain_commit(repo, "a later unsigned commit")
    rc, findings = verify_json(repo)
    assert rc == 1 and "UNSIGNED_COMMIT" in {f["code"] for f in findings}


def test_a_far_future_commit_is_time_inconsistent(repo: Path, keys: dict[str, SshKey]) -> None:
    """99999999999 s is a real date (year 5138), only after the verifier's clock: not
    malformed but TIME_INCONSISTENT (DESIGN 2.1), and the history after it still judged."""
    future = raw_commit(repo, keys["wang"], parents=[head(repo)], committer_when="99999999999 +0000",
                        message="dated in the year 5138\n")
    git(repo, "update-ref", "refs/heads/main", future)
    git(repo, "reset", "-q", "--hard")
    later = plain_commit(repo, "a later unsigned commit")
    rc, findings = verify_json(repo)
    assert rc == 1
    assert at_commit(findings, "TIME_INCONSISTENT", future), findings
    assert at_commit(findings, "UNSIGNED_COMMIT", later), findings


def test_a_well_formed_raw_commit_is_clean(repo: Path, keys: dict[str, SshKey]) -> None:
    """The raw-commit helper itself makes commits the audit accepts: the odd cases above
    differ from a good commit by their oddity alone."""
    git(repo, "update-ref", "refs/heads/main", raw_commit(repo, keys["wang"], parents=[head(repo)]))
    assert verify_json(repo) == (0, [])


# == 4. Pathological but valid manifests: answered within seconds ============================
QUICK = 8.0  # seconds: check and verify of this repository take well under one


def _manifest(repo: Path) -> Path:
    return repo / "design/MANIFEST.yaml"


@pytest.mark.parametrize("blank", [30, 2000])
def test_manifest_after_many_blank_lines(repo: Path, keys: dict[str, SshKey], blank: int) -> None:
    """Valid YAML, the same register: clean, and answered as quickly as without them."""
    path = _manifest(repo)
    path.write_bytes(b"\n" * blank + path.read_bytes())
    commit_as(repo, keys["wang"], "the register after blank lines")
    assert verify_json(repo, timeout=5.0) == (0, [])


def test_manifest_after_a_few_blank_lines(repo: Path, keys: dict[str, SshKey]) -> None:
    path = _manifest(repo)
    path.write_bytes(b"\n" * 6 + path.read_bytes())
    commit_as(repo, keys["wang"], "the register after six blank lines")
    assert verify_json(repo, timeout=QUICK) == (0, [])


def _pathological(repo: Path, kind: str) -> None:
    path = _manifest(repo)
    data = path.read_bytes()
    if kind == "long-line":  # a 1 MB extension value on one line
        data = data.replace(b"  retention: permanent\n",
                            b"  retention: permanent\n  x-note: " + b"ab " * 350_000 + b"z\n", 1)
    elif kind == "long-quoted-line":
        data = data.replace(b"  retention: permanent\n",
                            b"  retention: permanent\n  x-note: '" + b"y" * 1_000_000 + b"'\n", 1)
    elif kind == "deep-nesting":  # as deep as the loader reads (it refuses deeper: see below)
        data = data.replace(b"  retention: permanent\n",
                            b"  retention: permanent\n  x-deep: " + b"[" * 200 + b"]" * 200 + b"\n", 1)
    elif kind == "very-deep-nesting":
        data = data.replace(b"  retention: permanent\n",
                            b"  retention: permanent\n  x-deep: " + b"[" * 50_000 + b"]" * 50_000 + b"\n", 1)
    elif kind == "many-comments":
        comments = b"".join(b"# comment %d: - id: FAKE-%d\n" % (i, i) for i in range(20_000))
        data = comments + data.replace(b"\n- ", b"\n" + comments + b"- ")
    elif kind == "comments-and-blank-lines":  # one blank line between comments: no ambiguity
        data = b"# c\n\n" * 5_000 + data
    elif kind == "many-entries":
        entries = "".join(
            f"- id: X-{i}\n  path: x/{i}.txt\n  title: T {i}\n  revision: A\n  category: design-output\n"
            f"  owner: registrant\n  status: effective\n  sha256: {hashlib.sha256(b'%d' % i).hexdigest()}\n"
            f"  retention: permanent\n" for i in range(1_000))
        data += entries.encode()
        for i in range(1_000):
            (repo / "design/x").mkdir(exist_ok=True)
            (repo / f"design/x/{i}.txt").write_bytes(b"%d" % i)
    else:
        raise AssertionError(kind)
    path.write_bytes(data)


@pytest.mark.parametrize("kind", [
    "long-line", "long-quoted-line", "deep-nesting", "very-deep-nesting", "many-comments",
    "comments-and-blank-lines", "many-entries"])
def test_pathological_valid_manifest_answers_within_seconds(repo: Path, keys: dict[str, SshKey],
                                                           kind: str) -> None:
    """Valid YAML the register may hold: clean, or MANIFEST_INVALID naming the manifest (a
    nesting deeper than the loader reads), answered quickly by check and by verify."""
    _pathological(repo, kind)
    commit_as(repo, keys["wang"], f"a pathological register: {kind}")
    for command in ("check", "verify"):
        answer = cli(repo, command, "--json", timeout=QUICK)
        findings = json.loads(answer.stdout)["findings"]
        assert (answer.returncode == 0) == (not findings)
        if kind != "very-deep-nesting":
            assert findings == [], findings
            continue
        # deeper than the loader reads: the manifest is refused, saying why; verify also
        # counts the entries it can no longer read as removed from the register
        invalid = [f for f in findings if f["code"] == "MANIFEST_INVALID"]
        assert invalid and all(f["path"] == "design/MANIFEST.yaml" for f in invalid), findings
        assert "nest" in invalid[0]["message"].lower(), invalid
        assert {f["code"] for f in findings} <= {"MANIFEST_INVALID", "RECORD_DELETED"}, findings


# -- manifests in many valid YAML styles (Hypothesis) ------------------------------------------
class _StringDates(yaml.SafeLoader):
    """PyYAML's safe loader, reading dates as strings as the format does (DESIGN 1, yamlio)."""


_StringDates.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def pyyaml(data: bytes) -> Any:
    return yaml.load(data, Loader=_StringDates)  # noqa: S506 - a safe loader subclass


def _plain_ok(value: str) -> bool:
    """VALUE written bare reads back as itself."""
    if not value or value != value.strip() or any(c in value for c in "#:\n'\"{}[],&*!|>%@`"):
        return False
    try:
        return pyyaml(f"k: {value}\n".encode()) == {"k": value}
    except yaml.YAMLError:
        return False


def _scalar(value: str, style: str, indent: str) -> str:
    if style == "plain" and _plain_ok(value):
        return value
    if style == "double":
        return json.dumps(value, ensure_ascii=bool(len(value) % 2))  # \uXXXX escapes or not
    if style == "literal" and value and "\n" not in value and value == value.strip():
        return f"|-\n{indent}  {value}"
    if style == "folded" and value and "\n" not in value and value == value.strip() \
            and "  " not in value:
        return f">-\n{indent}  {value}"
    return "'" + value.replace("'", "''") + "'"


STYLES = st.sampled_from(["plain", "single", "double", "literal", "folded"])


@st.composite
def manifest_texts(draw: st.DrawFn, documents: list[dict[str, str]], max_blank: int) -> bytes:
    """The same register written in one of many YAML styles: block or flow sequences,
    items at column 0 or indented, keys in any order, any scalar style, comments, document
    markers, blank lines, extension keys, CRLF line ends."""
    eol = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    out: list[str] = []
    for _ in range(draw(st.integers(0, 3))):
        out.append(draw(st.sampled_from(["# a comment", "#", "# - id: NOT-AN-ENTRY", ""])))
    out += [""] * draw(st.integers(0, max_blank))
    marker = draw(st.sampled_from(["", "---", "--- # start", "%YAML 1.1\n---"]))
    if marker:
        out.append(marker)
    fmt_first = draw(st.booleans())
    has_format = draw(st.booleans())
    if has_format and fmt_first:
        out.append(draw(st.sampled_from(["format: 1", "format: 1 # version", "'format': 1"])))
    layout = draw(st.sampled_from(["block", "block-indented", "block-flow-items", "flow", "flow-lines"]))
    items = []
    for doc in documents:
        keys = draw(st.permutations(list(doc)))
        extra = draw(st.sampled_from([None, "x-note", "x-list", "x-map"]))
        items.append((keys, extra))
    if layout in ("flow", "flow-lines"):
        parts = []
        for doc, (keys, extra) in zip(documents, items, strict=True):
            pairs = [f"{k}: {_scalar(doc[k], draw(st.sampled_from(['plain', 'single', 'double'])), '')}"
                     for k in keys]
            if extra == "x-list":
                pairs.append("x-list: [a, 'b', [c]]")
            parts.append("{" + ", ".join(pairs) + "}")
        sep = (", " if layout == "flow" else f",{eol}  ")
        out.append("documents: [" + sep.join(parts) + "]")
    else:
        out.append(draw(st.sampled_from(["documents:", "documents: # the register", "'documents':"])))
        dash = "  - " if layout == "block-indented" else "- "
        cont = " " * len(dash)
        for doc, (keys, extra) in zip(documents, items, strict=True):
            if draw(st.booleans()):
                out.append(draw(st.sampled_from(["# next entry", "", f"{cont}# indented comment"])))
            if layout == "block-flow-items":
                pairs = [f"{k}: {_scalar(doc[k], draw(st.sampled_from(['single', 'double', 'plain'])), '')}"
                         for k in keys]
                out.append(dash + "{" + ", ".join(pairs) + "}")
                continue
            lines = []
            for k in keys:
                style = draw(STYLES)
                value = _scalar(doc[k], style, cont).replace("\n", eol)
                trailing = " # note" if draw(st.integers(0, 5)) == 0 and not value.startswith(("|", ">")) else ""
                lines.append(f"{k}: {value}{trailing}")
            if extra == "x-note":
                lines.append("x-note: 'free text: kept' # and a comment")
            elif extra == "x-list":
                lines.append(f"x-list:{eol}{cont}- one{eol}{cont}- [two, three]")
            elif extra == "x-map":
                lines.append("x-map: {a: 1, b: [x, y]}")
            out.append(dash + lines[0])
            out += [cont + line for line in lines[1:]]
    if has_format and not fmt_first:
        out.append("format: 1")
    if draw(st.booleans()):
        out.append(draw(st.sampled_from(["...", "# the end", ""])))
    return (eol.join(out) + eol).encode()


def _register(repo: Path) -> list[dict[str, str]]:
    """The committed register (the working copy is rewritten by each example)."""
    value = pyyaml(git(repo, "show", "HEAD:design/MANIFEST.yaml").stdout.encode())
    return [{k: str(v) for k, v in doc.items()} for doc in value["documents"]]


SAMPLE_DOCUMENTS = [
    {"id": "DRW-001", "path": "drawing.pdf", "title": "Title of DRW-001", "revision": "A",
     "category": "design-output", "owner": "registrant", "status": "effective",
     "sha256": "b874dfc07b19d0214ef81fbe972474ae496643f6f2842cd0002001841f05821f",
     "retention": "permanent", "created": "2026-11-26", "effective": "2026-11-26"},
    {"id": "SPEC-001", "path": "spec.txt", "title": "规格书: yes # no, 'quoted' \"too\"",
     "revision": "1.0", "category": "design-output", "owner": "registrant", "status": "effective",
     "sha256": "000d20fdc5d26dff4525ca6f6c7b5baa119009e8bf33018f4e2976ca03bcf956",
     "retention": "permanent"},
    {"id": "X.2", "path": "sub dir/näme (1).txt", "title": "on", "revision": "B",
     "category": "design-output", "owner": "acme", "status": "draft",
     "sha256": "1234567890123456789012345678901234567890123456789012345678901234",
     "retention": "default"},
]


@settings(max_examples=100, deadline=1000, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate],  # a failure is shown as found: bounded time
          suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_manifest_styles_parse_as_pyyaml_reads_them(data: st.DataObject) -> None:
    """techxfer's manifest parser (its entry-by-entry fast path and its cache included)
    reads every style exactly as PyYAML does, and quickly."""
    count = data.draw(st.integers(1, 3))
    documents = SAMPLE_DOCUMENTS[:count]
    text = data.draw(manifest_texts(documents, max_blank=3))
    expected = pyyaml(text)
    assert [{k: v for k, v in d.items() if not k.startswith("x-")} for d in expected["documents"]] \
        == documents  # the generator writes what it means
    cache = new_entry_cache()
    assert parse_with_techxfer(text) == expected
    assert parse_with_techxfer(text, cache=cache) == expected
    assert parse_with_techxfer(text, cache=cache) == expected  # from the cache
    # the next version of the same file, one title changed: read through the cache's last
    changed = [dict(d) for d in documents]
    changed[-1]["title"] = "a new title"
    text2 = data.draw(manifest_texts(changed, max_blank=3))
    assert parse_with_techxfer(text2, cache=cache) == pyyaml(text2)


@settings(max_examples=6, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate],  # no shrinking: each example runs the CLI
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.data())
def test_check_answers_any_style_quickly(repo: Path, data: st.DataObject) -> None:
    """The register of the test repository rewritten in a random style: ``check`` still
    finds it clean, quickly."""
    documents = _register(repo)
    text = data.draw(manifest_texts(documents, max_blank=3))
    _manifest(repo).write_bytes(text)
    answer = cli(repo, "check", "--json", timeout=QUICK)
    assert answer.returncode == 0, answer.stdout
    assert json.loads(answer.stdout)["documents"] == len(documents)


@settings(max_examples=3, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.data(), st.integers(30, 200), st.sampled_from(["\n", "  \n", "\t\n", "\r\n"]))
def test_check_answers_styles_after_blank_lines_quickly(repo: Path, data: st.DataObject,
                                                        blank: int, line: str) -> None:
    """Answered quickly, and as the YAML loader reads the file: a line holding a tab
    before the register is one YAML refuses ("found character that cannot start any
    token"), so that manifest is MANIFEST_INVALID; every other lead is clean."""
    documents = _register(repo)
    text = data.draw(manifest_texts(documents, max_blank=0))
    _manifest(repo).write_bytes(line.encode() * blank + text)
    answer = cli(repo, "check", "--json", timeout=3.0)
    try:
        pyyaml(line.encode() * blank + text)
    except yaml.YAMLError:
        findings = json.loads(answer.stdout)["findings"]
        assert answer.returncode == 1 and findings, answer.stdout
        assert {(f["code"], f["path"]) for f in findings} == {("MANIFEST_INVALID", "design/MANIFEST.yaml")}
    else:
        assert answer.returncode == 0, answer.stdout


# == 5. A shallow clone is not audited ======================================================
@pytest.mark.parametrize("json_output", [False, True])
def test_shallow_clone_exits_2_saying_how_to_unshallow(repo: Path, tmp_path: Path,
                                                       json_output: bool) -> None:
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow))
    assert (shallow / ".git/shallow").exists()
    answer = cli(shallow, "verify", *(["--json"] if json_output else []))
    assert answer.returncode == 2, answer.stdout
    assert "shallow" in answer.stderr and "git fetch --unshallow" in answer.stderr, answer.stderr


def test_the_verified_transfer_list_of_a_shallow_clone_exits_2(repo: Path, tmp_path: Path) -> None:
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow))
    answer = cli(shallow, "transfers", "--verify")
    assert answer.returncode == 2 and "git fetch --unshallow" in answer.stderr, answer.stderr
    assert cli(shallow, "transfers", "--no-verify").returncode == 0


def test_pre_push_from_a_shallow_clone_says_how_to_unshallow(repo: Path, tmp_path: Path,
                                                            keys: dict[str, SshKey]) -> None:
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow))
    techxfer(shallow, "hooks", "install")
    git(shallow, "-c", "gpg.format=ssh", "-c", f"user.signingkey={keys['wang'].private}",
        "commit", "-q", "-S", "--allow-empty", "-m", "signed, from a shallow clone")
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    answer = bounded(shallow, "git", "push", str(remote), "main")
    assert answer.returncode != 0, answer.stderr
    assert "shallow" in answer.stderr and "git fetch --unshallow" in answer.stderr, answer.stderr
    assert "Traceback" not in answer.stderr and "internal error" not in answer.stderr


def test_a_deepened_clone_is_audited(repo: Path, tmp_path: Path) -> None:
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow))
    git(shallow, "fetch", "-q", "--unshallow")
    assert verify_json(shallow) == (0, [])


# == 6. Hostile text is shown escaped ==========================================================
# click drops CSI sequences (ESC [ … letter) when its output is not a terminal, but not the
# OSC sequence (ESC ] … BEL), nor CR or bidi overrides; on a terminal it drops nothing.
ESC = "\x1b[2K\x1b[1A\x1b]0;pwned\x07"  # erase line, cursor up; OSC: set the window title
BIDI = "\u202e"
TITLE = f'=HYPERLINK("http://evil.invalid")-title{ESC}\r{BIDI}txt.exe'
REASON = f"+SUM(1+1)-reason{ESC}\r{BIDI}"
CHANGE_REF = f"-2+3-ref{ESC}{BIDI}"
COMMENT = f"@evil-comment{ESC}\r{BIDI}"
SUBJECT = f"@SUM(1)-subject{ESC}\r{BIDI}"
AUTHOR = f"Evil{ESC}\r{BIDI}Author"
FILE = f"design/evil-file{ESC}\r{BIDI}.txt"


@pytest.fixture(scope="module")
def hostile_repo(base_repo: Path, keys: dict[str, SshKey], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A document with a hostile title, transferred with a hostile reason and change
    reference, acknowledged with a hostile comment; then a commit with a hostile subject
    and author name, which adds a file with a hostile name (an UNLISTED_FILE)."""
    with isolated_env(tmp_path_factory):
        repo = tmp_path_factory.mktemp("hostile") / "repo"
        shutil.copytree(base_repo, repo, symlinks=True)
        (repo / "design/hostile.txt").write_bytes(b"rev A\n")
        techxfer(repo, "add", "design/hostile.txt", "--id", "HOST-001", "--title", TITLE,
                 "--category", "design-output", "--revision", "A")
        commit_as(repo, keys["wang"], "Register a document with a hostile title")
        use_signing_key(repo, keys["wang"])
        out = techxfer(repo, "transfer", "HOST-001", "--to", "fab", "-m", REASON,
                       "--change-ref", CHANGE_REF).stdout
        tx = re.search(r"TX-\d{8}-[RM]-[0-9a-f]+", out)
        assert tx, out
        use_signing_key(repo, keys["li"])
        techxfer(repo, "ack", tx.group(0), "-m", COMMENT)
        (repo / "design/hostile.txt").write_bytes(b"rev B\n")
        techxfer(repo, "add", "design/hostile.txt", "--id", "HOST-001", "--title", TITLE,
                 "--category", "design-output", "--revision", "B")
        (repo / FILE).write_bytes(b"not registered\n")
        commit_as(repo, keys["wang"], SUBJECT, env={"GIT_AUTHOR_NAME": AUTHOR,
                                                     "GIT_COMMITTER_NAME": AUTHOR})
        git(repo, "config", "--unset", "user.signingkey")
    return repo


def _raw_control(text: str, csv_output: bool = False) -> list[str]:
    if csv_output:
        text = text.replace("\r\n", "\n")  # CSV's own line ends
    found = []
    for char in sorted(set(text)):
        if char in "\n\t":
            continue
        if unicodedata.category(char) == "Cc" or char in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069":
            found.append(repr(char))
    return found


OUTPUTS = {
    "verify": ("verify",),
    "status": ("status",),
    "check": ("check",),
    "transfers-table": ("transfers",),
    "transfers-md": ("transfers", "--format", "md"),
    "transfers-csv": ("transfers", "--format", "csv"),
    "log-table": ("log", "HOST-001"),
    "signatures-table": ("signatures",),
    "signatures-csv": ("signatures", "--format", "csv"),
    "log-csv": ("log", "HOST-001", "--format", "csv"),
    "retention-csv": ("retention", "report", "--format", "csv"),
}
# What each output shows of the hostile text: it must be there, escaped, not dropped.
SHOWN = {
    "verify": ["subject", "evil-file"], "status": ["evil-file"], "check": ["evil-file"],
    "transfers-table": ["title", "reason", "ref", "comment"], "transfers-md": ["title", "reason"],
    "transfers-csv": ["title", "reason", "ref"], "log-table": ["subject", "title"],
    "signatures-table": ["subject"], "signatures-csv": ["subject"], "log-csv": ["HOST-001"],
    "retention-csv": ["title"],
}


@pytest.mark.parametrize("name", list(OUTPUTS))
def test_hostile_text_is_never_printed_raw(hostile_repo: Path, name: str) -> None:
    answer = cli(hostile_repo, *OUTPUTS[name])
    assert answer.returncode in (0, 1), answer.stderr
    for word in SHOWN[name]:
        assert word in answer.stdout, (word, answer.stdout)
    raw = _raw_control(answer.stdout, csv_output=name.endswith("csv"))
    assert raw == [], f"raw control characters in {name}: {raw}"
    assert _raw_control(answer.stderr) == []


@pytest.mark.parametrize("name", ["transfers-csv", "signatures-csv", "retention-csv"])
def test_csv_cells_cannot_start_a_formula(hostile_repo: Path, name: str) -> None:
    answer = cli(hostile_repo, *OUTPUTS[name])
    assert answer.returncode == 0, answer.stderr
    rows = list(csv.reader(io.StringIO(answer.stdout)))
    assert len(rows) > 1
    risky = [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert risky == [], risky


def test_hostile_text_is_escaped_not_dropped(hostile_repo: Path) -> None:
    """What the terminal shows is the text itself, its control characters and bidi
    overrides spelt out as escapes a reader can see."""
    out = cli(hostile_repo, "transfers").stdout
    assert "\\x1b[2K\\x1b[1A\\x1b]0;pwned\\x07\\r\\u202etxt.exe" in out, out
    out = cli(hostile_repo, "verify").stdout
    assert "@SUM(1)-subject\\x1b[2K" in out and "design/evil-file\\x1b[2K" in out, out


def test_the_pdf_shows_hostile_text_escaped(hostile_repo: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader

    target = tmp_path / "list.pdf"
    answer = cli(hostile_repo, "transfers", "--format", "pdf", "--no-verify", "-o", str(target))
    assert answer.returncode == 0, answer.stderr
    text = "".join(page.extract_text() for page in PdfReader(target).pages)
    assert "reason" in text and "title" in text, text
    assert _raw_control(text.replace("\n", " ")) == [], text


def test_hook_messages_show_hostile_text_escaped(hostile_repo: Path, tmp_path: Path) -> None:
    """The pre-push hook's refusal (printed straight to the pusher's terminal) and the
    pre-commit hook's name the hostile file escaped."""
    client = tmp_path / "client"
    shutil.copytree(hostile_repo, client, symlinks=True)
    techxfer(client, "hooks", "install")
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    answer = bounded(client, "git", "push", str(remote), "main")
    assert answer.returncode != 0 and "UNLISTED_FILE" in answer.stderr, answer.stderr
    assert "evil-file\\x1b[2K" in answer.stderr, answer.stderr
    assert _raw_control(answer.stderr) == [], answer.stderr
    (client / "design" / f"more{ESC}\r{BIDI}.txt").write_bytes(b"x\n")
    git(client, "add", "-A")
    answer = bounded(client, "git", "-c", "commit.gpgSign=false", "commit", "-m", "more")
    assert answer.returncode != 0 and "UNSAFE_PATH" in answer.stderr, answer.stderr
    assert _raw_control(answer.stderr) == [], answer.stderr


def test_hostile_text_reaches_the_json_intact(hostile_repo: Path) -> None:
    """JSON is for programs: the text is kept exactly (escaped by JSON itself)."""
    out = json.loads(cli(hostile_repo, "transfers", "--format", "json").stdout)
    text = json.dumps(out, ensure_ascii=False)
    assert REASON in {t.get("reason") for t in out["transfers"]}, text
    assert "\x1b" not in cli(hostile_repo, "transfers", "--format", "json").stdout


# == 7. Unsafe paths ========================================================================
NFC = unicodedata.normalize("NFC", "café.txt")
NFD = unicodedata.normalize("NFD", "café.txt")


def _register_by_hand(repo: Path, entries: dict[str, bytes]) -> None:
    """Write files and their register entries directly (``add`` may refuse such names)."""
    manifest = _manifest(repo)
    data = yaml.safe_load(manifest.read_text())
    for n, (rel, content) in enumerate(entries.items()):
        (repo / "design" / rel).write_bytes(content)
        data["documents"].append({
            "id": f"ODD-{n}", "path": rel, "title": f"Odd name {n}", "revision": "A",
            "category": "design-output", "owner": "registrant", "status": "effective",
            "sha256": hashlib.sha256(content).hexdigest(), "retention": "permanent"})
    manifest.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


@pytest.mark.parametrize("names", [
    pytest.param((NFC, NFD), id="nfc-nfd"),
    pytest.param(("Spec.TXT", "spec.txt"), id="case"),
])
def test_paths_equal_but_for_normalisation_or_case(repo: Path, keys: dict[str, SshKey],
                                                   names: tuple[str, str]) -> None:
    assert names[0] != names[1]
    if names[1] == "spec.txt":  # already registered in the test repository
        _register_by_hand(repo, {names[0]: b"the other spec\n"})
    else:
        _register_by_hand(repo, {names[0]: b"composed\n", names[1]: b"decomposed\n"})
    commit_as(repo, keys["wang"], "two names one file system would merge")
    rc, findings = verify_json(repo)
    assert rc == 1
    unsafe = [f for f in findings if f["code"] == "UNSAFE_PATH"]
    assert unsafe and all(f["commit"] == head(repo) for f in unsafe), findings
    check = json.loads(cli(repo, "check", "--json").stdout)
    assert "UNSAFE_PATH" in {f["code"] for f in check["findings"]}, check


@pytest.mark.parametrize("name", ["bell\x07.txt", "new\nline.txt", "esc\x1b[2K.txt", "cr\r.txt", "del\x7f.txt"])
def test_control_characters_in_a_path(repo: Path, keys: dict[str, SshKey], name: str) -> None:
    (repo / "design" / name).write_bytes(b"a file with a control character in its name\n")
    commit_as(repo, keys["wang"], "a control character in a file name")
    rc, findings = verify_json(repo)
    assert rc == 1
    unsafe = [f for f in findings if f["code"] == "UNSAFE_PATH"]
    assert unsafe and unsafe[0]["commit"] == head(repo), findings


@pytest.mark.parametrize("names", [("bell\x07.txt",), ("c1\x9b.txt",), (NFC, NFD)], ids=["c0", "c1", "nfc-nfd"])
def test_check_and_pre_commit_refuse_unsafe_paths(repo: Path, keys: dict[str, SshKey],
                                                  names: tuple[str, ...]) -> None:
    """The same rule in every place that judges a state: ``check`` of the working tree
    and the pre-commit hook on the index (verify is above)."""
    techxfer(repo, "hooks", "install")
    _register_by_hand(repo, {name: f"content of {n}\n".encode() for n, name in enumerate(names)})
    check = json.loads(cli(repo, "check", "--json").stdout)
    unsafe = [f for f in check["findings"] if f["code"] == "UNSAFE_PATH"]
    assert unsafe and {f["path"] for f in unsafe} <= {f"design/{n}" for n in names}, check
    before = head(repo)
    answer = commit_as(repo, keys["wang"], "unsafe names", check=False)
    assert answer.returncode != 0 and "UNSAFE_PATH" in answer.stderr, answer.stderr
    assert head(repo) == before
    assert _raw_control(answer.stderr) == [], answer.stderr


def test_paths_that_differ_by_accent_are_not_one_name(repo: Path, keys: dict[str, SshKey]) -> None:
    """Normalisation folds only what a file system merges: café and cafe stay two names."""
    _register_by_hand(repo, {"café.txt": b"accented\n", "cafe.txt": b"plain\n"})
    commit_as(repo, keys["wang"], "two different names")
    assert verify_json(repo) == (0, [])


def test_control_characters_in_a_path_are_at_least_a_finding(repo: Path, keys: dict[str, SshKey]) -> None:
    """Today's floor: such a file cannot be registered, so it is an UNLISTED_FILE."""
    (repo / "design" / "esc\x1b[2K.txt").write_bytes(b"x\n")
    commit_as(repo, keys["wang"], "a control character in a file name")
    rc, findings = verify_json(repo)
    assert rc == 1 and findings
