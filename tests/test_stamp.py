"""Controlled copies: the stamp on every real PDF of tests/data/pdfs (stamped upright as
displayed, or refused with a reason), on rotated and cropped pages made here, the fonts
the PDFs need, and ``techxfer export`` carrying on past bad files. Where on a page the
stamp goes (never over content): tests/test_stamp_placement.py."""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import TESTDATA, SshKey, add_doc, commit_as, isolated_env, techxfer, use_signing_key
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, NumberObject, RectangleObject

from techxfer.errors import TechxferError
from techxfer.reports.fonts import (
    BUILTIN_FAMILY,
    CJK_FAMILY,
    add_font_for,
    builtin_font_shows,
    find_cjk_font,
    font_for,
)
from techxfer.reports.stamp import StampError, stamp_pdf

PDF_DIR = TESTDATA / "pdfs"
PDFS = sorted(PDF_DIR.glob("*.pdf"))
# What the README of the corpus says cannot be stamped, and the word the message must hold.
REFUSED = {
    "encrypted-aes256-empty-user-password.pdf": "encrypted",
    "encrypted-rc4-128-empty-user-password.pdf": "encrypted",
    "encrypted-user-password-openpassword.pdf": "encrypted",
    "damaged-no-trailer-dict.pdf": "damaged",
    "damaged-truncated-in-trailer.pdf": "damaged",
    "damaged-stream-length-not-integer.pdf": "damaged",
}
DOC_ID = "TX-20261123-R-1a2b3c4d"
LINES = ["CONTROLLED COPY / 受控文件", "DRW-001 rev B", DOC_ID, "2026-11-23", "copy 3 for fab"]
STAMP_MARKS = ("CONTROLLED", "DRW-001", DOC_ID, "copy 3")


def test_every_testdata_file_is_accounted_for() -> None:
    assert len(PDFS) == 25 and set(REFUSED) <= {p.name for p in PDFS}


# -- checking a stamped page ----------------------------------------------------------------
def _visible(page: Any) -> tuple[float, float, float, float]:
    """CropBox ∩ MediaBox, normalised: the part of the page a viewer shows."""

    def norm(box: Any) -> tuple[float, float, float, float]:
        a, b, c, d = (float(v) for v in box)
        return min(a, c), min(b, d), max(a, c), max(b, d)

    m, c = norm(page.mediabox), norm(page.cropbox)
    return max(m[0], c[0]), max(m[1], c[1]), min(m[2], c[2]), min(m[3], c[3])


def _to_displayed(rotation: int, box: tuple[float, float, float, float],
                  x: float, y: float) -> tuple[float, float]:
    """A user-space point in displayed coordinates: origin at the displayed bottom-left,
    x to the right, y up (/Rotate turns the page clockwise on screen)."""
    x0, y0, x1, y1 = box
    return {0: (x - x0, y - y0), 90: (y - y0, x1 - x), 180: (x1 - x, y1 - y),
            270: (y1 - y, x - x0)}[rotation]


def _turn(rotation: int, dx: float, dy: float) -> tuple[float, float]:
    """A user-space direction as displayed: turned clockwise by ROTATION degrees."""
    r = math.radians(rotation)
    return dx * math.cos(r) + dy * math.sin(r), -dx * math.sin(r) + dy * math.cos(r)


