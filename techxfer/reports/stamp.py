"""The controlled-copy stamp: a box of text lines on every page, upright as displayed, placed
where the page shows nothing.

Nothing is rasterised. The stamp is a one-page PDF made with fpdf2 (a CJK TrueType font
embedded, so "受控文件" stays extractable text) and merged onto every page with pypdf under
a transformation that takes the page's /Rotate (inherited or not) and its visible box
(CropBox ∩ MediaBox, origin anywhere) into account, so the text reads upright to the viewer.
The box is outlined, never filled: even a mis-measured page keeps every mark visible.

Where it goes. Each page's content is measured first, in the page's user space (the
"Measuring" section): text (every show operator, with the font's widths, ascent and
descent, character and word spacing, scaling and rise), painted paths (stroked or filled
in anything but white), images (the unit square under the CTM), form XObjects
(recursively, clipped to their /BBox), shadings (their clip), clipping paths, and the
/Rect of every visible annotation (form fields included). The boxes are turned into
displayed coordinates and the stamp goes, at its usual size and a margin from the edges,
into the first free place of: the displayed top-left corner, top-right, bottom-left,
bottom-right, anywhere along the top, bottom, left and right margins, and then anywhere on
the page (highest first). When nothing is free (a scan, a full-page drawing), the page gets
a band at its displayed top: MediaBox and CropBox grow on that side, the original content
is clipped to its old visible box (so nothing hidden by the old CropBox appears) and the
stamp sits in the band. A page whose content cannot be measured is treated as full.

Encrypted files are refused, even with an empty user password: a controlled copy is never
a decrypted, altered copy of a protected document. Damaged files are reported with the file
name and a short reason, whatever way pypdf fails on them (its own errors or builtins).
"""

from __future__ import annotations

import io
import logging
import math
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from techxfer.errors import TechxferError
from techxfer.reports._page_content import (
    Box,
    Matrix,
    _annotation_boxes,
    _get,
    _grow,
    _intersect,
    _invert,
    _multiply,
    _num,
    _overlaps,
    _transform_box,
    content_boxes,
)
from techxfer.reports.fonts import BUILTIN_FAMILY, INSTALL_HINT, font_for

FONT_SIZE = 8.0  # points, on an ordinary page
MARGIN = 12.0  # points between a displayed page edge and the box
CLEARANCE = 3.0  # points kept free between the box and the page's content
MAX_CANDIDATE_ROWS = 1_000  # interior rows tried before a band is added instead


class StampError(TechxferError):
    """This PDF cannot be stamped; the message names the file and the reason."""


@dataclass(frozen=True)
class Placement:
    """Where the stamp went on one page. ``box`` is the stamp's box in the page's user space
    (what a reader of the original page's coordinates compares with); ``displayed`` the same
    box in displayed coordinates (origin at the displayed bottom-left, x right, y up);
    ``where`` one of top-left, top-right, bottom-left, bottom-right, top, bottom, left,
    right, inside, band; ``mediabox`` the page's MediaBox before and after (they differ
    only for a band)."""

    page: int  # 0-based
    box: Box
    displayed: Box
    where: str
    mediabox_before: Box
    mediabox_after: Box


@dataclass(frozen=True)
class Stamped:
    data: bytes
    pages: int
    placements: tuple[Placement, ...]


def _free_spans(obstacles: Sequence[Box], lo: float, hi: float, start: float, end: float,
                length: float, across: int) -> list[tuple[float, float]]:
    """The stretches of [START, END] at least LENGTH long that no obstacle overlapping the
    strip [LO, HI] covers. ACROSS 0: the strip is horizontal (y from LO to HI) and the
    stretches run along x; 1: the other way round."""
    a0, a1, b0, b1 = (1, 3, 0, 2) if across == 0 else (0, 2, 1, 3)
    blocked = sorted((o[b0], o[b1]) for o in obstacles if o[a0] < hi and lo < o[a1])
    spans: list[tuple[float, float]] = []
    at = start
    for s, e in blocked:
        if s > at and min(s, end) - at >= length:
            spans.append((at, min(s, end)))
        at = max(at, e)
        if at >= end:
            break
    if end - at >= length:
        spans.append((at, end))
    return spans


