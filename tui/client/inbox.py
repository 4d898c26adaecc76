"""Fetching what the teacher sent: answers to takes (with the teacher's recording) and assignments (with their packs).

Used by the app's uploader thread (every :data:`INBOX_EVERY` seconds and after
uploads) and by ``pronounce sync`` / ``pronounce assignments``. Answers are
fetched from a little before the newest one kept (:data:`SINCE_MARGIN`), so one
committed on the server a moment after a later one was read is not missed;
assignments are fetched whole. The pack of an assignment is pulled into
``<data dir>/assigned/<pack id>`` when it is missing or another version, and
checked like any import. Nothing the server sends is trusted as markup or as
a path: texts are shown escaped, downloads go to names made here.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from tui.client.http import ClassClient, ServerError
from tui.errors import PackError, PronounceError
from tui.store.inbox import Assignment, Inbox, TeacherNote

T = TypeVar("T")
INBOX_EVERY = 60.0
"""Seconds between two looks for new answers and assignments while the app runs."""
SINCE_MARGIN = timedelta(minutes=2)
MAX_CLIP_BYTES = 16 * 1024 * 1024
ASSIGNED_DIR = "assigned"


@dataclass(frozen=True)
class InboxReport:
    """What one fetch brought: answers new or changed, answers not seen yet, assignments, packs pulled (or why not)."""

    new_notes: int
    unseen: int
    assignments: int
    pulled: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()


def assigned_pack_dir(data_dir: Path, pack_id: str) -> Path:
    """Where the pack of an assignment is pulled to."""
    from tui.store.files import safe_name

    return Path(data_dir) / ASSIGNED_DIR / safe_name(pack_id)


def _unexpected(client: ClassClient) -> ServerError:
    return ServerError(f"{client.login.url} sent an answer or assignment pronounce cannot read", retry=True,
                       hint="update pronounce, or tell the teacher")


def _when(text: Any) -> datetime:
    when = datetime.fromisoformat(str(text))
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _note(server: str, item: dict[str, Any]) -> TeacherNote:
    audio_url = item.get("audio_url")
    return TeacherNote(server=server, id=int(item["id"]), client_attempt_id=str(item["client_attempt_id"]),
                       pack_id=str(item["pack"]), phrase_id=str(item["phrase_id"]), text=str(item["text"]),
                       comment=str(item["comment"])[:4000], words=tuple(str(w["text"]) for w in item["words"])[:200],
                       author=str(item["author"])[:200], audio_url=str(audio_url) if audio_url else None,
                       updated_at=_when(item["updated_at"]))


def _assignment(server: str, item: dict[str, Any]) -> Assignment:
    best = item.get("best") or {}
    return Assignment(server=server, id=int(item["id"]), pack_id=str(item["pack"]), pack_version=str(item["pack_version"]),
                      title=str(item["title"])[:200], phrases=tuple((str(p["id"]), str(p["text"])) for p in item["phrases"]),
                      due_on=date.fromisoformat(str(item["due"])), target=int(item["target"]), author=str(item["author"])[:200],
                      assigned_at=_when(item["created_at"]),
                      server_best={str(k): (None if v is None else float(v)) for k, v in dict(best).items()})


def _readable(server: str, items: Any, read: Callable[[str, dict[str, Any]], T]) -> tuple[list[T], int]:
    """The items the server sent that this version can read, and how many it could not (one bad item stops no other)."""
    found, bad = [], 0
    for item in items:
        try:
            found.append(read(server, item))
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
            bad += 1
    return found, bad


def fetch_inbox(data_dir: Path, client: ClassClient, inbox: Inbox, *, pull_packs: bool = True) -> InboxReport:
    """Fetch new answers (and their recordings) and every assignment from ``client``'s server, and pull assigned packs.

    Raises
    ------
    ServerError
        The server cannot be reached, refused, or sent something unreadable;
        what was fetched before the failure is kept.
    """
    server = client.login.url
    cursor = inbox.cursor(server)
    try:
        notes, bad_notes = _readable(server, client.feedback(cursor - SINCE_MARGIN if cursor else None), _note)
        assignments, bad_assignments = _readable(server, client.assignments(), _assignment)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _unexpected(client) from exc
    changed = inbox.keep_notes(notes)
    inbox.keep_assignments(server, assignments)
    problems = []
    if bad_notes or bad_assignments:
        problems.append(f"{bad_notes} answers and {bad_assignments} assignments from {server} could not be read and were left out"
                        " (update pronounce, or tell the teacher)")
    for note in inbox.missing_audio(server):
        dest = inbox.audio_path(note)
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            client.download(str(note.audio_url), dest, max_bytes=MAX_CLIP_BYTES, what="the teacher's recording")
        except ServerError as exc:
            if exc.retry:
                raise
            inbox.set_audio(note, None)  # gone or refused for good (the teacher removed it): not asked for again
            problems.append(f"the teacher's recording for “{note.text}” could not be fetched: {exc.message}")
            continue
        inbox.set_audio(note, dest)
    pulled = []
    if pull_packs:
        for pack_id, version in sorted({(a.pack_id, a.pack_version) for a in assignments if not inbox.progress(a).done}):
            try:
                if pull_pack(data_dir, client, pack_id, version):
                    pulled.append(pack_id)
            except (PackError, OSError, ServerError) as exc:
                if isinstance(exc, ServerError) and exc.retry:
                    raise
                problems.append(f"cannot pull pack {pack_id}: {getattr(exc, 'message', None) or exc}")
    return InboxReport(len(changed), inbox.unseen(server), len(assignments), tuple(pulled), tuple(problems))


def local_version(folder: Path) -> str | None:
    """The version of the pack in ``folder`` (None when there is none, or it does not load)."""
    from tui.packs.loader import load_pack

    try:
        return load_pack(folder).version if (folder / "pack.toml").is_file() else None
    except PronounceError:
        return None


def pull_pack(data_dir: Path, client: ClassClient, pack_id: str, version: str) -> bool:
    """Pull the published pack ``pack_id`` into :func:`assigned_pack_dir` unless that version is there; whether it pulled.

    The new copy is checked like any import and swapped in whole; the old one
    stays until then.

    Raises
    ------
    ServerError, PackError, OSError
    """
    from tui.packs.authoring import import_zip

    target = assigned_pack_dir(data_dir, pack_id)
    if local_version(target) == version:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".pull-", dir=target.parent) as folder:
        archive = client.download_pack(pack_id, Path(folder) / "pack.zip")
        fresh = import_zip(archive, Path(folder) / "pack")
        old = Path(folder) / "old"
        if target.exists():
            target.rename(old)
        fresh.rename(target)
    return True
