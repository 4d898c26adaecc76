"""The teachers' and the admin's pages: sign in with a token, the classes, a class's table, one page per take.

A teacher sees their classes only, the admin every class; a class or a take
the viewer does not see is answered 404, as if it did not exist. The sign-in
form carries a double-submit CSRF cookie; once signed in, forms carry the
session's own token (:mod:`tui.server.pages`). The teacher's tools (feedback,
learners, assignments, difficulty, packs, exports) have modules of their own.
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from tui.server import accounts, records
from tui.server.api import audio_file, service_of
from tui.server.chart import pitch_svg
from tui.server.class_table import class_page
from tui.server.classes import class_list
from tui.server.errors import ApiError
from tui.server.pages import CSRF_COOKIE, HERE, SESSION_COOKIE, check_origin, page, read_form, set_cookie, viewer
from tui.server.web_takes import take_tools
from tui.speech.types import WordTiming

RECENT_TAKES = 20


def _int(value: str | None, default: int) -> int:
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 10 else default


async def home(request: Request) -> Response:
    """``GET /``: the classes the viewer sees (straight to the class when there is one), else the sign-in form."""
    signed = await viewer(request)
    if signed is None:
        return _signin_page(request)
    who, csrf = signed
    seen = await run_in_threadpool(class_list, service_of(request).db, who)
    if len(seen) == 1:
        return RedirectResponse(f"/classes/{seen[0].id}", status_code=303)
    return page(request, "classes.html", {"classes": seen, "who": who, "csrf": csrf, "signed_in": True,
                                          "disk": await _disk_warning(request)})


async def class_view(request: Request) -> Response:
    """``GET /classes/{id}``: the class table, ``page``, ``sort`` and ``pack`` from the query, and the latest takes."""
    signed = await viewer(request)
    if signed is None:
        return RedirectResponse("/", status_code=303)
    who, csrf = signed
    class_id = request.path_params["class_id"]
    if class_id > records.MAX_ID or not who.sees_class(class_id):
        raise ApiError(404, "there is no such class", hint="go back to your classes")
    query = request.query_params
    db = service_of(request).db
    table = await run_in_threadpool(lambda: class_page(db, class_id, pack=query.get("pack") or None, sort=query.get("sort", ""),
                                                       page=_int(query.get("page"), 1)))
    if table is None:
        raise ApiError(404, "there is no such class", hint="go back to your classes")
    latest = await run_in_threadpool(records.recent, db, class_id, RECENT_TAKES)
    several = who.class_ids is None or len(who.class_ids) > 1
    return page(request, "class.html", {"table": table, "recent": latest, "csrf": csrf, "signed_in": True,
                                        "all_classes": several, "disk": await _disk_warning(request)})


async def _disk_warning(request: Request) -> dict[str, Any] | None:
    """What the teachers' pages say when the server's disk runs low (None while there is room)."""
    disk = service_of(request).disk
    free = await run_in_threadpool(disk.low)
    if free is None:
        return None
    return {"free": _size(free), "minimum": _size(disk.min_free), "refusing": free <= disk.min_free}


def _size(count: int) -> str:
    """Bytes for a person: ``812 MB``, ``65.3 GB``."""
    return f"{count / 1024**3:,.1f} GB" if count >= 10 * 1024**3 else f"{count // 1024**2:,} MB"


def _signin_page(request: Request, message: str = "", status: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    response = page(request, "signin.html", {"csrf": token, "message": message}, status)
    set_cookie(request, response, CSRF_COOKIE, token, max_age=3600)
    return response


async def signin(request: Request) -> Response:
    """``POST /signin``: check the CSRF pair and the teacher token, open a session."""
    check_origin(request)
    form = await read_form(request)
    expected = request.cookies.get(CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, form.get("csrf", "")):
        return _signin_page(request, "The form expired; please sign in again.", 403)
    db = service_of(request).db
    who = await run_in_threadpool(accounts.identify, db, form.get("token", "").strip())
    if who is None:
        return _signin_page(request, "Unknown or revoked token.", 401)
    if not who.is_staff:
        return _signin_page(request, "This is a learner token; the class pages need a teacher's or the admin's token.", 403)
    session, _ = await run_in_threadpool(accounts.open_session, db, who)
    response = RedirectResponse("/", status_code=303)
    set_cookie(request, response, SESSION_COOKIE, session, max_age=accounts.SESSION_HOURS * 3600)
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


async def signout(request: Request) -> Response:
    """``POST /signout``: end the session (the form's CSRF token must match it)."""
    check_origin(request)
    form = await read_form(request)
    signed = await viewer(request)
    if signed is not None and secrets.compare_digest(signed[1], form.get("csrf", "")):
        await run_in_threadpool(accounts.close_session, service_of(request).db, request.cookies[SESSION_COOKIE])
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def _signed_in_attempt(request: Request) -> tuple[str, records.ServerAttempt]:
    signed = await viewer(request)
    if signed is None:
        raise ApiError(401, "sign in with a teacher's token first", hint="open the server's home page")
    who, csrf = signed
    attempt = await run_in_threadpool(records.get, service_of(request).db, request.path_params["attempt_id"])
    if attempt is None or not who.sees_class(attempt.class_id):
        raise ApiError(404, "there is no such attempt", hint="go back to the class table")
    return csrf, attempt


async def attempt_page(request: Request) -> Response:
    """``GET /attempts/{id}``: players for reference and take, the score card, the pitch chart."""
    if await viewer(request) is None:
        return RedirectResponse("/", status_code=303)
    csrf, attempt = await _signed_in_attempt(request)
    service = service_of(request)
    contours = service.cached_contours(attempt.id)
    chart = None
    score, reference = attempt.score, attempt.reference
    if score is not None and reference is not None:
        if contours is None:
            contours = await service.jobs.contours(attempt)
            if contours is not None:
                service.keep_contours(attempt.id, contours)
        if contours is not None:
            chart = pitch_svg(contours, score.path, [WordTiming(w.text, w.ref_start, w.ref_end) for w in score.words])
    tools = await run_in_threadpool(take_tools, service.db, attempt)
    return page(request, "attempt.html", {"a": attempt, "score": score, "chart": chart, "csrf": csrf, "signed_in": True, **tools})


async def take_audio(request: Request) -> Response:
    """``GET /attempts/{id}/take``: the learner's recording (signed-in teacher)."""
    _, attempt = await _signed_in_attempt(request)
    return audio_file(attempt.audio)


async def reference_audio(request: Request) -> Response:
    """``GET /attempts/{id}/reference``: what the take was scored against (signed-in teacher)."""
    _, attempt = await _signed_in_attempt(request)
    if attempt.reference is None:
        raise ApiError(404, "this take has not been scored yet", hint="try again in a moment")
    return audio_file(attempt.reference)


ROUTES = [
    Route("/", home, methods=["GET"]),
    Route("/classes/{class_id:int}", class_view, methods=["GET"]),
    Route("/signin", signin, methods=["POST"]),
    Route("/signout", signout, methods=["POST"]),
    Route("/attempts/{attempt_id:int}", attempt_page, methods=["GET"]),
    Route("/attempts/{attempt_id:int}/take", take_audio, methods=["GET"]),
    Route("/attempts/{attempt_id:int}/reference", reference_audio, methods=["GET"]),
    Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
]
