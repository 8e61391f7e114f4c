from __future__ import annotations

from pathlib import Path

import click

from techxfer.cli.render import say


@click.group("person")
def person_group() -> None:
    """People of a party, their roles and signing keys."""


@person_group.command("add")
@click.argument("party")
@click.argument("person")
@click.option("--name", required=True, help="Printed name, shown on every signature.")
@click.option("--role", "roles", multiple=True, required=True, metavar="ROLE",
              help="A role (repeatable): quality-head, doc-control, rd-engineer, …")
@click.option("--key", "key_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Public key file: OpenSSH (.pub) or armored OpenPGP.")
@click.option("--valid-from", metavar="DATE", help="Key valid from (YYYY-MM-DD or timestamp).")
@click.option("--valid-until", metavar="DATE", help="Key valid until, inclusive.")
def person_add(party: str, person: str, name: str, roles: tuple[str, ...], key_file: Path | None,
               valid_from: str | None, valid_until: str | None) -> int:
    """Add PERSON to PARTY (id or seat), or add roles and a key to them."""
    from techxfer.commands.person import add_person
    from techxfer.state.workspace import Workspace

    result = add_person(Workspace.open(), party, person, name, list(roles), key_file,
                        valid_from, valid_until)
    verb = "Added" if result.new_person else "Updated"
    say(f"{verb} {result.party}:{result.person} ({result.key}) in .techxfer/parties.yaml")
    return 0


def register(group: click.Group) -> None:
    group.add_command(person_group)
