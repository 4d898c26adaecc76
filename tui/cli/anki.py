"""What ``pronounce pack import DECK.apkg`` prints: the deck's fields (``--list-fields``) and the import's summary."""

from __future__ import annotations

from pathlib import Path

import click

from tui.cli.output import shown
from tui.packs.anki.importer import AnkiImport, DeckContents

MAX_PROBLEM_LINES = 5
"""Notes about single notes printed after an import; the rest are counted."""


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def print_contents(source: Path, contents: DeckContents) -> None:
    """Decks with their note counts, then each note type of the chosen deck: fields, their roles and an example."""
    click.echo(f"{shown(source)}: Anki package, {contents.version}")
    click.echo("Decks with notes:")
    width = max(len(shown(name)) for name, _ in contents.decks)
    for name, count in contents.decks:
        chosen = "   <- imported" if contents.deck and name.casefold() == contents.deck.casefold() else ""
        click.echo(f"  {shown(name):<{width}}  {_plural(count, 'note')}{chosen}")
    if not contents.deck:
        click.echo("Choose a deck with --deck NAME to see its fields.")
        return
    click.echo(f"Fields of the notes in {shown(repr(contents.deck))} (role: what the import makes of it):")
    for use in contents.notetypes:
        click.echo(f"  {shown(use.notetype.name)} ({_plural(use.notes, 'note')}), e.g. the first note:")
        names = [shown(name) for name in use.notetype.fields]
        width = max((len(name) for name in names), default=0)
        for index, name in enumerate(names):
            roles = ", ".join(use.choice.roles(index)) or "-"
            example = shown(use.example[index]) if index < len(use.example) else ""
            click.echo(f"    {name:<{width}}  {roles:<17} {example}")
    click.echo("Change a role with --field-text, --field-translation, --field-notes or --field-audio NAME.")


def print_import(source: Path, report: AnkiImport) -> None:
    """One line for what was made; on stderr, what was skipped and which sounds were not used."""
    synthesized = report.phrases - report.with_audio
    click.echo(f"Imported the deck {shown(repr(report.deck))} of {shown(source)} into {shown(report.path)}: "
               f"{_plural(report.phrases, 'phrase')} ({report.with_audio} with the deck's audio, {synthesized} synthesized)")
    reasons = ((report.empty, "without text"), (report.repeated, "repeating an earlier text"),
               (report.too_long, "too long to be a phrase"))
    skipped = [f"{_plural(count, 'note')} {why}" for count, why in reasons if count]
    if skipped:
        click.echo(f"pronounce: note: skipped {', '.join(skipped)}", err=True)
    for line in report.problems[:MAX_PROBLEM_LINES]:
        click.echo(f"pronounce: note: {shown(line)}", err=True)
    if len(report.problems) > MAX_PROBLEM_LINES:
        click.echo(f"pronounce: note: ... and {len(report.problems) - MAX_PROBLEM_LINES} more notes like these", err=True)
