"""The ``pronounce`` command: subcommands over the engine, and the app by default."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from tui import __version__
from tui import paths
from tui.errors import PackError, PronounceError


@dataclass(frozen=True)
class Settings:
    """Global options shared by every subcommand."""

    data_dir: Path
    input_file: Path | None


class _Group(click.Group):
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

_existing_file = click.Path(exists=True, dir_okay=False, path_type=Path)
_existing_dir = click.Path(exists=True, file_okay=False, path_type=Path)


@click.group(cls=_Group, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
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
    from tui.app import run_app

    run_app(pack or paths.DEMO_PACK, data_dir=settings.data_dir, input_file=settings.input_file)


def _not_built(what: str, issue: int) -> PronounceError:
    return PronounceError(f"{what} is not available in this build yet", hint=f"it lands with issue #{issue}")


@cli.command()
@click.option("--pack", "pack_id", help="Only attempts of this pack id.")
@click.option("--phrase", "phrase_id", help="Only attempts of this phrase id.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line per attempt, oldest first.")
@click.option("--export", "export_path", type=click.Path(dir_okay=False, path_type=Path), help="Write the attempts to FILE.csv or FILE.json.")
@click.option("--rescore", is_flag=True, help="Re-score attempts made by an older scorer version.")
@click.option("--delete", "delete_id", type=int, metavar="ID", help="Delete attempt ID and its recording.")
@pass_settings
def review(
    settings: Settings,
    pack_id: str | None,
    phrase_id: str | None,
    as_json: bool,
    export_path: Path | None,
    rescore: bool,
    delete_id: int | None,
) -> None:
    """List past attempts (a table, or JSON lines); export, re-score or delete them."""
    from tui.store.review import review as run_review

    run_review(
        settings.data_dir,
        pack=pack_id,
        phrase=phrase_id,
        as_json=as_json,
        export_path=export_path,
        rescore=rescore,
        delete_id=delete_id,
    )


@cli.command()
@click.argument("reference", required=False, type=_existing_file)
@click.argument("attempt", required=False, type=_existing_file)
@click.option("--json", "as_json", is_flag=True, help="Print the score as JSON.")
@click.option("--batch", "manifest", type=_existing_file, help="Score every row of MANIFEST.csv (id,attempt + reference or text[,lang]).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), help="JSON lines output of --batch.")
@click.option("--jobs", type=click.IntRange(min=1), help="Worker processes for --batch [default: all cores].")
def score(
    reference: Path | None, attempt: Path | None, as_json: bool, manifest: Path | None,
    out_path: Path | None, jobs: int | None,
) -> None:
    """Score ATTEMPT against REFERENCE, or a whole manifest with --batch."""
    if manifest is not None:
        if reference or attempt or out_path is None:
            raise click.UsageError("--batch takes no REFERENCE/ATTEMPT and needs --out OUT.jsonl")
        from tui.scoring import batch

        rows = batch.read_manifest(manifest)
        with click.progressbar(length=len(rows), label="scoring", file=sys.stderr) as bar:
            failed = batch.run(rows, out_path, jobs=jobs, progress=bar.update)
        click.echo(f"{len(rows) - failed} scored, {failed} failed -> {out_path}", err=True)
        sys.exit(1 if failed else 0)
    if reference is None or attempt is None:
        raise click.UsageError("give REFERENCE and ATTEMPT, or --batch MANIFEST.csv --out OUT.jsonl")
    from tui.scoring import compare
    from tui.scoring.card import score_card

    result = compare(str(reference), str(attempt))
    click.echo(result.to_json() if as_json else score_card(result))


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


@cli.group()
def pack() -> None:
    """Create, check, show, export and import lesson packs."""


@pack.command("new")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--lang", required=True, help="BCP 47 language tag, e.g. es-ES.")
@click.option("--title", required=True, help="Title shown in the app.")
def pack_new(directory: Path, lang: str, title: str) -> None:
    """Create an empty pack in DIRECTORY."""
    from tui.packs.authoring import new_pack

    created = new_pack(directory, lang=lang, title=title)
    click.echo(f"Created pack {created.id!r} in {directory}; add phrases with `pronounce pack add {directory} \"text\"`")


@pack.command("add")
@click.argument("directory", type=_existing_dir)
@click.argument("text")
@click.option("--translation", help="Translation shown under the phrase.")
@click.option("--audio", type=_existing_file, help="Reference audio file to copy into the pack.")
@click.option("--tts", is_flag=True, help="Synthesize the reference with espeak-ng.")
@click.option("--voice", help="espeak-ng voice for --tts [default: from the pack language].")
@click.option("--record", is_flag=True, help="Record the reference now (Enter stops).")
@pass_settings
def pack_add(settings: Settings, **options: Any) -> None:
    """Add a phrase with TEXT to the pack in DIRECTORY (default: --tts)."""
    from tui.packs import authoring

    directory, text, audio, voice = options["directory"], options["text"], options["audio"], options["voice"]
    if sum(bool(options[k]) for k in ("audio", "tts", "record")) > 1:
        raise PackError("--audio, --tts and --record exclude each other", hint="choose one source for the reference")
    if voice and (audio or options["record"]):
        raise PackError("--voice only applies to --tts", hint="drop --voice, or use --tts")
    extra = {"translation": options["translation"] or ""}
    if audio:
        phrase = authoring.add_audio_phrase(directory, text, audio, **extra)
    elif options["record"]:
        from tui.packs.record import record_reference

        click.echo(f"Recording — say: {text}")
        samples, rate = record_reference(lambda: click.prompt("Press Enter to stop", default="", show_default=False),
                                         input_file=settings.input_file)
        phrase = authoring.add_recorded_phrase(directory, text, samples, rate, **extra)
    else:
        phrase = authoring.add_tts_phrase(directory, text, voice=voice, **extra)
    click.echo(f"Added {phrase.id!r} ({len(phrase.words)} words timed) to {directory}")


@pack.command("validate")
@click.argument("directory", type=click.Path(exists=True, path_type=Path))
def pack_validate(directory: Path) -> None:
    """Check a pack; exit 0 when valid, 2 when not."""
    from tui.packs.loader import validate_pack
    from tui.packs.report import problems_text

    problems = validate_pack(directory)
    errors = sum(p.severity == "error" for p in problems)
    if problems:
        click.echo(problems_text(problems))
    if errors:
        raise PackError(f"{directory} is not a valid pack ({errors} errors)", hint="fix the errors listed above")
    click.echo(f"{directory}: valid ({len(problems)} warnings)")


@pack.command("show")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the pack as JSON.")
def pack_show(source: Path, as_json: bool) -> None:
    """Show the pack in SOURCE (a folder or .zip)."""
    from tui.packs.loader import load_pack
    from tui.packs.report import pack_dict, pack_text

    loaded = load_pack(source)
    click.echo(json.dumps(pack_dict(loaded), ensure_ascii=False, indent=2) if as_json else pack_text(loaded))


@pack.command("export")
@click.argument("directory", type=_existing_dir)
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def pack_export(directory: Path, out: Path) -> None:
    """Export the pack in DIRECTORY to OUT.zip."""
    from tui.packs.authoring import export_pack

    click.echo(f"Exported {directory} to {export_pack(directory, out)}")


@pack.command("import")
@click.argument("source", type=_existing_file)
@click.option("--to", "target", type=click.Path(file_okay=False, path_type=Path), help="Folder to create [default: beside the file].")
@click.option("--lang", default="en-US", show_default=True, help="Language of a CSV's phrases (picks the TTS voice).")
def pack_import(source: Path, target: Path | None, lang: str) -> None:
    """Import a pack from a .zip or a .csv (text[,translation][,audio]; TTS for rows without audio)."""
    from tui.packs.authoring import import_csv, import_zip

    if source.suffix.lower() == ".csv":
        created = import_csv(source, target, lang=lang)
    else:
        created = import_zip(source, target)
    click.echo(f"Imported {source} into {created}")


def main() -> None:
    """Entry point of the ``pronounce`` console script."""
    cli(prog_name="pronounce")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
