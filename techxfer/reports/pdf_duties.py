"""``techxfer duties --format pdf``: the duties calendar as a printout, in the shared page
frame (product, parties, the commit and the audit's verdict there, "Page X of Y").

The lines are the table's (``duties.shown_duties``): each duty's state, due date, what it
is, who owes it, for what, the record that did it, and the clause it comes from. With
``--people``, the key positions and their holders at the report's date follow, with every
change of holders.
"""

from __future__ import annotations

from techxfer.reports.duties import (
    DutiesReport,
    PeopleReport,
    done_text,
    shown_duties,
    summary,
    word,
)
from techxfer.reports.i18n import pdf_word, term
from techxfer.reports.pdf_frame import Block, Frame, Heading, Table, Text, render_document


def duties_pdf(report: DutiesReport, frame: Frame, people: PeopleReport | None = None,
               show_all: bool = False) -> bytes:
    lang = frame.lang
    blocks: list[Block] = [
        Text(word("title", lang, as_of=report.as_of.isoformat(), commit=report.commit,
                  start=report.start.isoformat())),
        Table(tuple(word("header", lang).split("|")), (16, 18, 44, 16, 34, 46, 40),
              tuple((word(d.state, lang), d.due.isoformat(), word(d.kind, lang), d.party,
                     d.subject, done_text(d, lang), d.clause)
                    for d in shown_duties(report, show_all))),
        Text(summary(report, lang)),
    ]
    if people is not None:
        blocks += _people(people, lang)
    return render_document(frame, pdf_word("duties_title", lang), blocks, landscape=True)


def _people(report: PeopleReport, lang: str) -> list[Block]:
    if report.in_force is None:
        start = report.start.isoformat(timespec="seconds") if report.start else "-"
        return [Heading(pdf_word("key_positions", lang)),
                Text(word("before_first", lang, as_of=report.as_of.isoformat(timespec="seconds"),
                          start=start))]
    when, commit, _ = report.in_force
    blocks: list[Block] = [
        Heading(pdf_word("key_positions", lang)),
        Text(word("people_title", lang, as_of=report.as_of.isoformat(timespec="seconds"),
                  since=when.isoformat(timespec="seconds"), commit=commit)),
        Table(tuple(word("people_header", lang).split("|")), (30, 50, 100),
              tuple((party, term("role", position, lang),
                     ", ".join(names) if names else word("vacant", lang))
                    for party, position, names in report.holders())),
    ]
    if report.changes:
        blocks.append(Text(word("changes", lang)))
        blocks.append(Table(
            (pdf_word("changed_at", lang), pdf_word("commit", lang),
             word("people_header", lang).split("|")[0], word("people_header", lang).split("|")[1],
             pdf_word("holders_change", lang)),
            (30, 50, 20, 40, 60),
            tuple((c.when.isoformat(sep=" ", timespec="seconds"), c.commit, c.party,
                   term("role", c.position, lang),
                   " ".join([f"+{n}" for n in c.added] + [f"-{n}" for n in c.removed]))
                  for c in report.changes)))
    return blocks
