"""The four PDF reports an inspector reads (transfer list, retention report, document
history, signature trail), made by the real CLI from a real signed repository and read
back with pypdf: every hash whole, legal names and the registration number in the
header, "Page X of Y", the verify statement, the retention PDF's holds and approvers."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SshKey, add_doc, commit_as, git, init_repo, isolated_env, techxfer, use_signing_key
from pypdf import PdfReader

REGISTRANT = ("上海安科医疗器械有限公司", "Shanghai Anke Medical Devices Co., Ltd.")
MANUFACTURER = ("苏州精工医疗制造有限公司", "Suzhou Jinggong Medical Manufacturing Co., Ltd.")
REGISTRATION = "国械注准20263140001"
DRAWINGS = 28  # enough item rows for the transfer list to run over two pages
# a SHA-256 (64 hex digits) or a commit id (40, or 64 in a SHA-256 repository)
HASH = re.compile(r"\b[0-9a-f]{40}(?:[0-9a-f]{24})?\b")

# (command line after `techxfer`, and the title the PDF carries in en and zh)
REPORTS = {
    "transfers": (["transfers"], "Technical file transfer list", "转移文件清单"),
    "retention": (["retention", "report"], "Retention report", "记录保存期限报告"),
    "log": (["log", "DRW-001"], "Document history", "文件历史"),
    "signatures": (["signatures"], "Signature trail", "签名记录"),
}


def edit_yaml(path: Path, change: Any) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def name_parties(data: dict[str, Any]) -> None:
    for party, (name, name_en) in (("acme", REGISTRANT), ("fab", MANUFACTURER)):
        data["parties"][party].update(name=name, name_en=name_en)


def register_drawings(repo: Path) -> None:
    """DRAWINGS documents written straight into the register (``techxfer add`` is a
    process each); ``verify`` judges them like any other listing."""
    manifest = repo / "design" / "MANIFEST.yaml"
    data = yaml.safe_load(manifest.read_text())
    for n in range(2, DRAWINGS + 2):
        content = f"drawing {n}\n".encode()
        (repo / "design" / f"drw-{n:03}.txt").write_bytes(content)
        data["documents"].append({
            "id": f"DRW-{n:03}", "path": f"drw-{n:03}.txt", "title": f"泵体图纸 {n}",
            "revision": "A", "category": "design-output", "owner": "registrant",
            "status": "effective", "sha256": hashlib.sha256(content).hexdigest(),
            "retention": "permanent", "created": "2026-01-05", "effective": "2026-01-05"})
    manifest.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


def add_record(repo: Path, rel: str, doc_id: str, released: str) -> None:
    (repo / rel).write_text(f"batch record {doc_id}\n")
    techxfer(repo, "add", rel, "--id", doc_id, "--title", f"批记录 {doc_id}", "--category",
             "batch-record", "--revision", "1", "--released", released)


def last_id(out: str, prefix: str) -> str:
    found = re.findall(rf"{prefix}-[0-9A-Za-z-]+", out)
    assert found, out
    return str(found[0])


def make_history(repo: Path, keys: dict[str, SshKey]) -> None:
    init_repo(repo, keys, commit=False)
    edit_yaml(repo / ".techxfer/parties.yaml", name_parties)
    edit_yaml(repo / ".techxfer/repo.yaml", lambda d: (
        d["products"][0].update(name_zh="输液泵", registration=REGISTRATION),
        d.update(device_lifetime_years=1)))
    commit_as(repo, keys["zhang"], "Trust root")
    (repo / "design").mkdir()
    (repo / "design/MANIFEST.yaml").write_text("format: 1\ndocuments: []\n")
    add_doc(repo, "design/drawing.pdf", b"%PDF-1.4 drawing rev A\n", "DRW-001")
    register_drawings(repo)
    commit_as(repo, keys["wang"], "Register the design")
    (repo / "records").mkdir()
    (repo / "records/MANIFEST.yaml").write_text("format: 1\ndocuments: []\n")
    add_record(repo, "records/old.csv", "BR-OLD", "2020-01-10")
    add_record(repo, "records/kept.csv", "BR-KEPT", "2020-02-10")
    commit_as(repo, keys["zhao"], "Batch records")
    use_signing_key(repo, keys["wang"])
    tx = last_id(techxfer(repo, "transfer", "--changed", "--to", "fab", "-m", "Design transfer").stdout,
                 "TX")
    use_signing_key(repo, keys["li"])
    techxfer(repo, "ack", tx, "--meaning", "reviewed", "-m", "complete")
    add_doc(repo, "design/drawing.pdf", b"%PDF-1.4 drawing rev B\n", "DRW-001", revision="B")
    commit_as(repo, keys["wang"], "Drawing rev B")
    use_signing_key(repo, keys["wang"])
    techxfer(repo, "transfer", "DRW-001", "--to", "fab", "-m", "ECN-7 drawing rev B")
    use_signing_key(repo, keys["zhang"])
    techxfer(repo, "hold", "add", "--id", "BR-KEPT", "--match", "records/k*.csv",
             "--reason", "product liability claim", "--ref", "CASE-2026-7")
    use_signing_key(repo, keys["zhao"])
    notice = last_id(techxfer(repo, "dispose", "request", "BR-OLD", "-m", "retention over").stdout,
                     "TX")
    use_signing_key(repo, keys["zhang"])
    techxfer(repo, "ack", notice, "--meaning", "approved")
    use_signing_key(repo, keys["zhao"])
    techxfer(repo, "dispose", "BR-OLD", "--notice", notice)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory, keys: dict[str, SshKey]) -> Path:
    repo = tmp_path_factory.mktemp("pdf-reports") / "repo"
    with isolated_env(tmp_path_factory):
        make_history(repo, keys)
    return repo


def pdf_of(repo: Path, target: Path, report: str, lang: str, *extra: str) -> list[str]:
    """The text of each page of REPORT made by the CLI."""
    techxfer(repo, *REPORTS[report][0], *extra, "--format", "pdf", "-o", str(target),
             "--lang", lang)
    return [page.extract_text() for page in PdfReader(target).pages]


def json_of(repo: Path, report: str) -> str:
    return techxfer(repo, *REPORTS[report][0], "--format", "json").stdout


def hashes_of(repo: Path, report: str) -> set[str]:
    """Every full hash and commit id the report carries: its JSON's, and for the retention
    report (whose JSON leaves them out) every registered record's and every destroyed one's."""
    text = json_of(repo, report)
    if report == "retention":
        text += "".join(p.read_text() for p in repo.glob("*/MANIFEST.yaml"))
        text += "".join(p.read_text() for p in (repo / "dispositions").glob("*.yaml"))
    return set(HASH.findall(text))


def flat(pages: list[str]) -> str:
    """The text without any whitespace: a value wrapped over lines reads as one."""
    return "".join("".join(pages).split())


@pytest.mark.parametrize("report", list(REPORTS))
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_report_has_its_frame_and_every_hash(history: Path, tmp_path: Path, report: str,
                                                   lang: str) -> None:
    pages = pdf_of(history, tmp_path / "r.pdf", report, lang)
    text, joined = "\n".join(pages), flat(pages)
    hashes = hashes_of(history, report)
    assert sum(len(h) == 64 for h in hashes) >= (0 if report == "signatures" else 2)
    assert len(hashes) >= 4
    missing = [h for h in hashes if h not in joined]
    assert missing == []
    assert "…" not in text
    title = REPORTS[report][2 if lang == "zh" else 1]
    assert title in pages[-1]  # the header on every page, so on the last
    for name in (REGISTRANT[0], MANUFACTURER[0], REGISTRATION):
        assert all(name in page for page in pages), name
    assert ("注册证编号" if lang == "zh" else "Registration No.") in pages[0]
    if lang == "en":
        assert f"Registrant: {REGISTRANT[0]} ({REGISTRANT[1]})" in pages[0]
        assert f"Manufacturer: {MANUFACTURER[0]} ({MANUFACTURER[1]})" in pages[0]
    else:
        assert f"注册人: {REGISTRANT[0]}\n" in pages[0] and REGISTRANT[1] not in text
        assert f"受托生产企业: {MANUFACTURER[0]}\n" in pages[0]
    head = git(history, "rev-parse", "HEAD").stdout.strip()
    assert head in joined
    verdict = "无问题" if lang == "zh" else "clean"
    assert all(verdict in page for page in pages)
    total = len(pages)
    for n, page in enumerate(pages, 1):
        assert (f"第{n}页/共{total}页" if lang == "zh" else f"Page {n} of {total}") in page


@pytest.mark.parametrize("lang,first", [("en", "Page 1 of 2"), ("zh", "第1页/共2页")])
def test_a_long_transfer_list_runs_over_pages(history: Path, tmp_path: Path, lang: str,
                                              first: str) -> None:
    pages = pdf_of(history, tmp_path / "list.pdf", "transfers", lang)
    assert len(pages) == 2
    assert first in pages[0]
    assert ("第2页/共2页" if lang == "zh" else "Page 2 of 2") in pages[1]
    items = json.loads(json_of(history, "transfers"))["transfers"][0]["items"]
    assert len(items) == DRAWINGS + 1
    for item in items:
        assert item["id"] in "".join(pages)


def test_zh_headers_are_chinese(history: Path, tmp_path: Path) -> None:
    text = "\n".join(pdf_of(history, tmp_path / "list.pdf", "transfers", "zh"))
    for word in ("转移文件清单", "产品", "输液泵", "注册人", "受托生产企业", "标题", "版本", "确认",
                 "转出签名", "该提交的审计结果", "待确认", "已审核"):
        assert word in text, word
    for english in ("Registrant", "Manufacturer", "Product", "Acknowledgement", "Reason", "Sent by",
                    "Audit", "Page "):
        assert english not in text, english


def test_zh_signature_trail_in_chinese(history: Path, tmp_path: Path) -> None:
    text = "\n".join(pdf_of(history, tmp_path / "trail.pdf", "signatures", "zh"))
    for word in ("签名记录", "签名人", "含义", "已验证", "转出（编制）", "提交（编制）", "已审核", "已批准"):
        assert word in text, word
    for english in ("verified", "authored", "reviewed", "Signed by"):
        assert english not in text, english


def test_retention_pdf_lists_records_holds_and_approvers(history: Path, tmp_path: Path) -> None:
    rows = {r["id"]: r for r in json.loads(techxfer(history, "retention", "report", "--format",
                                                    "json").stdout)["records"]}
    assert rows["BR-OLD"]["state"] == "destroyed" and rows["BR-KEPT"]["state"] == "held"
    en = "\n".join(pdf_of(history, tmp_path / "en.pdf", "retention", "en"))
    for record, row in rows.items():
        line = next(ln for ln in en.splitlines() if ln.startswith(record))
        assert row["class"] in line and row["state"] in line, line
        assert (row["end"] or "permanent") in line, line
    assert "2022-02-10" in en  # BR-KEPT: two years from its release
    hold = yaml.safe_load(next((history / ".techxfer/holds").glob("HOLD-*.yaml")).read_text())
    for word in (hold["id"], "张伟 (acme:zhang.wei)", "product liability claim", "CASE-2026-7",
                 "records/k*.csv", "Legal holds", "in force"):
        assert word in en, word
    disposition = next((history / "dispositions").glob("DISP-*.yaml")).stem
    approval = next(ln for ln in en.splitlines() if "Dispositions" not in ln and "approved" in ln)
    assert "张伟" in approval and "quality-head" in approval
    assert disposition in en and "赵敏 (fab:zhao.min)" in en and "Approved by" in en
    zh = "\n".join(pdf_of(history, tmp_path / "zh.pdf", "retention", "zh"))
    for word in ("法律保留", "设置人", "批准人", "销毁记录", "已销毁", "冻结中", "永久保存", "保存类别"):
        assert word in zh, word


def test_findings_are_stated(history: Path, tmp_path: Path, keys: dict[str, SshKey]) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(history, repo, symlinks=True)
    (repo / "notes.txt").write_text("not signed\n")
    git(repo, "add", "notes.txt")
    git(repo, "commit", "-q", "-m", "an unsigned commit")
    assert techxfer(repo, "verify", check=False).returncode == 1
    head = git(repo, "rev-parse", "HEAD").stdout.strip()
    for report in REPORTS:
        pages = pdf_of(repo, tmp_path / f"{report}.pdf", report, "en")
        assert all("FINDINGS" in page for page in pages), report
        assert "clean" not in "".join(pages) and head in flat(pages)


def test_a_character_the_font_lacks_is_shown_as_an_escape(repo: Path, tmp_path: Path,
                                                          keys: dict[str, SshKey]) -> None:
    (repo / "design/smile.txt").write_text("smile\n")
    techxfer(repo, "add", "design/smile.txt", "--id", "SMILE-1", "--title", "Pump 🙂 spec",
             "--category", "design-output", "--revision", "A")
    commit_as(repo, keys["wang"], "A title with a character the font has not")
    text = "\n".join(pdf_of(repo, tmp_path / "r.pdf", "retention", "en"))
    assert "Pump \\U0001f642 spec" in text


def test_latin1_reports_need_no_font(repo: Path, tmp_path: Path) -> None:
    """Nothing outside Latin-1 in the records: Helvetica, and no CJK font asked for."""
    proc = techxfer(repo, "retention", "report", "--format", "pdf", "-o", str(tmp_path / "r.pdf"),
                    "--lang", "en", env={"TECHXFER_CJK_FONT": str(tmp_path / "no-font.ttf")})
    reader = PdfReader(tmp_path / "r.pdf")
    text = "".join(p.extract_text() for p in reader.pages)
    assert proc.returncode == 0 and "DRW-001" in text and "Page 1 of 1" in text
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert {fonts[name].get_object()["/BaseFont"] for name in fonts} == {"/Helvetica"}


def test_pdf_needs_an_output_file(history: Path) -> None:
    for report in ("log", "signatures", "retention"):
        proc = techxfer(history, *REPORTS[report][0], "--format", "pdf", check=False)
        assert proc.returncode == 2 and "-o FILE" in proc.stderr, report
