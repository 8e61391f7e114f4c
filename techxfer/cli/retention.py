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
              help="Language of the table and the PDF (csv and json stay as data).")
def retention_report(as_of: str | None, fmt: str, output: str | None, lang: str) -> int:
    """Every record: class, dates, computed end, state (retain/eligible/held/destroyed);
    the PDF adds the legal holds and who approved each disposition."""
    from techxfer.cli.options import parse_as_of
    from techxfer.reports.retention import build, render
    from techxfer.state.workspace import Workspace

    ws = Workspace.open()
    if fmt != "pdf":
        render(build(ws, parse_as_of(as_of)), fmt, output, click.echo, lang)
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
                    **v.retention.as_json(), "superseded": [r.as_json() for r in v.older]}
                   for v in verdicts])
    else:
        for v in verdicts:
            if v.may_destroy:
                assert v.approval is not None
                say(f"{v.entry.id}: may be destroyed — retention ended {v.retention.end.end}, "
                    f"no hold, notice {v.approval.transfer.id} approved")
            else:
                say(f"{v.entry.id}: NOT to be destroyed — {'; '.join(v.reasons)}")
            for r in v.older:
                end = "permanent" if r.end.permanent else r.end.end or "not determined"
                say(f"  rev {r.entry.revision} (superseded by rev {r.replaced_by}): {r.state}, "
                    f"retention end {end}; its content stays in the Git history, dispose does "
                    "not remove it")
    return 0 if all(v.may_destroy for v in verdicts) else 1


@click.group("hold")
def hold_group() -> None:
    """Legal holds: freeze matching records whatever their retention."""


def one_reason(reason: str | None, old_reason: str | None, what: str) -> str:
    """-m REASON, or its older spelling --reason (kept, hidden, for scripts)."""
    if reason and old_reason and reason != old_reason:
        raise click.UsageError("give the reason once: -m REASON (--reason is its old spelling)")
    if not (reason or old_reason):
        raise click.UsageError(f"give {what}: -m REASON")
    return reason or old_reason or ""


@hold_group.command("add")
@click.option("--match", "match", multiple=True, metavar="PATTERN", help="gitignore-style pattern.")
@click.option("--id", "ids", multiple=True, metavar="ID", help="Document id.")
@click.option("-m", "--message", "reason", metavar="REASON", help="Why the records are held.")
@click.option("--reason", "old_reason", hidden=True)
@click.option("--ref", help="Case or matter reference.")
def hold_add(match: tuple[str, ...], ids: tuple[str, ...], reason: str | None,
             old_reason: str | None, ref: str | None) -> int:
    """Place a legal hold (signed commit; registrant quality roles only)."""
    from techxfer.commands.holds import place_hold
    from techxfer.state.workspace import Workspace

    why = one_reason(reason, old_reason, "the reason for the hold")
    hold_id, commit = place_hold(Workspace.open(), list(match), list(ids), why, ref)
    say(f"Placed legal hold {hold_id} (commit {commit[:10]}).")
    return 0


@hold_group.command("release")
@click.argument("hold_id", metavar="HOLD-ID")
@click.option("-m", "--message", "reason", metavar="REASON", help="Why the hold ends.")
@click.option("--reason", "old_reason", hidden=True)  # the spelling before -m; still accepted
def hold_release(hold_id: str, reason: str | None, old_reason: str | None) -> int:
    """Release a legal hold (signed commit)."""
    from techxfer.commands.holds import release_hold
    from techxfer.state.workspace import Workspace

    why = one_reason(reason, old_reason, "the reason the hold ends")
    commit = release_hold(Workspace.open(), hold_id, why)
    say(f"Released {hold_id} (commit {commit[:10]}).")
    return 0


@hold_group.command("list")
@click.option("--as-of", metavar="DATE", help="Which holds were in force at this date (default: now).")
@click.option("--json", "as_json", is_flag=True)
def hold_list(as_of: str | None, as_json: bool) -> int:
    """Every legal hold, active ones first: scope, reason, who placed and released it."""
    from techxfer.cli.options import parse_as_of
    from techxfer.commands.holds import list_holds
    from techxfer.state.workspace import Workspace

    holds = list_holds(Workspace.open(), parse_as_of(as_of))
    if as_json:
        echo_json([h.as_json() for h in holds])
        return 0
    if not holds:
        say("No legal holds.")
    for status in holds:
        h = status.hold
        scope = "; ".join(part for part in (f"ids {', '.join(h.ids)}" if h.ids else "",
                                            f"match {', '.join(h.match)}" if h.match else "")
                          if part)
        ref = f" (ref {h.ref})" if h.ref else ""
        say(f"{h.id}  {status.state.upper() if status.active else status.state}  scope: {scope}")
        say(f"  reason: {h.reason}{ref}")
        placed_in = f" (commit {status.commit[:10]})" if status.commit else ""
        say(f"  placed {h.placed} by {h.placed_by}{placed_in}")
        if h.released is not None:
            say(f"  released {h.released.get('date', '?')} by {h.released.get('by', '?')}: "
                f"{h.released.get('reason', '')}")
    return 0


@click.command("dispose")
@click.argument("ids", nargs=-1, required=True)
@click.option("--notice", metavar="TX-ID", help="The approved disposal-notice transfer.")
@click.option("-m", "--message", "reason", help="Reason (required with request).")
@click.option("--before-end", is_flag=True,
              help="With request: send the notice ahead of the retention end (never for a "
                   "held record).")
@click.option("--json", "as_json", is_flag=True, help="What was removed and where the content "
              "still is, as JSON.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
def dispose_command(ids: tuple[str, ...], notice: str | None, reason: str | None,
                    before_end: bool, as_json: bool, lang: str) -> int:
    """Destroy records: first `dispose request ID… -m REASON` (a disposal notice to the
    registrant, refused for a held record or one whose retention has not ended), then,
    once approved, `dispose ID… --notice TX-ID`."""
    from techxfer.state.workspace import Workspace

    if ids[0] == "request":
        if len(ids) < 2 or not reason or notice:
            raise click.UsageError("usage: techxfer dispose request ID… -m REASON [--before-end]")
        from techxfer.commands.dispose import request_disposal

        sent = request_disposal(Workspace.open(), list(ids[1:]), reason, before_end=before_end)
        say(f"Disposal notice {sent.transfer.id} sent to {sent.transfer.recipient} "
            f"(commit {sent.commit[:10]}); they approve with: "
            f"techxfer ack {sent.transfer.id} --meaning approved")
        return 0
    if before_end:
        raise click.UsageError("--before-end goes with request only: a record is never "
                               "destroyed before its retention ends")
    if not notice:
        raise click.UsageError("give --notice TX-ID: the approved disposal notice")
    from techxfer.commands.dispose import describe, dispose

    done = dispose(Workspace.open(), list(ids), notice, reason)
    if as_json:
        echo_json(done.as_json())
    else:
        for line in describe(done, lang):
            say(line)
    return 0


def register(group: click.Group) -> None:
    group.add_command(retention_group)
    group.add_command(hold_group)
    group.add_command(dispose_command)