def assert_stamped_upright(page: Any, where: str, marks: tuple[str, ...] = STAMP_MARKS,
                           holds: tuple[str, ...] = ("受控文件", DOC_ID, "DRW-001 rev B")) -> None:
    """The page's text holds the stamp exactly once (and HOLDS); every stamp line (a chunk
    with one of MARKS) reads left to right and upright as displayed (text matrix × CTM,
    turned by /Rotate), inside the visible box. Where in it: tests/test_stamp_placement.py."""
    text = page.extract_text()
    assert text.count("CONTROLLED COPY") == 1, (where, text[:300])
    assert all(word in text for word in holds), (where, holds, text[:300])

    seen: list[tuple[str, list[float]]] = []

    def visit(chunk: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if any(mark in chunk for mark in marks):
            # text space → user space: tm then cm (row vectors)
            seen.append((chunk, [tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3],
                                 tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3],
                                 tm[4] * cm[0] + tm[5] * cm[2] + cm[4],
                                 tm[4] * cm[1] + tm[5] * cm[3] + cm[5]]))

    page.extract_text(visitor_text=visit)
    assert seen, where
    rotation = int(page.rotation) % 360
    box = _visible(page)
    width, height = box[2] - box[0], box[3] - box[1]
    if rotation in (90, 270):
        width, height = height, width
    for chunk, (a, b, c, d, e, f) in seen:
        right = _turn(rotation, a, b)  # direction of the baseline on screen
        up = _turn(rotation, c, d)  # direction of the glyphs' up on screen
        assert right[0] > 0 and abs(right[1]) < 1e-6 * right[0], (where, rotation, chunk, right)
        assert up[1] > 0 and abs(up[0]) < 1e-6 * up[1], (where, rotation, chunk, up)
        x, y = _to_displayed(rotation, box, e, f)
        assert 0 <= x <= width and 0 <= y <= height, (where, rotation, chunk, x, y, width, height)


# -- every PDF of the corpus ------------------------------------------------------------------
@pytest.mark.parametrize("pdf", PDFS, ids=[p.name for p in PDFS])
def test_stamp_or_refuse(pdf: Path) -> None:
    data = pdf.read_bytes()
    if pdf.name in REFUSED:
        with pytest.raises(StampError) as info:
            stamp_pdf(data, LINES, pdf.name)
        message = info.value.message
        assert message.startswith(f"{pdf.name}: ") and REFUSED[pdf.name] in message, message
        assert "\n" not in message and len(message) < 400
        return
    stamped, count = stamp_pdf(data, LINES, pdf.name)
    original = PdfReader(io.BytesIO(data), strict=False)
    reader = PdfReader(io.BytesIO(stamped), strict=False)
    assert not reader.is_encrypted
    assert count == len(original.pages) == len(reader.pages) > 0
    for i, (before, page) in enumerate(zip(original.pages, reader.pages, strict=True)):
        assert page.rotation % 360 == before.rotation % 360  # the page is not turned
        assert_stamped_upright(page, f"{pdf.name} page {i + 1}")


def test_truncated_copies_are_stamped_whole_or_refused() -> None:
    """A PDF cut anywhere either still opens whole (pypdf repairs it) or is refused."""
    data = (PDF_DIR / "text-pdflatex-4pages.pdf").read_bytes()
    for cut in (len(data) // 5, len(data) // 2, len(data) - 40):
        try:
            stamped, count = stamp_pdf(data[:cut], LINES, "cut.pdf")
        except StampError as exc:
            assert exc.message.startswith("cut.pdf: ") and "damaged" in exc.message
        else:
            assert count == len(PdfReader(io.BytesIO(stamped)).pages) > 0


def test_pypdf_warnings_are_silenced(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("pypdf")
    level, disabled = logger.level, logger.disabled
    with caplog.at_level(logging.DEBUG):
        stamp_pdf((PDF_DIR / "damaged-kodak-scan-empty-length-obj.pdf").read_bytes(), LINES, "k.pdf")
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]
    assert (logger.level, logger.disabled) == (level, disabled)


# -- pages made here: rotations, offset crop boxes, a tiny page, an inherited /Rotate ---------
def _made_pdf() -> bytes:
    from fpdf import FPDF

    fpdf = FPDF(unit="pt", format="A4")
    for i in range(4):
        fpdf.add_page(format=(90, 50) if i == 2 else "A4")
        fpdf.set_font("helvetica", size=6 if i == 2 else 20)
        fpdf.text(5, 20, f"Page {i + 1}")
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(bytes(fpdf.output()))))
    pages = writer.pages
    pages[0][NameObject("/Rotate")] = NumberObject(90)
    pages[0][NameObject("/CropBox")] = RectangleObject([30, 50, 400, 700])
    pages[1][NameObject("/Rotate")] = NumberObject(270)
    pages[1][NameObject("/CropBox")] = RectangleObject([100, 20, 500, 820])
    pages[2][NameObject("/Rotate")] = NumberObject(0)  # tiny: 90 × 50 pt
    # page 4 has no /Rotate of its own: it inherits 180 from the page tree
    writer.root_object["/Pages"][NameObject("/Rotate")] = NumberObject(180)
    pages[3][NameObject("/CropBox")] = RectangleObject([50, 60, 545, 780])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_rotated_cropped_tiny_and_inherited_pages() -> None:
    data = _made_pdf()
    made = PdfReader(io.BytesIO(data))
    assert [p.rotation % 360 for p in made.pages] == [90, 270, 0, 180]
    assert sorted(re.findall(rb"/Rotate (\d+)", data)) == [b"0", b"180", b"270", b"90"]  # 180: inherited
    stamped, count = stamp_pdf(data, LINES, "made.pdf")
    reader = PdfReader(io.BytesIO(stamped))
    assert count == len(reader.pages) == 4
    for i, page in enumerate(reader.pages):
        assert_stamped_upright(page, f"made.pdf page {i + 1}")
        # only the upright reading of the page holds the stamp
        rotation = page.rotation % 360
        for orientation in (0, 90, 180, 270):
            text = page.extract_text(orientations=(orientation,))
            assert ("CONTROLLED COPY" in text) == (orientation == rotation), (i, orientation)


