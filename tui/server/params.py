"""Values from a query string or a form, checked: a bad one is a 422 that names it, never a 500."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tui.server.errors import ApiError

MAX_ID = 2**63 - 1


def since_param(value: str | None, name: str = "since") -> datetime | None:
    """An ISO 8601 time made UTC (a time without a zone is taken as UTC); None when absent.

    Raises
    ------
    ApiError
        422 when it is not an ISO 8601 time.
    """
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
        return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise ApiError(422, f"{name}={value[:40]!r} is not an ISO 8601 time in the years 1–9999", hint=f"e.g. {name}=2025-01-31T08:00:00Z") from exc


def id_param(value: str | int | None, name: str) -> int | None:
    """A positive 64-bit id; None when absent.

    Raises
    ------
    ApiError
        422 when it is not a whole number from 1 to 2^63 - 1.
    """
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not (isinstance(value, int) or (value.isascii() and value.isdigit() and len(value) <= 19)):
        raise ApiError(422, f"{name}={str(value)[:40]!r} is not an id", hint="ids are whole numbers")
    number = int(value)
    if not 0 < number <= MAX_ID:
        raise ApiError(422, f"{name}={str(value)[:40]!r} is not an id", hint="ids are whole numbers")
    return number


def day_param(value: str | None, name: str) -> date | None:
    """A calendar day ``YYYY-MM-DD``; None when absent.

    Raises
    ------
    ApiError
        422 when it is not such a day.
    """
    if not value:
        return None
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ApiError(422, f"{name}={value[:40]!r} is not a day", hint=f"give it as YYYY-MM-DD, e.g. {name}=2025-03-14") from exc


def int_param(value: str | int | None, name: str, *, low: int, high: int) -> int | None:
    """A whole number from ``low`` to ``high``; None when absent.

    Raises
    ------
    ApiError
        422 when it is not one.
    """
    if value is None or value == "":
        return None
    ok = isinstance(value, int) and not isinstance(value, bool)
    if isinstance(value, str):
        ok = value.isascii() and value.strip().isdigit() and len(value.strip()) < 10
    if not ok or not low <= int(value) <= high:
        raise ApiError(422, f"{name}={str(value)[:40]!r} is not a whole number from {low} to {high}", hint=f"e.g. {name}={high}")
    return int(value)
