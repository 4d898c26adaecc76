"""What every page of the class server shares: templates, security headers, cookies, who is signed in, forms and CSRF.

Signing in sets an HttpOnly, SameSite=Strict session cookie (Secure over
HTTPS). Every form that changes something carries the session's CSRF token
and is refused when the token does not match or the ``Origin`` header names
another site. Pages are server-rendered (Jinja2, autoescaped: names,
comments and phrase texts are always text, never markup) and load only files
of this server.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from tui.server import accounts, roster
from tui.server.accounts import Identity
from tui.server.api import service_of
from tui.server.errors import ApiError
from tui.server.forms import read_body

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "pronounce_session"
CSRF_COOKIE = "pronounce_csrf"
MAX_FORM_BYTES = 4096
MAX_FORM_FIELDS = 10
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; object-src 'none';"
                               " frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}

templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters["when"] = lambda moment, style="%Y-%m-%d %H:%M": moment.strftime(style) if moment else "–"


def page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    """Template ``name`` rendered with ``context``, with the security headers."""
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    return response


def set_cookie(request: Request, response: Response, name: str, value: str, *, max_age: int | None) -> None:
    """An HttpOnly, SameSite=Strict cookie for the whole site (Secure over HTTPS)."""
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/")


@dataclass(frozen=True)
class Form:
    """A url-encoded form's fields; a field may repeat (check boxes)."""

    fields: dict[str, list[str]]

    def get(self, name: str, default: str = "") -> str:
        """The field's first value."""
        values = self.fields.get(name)
        return values[0] if values else default

    def all(self, name: str) -> list[str]:
        """Every value of the field."""
        return list(self.fields.get(name, ()))


async def read_form(request: Request, *, max_bytes: int = MAX_FORM_BYTES, max_fields: int = MAX_FORM_FIELDS) -> Form:
    """A url-encoded form of at most ``max_bytes`` and ``max_fields`` fields (read with the limits enforced).

    Raises
    ------
    ApiError
        415 when not url-encoded, 413 when too large, 422 with too many fields.
    """
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        raise ApiError(415, "this form must be sent url-encoded", hint="submit the form from the page")
    body = await read_body(request, max_bytes=max_bytes)
    try:
        fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=max_fields)
    except ValueError as exc:
        raise ApiError(422, "the form has too many fields", hint="submit the form from the page") from exc
    return Form(fields)


def check_origin(request: Request) -> None:
    """Refuse (403) a form sent from another site."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and origin.rstrip("/") != f"{request.url.scheme}://{request.url.netloc}":
        raise ApiError(403, "this form was sent from another site", hint="sign in from the server's own page")


def check_csrf(expected: str, sent: str) -> None:
    """Refuse (403) a form whose CSRF token is not the session's."""
    if not sent or not secrets.compare_digest(expected, sent):
        raise ApiError(403, "the form expired or was not sent from this site", hint="reload the page and try again")


async def viewer(request: Request) -> tuple[Identity, str] | None:
    """Who is signed in in this browser and their session's CSRF token; None when nobody is."""
    session = request.cookies.get(SESSION_COOKIE, "")
    if not session or len(session) > 200:
        return None
    return await run_in_threadpool(accounts.session_identity, service_of(request).db, session)


async def signed_in(request: Request) -> tuple[Identity, str]:
    """Who is signed in (401 when nobody is) and their CSRF token."""
    signed = await viewer(request)
    if signed is None:
        raise ApiError(401, "sign in with a teacher's token first", hint="open the server's home page")
    return signed


async def posted(request: Request, *, max_bytes: int = MAX_FORM_BYTES,
                 max_fields: int = MAX_FORM_FIELDS) -> tuple[Identity, str, Form]:
    """A signed-in teacher's url-encoded form, its origin and CSRF token checked: ``(who, their CSRF token, the form)``."""
    check_origin(request)
    who, csrf = await signed_in(request)
    form = await read_form(request, max_bytes=max_bytes, max_fields=max_fields)
    check_csrf(csrf, form.get("csrf"))
    return who, csrf, form


def seen_class(who: Identity, class_id: int) -> None:
    """404 unless ``who`` sees class ``class_id`` (a class one does not see is answered as if it did not exist)."""
    if class_id > 2**31 or not who.sees_class(class_id):
        raise ApiError(404, "there is no such class", hint="go back to your classes")


def page_number(value: str | None) -> int:
    """A page number from the query (1 when absent or not a number; the page is clamped to the last one later)."""
    return int(value) if value and value.isascii() and value.isdigit() and len(value) < 7 else 1


def to_sign_in() -> Response:
    """Where a page sends a browser nobody is signed in in: the sign-in form."""
    return RedirectResponse("/", status_code=303)


@dataclass(frozen=True)
class ClassViewer:
    """Who looks at a class's page, their CSRF token, and the class (its id and name)."""

    who: Identity
    csrf: str
    class_id: int
    class_name: str


async def class_viewer(request: Request) -> ClassViewer | None:
    """The viewer of the class page at this address (404 unless they see the class); None when nobody is signed in."""
    signed = await viewer(request)
    if signed is None:
        return None
    who, csrf = signed
    class_id: int = request.path_params["class_id"]
    seen_class(who, class_id)
    name = await run_in_threadpool(roster.class_name, service_of(request).db, class_id)
    if name is None:
        raise ApiError(404, "there is no such class", hint="go back to your classes")
    return ClassViewer(who, csrf, class_id, name)
