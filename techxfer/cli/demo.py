from __future__ import annotations

from pathlib import Path

import click


@click.command("demo")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), required=False)
def demo_command(directory: Path | None) -> int:
    """Build a demonstration repository from the bundled example and show it."""
    from techxfer.commands.demo import run_demo

    return run_demo(directory, click.echo)


def register(group: click.Group) -> None:
    group.add_command(demo_command)
