"""The teachers' and the admin's pages: sign in with a token, the classes, a class's table, one page per take.

A teacher sees their classes only, the admin every class; a class or a take
the viewer does not see is answered 404, as if it did not exist.

Signing in sets an HttpOnly, SameSite=Strict session cookie (Secure over
HTTPS). Every form carries a CSRF token: before sign-in a double-submit
cookie, afterwards the session's own; a POST whose ``Origin`` is another site
is refused as well. Pages are server-rendered (Jinja2, autoescaped) and use
only files served by this server, so they work without the internet.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from tui.server import accounts, records
from tui.server.accounts import Identity
from tui.server.api import audio_file, service_of
from tui.server.chart import pitch_svg
from tui.server.class_table import class_page
from tui.server.classes import class_list
from tui.server.errors import ApiError
from tui.speech.types import WordTiming

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "pronounce_session"
CSRF_COOKIE = "pronounce_csrf"
MAX_FORM_BYTES = 4096
RECENT_TAKES = 20
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none';"
                               " form-action 'self'; base-uri 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}

templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters["when"] = lambda moment, style="%Y-%m-%d %H:%M": moment.strftime(style) if moment else "–"


def _page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    return response


def _set_cookie(request: Request, response: Response, name: str, value: str, *, max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/")


async def _small_form(request: Request) -> dict[str, str]:
    """A url-encoded form of at most :data:`MAX_FORM_BYTES` (read with the limit enforced)."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        raise ApiError(415, "this form must be sent url-encoded", hint="submit the form from the page")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise ApiError(413, "the form is too large", hint="submit the form from the page")
    fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=10)
    return {key: values[0] for key, values in fields.items()}


def _check_origin(request: Request) -> None:
    origin = request.headers.get("origin")
    if origin and origin != "null" and origin.rstrip("/") != f"{request.url.scheme}://{request.url.netloc}":
        raise ApiError(403, "this form was sent from another site", hint="sign in from the server's own page")


async def viewer(request: Request) -> tuple[Identity, str] | None:
    """Who is signed in in this browser and their session's CSRF token; None when nobody is."""
    session = request.cookies.get(SESSION_COOKIE, "")
    if not session or len(session) > 200:
        return None
    return await run_in_threadpool(accounts.session_identity, service_of(request).db, session)


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
    return _page(request, "classes.html", {"classes": seen, "who": who, "csrf": csrf, "signed_in": True,
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
    return _page(request, "class.html", {"table": table, "recent": latest, "csrf": csrf, "signed_in": True,
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
    response = _page(request, "signin.html", {"csrf": token, "message": message}, status)
    _set_cookie(request, response, CSRF_COOKIE, token, max_age=3600)
    return response


async def signin(request: Request) -> Response:
    """``POST /signin``: check the CSRF pair and the teacher token, open a session."""
    _check_origin(request)
    form = await _small_form(request)
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
    _set_cookie(request, response, SESSION_COOKIE, session, max_age=accounts.SESSION_HOURS * 3600)
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


async def signout(request: Request) -> Response:
    """``POST /signout``: end the session (the form's CSRF token must match it)."""
    _check_origin(request)
    form = await _small_form(request)
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
    return _page(request, "attempt.html", {"a": attempt, "score": score, "chart": chart, "csrf": csrf, "signed_in": True})


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