def test_shared_content_stream_gets_one_stamp_per_page() -> None:
    """rotate-90-180-270-360.pdf: four pages share one content stream and resources."""
    pdf = PDF_DIR / "rotate-90-180-270-360.pdf"
    source = PdfReader(pdf)
    assert len({p.raw_get("/Contents").idnum for p in source.pages}) == 1
    stamped, _ = stamp_pdf(pdf.read_bytes(), LINES, pdf.name)
    for page in PdfReader(io.BytesIO(stamped)).pages:
        assert page.extract_text().count("受控文件") == 1


# -- refusals ------------------------------------------------------------------------------
@pytest.mark.parametrize("data,needle", [(b"not a pdf", "not a PDF"), (b"", "not a PDF"),
                                         (b"%PDF-1.4\ngarbage", "damaged")])
def test_garbage_is_refused(data: bytes, needle: str) -> None:
    with pytest.raises(StampError) as info:
        stamp_pdf(data, LINES, "x.pdf")
    assert needle in info.value.message and info.value.message.startswith("x.pdf: ")


def test_missing_font_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TECHXFER_CJK_FONT", "/nonexistent")
    with pytest.raises(TechxferError) as info:
        find_cjk_font()
    assert "/nonexistent" in info.value.message and "fonts-wqy-microhei" in (info.value.hint or "")
    with pytest.raises(TechxferError) as info:
        stamp_pdf((PDF_DIR / "page-without-contents.pdf").read_bytes(), LINES, "a.pdf")
    assert "fonts-wqy-microhei" in info.value.diagnostic() and "fonts-noto-cjk" in info.value.diagnostic()


def test_font_search_without_known_fonts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import techxfer.reports.fonts as fonts

    monkeypatch.delenv("TECHXFER_CJK_FONT", raising=False)
    monkeypatch.setattr(fonts, "KNOWN", ())
    monkeypatch.setattr(fonts, "FONT_DIRS", (tmp_path,))
    with pytest.raises(TechxferError) as info:
        find_cjk_font()
    assert "fonts-wqy-microhei" in info.value.diagnostic() and "fonts-noto-cjk" in info.value.diagnostic()
    (tmp_path / "opentype" / "noto").mkdir(parents=True)
    (tmp_path / "opentype" / "noto" / "NotoSansSC-Regular.txt").write_text("not a font")
    found = tmp_path / "opentype" / "noto" / "NotoSansSC-Regular.otf"
    found.write_bytes(b"")
    assert find_cjk_font() == found


def test_font_override(monkeypatch: pytest.MonkeyPatch) -> None:
    font = find_cjk_font()
    monkeypatch.setenv("TECHXFER_CJK_FONT", str(font))
    assert find_cjk_font() == font


