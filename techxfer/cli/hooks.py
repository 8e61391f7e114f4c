from __future__ import annotations

import click


@click.group("hooks")
def hooks_group() -> None:
    """Git hooks that refuse what breaks the policy."""


@hooks_group.command("install")
def hooks_install() -> int:
    """Install the client hooks (pre-commit, pre-push) in this repository."""
    from techxfer.gitrepo import GitRepo
    from techxfer.hooks.install import CLIENT_HOOKS, install

    done = install(GitRepo.open("."), CLIENT_HOOKS)
    click.echo(f"Installed {', '.join(done.hooks)} in {done.hook_dir}")
    for hook in done.legacy:
        click.echo(f"  the earlier {hook} hook is kept as {hook}.legacy and runs first")
    return 0


@hooks_group.command("uninstall")
def hooks_uninstall() -> int:
    """Remove the techxfer hooks (restoring any .legacy hook)."""
    from techxfer.gitrepo import GitRepo
    from techxfer.hooks.install import CLIENT_HOOKS, uninstall

    removed = uninstall(GitRepo.open("."), CLIENT_HOOKS)
    click.echo(f"Removed: {', '.join(removed) or 'nothing'}")
    return 0


def register(group: click.Group) -> None:
    group.add_command(hooks_group)
