"""The controlled-copy stamp: a visible text box on every page, upright as displayed.

No rasterising: the stamp is a small PDF page made with fpdf2 (a CJK font embedded, so
"受控文件" stays extractable text) and merged onto each page with pypdf under a
transformation that undoes the page's /Rotate and moves it into the page's crop box.
Encrypted files are refused (a controlled copy is never a decrypted altered copy), and
damaged files are reported, whatever way pypdf fails on them.
"""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from techxfer.errors import TechxferError

MARGIN = 12.0  # points from the displayed top-left corner


class StampError(TechxferError):
    """This PDF cannot be stamped; the message names the file and the reason."""


@contextmanager
def _quiet() -> Iterator[None]:
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


@lru_cache(maxsize=32)
def _overlay(lines: tuple[str, ...], size: float, width: float, height: float) -> bytes:
    """A page of the displayed page's size with the stamp box at its top-left corner."""
    from fpdf import FPDF

    from techxfer.fonts import find_cjk_font

    pdf = FPDF(unit="pt", format=(width, height))
    pdf.set_margin(0)
    pdf.set_auto_page_break(False)
    pdf.add_font("cjk", fname=str(find_cjk_font()))
    pdf.add_page()
    pdf.set_font("cjk", size=size)
    line_h = size * 1.3
    box_w = max(pdf.get_string_width(line) for line in lines) + size
    box_h = line_h * len(lines) + size * 0.6
    margin = min(MARGIN, width / 20, height / 20)
    pdf.set_draw_color(200, 0, 0)
    pdf.set_text_color(200, 0, 0)
    pdf.set_line_width(max(size / 10, 0.3))
    pdf.rect(margin, margin, box_w, box_h)
    for i, line in enumerate(lines):
        pdf.set_xy(margin + size / 2, margin + size * 0.3 + i * line_h)
        pdf.cell(box_w - size, line_h, line)
    data: Any = pdf.output()
    return bytes(data)


def _placement(rotation: int, box: Any) -> tuple[float, float, tuple[float, ...]]:
    """Displayed width and height, and the matrix taking displayed coordinates (origin at
    the displayed bottom-left) to the page's user space."""
    x0, y0 = float(box.left), float(box.bottom)
    w, h = float(box.width), float(box.height)
    r = rotation % 360
    if r == 90:
        return h, w, (0, 1, -1, 0, x0 + w, y0)
    if r == 180:
        return w, h, (-1, 0, 0, -1, x0 + w, y0 + h)
    if r == 270:
        return h, w, (0, -1, 1, 0, x0, y0 + h)
    return w, h, (1, 0, 0, 1, x0, y0)


def stamp_pdf(data: bytes, lines: Sequence[str], source: str) -> tuple[bytes, int]:
    """Stamp every page; return the stamped PDF and its page count. StampError if not."""
    from pypdf import PdfReader, PdfWriter, Transformation

    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise StampError(f"{source}: not a PDF file (no %PDF header)")
    with _quiet():
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise StampError(f"{source}: encrypted PDF, not stamped (a controlled copy is "
                                 "made from an unencrypted original)")
            count = len(reader.pages)
            if count == 0:
                raise StampError(f"{source}: the PDF has no pages")
            writer = PdfWriter(clone_from=reader)
            for page in writer.pages:
                box = page.cropbox
                width, height, ctm = _placement(int(page.rotation or 0), box)
                if width <= 0 or height <= 0:
                    raise StampError(f"{source}: a page has an empty crop box")
                size = max(3.0, min(8.0, width / 45))
                overlay = PdfReader(io.BytesIO(_overlay(tuple(lines), size, width, height)))
                page.merge_transformed_page(overlay.pages[0], Transformation(ctm))  # type: ignore[arg-type]
            out = io.BytesIO()
            writer.write(out)
            stamped = out.getvalue()
            check = PdfReader(io.BytesIO(stamped), strict=False)
            if len(check.pages) != count:
                raise StampError(f"{source}: stamping changed the page count "
                                 f"({count} → {len(check.pages)})")
        except StampError:
            raise
        except TechxferError:
            raise
        except RecursionError:
            raise StampError(f"{source}: damaged PDF (its object structure loops)") from None
        except Exception as exc:  # pypdf fails on damaged files in many ways
            reason = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else ""
            raise StampError(f"{source}: damaged or unreadable PDF "
                             f"({type(exc).__name__}{': ' + reason if reason else ''})") from None
    return stamped, count
