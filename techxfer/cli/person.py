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
@click.option("--role", "roles", multiple=True, metavar="ROLE",
              help="A role (repeatable): one of DESIGN 1.2 (quality-head, doc-control, "
                   "rd-engineer, …) or one the policy names; anything else is refused.")
@click.option("--custom-role", "custom_roles", multiple=True, metavar="ROLE",
              help="A role outside that list, on purpose (repeatable): it grants nothing until "
                   "the policy names it.")
@click.option("--key", "key_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Public key file: OpenSSH (.pub) or armored OpenPGP.")
@click.option("--valid-from", metavar="DATE", help="Key valid from (YYYY-MM-DD or timestamp).")
@click.option("--valid-until", metavar="DATE", help="Key valid until, inclusive.")
def person_add(party: str, person: str, name: str, roles: tuple[str, ...],
               custom_roles: tuple[str, ...], key_file: Path | None, valid_from: str | None,
               valid_until: str | None) -> int:
    """Add PERSON to PARTY (id or seat), or add roles and a key to them; parties.yaml is
    staged (git add)."""
    from techxfer.commands.person import add_person
    from techxfer.state.workspace import Workspace

    result = add_person(Workspace.open(), party, person, name, list(roles), key_file,
                        valid_from, valid_until, custom_roles)
    verb = "Added" if result.new_person else "Updated"
    say(f"{verb} {result.party}:{result.person} ({result.key}) in .techxfer/parties.yaml (staged)")
    return 0


@person_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def person_list(as_json: bool) -> int:
    """People, roles and keys (shortened) with their validity, from parties.yaml."""
    from dataclasses import asdict

    from techxfer.cli.render import echo_json
    from techxfer.commands.person import list_people
    from techxfer.state.workspace import Workspace

    people = list_people(Workspace.open())
    if as_json:
        echo_json({"people": [asdict(p) for p in people]})
        return 0
    party = None
    for p in people:
        if p.party != party:
            party = p.party
            click.echo(click.style(f"{p.party} ({p.seat})", bold=True))
        click.echo(f"  {p.id}  {p.name}  [{', '.join(p.roles)}]")
        for k in p.keys:
            window = f"{k.valid_from or 'always'} … {k.valid_until or 'open'}"
            state = "" if k.valid_now else "  " + click.style("not valid now", fg="yellow")
            click.echo(f"    {k.short}  {window}{state}")
        if not p.keys:
            click.echo("    (no key: cannot sign)")
    if not people:
        click.echo("Nobody yet: techxfer person add PARTY PERSON --name N --role R --key FILE.pub")
    return 0


@person_group.command("retire-key")
@click.argument("party")
@click.argument("person")
@click.option("--key", "key_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The public key file (.pub or armored OpenPGP) to retire.")
@click.option("--valid-until", required=True, metavar="DATE",
              help="Last day (inclusive, UTC) or timestamp the key counts.")
def person_retire_key(party: str, person: str, key_file: Path, valid_until: str) -> int:
    """End a key's validity (sets valid_until; the key stays listed, so commits it signed
    before still name their signer). parties.yaml is staged (git add)."""
    from techxfer.commands.person import retire_key
    from techxfer.state.workspace import Workspace

    done = retire_key(Workspace.open(), party, person, key_file, valid_until)
    was = f" (was {done.before})" if done.before else ""
    click.echo(f"{done.party}:{done.person}: {done.key} key valid until {done.valid_until}{was} "
               "in .techxfer/parties.yaml (staged).\nCommit it signed; like any configuration "
               "change it is in force once the other party approves it. Then run "
               "`techxfer signing allowed-signers`.")
    return 0


def register(group: click.Group) -> None:
    group.add_command(person_group)