def _merge_rows(boxes: Sequence[Box]) -> list[Box]:
    """BOXES with those of the same height and overlapping along x joined (their union is
    exactly their bounding box): a line of text shown piece by piece becomes one box."""
    merged: list[Box] = []
    for box in sorted(boxes, key=lambda b: (b[1], b[3], b[0])):
        last = merged[-1] if merged else None
        if last is not None and last[1] == box[1] and last[3] == box[3] and box[0] <= last[2]:
            merged[-1] = (last[0], last[1], max(last[2], box[2]), last[3])
        else:
            merged.append(box)
    return merged


def _find_spot(obstacles: Sequence[Box], width: float, height: float, w: float, h: float,
               margin: float) -> tuple[float, float, str] | None:
    """The lower-left corner (displayed coordinates) of a W × H box MARGIN inside a WIDTH ×
    HEIGHT page that overlaps no obstacle, and its name; None when there is no such place.
    Tried in order: the four corners, the four margins, then anywhere, highest first."""
    left, right = margin, width - margin - w
    bottom, top = margin, height - margin - h
    if right < left or top < bottom:
        return None
    rows = {y: _free_spans(obstacles, y, y + h, margin, width - margin, w, 0) for y in (top, bottom)}
    cols = {x: _free_spans(obstacles, x, x + w, margin, height - margin, h, 1) for x in (left, right)}
    for name, x, y in (("top-left", left, top), ("top-right", right, top),
                       ("bottom-left", left, bottom), ("bottom-right", right, bottom)):
        if any(s <= x and x + w <= e for s, e in rows[y]):
            return x, y, name
    for name, y in (("top", top), ("bottom", bottom)):
        if rows[y]:
            return rows[y][0][0], y, name
    for name, x in (("left", left), ("right", right)):
        if cols[x]:
            return x, cols[x][-1][1] - h, name
    # Anywhere: a free place slid up until it meets an obstacle's bottom is still free, so
    # these rows (rounded down to whole points: each is checked in full) are all to try.
    obstacles = _merge_rows(obstacles)
    ys = sorted({max(bottom, math.floor(o[1] - h)) for o in obstacles if bottom <= o[1] - h <= top},
                reverse=True)
    size = max(h, height / 256)  # slices of the page, each obstacle filed under those it reaches
    rows_of = _buckets(obstacles, size)
    for y in ys[:MAX_CANDIDATE_ROWS]:
        near = [o for i in range(int(y // size), int((y + h) // size) + 1)
                for o in rows_of.get(i, ())]
        spans = _free_spans(near, y, y + h, margin, width - margin, w, 0)
        if spans:
            return spans[0][0], y, "inside"
    return None


def _buckets(boxes: Sequence[Box], size: float) -> dict[int, list[Box]]:
    """BOXES filed under every horizontal slice [i·SIZE, (i+1)·SIZE) they reach."""
    found: dict[int, list[Box]] = {}
    for box in boxes:
        for i in range(int(box[1] // size), int(box[3] // size) + 1):
            found.setdefault(i, []).append(box)
    return found


def _visible_box(page: Any) -> Box:
    """The displayed region in user space: CropBox ∩ MediaBox (x0, y0, x1, y1), normalised."""

    def norm(box: Any) -> Box:
        a, b, c, d = (float(v) for v in list(box)[:4])
        return min(a, c), min(b, d), max(a, c), max(b, d)

    media = norm(page.mediabox)
    crop = norm(page.cropbox)
    both = _intersect(media, crop)
    if both is None or both[2] - both[0] <= 0 or both[3] - both[1] <= 0:
        return media  # crop box outside the media box: viewers show the media box
    return both


def _displayed_to_user(rotation: int, box: Box) -> tuple[float, float, Matrix]:
    """Displayed width and height, and the matrix from displayed coordinates (origin at the
    displayed bottom-left, x right, y up) to the page's user space. /Rotate turns the page
    clockwise when it is displayed."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    if rotation == 90:
        return h, w, (0.0, 1.0, -1.0, 0.0, x1, y0)
    if rotation == 180:
        return w, h, (-1.0, 0.0, 0.0, -1.0, x1, y1)
    if rotation == 270:
        return h, w, (0.0, -1.0, 1.0, 0.0, x0, y1)
    return w, h, (1.0, 0.0, 0.0, 1.0, x0, y0)


def _rotation(page: Any) -> int:
    """The page's /Rotate (pypdf resolves inherited values), as 0, 90, 180 or 270. A value
    that is not a multiple of 90 is invalid; viewers ignore it and so do we."""
    try:
        value = int(page.rotation)
    except Exception:
        return 0
    return value % 360 if value % 90 == 0 else 0


def _user_unit(page: Any) -> float:
    unit = _num(_get(page, "/UserUnit"), 1.0)
    return unit if unit > 0 else 1.0


def _mediabox(page: Any) -> Box:
    a, b, c, d = (float(v) for v in list(page.mediabox)[:4])
    return min(a, c), min(b, d), max(a, c), max(b, d)


def _place(page: Any, index: int, box_w: float, box_h: float) -> tuple[Matrix, Placement]:
    """Where the stamp page (BOX_W × BOX_H) goes on PAGE, as a matrix from the stamp page to
    the page's user space; adds a band to PAGE (its boxes, a clip) when nothing is free."""
    from pypdf.generic import RectangleObject

    unit = _user_unit(page)
    rotation = _rotation(page)
    visible = _visible_box(page)
    width, height, to_user = _displayed_to_user(rotation, visible)
    if width <= 0 or height <= 0:
        raise ValueError("a page has an empty crop box")
    # Sizes are in points on paper: a page with /UserUnit gets a stamp of the same paper size.
    # Small pages get a smaller margin and box, so the stamp never takes more than a corner.
    margin = min(MARGIN / unit, width / 25, height / 25)
    scale = min(1.0 / unit, (width - 2 * margin) * 0.6 / box_w, (height - 2 * margin) * 0.4 / box_h)
    w, h = box_w * scale, box_h * scale
    before = _mediabox(page)
    boxes = content_boxes(page)
    to_display = _invert(to_user)
    spot = None
    if boxes is not None:
        page_box = (0.0, 0.0, width, height)
        obstacles = []
        for box in boxes:
            shown = _intersect(_transform_box(to_display, box), page_box)
            if shown is not None:
                obstacles.append(_grow(shown, CLEARANCE / unit))
        spot = _find_spot(obstacles, width, height, w, h, margin)
        if spot is not None and any(_overlaps((spot[0], spot[1], spot[0] + w, spot[1] + h), o)
                                    for o in obstacles):
            spot = None  # cannot happen; if it ever did, the band is the safe answer
    if spot is not None:
        x, y, where = spot
    else:  # a band at the displayed top, as tall as the box and a margin either side
        band = h + 2 * margin
        grown = _transform_box(to_user, (0.0, 0.0, width, height + band))
        media = _mediabox(page)
        # What the old boxes hid (outside the CropBox, or drawn past the MediaBox) stays hidden.
        _clip_contents(page, visible)
        page.mediabox = RectangleObject([min(media[0], grown[0]), min(media[1], grown[1]),
                                         max(media[2], grown[2]), max(media[3], grown[3])])
        page.cropbox = RectangleObject(list(grown))
        width, height, to_user = _displayed_to_user(rotation, _visible_box(page))
        # Annotations outside the old crop box may now show in the band: keep clear of them.
        annots = [_grow(_transform_box(_invert(to_user), a), CLEARANCE / unit)
                  for a in _annotation_boxes(page)]
        spans = _free_spans(annots, height - margin - h, height - margin, margin, width - margin,
                            w, 0)
        x, y, where = (spans[0][0] if spans else margin), height - margin - h, "band"
    to_display_box: Matrix = (scale, 0.0, 0.0, scale, x, y)
    matrix = _multiply(to_display_box, to_user)
    placement = Placement(index, _transform_box(matrix, (0.0, 0.0, box_w, box_h)),
                          (x, y, x + w, y + h), where, before, _mediabox(page))
    return matrix, placement


def _clip_contents(page: Any, box: Box) -> None:
    """Wrap PAGE's content in a clip to BOX, so what was outside its visible box stays hidden.
    The content's bytes are kept as they are, between the clip and its end."""
    content = page.get_contents()
    if content is None:
        return
    x0, y0, x1, y1 = box
    clip = f"q {x0:.4f} {y0:.4f} {x1 - x0:.4f} {y1 - y0:.4f} re W n\n".encode()
    content.set_data(clip + content.get_data() + b"\nQ\n")
    page.replace_contents(content)


# -- Stamping ------------------------------------------------------------------------------
@contextmanager
def _quiet() -> Iterator[None]:
    """pypdf reports damaged input on its loggers (and fpdf2/fontTools chat while embedding
    the font): silenced for the call, the caller gets a StampError instead."""
    loggers = [logging.getLogger(name) for name in ("pypdf", "fpdf", "fontTools")]
    saved = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL + 1)  # children (pypdf._reader, …) inherit it
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, saved, strict=True):
            lg.setLevel(level)


def _overlay(lines: tuple[str, ...], size: float, font: Path | None) -> tuple[bytes, float, float]:
    """A one-page PDF exactly the size of the stamp box; and that width and height (pt). The
    box is outlined only: nothing under it is ever painted over."""
    from fpdf import FPDF

    pad = size * 0.5
    line_h = size * 1.25
    pdf = FPDF(unit="pt")
    pdf.set_margin(0)
    pdf.set_auto_page_break(False)
    pdf.c_margin = 0  # the cell's own inner padding: the box has its own
    pdf.set_creator("techxfer")
    if font is None:
        pdf.set_font(BUILTIN_FAMILY, size=size)
    else:
        pdf.add_font("cjk", fname=str(font))  # the slow part: fontTools reads the whole font
        pdf.set_font("cjk", size=size)
    text_w = max(pdf.get_string_width(line) for line in lines)
    width = text_w + 2 * pad
    height = line_h * len(lines) + 2 * pad
    pdf.add_page(format=(width, height))
    border = max(size / 10, 0.3)
    pdf.set_draw_color(190, 0, 0)
    pdf.set_line_width(border)
    pdf.rect(border / 2, border / 2, width - border, height - border)
    pdf.set_text_color(190, 0, 0)
    for i, line in enumerate(lines):
        pdf.set_xy(pad, pad + i * line_h)
        pdf.cell(text_w, line_h, line)
    out: Any = pdf.output()
    return bytes(out), width, height


def _content_ids(page: Any) -> set[int]:
    """Object numbers of the page's /Contents: the reference itself and the streams of an array."""
    from pypdf.generic import ArrayObject, IndirectObject

    raw = page.raw_get("/Contents") if "/Contents" in page else None
    ids: set[int] = set()
    if isinstance(raw, IndirectObject):
        ids.add(raw.idnum)
        raw = raw.get_object()
    if isinstance(raw, ArrayObject):
        ids.update(item.idnum for item in raw if isinstance(item, IndirectObject))
    return ids


def _unshare_contents(pages: Sequence[Any]) -> None:
    """Give every page its own content stream. Pages may share one (the same drawing shown at
    four rotations): pypdf's merge rewrites a page's content object in place, so a shared
    stream would collect the stamps of all its pages. Only the second and later users get a
    copy, so no stream is orphaned."""
    from pypdf.generic import NameObject

    seen: set[int] = set()
    for page in pages:
        ids = _content_ids(page)
        if ids & seen:
            content = page.get_contents()
            del page[NameObject("/Contents")]
            if content is not None:
                page.replace_contents(content)  # no /Contents now: stored as a new object
        seen |= ids


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:160]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def stamp_pdf(data: bytes, lines: Sequence[str], source: str) -> tuple[bytes, int]:
    """Stamp LINES on every page of the PDF DATA (SOURCE names it in errors). Returns the
    stamped PDF and its page count; StampError when it is encrypted, damaged or unreadable."""
    stamped = stamp_document(data, lines, source)
    return stamped.data, stamped.pages


def stamp_document(data: bytes, lines: Sequence[str], source: str) -> Stamped:
    """``stamp_pdf``, also saying where the stamp went on each page."""
    from pypdf import PdfReader, PdfWriter, Transformation

    if not lines:
        raise StampError(f"{source}: nothing to stamp (no lines)")
    if b"%PDF-" not in data[:1024]:
        raise StampError(f"{source}: not a PDF file (no %PDF- header)")
    font = font_for(*lines)  # "受控文件" needs the CJK font; UsageError naming it if missing
    overlays: dict[tuple[tuple[str, ...], float], tuple[Any, float, float]] = {}

    def overlay(key: tuple[tuple[str, ...], float]) -> tuple[Any, float, float]:
        # One overlay page per (lines, size) and call, read once: its font is embedded once
        # in the output, however many pages share it.
        if key not in overlays:
            pdf, w, h = _overlay(key[0], key[1], font)
            page = PdfReader(io.BytesIO(pdf)).pages[0]
            got = "".join(page.extract_text().split())
            missing = [line for line in key[0] if "".join(line.split()) not in got]
            if missing:
                raise StampError(f"{source}: not stamped, the font {font} cannot show "
                                 f"{missing[0]!r}; {INSTALL_HINT}", hint=INSTALL_HINT)
            overlays[key] = (page, w, h)
        return overlays[key]

    placements: list[Placement] = []
    with _quiet():
        key = (tuple(lines), FONT_SIZE)
        try:  # the stamp first: a font problem is not the PDF's fault
            overlay(key)
        except TechxferError:
            raise
        except Exception as exc:
            raise StampError(f"{source}: not stamped, the stamp could not be made with the font "
                             f"{font} ({_reason(exc)}); {INSTALL_HINT}", hint=INSTALL_HINT) from None
        step = "read"
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise StampError(f"{source}: encrypted PDF, not stamped (a controlled copy is made "
                                 "from the unencrypted original, never a decrypted altered copy)")
            count = len(reader.pages)
            if count == 0:
                raise StampError(f"{source}: damaged PDF, no pages found")
            step = "stamp"
            writer = PdfWriter(clone_from=reader)
            if len(writer.pages) != count:
                raise StampError(f"{source}: damaged PDF, its page tree could not be copied")
            _unshare_contents(writer.pages)
            done: set[int] = set()
            for index, page in enumerate(writer.pages):
                ref = page.indirect_reference
                if ref is not None and ref.idnum in done:  # one page object listed twice
                    continue
                done.add(ref.idnum if ref is not None else -1)
                stamp, box_w, box_h = overlay(key)
                matrix, placement = _place(page, index, box_w, box_h)
                placements.append(placement)
                page.merge_transformed_page(stamp, Transformation(matrix), over=True, expand=False)
                page.compress_content_streams()  # pypdf leaves the merged stream uncompressed
            step = "write"
            out = io.BytesIO()
            writer.write(out)
            stamped = out.getvalue()
            step = "check"
            written = len(PdfReader(io.BytesIO(stamped), strict=False).pages)
        except TechxferError:
            raise
        except RecursionError:
            raise StampError(f"{source}: damaged PDF, not stamped ({step} failed: "
                             "its object structure loops)") from None
        except Exception as exc:  # pypdf fails on damaged files in many ways, builtins included
            raise StampError(f"{source}: damaged or unreadable PDF, not stamped "
                             f"({step} failed: {_reason(exc)})") from None
    if written != count:
        raise StampError(f"{source}: stamping changed the page count ({count} → {written}), "
                         "not stamped")
    return Stamped(stamped, count, tuple(placements))
