"""Chinese for everything a person reads (``--lang zh``), held two ways.

The catalogue: every message a rule builds (``findings.msg``, found by reading the source)
has a Chinese template with the same fields, every word of the format's vocabulary (the
schemas' enums, the default roles) has a Chinese term, and every title, label and
sentence is Chinese in Chinese. The commands: on a real signed repository with findings,
``verify``, ``transfers``, ``log``, ``signatures`` and ``receipts`` with ``--lang zh``
print no English word of the catalogue, only ids, hashes, paths, names and what the
repository's own people wrote.
"""

from __future__ import annotations

import ast
import json
import re
import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from attack_helpers import ack, clone, commit_time, prepared, register, transfer
from conftest import SshKey, commit_as, git, techxfer

import techxfer as package
from techxfer.findings import Code, Finding, msg, term
from techxfer.model.parties import KNOWN_ROLES, SEATS
from techxfer.reports import i18n
from techxfer.rules.wording import roles

SOURCE = Path(package.__file__).parent
SCHEMAS = SOURCE.parent / "manifest_schema"
CJK = re.compile(r"[\u4e00-\u9fff]")


# -- the catalogue ------------------------------------------------------------------------
def _calls(name: str) -> Iterator[tuple[Path, ast.Call]]:
    for path in sorted(SOURCE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id == name:
                yield path, node


def _messages() -> dict[str, str]:
    """Every message id the code builds, with its English template."""
    found: dict[str, str] = {}
    for path, call in _calls("msg"):
        key, en = call.args[:2]
        where = f"{path.relative_to(SOURCE)}:{call.lineno}"
        assert isinstance(key, ast.Constant) and isinstance(key.value, str), \
            f"{where}: a message id must be written out, so the catalogue can be checked"
        assert isinstance(en, ast.Constant) and isinstance(en.value, str), \
            f"{where}: an English template must be written out"
        assert found.get(key.value, en.value) == en.value, f"{where}: {key.value} has two texts"
        found[key.value] = en.value
    return found


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}


def test_every_message_the_code_builds_has_chinese_with_the_same_fields() -> None:
    messages = _messages()
    assert len(messages) > 100  # the reader found the rules' messages
    missing = sorted(set(messages) - set(i18n.MESSAGES) - _term_keys())
    assert missing == [], f"messages without Chinese: {missing}"
    for key, en in messages.items():
        zh = i18n.template(key)
        assert zh is not None
        assert _fields(zh) == _fields(en), key
        if _words(en):  # not only fields ("{id}: {detail}")
            assert CJK.search(zh) and zh != en, key


def _words(template: str) -> bool:
    """Does TEMPLATE hold words of its own, besides its fields and punctuation?"""
    return bool(re.search(r"[A-Za-z]{2,}", re.sub(r"\{[^}]*\}", "", template)))


def test_no_chinese_is_left_without_its_message() -> None:
    unused = sorted(set(i18n.MESSAGES) - set(_messages()))
    assert unused == [], f"Chinese for messages no code builds: {unused}"


def _term_keys() -> set[str]:
    return {f"{kind}.{word}" for kind, words in i18n.TERMS.items() for word in words}


def test_every_term_kind_the_code_uses_is_in_the_catalogue() -> None:
    kinds = set()
    for path, call in _calls("term"):
        kind = call.args[0]
        if path.name == "i18n.py" and isinstance(kind, ast.Name):
            continue  # the catalogue's own helpers, passing a kind on
        assert isinstance(kind, ast.Constant), f"{path}:{call.lineno}: a term's kind is written out"
        kinds.add(kind.value)
    assert {"type", "action", "meaning", "state", "status", "role", "kind", "date"} <= kinds
    assert kinds <= set(i18n.TERMS)


def _enum(schema: str, prop: str) -> list[str]:
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == prop and isinstance(value, dict) and "enum" in value:
                    found.extend(value["enum"])
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads((SCHEMAS / f"{schema}.schema.json").read_text()))
    assert found, (schema, prop)
    return found


