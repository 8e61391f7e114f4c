"""The page frame every techxfer PDF shares, and the drawing of a report's blocks in it.

An inspector reads a printout, not a repository, so each page says what it belongs to:
the header names the product with its registration number (注册证编号) and both parties
by their legal names; the footer states the commit the report was made from, whether
``techxfer verify`` was clean there, and "Page X of Y". A report renderer describes its
content as blocks (headings, text, tables) and ``render_document`` draws them: one font
for the whole document (``fonts.typeface_for``), every text made safe (``text.shown``)
and written in characters that font has, hashes printed whole and wrapped in their cell.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from techxfer.model.parties import Party
from techxfer.model.times import now
from techxfer.reports.fonts import Typeface, typeface_for
from techxfer.reports.i18n import label, page, pdf_word
from techxfer.reports.text import shown
from techxfer.state.config import Config
from techxfer.state.records import committed
from techxfer.state.workspace import Workspace


@dataclass(frozen=True)
class Frame:
    """What the header and footer of every page say."""

    lang: str
    commit: str
    products: tuple[str, ...]  # each with its registration number
    registrant: str  # legal names
    manufacturer: str
    agreement: str | None
    verified: bool | None  # None: the audit was not run
    generated: datetime = field(default_factory=now)

    @classmethod
    def create(cls, config: Config, commit: str, lang: str, verified: bool | None,
               generated: datetime | None = None) -> Frame:
        repo = config.repo
        registration = pdf_word("registration", lang)
        products = tuple(
            (p.name_zh if lang == "zh" and p.name_zh else p.name)
            + (f"  ({registration}: {p.registration})" if p.registration else "")
            for p in repo.products)
        return cls(lang, commit, products,
                   legal_name(config.parties.resolve(repo.registrant), repo.registrant, lang),
                   legal_name(config.parties.resolve(repo.manufacturer), repo.manufacturer, lang),
                   repo.quality_agreement, verified, generated or now())

    def header_lines(self) -> list[str]:
        lang = self.lang
        lines = [f"{label(lang, 'product')}: {p}" for p in self.products]
        lines.append(f"{label(lang, 'registrant')}: {self.registrant}")
        lines.append(f"{label(lang, 'manufacturer')}: {self.manufacturer}")
        if self.agreement:
            lines.append(f"{label(lang, 'agreement')}: {self.agreement}")
        return lines

    def statement(self) -> str:
        """The verify statement: the commit and the audit's verdict there."""
        lang = self.lang
        verdict = (label(lang, "unknown") if self.verified is None
                   else label(lang, "clean") if self.verified else label(lang, "findings"))
        return (f"{pdf_word('made_from', lang)} {self.commit} · "
                f"{label(lang, 'verified')}: {verdict}")

    def generated_line(self) -> str:
        return f"{pdf_word('generated', self.lang)}: " \
               f"{self.generated.isoformat(sep=' ', timespec='seconds')}"


def legal_name(party: Party | None, party_id: str, lang: str) -> str:
    """A party's legal name (its registered ``name``), with its English name beside it in
    an English report."""
    if party is None:
        return party_id
    if lang != "zh" and party.name_en and party.name_en != party.name:
        return f"{party.name} ({party.name_en})"
    return party.name


def verified_at(ws: Workspace, commit: str,
                progress: Callable[[int, int], None] | None = None) -> bool:
    """Whether ``techxfer verify`` is clean at COMMIT, the server's receipt log included;
    it resumes from the audit's checkpoint at that commit when verify ran there. PROGRESS,
    where given, is told (done, total) as commits are judged."""
    from techxfer.audit.preconditions import require_full_history
    from techxfer.audit.walk import Auditor
    from techxfer.rules.receipts import receipt_log

    require_full_history(ws.repo)  # a shallow clone's audit would not be the history's
    receipts = receipt_log(ws.repo, commit)
    return Auditor(ws.repo, ws.cache, receipts=receipts, progress=progress).run(
        commit, resume=True).ok


def frame_at(ws: Workspace, lang: str) -> Frame:
    """The frame of a report made from HEAD, with the audit's verdict there."""
    commit, _, config = committed(ws)
    return Frame.create(config, commit, lang, verified_at(ws, commit))


# -- blocks -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Table:
    heads: tuple[str, ...]
    widths: tuple[float, ...]  # relative
    rows: tuple[tuple[str, ...], ...]


Block = Heading | Text | Table


def _texts(frame: Frame, title: str, blocks: Sequence[Block]) -> Iterator[str]:
    yield title
    yield from frame.header_lines()
    yield frame.statement()
    yield frame.generated_line()
    yield page(frame.lang, 0, 0)
    for block in blocks:
        if isinstance(block, Table):
            yield from block.heads
            for row in block.rows:
                yield from row
        else:
            yield block.text


