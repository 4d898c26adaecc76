"""The ``meta`` part of an upload: what was practised, parsed and checked before anything is stored."""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tui.packs.ids import ID_HINT
from tui.scoring.score import Score
from tui.server import scores
from tui.server.errors import ApiError
from tui.server.safe_ids import id_refusal, server_id

MAX_META_BYTES = 64 * 1024
MAX_TEXT = 500
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
CLOCK_AHEAD = timedelta(days=1)
"""How far ahead of the server's clock a take's recorded_at may be."""
_VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,31}")
_LANG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}")
_REQUIRED = ("pack", "pack_version", "phrase_id", "text", "lang", "recorded_at", "client_attempt_id")
_META_HINT = "send meta as a JSON object with pack, pack_version, phrase_id, text, lang, recorded_at, client_attempt_id"


@dataclass(frozen=True)
class AttemptMeta:
    """A checked ``meta`` field.

    Attributes
    ----------
    pack, phrase_id : str
        Safe ids (:mod:`tui.server.safe_ids`), in Unicode NFKC: never path-like, never a look-alike.
    pack_version : str
    text : str
        The phrase, without control characters.
    lang : str
        BCP 47 tag (``en-US``).
    recorded_at : datetime
        When the take was recorded (UTC; 2000 to a day ahead of the server's clock).
    client_attempt_id : str
        Canonical UUID; the same value again is the same take.
    score : Score or None
        The learner's own score (every number finite, every score 0–100), kept beside the server's.
    """

    pack: str
    pack_version: str
    phrase_id: str
    text: str
    lang: str
    recorded_at: datetime
    client_attempt_id: str
    score: Score | None = None


def _fail(message: str) -> ApiError:
    return ApiError(422, message, hint=_META_HINT)


def _string(data: dict[str, Any], key: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise _fail(f"meta.{key} must be a string")
    return value


def _version(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise _fail("meta.pack_version must be a string")
    return value


def _id(value: str, key: str) -> str:
    normal = server_id(value)
    problem = id_refusal(normal)
    if problem is not None:
        raise ApiError(422, f"meta.{key} {value[:80]!r} {problem}", hint=ID_HINT)
    return normal


def _checked(value: str, key: str, pattern: re.Pattern[str], what: str) -> str:
    if not pattern.fullmatch(value):  # the whole value: `$` would let a trailing newline through
        raise _fail(f"meta.{key} {value[:80]!r} is not {what}")
    return value


def _recorded_at(text: str) -> datetime:
    """When the take was recorded, in UTC: from :data:`EARLIEST` to a day after now (a device's clock may run fast)."""
    try:
        when = datetime.fromisoformat(text)
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except (ValueError, OverflowError):
        raise _fail(f"meta.recorded_at {text[:40]!r} is not an ISO 8601 time in the years 1–9999") from None
    if not EARLIEST <= when <= datetime.now(UTC) + CLOCK_AHEAD:
        raise ApiError(422, f"meta.recorded_at {text[:40]!r} is not a time a take can have been recorded",
                       hint="check the date and time of the device that recorded it")
    return when


def parse_meta(raw: bytes) -> AttemptMeta:
    """Parse and check the ``meta`` part.

    Raises
    ------
    ApiError
        422 when it is not a JSON object, a field is missing or has the wrong
        type, an id looks like a path, the text is empty or too long, the time
        is not ISO 8601, the client id is not a UUID or the score is malformed.
    """
    if len(raw) > MAX_META_BYTES:
        raise ApiError(413, f"meta is larger than {MAX_META_BYTES // 1024} KB", hint=_META_HINT)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _fail("meta is not JSON (UTF-8 text, nested at most a few hundred levels)") from exc
    if not isinstance(data, dict):
        raise _fail("meta must be a JSON object")
    missing = [key for key in _REQUIRED if key not in data]
    if missing:
        raise _fail(f"meta lacks {', '.join(missing)}")
    text = " ".join(_string(data, "text").split())
    if not text or len(text) > MAX_TEXT:
        raise _fail(f"meta.text must have 1 to {MAX_TEXT} characters")
    if any(unicodedata.category(char) in ("Cc", "Cf") for char in text):
        raise _fail("meta.text holds control characters")
    recorded = _recorded_at(_string(data, "recorded_at"))
    try:
        client_id = str(uuid.UUID(_string(data, "client_attempt_id")))
    except ValueError as exc:
        raise _fail("meta.client_attempt_id is not a UUID") from exc
    score = None
    if data.get("score") is not None:
        try:
            score = scores.checked(data["score"])
        except ValueError as exc:
            raise ApiError(422, f"meta.score is not a score: {exc}",
                           hint="send the score as the app computed it (every score a number from 0 to 100), or none") from exc
    return AttemptMeta(
        pack=_id(_string(data, "pack"), "pack"),
        pack_version=_checked(_version(data["pack_version"]), "pack_version", _VERSION, "a version"),
        phrase_id=_id(_string(data, "phrase_id"), "phrase_id"),
        text=text,
        lang=_checked(_string(data, "lang"), "lang", _LANG, "a BCP 47 language tag such as en-US"),
        recorded_at=recorded,
        client_attempt_id=client_id,
        score=score,
    )
