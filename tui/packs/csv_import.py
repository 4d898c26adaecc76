"""Import a CSV of ``text[,translation][,audio]`` rows as a new pack: TTS for rows without audio."""

from __future__ import annotations

import csv
from pathlib import Path, PurePosixPath, PureWindowsPath

from tui.audio.files import load_audio
from tui.errors import PackError, PronounceError
from tui.packs.authoring import derive_words, fit_reference, slugify
from tui.packs.builder import PackBuilder
from tui.packs.checks import check_language
from tui.packs.staging import import_folder, place
from tui.speech.tts import synthesize

MAX_CSV_ROWS = 10_000
"""A CSV import makes one phrase per row (each synthesized or converted): more is not a pack."""


def _csv_rows(source: Path) -> list[tuple[int, dict[str, str]]]:
    """(line number, {column: cell}) per non-blank row after the optional header."""
    if not source.is_file():
        raise PackError(f"{source} is not a regular file", hint="give a CSV file")
    try:
        with open(source, newline="", encoding="utf-8-sig") as stream:
            reader = csv.reader(stream)
            rows = []
            for row in reader:
                if any(cell.strip() for cell in row):
                    rows.append((reader.line_num, row))
                if len(rows) > MAX_CSV_ROWS:
                    raise PackError(f"{source} has more than {MAX_CSV_ROWS} rows", hint="split it into several packs")
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise PackError(f"cannot read {source}: {getattr(exc, 'strerror', None) or exc}",
                        hint="save it as UTF-8 CSV") from exc
    columns = ["text", "translation", "audio"]
    if rows and "text" in (header := [cell.strip().lower() for cell in rows[0][1]]):
        columns = header
        rows.pop(0)
        unknown = set(columns) - {"text", "translation", "audio"}
        if unknown:
            raise PackError(f"{source} has unknown columns {sorted(unknown)}", hint="use the columns text, translation, audio")
    if not rows:
        raise PackError(f"{source} has no phrases", hint="put one phrase per row: text[,translation][,audio]")
    return [(line, dict(zip(columns, (cell.strip() for cell in row)))) for line, row in rows]


def _csv_audio(source: Path, relative: str) -> Path:
    """The audio file of a CSV row, which must lie in the CSV's folder (messages without the row prefix)."""
    base = Path(source).resolve().parent
    if "\0" in relative or PurePosixPath(relative).is_absolute() or PureWindowsPath(relative).is_absolute() \
            or ".." in Path(relative).parts:
        raise PackError(f"audio path {relative!r} is absolute or contains '..' or NUL",
                        hint="give audio paths relative to the CSV file, inside its folder")
    path = (base / relative).resolve()
    if not path.is_relative_to(base):
        raise PackError(f"audio path {relative!r} resolves outside the CSV's folder",
                        hint="copy the file next to the CSV instead of linking to it")
    return path


def import_csv(source: Path, target: Path | None = None, *, lang: str = "en-US", voice: str | None = None,
               title: str | None = None) -> Path:
    """Build a pack from a CSV of ``text[,translation][,audio]`` rows; rows without audio get TTS.

    The pack is built in a temporary folder and moved to ``target`` [default:
    beside the CSV, named after it] only when every row succeeded. Its title is
    ``title`` [default: from the file name].
    """
    source = Path(source)
    check_language(lang)
    rows = _csv_rows(source)
    with import_folder(target, source) as (chosen, staging):
        title = title or source.stem.replace("_", " ").replace("-", " ").strip() or "Imported"
        builder = PackBuilder(staging / "pack", pack_id=slugify(source.stem) or "imported", title=title, language=lang)
        for line, row in rows:
            text, translation, audio = row.get("text", ""), row.get("translation", ""), row.get("audio", "")
            try:
                if not text:
                    raise PackError("the text is empty", hint="every row needs a phrase text")
                builder.check(text)
                if audio:
                    samples, rate = fit_reference(*load_audio(_csv_audio(source, audio), mono=True))
                    words = derive_words(samples, rate, text, lang)
                else:
                    speech = synthesize(text, lang=lang, voice=voice)
                    samples, rate, words = speech.samples, speech.samplerate, speech.words
                builder.add(text, samples, rate, words=words, translation=translation)
            except PronounceError as exc:
                raise PackError(f"{source}:{line}: {exc.message}", hint=exc.hint) from exc
        return place(builder.finish().root, chosen, source.parent, slugify(source.stem) or "imported")
