"""The `pronounce` command line: help, version, and errors as one line with an exit code."""

from __future__ import annotations

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from tui import __version__
from tui.cli import cli
from tui.errors import PronounceError


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
    return found


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


@pytest.mark.parametrize("command", [(), *_commands(cli)], ids=lambda c: " ".join(c) or "pronounce")
def test_every_command_has_help(command: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert "None" not in result.output, "a Python repr leaked into the help"


def test_expected_subcommands_exist() -> None:
    names = {" ".join(c) for c in _commands(cli)}
    expected = {"practice", "review", "score", "devices", "pack"} | {
        f"pack {s}" for s in ("new", "add", "validate", "show", "export", "import")
    }
    assert expected <= names


def test_user_errors_are_one_line_on_stderr_with_exit_code_2() -> None:
    @cli.command("explode-for-test", hidden=True)
    def explode() -> None:
        raise PronounceError("the pack is broken", hint="run `pronounce pack validate`")

    try:
        result = CliRunner().invoke(cli, ["explode-for-test"])
    finally:
        cli.commands.pop("explode-for-test")
    assert result.exit_code == 2
    assert result.stderr == "pronounce: error: the pack is broken — run `pronounce pack validate`\n"
    assert "Traceback" not in result.output


def test_python_dash_m_runs_the_cli() -> None:
    result = subprocess.run([sys.executable, "-m", "tui", "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert __version__ in result.stdout


@pytest.mark.parametrize("command", [(), *_commands(cli)], ids=lambda c: " ".join(c) or "pronounce")
def test_an_unknown_option_is_one_line_with_a_pointer_to_help(command: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*command, "--no-such-option"], prog_name="pronounce")
    path = " ".join(("pronounce", *command))
    assert result.exit_code == 2
    assert result.stderr == f"pronounce: error: No such option '--no-such-option' — run '{path} --help'\n"
    assert result.stdout == ""


@pytest.mark.parametrize("option", ["--data-dir", "--input-file"])
def test_a_global_option_after_the_command_says_where_it_goes(option: str) -> None:
    result = CliRunner().invoke(cli, ["pack", "show", option, "x"], prog_name="pronounce")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"pronounce: error: {option} is an option of pronounce itself and goes before")
    assert f"run 'pronounce {option} " in result.stderr and result.stderr.count("\n") == 1


def test_help_lists_every_command_in_full() -> None:
    from click.testing import CliRunner

    from tui.cli import cli

    out = CliRunner().invoke(cli, ["--help"], terminal_width=80).output
    commands = out.split("Commands:")[1]
    assert "..." not in commands, "click cut a command's help"
    assert "exit 3 when there is no input" in " ".join(commands.split())
    assert "or a bundled pack's id (es-basics)" in " ".join(commands.split())
