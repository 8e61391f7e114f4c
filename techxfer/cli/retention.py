from __future__ import annotations

from pathlib import Path

import click

from techxfer.cli.render import echo_json, say


@click.group("retention")
def retention_group() -> None:
    """Retention periods, and the check before anything is destroyed."""


@retention_group.command("report")
@click.option("--as-of", metavar="DATE", help="Judge at this date (default: now).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "pdf"]), default="table")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE (required for pdf).")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language of the PDF.")
def retention_report(as_of: str | None, fmt: str, output: str | None, lang: str) -> int:
    """Every record: class, dates, computed end, state (retain/eligible/held/destroyed);
    the PDF adds the legal holds and who approved each disposition."""
    from techxfer.cli.options import parse_as_of
    from techxfer.reports.retention import build, render
    from techxfer.state.workspace import Workspace

    ws = Workspace.open()
    if fmt != "pdf":
        render(build(ws, parse_as_of(as_of)), fmt, output, click.echo)
        return 0
    if output is None:
        raise click.UsageError("--format pdf needs -o FILE")
    from techxfer.format.fileio import write_atomic
    from techxfer.reports.pdf_frame import Frame, verified_at
    from techxfer.reports.pdf_retention import dispositions, retention_pdf

    report = build(ws, parse_as_of(as_of))
    frame = Frame.create(report.config, report.commit, lang, verified_at(ws, report.commit))
    write_atomic(Path(output), retention_pdf(report, dispositions(ws, report, lang), frame))
    say(f"Wrote {output}", err=True)
    return 0


@retention_group.command("check")
@click.argument("ids", nargs=-1, required=True)
@click.option("--as-of", metavar="DATE", help="Judge at this date (default: now).")
@click.option("--json", "as_json", is_flag=True)
def retention_check(ids: tuple[str, ...], as_of: str | None, as_json: bool) -> int:
    """Exit 0 only if every record may be destroyed now; else say why not."""
    from techxfer.cli.options import parse_as_of
    from techxfer.commands.dispose import check_records
    from techxfer.state.workspace import Workspace

    verdicts = check_records(Workspace.open(), list(ids), parse_as_of(as_of))
    if as_json:
        echo_json([{"id": v.entry.id, "may_destroy": v.may_destroy, "reasons": v.reasons,
                    **v.retention.as_json()} for v in verdicts])
    else:
        for v in verdicts:
            if v.may_destroy:
                assert v.approval is not None
                say(f"{v.entry.id}: may be destroyed — retention ended {v.retention.end.end}, "
                    f"no hold, notice {v.approval.transfer.id} approved")
            else:
                say(f"{v.entry.id}: NOT to be destroyed — {'; '.join(v.reasons)}")
    return 0 if all(v.may_destroy for v in verdicts) else 1


@click.group("hold")
def hold_group() -> None:
    """Legal holds: freeze matching records whatever their retention."""


@hold_group.command("add")
@click.option("--match", "match", multiple=True, metavar="PATTERN", help="gitignore-style pattern.")
@click.option("--id", "ids", multiple=True, metavar="ID", help="Document id.")
@click.option("--reason", required=True)
@click.option("--ref", help="Case or matter reference.")
def hold_add(match: tuple[str, ...], ids: tuple[str, ...], reason: str, ref: str | None) -> int:
    """Place a legal hold (signed commit; registrant quality roles only)."""
    from techxfer.commands.dispose import place_hold
    from techxfer.state.workspace import Workspace

    hold_id, commit = place_hold(Workspace.open(), list(match), list(ids), reason, ref)
    say(f"Placed legal hold {hold_id} (commit {commit[:10]}).")
    return 0


@hold_group.command("release")
@click.argument("hold_id", metavar="HOLD-ID")
@click.option("--reason", required=True)
def hold_release(hold_id: str, reason: str) -> int:
    """Release a legal hold (signed commit)."""
    from techxfer.commands.dispose import release_hold
    from techxfer.state.workspace import Workspace

    commit = release_hold(Workspace.open(), hold_id, reason)
    say(f"Released {hold_id} (commit {commit[:10]}).")
    return 0


@click.command("dispose")
@click.argument("ids", nargs=-1, required=True)
@click.option("--notice", metavar="TX-ID", help="The approved disposal-notice transfer.")
@click.option("-m", "--message", "reason", help="Reason (required with request).")
def dispose_command(ids: tuple[str, ...], notice: str | None, reason: str | None) -> int:
    """Destroy records: first `dispose request ID… -m REASON` (a disposal notice to the
    registrant), then, once approved, `dispose ID… --notice TX-ID`."""
    from techxfer.state.workspace import Workspace

    if ids[0] == "request":
        if len(ids) < 2 or not reason or notice:
            raise click.UsageError("usage: techxfer dispose request ID… -m REASON")
        from techxfer.commands.dispose import request_disposal

        sent = request_disposal(Workspace.open(), list(ids[1:]), reason)
        say(f"Disposal notice {sent.transfer.id} sent to {sent.transfer.recipient} "
            f"(commit {sent.commit[:10]}); they approve with: "
            f"techxfer ack {sent.transfer.id} --meaning approved")
        return 0
    if not notice:
        raise click.UsageError("give --notice TX-ID: the approved disposal notice")
    from techxfer.commands.dispose import dispose

    done = dispose(Workspace.open(), list(ids), notice, reason)
    say(f"Destroyed {', '.join(done.records)}: disposition {done.id}, "
        f"commit {done.commit[:10]}.")
    return 0


def register(group: click.Group) -> None:
    group.add_command(retention_group)
    group.add_command(hold_group)
    group.add_command(dispose_command)
