from __future__ import annotations

import click


@click.command("receipts")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
def receipts_command(as_json: bool, lang: str) -> int:
    """The server's receipt log (refs/techxfer/receipts): when each push arrived, who pushed
    it (the signer of a git push --signed), and the refs it updated."""
    from techxfer.reports.receipts import receipt_list, render_receipts
    from techxfer.state.workspace import Workspace

    listing = receipt_list(Workspace.open(), lang)
    click.echo(render_receipts(listing, "json" if as_json else "table", lang), nl=False)
    return 0


def register(group: click.Group) -> None:
    group.add_command(receipts_command)
