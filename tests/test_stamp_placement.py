"""Where the controlled-copy stamp goes (issue 16 item 5): never over the page's content.

The check is independent of the code under test: text boxes of the *original* page come
from pypdf's own text extraction (positions from its visitor, widths from pypdf's font
metrics), and the stamp's box is both the one ``stamp_document`` reports and the one read
back from the stamped page. Pages made here cover what the corpus lacks: a drawing frame
with a title block, an IFU title and drawing number at the top corners, a page full of
text (which gets a band), form XObjects, white paint, clipping and annotations.
"""

from __future__ import annotations

import io
import random
from pathlib import Path
from typing import Any

import pytest
from conftest import CJK_FONT
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    RectangleObject,
)
from test_stamp import PDF_DIR, PDFS, REFUSED, assert_stamped_upright

from techxfer.reports.stamp import (
    MARGIN,
    Placement,
    _find_spot,
    content_boxes,
    stamp_document,
)

Box = tuple[float, float, float, float]
HOLDER = "华美医疗器械制造有限公司"
HOLDER_EN = "Huamei Medical Devices Manufacturing Co., Ltd."
LINES = ["CONTROLLED COPY / 受控文件", f"Holder 持有人: {HOLDER}", HOLDER_EN,
         "Copy EXP-20261123-1a2b3c4d-003 · DRW-001 rev B", "TX-20261123-R-1a2b3c4d · 2026-11-23"]
STAMPABLE = [p for p in PDFS if p.name not in REFUSED]


def overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def inside(inner: Box, outer: Box, slack: float = 0.01) -> bool:
    return (outer[0] - slack <= inner[0] and inner[2] <= outer[2] + slack
            and outer[1] - slack <= inner[1] and inner[3] <= outer[3] + slack)


def _mul(m: list[float], n: list[float]) -> list[float]:
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return [a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
            e * A + f * C + E, e * B + f * D + F]


def _font_widths(font: Any) -> dict[str, float]:
    try:
        from pypdf.generic._font import Font  # pypdf's own metrics: independent of stamp.py
        return dict(Font.from_font_resource(font).character_widths) if font is not None else {}
    except Exception:
        return {}


def text_boxes(page: Any, marks: tuple[str, ...] = ()) -> list[tuple[Box, str, tuple[float, float]]]:
    """Boxes (user space) of the text pypdf extracts from PAGE: from each chunk's origin, as
    wide as pypdf's font metrics make its characters, from 0.2 em below the baseline to 0.8
    above; with the text and the origin. With MARKS, only chunks holding one of them."""
    found: list[tuple[Box, str, tuple[float, float]]] = []
    widths: dict[int, dict[str, float]] = {}

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        text = text.strip("\n")
        if not text.strip() or not size or (marks and not any(m in text for m in marks)):
            return
        if id(font) not in widths:
            widths[id(font)] = _font_widths(font)
        table = widths[id(font)]
        default = table.get("default") or 1000.0
        x1 = sum(table.get(ch, default) for ch in text) / 1000 * size
        m = _mul(tm, cm)
        pts = [(x * m[0] + y * m[2] + m[4], x * m[1] + y * m[3] + m[5])
               for x in (0.0, x1) for y in (-0.2 * size, 0.8 * size)]
        found.append(((min(p[0] for p in pts), min(p[1] for p in pts),
                       max(p[0] for p in pts), max(p[1] for p in pts)), text, (m[4], m[5])))

    page.extract_text(visitor_text=visit)
    return found


def visible(page: Any) -> Box:
    def norm(box: Any) -> Box:
        a, b, c, d = (float(v) for v in box)
        return min(a, c), min(b, d), max(a, c), max(b, d)

    m, c = norm(page.mediabox), norm(page.cropbox)
    return max(m[0], c[0]), max(m[1], c[1]), min(m[2], c[2]), min(m[3], c[3])