def test_english_text_needs_no_font(monkeypatch: pytest.MonkeyPatch) -> None:
    """Text the built-in Helvetica shows (Latin-1) needs no font on the system at all."""
    from fpdf import FPDF

    monkeypatch.setenv("TECHXFER_CJK_FONT", "/nonexistent")
    texts = ("Transfer list", "Müller & Søn · café © 2026", "TX-20261123-R-1a2b3c4d")
    assert all(builtin_font_shows(t) for t in texts) and font_for(*texts) is None
    pdf = FPDF()
    family = add_font_for(pdf, *texts)
    assert family == BUILTIN_FAMILY == "helvetica"
    pdf.add_page()
    pdf.set_font(family, size=10)
    for text in texts:
        pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    data = bytes(pdf.output())
    assert b"/FontFile" not in data and b"/Helvetica" in data  # nothing embedded
    got = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert all(t in got for t in texts), got
    # the stamp too, when its lines happen to be plain Latin
    stamped, _ = stamp_pdf((PDF_DIR / "text-pdflatex-4pages.pdf").read_bytes(),
                           ["CONTROLLED COPY", "DRW-001 rev B"], "a.pdf")
    assert "CONTROLLED COPY" in PdfReader(io.BytesIO(stamped)).pages[0].extract_text()


def test_chinese_text_needs_the_cjk_font(monkeypatch: pytest.MonkeyPatch) -> None:
    from fpdf import FPDF

    assert not builtin_font_shows("受控文件") and font_for("Title", "受控文件") == find_cjk_font()
    pdf = FPDF()
    assert add_font_for(pdf, "Title", "转移文件清单") == CJK_FAMILY
    pdf.add_page()
    pdf.set_font(CJK_FAMILY, size=10)
    pdf.cell(0, 6, "转移文件清单")
    assert "转移文件清单" in PdfReader(io.BytesIO(bytes(pdf.output()))).pages[0].extract_text()
    monkeypatch.setattr("techxfer.reports.fonts.KNOWN", ())
    monkeypatch.setattr("techxfer.reports.fonts.FONT_DIRS", ())
    monkeypatch.delenv("TECHXFER_CJK_FONT")
    with pytest.raises(TechxferError) as info:
        font_for("Title", "受控文件")
    assert "Chinese" in info.value.message and "fonts-wqy-microhei" in info.value.diagnostic()
    # not Chinese, still beyond Latin-1: the message says which character needs the font
    with pytest.raises(TechxferError) as info:
        font_for("acme → fab")
    assert "'→' (U+2192)" in info.value.message and "fonts-wqy-microhei" in info.value.diagnostic()
    with pytest.raises(TechxferError) as info:
        stamp_pdf((PDF_DIR / "page-without-contents.pdf").read_bytes(), LINES, "a.pdf")
    assert "fonts-wqy-microhei" in info.value.diagnostic()


# -- techxfer export --------------------------------------------------------------------
# Every file's own outcome is checked above; export needs a few of each kind (registering a
# document through the command line takes most of a second).
FAB_NAME = "华美医疗器械制造有限公司"
FAB_NAME_EN = "Huamei Medical Devices Manufacturing Co., Ltd."
EXPORT_PDFS = [PDF_DIR / name for name in (
    "text-pdflatex-4pages.pdf", "rotate-90-180-270-360.pdf", "page-without-contents.pdf",
    "encrypted-aes256-empty-user-password.pdf", "damaged-no-trailer-dict.pdf",
    "damaged-stream-length-not-integer.pdf")]


