"""The ASGI app of the class server and how it runs under uvicorn.

Starlette gives routing, streaming request bodies and file responses without
a framework's weight; uvicorn is the production server (HTTP/1.1 with flow
control, so a slow or huge upload is read at the pace the app consumes it,
and a graceful shutdown on SIGTERM/SIGINT that lets in-flight requests end).
"""

from __future__ import annotations

import errno
import logging
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tui.errors import ClassroomError, PronounceError
from tui.server import api, api_classwork, api_feedback, pages, web, web_classwork, web_learners, web_takes
from tui.server.errors import ApiError
from tui.server.service import ServerConfig, Service

GRACEFUL_SECONDS = 30
"""On SIGTERM, requests in progress get this long to finish before they are cancelled (and rolled back)."""

log = logging.getLogger("pronounce.server")


def _error_response(request: Request, status: int, message: str, hint: str) -> Response:
    if request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", ""):
        return JSONResponse({"error": message, "hint": hint}, status_code=status)
    return pages.templates.TemplateResponse(request, "error.html", {"status": status, "message": message, "hint": hint},
                                          status_code=status, headers=pages.SECURITY_HEADERS)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return _error_response(request, exc.status, exc.message, exc.hint)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return _error_response(request, exc.status_code, str(exc.detail), "check the method and the address")


async def _pronounce_error(request: Request, exc: Exception) -> Response:
    log.error("request failed: %s", exc)
    return _error_response(request, 500, str(exc), "try again later; the teacher can read the server's log")


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error", exc_info=exc)
    return _error_response(request, 500, "the server failed unexpectedly", "try again later; the server's log says why")


def create_app(config: ServerConfig) -> Starlette:
    """The server's ASGI app; the store must exist (``server init``).

    Raises
    ------
    ClassroomError
        There is no server store at ``config.root``.
    """
    service = Service(config)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        service.start()
        try:
            yield
        finally:
            service.close()

    app = Starlette(
        routes=[*api.ROUTES, *api_feedback.ROUTES, *api_classwork.ROUTES, *web_takes.ROUTES, *web_learners.ROUTES,
                *web_classwork.ROUTES, *web.ROUTES],
        lifespan=lifespan,
        exception_handlers={
            ApiError: _api_error,
            HTTPException: _http_error,
            PronounceError: _pronounce_error,
            Exception: _unexpected,
        },
    )
    app.state.service = service
    return app


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``, so that a port in use is one clear error before anything starts.

    Raises
    ------
    ClassroomError
        The address is in use, not local, or needs privileges.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ClassroomError(f"port {port} on {host} is already in use", hint="stop the other server or choose --port") from exc
        raise ClassroomError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                             hint="use --host 127.0.0.1 or an address of this machine, and a port above 1023") from exc
    sock.set_inheritable(True)
    return sock


def serve(config: ServerConfig, sock: socket.socket, *, ssl_certfile: str | None = None,
          ssl_keyfile: str | None = None) -> None:
    """Run the server on the listening ``sock`` (see :func:`bind`) until SIGINT or SIGTERM; requests in progress finish first.

    Raises
    ------
    ClassroomError
        There is no server store.
    """
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(
        create_app(config),
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
        server_header=False,
        proxy_headers=False,
        log_level="info",
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
    ))
    server.run(sockets=[sock])
