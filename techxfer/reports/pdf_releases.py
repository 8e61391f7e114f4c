"""``techxfer releases --format pdf``: the release register as a printout, in the shared
page frame.

Per batch, every release signature (the ones in force and the ones a re-release after
rework superseded), each with the signer's printed name, party and role, the date and time
with its zone, the meaning (21 CFR 11.50) and the full commit that recorded it; then the
batch records the production release in force lists, each with its full SHA-256, and the
deviations it lists as closed, with the transfer and the approval that closed each.
"""

from __future__ import annotations

from techxfer.reports.i18n import label, pdf_word, term, word
from techxfer.reports.pdf_frame import Block, Frame, Heading, Table, Text, render_document
from techxfer.reports.releases import BatchRow, ReleaseRegister, SignedRelease, words


def releases_pdf(report: ReleaseRegister, frame: Frame) -> bytes:
    lang = frame.lang
    blocks: list[Block] = []
    if not report.rows:
        blocks.append(Text(words("none", lang)))
    for row in report.rows:
        blocks += _batch(row, lang)
    return render_document(frame, pdf_word("releases_title", lang), blocks, landscape=True)


def _batch(row: BatchRow, lang: str) -> list[Block]:
    signed = [s for s in (row.production, row.market) if s is not None]
    blocks: list[Block] = [
        Heading(f"{row.batch} — {words(row.state, lang)}"),
        Table((pdf_word("release_step", lang), pdf_word("release_state", lang),
               pdf_word("release_signer", lang), pdf_word("release_when", lang),
               pdf_word("release_meaning", lang), pdf_word("release_commit", lang),
               pdf_word("release_comment", lang)),
              (20, 14, 40, 26, 14, 44, 62),
              tuple(_signature(s, lang) for s in [*signed, *row.superseded])),
    ]
    if row.records:
        blocks.append(Text(pdf_word("release_records", lang)))
        blocks.append(Table((label(lang, "doc_id"), pdf_word("path", lang), label(lang, "rev"),
                             "SHA-256"), (40, 70, 12, 98),
                            tuple((r["id"], r["path"], r["revision"], r["sha256"])
                                  for r in row.records)))
    blocks.append(Text(pdf_word("release_deviations", lang)))
    if row.deviations:
        blocks.append(Table((label(lang, "doc_id"), label(lang, "rev"), "SHA-256",
                             pdf_word("release_comment", lang)), (30, 12, 90, 88),
                            tuple((d["id"], d["revision"], d["sha256"],
                                   pdf_word("release_closed_by", lang, tx=d["transfer"],
                                            commit=d["approval_commit"]))
                                  for d in row.deviations)))
    else:
        blocks.append(Text(word("none_ref", lang)))
    return blocks


def _signature(s: SignedRelease, lang: str) -> tuple[str, ...]:
    sig = s.signature
    notes = [sig.comment]
    if s.production_commit:
        notes.append(pdf_word("release_bound", lang, commit=s.production_commit))
    if s.supersedes is not None:
        notes.append(pdf_word("release_supersedes", lang, commit=s.supersedes.commit,
                              reason=s.supersedes.reason))
    if s.superseded_by:
        notes.append(pdf_word("release_superseded_by", lang, commit=s.superseded_by))
    state = pdf_word("release_superseded" if s.superseded_by else "release_in_force", lang)
    return (words(s.step, lang), state,
            f"{s.printed_name} ({sig.party}, {term('role', sig.role, lang)})",
            sig.date.isoformat(sep=" ", timespec="seconds"), term("meaning", sig.meaning, lang),
            s.commit or "", " · ".join(notes))
