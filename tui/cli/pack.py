"""``pronounce pack``: create, add to, check, show, export and import lesson packs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from tui.cli.output import safe_json, shown
from tui.cli.root import Settings, cli, existing_dir, existing_file, pass_settings
from tui.errors import PackError


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
    click.echo(f"Created pack {shown(repr(created.id))} in {shown(directory)}; "
               f"add phrases with `pronounce pack add {shown(directory)} \"text\"`")


@pack.command("add")
@click.argument("directory", type=existing_dir)
@click.argument("text")
@click.option("--translation", help="Translation shown under the phrase.")
@click.option("--audio", type=existing_file, help="Reference audio file to copy into the pack.")
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

        authoring.check_new_phrase(directory, text)
        click.echo(f"Recording — say: {shown(text)}")
        samples, rate = record_reference(lambda: click.prompt("Press Enter to stop", default="", show_default=False),
                                         input_file=settings.input_file)
        phrase = authoring.add_recorded_phrase(directory, text, samples, rate, **extra)
    else:
        phrase = authoring.add_tts_phrase(directory, text, voice=voice, **extra)
    click.echo(f"Added {shown(repr(phrase.id))} ({len(phrase.words)} words timed) to {shown(directory)}")
    if phrase.id != (wanted := authoring.slugify(text) or "phrase"):
        click.echo(f"pronounce: note: the id {wanted!r} is taken in this pack, so this phrase is {phrase.id!r}", err=True)


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
        raise PackError(f"{directory} is not a valid pack ({errors} error{'s' if errors != 1 else ''})",
                        hint="fix the errors listed above")
    warnings = len(problems)
    click.echo(f"{shown(directory)}: valid ({warnings} warning{'s' if warnings != 1 else ''})")


@pack.command("show")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the pack as JSON.")
def pack_show(source: Path, as_json: bool) -> None:
    """Show the pack in SOURCE (a folder or .zip)."""
    from tui.packs.loader import load_pack
    from tui.packs.report import pack_dict, pack_text

    loaded = load_pack(source)
    click.echo(safe_json(json.dumps(pack_dict(loaded), ensure_ascii=False, indent=2)) if as_json else pack_text(loaded))


@pack.command("export")
@click.argument("directory", type=existing_dir)
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def pack_export(directory: Path, out: Path) -> None:
    """Export the pack in DIRECTORY to OUT.zip (".zip" is added when missing; OUT must be outside the pack)."""
    from tui.packs.authoring import export_pack

    click.echo(f"Exported {shown(directory)} to {shown(export_pack(directory, out))}")


@pack.command("import")
@click.argument("source", type=existing_file)
@click.option("--to", "target", type=click.Path(file_okay=False, path_type=Path), help="Folder to create [default: beside the file].")
@click.option("--lang", default="en-US", show_default=True, help="Language of a CSV's phrases (picks the TTS voice).")
@click.option("--title", help="Title of a pack made from a CSV [default: from the file name].")
def pack_import(source: Path, target: Path | None, lang: str, title: str | None) -> None:
    """Import a pack from a .zip or a .csv (text[,translation][,audio]; TTS for rows without audio)."""
    from tui.packs.authoring import import_csv, import_zip

    is_csv = source.suffix.lower() == ".csv"
    if title is not None and not is_csv:
        raise PackError("--title only applies to a CSV import", hint="a .zip pack keeps its own title")
    created = import_csv(source, target, lang=lang, title=title) if is_csv else import_zip(source, target)
    click.echo(f"Imported {shown(source)} into {shown(created)}")