# -- drawing ------------------------------------------------------------------------------
def render_document(frame: Frame, title: str, blocks: Sequence[Block], *,
                    landscape: bool = False) -> bytes:
    """The PDF of BLOCKS in FRAME: A4, portrait or landscape."""
    from fpdf import FPDF

    lang = frame.lang
    face: Typeface

    def fit(text: str) -> str:
        return face.fit(shown(text))

    widths: dict[tuple[str, float, str], float] = {}

    def measure(char: str) -> float:
        """A character's width in the current font, measured once per document."""
        key = (pdf.font_family, pdf.font_size_pt, char)
        w = widths.get(key)
        if w is None:
            w = widths[key] = pdf.get_string_width(char)
        return w

    def paragraph(text: str, height: float, fill: bool = False) -> None:
        for line in wrap(fit(text), pdf.epw - 2 * pdf.c_margin, measure):
            pdf.cell(0, height, line, fill=fill, new_x="LMARGIN", new_y="NEXT")

    class Document(FPDF):
        def header(self) -> None:
            self.set_font(face.family, size=13)
            paragraph(title, 7)
            self.set_font(face.family, size=8)
            for line in frame.header_lines():
                paragraph(line, 4.2)
            self.ln(2)

        def footer(self) -> None:
            self.set_y(-17)
            self.set_font(face.family, size=7)
            paragraph(frame.statement(), 3.6)
            self.cell(self.epw / 2, 3.6, fit(frame.generated_line()))
            self.cell(0, 3.6, fit(page(lang, self.page_no(), "{nb}")),
                      align="R")

    pdf = Document(orientation="L" if landscape else "P", format="A4")
    face = typeface_for(pdf, *_texts(frame, title, blocks))
    pdf.set_creator("techxfer")
    pdf.set_title(fit(title))
    pdf.alias_nb_pages()
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    for block in blocks:
        if isinstance(block, Heading):
            pdf.ln(1.5)
            pdf.set_font(face.family, size=10)
            pdf.set_fill_color(232, 232, 232)
            paragraph(block.text, 5.5, fill=True)
        elif isinstance(block, Text):
            pdf.set_font(face.family, size=8)
            paragraph(block.text, 4.2)
        else:
            pdf.set_font(face.family, size=7)
            _draw_table(pdf, block, fit, measure)
            pdf.ln(1)
    data: Any = pdf.output()
    return bytes(data)


# Text is wrapped here rather than by fpdf2's ``multi_cell()`` and ``table()``: their line
# breaking measures the growing line again for every character, which made a transfer list
# of a few hundred transfers take tens of seconds. Here each character is measured once.
PADDING = 0.8  # mm inside each cell
LINE = 3.4  # mm per line of 7-point text
HEAD_FILL = (240, 240, 240)


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def _tokens(paragraph: str) -> Iterator[str]:
    """PARAGRAPH in the pieces a line may not break inside: a word with the spaces after
    it, or one wide (CJK) character."""
    token = ""
    for char in paragraph:
        if _wide(char):
            if token:
                yield token
                token = ""
            yield char
        elif char != " " and token.endswith(" "):
            yield token
            token = char
        else:
            token += char
    if token:
        yield token


def wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """TEXT in lines no wider than WIDTH: broken between words and beside wide characters,
    a word wider than a line broken inside it (a SHA-256 is wrapped whole, never cut
    short); its own line breaks kept."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        for token in _tokens(paragraph):
            word = token.rstrip(" ")
            size = sum(measure(c) for c in word)
            spaces = measure(" ") * (len(token) - len(word))
            if line and used + size > width:
                lines.append(line.rstrip(" "))
                line, used = "", 0.0
            if size <= width or not word:
                line, used = line + token, used + size + spaces
                continue
            for char in word:  # wider than a whole line
                w = measure(char)
                if line and used + w > width:
                    lines.append(line)
                    line, used = "", 0.0
                line, used = line + char, used + w
            line, used = line + token[len(word):], used + spaces
        lines.append(line.rstrip(" "))
    return lines


def _draw_table(pdf: Any, block: Table, fit: Callable[[str], str],
                measure: Callable[[str], float]) -> None:
    """BLOCK as a bordered table the width of the page, its heading row shaded and drawn
    again at the top of each page it continues on."""
    scale = pdf.epw / sum(block.widths)
    columns = [w * scale for w in block.widths]
    pdf.set_line_width(0.2)

    def laid(row: Sequence[str]) -> tuple[list[list[str]], float]:
        cells = [wrap(fit(value), col - 2 * PADDING, measure)
                 for value, col in zip(row, columns, strict=True)]
        return cells, max(len(c) for c in cells) * LINE + 2 * PADDING

    def draw(cells: list[list[str]], height: float, fill: bool) -> None:
        x, y = pdf.l_margin, pdf.get_y()
        if fill:
            pdf.set_fill_color(*HEAD_FILL)
        for lines, col in zip(cells, columns, strict=True):
            pdf.rect(x, y, col, height, style="DF" if fill else "D")
            top = y + (height - len(lines) * LINE) / 2  # centred, as a row's shorter cells
            for i, text in enumerate(lines):
                if text:
                    pdf.set_xy(x + PADDING, top + i * LINE)
                    pdf.cell(col - 2 * PADDING, LINE, text)
            x += col
        pdf.set_xy(pdf.l_margin, y + height)

    heads, head_height = laid(block.heads)
    if pdf.get_y() + head_height + LINE + 2 * PADDING > pdf.page_break_trigger:
        pdf.add_page()
    draw(heads, head_height, True)
    for row in block.rows:
        cells, height = laid(row)
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
            draw(heads, head_height, True)
        draw(cells, height, False)
