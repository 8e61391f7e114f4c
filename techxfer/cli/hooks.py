from __future__ import annotations

import click


@click.group("hooks")
def hooks_group() -> None:
    """Git hooks that refuse what breaks the policy."""


@hooks_group.command("install")
@click.option("--server", "server", metavar="GIT_DIR", type=click.Path(file_okay=False),
              help="Install the pre-receive hook in this (bare) server repository instead.")
@click.option("--protect", multiple=True, metavar="BRANCH",
              help="With --server: protected branches (default main; sets techxfer.protectedBranches).")
def hooks_install(server: str | None, protect: tuple[str, ...]) -> int:
    """Install the client hooks (pre-commit, pre-push), or the server's pre-receive hook."""
    from techxfer.git.repo import GitRepo
    from techxfer.hooks.install import CLIENT_HOOKS, SERVER_HOOKS, install

    if server is None and protect:
        raise click.UsageError("--protect goes with --server")
    repo = GitRepo.open(server or ".")
    if server is not None and protect:
        repo.git(["config", "techxfer.protectedBranches", " ".join(protect)])
    done = install(repo, SERVER_HOOKS if server else CLIENT_HOOKS)
    click.echo(f"Installed {', '.join(done.hooks)} in {done.hook_dir}")
    for hook in done.legacy:
        click.echo(f"  the earlier {hook} hook is kept as {hook}.legacy and runs first")
    return 0


@hooks_group.command("uninstall")
def hooks_uninstall() -> int:
    """Remove the techxfer hooks (restoring any .legacy hook)."""
    from techxfer.git.repo import GitRepo
    from techxfer.hooks.install import CLIENT_HOOKS, uninstall

    removed = uninstall(GitRepo.open("."), CLIENT_HOOKS)
    click.echo(f"Removed: {', '.join(removed) or 'nothing'}")
    return 0


def register(group: click.Group) -> None:
    group.add_command(hooks_group)
