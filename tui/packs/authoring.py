"""Write lesson packs: create, add phrases (audio, TTS or samples), export and import.

Every write is atomic (temporary file, fsync, ``os.replace``): a failure half way
never leaves a broken ``pack.toml``. Adding a phrase appends a ``[[phrase]]``
table to the existing text, so the author's comments and layout survive.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
import soxr

from tui.audio.files import load_audio
from tui.errors import PackError
from tui.fsio import NotAFileError, atomic_output, atomic_write, output_target, resolved
from tui.packs import tomlfile
from tui.packs.archive import extract_zip, pack_root, write_zip
from tui.packs.checks import check_inside, check_language, check_text
from tui.packs.ids import ID_HINT, id_problem, normalize_id
from tui.packs.loader import PACK_FILE, read_pack
from tui.packs.model import Pack, Phrase
from tui.packs.references import MAX_DECODE_SECONDS
from tui.packs.staging import import_folder, place, unwritable
from tui.speech.tts import synthesize
from tui.speech.types import WordTiming

PACK_SAMPLERATE = 22050
"""Reference audio is stored as 16-bit mono FLAC at most at this rate."""
AUDIO_FOLDER = "audio"


def slugify(text: str, *, limit: int = 40) -> str:
    """A lowercase ASCII id from ``text``: ``"¿Dónde está?"`` → ``"donde-esta"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].rstrip("-")


