from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from techxfer.cli.render import say
from techxfer.errors import UsageError


def _since(value: str | None, option: str, end_of_day: bool = False) -> datetime | None:
    if value is None:
        return None
    from techxfer.model.times import parse_instant

    try:
        return parse_instant(value, end_of_day=end_of_day)
    except ValueError:
        raise UsageError(f"{option}: {value!r} is not a date (YYYY-MM-DD) or timestamp") from None


def _emit(text: str | bytes, output: Path | None) -> None:
    """Write to FILE atomically, or to stdout."""
    if output is None:
        if isinstance(text, bytes):
            raise UsageError("binary output (pdf) needs -o FILE")
        click.echo(text, nl=False)
        return
    from techxfer.format.fileio import write_atomic

    write_atomic(output, text.encode() if isinstance(text, str) else text)
    say(f"Wrote {output}", err=True)


@click.command("transfers")
@click.option("--since", metavar="DATE")
@click.option("--until", metavar="DATE")
@click.option("--to", "to", metavar="PARTY", help="Only transfers to this party.")
@click.option("--format", "fmt", type=click.Choice(["table", "md", "csv", "json", "pdf"]),
              default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to FILE (required for pdf).")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
@click.option("--rev", default="HEAD", show_default=True, help="Make the list at this commit.")
@click.option("--verify/--no-verify", "run_verify", default=None,
              help="Run the audit and state its result (default: on for pdf).")
@click.option("--as-of", metavar="DATE", help="Judge pending/overdue at this date (default: now).")
def transfers_command(since: str | None, until: str | None, to: str | None, fmt: str,
                      output: Path | None, lang: str, rev: str, run_verify: bool | None,
                      as_of: str | None) -> int:
    """The dated transfer list (转移文件清单): every transfer, its items and acknowledgement."""
    from techxfer.reports import render
    from techxfer.reports.transfer_list import build
    from techxfer.state.workspace import Workspace

    if fmt == "pdf" and output is None:
        raise UsageError("--format pdf needs -o FILE")
    ws = Workspace.open()
    report = build(ws, rev=rev, since=_since(since, "--since"),
                   until=_since(until, "--until", True), to=to, lang=lang,
                   as_of=_since(as_of, "--as-of", True))
    if run_verify or (run_verify is None and fmt == "pdf"):
        from techxfer.cli.progress import progress_line
        from techxfer.reports.pdf_frame import verified_at

        progress = progress_line("transfers", "commits", lang)
        try:
            report.verified = verified_at(ws, report.commit, progress)
        finally:
            if progress is not None:
                progress.close()
    if fmt == "table":
        lines: list[str] = []
        render.render_table(report, lines.append)
        _emit("\n".join(lines) + "\n", output)
    elif fmt == "md":
        _emit(render.render_markdown(report), output)
    elif fmt == "csv":
        _emit(render.render_csv(report), output)
    elif fmt == "json":
        _emit(render.render_json(report) + "\n", output)
    else:
        from techxfer.reports.pdf import transfer_list_pdf

        _emit(transfer_list_pdf(report), output)
    return 0


PDF_OUTPUT = click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                          help="Write to FILE (required for pdf).")


@click.command("log")
@click.argument("doc_id", metavar="ID")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "pdf"]),
              default="table", show_default=True)
@PDF_OUTPUT
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
def log_command(doc_id: str, fmt: str, output: Path | None, lang: str) -> int:
    """Every revision of one document: date, hash, commit, signer, transfers and acks, and
    when the server received it where its receipt log shows it."""
    from techxfer.reports.history import document_history, render_history
    from techxfer.state.workspace import Workspace

    if fmt == "pdf" and output is None:
        raise UsageError("--format pdf needs -o FILE")
    ws = Workspace.open()
    history = document_history(ws, doc_id, lang=lang)
    if fmt == "pdf":
        from techxfer.reports.pdf_frame import frame_at
        from techxfer.reports.pdf_history import history_pdf

        _emit(history_pdf(history, frame_at(ws, lang)), output)
    else:
        _emit(render_history(history, fmt, lang), output)
    return 0


@click.command("signatures")
@click.option("--person", metavar="P", help="Person id, or party:person.")
@click.option("--since", metavar="DATE")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "pdf"]),
              default="table", show_default=True)
@PDF_OUTPUT
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
def signatures_command(person: str | None, since: str | None, fmt: str, output: Path | None,
                       lang: str) -> int:
    """Every signature made (commits, transfers, acknowledgements), with date and meaning,
    and when the server received it where its receipt log shows it."""
    from techxfer.reports.history import render_trail, signature_trail
    from techxfer.state.workspace import Workspace

    if fmt == "pdf" and output is None:
        raise UsageError("--format pdf needs -o FILE")
    ws = Workspace.open()
    events = signature_trail(ws, person=person, since=_since(since, "--since"), lang=lang)
    if fmt == "pdf":
        from techxfer.reports.pdf_frame import frame_at
        from techxfer.reports.pdf_history import trail_pdf

        _emit(trail_pdf(events, frame_at(ws, lang)), output)
    else:
        _emit(render_trail(events, fmt, lang), output)
    return 0


@click.command("export")
@click.option("--party", required=True, metavar="P", help="The party the copies are for.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="A new (or empty) folder for the copies and the export register.")
@click.option("--stamp", is_flag=True, help="Stamp every PDF page: CONTROLLED COPY / 受控文件.")
@click.option("--record", is_flag=True,
              help="Record the distribution in the repository: distributions/<EXP-ID>.yaml in a "
                   "signed commit (needs a distribution role).")
@click.option("--returned", "returned", multiple=True, metavar="COPY",
              help="A copy number PARTY gave back (recalled); recorded with --record. Repeatable.")
def export_command(party: str, out: Path, stamp: bool, record: bool,
                   returned: tuple[str, ...]) -> int:
    """Controlled copies of the effective documents PARTY may use, with an export register;
    lists the copies to recall."""
    from techxfer.cli.progress import progress_line
    from techxfer.commands.export import export_copies
    from techxfer.state.workspace import Workspace

    progress = progress_line("export", "documents")
    try:
        done = export_copies(Workspace.open(), party, out, stamp=stamp, record=record,
                             returned=returned, progress=progress)
    finally:
        if progress is not None:
            progress.close()
    made = [line for line in done.lines if line.copy]
    skipped = [line for line in done.lines if line.status == "skipped"]
    say(f"Export {done.id} for {done.party} from commit {done.commit[:10]}: "
        f"{len(made)} copies in {out} (register: export-register.csv/.json)")
    for line in skipped:
        say(f"  skipped {line.entry.id} ({line.entry.path}): {line.reason}")
    for copy, _ in done.returned:
        say(f"  returned {copy.copy} ({copy.id} rev {copy.revision})")
    if done.recalls:
        say(f"Copies to recall from {done.party} (superseded or withdrawn, not given back):")
    for r in done.recalls:
        say(f"  recall {r.copy.copy} {r.copy.id} rev {r.copy.revision}, issued "
            f"{r.issued.isoformat(timespec='seconds')} ({r.distribution}): {r.reason}")
    if done.record_commit:
        say(f"Recorded in {done.record_path}, signed commit {done.record_commit[:10]}")
    return 0


def register(group: click.Group) -> None:
    for command in (transfers_command, log_command, signatures_command, export_command):
        group.add_command(command)
