"""Talking to a class server over HTTP(S): upload a take, list and download packs, check a token.

httpx with explicit timeouts (a dead network never hangs a thread for long)
and TLS certificate checks on unless the user asked for ``--insecure``.
Failures become :class:`ServerError` with ``retry`` telling the outbox
whether trying again later may help.
"""

from __future__ import annotations

import json
import mimetypes
import ssl
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from tui import __version__
from tui.client.login import Login
from tui.errors import ClassroomError
from tui.fsio import atomic_output
from tui.scoring.score import Score

TIMEOUT = httpx.Timeout(10.0, read=120.0, write=60.0)
"""Connect and pool waits are short; reading the answer to an upload waits for the server to score it."""
KEEPALIVE_SECONDS = 2.0
"""A connection idle this long is not reused: the server closes idle ones after 5 s, and a take sent on one as it does fails."""
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504, 507})
MAX_RETRY_AFTER = 3600.0
"""A ``Retry-After`` longer than this is taken as this."""
MAX_PACK_BYTES = 500 * 1024 * 1024
_CHUNK = 1 << 16


def _seconds(value: str | None) -> float | None:
    """A ``Retry-After`` in seconds (the delay form; None for a date or nothing), at most :data:`MAX_RETRY_AFTER`."""
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return None if seconds is None or not 0 <= seconds < float("inf") else min(seconds, MAX_RETRY_AFTER)


def _take_status(body: dict[str, Any]) -> TakeStatus:
    status = str(body["status"])
    if status not in ("pending", "scored", "failed"):
        raise ValueError(f"unknown status {status[:20]!r}")
    score = Score.from_dict(body["score"]) if status == "scored" else None
    return TakeStatus(status, score, str(body.get("error") or ""))


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and the exceptions it was raised from or during."""
    found: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in found:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


class ServerError(ClassroomError):
    """A request to the class server failed; ``retry`` is True when trying later may succeed.

    ``retry_after`` is the server's ``Retry-After`` (seconds) when it said when to come back.
    """

    def __init__(self, message: str, *, hint: str = "", status: int | None = None, retry: bool = False,
                 retry_after: float | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.retry = retry
        self.retry_after = retry_after


class CertificateError(ServerError):
    """The server's TLS certificate cannot be verified (retrying may help once it is fixed; logging in does not)."""


@dataclass(frozen=True)
class Uploaded:
    """The server's answer to an upload: its id for the take, its status and score, and whether it was new.

    ``status`` is ``scored`` (with ``score``) or ``pending`` (``score`` None:
    :meth:`ClassClient.take` asks for it later).
    """

    id: int
    status: str
    score: Score | None
    created: bool


@dataclass(frozen=True)
class TakeStatus:
    """What the server says of an uploaded take now: ``pending``, ``scored`` (with ``score``) or ``failed`` (with ``error``)."""

    status: str
    score: Score | None
    error: str


