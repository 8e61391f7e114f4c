"""The transfer list as an inspection-ready PDF (fpdf2, read back with pypdf in tests).

Header: product, both parties, quality-agreement reference; footer: page n/N, the
repository commit the list was made from and whether ``techxfer verify`` was clean at
that commit. Chinese text needs a CJK font on the system (``reports.fonts``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from techxfer.reports.i18n import label, page, term
from techxfer.reports.render import ack_text, sig_text, state_word
from techxfer.reports.text import shown
from techxfer.reports.transfer_list import TransferList


def transfer_list_pdf(report: TransferList, font: Path) -> bytes:
    from fpdf import FPDF

    lang = report.lang
    repo = report.config.repo
    verified = (label(lang, "unknown") if report.verified is None
                else label(lang, "clean") if report.verified else label(lang, "findings"))

    class Doc(FPDF):
        def header(self) -> None:
            self.set_font("cjk", size=13)
            self.cell(0, 7, label(lang, "title"), new_x="LMARGIN", new_y="NEXT")
            self.set_font("cjk", size=8)
            products = ", ".join(p.name_zh if lang == "zh" and p.name_zh else p.name
                                 for p in repo.products)
            reg = report.config.parties.resolve(repo.registrant)
            man = report.config.parties.resolve(repo.manufacturer)
            lines = [
                f"{label(lang, 'product')}: {products}",
                f"{label(lang, 'registrant')}: {reg.display(lang) if reg else repo.registrant}"
                f"  ·  {label(lang, 'manufacturer')}: {man.display(lang) if man else repo.manufacturer}",
            ]
            if repo.quality_agreement:
                lines.append(f"{label(lang, 'agreement')}: {repo.quality_agreement}")
            for line in lines:
                self.cell(0, 4.5, shown(line), new_x="LMARGIN", new_y="NEXT")
            self.ln(2)

        def footer(self) -> None:
            self.set_y(-14)
            self.set_font("cjk", size=7)
            self.cell(0, 4, f"{label(lang, 'commit')} {report.commit}  ·  "
                            f"{label(lang, 'verified')}: {verified}  ·  "
                            f"{report.generated.isoformat(sep=' ', timespec='seconds')}",
                      new_x="LMARGIN", new_y="NEXT")
            self.cell(0, 4, page(lang, self.page_no(), "{nb}"), align="R")

    pdf = Doc(format="A4")
    pdf.set_creator("techxfer")
    pdf.set_title(label(lang, "title"))
    pdf.add_font("cjk", fname=str(font))
    pdf.alias_nb_pages()
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    if not report.rows:
        pdf.set_font("cjk", size=10)
        pdf.cell(0, 6, label(lang, "none"))
    for row in report.rows:
        _transfer(pdf, row, lang)
    data: Any = pdf.output()
    return bytes(data)


def _transfer(pdf: Any, row: Any, lang: str) -> None:
    tx = row.transfer
    width = pdf.epw
    pdf.set_font("cjk", size=10)
    pdf.set_fill_color(235, 235, 235)
    pdf.multi_cell(width, 6, shown(f"{tx.date.isoformat(sep=' ', timespec='minutes')}   {tx.id}   "
                                   f"{term('type', tx.type, lang)}   {tx.sender} → {tx.recipient}   "
                                   f"[{state_word(row.state, lang)}]"), fill=True,
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=8)
    reason = tx.reason + (f" ({tx.change_ref})" if tx.change_ref else "")
    pdf.multi_cell(width, 4.5, shown(f"{label(lang, 'reason')}: {reason}"), new_x="LMARGIN",
                   new_y="NEXT")
    pdf.multi_cell(width, 4.5, shown(f"{label(lang, 'sent')}: {sig_text(row.sender, lang)}"),
                   new_x="LMARGIN", new_y="NEXT")
    if row.lines:
        cols = (26, 64, 12, 16, width - 118)
        heads = (label(lang, "doc_id"), label(lang, "title_col"), label(lang, "rev"), label(lang, "action"),
                 "SHA-256")
        pdf.set_font("cjk", size=7)
        for w, h in zip(cols, heads, strict=True):
            pdf.cell(w, 4.5, h, border="B")
        pdf.ln()
        for ln in row.lines:
            values = (ln.id, ln.title, ln.revision, term("action", ln.action, lang), ln.sha256)
            for w, v in zip(cols, values, strict=True):
                pdf.cell(w, 4.2, _fit(pdf, shown(v), w))
            pdf.ln()
    pdf.set_font("cjk", size=8)
    pdf.multi_cell(width, 4.5, shown(f"{label(lang, 'ack')}: {ack_text(row, lang)}"),
                   new_x="LMARGIN", new_y="NEXT")
    if row.comment:
        pdf.multi_cell(width, 4.5, shown(f"{label(lang, 'comment')}: {row.comment}"),
                       new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _fit(pdf: Any, text: str, width: float) -> str:
    if pdf.get_string_width(text) <= width - 1:
        return text
    while text and pdf.get_string_width(text + "…") > width - 1:
        text = text[:-1]
    return text + "…"
