from __future__ import annotations

from pathlib import Path

import click


@click.group("hooks")
def hooks_group() -> None:
    """Git hooks that refuse what breaks the policy."""


@hooks_group.command("install")
@click.option("--server", "server", metavar="GIT_DIR", type=click.Path(file_okay=False),
              help="Install the pre-receive hook in this (bare) server repository instead.")
@click.option("--protect", multiple=True, metavar="BRANCH",
              help="With --server: protected branches (default main; sets techxfer.protectedBranches).")
@click.option("--witness-key", "witness_key", metavar="KEY",
              type=click.Path(dir_okay=False, path_type=Path),
              help="With --server: the server's own SSH private key (no passphrase); a "
                   "post-receive hook then signs a receipt of every push with it "
                   "(refs/techxfer/receipts, sets techxfer.witnessKey).")
def hooks_install(server: str | None, protect: tuple[str, ...], witness_key: Path | None) -> int:
    """Install the client hooks (pre-commit, pre-push, and fetching the server's receipts),
    or the server's pre-receive hook (and post-receive, for a witness)."""
    from techxfer.git.repo import GitRepo
    from techxfer.hooks.install import (
        CLIENT_HOOKS,
        RECEIPTS_REFSPEC,
        SERVER_HOOKS,
        WITNESS_HOOKS,
        configure_witness,
        fetch_receipts,
        install,
    )

    if server is None and (protect or witness_key):
        raise click.UsageError("--protect and --witness-key go with --server")
    repo = GitRepo.open(server or ".")
    public = None
    if server is not None and witness_key is not None:
        public = configure_witness(repo, witness_key)
    if server is not None and protect:
        repo.git(["config", "techxfer.protectedBranches", " ".join(protect)])
    hooks: tuple[str, ...]
    if server is None:
        hooks = CLIENT_HOOKS
    else:
        hooks = WITNESS_HOOKS if repo.config_get("techxfer.witnessKey") else SERVER_HOOKS
    done = install(repo, hooks)
    click.echo(f"Installed {', '.join(done.hooks)} in {done.hook_dir}")
    for hook in done.legacy:
        click.echo(f"  the earlier {hook} hook is kept as {hook}.legacy and runs first")
    if server is None and fetch_receipts(repo):
        click.echo(f"git fetch origin now brings the server's receipt log too ({RECEIPTS_REFSPEC})")
    if public is not None:
        click.echo("Receipts are signed with the witness key; list its public half in "
                   ".techxfer/parties.yaml (a configuration change both parties approve):\n"
                   "witnesses:\n  - id: server\n"
                   f"    key: {public}")
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
