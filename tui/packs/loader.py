"""Load lesson packs from a folder or a ``.zip``, and validate them on the way.

Every problem names the file, the TOML line and the field, and says how to fix
it. Audio paths are checked before any file is opened: absolute paths, ``..``
and paths that resolve (symlinks included) outside the pack are rejected unread.
Pack and phrase ids must be safe slugs (:mod:`tui.packs.ids`).

:func:`load_pack` (the app's start-up) reads only each reference's header;
:func:`validate_pack` and authoring decode every reference to find silent or
corrupt ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.errors import PackError
from tui.packs import tomlfile
from tui.packs.archive import open_zip_pack
from tui.packs.ids import ID_HINT, id_problem, normalize_id
from tui.packs.model import Pack, Phrase
from tui.packs.references import ReferenceChecker
from tui.speech.types import LANGUAGE_TAG, WordTiming
from tui.text import brief

PACK_FILE = "pack.toml"

PACK_KEYS = {"id", "title", "language", "version", "author", "description"}
PACK_REQUIRED = ("id", "title", "language")
PHRASE_KEYS = {"id", "text", "translation", "notes", "tags", "audio", "words"}
PHRASE_REQUIRED = ("id", "text", "audio")
WORD_KEYS = {"text", "start", "end"}
_TIMING_SLACK = 0.05
"""Seconds a word may end after the audio (rounding, encoder padding)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a pack.

    Attributes
    ----------
    severity : str
        ``"error"`` (the pack cannot be used) or ``"warning"`` (it can).
    file : str
        The file at fault, relative to the pack folder.
    line : int or None
        1-based line in ``file`` when known.
    field : str
        Where in the file, e.g. ``phrase[3].audio``.
    message, hint : str
        What is wrong and how to fix it.
    """

    severity: str
    file: str
    line: int | None
    field: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.severity}: {self.field + ': ' if self.field else ''}{self.message}"
        return f"{text} — {self.hint}" if self.hint else text


class _Checker:
    """Collects problems while building a :class:`Pack` from a folder."""

    def __init__(self, root: Path, *, decode_audio: bool) -> None:
        self.root = root
        self.problems: list[Problem] = []
        self.lines = tomlfile.TomlLines("")
        self.references = ReferenceChecker(root, decode=decode_audio)

    def add(self, severity: str, line: int | None, field: str, message: str, hint: str = "") -> None:
        self.problems.append(Problem(severity, PACK_FILE, line, field, message, hint))

    def read(self) -> Pack | None:
        try:
            source = tomlfile.read_text(self.root / PACK_FILE)
            self.lines = tomlfile.TomlLines(source)
            data = tomlfile.parse(source)
        except FileNotFoundError:
            self.add("error", None, "", f"there is no {PACK_FILE} in {self.root}", "create one with `pronounce pack new DIR`")
            return None
        except tomlfile.TomlFileError as exc:
            self.add("error", exc.line, "", str(exc), exc.hint)
            return None
        for key in sorted(set(data) - {"pack", "phrase"}):
            self.add("warning", self.lines.top(key), key, f"unknown key {key!r} is ignored",
                     "remove it, or check its spelling ([pack] and [[phrase]] are known)")
        meta = self._pack_table(data.get("pack"))
        phrases = self._phrases(data.get("phrase", []))
        if meta is None:
            return None
        return Pack(phrases=tuple(phrases), root=self.root, **meta)

    def _pack_table(self, table: Any) -> dict[str, str] | None:
        if not isinstance(table, dict):
            self.add("error", None, "pack", "the [pack] table is missing",
                     'add [pack] with id, title and language, e.g. id = "my-pack"')
            return None
        meta: dict[str, str] = {}
        ok = True
        for key in sorted(set(table) - PACK_KEYS):
            self.add("warning", self.lines.key("pack", 0, key), f"pack.{key}", f"unknown key {key!r} is ignored",
                     f"known keys: {', '.join(sorted(PACK_KEYS))}")
        for key in sorted(PACK_KEYS):
            line = self.lines.key("pack", 0, key)
            value = table.get(key)
            if value is None:
                if key in PACK_REQUIRED:
                    self.add("error", line, f"pack.{key}", f"required field {key!r} is missing", f'add {key} = "..." under [pack]')
                    ok = False
                continue
            if key == "version" and isinstance(value, int) and not isinstance(value, bool):
                value = str(value)
            if not isinstance(value, str) or (key in PACK_REQUIRED and not value.strip()):
                self.add("error", line, f"pack.{key}", f"{key!r} must be a non-empty string, not {brief(value)}",
                         f'write {key} = "..."')
                ok = False
                continue
            if key == "id":
                value = normalize_id(value)
                if problem := id_problem(value):
                    self.add("error", line, "pack.id", f"pack id {brief(value)} {problem}", ID_HINT)
                    ok = False
                    continue
            if key == "language" and not LANGUAGE_TAG.fullmatch(value):
                self.add("error", line, "pack.language", f"{value!r} is not a BCP 47 language tag",
                         'use a tag such as "en-US", "es-ES" or "fr-FR"')
                ok = False
            meta[key] = value
        return meta if ok else None

    def _phrases(self, tables: Any) -> list[Phrase]:
        if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
            self.add("error", self.lines.table("phrase"), "phrase", "phrases must be [[phrase]] tables",
                     "write each phrase as a [[phrase]] table")
            return []
        if not tables:
            self.add("warning", None, "phrase", "the pack has no phrases yet", 'add one with `pronounce pack add DIR "text"`')
        phrases = []
        seen: dict[str, int] = {}
        for index, table in enumerate(tables):
            phrase = self._phrase(index, table)
            if phrase is None:
                continue
            if phrase.id in seen:
                self.add("error", self.lines.key("phrase", index, "id"), f"phrase[{index + 1}].id",
                         f"duplicate phrase id {phrase.id!r} (first used by phrase[{seen[phrase.id] + 1}])",
                         "give every phrase its own id")
                continue
            seen[phrase.id] = index
            phrases.append(phrase)
        return phrases

    def _phrase(self, index: int, table: dict[str, Any]) -> Phrase | None:
        field = f"phrase[{index + 1}]"
        line = self.lines.table("phrase", index)
        for key in sorted(set(table) - PHRASE_KEYS):
            self.add("warning", self.lines.key("phrase", index, key), f"{field}.{key}", f"unknown key {key!r} is ignored",
                     f"known keys: {', '.join(sorted(PHRASE_KEYS))}")
        ok = True
        for key in PHRASE_REQUIRED:
            value = table.get(key)
            if not isinstance(value, str) or not value.strip():
                what = "is missing" if value is None else f"must be a non-empty string, not {brief(value)}"
                self.add("error", self.lines.key("phrase", index, key) if value is not None else line,
                         f"{field}.{key}", f"required field {key!r} {what}", f'add {key} = "..." to this [[phrase]]')
                ok = False
        texts = {}
        for key in ("translation", "notes"):
            value = table.get(key, "")
            if not isinstance(value, str):
                self.add("error", self.lines.key("phrase", index, key), f"{field}.{key}", f"{key!r} must be a string",
                         f'write {key} = "..."')
                ok = False
            texts[key] = value
        tags = table.get("tags", [])
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            self.add("error", self.lines.key("phrase", index, "tags"), f"{field}.tags", "'tags' must be a list of strings",
                     'write tags = ["greeting", "travel"]')
            ok = False
        phrase_id = normalize_id(table["id"]) if isinstance(table.get("id"), str) else ""
        if ok and (problem := id_problem(phrase_id)):
            self.add("error", self.lines.key("phrase", index, "id"), f"{field}.id", f"phrase id {brief(phrase_id)} {problem}",
                     ID_HINT)
            ok = False
        if not ok:
            return None
        audio = self._audio(index, table["audio"])
        if audio is None:
            return None
        path, duration = audio
        words = self._words(index, table.get("words", []), duration)
        return Phrase(id=phrase_id, text=table["text"], translation=texts["translation"], notes=texts["notes"],
                      tags=tuple(tags), audio=path, words=words, duration=duration)

    def _audio(self, index: int, relative: str) -> tuple[Path, float] | None:
        """The reference's path and duration, adding its problems (found once per path) to this phrase."""
        line = self.lines.key("phrase", index, "audio")
        reference = self.references.check(relative)
        for severity, message, fix in reference.findings:
            self.add(severity, line, f"phrase[{index + 1}].audio", message, fix)
        return (reference.path, reference.duration) if reference.path is not None else None

    def _words(self, index: int, words: Any, duration: float) -> tuple[WordTiming, ...]:
        """Word timings; any problem is a warning and drops the timings (scoring then works without them)."""
        field = f"phrase[{index + 1}].words"
        line = self.lines.key("phrase", index, "words")
        ignored = " (these timings are ignored)"
        if not isinstance(words, list) or not all(
            isinstance(w, dict)
            and isinstance(w.get("text"), str)
            and all(isinstance(w.get(k), (int, float)) and not isinstance(w.get(k), bool) for k in ("start", "end"))
            for w in words
        ):
            self.add("warning", line, field, "words must be a list of {text, start, end}" + ignored,
                     'write words = [{ text = "hola", start = 0.12, end = 0.48 }, ...]')
            return ()
        timings = tuple(WordTiming(w["text"], float(w["start"]), float(w["end"])) for w in words)
        previous_end = 0.0
        for number, timing in enumerate(timings, 1):
            if not 0 <= timing.start < timing.end:
                self.add("warning", line, f"{field}[{number}]", f"word {timing.text!r} has start {timing.start} and end {timing.end}" + ignored,
                         "each word needs 0 <= start < end, in seconds")
                return ()
            if timing.end > duration + _TIMING_SLACK:
                self.add("warning", line, f"{field}[{number}]",
                         f"word {timing.text!r} ends at {timing.end:.3f} s, after the audio ({duration:.3f} s)" + ignored,
                         "fix the timing, or delete words and re-add the phrase to time it again")
                return ()
            if timing.start < previous_end - 1e-3:
                self.add("warning", line, f"{field}[{number}]",
                         f"word {timing.text!r} starts at {timing.start:.3f} s, before the previous word ends" + ignored,
                         "list the words in order, without overlaps")
                return ()
            previous_end = timing.end
        unknown = sorted({k for w in words for k in w} - WORD_KEYS)
        if unknown:
            self.add("warning", line, field, f"unknown word keys {unknown} are ignored", "a word has text, start and end")
        return timings


