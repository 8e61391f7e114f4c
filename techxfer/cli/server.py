from __future__ import annotations

from pathlib import Path

import click


@click.group("server")
def server_group() -> None:
    """The shared server repository both parties push to."""


@server_group.command("create")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--protect", multiple=True, metavar="BRANCH",
              help="A protected branch (repeatable; default main). HEAD names the first.")
@click.option("--witness-key", "witness_key", metavar="KEY",
              type=click.Path(dir_okay=False, path_type=Path),
              help="The server's own SSH private key (no passphrase): a post-receive hook "
                   "signs a receipt of every push with it (refs/techxfer/receipts).")
def server_create(directory: Path, protect: tuple[str, ...], witness_key: Path | None) -> int:
    """Create a bare repository with HEAD on the (first) protected branch and the
    pre-receive hook that judges every push (and, with --witness-key, the post-receive
    hook that writes the server's signed receipt of each push)."""
    from techxfer.commands.server import create_server
    from techxfer.git.repo import GitRepo
    from techxfer.hooks.install import SERVER_HOOKS, WITNESS_HOOKS, configure_witness, install

    public: list[str] = []

    def install_hook(repo: GitRepo) -> Path:
        if witness_key is not None:
            public.append(configure_witness(repo, witness_key))
            return install(repo, WITNESS_HOOKS).hook_dir
        return install(repo, SERVER_HOOKS).hook_dir

    done = create_server(directory, protect, install_hook)
    click.echo(f"Created the bare repository {done.path} (HEAD: {done.head}).")
    click.echo(f"  protected branches: {', '.join(done.protected)} (no deletion, no force push)")
    click.echo(f"  pre-receive hook in {done.hook_dir}: every pushed commit is judged")
    if public:
        click.echo("  post-receive hook: a receipt signed with the witness key after every push.\n"
                   "  List the witness's public key in .techxfer/parties.yaml (a configuration "
                   "change both parties approve):\n"
                   f"witnesses:\n  - id: server\n    key: {public[0]}")
    click.echo(f"\nNext, from the registrant's repository: git remote add origin {done.path}\n"
               f"  && git push -u origin {done.head}   (the first push brings the trust root)")
    return 0


def register(group: click.Group) -> None:
    group.add_command(server_group)
