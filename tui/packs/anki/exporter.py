"""Write a pack as an Anki deck package (``.apkg``) with genanki: one note per phrase.

The note type, ``pronounce phrase (<language>, <pack id>)``, has the fields
Text, Translation, Notes and Audio and one card: the phrase and its reference
playing on the front, translation and notes on the back. Its name carries the
pack's language and id, so importing the deck back needs no ``--lang`` and
gives the same pack id. Ids are derived from the pack and phrase ids: exporting
again and importing into Anki updates the notes instead of duplicating them.
Reference audio goes in as it is in the pack (FLAC, which Anki plays), named
``<pack id>-<phrase id>.flac`` because Anki's media folder is shared by every
deck. Text is escaped: Anki shows fields as HTML. New cards come in the pack's order.
"""

from __future__ import annotations

import hashlib
import html
import shutil
import tempfile
from pathlib import Path

import genanki

from tui.errors import PackError
from tui.fsio import atomic_output
from tui.packs.anki.importer import NOTETYPE_NAME
from tui.packs.loader import read_pack
from tui.packs.model import Phrase

FIELDS = ("Text", "Translation", "Notes", "Audio")
FRONT = '<div class="phrase">{{Text}}</div>\n{{Audio}}'
BACK = ('{{FrontSide}}\n<hr id="answer">\n<div class="translation">{{Translation}}</div>\n'
        '{{#Notes}}<div class="notes">{{Notes}}</div>{{/Notes}}')
CSS = """.card { font-family: sans-serif; font-size: 24px; text-align: center; color: black; background-color: white; }
.phrase { font-size: 32px; font-weight: bold; }
.translation { font-style: italic; }
.notes { margin-top: 1em; font-size: 18px; color: #555; }
.nightMode .notes { color: #aaa; }
"""


def _anki_id(*parts: str) -> int:
    """A stable id in genanki's recommended range [2^30, 2^31) for the note type or deck named by ``parts``."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:8], "big") % (1 << 30)


def _html(text: str) -> str:
    """Plain text as an Anki field: escaped, line breaks as ``<br>``."""
    return html.escape(text, quote=False).replace("\n", "<br>")


def export_apkg(directory: Path, out: Path) -> Path:
    """Write the pack in ``directory`` as the Anki deck ``out`` (``.apkg`` added when missing); return its path.

    Raises
    ------
    PackError
        The pack has errors, ``out`` lies inside the pack, or ``out`` cannot be
        written; an existing ``out`` is then left as it was.
    """
    directory, out = Path(directory), Path(out)
    if out.suffix.lower() != ".apkg":
        out = out.with_name(out.name + ".apkg")
    if out.resolve().is_relative_to(directory.resolve()):
        raise PackError(f"{out} is inside the pack {directory}; nothing was written",
                        hint="write the deck outside the pack folder, e.g. beside it")
    pack, problems = read_pack(directory)
    if pack is None:
        raise PackError(f"{directory} has errors and was not exported: "
                        f"{'; '.join(str(p) for p in problems if p.severity == 'error')}",
                        hint=f"run `pronounce pack validate {directory}` and fix them")
    name = NOTETYPE_NAME.format(language=pack.language, pack_id=pack.id)
    model = genanki.Model(_anki_id("note type", name), name, fields=[{"name": field} for field in FIELDS],
                          templates=[{"name": "Say it", "qfmt": FRONT, "afmt": BACK}], css=CSS)
    deck = genanki.Deck(_anki_id("deck", pack.id), pack.title, description=html.escape(pack.description))
    media = Path(tempfile.mkdtemp(prefix="pronounce-anki."))
    try:
        files = []
        for position, phrase in enumerate(pack.phrases):
            sound = media / f"{pack.id}-{phrase.id}{phrase.audio.suffix.lower()}"
            shutil.copyfile(phrase.audio, sound)
            files.append(str(sound))
            deck.add_note(_note(model, pack.id, phrase, sound.name, position))
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            with atomic_output(out) as staged:
                genanki.Package(deck, media_files=files).write_to_file(str(staged))
        except OSError as exc:
            raise PackError(f"cannot write {out}: {exc.strerror or exc}",
                            hint="choose a folder you can write to, with free space; nothing was left half-written") from exc
    finally:
        shutil.rmtree(media, ignore_errors=True)
    return out


def _note(model: genanki.Model, pack_id: str, phrase: Phrase, sound: str, position: int) -> genanki.Note:
    """The phrase's note; ``position`` orders the new cards as the pack orders its phrases."""
    tags = ["_".join(tag.split()) for tag in phrase.tags if tag.strip()]
    fields = [_html(phrase.text), _html(phrase.translation), _html(phrase.notes), f"[sound:{sound}]"]
    return genanki.Note(model=model, fields=fields, tags=tags, guid=genanki.guid_for(pack_id, phrase.id), due=position)