def toml_string(value: str) -> str:
    """``value`` as a TOML basic string: JSON's escapes are valid TOML, plus DEL, which TOML forbids raw."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def pack_header(*, pack_id: str, title: str, language: str, version: str = "1", author: str = "", description: str = "") -> str:
    """The ``[pack]`` table of a new ``pack.toml``."""
    fields = {"id": pack_id, "title": title, "language": language, "version": version, "author": author, "description": description}
    return "[pack]\n" + "".join(f"{key} = {toml_string(value)}\n" for key, value in fields.items())


def phrase_table(phrase_id: str, text: str, audio: str, *, translation: str = "", notes: str = "",
                 tags: Sequence[str] = (), words: Iterable[WordTiming] = ()) -> str:
    """One ``[[phrase]]`` table, words as one inline table per line."""
    lines = ["[[phrase]]", f"id = {toml_string(phrase_id)}", f"text = {toml_string(text)}"]
    if translation:
        lines.append(f"translation = {toml_string(translation)}")
    if notes:
        lines.append(f"notes = {toml_string(notes)}")
    if tags:
        lines.append(f"tags = [{', '.join(toml_string(t) for t in tags)}]")
    lines.append(f"audio = {toml_string(audio)}")
    words = list(words)
    if words:
        lines.append("words = [")
        lines += [f"  {{ text = {toml_string(w.text)}, start = {w.start:.3f}, end = {w.end:.3f} }}," for w in words]
        lines.append("]")
    return "\n".join(lines) + "\n"


def new_pack(directory: Path, *, lang: str, title: str, pack_id: str | None = None, author: str = "",
             description: str = "") -> Pack:
    """Create an empty pack (``pack.toml`` and ``audio/``) in ``directory``.

    Everything is checked before anything is written: the folder is resolved
    first (``pack/missing/..`` is ``pack``, which already holds a pack), and on
    a failure only what this call created is removed.

    Raises
    ------
    PackError
        ``directory`` already holds a pack or files, or the language tag,
        title or id is invalid.
    """
    if Path(directory).is_symlink():
        raise PackError(f"{directory} is a symbolic link; a new pack is never made through one",
                        hint="give the folder itself, or a new folder name")
    try:
        directory = resolved(directory)
        exists = directory.exists()
        if exists and (not directory.is_dir() or any(directory.iterdir())):
            raise PackError(f"{directory} already exists and is not empty", hint="choose a new folder for the pack")
    except OSError as exc:
        raise unwritable(directory, exc) from exc
    check_language(lang)
    check_text(title, what="title")
    pack_id = normalize_id(pack_id or slugify(directory.name) or "pack")
    if problem := id_problem(pack_id):
        raise PackError(f"the pack id {pack_id!r} {problem}", hint=ID_HINT)
    header = pack_header(pack_id=pack_id, title=title, language=lang, author=author, description=description)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / AUDIO_FOLDER).mkdir(exist_ok=True)
        atomic_write(directory / PACK_FILE, header.encode())
        pack, problems = read_pack(directory)
        if pack is None:
            raise PackError(f"cannot create the pack: {'; '.join(str(p) for p in problems)}", hint="fix the option and try again")
    except BaseException as exc:
        if exists:  # the folder was there, empty: take back only what was put in it
            (directory / PACK_FILE).unlink(missing_ok=True)
            shutil.rmtree(directory / AUDIO_FOLDER, ignore_errors=True)
        else:
            shutil.rmtree(directory, ignore_errors=True)
        if isinstance(exc, OSError):
            raise unwritable(directory, exc) from exc
        raise
    return pack


def _pack_source(directory: Path) -> tuple[str, dict[str, Any]]:
    path = Path(directory) / PACK_FILE
    try:
        source = tomlfile.read_text(path)
        data = tomlfile.parse(source)
    except FileNotFoundError as exc:
        raise PackError(f"{directory} has no {PACK_FILE}", hint="create the pack with `pronounce pack new DIR`") from exc
    except tomlfile.TomlFileError as exc:
        raise PackError(f"cannot use {path}: {exc}", hint=f"run `pronounce pack validate {directory}`") from exc
    if not isinstance(data.get("pack"), dict):
        raise PackError(f"{path} has no [pack] table", hint=f"run `pronounce pack validate {directory}`")
    return source, data


def pack_language(directory: Path) -> str:
    """The ``language`` of the pack in ``directory`` (``en-US`` when unset)."""
    language = _pack_source(directory)[1]["pack"].get("language")
    return language if isinstance(language, str) and language else "en-US"


def fit_reference(samples: np.ndarray, samplerate: int) -> tuple[np.ndarray, int]:
    """``samples`` as a reference is stored: mono float32 in [-1, 1], at most at :data:`PACK_SAMPLERATE`."""
    samples = np.asarray(samples, dtype=np.float32)
    if samples.ndim != 1 or not samples.size or not np.all(np.isfinite(samples)):
        raise PackError("the reference audio is empty or invalid", hint="record or choose the audio again")
    if samplerate > PACK_SAMPLERATE:
        samples = soxr.resample(samples, samplerate, PACK_SAMPLERATE).astype(np.float32)
        samplerate = PACK_SAMPLERATE
    return np.clip(samples, -1.0, 1.0), samplerate


def add_phrase(directory: Path, text: str, samples: np.ndarray, samplerate: int, *, words: Iterable[WordTiming] = (),
               translation: str = "", notes: str = "", tags: Sequence[str] = ()) -> Phrase:
    """Store ``samples`` as the phrase's FLAC reference and append the phrase to ``pack.toml``.

    Parameters
    ----------
    directory : Path
        The pack folder.
    text : str
        The phrase; its id is derived from it and made unique.
    samples : np.ndarray [shape=(n,)]
        Mono reference audio, resampled down to 22.05 kHz when faster.
    samplerate : int
        Rate of ``samples`` in Hz.
    words : iterable of WordTiming
        Word timings in seconds.

    Returns
    -------
    Phrase
        The phrase as loaded back from the pack.
    """
    directory = Path(directory)
    source, data = check_new_phrase(directory, text)
    taken = {normalize_id(p["id"]) for p in data.get("phrase", []) if isinstance(p, dict) and isinstance(p.get("id"), str)}
    base = slugify(text) or "phrase"
    phrase_id = base
    number = 2
    while phrase_id in taken or (directory / AUDIO_FOLDER / f"{phrase_id}.flac").exists():
        phrase_id, number = f"{base}-{number}", number + 1
    samples, samplerate = fit_reference(samples, samplerate)
    check_inside(directory / AUDIO_FOLDER, directory)
    audio_path = directory / AUDIO_FOLDER / f"{phrase_id}.flac"
    table = phrase_table(phrase_id, text.strip(), f"{AUDIO_FOLDER}/{phrase_id}.flac", translation=translation,
                         notes=notes, tags=tags, words=words)
    try:
        (directory / AUDIO_FOLDER).mkdir(exist_ok=True)
        with atomic_output(audio_path) as staged:
            sf.write(os.fsencode(staged), samples, samplerate, format="FLAC", subtype="PCM_16")
        try:
            atomic_write(directory / PACK_FILE, (source.rstrip("\n") + "\n\n" + table).encode())
            pack, problems = read_pack(directory)
            if pack is None:
                raise PackError(f"the new phrase would break the pack: "
                                f"{'; '.join(str(p) for p in problems if p.severity == 'error')}; nothing was added",
                                hint=f"run `pronounce pack validate {directory}`")
        except BaseException:
            atomic_write(directory / PACK_FILE, source.encode())
            audio_path.unlink(missing_ok=True)
            raise
    except (OSError, sf.LibsndfileError) as exc:
        raise unwritable(directory, exc) from exc
    return pack.phrase(phrase_id)


def check_new_phrase(directory: Path, text: str) -> tuple[str, dict[str, Any]]:
    """Refuse ``text`` when the pack in ``directory`` already has it; the pack's source and data.

    Call it before recording or synthesizing, so nobody records a phrase for nothing.

    Raises
    ------
    PackError
        The pack cannot be read or has errors, the text is empty or holds
        control characters, or it is already there.
    """
    check_phrase_text(text)
    source, data = _pack_source(directory)
    if (problems := read_pack(directory, decode_audio=False)[1]) and any(p.severity == "error" for p in problems):
        errors = [str(p) for p in problems if p.severity == "error"]
        raise PackError(f"{directory} has errors, so nothing was added: {'; '.join(errors[:3])}",
                        hint=f"run `pronounce pack validate {directory}` and fix them first")
    for table in data.get("phrase", []):
        if isinstance(table, dict) and isinstance(table.get("text"), str) and same_text_key(table["text"]) == same_text_key(text):
            raise PackError(f"the pack already has the phrase {table['text']!r} (id {table.get('id')!r})",
                            hint="each phrase is in a pack once; edit pack.toml to change it")
    return source, data


def check_phrase_text(text: str) -> None:
    """Refuse an empty phrase text, or one holding control or bidirectional characters (:class:`PackError`)."""
    if not text.strip():
        raise PackError("the phrase text is empty", hint="give the words to practise")
    check_text(text, what="phrase text")


def same_text_key(text: str) -> str:
    """What equal phrases share, up to case, spacing and Unicode form: "Hola  mundo" and "hola mundo"."""
    return " ".join(normalize_id(text).casefold().split())


def add_tts_phrase(directory: Path, text: str, *, voice: str | None = None, translation: str = "", notes: str = "",
                   tags: Sequence[str] = ()) -> Phrase:
    """Add ``text`` with espeak-ng reference audio and its exact word timings (voice from the pack language)."""
    check_new_phrase(directory, text)
    speech = synthesize(text, lang=pack_language(directory), voice=voice)
    return add_phrase(directory, text, speech.samples, speech.samplerate, words=speech.words,
                      translation=translation, notes=notes, tags=tags)


def derive_words(samples: np.ndarray, samplerate: int, text: str, lang: str) -> tuple[WordTiming, ...]:
    """Word timings for a human reference, aligned from a TTS rendering (see :mod:`tui.scoring.words`)."""
    from tui.scoring.words import derive_word_timings

    return tuple(derive_word_timings(samples, samplerate, text, lang=lang))


def add_audio_phrase(directory: Path, text: str, audio: Path, *, translation: str = "", notes: str = "",
                     tags: Sequence[str] = ()) -> Phrase:
    """Add ``text`` with the reference in the file ``audio`` (any format libsndfile reads), converted to FLAC."""
    check_new_phrase(directory, text)
    samples, samplerate = load_audio(audio, mono=True, max_seconds=MAX_DECODE_SECONDS)
    return add_recorded_phrase(directory, text, samples, samplerate, translation=translation, notes=notes, tags=tags)


def add_recorded_phrase(directory: Path, text: str, samples: np.ndarray, samplerate: int, *, translation: str = "",
                        notes: str = "", tags: Sequence[str] = ()) -> Phrase:
    """Add ``text`` with recorded ``samples``; word timings are derived from the audio."""
    samples, samplerate = fit_reference(samples, samplerate)
    words = derive_words(samples, samplerate, text, pack_language(directory))
    return add_phrase(directory, text, samples, samplerate, words=words, translation=translation, notes=notes, tags=tags)


def export_pack(directory: Path, out: Path) -> Path:
    """Write the pack in ``directory`` to a zip at ``out`` (``.zip`` added when missing); return its path.

    Raises
    ------
    PackError
        The pack has errors, ``out`` names a folder or lies inside the pack (it
        would replace a pack file or zip itself), or ``out`` cannot be written;
        an existing ``out`` is then left as it was (also on Ctrl+C or a stop signal).
    """
    directory = Path(directory)
    try:
        if Path(out).name in ("", ".", "..") or Path(out).is_dir():
            raise PackError(f"{out} is a folder; nothing was written", hint="give the zip's file name, e.g. mypack.zip")
        out = output_target(out)
        if out.suffix.lower() != ".zip":
            out = out.with_name(out.name + ".zip")
        inside = out.is_relative_to(resolved(directory))
    except OSError as exc:
        raise unwritable(Path(out), exc) from exc
    if inside:
        raise PackError(f"{out} is inside the pack {directory}; nothing was written",
                        hint="write the zip outside the pack folder, e.g. beside it")
    pack, problems = read_pack(directory)
    if pack is None:
        raise PackError(f"{directory} has errors and was not exported: "
                        f"{'; '.join(str(p) for p in problems if p.severity == 'error')}",
                        hint=f"run `pronounce pack validate {directory}` and fix them")
    try:
        write_zip(directory, out, prefix=pack.id)
    except NotAFileError as exc:
        raise PackError(f"cannot write {out}: it is {exc.kind}", hint="give the zip's file name") from exc
    except OSError as exc:
        raise unwritable(out, exc) from exc
    return out


def import_zip(source: Path, target: Path | None = None) -> Path:
    """Import a ``.zip`` pack into ``target`` [default: beside the zip, named after the pack id].

    Refuses unsafe archives and invalid packs, leaving nothing behind.
    """
    with import_folder(target, Path(source)) as (chosen, folder):
        extracted = folder / "pack"
        extract_zip(Path(source), extracted)
        root = pack_root(extracted)
        pack, problems = read_pack(root)
        if pack is None:
            raise PackError(f"{source} holds an invalid pack: {'; '.join(str(p) for p in problems if p.severity == 'error')}",
                            hint="fix the pack and export it again")
        return place(root, chosen, Path(source).parent, pack.id)