def _folder(path: Path) -> Path:
    path = Path(path)
    if path.is_file() and path.suffix.lower() == ".zip":
        return open_zip_pack(path)
    if not path.is_dir():
        raise PackError(f"{path} is not a pack folder or .zip", hint="give the folder that holds pack.toml, or a .zip export")
    return path


def read_pack(path: Path, *, decode_audio: bool = True) -> tuple[Pack | None, list[Problem]]:
    """The pack at ``path`` (None when it has errors) and every problem found.

    Parameters
    ----------
    path : Path
        A pack folder or a ``.zip`` (extracted safely to a cache folder first).
    decode_audio : bool
        Decode every reference to find corrupt samples and silence; when False
        only each file's header is read (durations, unreadable files).
    """
    checker = _Checker(_folder(path), decode_audio=decode_audio)
    pack = checker.read()
    has_errors = any(p.severity == "error" for p in checker.problems)
    return (None if has_errors else pack), checker.problems


def validate_pack(path: Path) -> list[Problem]:
    """Every problem of the pack at ``path`` (folder or ``.zip``), errors and warnings."""
    return read_pack(path)[1]


def load_pack(path: Path) -> Pack:
    """Load the pack at ``path`` (folder or ``.zip``), reading only the header of each reference.

    Fast enough for start-up; :func:`validate_pack` decodes the audio too.

    Raises
    ------
    PackError
        Listing every error (warnings do not prevent loading).
    """
    pack, problems = read_pack(path, decode_audio=False)
    if pack is None:
        errors = [str(p) for p in problems if p.severity == "error"]
        raise PackError(
            f"{path} is not a valid pack: {'; '.join(errors)}",
            hint=f"run `pronounce pack validate {path}` for details",
        )
    return pack