def check_page(original: Any, stamped: Any, placement: Placement, where: str) -> None:
    """The stamp's box misses every text box of the original page, lies inside the stamped
    page's visible box, and holds every stamp line read back from the stamped page."""
    for box, text, _ in text_boxes(original):
        assert not overlaps(placement.box, box), (where, placement.where, placement.box, box, text)
    assert inside(placement.box, visible(stamped)), (where, placement.box, visible(stamped))
    got = text_boxes(stamped, marks=("CONTROLLED", "持有人", "Copy EXP"))
    assert len(got) >= 3, (where, got)
    for _, text, (x, y) in got:  # where each line starts: exact, whatever the font's metrics
        assert inside((x, y, x, y), placement.box), (where, text, x, y, placement.box)
    text = stamped.extract_text()
    assert HOLDER in text and HOLDER_EN in text, (where, text[:200])


def _grow(box: Box, by: float) -> Box:
    return box[0] - by, box[1] - by, box[2] + by, box[3] + by


# -- every real PDF ----------------------------------------------------------------------------
@pytest.mark.parametrize("pdf", STAMPABLE, ids=[p.name for p in STAMPABLE])
def test_stamp_misses_every_text_box_of_the_original(pdf: Path) -> None:
    data = pdf.read_bytes()
    result = stamp_document(data, LINES, pdf.name)
    original = PdfReader(io.BytesIO(data), strict=False)
    stamped = PdfReader(io.BytesIO(result.data), strict=False)
    assert [p.page for p in result.placements] == list(range(len(original.pages)))
    for placement in result.placements:
        i = placement.page
        where = f"{pdf.name} page {i + 1}"
        check_page(original.pages[i], stamped.pages[i], placement, where)
        if placement.where != "band":
            assert placement.mediabox_after == placement.mediabox_before, where
            assert visible(stamped.pages[i]) == pytest.approx(visible(original.pages[i])), where


@pytest.mark.parametrize("name", ["scan-image-only-bookpage.pdf", "scan-landscape-rotate90-linearized.pdf",
                                  "page-huge-8400pt.pdf", "scan-ocr-layer-linearized-6pages.pdf"])
def test_scanned_pages_get_a_band(name: str) -> None:
    """A scan is content from edge to edge: the page grows a band at its displayed top, the
    image is untouched, and the stamp reads upright in the band (a /Rotate 90 page too)."""
    data = (PDF_DIR / name).read_bytes()
    result = stamp_document(data, LINES, name)
    original = PdfReader(io.BytesIO(data))
    stamped = PdfReader(io.BytesIO(result.data))
    for placement in result.placements:
        before, after = original.pages[placement.page], stamped.pages[placement.page]
        assert placement.where == "band"
        assert_band(before, after, placement)
        assert_content_intact(before, after)


def assert_band(before: Any, after: Any, placement: Placement) -> None:
    """The visible box grew on exactly one side, the displayed top, by the band the stamp sits
    in; the stamp is outside the old visible box; the MediaBox holds the new visible box."""
    old, new = visible(before), visible(after)
    assert placement.mediabox_after != placement.mediabox_before
    assert inside(new, (float(after.mediabox[0]), float(after.mediabox[1]),
                        float(after.mediabox[2]), float(after.mediabox[3])))
    grown = [new[0] < old[0], new[1] < old[1], new[2] > old[2], new[3] > old[3]]
    assert sum(grown) == 1, (old, new)
    side = grown.index(True)  # x0, y0, x1, y1: which user-space side is the displayed top
    assert side == {0: 3, 90: 0, 180: 1, 270: 2}[after.rotation % 360], (after.rotation, old, new)
    assert inside(placement.box, new) and not overlaps(placement.box, old)
    assert after.rotation % 360 == before.rotation % 360


def assert_content_intact(before: Any, after: Any) -> None:
    """The original page's operators, operands and resources are all in the stamped page,
    in order, one after another (a band adds only a clip to the old visible box around them)."""
    content = before.get_contents()
    ops = content.operations if content is not None else []
    if not ops:
        return
    new = after.get_contents().operations
    first = next(i for i, op in enumerate(new) if op == ops[0] and new[i:i + len(ops)] == ops)
    assert new[first:first + len(ops)] == ops
    old_res, new_res = before.get("/Resources"), after.get("/Resources")
    for kind in ("/XObject", "/Font"):
        if old_res is not None and kind in old_res:
            assert set(old_res[kind].get_object()) <= set(new_res[kind].get_object())


