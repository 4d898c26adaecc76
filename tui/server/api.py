"""The JSON API under ``/api/v1``: uploads from learners, listings and exports for the teacher, packs for all.

Every answer that is not a success is ``{"error": ..., "hint": ...}`` with
401 (no or unknown token), 403 (wrong role, another learner's take), 404,
409 (a ``client_attempt_id`` another learner used), 413, 415 or 422.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from tui.server import accounts, packs, records
from tui.server.accounts import Identity, Role
from tui.server.errors import ApiError
from tui.server.meta import parse_meta
from tui.server.records import ServerAttempt
from tui.server.scorer import sniff
from tui.server.service import Service
from tui.server.upload import discard, receive

MEDIA_TYPES = {".wav": "audio/wav", ".flac": "audio/flac", ".ogg": "audio/ogg"}
CSV_FIELDS = ("id", "learner", "pack", "pack_version", "phrase_id", "text", "lang", "recorded_at", "created_at",
              "duration", "overall", "accuracy", "fluency", "intonation", "completeness", "client_overall",
              "scorer_version", "audio_url")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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
        raise ApiError(403, f"a {who.role} token cannot do this", hint=f"use a {' or '.join(roles)} token")
    return who


async def healthz(request: Request) -> Response:
    """``GET /healthz``: 200 while the server runs."""
    return JSONResponse({"ok": True})


async def me(request: Request) -> Response:
    """``GET /api/v1/me``: who the token belongs to (``pronounce login`` checks it)."""
    who = await bearer(request)
    return JSONResponse({"role": str(who.role), "name": who.name})


async def post_attempt(request: Request) -> Response:
    """``POST /api/v1/attempts``: receive, check, score and store a take; 201 new, 200 already stored."""
    service = service_of(request)
    who = await bearer(request, Role.LEARNER)
    try:
        got = await receive(request, incoming=service.db.incoming_dir, max_audio_bytes=service.config.max_upload_bytes)
    except ClientDisconnect:
        return Response(status_code=400)
    try:
        audio, raw_meta = got.audio, got.meta
        if audio is None or raw_meta is None or who.learner_id is None:
            raise ApiError(422, "the upload needs the fields audio and meta", hint="send audio and meta")
        meta = parse_meta(bytes(raw_meta))
        existing = await run_in_threadpool(records.find, service.db, meta.client_attempt_id)
        if existing is not None:
            return _stored(existing, who, created=False)
        suffix = sniff(audio)
        if suffix is None:
            raise ApiError(415, "the audio is not FLAC, WAV or OGG", hint="send the recording as the app saves it")
        spec = await run_in_threadpool(service.reference_spec, meta)
        scored = await service.scorer.score(audio, spec)
        if scored.score is None or scored.reference is None:
            raise ApiError(scored.status or 500, scored.error, hint=scored.hint)
        attempt, created = await run_in_threadpool(
            records.store, service.db, learner_id=who.learner_id, meta=meta, staged=audio, suffix=suffix,
            score=scored.score, duration=scored.duration, reference=scored.reference)
        return _stored(attempt, who, created=created)
    finally:
        discard(got)


def _stored(attempt: ServerAttempt, who: Identity, *, created: bool) -> Response:
    if attempt.learner_id != who.learner_id:
        raise ApiError(409, "this client_attempt_id belongs to another take", hint="send a new UUID for each take")
    return JSONResponse({"id": attempt.id, "score": attempt.score.to_dict()}, status_code=201 if created else 200)


def _filters(request: Request) -> dict[str, Any]:
    query = request.query_params
    since = None
    if query.get("since"):
        try:
            since = datetime.fromisoformat(query["since"])
        except ValueError as exc:
            raise ApiError(422, f"since={query['since'][:40]!r} is not an ISO 8601 time", hint="e.g. since=2025-01-31T08:00:00Z") from exc
        since = since.replace(tzinfo=UTC) if since.tzinfo is None else since
    return {"learner": query.get("learner"), "pack": query.get("pack"), "phrase": query.get("phrase"), "since": since}


async def list_attempts(request: Request) -> Response:
    """``GET /api/v1/attempts`` (teacher): every stored take, filtered by learner, pack, phrase, since."""
    await bearer(request, Role.TEACHER)
    found = await run_in_threadpool(lambda: records.listing(service_of(request).db, **_filters(request)))
    return JSONResponse({"attempts": [attempt.to_api() for attempt in found]})


def _cell(value: object) -> object:
    """A CSV cell that a spreadsheet will not run as a formula."""
    return f"'{value}" if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def attempts_csv(found: list[ServerAttempt]) -> str:
    """The CSV export of ``found``: one row per take, sub-scores as columns."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for a in found:
        s = a.score
        row = (a.id, a.learner, a.pack, a.pack_version, a.phrase_id, a.text, a.lang, a.recorded_at.isoformat(),
               a.created_at.isoformat(), round(a.duration, 3), s.overall, s.accuracy, s.fluency, s.intonation,
               s.completeness, a.client_score.overall if a.client_score else "", s.scorer_version,
               f"/api/v1/attempts/{a.id}/audio")
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()


async def export_csv(request: Request) -> Response:
    """``GET /api/v1/attempts.csv`` (teacher): the listing as CSV."""
    await bearer(request, Role.TEACHER)
    found = await run_in_threadpool(lambda: records.listing(service_of(request).db, **_filters(request)))
    return Response(attempts_csv(found), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": 'attachment; filename="attempts.csv"'})


async def attempt_audio(request: Request) -> Response:
    """``GET /api/v1/attempts/{id}/audio``: the recording, for the teacher or the learner who made it."""
    who = await bearer(request)
    attempt = await run_in_threadpool(records.get, service_of(request).db, request.path_params["attempt_id"])
    if attempt is None:
        raise ApiError(404, "there is no such attempt", hint="GET /api/v1/attempts lists them")
    if who.role is not Role.TEACHER and attempt.learner_id != who.learner_id:
        raise ApiError(403, "this take belongs to another learner", hint="a learner can fetch only their own takes")
    return audio_file(attempt.audio)


def audio_file(path: Any) -> Response:
    """A stored recording as a file response (404 JSON when it is gone)."""
    if not path.is_file():
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
    Route("/api/v1/attempts", post_attempt, methods=["POST"]),
    Route("/api/v1/attempts", list_attempts, methods=["GET"]),
    Route("/api/v1/attempts.csv", export_csv, methods=["GET"]),
    Route("/api/v1/attempts/{attempt_id:int}/audio", attempt_audio, methods=["GET"]),
    Route("/api/v1/packs", list_packs, methods=["GET"]),
    Route("/api/v1/packs/{pack_id}.zip", pack_zip, methods=["GET"]),
]
