"""``techxfer release production|market BATCH``: the two signed steps of a batch release."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from techxfer.cli.render import say
from techxfer.errors import UsageError

if TYPE_CHECKING:
    from techxfer.commands.release import ReleaseDone


@click.group("release")
def release_group() -> None:
    """Release a batch: production release by the manufacturer, then market release by
    the registrant, each by a release reviewer in a signed commit."""


@release_group.command("production")
@click.argument("batch")
@click.option("--record", "records", multiple=True, metavar="ID",
              help="A batch record to list (repeatable). Default: every register entry that "
                   "names the batch (x-batch, or an id ending in -BATCH).")
@click.option("-m", "--message", "comment", required=True, metavar="TEXT",
              help="What was reviewed (recorded); with --rework, also why it is released again.")
@click.option("--rework", is_flag=True,
              help="Release again after rework: supersede the production release in force "
                   "(the batch's records changed under a deviation now closed).")
def production_command(batch: str, records: tuple[str, ...], comment: str, rework: bool) -> int:
    """The manufacturer's production release of BATCH."""
    from techxfer.commands.release import release_production
    from techxfer.state.workspace import Workspace

    done = release_production(Workspace.open(), batch, records, comment, rework=rework)
    _done(done)
    for r in done.record["records"]:
        say(f"  record    {r['id']} rev {r['revision']}  {r['path']}  {r['sha256'][:12]}…")
    for d in done.record["deviations"]:
        say(f"  deviation {d['id']} rev {d['revision']} closed by {d['transfer']} "
            f"(approved in {d['approval_commit'][:10]})")
    say(f"The registrant releases it to market with: techxfer release market {batch} -m TEXT")
    return 0


@release_group.command("market")
@click.argument("batch")
@click.option("-m", "--message", "comment", required=True, metavar="TEXT",
              help="What was reviewed (recorded).")
def market_command(batch: str, comment: str) -> int:
    """The registrant's market release of BATCH, bound to its production release."""
    from techxfer.commands.release import release_market
    from techxfer.state.workspace import Workspace

    done = release_market(Workspace.open(), batch, comment)
    _done(done)
    ref = done.record["production"]
    say(f"  bound to {ref['path']} (commit {ref['commit'][:10]}, sha256 {ref['sha256'][:16]}…)")
    return 0


def _done(done: ReleaseDone) -> None:
    r = done.record
    say(f"Batch {done.batch} released ({done.step}) in {done.path}, commit {done.commit[:10]}: "
        f"{r['party']}:{r['signer']} ({done.signer.person.name}, {r['role']}), {r['meaning']} "
        f"at {r['date']}.")
    if "supersedes" in r:
        say(f"  supersedes the {done.step} release recorded in {r['supersedes']['commit'][:10]} "
            f"(sha256 {r['supersedes']['sha256'][:16]}…), kept in the history")


@click.command("releases")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "pdf"]),
              default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write to FILE (required for pdf).")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
def releases_command(fmt: str, output: Path | None, lang: str) -> int:
    """The release register: per batch its production and market release, each signer's
    printed name, date and time, and meaning, and the releases a re-release superseded."""
    from techxfer.format.fileio import write_atomic
    from techxfer.reports.releases import build, render
    from techxfer.state.workspace import Workspace

    if fmt == "pdf" and output is None:
        raise UsageError("--format pdf needs -o FILE")
    ws = Workspace.open()
    report = build(ws, lang)
    if fmt == "pdf" and output is not None:
        from techxfer.reports.pdf_frame import Frame, verified_at
        from techxfer.reports.pdf_releases import releases_pdf

        frame = Frame.create(report.config, report.commit, lang, verified_at(ws, report.commit))
        write_atomic(output, releases_pdf(report, frame))
    elif output is not None:
        write_atomic(output, render(report, fmt, lang).encode())
    else:
        click.echo(render(report, fmt, lang), nl=False)
        return 0
    say(f"Wrote {output}", err=True)
    return 0


def register(group: click.Group) -> None:
    group.add_command(release_group)
    group.add_command(releases_command)
