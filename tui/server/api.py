"""The JSON API under ``/api/v1``: uploads from learners, listings and exports for teachers and the admin, packs for all.

A teacher reads the takes of their classes only, the admin those of every
class; a take of a class the reader does not see is answered as if it did not
exist. Every answer that is not a success is ``{"error": ..., "hint": ...}``
with 401 (no or unknown token), 403 (wrong role, another learner's take), 404,
408, 409 (a ``client_attempt_id`` another learner used), 413, 415, 422, 503
(busy, or the database is unavailable: with ``Retry-After``) or 507 (the disk is full).
Uploads live in :mod:`tui.server.uploads`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tui.server import accounts, classes, exports, packs, records
from tui.server.accounts import Identity, Role
from tui.server.errors import ApiError
from tui.server.params import since_param
from tui.server.records import Filters
from tui.server.service import Service

MEDIA_TYPES = {".wav": "audio/wav", ".flac": "audio/flac", ".ogg": "audio/ogg"}
STAFF = (Role.ADMIN, Role.TEACHER)


def service_of(request: Request) -> Service:
    """The running server's :class:`Service`."""
    service: Service = request.app.state.service
    return service


async def bearer(request: Request, *roles: Role) -> Identity:
    """Who sent ``Authorization: Bearer <token>``; 401 when nobody valid, 403 when not one of ``roles``."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "this needs a token", hint="send the header Authorization: Bearer <token>")
    who = await run_in_threadpool(accounts.identify, service_of(request).db, token.strip())
    if who is None:
        raise ApiError(401, "unknown or revoked token", hint="ask the teacher for a token, then `pronounce login URL TOKEN`")
    if roles and who.role not in roles:
        raise ApiError(403, f"a {who.role} token cannot do this", hint=f"use {' or '.join(_article(role) for role in roles)} token")
    return who


def _article(role: Role) -> str:
    return f"{'an' if role[0] in 'aeiou' else 'a'} {role}"


async def healthz(request: Request) -> Response:
    """``GET /healthz``: 200 while the server runs."""
    return JSONResponse({"ok": True})


async def me(request: Request) -> Response:
    """``GET /api/v1/me``: who the token belongs to and the classes it sees (``pronounce login`` checks it)."""
    who = await bearer(request)
    seen = await run_in_threadpool(classes.class_list, service_of(request).db, who)
    return JSONResponse({"role": str(who.role), "name": who.name, "classes": [{"id": c.id, "name": c.name} for c in seen]})


async def list_classes(request: Request) -> Response:
    """``GET /api/v1/classes`` (admin, teacher): the classes the token sees, with teachers and active learners."""
    who = await bearer(request, *STAFF)
    seen = await run_in_threadpool(classes.class_list, service_of(request).db, who)
    return JSONResponse({"classes": [{"id": c.id, "name": c.name, "teachers": list(c.teachers), "learners": c.learners,
                                      "created_at": c.created_at.isoformat()} for c in seen]})


def _filters(request: Request, who: Identity) -> Filters:
    query = request.query_params
    since = since_param(query.get("since"))
    class_id = None
    if query.get("class"):
        raw = query["class"]
        if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
            raise ApiError(422, f"class={raw[:40]!r} is not a class id", hint="GET /api/v1/classes lists them")
        class_id = int(raw)
        if not who.sees_class(class_id):
            raise ApiError(404, "there is no such class", hint="GET /api/v1/classes lists the classes you see")
    return Filters(class_ids=who.class_ids, class_id=class_id, learner=_text_param(request, "learner"),
                   pack=_text_param(request, "pack"), phrase=_text_param(request, "phrase"), since=since)


def _text_param(request: Request, name: str) -> str | None:
    """A text filter of the query: at most 200 characters, no control characters (a NUL byte is no name)."""
    value = request.query_params.get(name)
    if value is not None and (len(value) > 200 or any(unicodedata.category(char) == "Cc" for char in value)):
        raise ApiError(422, f"{name}= is not a name or an id", hint=f"give {name}= as the listing shows it")
    return value


async def streamed(chunks: Iterator[str], media_type: str, headers: dict[str, str] | None = None) -> Response:
    """Stream ``chunks``; the first is read before the answer starts, so a failing database is still a proper error."""
    first = await run_in_threadpool(next, chunks, "")

    async def body() -> Any:
        yield first
        async for chunk in iterate_in_threadpool(chunks):
            yield chunk

    return StreamingResponse(body(), media_type=media_type, headers=headers)


async def list_attempts(request: Request) -> Response:
    """``GET /api/v1/attempts`` (admin, teacher): the takes of the classes the token sees, filtered; streamed."""
    who = await bearer(request, *STAFF)
    return await streamed(exports.json_chunks(service_of(request).db, _filters(request, who)), "application/json")


async def export_csv(request: Request) -> Response:
    """``GET /api/v1/attempts.csv`` (admin, teacher): the listing as CSV, streamed."""
    who = await bearer(request, *STAFF)
    return await streamed(exports.csv_chunks(service_of(request).db, _filters(request, who)), "text/csv; charset=utf-8",
                           {"content-disposition": 'attachment; filename="attempts.csv"'})


async def attempt_audio(request: Request) -> Response:
    """``GET /api/v1/attempts/{id}/audio``: the recording, for staff who see its class or the learner who made it."""
    who = await bearer(request)
    attempt = await run_in_threadpool(records.get, service_of(request).db, request.path_params["attempt_id"])
    if attempt is None or (who.is_staff and not who.sees_class(attempt.class_id)):
        raise ApiError(404, "there is no such attempt", hint="GET /api/v1/attempts lists them")
    if not who.is_staff and attempt.learner_id != who.learner_id:
        raise ApiError(403, "this take belongs to another learner", hint="a learner can fetch only their own takes")
    return audio_file(attempt.audio)


def audio_file(path: Path | None) -> Response:
    """A stored recording as a file response (404 JSON when it is gone)."""
    if path is None or not path.is_file():
        raise ApiError(404, "the recording is missing on the server", hint="tell the teacher")
    return FileResponse(path, media_type=MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream"))


async def list_packs(request: Request) -> Response:
    """``GET /api/v1/packs`` (any valid token): the published packs."""
    await bearer(request)
    found = await run_in_threadpool(packs.listing, service_of(request).db)
    return JSONResponse({"packs": [pack.to_api() for pack in found]})


async def pack_zip(request: Request) -> Response:
    """``GET /api/v1/packs/{id}.zip`` (any valid token): a published pack as a zip."""
    await bearer(request)
    pack_id = request.path_params["pack_id"]
    published = await run_in_threadpool(packs.find, service_of(request).db, pack_id)
    if published is None or not published.zip.is_file():
        raise ApiError(404, f"there is no published pack {pack_id[:64]!r}", hint="GET /api/v1/packs lists them")
    return FileResponse(published.zip, media_type="application/zip", filename=f"{published.id}.zip")


ROUTES = [
    Route("/healthz", healthz),
    Route("/api/v1/me", me),
    Route("/api/v1/classes", list_classes, methods=["GET"]),
    Route("/api/v1/attempts", list_attempts, methods=["GET"]),
    Route("/api/v1/attempts.csv", export_csv, methods=["GET"]),
    Route("/api/v1/attempts/{attempt_id:int}/audio", attempt_audio, methods=["GET"]),
    Route("/api/v1/packs", list_packs, methods=["GET"]),
    Route("/api/v1/packs/{pack_id}.zip", pack_zip, methods=["GET"]),
]
