"""The take page's tools: answer a take (comment, marked words, a recording), hide or flag it.

The answer form is a multipart POST (the recording is a file input, which the
page's script fills from MediaRecorder when the teacher records in the
browser); every form carries the session's CSRF token and each action answers
with a redirect back to the take (post/redirect/get), so a reload never sends
it twice.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from tui.server import feedback, moderation, records
from tui.server.accounts import Identity
from tui.server.api import audio_file, service_of
from tui.server.api_feedback import FEEDBACK_FORM, write_feedback
from tui.server.errors import ApiError
from tui.server.forms import receive_form
from tui.server.pages import check_csrf, check_origin, posted, signed_in
from tui.server.params import id_param
from tui.server.records import ServerAttempt

MODERATION = {"hide": ("hidden", True), "show": ("hidden", False), "flag": ("flagged", True), "unflag": ("flagged", False)}


def take_tools(db: Any, attempt: ServerAttempt) -> dict[str, Any]:
    """What the take page shows of its answer and tools: the answer, the words that may be marked (blocking)."""
    return {"answer": feedback.of_attempt(db, attempt.id), "take_words": feedback.take_words(attempt)}


async def _take(request: Request, who: Identity) -> ServerAttempt:
    attempt_id = id_param(request.path_params["attempt_id"], "attempt")
    attempt = await run_in_threadpool(records.get, service_of(request).db, attempt_id or 0)
    if attempt is None or not who.sees_class(attempt.class_id):
        raise ApiError(404, "there is no such attempt", hint="go back to the class table")
    return attempt


def _back(attempt_id: int, anchor: str = "") -> Response:
    return RedirectResponse(f"/attempts/{attempt_id}{anchor}", status_code=303)


async def post_feedback(request: Request) -> Response:
    """``POST /attempts/{id}/feedback``: write or rewrite the answer (multipart: csrf, comment, word…, audio, remove_audio)."""
    check_origin(request)
    who, csrf = await signed_in(request)
    attempt = await _take(request, who)
    service = service_of(request)
    got = await receive_form(request, FEEDBACK_FORM, incoming=service.db.incoming_dir,
                              prefix=service.incoming_prefix)
    try:
        check_csrf(csrf, got.text("csrf"))
        await write_feedback(service, attempt, who, comment=got.text("comment"), words=got.texts.get("word", []),
                             audio=got.files.pop("audio", None), drop_audio=got.text("remove_audio") == "1")
    finally:
        got.discard()
    return _back(attempt.id, "#feedback")


async def delete_feedback(request: Request) -> Response:
    """``POST /attempts/{id}/feedback/delete``: remove the answer and its recording."""
    who, _, _ = await posted(request)
    attempt = await _take(request, who)
    await run_in_threadpool(feedback.remove, service_of(request).db, attempt.id)
    return _back(attempt.id, "#feedback")


async def moderate(request: Request) -> Response:
    """``POST /attempts/{id}/moderate``: ``action`` hide, show, flag or unflag."""
    who, _, form = await posted(request)
    attempt = await _take(request, who)
    action = MODERATION.get(form.get("action"))
    if action is None:
        raise ApiError(422, "unknown action", hint="use the page's buttons")
    what, on = action
    db = service_of(request).db
    await run_in_threadpool(moderation.set_hidden if what == "hidden" else moderation.set_flagged, db, attempt.id, on)
    return _back(attempt.id)


async def teacher_clip(request: Request) -> Response:
    """``GET /feedback/{id}/audio``: the teacher's recording of an answer (signed in, the class seen)."""
    who, _ = await signed_in(request)
    found = await run_in_threadpool(feedback.get, service_of(request).db, request.path_params["feedback_id"])
    if found is None or found.audio is None or not who.sees_class(found.class_id):
        raise ApiError(404, "there is no such recording", hint="go back to the take")
    return audio_file(found.audio)


ROUTES = [
    Route("/attempts/{attempt_id:int}/feedback", post_feedback, methods=["POST"]),
    Route("/attempts/{attempt_id:int}/feedback/delete", delete_feedback, methods=["POST"]),
    Route("/attempts/{attempt_id:int}/moderate", moderate, methods=["POST"]),
    Route("/feedback/{feedback_id:int}/audio", teacher_clip, methods=["GET"]),
]
