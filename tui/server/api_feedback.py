"""The API of answers to takes: teachers write them (comment, marked words, a recording), learners read their own.

A take, an answer or a recording the token may not see is answered 404, as if
it did not exist: a learner sees only their own takes' answers, a teacher
those of their classes. Writing needs a teacher's or the admin's token (403
for a learner's).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tui.fsio import atomic_write
from tui.server import feedback, moderation, records
from tui.server.accounts import Identity
from tui.server.api import STAFF, audio_file, bearer, service_of
from tui.server.clips import MAX_CLIP_BYTES
from tui.server.errors import ApiError
from tui.server.feedback import Feedback
from tui.server.forms import Spec, read_body, receive_form
from tui.server.params import id_param, since_param
from tui.server.records import ServerAttempt
from tui.server.schema import MAX_COMMENT
from tui.server.service import Service

MAX_JSON_BYTES = 64 * 1024
FEEDBACK_FORM = Spec(texts={"comment": MAX_COMMENT * 4 + 64, "word": 8, "remove_audio": 8, "csrf": 128},
                     files={"audio": MAX_CLIP_BYTES}, max_parts=feedback.MAX_WORDS + 8)
"""The answer as a multipart form: ``comment``, ``word`` (an index, repeated), ``audio`` (a file), ``remove_audio``."""


async def read_json(request: Request, *, max_bytes: int = MAX_JSON_BYTES) -> dict[str, Any]:
    """A JSON object body of at most ``max_bytes``.

    Raises
    ------
    ApiError
        415 when not JSON, 413 when too large, 422 when not an object.
    """
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise ApiError(415, "send a JSON body", hint="set Content-Type: application/json")
    body = await read_body(request, max_bytes=max_bytes, hint="send less")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ApiError(422, "the body is not JSON", hint="send a JSON object") from exc
    if not isinstance(data, dict):
        raise ApiError(422, "the body must be a JSON object", hint="send a JSON object")
    return data


async def seen_attempt(service: Service, who: Identity, raw_id: Any) -> ServerAttempt:
    """The take ``raw_id`` if ``who`` may see it (its class's staff, or its learner); else 404."""
    attempt_id = id_param(raw_id, "attempt")
    attempt = await run_in_threadpool(records.get, service.db, attempt_id) if attempt_id else None
    if attempt is None or not (who.sees_class(attempt.class_id) if who.is_staff else attempt.learner_id == who.learner_id):
        raise ApiError(404, "there is no such attempt", hint="a learner sees only their own takes, a teacher their classes'")
    return attempt


def _seen_feedback(found: Feedback | None, who: Identity) -> Feedback:
    if found is None or not (who.sees_class(found.class_id) if who.is_staff else found.learner_id == who.learner_id):
        raise ApiError(404, "there is no such answer", hint="GET /api/v1/feedback lists those you may see")
    return found


async def write_feedback(service: Service, attempt: ServerAttempt, who: Identity, *, comment: str, words: list[Any],
                         audio: Path | None, drop_audio: bool) -> Feedback:
    """Check and store an answer; ``audio`` (a received file, removed afterwards) is converted in a worker first.

    Raises
    ------
    ApiError
        422 for a comment too long or with control characters, unknown words,
        an empty answer, or a recording too long, too short or silent; 415 for
        a recording that is not audio.
    """
    text = feedback.check_comment(comment)
    marked = feedback.check_words(words, feedback.take_words(attempt))
    converted = None
    try:
        seconds = None
        if audio is not None:
            clip = await service.jobs.clip(await run_in_threadpool(audio.read_bytes))
            if clip.status:
                raise ApiError(clip.status, clip.error, hint=clip.hint)
            converted = service.db.incoming_dir / f"{service.incoming_prefix}{uuid.uuid4().hex}.flac"
            await run_in_threadpool(atomic_write, converted, clip.flac)
            seconds = clip.seconds
        clip_path = converted
        return await run_in_threadpool(lambda: feedback.save(service.db, attempt, who, comment=text, words=marked, clip=clip_path,
                                                             clip_seconds=seconds, drop_clip=drop_audio))
    finally:
        if audio is not None:
            audio.unlink(missing_ok=True)
        if converted is not None:
            converted.unlink(missing_ok=True)


async def list_feedback(request: Request) -> Response:
    """``GET /api/v1/feedback``: a learner's own answers, or those of the classes a teacher sees; ``since``, ``class``."""
    who = await bearer(request)
    query = request.query_params
    since = since_param(query.get("since"))
    class_id = id_param(query.get("class"), "class")
    if class_id is not None and not who.sees_class(class_id):
        raise ApiError(404, "there is no such class", hint="GET /api/v1/classes lists the classes you see")
    db = service_of(request).db
    if who.is_staff:
        found = await run_in_threadpool(lambda: feedback.listing(db, class_ids=who.class_ids, class_id=class_id, since=since))
    else:
        found = await run_in_threadpool(lambda: feedback.listing(db, learner_id=who.learner_id, since=since))
    return JSONResponse({"feedback": [item.to_api() for item in found]})


async def get_feedback(request: Request) -> Response:
    """``GET /api/v1/feedback/{id}``: one answer."""
    who = await bearer(request)
    found = await run_in_threadpool(feedback.get, service_of(request).db, request.path_params["feedback_id"])
    return JSONResponse(_seen_feedback(found, who).to_api())


async def feedback_audio(request: Request) -> Response:
    """``GET /api/v1/feedback/{id}/audio``: the teacher's recording (FLAC)."""
    who = await bearer(request)
    found = _seen_feedback(await run_in_threadpool(feedback.get, service_of(request).db, request.path_params["feedback_id"]), who)
    if found.audio is None:
        raise ApiError(404, "this answer has no recording", hint="its audio_url is null")
    return audio_file(found.audio)


async def attempt_feedback(request: Request) -> Response:
    """``GET /api/v1/attempts/{id}/feedback``: the answer to a take (404 when none yet)."""
    who = await bearer(request)
    attempt = await seen_attempt(service_of(request), who, request.path_params["attempt_id"])
    found = await run_in_threadpool(feedback.of_attempt, service_of(request).db, attempt.id)
    if found is None:
        raise ApiError(404, "this take has no answer yet", hint="a teacher answers it with PUT")
    return JSONResponse(found.to_api())


async def put_feedback(request: Request) -> Response:
    """``PUT /api/v1/attempts/{id}/feedback`` (admin, teacher): JSON ``{"comment", "words", "remove_audio"}``, or a multipart form with ``audio``."""
    who = await bearer(request, *STAFF)
    service = service_of(request)
    attempt = await seen_attempt(service, who, request.path_params["attempt_id"])
    if request.headers.get("content-type", "").startswith("multipart/"):
        got = await receive_form(request, FEEDBACK_FORM, incoming=service.db.incoming_dir,
                              prefix=service.incoming_prefix)
        try:
            answer = await write_feedback(service, attempt, who, comment=got.text("comment"), words=got.texts.get("word", []),
                                          audio=got.files.get("audio"), drop_audio=got.text("remove_audio") in ("1", "true", "on"))
        finally:
            got.discard()
    else:
        body = await read_json(request, max_bytes=MAX_COMMENT * 6 + 16 * 1024)
        comment, words = body.get("comment", ""), body.get("words", [])
        if not isinstance(comment, str) or not isinstance(words, list):
            raise ApiError(422, "comment must be a string and words a list of indexes", hint='e.g. {"comment": "...", "words": [1]}')
        answer = await write_feedback(service, attempt, who, comment=comment, words=words, audio=None,
                                      drop_audio=body.get("remove_audio") is True)
    return JSONResponse(answer.to_api())


async def delete_feedback(request: Request) -> Response:
    """``DELETE /api/v1/attempts/{id}/feedback`` (admin, teacher): remove the answer and its recording."""
    who = await bearer(request, *STAFF)
    attempt = await seen_attempt(service_of(request), who, request.path_params["attempt_id"])
    if not await run_in_threadpool(feedback.remove, service_of(request).db, attempt.id):
        raise ApiError(404, "this take has no answer", hint="nothing to remove")
    return Response(status_code=204)


async def patch_attempt(request: Request) -> Response:
    """``PATCH /api/v1/attempts/{id}`` (admin, teacher): ``{"hidden": bool, "flagged": bool}``; a hidden take leaves the summaries."""
    who = await bearer(request, *STAFF)
    service = service_of(request)
    attempt = await seen_attempt(service, who, request.path_params["attempt_id"])
    body = await read_json(request)
    changes = {key: body[key] for key in ("hidden", "flagged") if key in body}
    if not changes or set(body) - {"hidden", "flagged"} or not all(isinstance(v, bool) for v in changes.values()):
        raise ApiError(422, "send hidden and/or flagged as true or false", hint='e.g. {"hidden": true}')
    if "hidden" in changes:
        await run_in_threadpool(moderation.set_hidden, service.db, attempt.id, changes["hidden"])
    if "flagged" in changes:
        await run_in_threadpool(moderation.set_flagged, service.db, attempt.id, changes["flagged"])
    updated = await run_in_threadpool(records.get, service.db, attempt.id)
    assert updated is not None  # takes are never deleted
    return JSONResponse({"id": updated.id, "hidden": updated.hidden_at is not None, "flagged": updated.flagged_at is not None})


ROUTES = [
    Route("/api/v1/feedback", list_feedback, methods=["GET"]),
    Route("/api/v1/feedback/{feedback_id:int}", get_feedback, methods=["GET"]),
    Route("/api/v1/feedback/{feedback_id:int}/audio", feedback_audio, methods=["GET"]),
    Route("/api/v1/attempts/{attempt_id:int}/feedback", attempt_feedback, methods=["GET"]),
    Route("/api/v1/attempts/{attempt_id:int}/feedback", put_feedback, methods=["PUT"]),
    Route("/api/v1/attempts/{attempt_id:int}/feedback", delete_feedback, methods=["DELETE"]),
    Route("/api/v1/attempts/{attempt_id:int}", patch_attempt, methods=["PATCH"]),
]
