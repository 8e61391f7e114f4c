from __future__ import annotations

import click

from techxfer.cli.render import echo_findings, echo_json, say


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
def status_command(as_json: bool, lang: str) -> int:
    """The working tree against the register: changed, missing, unlisted, fine."""
    from techxfer.commands.status import working_status
    from techxfer.reports import i18n
    from techxfer.state.workspace import Workspace

    status = working_status(Workspace.open())
    if as_json:
        echo_json(status.as_json())
        return 0
    say(i18n.word("status.registered", lang, documents=status.documents, ok=len(status.ok)))
    for key, items in (("status.changed", status.changed), ("status.missing", status.missing),
                       ("status.unlisted", status.unlisted), ("status.problems", status.problems)):
        if items:
            click.echo("\n" + i18n.word(key, lang))
            echo_findings(items, lang)
    if status.awaiting:
        click.echo("\n" + i18n.word("status.awaiting", lang))
        for item in status.awaiting:
            state = i18n.term("state", item["state"], lang)
            say(i18n.word("status.awaiting_line", lang, tx=item["transfer"], to=item["to"],
                          sent=item["date"], due=item["due"],
                          state=state.upper() if lang == "en" else state))
    if status.clean:
        click.echo(i18n.word("status.clean", lang))
    return 0


def register(group: click.Group) -> None:
    group.add_command(status_command)
