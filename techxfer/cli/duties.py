from __future__ import annotations

from pathlib import Path

import click

from techxfer.cli.render import say
from techxfer.errors import UsageError
from techxfer.model.duties import DUTY_KINDS


@click.command("duties")
@click.option("--as-of", metavar="DATE", help="Judge at this date (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "pdf"]), default="table",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write to FILE (required for pdf).")
@click.option("--people", "with_people", is_flag=True,
              help="PDF: add the key positions and their holders at the date.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
@click.option("--all", "show_all", is_flag=True,
              help="Every past completion and every document review, not only what is open.")
def duties_command(as_of: str | None, as_json: bool, fmt: str, output: Path | None,
                   with_people: bool, lang: str, show_all: bool) -> int:
    """What each party owes and by when: the yearly audit of the manufacturer, the yearly
    self-inspection reports (due 31 March), the yearly review of the quality agreement,
    periodic document reviews, acknowledgements. Exit 1 when anything is overdue."""
    from techxfer.cli.options import parse_as_of
    from techxfer.model.times import now
    from techxfer.reports.duties import build_duties, render_duties
    from techxfer.state.workspace import Workspace

    fmt = "json" if as_json else fmt
    if fmt == "pdf" and output is None:
        raise UsageError("--format pdf needs -o FILE")
    if with_people and fmt != "pdf":
        raise UsageError("--people goes with --format pdf (use techxfer people for the table)")
    when = parse_as_of(as_of) or now()
    ws = Workspace.open()
    report = build_duties(ws, when.date())
    if fmt == "pdf" and output is not None:
        from techxfer.format.fileio import write_atomic
        from techxfer.reports.duties import build_people
        from techxfer.reports.pdf_duties import duties_pdf
        from techxfer.reports.pdf_frame import Frame, verified_at
        from techxfer.state.records import committed

        _, _, config = committed(ws)
        frame = Frame.create(config, report.commit, lang, verified_at(ws, report.commit))
        people = build_people(ws, when) if with_people else None
        write_atomic(output, duties_pdf(report, frame, people, show_all))
        say(f"Wrote {output}", err=True)
    else:
        render_duties(report, fmt, lang, click.echo, show_all)
    return 1 if any(d.state == "overdue" for d in report.duties) else 0


@click.group("duty")
def duty_group() -> None:
    """Records of recurring quality duties (audits/)."""


@duty_group.command("record")
@click.argument("kind", type=click.Choice(DUTY_KINDS))
@click.option("--performed", required=True, metavar="DATE",
              help="When it took place (the last day, for several).")
@click.option("-m", "--message", "summary", required=True, help="What was done and found.")
@click.option("--period", type=int, metavar="YEAR", help="The year it is for (self-inspection).")
@click.option("--subject", metavar="PARTY", help="The party audited (supplier-audit; default "
                                                 "the other party).")
@click.option("--submitted", metavar="DATE",
              help="When the report went to the authority (self-inspection).")
@click.option("--report", metavar="DOC-ID", help="The registered document holding the report.")
@click.option("--document", "documents", multiple=True, metavar="DOC-ID",
              help="A document reviewed, at its current revision (document-review; repeatable).")
@click.option("--role", metavar="ROLE", help="The role you sign in (default: the first that may).")
def duty_record(kind: str, performed: str, summary: str, period: int | None, subject: str | None,
                submitted: str | None, report: str | None, documents: tuple[str, ...],
                role: str | None) -> int:
    """Record a duty carried out, in a signed commit."""
    from techxfer.cli.options import parse_date
    from techxfer.commands.duties import DutyRequest, record_duty
    from techxfer.state.workspace import Workspace

    req = DutyRequest(kind, parse_date(performed, "--performed"), summary, period, subject,
                      parse_date(submitted, "--submitted") if submitted else None, report,
                      documents, role)
    record, commit = record_duty(Workspace.open(), req)
    say(f"Recorded {record.id} ({record.kind}, performed {record.performed}) as "
        f"{record.party}:{record.signer} ({record.role}), commit {commit[:10]}.")
    return 0


@click.command("people")
@click.option("--as-of", metavar="DATE", help="Who held each key position then (default: now).")
@click.option("--json", "as_json", is_flag=True)
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
def people_command(as_of: str | None, as_json: bool, lang: str) -> int:
    """Key positions of each party (legal representative, principal, management
    representative, production head, quality head, release reviewer) and who held them,
    from the configuration in force at that time, with every change of holders."""
    from techxfer.cli.options import parse_as_of
    from techxfer.model.times import now
    from techxfer.reports.duties import build_people, render_people
    from techxfer.state.workspace import Workspace

    report = build_people(Workspace.open(), parse_as_of(as_of) or now())
    render_people(report, "json" if as_json else "table", lang, click.echo)
    return 0


def register(group: click.Group) -> None:
    group.add_command(duties_command)
    group.add_command(duty_group)
    group.add_command(people_command)
