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
def server_create(directory: Path, protect: tuple[str, ...]) -> int:
    """Create a bare repository with HEAD on the (first) protected branch and the
    pre-receive hook that judges every push."""
    from techxfer.commands.server import create_server
    from techxfer.git.repo import GitRepo
    from techxfer.hooks.install import SERVER_HOOKS, install

    def install_hook(repo: GitRepo) -> Path:
        return install(repo, SERVER_HOOKS).hook_dir

    done = create_server(directory, protect, install_hook)
    click.echo(f"Created the bare repository {done.path} (HEAD: {done.head}).")
    click.echo(f"  protected branches: {', '.join(done.protected)} (no deletion, no force push)")
    click.echo(f"  pre-receive hook in {done.hook_dir}: every pushed commit is judged")
    click.echo(f"\nNext, from the registrant's repository: git remote add origin {done.path}\n"
               f"  && git push -u origin {done.head}   (the first push brings the trust root)")
    return 0


def register(group: click.Group) -> None:
    group.add_command(server_group)
