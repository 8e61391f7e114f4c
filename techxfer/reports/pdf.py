"""The transfer list (转移文件清单) as a PDF an inspector accepts.

Per transfer: its date, id, type, parties and state; the reason; the sender's signature;
every item with its full SHA-256 (wrapped in its cell, never shortened: an inspector
checks it against the file) and the digest binding them; the acknowledgement; the
commits that carried the transfer and its acknowledgement.
The page frame (product and registration number, legal names, verify statement, page X
of Y) is ``pdf_frame``'s, shared with the other reports.
"""

from __future__ import annotations

from techxfer.reports.i18n import heading, label, pdf_word, term, word
from techxfer.reports.pdf_frame import Block, Frame, Heading, Table, Text, render_document
from techxfer.reports.render import ack_text, sig_text, state_word
from techxfer.reports.transfer_list import TransferList, TransferRow


def transfer_list_pdf(report: TransferList) -> bytes:
    frame = Frame.create(report.config, report.commit, report.lang, report.verified,
                         report.generated)
    blocks: list[Block] = []
    if not report.rows:
        blocks.append(Text(label(report.lang, "none")))
    for row in report.rows:
        blocks.extend(_transfer(row, report.lang))
    return render_document(frame, label(report.lang, "title"), blocks)


def _transfer(row: TransferRow, lang: str) -> list[Block]:
    tx = row.transfer
    reason = tx.reason + (f" ({tx.change_ref})" if tx.change_ref else "")
    blocks: list[Block] = [
        Heading(f"{tx.date.isoformat(sep=' ', timespec='minutes')}   {tx.id}   "
                f"{term('type', tx.type, lang)}   "
                f"{tx.sender} → {tx.recipient}   [{state_word(row.state, lang)}]"),
        Text(f"{heading(lang, 'reason')}{reason}"),
        Text(f"{heading(lang, 'sent')}{sig_text(row.sender, lang)}"),
    ]
    if row.lines:
        blocks.append(Table(
            (label(lang, "doc_id"), label(lang, "title_col"), label(lang, "rev"),
             label(lang, "action"), "SHA-256"),
            (22, 50, 9, 12, 57),
            tuple((ln.id, ln.title, ln.revision, term("action", ln.action, lang), ln.sha256)
                  for ln in row.lines)))
    blocks.append(Text(f"{word('heading', lang, label=pdf_word('items_digest', lang))}{tx.manifest_digest}"))
    blocks.append(Text(f"{heading(lang, 'ack')}{ack_text(row, lang)}"))
    if row.comment:
        blocks.append(Text(f"{heading(lang, 'comment')}{row.comment}"))
    commits = [f"{pdf_word('sent_commit', lang)} {row.commit}" if row.commit else "",
               f"{pdf_word('ack_commit', lang)} {row.ack.commit}" if row.ack and row.ack.commit
               else ""]
    if any(commits):
        blocks.append(Text(" · ".join(c for c in commits if c)))
    return blocks
