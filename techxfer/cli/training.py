"""``techxfer train`` and ``techxfer training`` (DESIGN section 11)."""

from __future__ import annotations

import click

from techxfer.cli.render import say


@click.command("train")
@click.argument("doc_id", metavar="DOC-ID")
@click.option("--revision", metavar="REV",
              help="The revision trained on (default: the current effective one; any other "
                   "is refused).")
@click.option("-m", "--message", "comment", help="A comment (what the training was).")
def train_command(doc_id: str, revision: str | None, comment: str | None) -> int:
    """Record, signed by yourself, that you were trained on (read and understood) the
    effective revision of DOC-ID, as the policy's training: asks of your role."""
    from techxfer.commands.training import train
    from techxfer.state.workspace import Workspace

    done = train(Workspace.open(), doc_id, revision, comment)
    r = done.record
    say(f"Recorded {r.party}:{r.person} ({r.role}) trained on {r.document} rev {r.revision} "
        f"({done.path}), commit {done.commit[:10]}.")
    return 0


@click.command("training")
@click.option("--as-of", metavar="DATE", help="Judge at this date (default: today).")
@click.option("--json", "as_json", is_flag=True)
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
def training_command(as_of: str | None, as_json: bool, lang: str) -> int:
    """The training matrix: each effective revision of a category the policy's training:
    names, against each person in the named roles: trained when, or a gap and since when
    it is due. A report: exit 0 even with gaps."""
    from techxfer.cli.options import parse_as_of
    from techxfer.model.times import now
    from techxfer.reports.training import build_training, render_training
    from techxfer.state.workspace import Workspace

    when = parse_as_of(as_of) or now()
    report = build_training(Workspace.open(), when.date())
    render_training(report, "json" if as_json else "table", lang, click.echo)
    return 0


def register(group: click.Group) -> None:
    group.add_command(train_command)
    group.add_command(training_command)