# -- pages made here --------------------------------------------------------------------------
def _pdf(pages: list[tuple[bytes, dict[str, Any]]], size: tuple[float, float] = (595.0, 842.0)) -> bytes:
    """A PDF of raw content streams. Resources: /F1 Helvetica (no /Widths: one of the
    standard 14), and whatever the page's dict adds (/XObject, /Annots, /Rotate)."""
    writer = PdfWriter()
    for content, extra in pages:
        page = writer.add_blank_page(*size)
        stream = DecodedStreamObject()
        stream.set_data(content)
        page[NameObject("/Contents")] = writer._add_object(stream)
        font = DictionaryObject({NameObject("/Type"): NameObject("/Font"),
                                 NameObject("/Subtype"): NameObject("/Type1"),
                                 NameObject("/BaseFont"): NameObject("/Helvetica")})
        resources = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
        for name, form in extra.get("forms", {}).items():
            xobj = DecodedStreamObject()
            xobj.set_data(form["content"])
            xobj.update({NameObject("/Type"): NameObject("/XObject"),
                         NameObject("/Subtype"): NameObject("/Form"),
                         NameObject("/BBox"): ArrayObject(FloatObject(v) for v in form["bbox"]),
                         NameObject("/Matrix"): ArrayObject(FloatObject(v) for v in form["matrix"]),
                         NameObject("/Resources"): resources})
            xobjects = resources.setdefault(NameObject("/XObject"), DictionaryObject())
            xobjects[NameObject(name)] = writer._add_object(xobj)
        page[NameObject("/Resources")] = resources
        if "annots" in extra:
            page[NameObject("/Annots")] = ArrayObject(writer._add_object(DictionaryObject({
                NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject(kind),
                NameObject("/Rect"): ArrayObject(FloatObject(v) for v in rect)}))
                for kind, rect in extra["annots"])
        if "rotate" in extra:
            page[NameObject("/Rotate")] = NumberObject(extra["rotate"])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _boxes(data: bytes, page: int = 0) -> list[Box]:
    found = content_boxes(PdfReader(io.BytesIO(data)).pages[page])
    assert found is not None
    return found


def covered(boxes: list[Box], x: float, y: float) -> bool:
    return any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)


def test_measure_text_with_spacing_scaling_and_adjustments() -> None:
    """Helvetica has no /Widths here: a full em a glyph, the most any standard font needs."""
    boxes = _boxes(_pdf([(b"BT /F1 10 Tf 100 700 Td 2 Tc 200 Tz [(AB) -1000 (C)] TJ ET", {})]))
    assert len(boxes) == 1
    x0, y0, x1, y1 = boxes[0]
    # 3 glyphs of 10 + 2 (Tc) each, plus a 10-point move, all scaled by 2; the last Tc is after it
    assert (x0, x1) == pytest.approx((100, 100 + 2 * (10 + 2 + 10 + 2 + 10 + 10)))
    assert y0 < 700 - 1.5 and y1 > 700 + 7


def test_measure_rotated_text_forms_and_clips() -> None:
    content = (b"q 0 1 -1 0 300 100 cm BT /F1 20 Tf 0 0 Td (Title) Tj ET Q "  # turned 90 degrees
               b"q 50 50 100 100 re W n 0 0 1 1 rg 0 0 595 842 re f Q "  # clipped to a square
               b"q 2 0 0 2 400 400 cm /Fm1 Do Q")  # a form, its own matrix, clipped to its BBox
    form = {"content": b"0 0 500 500 re f", "bbox": [0, 0, 50, 20], "matrix": [1, 0, 0, 1, 10, 10]}
    boxes = _boxes(_pdf([(content, {"forms": {"/Fm1": form}})]))
    title = next(b for b in boxes if b[0] < 300 < b[2] and b[1] >= 99)
    assert title[3] - title[1] >= 5 * 20 - 1 and title[2] - title[0] < 30  # runs up the page
    assert (50.0, 50.0, 150.0, 150.0) in boxes
    assert (420.0, 420.0, 520.0, 460.0) in boxes  # (10..60, 10..30) doubled, at 400


def test_measure_white_paint_frames_and_annotations() -> None:
    content = (b"1 g 0 0 595 842 re f "  # a white page background: nothing on paper
               b"0 G 2 w 20 20 555 802 re S "  # a drawing frame: its outline only
               b"0 g 400 20 175 80 re f")  # the title block
    boxes = _boxes(_pdf([(content, {"annots": [("/Widget", [100, 600, 200, 620]),
                                                ("/Popup", [300, 300, 400, 400])]})]))
    assert covered(boxes, 20, 400) and covered(boxes, 300, 822) and covered(boxes, 450, 50)
    assert not covered(boxes, 300, 400)  # inside the frame and not under the background
    assert covered(boxes, 150, 610)  # the form field
    assert not covered(boxes, 350, 350)  # a pop-up shows only when opened


