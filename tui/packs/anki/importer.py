"""Import one deck of an Anki package (``.apkg``) as a lesson pack: one phrase per note.

The package's collection is copied into the import's staging folder (beside
the target) and read there (:mod:`.collection`); each note's fields are turned
into plain text (:mod:`.fields`); a note's first ``[sound:…]`` in its audio
field becomes the reference (converted to FLAC, word timings aligned), and notes
without usable audio are synthesized with espeak-ng. Notes without text, with a
text the pack already has, or with a text too long to be a phrase are skipped
and counted. The pack appears at its target only when complete; on any error
nothing is left.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tui.audio.files import load_audio
from tui.errors import AudioFormatError, PackError, TTSError
from tui.packs.anki.collection import Collection, Note, NoteType
from tui.packs.anki.fields import FieldChoice, choose_fields, plain_text, sounds
from tui.packs.anki.package import AnkiPackage
from tui.packs.authoring import derive_words, slugify
from tui.packs.builder import PackBuilder
from tui.packs.references import MAX_AUDIO_SECONDS
from tui.packs.staging import import_folder, place
from tui.speech.tts import synthesize, voice_for

MAX_TEXT = 300
"""Characters of a phrase: longer fields are paragraphs, not phrases to say."""
NOTETYPE_NAME = "pronounce phrase ({language}, {pack_id})"
"""The note type of decks ``pronounce pack export --anki`` writes: it carries the pack's language and id back."""
_NOTETYPE = re.compile(r"^pronounce phrase \((?P<language>[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*), (?P<pack_id>[^\s(),]+)\)$")
_SUFFIX = re.compile(r"\.[a-z0-9]{1,5}")
Progress = Callable[[int, int], None]
"""Called with (notes done, notes in all) as the import goes."""


@dataclass(frozen=True)
class NoteTypeUse:
    """A note type of the chosen deck: how many notes use it, the fields chosen, and the first note's fields as text."""

    notetype: NoteType
    notes: int
    choice: FieldChoice
    example: tuple[str, ...]


@dataclass(frozen=True)
class DeckContents:
    """What ``--list-fields`` shows: the package's decks with notes, the deck chosen and its note types."""

    version: str
    decks: tuple[tuple[str, int], ...]
    deck: str
    notetypes: tuple[NoteTypeUse, ...]


@dataclass
class AnkiImport:
    """What an import made and what it left out."""

    path: Path
    deck: str
    phrases: int = 0
    with_audio: int = 0
    empty: int = 0
    repeated: int = 0
    too_long: int = 0
    problems: list[str] = field(default_factory=list)
    """One line per note whose sound could not be used (it was synthesized instead) or that could not be spoken."""