@pytest.fixture(scope="module")
def exported(base_repo: Path, keys: dict[str, SshKey], tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[tuple[Path, dict[str, dict[str, str]]]]:
    """Some testdata PDFs registered and transferred; then exported for fab (once)."""
    with isolated_env(tmp_path_factory):
        repo = tmp_path_factory.mktemp("export") / "repo"
        shutil.copytree(base_repo, repo, symlinks=True)
        # fab by its legal names: the stamp names the holder so, never by the party id
        parties = repo / ".techxfer" / "parties.yaml"
        parties.write_text(parties.read_text(encoding="utf-8").replace(
            "name: fab", f"name: {FAB_NAME}\n    name_en: {FAB_NAME_EN}", 1), encoding="utf-8")
        assert FAB_NAME in parties.read_text(encoding="utf-8")
        for i, pdf in enumerate(EXPORT_PDFS):
            add_doc(repo, f"design/pdfs/{pdf.name}", pdf.read_bytes(), f"PDF-{i:02d}")
        add_doc(repo, "design/obsolete.txt", b"old", "OLD-1")
        techxfer(repo, "add", "design/obsolete.txt", "--id", "OLD-1", "--title", "Old",
                 "--category", "design-output", "--revision", "A", "--status", "obsolete")
        add_doc(repo, "design/late.txt", b"late", "LATE-1")
        commit_as(repo, keys["wang"], "register the PDFs")
        use_signing_key(repo, keys["wang"])
        ids = [f"PDF-{i:02d}" for i in range(len(EXPORT_PDFS))]
        sent = techxfer(repo, "transfer", "DRW-001", "SPEC-001", *ids, "--to", "fab", "-m", "PDFs")
        # controlled copies are made only of what fab has acknowledged (issue 18)
        use_signing_key(repo, keys["li"])
        techxfer(repo, "ack", sent.stdout.split()[1])
        out = repo.parent / "copies"
        proc = techxfer(repo, "export", "--party", "fab", "--out", str(out), "--stamp")
        assert "skipped" in proc.stdout
        rows = {r["id"]: r for r in csv.DictReader((out / "export-register.csv").open(encoding="utf-8"))}
        yield out, rows


def test_export_stamps_good_pdfs_and_reports_bad_ones(exported: tuple[Path, dict[str, dict[str, str]]]) -> None:
    out, rows = exported
    for i, pdf in enumerate(EXPORT_PDFS):
        row = rows[f"PDF-{i:02d}"]
        if pdf.name in REFUSED:
            assert row["status"] == "skipped" and pdf.name in row["reason"], row
            assert REFUSED[pdf.name] in row["reason"], row
            assert not (out / "design/pdfs" / pdf.name).exists()
        else:
            assert row["status"] == "stamped" and row["copy"].endswith(f"{int(row['copy'][-3:]):03d}")
            reader = PdfReader(out / "design/pdfs" / pdf.name)
            for page in reader.pages:
                text = page.extract_text()
                assert "CONTROLLED COPY / 受控文件" in text and f"PDF-{i:02d} rev A" in text, text
                assert f"Copy {row['copy']}" in text and row["transfer"] in text, text
                assert f"持有人: {FAB_NAME}" in text and FAB_NAME_EN in text, text
                assert "for fab" not in text, text
    copies = [r["copy"] for r in rows.values() if r["copy"]]
    assert len(copies) == len(set(copies))  # unique copy numbers


def test_export_never_exports_obsolete_or_untransferred(exported: tuple[Path, dict[str, dict[str, str]]]) -> None:
    out, rows = exported
    assert "OLD-1" not in rows and not (out / "design/obsolete.txt").exists()
    assert rows["LATE-1"]["status"] == "skipped" and "not transferred" in rows["LATE-1"]["reason"]
    assert rows["SPEC-001"]["status"] == "copied"
    assert (out / "design/spec.txt").read_bytes() == b"Specification rev A\n"
    register = json.loads((out / "export-register.json").read_text())
    assert register["party"] == "fab" and len(register["copies"]) == len(rows)


def test_export_refuses_a_non_empty_folder_and_unknown_party(repo: Path, tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    proc = techxfer(repo, "export", "--party", "fab", "--out", str(tmp_path / "full"), check=False)
    assert proc.returncode == 2 and "not an empty folder" in proc.stderr
    proc = techxfer(repo, "export", "--party", "nobody", "--out", str(tmp_path / "n"), check=False)
    assert proc.returncode == 2 and "nobody" in proc.stderr and not (tmp_path / "n").exists()
    shutil.rmtree(tmp_path / "full")
