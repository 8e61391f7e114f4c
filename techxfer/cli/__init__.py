"""The command line: click only. Each command parses, calls one library function,
renders, and returns its exit status; ``main`` is the one error boundary."""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any

import click

from techxfer import __version__
from techxfer.errors import TechxferError

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


# Each command name and the module of techxfer.cli whose ``register`` adds it. A module is
# imported only when one of its commands is asked for (``verify`` loads no report, PDF or
# signing code); ``--help`` and a name that is none of these load them all.
COMMANDS: dict[str, str] = {
    "init": "init", "person": "person", "signing": "signing", "add": "add", "status": "status",
    "check": "check", "transfer": "transfer", "ack": "transfer", "verify": "verify",
    "transfers": "reports", "log": "reports", "signatures": "reports", "export": "reports",
    "receipts": "receipts", "retention": "retention", "hold": "retention",
    "dispose": "retention", "duties": "duties", "duty": "duties", "people": "duties",
    "hooks": "hooks", "server": "server", "release": "release", "releases": "release",
    "train": "training", "training": "training", "approve": "lifecycle",
    "implemented": "lifecycle", "demo": "demo",
}


class _LazyGroup(click.Group):
    """A group that imports a command's module on first use (``COMMANDS``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._loaded: set[str] = set()

    def _load(self, module: str) -> None:
        if module not in self._loaded:
            self._loaded.add(module)
            importlib.import_module(f"techxfer.cli.{module}").register(self)

    def load_all(self) -> None:
        for module in dict.fromkeys(COMMANDS.values()):
            self._load(module)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS.keys() | self.commands.keys())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS:
            self._load(COMMANDS[cmd_name])
        elif cmd_name not in self.commands:
            self.load_all()  # an unknown name: answer as the group with every command would
        return super().get_command(ctx, cmd_name)


@click.group(cls=_LazyGroup,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="techxfer")
def cli() -> None:
    """Medical-device technical files and their signed transfer between registrant and
    contract manufacturer, kept in Git."""


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
        # A message may quote the repository (a path, a revision): shown escaped.
        click.echo(f"techxfer: {refusal(exc, asked_lang(argv))}", err=True)
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


def asked_lang(argv: Sequence[str] | None) -> str:
    """The language the user asked for: the command's ``--lang``, else ``TECHXFER_LANG``,
    else English."""
    args = list(sys.argv[1:] if argv is None else argv)
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            return "zh" if args[i + 1] == "zh" else "en"
        if arg.startswith("--lang="):
            return "zh" if arg == "--lang=zh" else "en"
    return "zh" if os.environ.get("TECHXFER_LANG", "").lower().startswith("zh") else "en"


def refusal(exc: TechxferError, lang: str) -> str:
    """Why a command stopped, in LANG where the reason is catalogued, escaped for a
    terminal."""
    from techxfer.reports import i18n
    from techxfer.reports.text import shown

    if lang != "zh":
        return f"error: {shown(exc.diagnostic(), multiline=True)}"
    said = exc.diagnostic(lambda m: i18n.render(m, "zh"), i18n.word("error.hint", "zh"))
    return f"{i18n.word('error', 'zh')}：{shown(said, multiline=True)}"
