"""The ``pronounce`` group, its global options, and the commands that open the app or list devices.

Errors the user can fix (:class:`~tui.errors.PronounceError`) become one line on
stderr and an exit code; the other command groups live in sibling modules.
"""

from __future__ import annotations

import re
import signal
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from tui import __version__, paths
from tui.cli.output import shown
from tui.errors import PronounceError
from tui.interrupts import Interrupted, signals_interrupt

GLOBAL_OPTIONS = {"--data-dir": "DIR", "--input-file": "FILE"}
"""Options of ``pronounce`` itself, given before the command."""
OWN_SIGNAL_POLICY = frozenset({"server"})
"""Commands that stop on signals their own way: the class server shuts down gracefully under uvicorn."""
LOUD_COMMANDS = frozenset({None, "practice", "server"})
"""Commands whose process draws a screen or logs on stderr from other threads: the audio libraries are not hushed there."""


@dataclass(frozen=True)
class Settings:
    """Global options shared by every subcommand."""

    data_dir: Path
    input_file: Path | None


class TextCommand(click.Command):
    """A command whose text arguments (not paths) are real text before it runs.

    A terminal's arguments that are not UTF-8 reach Python as lone surrogates
    (``$'\\xff'`` is ``'\\udcff'``): fine in a file name, but a title, a
    language or a filter holding one cannot be stored, compared or printed.
    """

    def invoke(self, ctx: click.Context) -> Any:
        for param in self.params:
            value = ctx.params.get(param.name or "")
            if isinstance(param.type, click.types.StringParamType) and isinstance(value, str) and not _is_text(value):
                raise click.BadParameter(f"{value!r} is not UTF-8 text", ctx=ctx, param=param)
        return super().invoke(ctx)


class TextGroup(click.Group):
    """A nested group of :class:`TextCommand` commands."""

    command_class = TextCommand


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class PronounceGroup(click.Group):
    """A group whose every error, its own or click's, is one line on stderr with an exit code.

    :class:`PronounceError` keeps its exit code; click's errors (a missing
    file, ``--jobs 0``, an unknown option, in any nested group) exit 2 with a
    pointer to the command's ``--help``. Its commands are :class:`TextCommand`.
    """

    command_class = TextCommand
    group_class = TextGroup

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Every command with its whole first sentence of help, wrapped (click cuts each to one line with "...")."""
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=10_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.ClickException as exc:
            raise _one_line(exc, info_name or "pronounce") from exc

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command with library warnings kept off the terminal; a stop signal (see :mod:`tui.interrupts`,
        entered by :func:`cli`) ends it with one line and exit 128 + n."""
        try:
            with _library_warnings_hidden():
                return super().invoke(ctx)
        except PronounceError as exc:
            _error(str(exc))
            raise click.exceptions.Exit(exc.exit_code) from exc
        except click.ClickException as exc:
            raise _one_line(exc, ctx.command_path) from exc
        except (KeyboardInterrupt, click.Abort) as exc:
            cause = exc.__context__ if isinstance(exc, click.Abort) else exc  # a prompt turns both into Abort
            if isinstance(cause, EOFError):
                _error("the input ended before the question was answered — run the command in a terminal, "
                       "or give the answer on its standard input")
                raise click.exceptions.Exit(2) from exc
            stopped = cause if isinstance(cause, Interrupted) else Interrupted(signal.SIGINT)
            _error(f"stopped by {stopped.name} — what was finished is kept and nothing is left half-written; "
                   "run the command again to do the rest")
            raise click.exceptions.Exit(stopped.exit_code) from exc


@contextmanager
def _library_warnings_hidden() -> Iterator[None]:
    """numpy's and other libraries' warnings (``divide by zero``) are not for the user, unless asked for with -W."""
    with warnings.catch_warnings():
        if not sys.warnoptions:
            warnings.simplefilter("ignore")
        yield


def _error(message: str) -> None:
    click.echo(f"pronounce: error: {shown(message)}", err=True)


def _one_line(exc: click.ClickException, command_path: str) -> click.exceptions.Exit:
    """Print click's error as one line with a hint; the :class:`~click.exceptions.Exit` to raise."""
    context = getattr(exc, "ctx", None)
    path = context.command_path if context is not None else command_path
    message = exc.format_message().rstrip(".")
    if isinstance(exc, click.NoSuchOption) and exc.option_name in GLOBAL_OPTIONS and " " in path:
        usage = f"pronounce {exc.option_name} {GLOBAL_OPTIONS[exc.option_name]} {path.split(' ', 1)[1]} ..."
        _error(f"{exc.option_name} is an option of pronounce itself and goes before the command — run '{usage}'")
    else:
        _error(f"{message} — run '{path} --help'")
    return click.exceptions.Exit(2)