def describe_apkg(source: Path, *, deck: str | None = None, fields: dict[str, str | None] | None = None) -> DeckContents:
    """The decks of the package at ``source``, the one chosen and its note types with the fields each role gets."""
    work = Path(tempfile.mkdtemp(prefix="pronounce-apkg."))
    try:
        with AnkiPackage(source) as package:
            package.copy_collection(work / "collection.sqlite")
            with Collection(work / "collection.sqlite", source=source) as collection:
                name, notes, decks = _deck_notes(collection, deck, source, listing_only=True)
                uses = _uses(collection, notes, fields or {}, source)
                version = f"{package.collection_entry} (package version {package.version})"
                return DeckContents(version, decks, name, tuple(uses.values()))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def import_apkg(source: Path, target: Path | None = None, *, lang: str | None = None, deck: str | None = None,
                fields: dict[str, str | None] | None = None, title: str | None = None,
                progress: Progress | None = None) -> AnkiImport:
    """Import one deck of the Anki package ``source`` into the new pack folder ``target``.

    Parameters
    ----------
    source : Path
        The ``.apkg`` file.
    target : Path, optional
        The pack folder to create [default: beside ``source``, named after the pack id].
    lang : str, optional
        BCP 47 language of the phrases; required unless pronounce exported the deck.
    deck : str, optional
        The deck (with its sub-decks) to import, when the package holds several.
    fields : dict, optional
        Field names for the roles ``text``, ``translation``, ``notes`` and ``audio``;
        the others are guessed per note type.
    title : str, optional
        The pack's title [default: the deck's name].

    Raises
    ------
    PackError
        The package is unsafe or unreadable, the deck or a field is unknown, the
        language is missing, or no note has text; nothing is written then.
    """
    source = Path(source)
    with import_folder(target, source) as (chosen, staging):
        with AnkiPackage(source) as package:
            package.copy_collection(staging / "collection.sqlite")
            with Collection(staging / "collection.sqlite", source=source) as collection:
                name, notes, _ = _deck_notes(collection, deck, source)
                uses = _uses(collection, notes, fields or {}, source)
                language, pack_id = _identity(uses, lang, name, source)
                final = chosen or source.parent / pack_id
                if final.exists() or final.is_symlink():  # checked again when the pack moves there
                    raise PackError(f"{final} already exists", hint="choose another folder with --to, or remove it")
                builder = PackBuilder(staging / "pack", pack_id=pack_id, title=title or name, language=language,
                                      description=f"Imported from the Anki deck {name!r}.")
                voice_for(language)  # a language espeak-ng cannot speak fails here, before any work
                report = AnkiImport(path=staging / "pack", deck=name)
                for done, note in enumerate(notes, 1):
                    _add_note(builder, package, note, uses[note.notetype].choice, staging, language, report)
                    if progress:
                        progress(done, len(notes))
        if not len(builder):
            raise PackError(f"{source}: no note of the deck {name!r} has text in its field for the phrase",
                            hint="choose the field with --field-text (see --list-fields)")
        report.phrases = len(builder)
        built = builder.finish().root
        report.path = place(built, chosen, source.parent, pack_id)
        return report


def _deck_notes(collection: Collection, wanted: str | None, source: Path, *, listing_only: bool = False
                ) -> tuple[str, list[Note], tuple[tuple[str, int], ...]]:
    """The chosen deck's name, its notes (sub-decks included) and every deck with notes.

    With ``listing_only``, a package of several decks and no ``wanted`` gives
    the name "" and no notes instead of an error.
    """
    counts = collection.deck_notes()
    names = {deck: collection.decks.get(deck, f"#{deck}") for deck in counts}
    listing = tuple(sorted(((names[deck], count) for deck, count in counts.items()), key=lambda item: item[0].casefold()))
    if not counts:
        raise PackError(f"{source} holds no cards", hint="export a deck that has notes from Anki")
    if wanted:
        name = next((n for n in {**collection.decks, **names}.values() if n.casefold() == wanted.strip().casefold()), None)
        if name is None:
            raise PackError(f"{source} has no deck {wanted!r}; it has {_decks_text(listing)}", hint="choose one of them with --deck")
    else:
        name = "::".join(_common_path([names[deck].split("::") for deck in counts]))
        if not name and listing_only:
            return "", [], listing
        if not name:
            raise PackError(f"{source} holds {len(listing)} decks: {_decks_text(listing)}",
                            hint="choose one with --deck NAME (one pack per deck)")
    inside = {deck for deck, deck_name in {**collection.decks, **names}.items()
              if deck_name.casefold() == name.casefold() or deck_name.casefold().startswith(name.casefold() + "::")}
    notes = collection.notes(inside)
    if not notes:
        raise PackError(f"{source}: the deck {name!r} has no notes; decks with notes: {_decks_text(listing)}",
                        hint="choose one of them with --deck")
    return name, notes, listing


def _common_path(paths: list[list[str]]) -> list[str]:
    common = paths[0]
    for path in paths[1:]:
        size = next((i for i, (a, b) in enumerate(zip(common, path)) if a.casefold() != b.casefold()), min(len(common), len(path)))
        common = common[:size]
    return common


def _decks_text(decks: tuple[tuple[str, int], ...]) -> str:
    shown = ", ".join(f"{name!r} ({count} note{'s' if count != 1 else ''})" for name, count in decks[:6])
    return shown + (f" and {len(decks) - 6} more" if len(decks) > 6 else "")


