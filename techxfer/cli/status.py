from __future__ import annotations

import click

from techxfer.cli.render import echo_findings, echo_json, say


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def status_command(as_json: bool) -> int:
    """The working tree against the register: changed, missing, unlisted, fine."""
    from techxfer.commands.status import working_status
    from techxfer.state.workspace import Workspace

    status = working_status(Workspace.open())
    if as_json:
        echo_json(status.as_json())
        return 0
    documents = "1 document" if status.documents == 1 else f"{status.documents} documents"
    say(f"{documents} registered, {len(status.ok)} as recorded.")
    for title, items in (("Changed (content differs from the register)", status.changed),
                         ("Missing", status.missing), ("Not listed in any manifest", status.unlisted),
                         ("Problems", status.problems)):
        if items:
            click.echo(f"\n{title}:")
            echo_findings(items)
    if status.awaiting:
        click.echo("\nTransfers awaiting acknowledgement:")
        for item in status.awaiting:
            say(f"  {item['transfer']} to {item['to']}, sent {item['date']}, "
                f"due {item['due']}: {item['state'].upper()}")
    if status.clean:
        click.echo("Working tree matches the register.")
    return 0


def register(group: click.Group) -> None:
    group.add_command(status_command)
