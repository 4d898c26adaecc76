"""The ASGI app of the class server and how it runs under uvicorn.

Starlette gives routing, streaming request bodies and file responses without
a framework's weight; uvicorn is the production server (HTTP/1.1 with flow
control, so a slow or huge upload is read at the pace the app consumes it,
and a graceful shutdown on SIGTERM/SIGINT that lets in-flight requests end).
"""

from __future__ import annotations

import errno
import logging
import resource
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tui.errors import ClassroomError, PronounceError
from tui.server import api, api_classwork, api_feedback, pages, uploads, web, web_classwork, web_learners, web_takes
from tui.server.db import StoreFailure, StoreFull
from tui.server.errors import ApiError
from tui.server.service import ServerConfig, Service

GRACEFUL_SECONDS = 30
"""On SIGTERM, requests in progress get this long to finish before they are cancelled (and rolled back)."""
RETRY_SECONDS = 5
FULL_DISK = (errno.ENOSPC, errno.EDQUOT)
NO_HANDLES = (errno.EMFILE, errno.ENFILE)

log = logging.getLogger("pronounce.server")


def _error_response(request: Request, status: int, message: str, hint: str, headers: dict[str, str] | None = None) -> Response:
    if request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", ""):
        return JSONResponse({"error": message, "hint": hint}, status_code=status, headers=headers)
    return pages.templates.TemplateResponse(request, "error.html", {"status": status, "message": message, "hint": hint},
                                            status_code=status, headers={**pages.SECURITY_HEADERS, **(headers or {})})


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return _error_response(request, exc.status, exc.message, exc.hint, exc.headers())


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return _error_response(request, exc.status_code, str(exc.detail), "check the method and the address")


async def _store_failure(request: Request, exc: Exception) -> Response:
    log.error("database failure on %s %s: %s", request.method, request.url.path, exc)
    if isinstance(exc, StoreFull):
        return _error_response(request, 507, "the server's disk is full", "try again later; the teacher has to make room",
                               {"retry-after": "60"})
    return _error_response(request, 503, "the server's database is unavailable", "try again in a moment",
                           {"retry-after": str(RETRY_SECONDS)})


async def _os_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OSError)
    if exc.errno in FULL_DISK:
        log.error("disk full on %s %s: %s", request.method, request.url.path, exc)
        return _error_response(request, 507, "the server's disk is full", "try again later; the teacher has to make room",
                               {"retry-after": "60"})
    if exc.errno in NO_HANDLES:
        log.error("out of file handles on %s %s: %s", request.method, request.url.path, exc)
        return _error_response(request, 503, "the server is too busy right now", "try again in a moment",
                               {"retry-after": str(RETRY_SECONDS)})
    return await _unexpected(request, exc)


async def _pronounce_error(request: Request, exc: Exception) -> Response:
    log.error("request %s %s failed: %s", request.method, request.url.path, exc)
    return _error_response(request, 500, "the server could not complete this request", "try again later; the server's log says why")


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error", exc_info=exc)
    return _error_response(request, 500, "the server failed unexpectedly", "try again later; the server's log says why")


class NoSniff:
    """Every response says ``X-Content-Type-Options: nosniff``, error pages of the framework itself included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-content-type-options"]
                message = {**message, "headers": [*headers, (b"x-content-type-options", b"nosniff")]}
            await send(message)

        await self.app(scope, receive, sending)


def create_app(config: ServerConfig) -> Starlette:
    """The web node's ASGI app (Starlette); the store must exist (``server init``).

    Raises
    ------
    ClassroomError
        There is no server store at ``config.root``.
    """
    service = Service(config)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(service.prepare)
        await service.start()
        try:
            yield
        finally:
            await service.close()

    app = Starlette(
        routes=[*uploads.ROUTES, *api.ROUTES, *api_feedback.ROUTES, *api_classwork.ROUTES, *web_takes.ROUTES,
                *web_learners.ROUTES, *web_classwork.ROUTES, *web.ROUTES],
        lifespan=lifespan,
        exception_handlers={
            ApiError: _api_error,
            HTTPException: _http_error,
            StoreFailure: _store_failure,
            OSError: _os_error,
            PronounceError: _pronounce_error,
            Exception: _unexpected,
        },
    )
    app.state.service = service
    return app


def _log_to_stderr() -> None:
    """The server's own messages (scoring, database failures) go to stderr beside uvicorn's."""
    logger = logging.getLogger("pronounce")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def more_file_handles() -> int:
    """Raise this process's limit of open files to the most it may have (a busy node holds one per connection); the limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return soft


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

    more_file_handles()
    _log_to_stderr()
    app: Any = NoSniff(create_app(config))
    server = uvicorn.Server(uvicorn.Config(
        app,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
        server_header=False,
        proxy_headers=False,
        log_level="info",
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
    ))
    server.run(sockets=[sock])