class ClassClient:
    """A connection to one class server with one token; close it (or use ``with``) when done.

    Parameters
    ----------
    login : Login
        Server URL, token, and whether to skip TLS checks.
    timeout : httpx.Timeout
        Per-request timeouts.
    """

    def __init__(self, login: Login, *, timeout: httpx.Timeout = TIMEOUT) -> None:
        self.login = login
        self._http = httpx.Client(
            base_url=login.url,
            headers={"authorization": f"Bearer {login.token}", "user-agent": f"pronounce/{__version__}"},
            timeout=timeout,
            limits=httpx.Limits(keepalive_expiry=KEEPALIVE_SECONDS),
            verify=not login.insecure,
            follow_redirects=False,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> ClassClient:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def me(self) -> dict[str, Any]:
        """``{"role": ..., "name": ...}`` of the token."""
        return dict(self._json(self._send("GET", "/api/v1/me")))

    def upload(self, audio: Path, meta: dict[str, Any]) -> Uploaded:
        """Send one take (``POST /api/v1/attempts``); the same ``client_attempt_id`` again is answered with the same id.

        Raises
        ------
        ServerError
            Unreachable, refused, or an unexpected answer.
        """
        media = mimetypes.guess_type(audio.name)[0] or "application/octet-stream"
        try:
            with open(audio, "rb") as handle:
                response = self._send("POST", "/api/v1/attempts", files={"audio": (audio.name, handle, media)},
                                      data={"meta": json.dumps(meta)})
        except OSError as exc:
            raise ServerError(f"cannot read the recording {audio}: {exc.strerror or exc}",
                              hint="the take cannot be uploaded; record it again") from exc
        body = self._json(response)
        try:
            status = _take_status(body)
            return Uploaded(int(body["id"]), status.status, status.score, response.status_code == 201)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ServerError(f"{self.login.url} answered an upload with something unexpected", retry=True,
                              hint="check that the address is a pronounce class server") from exc

    def take(self, server_id: int) -> TakeStatus:
        """The server's status and score of an uploaded take (``GET /api/v1/attempts/{id}``).

        Raises
        ------
        ServerError
            Unreachable, refused, or an unexpected answer.
        """
        body = self._json(self._send("GET", f"/api/v1/attempts/{int(server_id)}"))
        try:
            return _take_status(body)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ServerError(f"{self.login.url} answered with something unexpected", retry=True,
                              hint="check that the address is a pronounce class server") from exc

    def packs(self) -> list[dict[str, Any]]:
        """The published packs (``GET /api/v1/packs``)."""
        return self._listing("/api/v1/packs", "packs", {})

    def download_pack(self, pack_id: str, dest: Path) -> Path:
        """Stream ``GET /api/v1/packs/{id}.zip`` to ``dest`` (atomically, at most :data:`MAX_PACK_BYTES`)."""
        return self.download(f"/api/v1/packs/{quote(pack_id, safe='')}.zip", dest, max_bytes=MAX_PACK_BYTES,
                             what=f"pack {pack_id!r}")

    def download(self, url: str, dest: Path, *, max_bytes: int, what: str) -> Path:
        """Stream ``GET url`` (a path on this server) to ``dest``, atomically, refusing more than ``max_bytes``."""
        if not url.startswith("/") or url.startswith("//"):
            raise ServerError(f"{self.login.url} named a download outside itself", hint="check the server's address")
        try:
            with self._http.stream("GET", url) as response:
                if response.status_code != 200:
                    response.read()
                    raise self._refusal(response)
                with atomic_output(dest) as staged, open(staged, "wb") as out:
                    size = 0
                    for chunk in response.iter_bytes(_CHUNK):
                        size += len(chunk)
                        if size > max_bytes:
                            raise ServerError(f"{what} is larger than {max_bytes // (1024 * 1024)} MB",
                                              hint="ask the teacher to check it")
                        out.write(chunk)
        except httpx.HTTPError as exc:
            raise self._unreachable(exc) from exc
        return dest

    def feedback(self, since: datetime | None = None) -> list[dict[str, Any]]:
        """The teacher's answers to this learner's takes changed at or after ``since`` (``GET /api/v1/feedback``)."""
        params = {"since": since.isoformat()} if since is not None else {}
        return self._listing("/api/v1/feedback", "feedback", params)

    def assignments(self) -> list[dict[str, Any]]:
        """This learner's assignments, each with their progress as the server sees it (``GET /api/v1/assignments``)."""
        return self._listing("/api/v1/assignments", "assignments", {})

    def _listing(self, url: str, key: str, params: dict[str, str]) -> list[dict[str, Any]]:
        found = self._json(self._send("GET", url, params=params)).get(key)
        if not isinstance(found, list) or not all(isinstance(item, dict) for item in found):
            raise ServerError(f"{self.login.url} answered with something unexpected", retry=True, hint="check the address")
        return found

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise self._unreachable(exc) from exc
        if response.status_code not in (200, 201):
            raise self._refusal(response)
        return response

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError as exc:
            raise ServerError(f"{self.login.url} did not answer with JSON", retry=True,
                              hint="check that the address is a pronounce class server") from exc
        if not isinstance(body, dict):
            raise ServerError(f"{self.login.url} answered with something unexpected", retry=True, hint="check the address")
        return body

    def _refusal(self, response: httpx.Response) -> ServerError:
        status = response.status_code
        try:
            body = response.json()
            error, hint = str(body.get("error", "")), str(body.get("hint", ""))
        except (ValueError, AttributeError):
            error, hint = "", ""
        error = error or (response.reason_phrase or "error").lower()
        if status in (301, 302, 303, 307, 308):
            error, hint = f"the server redirects to {response.headers.get('location', '?')}", "log in with that address"
        return ServerError(f"the server refused ({status}): {error}", hint=hint or "check the server's address and your token",
                           status=status, retry=status in RETRY_STATUSES, retry_after=_seconds(response.headers.get("retry-after")))

    def _unreachable(self, exc: httpx.HTTPError) -> ServerError:
        if any(isinstance(e, ssl.SSLCertVerificationError) for e in _chain(exc)) or "CERTIFICATE_VERIFY_FAILED" in str(exc):
            return CertificateError(f"the certificate of {self.login.url} cannot be verified", retry=True,
                               hint="use the server's https address with a trusted certificate, or log in with --insecure if you trust it")
        if isinstance(exc, httpx.TimeoutException):
            reason = "it did not answer in time"
        else:
            reason = next((str(e.strerror).lower() for e in _chain(exc) if isinstance(e, OSError) and e.strerror),
                          str(exc) or exc.__class__.__name__)
        return ServerError(f"cannot reach {self.login.url}: {reason}", retry=True,
                           hint="check the address and that the server runs; takes wait in the outbox until then")
