"""Controlled copies: the stamp on every real PDF of shared/testdata (stamped upright as
displayed, or refused with a reason), and ``techxfer export`` carrying on past bad files."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from conftest import TESTDATA, SshKey, add_doc, commit_as, techxfer, use_signing_key
from pypdf import PdfReader

from techxfer.stamp import StampError, stamp_pdf

PDFS = sorted((TESTDATA / "pdfs").glob("*.pdf"))
REFUSED = {
    "encrypted-aes256-empty-user-password.pdf": "encrypted",
    "encrypted-rc4-128-empty-user-password.pdf": "encrypted",
    "encrypted-user-password-openpassword.pdf": "encrypted",
    "damaged-no-trailer-dict.pdf": "damaged",
    "damaged-truncated-in-trailer.pdf": "damaged",
    "damaged-stream-length-not-integer.pdf": "damaged",
}
LINES = ["CONTROLLED COPY / 受控文件", "DOC-1 rev A", "TX-20261123-R-1a2b3c4d · 2026-11-23",
         "copy EXP-1-001 for fab"]


def test_every_testdata_file_is_accounted_for() -> None:
    assert len(PDFS) == 25 and set(REFUSED) <= {p.name for p in PDFS}


@pytest.mark.parametrize("pdf", PDFS, ids=[p.name for p in PDFS])
def test_stamp_or_refuse(pdf: Path) -> None:
    data = pdf.read_bytes()
    if pdf.name in REFUSED:
        with pytest.raises(StampError) as info:
            stamp_pdf(data, LINES, pdf.name)
        assert pdf.name in info.value.message and REFUSED[pdf.name] in info.value.message
        return
    stamped, count = stamp_pdf(data, LINES, pdf.name)
    original = PdfReader(io.BytesIO(data), strict=False)
    reader = PdfReader(io.BytesIO(stamped))
    assert count == len(original.pages) == len(reader.pages)
    for page in reader.pages:
        rotation = page.rotation % 360
        upright = page.extract_text(orientations=(rotation,))
        assert "CONTROLLED COPY" in upright and "受控文件" in upright and "DOC-1" in upright


def test_stamp_is_upright_and_only_upright_on_rotated_offset_pages() -> None:
    """The file with offset crop boxes at every rotation: the stamp reads in the displayed
    direction only, and sits inside the crop box near its displayed top-left corner."""
    pdf = TESTDATA / "pdfs" / "boxes-rotated-offset-mediabox-cropbox.pdf"
    stamped, _ = stamp_pdf(pdf.read_bytes(), LINES, pdf.name)
    for page in PdfReader(io.BytesIO(stamped)).pages:
        rotation = page.rotation % 360
        for orientation in (0, 90, 180, 270):
            text = page.extract_text(orientations=(orientation,))
            assert ("CONTROLLED COPY" in text) == (orientation == rotation), (rotation, orientation)
        box = page.cropbox
        points: list[tuple[float, float]] = []

        def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
            if "CONTROLLED" in text:
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                points.append((x, y))

        page.extract_text(orientations=(rotation,), visitor_text=visit)
        assert points
        x, y = points[0]
        assert float(box.left) <= x <= float(box.right) and float(box.bottom) <= y <= float(box.top)
        # displayed top-left corner, in user space, for each rotation
        corner = {0: (box.left, box.top), 90: (box.left, box.bottom),
                  180: (box.right, box.bottom), 270: (box.right, box.top)}[rotation]
        assert abs(x - float(corner[0])) < 60 and abs(y - float(corner[1])) < 60, (rotation, x, y)


@pytest.mark.parametrize("data,needle", [(b"not a pdf", "not a PDF"), (b"%PDF-1.4\ngarbage", "damaged")])
def test_garbage_is_refused(data: bytes, needle: str) -> None:
    with pytest.raises(StampError) as info:
        stamp_pdf(data, LINES, "x.pdf")
    assert needle in info.value.message and "x.pdf" in info.value.message


# -- techxfer export --------------------------------------------------------------------
@pytest.fixture
def exported(repo: Path, keys: dict[str, SshKey], tmp_path: Path) -> tuple[Path, dict[str, dict[str, str]]]:
    """Every testdata PDF registered, transferred and acknowledged; then exported for fab."""
    for i, pdf in enumerate(PDFS):
        add_doc(repo, f"design/pdfs/{pdf.name}", pdf.read_bytes(), f"PDF-{i:02d}")
    add_doc(repo, "design/obsolete.txt", b"old", "OLD-1")
    techxfer(repo, "add", "design/obsolete.txt", "--id", "OLD-1", "--title", "Old",
             "--category", "design-output", "--revision", "A", "--status", "obsolete")
    add_doc(repo, "design/late.txt", b"late", "LATE-1")
    commit_as(repo, keys["wang"], "register the PDFs")
    use_signing_key(repo, keys["wang"])
    ids = [f"PDF-{i:02d}" for i in range(len(PDFS))]
    techxfer(repo, "transfer", "DRW-001", "SPEC-001", *ids, "--to", "fab", "-m", "PDFs")
    out = tmp_path / "copies"
    proc = techxfer(repo, "export", "--party", "fab", "--out", str(out), "--stamp")
    assert "skipped" in proc.stdout
    rows = {r["id"]: r for r in csv.DictReader((out / "export-register.csv").open(encoding="utf-8"))}
    return out, rows


def test_export_stamps_good_pdfs_and_reports_bad_ones(exported: tuple[Path, dict[str, dict[str, str]]]) -> None:
    out, rows = exported
    for i, pdf in enumerate(PDFS):
        row = rows[f"PDF-{i:02d}"]
        if pdf.name in REFUSED:
            assert row["status"] == "skipped" and pdf.name in row["reason"], row
            assert not (out / "design/pdfs" / pdf.name).exists()
        else:
            assert row["status"] == "stamped" and row["copy"].endswith(f"{int(row['copy'][-3:]):03d}")
            reader = PdfReader(out / "design/pdfs" / pdf.name)
            assert all("受控文件" in p.extract_text() for p in reader.pages)
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