def test_drawing_frame_and_title_block_keep_clear() -> None:
    """An engineering drawing: a frame 20 pt in, a title block, the drawing number and an IFU
    title at the top corners inside the frame, a diagonal line. The frame's lines cross every
    corner and margin, so the stamp goes inside the frame, covering nothing."""
    content = (b"0 G 1.5 w 20 20 555 802 re S 400 20 175 80 re S "
               b"BT /F1 14 Tf 30 800 Td (IFU-001 Infusion pump instructions) Tj ET "
               b"BT /F1 14 Tf 430 800 Td (DRW-001 B) Tj ET "
               b"BT /F1 9 Tf 410 60 Td (Drawing DRW-001 rev B) Tj ET "
               b"0.2 w 100 200 m 500 600 l S")
    data = _pdf([(content, {})])
    result = stamp_document(data, LINES, "drawing.pdf")
    [placement] = result.placements
    original, stamped = PdfReader(io.BytesIO(data)), PdfReader(io.BytesIO(result.data))
    check_page(original.pages[0], stamped.pages[0], placement, "drawing.pdf")
    assert placement.where != "band"
    assert inside(placement.box, (20, 20, 575, 822))  # inside the frame, clear of its lines
    for box in _boxes(data):
        assert not overlaps(placement.box, box), box


def _full_page(font: Path | None) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.set_margin(4)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    if font is not None:
        pdf.add_font("cjk", fname=str(font))
        pdf.set_font("cjk", size=11)
    else:
        pdf.set_font("helvetica", size=11)
    y = 4.0
    i = 0
    while y < 842 - 16:
        pdf.set_xy(4, y)
        line = f"{i:03d} Line of text reaching from the left edge to the right edge of the page "
        pdf.cell(587, 13, (line * 2)[:104] if font is None else "输液泵使用说明书 " + line[:80])
        y += 13
        i += 1
    out: Any = pdf.output()
    return bytes(out)


@pytest.mark.parametrize("cjk", [False, True], ids=["helvetica", "cjk"])
def test_full_page_gets_a_band_and_keeps_its_content(cjk: bool) -> None:
    data = _full_page(Path(CJK_FONT) if cjk and CJK_FONT else None)
    result = stamp_document(data, LINES, "full.pdf")
    [placement] = result.placements
    before = PdfReader(io.BytesIO(data)).pages[0]
    after = PdfReader(io.BytesIO(result.data)).pages[0]
    assert placement.where == "band"
    assert_band(before, after, placement)
    assert_content_intact(before, after)
    check_page(before, after, placement, "full.pdf")
    old_text, new_text = before.extract_text(), after.extract_text()
    assert old_text.count("Line of text") > 50
    assert all(line in new_text for line in old_text.splitlines())


def test_rotated_full_page_band_is_on_the_displayed_top() -> None:
    content = b"0 0 1 rg 0 0 595 842 re f BT /F1 30 Tf 200 400 Td (Blue) Tj ET"
    data = _pdf([(content, {"rotate": r}) for r in (0, 90, 180, 270)])
    result = stamp_document(data, LINES, "blue.pdf")
    original, stamped = PdfReader(io.BytesIO(data)), PdfReader(io.BytesIO(result.data))
    for placement in result.placements:
        before, after = original.pages[placement.page], stamped.pages[placement.page]
        assert placement.where == "band"
        assert_band(before, after, placement)
        assert_content_intact(before, after)
        assert_stamped_upright(after, f"blue.pdf page {placement.page + 1}",
                               marks=("CONTROLLED", "持有人", "TX-2026"), holds=(HOLDER, HOLDER_EN))


