"""The command line loads a command's module only when that command is asked for: every
command is still there, under the same name, with the same help."""

from __future__ import annotations

import subprocess
import sys

import click

from techxfer.cli import COMMANDS, cli


def test_every_module_registers_exactly_the_commands_listed() -> None:
    fresh = type(cli)(name="probe")
    fresh.load_all()
    assert set(fresh.commands) == set(COMMANDS)
    for name, command in fresh.commands.items():
        assert command.callback is not None or isinstance(command, click.Group)
        module = (command.callback.__module__ if command.callback is not None
                  else next(iter(command.commands.values())).callback.__module__)  # type: ignore[attr-defined]
        assert module == f"techxfer.cli.{COMMANDS[name]}", name


def test_verify_loads_no_other_command_module() -> None:
    probe = ("import sys\nfrom techxfer.cli import cli\n"
             "ctx = cli.make_context('techxfer', ['verify', '--help'], resilient_parsing=True)\n"
             "cli.get_command(ctx, 'verify')\n"
             "print(sorted(m for m in sys.modules if m.startswith('techxfer.cli.')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "['techxfer.cli.render', 'techxfer.cli.verify']"


def test_help_lists_every_command_and_an_unknown_name_is_refused() -> None:
    runner_help = subprocess.run([sys.executable, "-m", "techxfer", "--help"],
                                 capture_output=True, text=True, check=True).stdout
    listed = runner_help.split("Commands:", 1)[1].split()
    for name in COMMANDS:
        assert name in listed, name
    bad = subprocess.run([sys.executable, "-m", "techxfer", "nosuch"], capture_output=True,
                         text=True, check=False)
    assert bad.returncode == 2 and "No such command 'nosuch'" in bad.stderr
