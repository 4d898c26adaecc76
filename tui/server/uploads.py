"""Takes arriving and their scores: ``POST /api/v1/attempts`` and ``GET /api/v1/attempts/{id}``.

An upload is received within the node's upload slots (503 with
``Retry-After`` when they are full) and the disk's reserve (507), its meta and
audio are checked (422 for audio that cannot be scored, with the reason), and
the take is stored ``pending``; its scoring job starts at once. The answer
waits up to ``--score-wait`` seconds for the score: 201 with it, or 201 with
``"status": "pending"`` and ``"score": null`` — ``GET /api/v1/attempts/{id}``
gives it later. The same ``client_attempt_id`` again answers 200 with the same
take, whichever web node stored it.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tui.server import records
from tui.server.accounts import Identity, Role
from tui.server.api import bearer, service_of
from tui.server.audio_check import check_take
from tui.server.errors import ApiError
from tui.server.meta import parse_meta
from tui.server.records import ServerAttempt
from tui.server.upload import discard, drain, receive

FAILED_HINT = "record the phrase again"


def take_json(attempt: ServerAttempt) -> dict[str, Any]:
    """What the API says of one take's scoring: ``id``, ``status``, ``score`` (null unless scored), ``error``."""
    return {"id": attempt.id, "status": attempt.status, "score": attempt.score.to_dict() if attempt.score else None,
            "error": attempt.error if attempt.status == "failed" else None}


async def post_attempt(request: Request) -> Response:
    """``POST /api/v1/attempts``: receive, check and store a take, start its scoring; 201 new, 200 already stored."""
    service = service_of(request)
    who = await bearer(request, Role.LEARNER)
    if who.learner_id is None:
        raise ApiError(403, "only a learner uploads takes", hint="use a learner token")
    learner_id = who.learner_id
    declared = request.headers.get("content-length", "")
    try:
        service.uploads.take(learner_id)
    except ApiError:
        await drain(request)
        raise
    try:
        try:
            await run_in_threadpool(service.disk.check, int(declared) if declared.isdigit() and len(declared) < 16 else 0)
        except ApiError:
            await drain(request)
            raise
        try:
            got = await receive(request, incoming=service.db.incoming_dir, prefix=service.incoming_prefix,
                                max_audio_bytes=service.config.max_upload_bytes)
        except ClientDisconnect:
            return Response(status_code=400)
        try:
            if got.audio is None or got.meta is None:
                raise ApiError(422, "the upload needs the fields audio and meta", hint="send audio and meta")
            meta = parse_meta(bytes(got.meta))
            existing = await run_in_threadpool(records.find, service.db, meta.client_attempt_id)
            if existing is None:
                staged = got.audio
                checked = await run_in_threadpool(check_take, staged)
                attempt, created = await run_in_threadpool(lambda: records.add(
                    service.db, learner_id=learner_id, meta=meta, staged=staged, suffix=checked.suffix))
                if created:
                    service.jobs.submit(attempt.id)
            else:
                attempt, created = existing, False
        finally:
            discard(got)
    finally:
        service.uploads.give(learner_id)
    if attempt.learner_id != who.learner_id:
        raise ApiError(409, "this client_attempt_id belongs to another take", hint="send a new UUID for each take")
    return await _answer(request, attempt, created=created)


async def _answer(request: Request, attempt: ServerAttempt, *, created: bool) -> Response:
    """The take as stored, once scored or after ``--score-wait`` seconds; a take that cannot be scored is 422."""
    service = service_of(request)
    if attempt.status == "pending":
        await service.jobs.wait(attempt.id, service.config.score_wait)
        found: ServerAttempt | None = await run_in_threadpool(records.get, service.db, attempt.id)
        attempt = found or attempt
    if attempt.status == "failed":
        raise ApiError(422, attempt.error or "the take cannot be scored", hint=FAILED_HINT)
    return JSONResponse({key: value for key, value in take_json(attempt).items() if key != "error"},
                        status_code=201 if created else 200)


def _visible(who: Identity, attempt: ServerAttempt | None) -> ServerAttempt:
    if attempt is None or (who.is_staff and not who.sees_class(attempt.class_id)):
        raise ApiError(404, "there is no such attempt", hint="GET /api/v1/attempts lists them")
    if not who.is_staff and attempt.learner_id != who.learner_id:
        raise ApiError(403, "this take belongs to another learner", hint="a learner can fetch only their own takes")
    return attempt


async def get_attempt(request: Request) -> Response:
    """``GET /api/v1/attempts/{id}``: a take's status and score, for staff who see its class or the learner who made it."""
    who = await bearer(request)
    attempt = _visible(who, await run_in_threadpool(records.get, service_of(request).db, request.path_params["attempt_id"]))
    body = take_json(attempt)
    body.update(client_attempt_id=attempt.client_attempt_id, learner=attempt.learner, pack=attempt.pack,
                phrase_id=attempt.phrase_id, text=attempt.text,
                recorded_at=attempt.recorded_at.isoformat() if attempt.recorded_at else None,
                audio_url=f"/api/v1/attempts/{attempt.id}/audio")
    return JSONResponse(body)


ROUTES = [
    Route("/api/v1/attempts", post_attempt, methods=["POST"]),
    Route("/api/v1/attempts/{attempt_id:int}", get_attempt, methods=["GET"]),
]
