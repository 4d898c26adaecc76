"""Edit phrases already in a pack (change text or translation, remove one) and tidy recorded references.

Edits work on the text of ``pack.toml``: only the edited ``[[phrase]]`` table is
rewritten, so comments and layout elsewhere survive. Every write is atomic, and
the result is read back and checked before it replaces the file.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import numpy as np

from tui.errors import PackError
from tui.fsio import atomic_write
from tui.packs import tomlfile
from tui.packs.authoring import AUDIO_FOLDER, derive_words, pack_language, phrase_table
from tui.packs.loader import PACK_FILE, read_pack
from tui.packs.model import Phrase

_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\-]+)\s*\]\]?")
TRIM_FRAME_S = 0.02
TRIM_BELOW_PEAK_DB = 35.0
"""A frame quieter than the loudest frame by more than this is silence, for trimming."""
TRIM_FLOOR_DBFS = -55.0
"""A frame quieter than this is silence whatever the peak."""
TRIM_PAD_S = 0.15
"""Silence kept before the first and after the last sound."""


def trim_silence(samples: np.ndarray, samplerate: int) -> np.ndarray:
    """``samples`` without leading and trailing silence (keeping ``TRIM_PAD_S`` of it each side).

    Parameters
    ----------
    samples : np.ndarray [shape=(n,)], float
    samplerate : int

    Returns
    -------
    np.ndarray [shape=(m,)]
        The trimmed copy; all of ``samples`` when nothing is louder than silence.
    """
    frame = max(int(TRIM_FRAME_S * samplerate), 1)
    n_frames = samples.size // frame
    if n_frames == 0:
        return samples.copy()
    frames = samples[: n_frames * frame].astype(np.float64).reshape(n_frames, frame)
    level = 10 * np.log10(np.mean(frames * frames, axis=1) + 1e-12)
    loud = np.flatnonzero((level > level.max() - TRIM_BELOW_PEAK_DB) & (level > TRIM_FLOOR_DBFS))
    if loud.size == 0:
        return samples.copy()
    pad = int(TRIM_PAD_S * samplerate)
    start = max(loud[0] * frame - pad, 0)
    end = min((loud[-1] + 1) * frame + pad, samples.size)
    return samples[start:end].copy()


def _phrase_spans(lines: list[str]) -> list[tuple[int, int]]:
    """``[start, end)`` line ranges of every ``[[phrase]]`` table, in file order.

    A table runs from its header to the next header (the loader finds lines the
    same way); :func:`_rewrite` checks the outcome by parsing it.
    """
    headers = [(index, match.group(1)) for index, line in enumerate(lines) if (match := _HEADER.match(line))]
    spans = []
    for position, (index, name) in enumerate(headers):
        if name == "phrase":
            later = [start for start, other in headers[position + 1 :] if not other.startswith("phrase.")]
            spans.append((index, later[0] if later else len(lines)))
    return spans


def _rewrite(directory: Path, phrase_id: str, replacement: str | None) -> tuple[str, dict[str, object]]:
    """Replace (or with None remove) the table of ``phrase_id``; return the new source and the removed table's data."""
    path = directory / PACK_FILE
    try:
        source = tomlfile.read_text(path)
        data = tomllib.loads(source)
    except (OSError, tomlfile.TomlFileError, tomllib.TOMLDecodeError) as exc:
        raise PackError(f"cannot read {path}: {exc}", hint=f"run `pronounce pack validate {directory}`") from exc
    tables = [t for t in data.get("phrase", []) if isinstance(t, dict)]
    ids = [t.get("id") for t in tables]
    if phrase_id not in ids:
        raise PackError(f"the pack has no phrase {phrase_id!r}", hint="reload the pack")
    lines = source.splitlines(keepends=True)
    spans = _phrase_spans(lines)
    index = ids.index(phrase_id)
    if len(spans) != len(tables):
        raise PackError(f"cannot find the phrase tables in {path}", hint="edit pack.toml by hand")
    start, end = spans[index]
    new = "".join(lines[:start]) + (replacement + "\n" if replacement else "") + "".join(lines[end:])
    try:
        check = tomllib.loads(new)
    except tomllib.TOMLDecodeError as exc:
        raise PackError(f"editing {path} would break it: {exc}", hint="edit pack.toml by hand") from exc
    others = [t for t in check.get("phrase", []) if isinstance(t, dict) and t.get("id") != phrase_id]
    edited = [t for t in check.get("phrase", []) if isinstance(t, dict) and t.get("id") == phrase_id]
    if others != [t for t in tables if t.get("id") != phrase_id] or len(edited) != (replacement is not None) \
            or {k: v for k, v in check.items() if k != "phrase"} != {k: v for k, v in data.items() if k != "phrase"}:
        raise PackError(f"editing {path} would change more than that phrase", hint="edit pack.toml by hand")
    return new, tables[index]


def remove_phrase(directory: Path, phrase_id: str) -> None:
    """Remove phrase ``phrase_id`` from the pack, and its reference audio when no other phrase uses it."""
    directory = Path(directory)
    new, removed = _rewrite(directory, phrase_id, None)
    atomic_write(directory / PACK_FILE, new.encode())
    audio = removed.get("audio")
    if isinstance(audio, str):
        still_used = {t.get("audio") for t in tomllib.loads(new).get("phrase", []) if isinstance(t, dict)}
        target = (directory / audio).resolve()
        if audio not in still_used and target.is_relative_to((directory / AUDIO_FOLDER).resolve()):
            target.unlink(missing_ok=True)


def update_phrase(directory: Path, phrase: Phrase, *, text: str, translation: str) -> Phrase:
    """Change the text and translation of ``phrase``; a new text gets its word timings derived again.

    Raises
    ------
    PackError
        The text is empty, or the pack cannot be read or written.
    """
    directory = Path(directory)
    text = text.strip()
    if not text:
        raise PackError("the phrase text is empty", hint="give the words to practise")
    words = phrase.words
    if text != phrase.text:
        from tui.audio.files import load_audio

        samples, samplerate = load_audio(phrase.audio)
        words = derive_words(samples, samplerate, text, pack_language(directory))
    audio = phrase.audio.relative_to(directory.resolve()).as_posix() if phrase.audio.is_absolute() else str(phrase.audio)
    table = phrase_table(phrase.id, text, audio, translation=translation.strip(), notes=phrase.notes, tags=phrase.tags, words=words)
    new, _ = _rewrite(directory, phrase.id, table)
    atomic_write(directory / PACK_FILE, new.encode())
    pack, problems = read_pack(directory)
    if pack is None:
        raise PackError(f"the pack has errors: {'; '.join(str(p) for p in problems if p.severity == 'error')}",
                        hint=f"run `pronounce pack validate {directory}`")
    return pack.phrase(phrase.id)
