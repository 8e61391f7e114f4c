"""Renderers of the transfer list: table, Markdown, CSV, JSON (PDF is in ``pdf.py``).

Text from the records is shown escaped (``text.shown``) in every format but JSON, which
keeps it exact; a CSV cell never starts a formula.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import datetime

from techxfer.reports.i18n import heading, label, ljust, term, word
from techxfer.reports.text import cell, md_cell, shown
from techxfer.reports.transfer_list import Signature, TransferList, TransferRow


def state_word(state: str, lang: str) -> str:
    return term("state", state, lang) if lang == "zh" else state.upper()


def sig_text(sig: Signature, lang: str = "en") -> str:
    """Printed name, date and time with zone, and meaning (21 CFR 11.50); and when the
    server's witness received it, where a receipt shows it."""
    text = word("signature", lang, name=sig.printed_name, party=sig.party,
                role=term("role", sig.role, lang), meaning=term("meaning", sig.meaning, lang),
                when=sig.when.isoformat(sep=" ", timespec="seconds"))
    if sig.received is not None:
        text += f" — {received_text(sig.received, lang)}"
    return text


def received_text(when: datetime, lang: str) -> str:
    return word("received", lang, when=when.isoformat(sep=" ", timespec="seconds"))


def ack_text(row: TransferRow, lang: str) -> str:
    if row.ack is None:
        return word("due", lang, state=state_word(row.state, lang), date=row.due.date())
    return sig_text(row.ack, lang)


def render_table(report: TransferList, print_line: Callable[[str], None]) -> None:
    lang = report.lang

    def echo(line: str) -> None:  # each line one line, whatever the records hold
        print_line(shown(line))

    echo(f"{label(lang, 'title')} — {', '.join(p.name for p in report.config.repo.products)} "
         f"@ {report.commit[:10]}")
    if not report.rows:
        echo(f"  {word('bracketed', lang, text=label(lang, 'none'))}")
    for row in report.rows:
        tx = row.transfer
        echo("")
        echo(f"{tx.date.isoformat(sep=' ', timespec='minutes')}  {tx.id}  {term('type', tx.type, lang)}  "
             f"{tx.sender} → {tx.recipient}  [{state_word(row.state, lang)}]")
        echo(f"  {heading(lang, 'reason')}{tx.reason}" + (f" ({tx.change_ref})" if tx.change_ref else ""))
        echo(f"  {heading(lang, 'sent')}{sig_text(row.sender, lang)}")
        for ln in row.lines:
            echo(f"    {ljust(term('action', ln.action, lang), 8)} {ln.id:<14} {label(lang, 'rev')} "
                 f"{ln.revision:<4} "
                 f"{ln.sha256[:16]}…  {ln.title}")
        echo(f"  {heading(lang, 'ack')}{ack_text(row, lang)}")
        if row.comment:
            echo(f"  {heading(lang, 'comment')}{row.comment}")


def render_markdown(report: TransferList) -> str:
    lang = report.lang
    lines: list[str] = []

    def out(line: str = "") -> None:  # each line one line, whatever the records hold
        lines.append(shown(line))

    repo = report.config.repo
    out(f"# {label(lang, 'title')}")
    out()
    out(f"- {heading(lang, 'product')}{', '.join(p.name for p in repo.products)}")
    out(f"- {heading(lang, 'registrant')}{repo.registrant}; "
        f"{heading(lang, 'manufacturer')}{repo.manufacturer}")
    if repo.quality_agreement:
        out(f"- {heading(lang, 'agreement')}{repo.quality_agreement}")
    out(f"- {heading(lang, 'commit')}`{report.commit}`")
    out()
    for row in report.rows:
        tx = row.transfer
        out(f"## {tx.id} — {tx.date.isoformat(sep=' ', timespec='minutes')} — "
            f"{term('type', tx.type, lang)}")
        out()
        out(f"{heading(lang, 'reason')}{tx.reason}")
        out()
        out(f"{heading(lang, 'sent')}{sig_text(row.sender, lang)}")
        out()
        out(f"| {label(lang, 'doc_id')} | {label(lang, 'title_col')} | {label(lang, 'rev')} | "
            f"{label(lang, 'action')} | SHA-256 |")
        out("|---|---|---|---|---|")
        for ln in row.lines:
            out(f"| {md_cell(ln.id)} | {md_cell(ln.title)} | {md_cell(ln.revision)} | "
                f"{md_cell(term('action', ln.action, lang))} | `{md_cell(ln.sha256)}` |")
        out()
        out(f"{heading(lang, 'ack')}{ack_text(row, lang)}")
        out()
    return "\n".join(lines) + "\n"


CSV_COLUMNS = ["transfer", "date", "type", "from", "to", "reason", "change_ref",
               "sent_by", "sent_role", "item_id", "title", "revision", "action", "sha256",
               "state", "ack_by", "ack_role", "ack_meaning", "ack_date", "transfer_commit",
               "sent_received_by_server", "ack_received_by_server"]


def render_csv(report: TransferList) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)

    def write_row(cells: list[str]) -> None:
        writer.writerow([cell(c) for c in cells])

    for row in report.rows:
        tx, ack = row.transfer, row.ack
        for ln in row.lines or (None,):
            write_row([
                tx.id, tx.date.isoformat(timespec="seconds"), tx.type, tx.sender, tx.recipient,
                tx.reason, tx.change_ref or "", row.sender.printed_name, row.sender.role,
                ln.id if ln else "", ln.title if ln else "", ln.revision if ln else "",
                ln.action if ln else "", ln.sha256 if ln else "", row.state,
                ack.printed_name if ack else "", ack.role if ack else "",
                ack.meaning if ack else "", ack.when.isoformat(timespec="seconds") if ack else "",
                row.commit or "", _received(row.sender), _received(ack),
            ])
    return out.getvalue()


def _received(sig: Signature | None) -> str:
    return sig.received.isoformat(timespec="seconds") if sig and sig.received else ""


def render_json(report: TransferList) -> str:
    """The report object, its header indented and one transfer a line: readable, and made
    by the C encoder (``indent`` would use the pure-Python one, 10x slower on 1,000
    transfers)."""
    data = report.as_json()
    rows = data.pop("transfers")
    head = json.dumps(data, ensure_ascii=False, indent=2)
    body = ",\n    ".join(json.dumps(row, ensure_ascii=False) for row in rows)
    transfers = f'"transfers": [\n    {body}\n  ]' if rows else '"transfers": []'
    return f"{head[:-2]},\n  {transfers}\n}}" if data else f"{{\n  {transfers}\n}}"
