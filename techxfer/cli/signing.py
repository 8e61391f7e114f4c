from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from techxfer.commands.signing import AllowedSigners


@click.group("signing")
def signing_group() -> None:
    """Set up git here to sign with your listed key, and let git name the signers."""


@signing_group.command("setup")
@click.option("--key", "key_file", required=True, metavar="KEY_FILE",
              type=click.Path(dir_okay=False, path_type=Path),
              help="Your SSH private key (or its .pub, to sign through ssh-agent); its public "
                   "half must be listed for you in .techxfer/parties.yaml.")
def signing_setup(key_file: Path) -> int:
    """Configure this repository's git to sign every commit with KEY_FILE (gpg.format ssh,
    user.signingkey, commit.gpgSign) and write the allowed-signers file git checks with."""
    from techxfer.commands.signing import principal, setup_signing
    from techxfer.state.workspace import Workspace

    done = setup_signing(Workspace.open(), key_file)
    who = done.signer
    click.echo(f"Signing set up for {who.party.id}:{who.person.id} ({who.person.name}; "
               f"{', '.join(who.person.roles) or 'no role'}), key {done.fingerprint}.")
    click.echo("git config in this repository:")
    click.echo("  gpg.format                  ssh")
    click.echo(f"  user.signingkey             {done.signing_key}"
               + ("  (signs through ssh-agent)" if done.through_agent else ""))
    click.echo("  commit.gpgSign              true")
    click.echo(f"  gpg.ssh.allowedSignersFile  {done.written.path}  "
               f"({_counted(done.written.signers)})")
    for why in done.written.signers.left_out:
        click.echo(f"  left out: {why}")
    click.echo(f"\ngit commit, techxfer transfer and techxfer ack now sign as "
               f"{principal(who)}; `git log --show-signature` names the signer of each commit.\n"
               "After parties.yaml changes, run `techxfer signing allowed-signers` again.")
    if not done.valid_now:
        click.echo(f"warning: this key is not valid now ({who.key.window()}); commits it signs "
                   "now are KEY_NOT_VALID", err=True)
    if done.identity_missing:
        click.echo("note: git also needs your name and email for commits: git config user.name "
                   "'…' && git config user.email '…'", err=True)
    return 0


@signing_group.command("allowed-signers")
@click.option("-o", "--output", metavar="FILE", help="Write here instead ('-' prints it); the "
              "repository's git config is then left alone.")
def signing_allowed_signers(output: str | None) -> int:
    """(Re)write the allowed-signers file from .techxfer/parties.yaml: one line per SSH key,
    principal person@party, namespace git, the key's validity window."""
    from techxfer.commands.signing import write_allowed_signers
    from techxfer.state.workspace import Workspace

    ws = Workspace.open()
    if output == "-":
        written = write_allowed_signers(ws, None, to_stdout=True)
        click.echo(written.signers.text, nl=False)
    else:
        written = write_allowed_signers(ws, Path(output) if output else None)
        click.echo(f"Wrote {written.path} ({_counted(written.signers)}).")
        if written.configured:
            click.echo("git here reads it (gpg.ssh.allowedSignersFile).")
    for why in written.signers.left_out:
        click.echo(f"left out: {why}", err=True)
    return 0


def _counted(signers: AllowedSigners) -> str:
    keys, people = signers.keys, signers.people
    return f"{keys} SSH key{'s' * (keys != 1)} of {people} {'person' if people == 1 else 'people'}"


def register(group: click.Group) -> None:
    group.add_command(signing_group)
