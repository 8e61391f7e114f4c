from __future__ import annotations

from pathlib import Path

import click

from techxfer.cli.render import say


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--registrant", required=True, metavar="ID", help="Party id of the registrant (注册人).")
@click.option("--manufacturer", required=True, metavar="ID",
              help="Party id of the contract manufacturer (受托生产企业).")
@click.option("--product", metavar="NAME", help="Product name (default: the directory name).")
@click.option("--require-approval", is_flag=True,
              help="The registrant's documents are drafts until its quality head approves them "
                   "(techxfer approve): approval: required on their policy rule.")
def init_command(directory: Path, registrant: str, manufacturer: str, product: str | None,
                 require_approval: bool) -> int:
    """Create a techxfer repository with working defaults, staged (no commit is made)."""
    from techxfer.commands.init import init_repository

    result = init_repository(directory, registrant, manufacturer, product,
                             require_approval=require_approval)
    what = "Created a git repository and wrote" if result.created_repository else "Wrote"
    say(f"{what} the techxfer configuration in {result.root},")
    say("and staged it (git add); no commit is made:")
    for path in result.written:
        say(f"  {path}")
    click.echo(
        "\nNext: add people and their keys (techxfer person add, which stages parties.yaml),\n"
        "set up signing with your key (techxfer signing setup --key ~/.ssh/id_ed25519), then\n"
        "make the first commit (git commit -m 'Trust root'), signed by a person listed in\n"
        ".techxfer/parties.yaml. That commit becomes the trust root of every audit."
    )
    return 0


def register(group: click.Group) -> None:
    group.add_command(init_command)