pass_settings = click.make_pass_decorator(Settings)


class WholeNumber(click.IntRange):
    """An integer in ASCII digits with an optional leading ``-``, nothing else.

    Python's ``int()`` also reads ``١`` (an Arabic-Indic one), ``1_0`` (ten),
    ``+7`` and `` 7\n``; an id or a count typed that way is a mistake, never meant.
    """

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not _DIGITS.fullmatch(value):
            self.fail(f"{value!r} is not a valid integer (use the digits 0-9)", param, ctx)
        return super().convert(value, param, ctx)


_DIGITS = re.compile(r"-?[0-9]+")

existing_file = click.Path(exists=True, dir_okay=False, path_type=Path)
existing_dir = click.Path(exists=True, file_okay=False, path_type=Path)


@click.group(cls=PronounceGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    envvar=paths.DATA_DIR_ENV,
    help=f"Where attempts and recordings live [env {paths.DATA_DIR_ENV}; default: the user data dir].",
)
@click.option(
    "--input-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Play this audio file as if it were the microphone, in real time.",
)
@click.version_option(__version__, prog_name="pronounce")
@click.pass_context
def cli(ctx: click.Context, data_dir: str | None, input_file: Path | None) -> None:
    """Practise pronunciation in the terminal.

    With no command, opens the app on the bundled demo pack (same as `practice`).
    """
    ctx.obj = Settings(data_dir=paths.data_dir(data_dir), input_file=input_file)
    if ctx.invoked_subcommand not in OWN_SIGNAL_POLICY:
        ctx.with_resource(signals_interrupt())
    if ctx.invoked_subcommand not in LOUD_COMMANDS:
        from tui.audio.quiet import quiet_process

        ctx.with_resource(quiet_process())
    if ctx.invoked_subcommand is None:
        ctx.invoke(practice)


@cli.command()
@click.argument("pack", required=False, type=click.Path(path_type=Path))
@pass_settings
def practice(settings: Settings, pack: Path | None) -> None:
    """Open the app on PACK: a pack folder, a .zip, or a bundled pack's id (es-basics); default: the demo pack."""
    from concurrent.futures import ThreadPoolExecutor

    from tui.packs.loader import load_pack
    from tui.packs.locate import locate_pack
    from tui.packs.model import Pack
    from tui.practice.progress import Progress, progress_before_start

    if settings.input_file is not None and not settings.input_file.is_file():
        raise PronounceError(f"--input-file {settings.input_file} is not a file", hint="give an audio file to record from")

    def load() -> tuple[Pack, Progress | None]:
        loaded = load_pack(locate_pack(pack) if pack is not None else paths.DEMO_PACK)
        return loaded, progress_before_start(loaded, settings.data_dir)

    with ThreadPoolExecutor(1) as pool:  # the pack and its progress are read while the UI toolkit loads
        loading = pool.submit(load)
        from tui.app import run_app

        loaded, progress = loading.result()
    outcome = run_app(loaded, data_dir=settings.data_dir, input_file=settings.input_file, progress=progress)
    for path in outcome.kept:
        click.echo(f"pronounce: the take being recorded was kept, not scored: {path} — Review (r) lists it under recovered takes", err=True)
    for error in outcome.errors:  # a recorder that could not be finalised on the way out says where its audio is
        click.echo(f"pronounce: {error}", err=True)
    if outcome.signal is not None:
        click.get_current_context().exit(128 + outcome.signal)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help='Print {"inputs": [...], "outputs": [...]} as JSON.')
def devices(as_json: bool) -> None:
    """List audio input (recorders) and output devices; exit 3 when there is no input."""
    from tui.audio.devices import NO_MICROPHONE_HINT, list_inputs, list_outputs
    from tui.audio.listing import devices_json, devices_table
    from tui.errors import NoMicrophoneError

    inputs, outputs = list_inputs(), list_outputs()
    click.echo(devices_json(inputs, outputs) if as_json else devices_table(inputs, outputs))
    if not inputs:
        raise NoMicrophoneError("No microphone found", hint=NO_MICROPHONE_HINT)