@pytest.mark.parametrize("kind,words", [
    ("type", _enum("transfer", "type")),
    ("action", _enum("transfer", "action")),
    ("meaning", _enum("ack", "meaning")),
    ("state", [*_enum("ack", "meaning"), "pending", "overdue"]),
    ("status", _enum("manifest", "status")),
    ("role", list(KNOWN_ROLES)),
    ("seat", list(SEATS)),
    ("date", _enum("retention", "from")),
])
def test_every_word_of_the_format_has_a_chinese_term(kind: str, words: list[str]) -> None:
    for word in words:
        zh = i18n.term(kind, word, "zh")
        assert CJK.search(zh), (kind, word, zh)
        assert i18n.term(kind, word, "en") == word


def test_a_role_no_catalogue_knows_is_shown_as_written() -> None:
    assert i18n.term("role", "sterilisation-lead", "zh") == "sterilisation-lead"
    assert i18n.render(roles(["quality-head", "sterilisation-lead"]), "zh") == \
        "质量管理部门负责人、sterilisation-lead"
    assert roles(["quality-head", "doc-control"]).text == "quality-head, doc-control"


def test_titles_words_and_labels_are_chinese_in_chinese() -> None:
    assert set(i18n.TITLES) == set(Code)
    for code, (en, zh) in i18n.TITLES.items():
        assert CJK.search(zh) and zh != en, code
    for key, (en, zh) in i18n.WORDS.items():
        assert _fields(zh) <= _fields(en), key
        if _words(en):
            assert CJK.search(zh) and zh != en, key
    assert set(i18n.LABELS["zh"]) == set(i18n.LABELS["en"])
    for key, zh in i18n.LABELS["zh"].items():
        assert CJK.search(zh) and zh != i18n.LABELS["en"][key], key


def test_pages_are_numbered_the_chinese_way() -> None:
    assert i18n.page("zh", 1, 2) == "第1页/共2页"
    assert i18n.page("en", 1, 2) == "Page 1 of 2"


def test_a_finding_keeps_its_english_message_identity_and_order() -> None:
    said = msg("register.destroyed", "{id} rev {revision} destroyed: {why}", id="DRW-001",
               revision="A", why=msg("disposal.no_record", "no disposition record in the same "
                                     "commit lists it"))
    finding = Finding.of(Code.RECORD_DELETED, "design/a.pdf", said, "c0ffee")
    assert finding.message == "DRW-001 rev A destroyed: no disposition record in the same commit lists it"
    assert finding.as_json() == {"code": "RECORD_DELETED", "commit": "c0ffee",
                                 "path": "design/a.pdf", "message": finding.message}
    plain = Finding(Code.RECORD_DELETED, "design/a.pdf", finding.message, "c0ffee")
    assert finding == plain and hash(finding) == hash(plain) and len({finding, plain}) == 1
    assert sorted([finding, Finding(Code.ACK_INVALID, None, "x")])[0].code is Code.ACK_INVALID
    assert i18n.message(finding, "zh") == "DRW-001 第 A 版被销毁：同一提交中没有列出它的处置记录"
    assert i18n.message(finding, "en") == finding.message


def test_a_term_inside_a_message_is_translated_and_kept_verbatim_in_english() -> None:
    said = msg("transfer.role", "{who} holds no role that may send a {type} transfer",
               who="fab:li.na", type=term("type", "policy-change"))
    assert said.text == "fab:li.na holds no role that may send a policy-change transfer"
    assert i18n.render(said, "zh") == "fab:li.na 不担任可发出配置变更转移的岗位"
    odd = term("type", "{odd}")  # a word from a record is never read as a template
    assert odd.text == "{odd}" and i18n.render(odd, "zh") == "{odd}"


