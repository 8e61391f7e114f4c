"""Reports checked for content, not bytes: the transfer list in every format (the PDF read
back with pypdf, in English and Chinese), the document history and the signature trail."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import jsonschema
import pytest
from conftest import SshKey, add_doc, commit_as, isolated_env, techxfer, use_signing_key
from pypdf import PdfReader

SCHEMA = Path(__file__).resolve().parents[1] / "manifest_schema" / "report-transfer-list.schema.json"


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory, base_repo: Path, keys: dict[str, SshKey]) -> Path:
    """Initial transfer (reviewed), rev B of the drawing (transfer pending), one more."""
    import shutil

    repo = tmp_path_factory.mktemp("reports") / "repo"
    shutil.copytree(base_repo, repo, symlinks=True)
    with isolated_env(tmp_path_factory):
        _make_history(repo, keys)
    return repo


def _make_history(repo: Path, keys: dict[str, SshKey]) -> None:
    use_signing_key(repo, keys["wang"])
    techxfer(repo, "transfer", "DRW-001", "SPEC-001", "--to", "fab", "-m", "Design transfer")
    use_signing_key(repo, keys["li"])
    techxfer(repo, "ack", transfer_ids(repo)[0], "--meaning", "reviewed", "-m", "complete")
    add_doc(repo, "design/drawing.pdf", b"%PDF-1.4 drawing rev B\n", "DRW-001", revision="B")
    commit_as(repo, keys["wang"], "rev B")
    use_signing_key(repo, keys["wang"])
    techxfer(repo, "transfer", "--changed", "--to", "fab", "-m", "ECN-1 drawing rev B",
             "--change-ref", "ECN-1")


def transfer_ids(repo: Path) -> list[str]:
    return sorted(p.name for p in (repo / "transfers").iterdir())


def test_json_validates_and_has_every_item(history: Path) -> None:
    out = json.loads(techxfer(history, "transfers", "--format", "json").stdout)
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).validate(out)
    rows = out["transfers"]
    assert [r["type"] for r in rows] == ["initial", "change"]
    assert {i["id"] for i in rows[0]["items"]} == {"DRW-001", "SPEC-001"}
    assert rows[0]["state"] == "reviewed"
    ack = rows[0]["acknowledgement"]
    assert ack["printed_name"] == "李娜" and ack["meaning"] == "reviewed" and ack["role"] == "quality-head"
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$", ack["date"])
    assert rows[1]["state"] == "pending" and rows[1]["acknowledgement"] is None
    assert rows[1]["items"][0]["revision"] == "B" and rows[1]["change_ref"] == "ECN-1"
    assert rows[0]["sent_by"]["printed_name"] == "王芳"


def test_overdue_state_as_of_a_later_date(history: Path) -> None:
    out = json.loads(techxfer(history, "transfers", "--format", "json", "--as-of", "2099-01-01").stdout)
    assert [r["state"] for r in out["transfers"]] == ["reviewed", "overdue"]


def test_csv_parses_and_has_every_item(history: Path) -> None:
    text = techxfer(history, "transfers", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 3  # two items, then one
    assert {(r["item_id"], r["revision"]) for r in rows} == {("DRW-001", "A"), ("SPEC-001", "A"),
                                                             ("DRW-001", "B")}
    assert all(len(r["sha256"]) == 64 for r in rows)
    assert rows[0]["ack_by"] == "李娜" and rows[0]["ack_meaning"] == "reviewed"


def test_table_and_markdown(history: Path) -> None:
    table = techxfer(history, "transfers").stdout
    for tx in transfer_ids(history):
        assert tx in table
    assert "PENDING" in table and "王芳 (acme, doc-control)" in table
    md = techxfer(history, "transfers", "--format", "md").stdout
    assert md.startswith("# Technical file transfer list") and "| DRW-001 |" in md


def test_filters(history: Path) -> None:
    none = json.loads(techxfer(history, "transfers", "--format", "json", "--to", "acme").stdout)
    assert none["transfers"] == []
    future = json.loads(techxfer(history, "transfers", "--format", "json", "--since", "2099-01-01").stdout)
    assert future["transfers"] == []
    past = json.loads(techxfer(history, "transfers", "--format", "json", "--until", "2000-01-01").stdout)
    assert past["transfers"] == []
    proc = techxfer(history, "transfers", "--to", "nobody", check=False)
    assert proc.returncode == 2 and "nobody" in proc.stderr


@pytest.mark.parametrize("lang,words", [
    ("en", ["Technical file transfer list", "Acknowledgement", "reviewed", "PENDING", "clean"]),
    ("zh", ["转移文件清单", "确认", "待确认", "李娜", "王芳", "无问题"]),
])
def test_pdf_reads_back(history: Path, tmp_path: Path, lang: str, words: list[str]) -> None:
    target = tmp_path / f"list-{lang}.pdf"
    techxfer(history, "transfers", "--format", "pdf", "-o", str(target), "--lang", lang)
    reader = PdfReader(target)
    text = "\n".join(page.extract_text() for page in reader.pages)
    for word in [*words, *transfer_ids(history), "DRW-001", "SPEC-001", "Test pump"]:
        assert word in text, word
    head = techxfer(history, "verify", "--json").stdout
    assert json.loads(head)["tip"] in text.replace("\n", "")
    assert re.search(r"第1页/共\d+页" if lang == "zh" else r"Page 1 of \d", text)  # page numbers


def test_pdf_without_a_cjk_font_says_what_to_install(history: Path, tmp_path: Path) -> None:
    proc = techxfer(history, "transfers", "--format", "pdf", "-o", str(tmp_path / "x.pdf"),
                    check=False, env={"TECHXFER_CJK_FONT": str(tmp_path / "no-font.ttf")})
    assert proc.returncode == 2 and "fonts-wqy-microhei" in proc.stderr
    assert not (tmp_path / "x.pdf").exists()


def test_document_history(history: Path) -> None:
    out = json.loads(techxfer(history, "log", "DRW-001", "--format", "json").stdout)
    assert [r["revision"] for r in out["revisions"]] == ["A", "B"]
    assert all(r["signed_by"]["person"] == "wang.fang" and r["signed_by"]["status"] == "verified"
               for r in out["revisions"])
    carried = [(t["revision"], t["state"]) for t in out["transfers"]]
    assert carried == [("A", "reviewed"), ("B", "pending")]
    table = techxfer(history, "log", "DRW-001").stdout
    assert "rev A" in table and "rev B" in table and "王芳" in table
    csv_rows = list(csv.DictReader(io.StringIO(techxfer(history, "log", "DRW-001", "--format", "csv").stdout)))
    assert [r["revision"] for r in csv_rows] == ["A", "B"]
    proc = techxfer(history, "log", "NOPE-1", check=False)
    assert proc.returncode == 2 and "NOPE-1" in proc.stderr


def test_signature_trail(history: Path) -> None:
    events = json.loads(techxfer(history, "signatures", "--format", "json").stdout)
    assert len(events) == 6  # root, register, transfer, ack, rev B, transfer
    assert all(e["status"] == "verified" for e in events)
    li = json.loads(techxfer(history, "signatures", "--person", "li.na", "--format", "json").stdout)
    assert [(e["kind"], e["meaning"]) for e in li] == [("acknowledgement", "reviewed")]
    wang = json.loads(techxfer(history, "signatures", "--person", "acme:wang.fang",
                               "--format", "json").stdout)
    assert [e["kind"] for e in wang] == ["commit", "transfer", "commit", "transfer"]
    assert json.loads(techxfer(history, "signatures", "--since", "2099-01-01", "--format", "json").stdout) == []
    rows = list(csv.DictReader(io.StringIO(techxfer(history, "signatures", "--format", "csv").stdout)))
    assert len(rows) == 6 and rows[0]["printed_name"] == "张伟"


def test_transfers_of_the_same_second_keep_their_commit_order(tmp_path: Path) -> None:
    """Record dates have one-second resolution and ids are random: two transfers made in
    the same second are listed in the order of their commits, not of their ids."""
    from datetime import UTC, datetime

    from conftest import git

    from techxfer.git.repo import GitRepo
    from techxfer.model.transfer import Transfer
    from techxfer.state.records import chronological

    git(tmp_path, "init", "-q", "r")
    repo = tmp_path / "r"
    commits = []
    for n in (1, 2):
        git(repo, "commit", "-q", "--allow-empty", "-m", f"transfer {n}")
        commits.append(git(repo, "rev-parse", "HEAD").stdout.strip())
    when = datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)
    first, second = (Transfer(i, when, "acme", "fab", "initial", "r", None, "wang.fang", "doc-control",
                              "0" * 64, ()) for i in ("TX-20261123-R-ffffffff", "TX-20261123-R-00000000"))
    added = {f"transfers/{first.id}/transfer.yaml": commits[0],
             f"transfers/{second.id}/transfer.yaml": commits[1]}
    r = GitRepo.open(repo)
    assert chronological([second, first], added, r) == [first, second]
    assert chronological([first, second], added, r) == [first, second]


def test_same_second_order_is_one_order_across_branches(tmp_path: Path) -> None:
    """A before C on one branch, B on another, all in one second, ids C < B < A: every input
    order gives the same list, with A before C (an order by pairwise ancestry, falling back
    to ids, is not transitive here)."""
    from datetime import UTC, datetime
    from itertools import permutations

    from conftest import git

    from techxfer.git.repo import GitRepo
    from techxfer.model.transfer import Transfer
    from techxfer.state.records import chronological

    git(tmp_path, "init", "-q", "-b", "main", "r")
    repo = tmp_path / "r"
    git(repo, "commit", "-q", "--allow-empty", "-m", "root")

    def commit(message: str) -> str:
        git(repo, "commit", "-q", "--allow-empty", "-m", message)
        return git(repo, "rev-parse", "HEAD").stdout.strip()

    a = commit("A")
    git(repo, "checkout", "-q", "-b", "side", "HEAD~1")
    b = commit("B")
    git(repo, "checkout", "-q", "main")
    c = commit("C")
    when = datetime(2026, 11, 23, 10, 0, 0, tzinfo=UTC)
    ids = {"A": "TX-20261123-R-zzzzzzzz", "B": "TX-20261123-R-mmmmmmmm", "C": "TX-20261123-R-aaaaaaaa"}
    tx = {name: Transfer(i, when, "acme", "fab", "initial", "r", None, "wang.fang", "doc-control",
                         "0" * 64, ()) for name, i in ids.items()}
    added = {f"transfers/{ids[n]}/transfer.yaml": sha for n, sha in (("A", a), ("B", b), ("C", c))}
    r = GitRepo.open(repo)
    orders = {tuple(t.id for t in chronological(list(p), added, r)) for p in permutations(tx.values())}
    assert len(orders) == 1
    (order,) = orders
    assert order.index(ids["A"]) < order.index(ids["C"])


# -- text from the repository, shown (issue 14 item 6) ---------------------------------------
@pytest.mark.parametrize(("raw", "one_line", "multiline"), [
    ("plain 图纸 — ok", "plain 图纸 — ok", "plain 图纸 — ok"),
    ("tab\tkept", "tab\tkept", "tab\tkept"),
    ("two\nlines\r\n", "two\\nlines\\r\\n", "two\nlines\\r\n"),
    ("\x1b[2K\x07\x00\x7f\x85\x9b", "\\x1b[2K\\x07\\x00\\x7f\\x85\\x9b", "\\x1b[2K\\x07\\x00\\x7f\\x85\\x9b"),
    ("txt\u202eexe\u2066\u2069\u200e\u200f\u061c", "txt\\u202eexe\\u2066\\u2069\\u200e\\u200f\\u061c",
     "txt\\u202eexe\\u2066\\u2069\\u200e\\u200f\\u061c"),
    ("line\u2028sep", "line\\u2028sep", "line\\u2028sep"),
    ("bad byte \udcff", "bad byte \\xff", "bad byte \\xff"),
])
def test_shown_escapes_what_could_rewrite_a_terminal(raw: str, one_line: str, multiline: str) -> None:
    from techxfer.reports.text import shown

    assert shown(raw) == one_line
    assert shown(raw, multiline=True) == multiline
    assert shown(shown(raw)) == shown(raw)  # escapes are themselves plain text


@pytest.mark.parametrize(("value", "expected"), [
    ("=SUM(A1)", "'=SUM(A1)"), ("+1", "'+1"), ("-2+3", "'-2+3"), ("@cmd", "'@cmd"),
    ("\tx", "'\tx"), ("\rx", "'\\rx"), ("2026-01-01", "2026-01-01"), ("a=b", "a=b"), ("", ""),
    ("ok\x1b", "ok\\x1b"),
])
def test_a_csv_cell_never_starts_a_formula(value: str, expected: str) -> None:
    from techxfer.reports.text import cell

    assert cell(value) == expected
