"""The command line: click only. Each command parses, calls one library function,
renders, and returns its exit status; ``main`` is the one error boundary."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence

import click

from techxfer import __version__
from techxfer.errors import TechxferError

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="techxfer")
def cli() -> None:
    """Medical-device technical files and their signed transfer between registrant and
    contract manufacturer, kept in Git."""


def _register() -> None:
    from techxfer.cli import (
        add,
        check,
        duties,
        hooks,
        init,
        lifecycle,
        person,
        receipts,
        release,
        reports,
        retention,
        server,
        signing,
        status,
        training,
        transfer,
        verify,
    )

    for module in (init, person, signing, add, status, check, transfer, verify, reports, receipts,
                   retention, duties, hooks, server, release, training,
                   lifecycle):
        module.register(cli)
    from techxfer.cli import demo

    demo.register(cli)


_register()


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI: findings exit 1, anything that stopped the command exits 2."""
    try:
        rv = cli.main(args=list(argv) if argv is not None else None, prog_name="techxfer",
                      standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("techxfer: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_ERROR)
    except TechxferError as exc:
        from techxfer.reports.text import shown

        # A message may quote the repository (a path, a revision): shown escaped.
        click.echo(f"techxfer: error: {shown(exc.diagnostic(), multiline=True)}", err=True)
        sys.exit(EXIT_ERROR)
    except BrokenPipeError:
        sys.exit(EXIT_ERROR)
    except Exception as exc:  # a bug: say so plainly; the traceback only when asked
        from techxfer.reports.text import shown

        if os.environ.get("TECHXFER_DEBUG"):
            traceback.print_exc()
        click.echo(f"techxfer: internal error: {shown(f'{type(exc).__name__}: {exc}')}\n"
                   "  (set TECHXFER_DEBUG=1 for the traceback, and please report it)", err=True)
        sys.exit(EXIT_ERROR)
    sys.exit(rv if isinstance(rv, int) else EXIT_OK)