# -- the commands, on a real signed repository with findings -----------------------------------
def _build(keys: dict[str, SshKey]) -> object:
    def build(repo: Path) -> None:
        first = transfer(repo, keys["wang"], "DRW-001", "SPEC-001")
        ack(repo, keys["li"], first, "approved")
        register(repo, "design/drawing.pdf", b"%PDF-1.4 drawing rev B\n", "DRW-001", revision="B")
        commit_as(repo, keys["wang"], "Drawing rev B")
        transfer(repo, keys["wang"], "DRW-001")  # never acknowledged: overdue in 2099
        (repo / "design" / "spec.txt").write_bytes(b"Specification, edited in place\n")
        (repo / "design" / "notes.txt").write_text("not registered\n")
        commit_as(repo, keys["wang"], "Edit without the register")
        register(repo, "design/drawing.pdf", b"%PDF-1.4 drawing by the manufacturer\n", "DRW-001",
                 revision="C")
        commit_as(repo, keys["li"], "Manufacturer edits the design")
        (repo / "design" / "notes.txt").write_text("still not registered, unsigned\n")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "--no-gpg-sign", "-m", "Unsigned edit")
    return build


@pytest.fixture(scope="module")
def findings_repo(tmp_path_factory: pytest.TempPathFactory, base_repo: Path,
                  keys: dict[str, SshKey]) -> Path:
    return prepared(tmp_path_factory, base_repo, _build(keys))


@pytest.fixture
def work(findings_repo: Path, tmp_path: Path) -> Path:
    return clone(findings_repo, tmp_path)


CODE_RE = re.compile(r"\b(?:" + "|".join(c.value for c in Code) + r")\b")
HEX_RE = re.compile(r"\b[0-9a-f]{7,64}\b")
PATH_RE = re.compile(r"\S*[/\\]\S*|\S+\.(?:ya?ml|pdf|txt)\b")
WORD_RE = re.compile(r"[A-Za-z][A-Za-z'-]*[A-Za-z]")
# Command names, formats and technical names: the same in every language.
ALLOWED = {"techxfer", "verify", "git", "fetch", "origin", "hooks", "install", "hold", "release",
           "dispose", "request", "sha", "ssh", "openpgp", "utf", "json", "csv", "pdf"}


def _english_vocabulary() -> set[str]:
    texts = [*_messages().values(), *(en for en, _ in i18n.TITLES.values()),
             *(en for en, _ in i18n.WORDS.values()), *i18n.LABELS["en"].values(),
             *(word for words in i18n.TERMS.values() for word in words)]
    words = set()
    for text in texts:
        text = re.sub(r"\{[^}]*\}", " ", text)
        words |= {w.lower() for w in WORD_RE.findall(text)}
    return words - ALLOWED


def _repository_text(repo: Path) -> list[str]:
    """What the repository's people wrote: shown as written, in any language."""
    subjects = git(repo, "log", "--format=%s").stdout.splitlines()
    listing = json.loads(techxfer(repo, "transfers", "--format", "json").stdout)
    reasons = [t["reason"] for t in listing["transfers"]]
    titles = [i["title"] for t in listing["transfers"] for i in t["items"]]
    return sorted({*subjects, *reasons, *titles, "Test pump", "Title of DRW-001",
                   "Title of SPEC-001"}, key=len, reverse=True)


def _english_left(output: str, repo: Path) -> set[str]:
    for text in _repository_text(repo):
        output = output.replace(text, " ")
    output = PATH_RE.sub(" ", HEX_RE.sub(" ", CODE_RE.sub(" ", output)))
    vocabulary = _english_vocabulary()
    return {w for w in WORD_RE.findall(output) if w.lower() in vocabulary}


def _zh(repo: Path, *args: str) -> str:
    proc = techxfer(repo, *args, "--lang", "zh", check=False)
    assert proc.returncode in (0, 1), proc.stderr
    assert proc.stdout.strip()
    return proc.stdout


def test_verify_in_chinese_has_no_english_word(work: Path) -> None:
    out = _zh(work, "verify", "--as-of", "2099-01-01")
    for code in ("HASH_MISMATCH", "UNLISTED_FILE", "UNAUTHORIZED_CHANGE", "UNSIGNED_COMMIT",
                 "ACK_MISSING"):
        assert code in out, code
    for said in ("文件内容的 SHA-256", "受控文件未登记在 design/MANIFEST.yaml 中", "该提交没有签名",
                 "未在 30 天内确认", "只允许", "已检查从信任根"):
        assert said in out, said
    assert _english_left(out, work) == set(), out