def _uses(collection: Collection, notes: list[Note], wanted: dict[str, str | None], source: Path) -> dict[int, NoteTypeUse]:
    """Each note type of ``notes`` with the fields chosen for it; a field named in ``wanted`` must exist in one."""
    by_type: dict[int, list[Note]] = {}
    for note in notes:
        by_type.setdefault(note.notetype, []).append(note)
    uses = {}
    for ntid, members in by_type.items():
        notetype = collection.notetypes.get(ntid) or NoteType(ntid, f"#{ntid}", tuple(f"Field {i + 1}" for i in range(len(members[0].fields))))
        choice = choose_fields(notetype, members, wanted)
        example = tuple(_example(value) for value in members[0].fields)
        uses[ntid] = NoteTypeUse(notetype, len(members), choice, example)
    for role, name in wanted.items():
        known = {f.casefold() for use in uses.values() for f in use.notetype.fields}
        if name and name.strip().casefold() not in known:
            fields = sorted({f for use in uses.values() for f in use.notetype.fields})
            raise PackError(f"{source}: no note type of the deck has a field {name!r} (its fields: {', '.join(fields)})",
                            hint=f"name one of them with --field-{role}, or see --list-fields")
    return uses


def _example(html: str) -> str:
    """A field as ``--list-fields`` shows it: its text, cut short, and its first sound."""
    found = sounds(html)
    return " ".join(part for part in (plain_text(html)[:60], f"[sound:{found[0]}]" if found else "") if part)


def _identity(uses: dict[int, NoteTypeUse], lang: str | None, deck: str, source: Path) -> tuple[str, str]:
    """The pack's language and id: ``lang`` and the deck name, else what pronounce's note type carries."""
    ours = next((m for use in uses.values() if (m := _NOTETYPE.match(use.notetype.name))), None)
    language = lang or (ours["language"] if ours else None)
    if not language:
        raise PackError(f"{source}: say which language the deck's phrases are in",
                        hint="add --lang with a BCP 47 tag, e.g. --lang es-ES (it picks the voice and the scoring)")
    return language, ours["pack_id"] if ours else slugify(deck.replace("::", " ")) or "anki-deck"


def _add_note(builder: PackBuilder, package: AnkiPackage, note: Note, choice: FieldChoice, staging: Path,
              language: str, report: AnkiImport) -> None:
    text = plain_text(note.fields[choice.text])
    if not text:
        report.empty += 1
        return
    if len(text) > MAX_TEXT:
        report.too_long += 1
        return
    if builder.has(text):
        report.repeated += 1
        return
    translation = plain_text(note.fields[choice.translation]) if choice.translation is not None else ""
    notes = plain_text(note.fields[choice.notes], lines=True) if choice.notes is not None else ""
    tags = [tag for tag in note.tags if tag.isprintable()]
    names = sounds(note.fields[choice.audio]) if choice.audio is not None else []
    recorded = _note_audio(package, names[0], staging, report) if names else None
    if recorded is not None:
        samples, rate = recorded
        try:
            words = derive_words(samples, rate, text, language)
        except AudioFormatError as exc:
            report.problems.append(f"{exc.message} ({names[0][:80]!r}); it was synthesized instead")
        else:
            builder.add(text, samples, rate, words=words, translation=translation, notes=notes, tags=tags)
            report.with_audio += 1
            return
    try:
        speech = synthesize(text, lang=language)
    except TTSError as exc:
        report.problems.append(f"{text[:60]!r} was skipped: {exc.message}")
        return
    builder.add(text, speech.samples, speech.samplerate, words=speech.words, translation=translation, notes=notes,
                tags=tags)


def _note_audio(package: AnkiPackage, name: str, staging: Path, report: AnkiImport) -> tuple[np.ndarray, int] | None:
    """The sound file ``name`` decoded, or None (and a line in the report) when it cannot be used."""
    data = package.read_media(name)
    if data is None:
        report.problems.append(f"the sound {name[:80]!r} is not in the package; it was synthesized instead")
        return None
    suffix = Path(name).suffix.lower()
    path = staging / f"sound{suffix if _SUFFIX.fullmatch(suffix) else ''}"
    path.write_bytes(data)
    try:
        return load_audio(path, mono=True, what=f"the sound {name[:80]!r}", max_seconds=MAX_AUDIO_SECONDS)
    except AudioFormatError as exc:
        report.problems.append(f"{exc.message}; it was synthesized instead")
        return None
