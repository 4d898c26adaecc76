"""An Anki collection (SQLite) opened read-only and defensively: its decks, note types and notes.

The collection is a copy this process owns. It is opened through a ``mode=ro``
and ``immutable`` URI (no journal, no locks, nothing written), with
``query_only`` and ``trusted_schema=OFF`` (a hostile schema's views, triggers
and generated columns cannot call functions with side effects), every string
or blob capped at :data:`MAX_VALUE_BYTES`, and a budget of SQLite steps for the
whole read, so no query runs away. Extensions are never loaded (this Python's
``sqlite3`` cannot even enable them). The tables it reads must be tables,
not views, with the columns Anki's schema gives them; both schemas are read:
11 (note types and decks as JSON in ``col``) and 15+ (``notetypes``,
``fields`` and ``decks`` tables).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui.errors import PackError
from tui.packs.anki.package import EXPORT_HINT, message_fields

MAX_VALUE_BYTES = 16 * 1024 * 1024
"""Longest string or blob SQLite hands back (the JSON of a few hundred note types is ~1 MB)."""
MAX_NOTES = 10_000
"""Notes imported from one deck: one phrase each, synthesized or converted; more is not a pack."""
MAX_NOTETYPES = 5_000
MAX_DECKS = 50_000
MAX_FIELDS = 100
"""Fields of one note type (Anki's own are 2–5)."""
STEP = 10_000
"""SQLite instructions between two calls of the progress handler."""
STEP_BUDGET = 200_000
"""Progress-handler calls allowed for the whole read: ~2·10⁹ instructions, seconds of work."""
CLOZE_KIND = 1
"""``type`` (schema 11) or ``kind`` (field 1 of the note type's config, schema 15+) of a cloze note type."""
_COLUMNS = {
    "col": {"ver"},
    "notes": {"id", "mid", "flds", "tags"},
    "cards": {"nid", "did", "odid"},
}
_LEGACY_COLUMNS = {"col": {"ver", "models", "decks"}}
_TABLE_COLUMNS = {"notetypes": {"id", "name", "config"}, "fields": {"ntid", "ord", "name"}, "decks": {"id", "name"}}


@dataclass(frozen=True)
class NoteType:
    """A note type: its field names in order, and whether it makes cloze cards."""

    id: int
    name: str
    fields: tuple[str, ...]
    cloze: bool = False


@dataclass(frozen=True)
class Note:
    """One note: its type, raw field HTML (one per field of the type) and tags."""

    id: int
    notetype: int
    fields: tuple[str, ...]
    tags: tuple[str, ...]


class Collection:
    """A read-only Anki collection at ``path``; close it (or use ``with``) when done.

    Raises
    ------
    PackError
        The file is not SQLite, is damaged, lacks Anki's tables, or holds views
        or unreadable note types where tables belong.
    """

    def __init__(self, path: Path, *, source: Path) -> None:
        self.source = source
        self._steps = 0
        try:
            self._db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True,
                                       check_same_thread=True)
        except sqlite3.Error as exc:
            raise self._error("cannot open the collection", exc) from exc
        try:
            self._db.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
            self._db.set_progress_handler(self._step, STEP)
            self._db.create_collation("unicase", _unicase)
            self._db.execute("PRAGMA query_only = ON")
            self._db.execute("PRAGMA trusted_schema = OFF")
            self._check_schema()
            self.notetypes, self.decks = self._legacy_metadata() if self._legacy else self._table_metadata()
        except sqlite3.Error as exc:
            self._db.close()
            raise self._error("cannot read the collection", exc) from exc
        except BaseException:
            self._db.close()
            raise

    def __enter__(self) -> Collection:
        return self

    def __exit__(self, *exc: object) -> None:
        self._db.close()

    def _step(self) -> int:
        self._steps += 1
        return int(self._steps > STEP_BUDGET)

    def _error(self, what: str, exc: sqlite3.Error) -> PackError:
        reason = "it is too large to read" if "interrupted" in str(exc) else str(exc)
        return PackError(f"{self.source}: {what}: {reason}", hint=EXPORT_HINT)

    def _query(self, sql: str, parameters: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._db.execute(sql, tuple(parameters)).fetchall()
        except sqlite3.Error as exc:
            raise self._error("cannot read the collection", exc) from exc

    def _check_schema(self) -> None:
        kinds = dict(self._query("SELECT name, type FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))
        self._legacy = "notetypes" not in kinds
        wanted = _COLUMNS | (_LEGACY_COLUMNS if self._legacy else _TABLE_COLUMNS)
        for table, columns in wanted.items():
            if kinds.get(table) != "table":
                what = "has no" if table not in kinds else f"has a {kinds[table]} instead of the"
                raise PackError(f"{self.source}: the collection {what} {table!r} table; it is not an Anki collection",
                                hint=EXPORT_HINT)
            present = {row[1] for row in self._query(f"PRAGMA table_xinfo({table})")}  # generated columns too
            if missing := sorted(columns - present):
                raise PackError(f"{self.source}: the collection's {table!r} table lacks {', '.join(missing)}",
                                hint=EXPORT_HINT)

    def _legacy_metadata(self) -> tuple[dict[int, NoteType], dict[int, str]]:
        rows = self._query("SELECT models, decks FROM col LIMIT 2")
        if len(rows) != 1:
            raise PackError(f"{self.source}: the collection has {len(rows)} rows in 'col', not 1", hint=EXPORT_HINT)
        try:
            models, decks = json.loads(rows[0][0]), json.loads(rows[0][1])
            if not isinstance(models, dict) or not isinstance(decks, dict):
                raise ValueError("not JSON objects")
            _bounded(len(models), MAX_NOTETYPES, "note types", self.source)
            _bounded(len(decks), MAX_DECKS, "decks", self.source)
            notetypes = {}
            for model in models.values():
                fields = [field["name"] for field in model["flds"]]
                _bounded(len(fields), MAX_FIELDS, "fields in one note type", self.source)
                notetypes[int(model["id"])] = NoteType(int(model["id"]), _text(model["name"]), tuple(map(_text, fields)),
                                                       model.get("type") == CLOZE_KIND)
            deck_names = {int(deck["id"]): _text(deck["name"]) for deck in decks.values()}
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            raise PackError(f"{self.source}: the collection's note types or decks are unreadable ({str(exc)[:80]})",
                            hint=EXPORT_HINT) from exc
        return notetypes, deck_names

    def _table_metadata(self) -> tuple[dict[int, NoteType], dict[int, str]]:
        types = self._query("SELECT id, name, config FROM notetypes LIMIT ?", [MAX_NOTETYPES + 1])
        fields = self._query("SELECT ntid, name FROM fields ORDER BY ntid, ord LIMIT ?", [MAX_NOTETYPES * MAX_FIELDS + 1])
        decks = self._query("SELECT id, name FROM decks LIMIT ?", [MAX_DECKS + 1])
        try:
            _bounded(len(types), MAX_NOTETYPES, "note types", self.source)
            _bounded(len(decks), MAX_DECKS, "decks", self.source)
            names: dict[int, list[str]] = {}
            for ntid, name in fields:
                names.setdefault(int(ntid), []).append(_text(name))
            notetypes = {}
            for ntid, name, config in types:
                kind = message_fields(config).get(1, 0) if isinstance(config, bytes) else 0
                field_names = tuple(names.get(int(ntid), []))
                _bounded(len(field_names), MAX_FIELDS, "fields in one note type", self.source)
                notetypes[int(ntid)] = NoteType(int(ntid), _text(name), field_names, kind == CLOZE_KIND)
            deck_names = {int(did): _text(name).replace("\x1f", "::") for did, name in decks}
        except (ValueError, TypeError) as exc:
            raise PackError(f"{self.source}: the collection's note types or decks are unreadable ({str(exc)[:80]})",
                            hint=EXPORT_HINT) from exc
        return notetypes, deck_names

    def deck_notes(self) -> dict[int, int]:
        """Deck id → number of notes with a card in it (a card in a filtered deck counts for its home deck)."""
        rows = self._query("SELECT CASE WHEN odid != 0 THEN odid ELSE did END AS deck, count(DISTINCT nid) "
                           "FROM cards GROUP BY deck LIMIT ?", [MAX_DECKS + 1])
        _bounded(len(rows), MAX_DECKS, "decks with cards", self.source)
        try:
            return {int(deck): int(count) for deck, count in rows}
        except (ValueError, TypeError) as exc:
            raise PackError(f"{self.source}: the collection's cards are unreadable ({str(exc)[:80]})", hint=EXPORT_HINT) from exc

    def notes(self, decks: Iterable[int]) -> list[Note]:
        """The notes with a card in one of ``decks``, in the order they were added.

        Raises
        ------
        PackError
            There are more than :data:`MAX_NOTES`.
        """
        rows = self._query(
            "SELECT id, mid, flds, tags FROM notes WHERE id IN (SELECT nid FROM cards WHERE "
            "(CASE WHEN odid != 0 THEN odid ELSE did END) IN (SELECT value FROM json_each(?))) ORDER BY id LIMIT ?",
            [json.dumps(sorted(set(decks))), MAX_NOTES + 1],
        )
        if len(rows) > MAX_NOTES:
            raise PackError(f"{self.source}: the deck has more than {MAX_NOTES} notes",
                            hint="split it into sub-decks in Anki and import one at a time with --deck")
        notes = []
        try:
            for note_id, notetype, fields, tags in rows:
                kind = self.notetypes.get(int(notetype))
                width = len(kind.fields) if kind else 1
                values = (_text(fields).split("\x1f") + [""] * width)[:width]
                notes.append(Note(int(note_id), int(notetype), tuple(values), tuple(_text(tags).split())))
        except (ValueError, TypeError) as exc:
            raise PackError(f"{self.source}: a note of the collection is unreadable ({str(exc)[:80]})",
                            hint=EXPORT_HINT) from exc
        return notes


def _text(value: object) -> str:
    """A TEXT value as str; blobs and numbers where text belongs are decoded leniently or refused."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, int | float):
        return str(value)
    raise TypeError(f"expected text, found {type(value).__name__}")


def _bounded(count: int, limit: int, what: str, source: Path) -> None:
    if count > limit:
        raise PackError(f"{source}: the collection has more than {limit} {what}", hint=EXPORT_HINT)


def _unicase(a: str, b: str) -> int:
    """Anki's ``unicase`` collation: compare case-insensitively."""
    x, y = a.casefold(), b.casefold()
    return (x > y) - (x < y)
