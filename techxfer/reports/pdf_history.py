"""``techxfer log ID`` and ``techxfer signatures`` as PDFs, in the shared page frame.

The history lists every revision with its full SHA-256 and commit, who signed it and
whether the signature verified, then the transfers that carried it; the trail lists every
signature with its meaning and the full commit it signs.
"""

from __future__ import annotations

from datetime import datetime

from techxfer.reports.history import DocHistory, SignatureEvent
from techxfer.reports.i18n import label, pdf_term, pdf_word, term
from techxfer.reports.pdf_frame import Block, Frame, Heading, Table, Text, render_document
from techxfer.reports.render import state_word


def _when(when: datetime | None, timespec: str = "seconds") -> str:
    return when.isoformat(sep=" ", timespec=timespec) if when is not None else ""


def history_pdf(history: DocHistory, frame: Frame) -> bytes:
    lang = frame.lang
    blocks: list[Block] = [
        Heading(f"{history.id} — {history.title}"),
        Text(f"{pdf_word('path', lang)}: {history.path} · "
             f"{pdf_word('register', lang)}: {history.manifest}"),
        Heading(pdf_word("revisions", lang)),
    ]
    if history.revisions:
        blocks.append(Table(
            (label(lang, "date"), label(lang, "rev"), pdf_word("status", lang), "SHA-256",
             label(lang, "commit"), pdf_word("signed_by", lang), pdf_word("message", lang),
             pdf_word("received_col", lang)),
            (24, 9, 14, 50, 36, 40, 44, 24),
            tuple((_when(r.when), r.revision, r.status, r.sha256, r.commit, r.signed_by.text(),
                   r.subject, _when(r.received)) for r in history.revisions)))
    else:
        blocks.append(Text(pdf_word("no_revision", lang)))
    blocks.append(Heading(pdf_word("transfers", lang)))
    if history.transfers:
        blocks.append(Table(
            (label(lang, "id"), label(lang, "date"), label(lang, "to"), label(lang, "rev"),
             label(lang, "action"), "SHA-256", label(lang, "state"), label(lang, "ack")),
            (40, 24, 16, 9, 14, 50, 18, 50),
            tuple((t.transfer, _when(t.date, "minutes"), t.to, t.revision, t.action, t.sha256,
                   state_word(t.state, lang),
                   f"{t.ack_by} {_when(t.ack_date, 'minutes')}" if t.ack_by else "")
                  for t in history.transfers)))
    else:
        blocks.append(Text(label(lang, "none")))
    if history.steps:
        blocks.append(Heading(pdf_word("lifecycle", lang)))
        blocks.append(Table(
            (label(lang, "date"), label(lang, "rev"), pdf_word("meaning", lang),
             pdf_word("signed_by", lang), pdf_word("lifecycle_detail", lang), label(lang, "id")),
            (30, 9, 20, 60, 40, 40),
            tuple((_when(s.when), s.revision, pdf_term(s.meaning, lang),
                   f"{s.name} ({s.party}:{s.person}, {term('role', s.role, lang)})",
                   s.detail, s.transfer or s.record) for s in history.steps)))
    title = f"{pdf_word('history_title', lang)}: {history.id}"
    return render_document(frame, title, blocks, landscape=True)


def trail_pdf(events: list[SignatureEvent], frame: Frame) -> bytes:
    lang = frame.lang
    blocks: list[Block] = []
    if events:
        blocks.append(Table(
            (label(lang, "date"), pdf_word("signed_by", lang), pdf_word("signature", lang),
             pdf_word("kind", lang), pdf_word("meaning", lang), pdf_word("record", lang),
             label(lang, "commit"), pdf_word("received_col", lang)),
            (24, 40, 16, 22, 22, 54, 36, 24),
            tuple((_when(e.when), e.signed_by.text(), pdf_term(e.signed_by.status, lang),
                   pdf_term(e.kind, lang), pdf_term(e.meaning, lang), e.what, e.commit,
                   _when(e.received)) for e in events)))
    else:
        blocks.append(Text(pdf_word("no_signatures", lang)))
    return render_document(frame, pdf_word("trail_title", lang), blocks, landscape=True)