def test_band_hides_what_the_old_crop_box_hid() -> None:
    """A page cropped inside its MediaBox, with a mark outside the crop (a printer's mark):
    after the band the mark must stay hidden, so the content is clipped to the old box."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf([(
        b"0 g 0 0 595 842 re f 1 0 0 rg 280 830 30 10 re f", {})]))))
    page = writer.pages[0]
    page.cropbox = RectangleObject([10, 10, 585, 800])
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    result = stamp_document(data, LINES, "cropped.pdf")
    [placement] = result.placements
    after = PdfReader(io.BytesIO(result.data)).pages[0]
    assert placement.where == "band" and visible(after)[3] > 842
    ops = after.get_contents().operations
    clip = next(i for i, (_, op) in enumerate(ops) if op == b"re")  # the first path: the clip
    assert [op for _, op in ops[:clip]] == [b"q"] * clip and clip <= 2
    assert [float(v) for v in ops[clip][0]] == pytest.approx([10, 10, 575, 790], abs=1e-3)
    assert [op for _, op in ops[clip:clip + 3]] == [b"re", b"W", b"n"]


# -- the search for a free place -------------------------------------------------------------
W, H, BW, BH = 595.0, 842.0, 160.0, 60.0


def spot(obstacles: list[Box]) -> tuple[float, float, str] | None:
    return _find_spot(obstacles, W, H, BW, BH, MARGIN)


def test_corners_first_then_margins_then_inside() -> None:
    top, bottom = H - MARGIN - BH, MARGIN
    left, right = MARGIN, W - MARGIN - BW
    assert spot([]) == (left, top, "top-left")
    title = (30.0, 780.0, 200.0, 800.0)
    assert spot([title]) == (right, top, "top-right")
    number = (400.0, 780.0, 580.0, 800.0)
    assert spot([title, number]) == (left, bottom, "bottom-left")
    header = (0.0, 780.0, 595.0, 800.0)
    footer_left = (0.0, 0.0, 100.0, 100.0)
    assert spot([header, footer_left]) == (right, bottom, "bottom-right")
    footer = (0.0, 0.0, 595.0, 70.0)
    pos = spot([(0.0, 780.0, 200.0, 800.0), (380.0, 780.0, 595.0, 800.0), footer])
    assert pos is not None and pos[1:] == (top, "top") and 200 <= pos[0] <= 380 - BW
    body = (100.0, 0.0, 595.0, 842.0)
    assert spot([body]) is None  # 88 pt free on the left: no room for 160
    sides = [(0.0, 760.0, 595.0, 842.0), (0.0, 0.0, 595.0, 80.0), (0.0, 0.0, 180.0, 842.0),
             (415.0, 0.0, 595.0, 842.0), (180.0, 80.0, 415.0, 300.0), (180.0, 600.0, 415.0, 760.0)]
    x, y, where = spot(sides) or (0, 0, "")
    assert (x, y, where) == (180.0, 600.0 - BH, "inside")  # the hole's highest, leftmost place
    assert spot([*sides, (180.0, 300.0, 415.0, 600.0)]) is None
    side_col = [(0.0, 760.0, 595.0, 842.0), (0.0, 0.0, 595.0, 80.0), (200.0, 0.0, 595.0, 842.0)]
    assert spot(side_col) == (left, 760.0 - BH, "left")


def _free(obstacles: list[Box], x: float, y: float) -> bool:
    return not any(overlaps((x, y, x + BW, y + BH), o) for o in obstacles)


@pytest.mark.parametrize("seed", range(40))
def test_search_is_sound_and_complete(seed: int) -> None:
    """Random pages: a place found is free and inside the margins; no place found means a
    fine scan of the page finds none either."""
    rng = random.Random(seed)
    obstacles = []
    for _ in range(rng.randint(0, 60)):
        x, y = rng.uniform(-20, W), rng.uniform(-20, H)
        obstacles.append((x, y, x + rng.uniform(1, 250), y + rng.uniform(1, 120)))
    found = spot(obstacles)
    if found is not None:
        x, y, _ = found
        assert MARGIN - 1e-9 <= x <= W - MARGIN - BW + 1e-9 and MARGIN - 1e-9 <= y <= H - MARGIN - BH + 1e-9
        assert _free(obstacles, x, y)
    else:
        xs = [MARGIN + i for i in range(int(W - 2 * MARGIN - BW) + 1)]
        ys = [MARGIN + j for j in range(int(H - 2 * MARGIN - BH) + 1)]
        assert not any(_free(obstacles, x, y) for x in xs[::2] for y in ys[::2])