def test_verify_json_keeps_the_english_messages(work: Path) -> None:
    out = json.loads(techxfer(work, "verify", "--json", "--lang", "zh", "--as-of", "2099-01-01",
                              check=False).stdout)
    messages = {f["code"]: f["message"] for f in out["findings"]}
    assert messages["UNSIGNED_COMMIT"] == "the commit carries no signature"
    assert messages["HASH_MISMATCH"].startswith("content SHA-256 ")
    assert not any(CJK.search(m) for m in messages.values())


@pytest.mark.parametrize("args", [
    ("transfers", "--as-of", "2099-01-01"),
    ("transfers", "--format", "md", "--as-of", "2099-01-01"),
    ("log", "DRW-001"),
    ("signatures",),
    ("receipts",),
    ("check",),
    ("status",),
], ids=lambda a: "-".join(a[:3]))
def test_reports_in_chinese_have_no_english_word(work: Path, args: tuple[str, ...]) -> None:
    out = _zh(work, *args)
    assert CJK.search(out)
    assert _english_left(out, work) == set(), out


def test_the_chinese_reports_say_what_the_english_ones_say(work: Path) -> None:
    table = _zh(work, "transfers", "--as-of", "2099-01-01")
    assert "首次转移" in table and "逾期未确认" in table and "已批准" in table
    assert "质量管理部门负责人" in table and "文件管理员" in table
    md = _zh(work, "transfers", "--format", "md")
    assert "| 文件编号 | 标题 | 版本 | 操作 | SHA-256 |" in md and "| 新增 |" in md
    trail = _zh(work, "signatures")
    assert "转出（编制）" in trail and "已批准" in trail and "提交（编制）" in trail
    assert "[UNSIGNED_COMMIT]" in trail  # a finding code is an id, the same in every language
    log = _zh(work, "log", "DRW-001")
    assert "第 A 版" in log and "第 B 版" in log and "生效" in log and "已批准" in log
    english = techxfer(work, "log", "DRW-001").stdout
    assert "rev A" in english and "effective" in english


def test_check_and_status_say_in_chinese_what_they_say_in_english(work: Path) -> None:
    check = _zh(work, "check")
    assert "工作区中发现" in check and "HASH_MISMATCH" in check and "汇总：" in check
    assert "Summary:" in techxfer(work, "check", check=False).stdout
    status = _zh(work, "status")
    assert "已更改（内容与登记不符）：" in status and "未列入任何登记清单：" in status
    assert "待确认的转移：" in status and re.search(r"期限 \S+：待确认", status), status
    english = techxfer(work, "status").stdout
    assert "Not listed in any manifest:" in english and "Transfers awaiting acknowledgement:" in english


def test_a_time_finding_in_chinese(work: Path, keys: dict[str, SshKey]) -> None:
    before = commit_time(work).replace(microsecond=0)
    (work / "design" / "notes.txt").unlink()
    env = {"GIT_COMMITTER_DATE": "2001-01-01T00:00:00Z", "GIT_AUTHOR_DATE": "2001-01-01T00:00:00Z"}
    commit_as(work, keys["wang"], "Backdated", env=env)
    out = _zh(work, "verify")
    assert "早于其父提交" in out and before.isoformat() in out
    assert _english_left(out, work) == set(), out


def test_every_finding_renders_in_chinese(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the walk finds here, each finding carries its message id and renders in Chinese."""
    from techxfer.audit.walk import Auditor
    from techxfer.model.times import parse_instant
    from techxfer.state.workspace import Workspace

    monkeypatch.chdir(work)
    ws = Workspace.open(cached=False)
    found = Auditor(ws.repo, ws.cache, as_of=parse_instant("2099-01-01")).run("HEAD")
    assert len(found.findings) >= 5
    for finding in found.findings:
        assert finding.said is not None, finding
        assert CJK.search(i18n.message(finding, "zh")), finding
