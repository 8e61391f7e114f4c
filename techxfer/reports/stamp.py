"""The controlled-copy stamp: a visible box of text lines on every page, upright as displayed.

Nothing is rasterised. The stamp is a one-page PDF made with fpdf2 (a CJK TrueType font
embedded, so "受控文件" stays extractable text) and merged onto every page with pypdf under
a transformation that puts it at the top-left corner of the page *as displayed*: it takes
the page's /Rotate (inherited or not) and its visible box (CropBox ∩ MediaBox, origin
anywhere) into account, so the text reads upright to the viewer.

Encrypted files are refused, even with an empty user password: a controlled copy is never
a decrypted, altered copy of a protected document. Damaged files are reported with the file
name and a short reason, whatever way pypdf fails on them (its own errors or builtins).
"""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from techxfer.errors import TechxferError
from techxfer.reports.fonts import INSTALL_HINT, find_cjk_font

FONT_SIZE = 8.0  # points, on an ordinary page
MARGIN = 12.0  # points between the displayed top-left corner and the box
Matrix = tuple[float, float, float, float, float, float]


class StampError(TechxferError):
    """This PDF cannot be stamped; the message names the file and the reason."""


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


def _overlay(lines: tuple[str, ...], size: float, font: Path) -> tuple[bytes, float, float]:
    """A one-page PDF exactly the size of the stamp box; and that width and height (pt)."""
    from fpdf import FPDF

    pad = size * 0.5
    line_h = size * 1.25
    pdf = FPDF(unit="pt")
    pdf.set_margin(0)
    pdf.set_auto_page_break(False)
    pdf.c_margin = 0  # the cell's own inner padding: the box has its own
    pdf.set_creator("techxfer")
    pdf.add_font("cjk", fname=str(font))  # the slow part: fontTools reads the whole font
    pdf.set_font("cjk", size=size)
    text_w = max(pdf.get_string_width(line) for line in lines)
    width = text_w + 2 * pad
    height = line_h * len(lines) + 2 * pad
    pdf.add_page(format=(width, height))
    border = max(size / 10, 0.3)
    with pdf.local_context(fill_opacity=0.85):
        pdf.set_fill_color(255, 255, 255)
        pdf.rect(0, 0, width, height, style="F")
    pdf.set_draw_color(190, 0, 0)
    pdf.set_line_width(border)
    pdf.rect(border / 2, border / 2, width - border, height - border)
    pdf.set_text_color(190, 0, 0)
    for i, line in enumerate(lines):
        pdf.set_xy(pad, pad + i * line_h)
        pdf.cell(text_w, line_h, line)
    out: Any = pdf.output()
    return bytes(out), width, height


def _visible_box(page: Any) -> tuple[float, float, float, float]:
    """The displayed region in user space: CropBox ∩ MediaBox (x0, y0, x1, y1), normalised."""

    def norm(box: Any) -> tuple[float, float, float, float]:
        a, b, c, d = (float(v) for v in list(box)[:4])
        return min(a, c), min(b, d), max(a, c), max(b, d)

    mx0, my0, mx1, my1 = norm(page.mediabox)
    cx0, cy0, cx1, cy1 = norm(page.cropbox)
    x0, y0, x1, y1 = max(mx0, cx0), max(my0, cy0), min(mx1, cx1), min(my1, cy1)
    if x1 - x0 <= 0 or y1 - y0 <= 0:  # crop box outside the media box: viewers show the media box
        return mx0, my0, mx1, my1
    return x0, y0, x1, y1


def _displayed_to_user(rotation: int, box: tuple[float, float, float, float]
                       ) -> tuple[float, float, Matrix]:
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


def _multiply(first: Matrix, then: Matrix) -> Matrix:
    """The matrix applying FIRST, then THEN (PDF row-vector convention)."""
    a, b, c, d, e, f = first
    A, B, C, D, E, F = then
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
            e * A + f * C + E, e * B + f * D + F)


def _rotation(page: Any) -> int:
    """The page's /Rotate (pypdf resolves inherited values), as 0, 90, 180 or 270. A value
    that is not a multiple of 90 is invalid; viewers ignore it and so do we."""
    try:
        value = int(page.rotation)
    except Exception:
        return 0
    return value % 360 if value % 90 == 0 else 0


def _placement(page: Any, box_w: float, box_h: float) -> Matrix:
    """The matrix taking the stamp page (box_w × box_h) to the displayed top-left corner."""
    try:
        unit = float(page.get("/UserUnit", 1.0))
    except Exception:
        unit = 1.0
    unit = unit if unit > 0 else 1.0
    width, height, to_user = _displayed_to_user(_rotation(page), _visible_box(page))
    if width <= 0 or height <= 0:
        raise ValueError("a page has an empty crop box")
    # Sizes are in points on paper: a page with /UserUnit gets a stamp of the same paper size.
    # Small pages get a smaller margin and box, so the stamp never covers more than a corner.
    margin = min(MARGIN / unit, width / 25, height / 25)
    scale = min(1.0 / unit, (width - 2 * margin) * 0.6 / box_w, (height - 2 * margin) * 0.4 / box_h)
    to_display: Matrix = (scale, 0.0, 0.0, scale, margin, height - margin - scale * box_h)
    return _multiply(to_display, to_user)


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
    from pypdf import PdfReader, PdfWriter, Transformation

    if not lines:
        raise StampError(f"{source}: nothing to stamp (no lines)")
    if b"%PDF-" not in data[:1024]:
        raise StampError(f"{source}: not a PDF file (no %PDF- header)")
    font = find_cjk_font()
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
            for page in writer.pages:
                ref = page.indirect_reference
                if ref is not None and ref.idnum in done:  # one page object listed twice
                    continue
                done.add(ref.idnum if ref is not None else -1)
                stamp, box_w, box_h = overlay(key)
                matrix = _placement(page, box_w, box_h)
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
    return stamped, count
