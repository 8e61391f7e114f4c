"""Finding a font for the PDFs (the four reports, controlled-copy stamp), and keeping every
character visible in it.

techxfer ships no font. Text that fpdf2's built-in Helvetica can show (Latin-1: English and
most West-European text) needs none: ``font_for`` returns None and the PDF uses Helvetica.
Anything else (Chinese, and also "→", "…", "€") needs a TrueType font installed on the
system, and the CJK font found here covers it. The search is cheap: TECHXFER_CJK_FONT,
then a few known paths, then one glob over the font folders.

A font never has every character. fpdf2 draws a character its font lacks as nothing (and
only logs it), which on a signed record would hide text; ``Typeface.fit`` writes such a
character as a plain substitute the font has ("—" as "-") or as a visible escape
(``\\U0001f642``), never as a gap.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from techxfer.errors import UsageError

KNOWN = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simsun.ttc",
)
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path("~/.local/share/fonts"))
PATTERNS = ("*wqy*.tt?", "*NotoSansCJK*.tt?", "*NotoSerifCJK*.tt?", "*SourceHanSans*.tt?",
            "*NotoSansSC*.?tf", "*DroidSansFallback*.ttf")
INSTALL_HINT = ("install a CJK font, e.g. on Debian/Ubuntu: apt-get install fonts-wqy-microhei "
                "(or fonts-noto-cjk); or point TECHXFER_CJK_FONT at a .ttf/.ttc/.otf file")


BUILTIN_FAMILY = "helvetica"  # fpdf2's core font: nothing embedded, Latin-1 only
CJK_FAMILY = "cjk"  # the family name the CJK font is registered under
# fpdf2 encodes text in a core font with FPDF.core_fonts_encoding, "latin-1" by default.
BUILTIN_ENCODING = "latin-1"


def builtin_font_shows(text: str) -> bool:
    """Whether fpdf2's built-in Helvetica can show every character of TEXT."""
    try:
        text.encode(BUILTIN_ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def font_for(*texts: str) -> Path | None:
    """The font file a PDF showing TEXTS needs: None when the built-in Helvetica shows them
    all (use ``BUILTIN_FAMILY``, no font needed on the system); otherwise the CJK font, and a
    UsageError naming the package to install when there is none."""
    for text in texts:
        if not builtin_font_shows(text):
            needed = next(ch for ch in text if not builtin_font_shows(ch))
            return find_cjk_font(needed)
    return None


def add_font_for(pdf: Any, *texts: str) -> str:
    """Register on the fpdf2 document PDF the font TEXTS need (see ``font_for``) and return
    the family to give ``pdf.set_font``: ``BUILTIN_FAMILY`` or ``CJK_FAMILY``."""
    font = font_for(*texts)
    if font is None:
        return BUILTIN_FAMILY
    pdf.add_font(CJK_FAMILY, fname=str(font))
    return CJK_FAMILY


def find_cjk_font(needed: str = "") -> Path:
    """The CJK font to use; UsageError saying what to install when there is none. NEEDED,
    when given, is a character the caller must show (named in the message)."""
    override = os.environ.get("TECHXFER_CJK_FONT")
    if override:
        path = Path(override)
        if not path.is_file():
            raise UsageError(f"TECHXFER_CJK_FONT={override}: no such font file", hint=INSTALL_HINT)
        return path
    for known in KNOWN:
        if Path(known).is_file():
            return Path(known)
    for folder in FONT_DIRS:
        base = folder.expanduser()
        if base.is_dir():
            for pattern in PATTERNS:
                for found in sorted(base.rglob(pattern)):
                    if found.is_file():
                        return found
    what = (f"a font that can show {needed!r} (U+{ord(needed):04X})" if needed and not _is_cjk(needed)
            else "a font with Chinese characters")
    raise UsageError(f"PDF output needs {what} and none was found", hint=INSTALL_HINT)


def _is_cjk(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


# Typographic characters and the plain text that stands for them in a font without them;
# a report written with these needs no font beyond the built-in one.
SUBSTITUTES = {"\u2014": "-", "\u2013": "-", "\u2192": "->", "\u2026": "...", "\u2018": "'",
               "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2022": "\u00b7", "\t": " "}


def plain(text: str) -> str:
    """TEXT with each typographic character in ``SUBSTITUTES`` written plainly."""
    if text.isascii():
        return text
    return "".join(SUBSTITUTES.get(ch, ch) for ch in text)


@dataclass(frozen=True)
class Typeface:
    """The font family a PDF draws in, and which characters it has (None: the built-in
    Helvetica, which has Latin-1)."""

    family: str
    glyphs: frozenset[int] | None

    def has(self, char: str) -> bool:
        if self.glyphs is None:
            return builtin_font_shows(char) and char != "\t"
        return ord(char) in self.glyphs

    def fit(self, text: str) -> str:
        """TEXT in characters this font has: a missing one becomes its plain substitute
        when the font has that, else a visible escape."""
        if all(self.has(ch) for ch in text):
            return text
        out = []
        for ch in text:
            sub = SUBSTITUTES.get(ch)
            if self.has(ch):
                out.append(ch)
            elif sub is not None and all(self.has(c) for c in sub):
                out.append(sub)
            else:
                code = ord(ch)
                out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        return "".join(out)


def typeface_for(pdf: Any, *texts: str) -> Typeface:
    """Register on the fpdf2 document PDF the one font its TEXTS need and return it: the
    built-in Helvetica when they are Latin-1 once typographic characters are written
    plainly, else the CJK font (UsageError naming what to install when there is none)."""
    family = add_font_for(pdf, *(plain(t) for t in texts))
    if family == BUILTIN_FAMILY:
        return Typeface(family, None)
    return Typeface(family, frozenset(pdf.fonts[family].cmap))
