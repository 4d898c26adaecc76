"""The ``pronounce`` group, its global options, and the commands that open the app or list devices.

Errors the user can fix (:class:`~tui.errors.PronounceError`) become one line on
stderr and an exit code; the other command groups live in sibling modules.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from tui import __version__, paths
from tui.errors import PronounceError


@dataclass(frozen=True)
class Settings:
    """Global options shared by every subcommand."""

    data_dir: Path
    input_file: Path | None


class PronounceGroup(click.Group):
    """A group that turns :class:`PronounceError` into one line on stderr and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PronounceError as exc:
            click.echo(f"pronounce: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("pronounce: interrupted", err=True)
            ctx.exit(130)


pass_settings = click.make_pass_decorator(Settings)

existing_file = click.Path(exists=True, dir_okay=False, path_type=Path)
existing_dir = click.Path(exists=True, file_okay=False, path_type=Path)


@click.group(cls=PronounceGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
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
def cli(ctx: click.Context, data_dir: Path | None, input_file: Path | None) -> None:
    """Practise pronunciation in the terminal.

    With no command, opens the app on the bundled demo pack (same as `practice`).
    """
    ctx.obj = Settings(data_dir=paths.data_dir(data_dir), input_file=input_file)
    if ctx.invoked_subcommand is None:
        ctx.invoke(practice)


@cli.command()
@click.argument("pack", required=False, type=click.Path(path_type=Path))
@pass_settings
def practice(settings: Settings, pack: Path | None) -> None:
    """Open the app on PACK (a pack folder or .zip; default: the demo pack)."""
    from concurrent.futures import ThreadPoolExecutor

    from tui.packs.loader import load_pack

    if settings.input_file is not None and not settings.input_file.is_file():
        raise PronounceError(f"--input-file {settings.input_file} is not a file", hint="give an audio file to record from")
    with ThreadPoolExecutor(1) as pool:  # the pack is read and checked while the UI toolkit loads
        loading = pool.submit(load_pack, pack or paths.DEMO_PACK)
        from tui.app import run_app

        loaded = loading.result()
    outcome = run_app(loaded, data_dir=settings.data_dir, input_file=settings.input_file)
    for path in outcome.kept:
        click.echo(f"pronounce: the take being recorded was kept, not scored: {path} — Review (r) lists it under recovered takes", err=True)
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
