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
    from fpdf import FPDF, FontFace

    lang = frame.lang
    face: Typeface

    def fit(text: str) -> str:
        return face.fit(shown(text))

    class Document(FPDF):
        def header(self) -> None:
            self.set_font(face.family, size=13)
            self.multi_cell(0, 7, fit(title), new_x="LMARGIN", new_y="NEXT")
            self.set_font(face.family, size=8)
            for line in frame.header_lines():
                self.multi_cell(0, 4.2, fit(line), new_x="LMARGIN", new_y="NEXT")
            self.ln(2)

        def footer(self) -> None:
            self.set_y(-17)
            self.set_font(face.family, size=7)
            self.multi_cell(0, 3.6, fit(frame.statement()), new_x="LMARGIN", new_y="NEXT")
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
            pdf.multi_cell(0, 5.5, fit(block.text), fill=True, new_x="LMARGIN", new_y="NEXT")
        elif isinstance(block, Text):
            pdf.set_font(face.family, size=8)
            pdf.multi_cell(0, 4.2, fit(block.text), new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.set_font(face.family, size=7)
            heads = FontFace(emphasis="", fill_color=(240, 240, 240))
            with pdf.table(col_widths=block.widths, text_align="LEFT", line_height=3.4,
                           headings_style=heads, padding=0.8) as table:
                for row in (block.heads, *block.rows):
                    cells = table.row()
                    for value in row:
                        cells.cell(fit(value))
            pdf.ln(1)
    data: Any = pdf.output()
    return bytes(data)
