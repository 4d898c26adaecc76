"""The teacher's pages: sign in with the teacher token, the class table, one page per take.

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
from tui.server.accounts import Role
from tui.server.api import audio_file, service_of
from tui.server.chart import pitch_svg
from tui.server.class_table import class_table, recent
from tui.server.errors import ApiError
from tui.speech.types import WordTiming

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "pronounce_session"
CSRF_COOKIE = "pronounce_csrf"
MAX_FORM_BYTES = 4096
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none';"
                               " form-action 'self'; base-uri 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}

templates = Jinja2Templates(directory=str(HERE / "templates"))


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


async def teacher_session(request: Request) -> str | None:
    """The CSRF token of the teacher's signed-in session, None when not signed in."""
    session = request.cookies.get(SESSION_COOKIE, "")
    if not session or len(session) > 200:
        return None
    return await run_in_threadpool(accounts.session_csrf, service_of(request).db, session)


async def home(request: Request) -> Response:
    """``GET /``: the class table when signed in, else the sign-in form."""
    csrf = await teacher_session(request)
    if csrf is None:
        return _signin_page(request)
    pack = request.query_params.get("pack") or None
    db = service_of(request).db
    table = await run_in_threadpool(class_table, db, pack)
    latest = await run_in_threadpool(recent, db, 20)
    return _page(request, "dashboard.html", {"table": table, "recent": latest, "csrf": csrf, "pack": pack,
                                                    "signed_in": True})


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
    if who.role is not Role.TEACHER:
        return _signin_page(request, "This is a learner token; the class page needs the teacher token.", 403)
    session, _ = await run_in_threadpool(accounts.open_session, db)
    response = RedirectResponse("/", status_code=303)
    _set_cookie(request, response, SESSION_COOKIE, session, max_age=accounts.SESSION_HOURS * 3600)
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


async def signout(request: Request) -> Response:
    """``POST /signout``: end the session (the form's CSRF token must match it)."""
    _check_origin(request)
    form = await _small_form(request)
    csrf = await teacher_session(request)
    if csrf is not None and secrets.compare_digest(csrf, form.get("csrf", "")):
        await run_in_threadpool(accounts.close_session, service_of(request).db, request.cookies[SESSION_COOKIE])
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def _signed_in_attempt(request: Request) -> tuple[str, records.ServerAttempt]:
    csrf = await teacher_session(request)
    if csrf is None:
        raise ApiError(401, "sign in with the teacher token first", hint="open the server's home page")
    attempt = await run_in_threadpool(records.get, service_of(request).db, request.path_params["attempt_id"])
    if attempt is None:
        raise ApiError(404, "there is no such attempt", hint="go back to the class table")
    return csrf, attempt


async def attempt_page(request: Request) -> Response:
    """``GET /attempts/{id}``: players for reference and take, the score card, the pitch chart."""
    if await teacher_session(request) is None:
        return RedirectResponse("/", status_code=303)
    csrf, attempt = await _signed_in_attempt(request)
    service = service_of(request)
    contours = service.cached_contours(attempt.id)
    chart = None
    if contours is None and attempt.audio.is_file() and attempt.reference.is_file():
        contours = await service.scorer.contours(attempt.audio, attempt.reference)
        service.keep_contours(attempt.id, contours)
    if contours is not None:
        words = [WordTiming(w.text, w.ref_start, w.ref_end) for w in attempt.score.words]
        chart = pitch_svg(contours, attempt.score.path, words)
    return _page(request, "attempt.html", {"a": attempt, "score": attempt.score, "chart": chart, "csrf": csrf,
                                                  "signed_in": True})


async def take_audio(request: Request) -> Response:
    """``GET /attempts/{id}/take``: the learner's recording (signed-in teacher)."""
    _, attempt = await _signed_in_attempt(request)
    return audio_file(attempt.audio)


async def reference_audio(request: Request) -> Response:
    """``GET /attempts/{id}/reference``: what the take was scored against (signed-in teacher)."""
    _, attempt = await _signed_in_attempt(request)
    return audio_file(attempt.reference)


ROUTES = [
    Route("/", home, methods=["GET"]),
    Route("/signin", signin, methods=["POST"]),
    Route("/signout", signout, methods=["POST"]),
    Route("/attempts/{attempt_id:int}", attempt_page, methods=["GET"]),
    Route("/attempts/{attempt_id:int}/take", take_audio, methods=["GET"]),
    Route("/attempts/{attempt_id:int}/reference", reference_audio, methods=["GET"]),
    Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
]
