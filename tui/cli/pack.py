"""``pronounce pack``: create, add to, check, show, export and import lesson packs (zip, CSV, Anki decks)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from tui.cli.output import safe_json, shown
from tui.cli.root import Settings, cli, existing_dir, existing_file, pass_settings
from tui.errors import PackError
from tui.text import plural


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
    click.echo(f"Added {shown(repr(phrase.id))} ({plural(len(phrase.words), 'word')} timed) to {shown(directory)}")
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
@click.argument("out", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--anki", "deck", type=click.Path(dir_okay=False, path_type=Path),
              help="Write an Anki deck (.apkg) instead of a zip: one note per phrase, with its audio.")
def pack_export(directory: Path, out: Path | None, deck: Path | None) -> None:
    """Export the pack in DIRECTORY to OUT.zip, or to an Anki deck with --anki DECK.apkg.

    ".zip" or ".apkg" is added when missing; the file must be outside the pack.
    """
    if out is not None and deck is None:
        from tui.packs.authoring import export_pack

        click.echo(f"Exported {shown(directory)} to {shown(export_pack(directory, out))}")
    elif deck is not None and out is None:
        from tui.packs.anki.exporter import export_apkg

        click.echo(f"Exported {shown(directory)} to the Anki deck {shown(export_apkg(directory, deck))}")
    else:
        raise PackError("give one of OUT (a .zip) and --anki DECK.apkg", hint="run `pronounce pack export --help`")


ANKI_ONLY = ("deck", "field_text", "field_translation", "field_notes", "field_audio", "list_fields")


@pack.command("import")
@click.argument("source", type=existing_file)
@click.option("--to", "target", type=click.Path(file_okay=False, path_type=Path), help="Folder to create [default: beside the file].")
@click.option("--lang", help="Language of the phrases, e.g. es-ES (picks the TTS voice) [CSV default: en-US; "
                             "an .apkg needs it unless pronounce exported it].")
@click.option("--title", help="Title of a pack made from a CSV or a deck [default: from the file or deck name].")
@click.option("--deck", help="The Anki deck to import, when the .apkg holds several (its sub-decks come along).")
@click.option("--field-text", help="The Anki field holding the phrase [default: guessed from the field names].")
@click.option("--field-translation", help="The Anki field holding the translation [default: guessed].")
@click.option("--field-notes", help="The Anki field holding notes on the phrase [default: guessed].")
@click.option("--field-audio", help="The Anki field whose [sound:...] is the reference [default: guessed].")
@click.option("--list-fields", is_flag=True, help="List the .apkg's decks and note fields, and the fields the import would use.")
def pack_import(source: Path, target: Path | None, lang: str | None, title: str | None, **anki: Any) -> None:
    """Import a pack from a .zip, a .csv (text[,translation][,audio]; TTS for rows without audio) or an Anki .apkg."""
    from tui.packs.authoring import import_zip
    from tui.packs.csv_import import import_csv

    kind = source.suffix.lower()
    if lang is not None:
        from tui.packs.checks import check_language

        check_language(lang)  # also an empty one: `--lang ""` is a mistake, not "the default"
    if kind == ".colpkg":
        raise PackError(f"{source} is a whole Anki collection (.colpkg), not a deck",
                        hint="export one deck from Anki as an Anki Deck Package (.apkg) and import that")
    if kind != ".apkg" and (given := [name for name in ANKI_ONLY if anki[name]]):
        option = "--" + given[0].replace("_", "-")
        raise PackError(f"{option} only applies to an Anki deck (.apkg)", hint="drop it for a .zip or .csv import")
    if kind == ".apkg":
        _import_anki(source, target, lang, title, anki)
        return
    if title is not None and kind != ".csv":
        raise PackError("--title only applies to a CSV import or an Anki deck", hint="a .zip pack keeps its own title")
    created = import_csv(source, target, lang=lang or "en-US", title=title) if kind == ".csv" else import_zip(source, target)
    click.echo(f"Imported {shown(source)} into {shown(created)}")


def _import_anki(source: Path, target: Path | None, lang: str | None, title: str | None, options: dict[str, Any]) -> None:
    from tui.cli.anki import print_contents, print_import
    from tui.packs.anki.importer import describe_apkg, import_apkg

    fields = {role: options[f"field_{role}"] for role in ("text", "translation", "notes", "audio")}
    if options["list_fields"]:
        print_contents(source, describe_apkg(source, deck=options["deck"], fields=fields))
        return
    progress = _Progress() if sys.stderr.isatty() else None
    try:
        report = import_apkg(source, target, lang=lang, deck=options["deck"], fields=fields, title=title, progress=progress)
    finally:
        if progress is not None:
            progress.end()
    print_import(source, report)


class _Progress:
    """``Importing notes: done/total`` on a terminal's stderr, redrawn in place, ended by a newline."""

    def __init__(self) -> None:
        self.open = False

    def __call__(self, done: int, total: int) -> None:
        click.echo(f"\rImporting notes: {done}/{total}", nl=False, err=True)
        self.open = True

    def end(self) -> None:
        if self.open:
            click.echo("", err=True)
            self.open = False
