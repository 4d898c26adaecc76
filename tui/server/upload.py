"""Receive a multipart upload as it streams in: the audio straight to a file, the limits checked on every chunk.

Starlette's ``request.form()`` would spool parts to the system temp folder and
count nothing until the end; here python-multipart's push parser is fed the
body chunk by chunk, the ``audio`` part is written to ``incoming/`` (inside the
server store, named after the web node) and the upload is refused the moment
it passes a limit — a 5 GB body costs one chunk of memory and at most the
limit of disk. A body that stalls for :data:`IDLE_SECONDS`, or is still
arriving after :data:`MAX_SECONDS`, is cut (408): a stalled upload holds a
slot, a file and a connection for seconds, not for ever.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from tui.server.errors import ApiError
from tui.server.meta import MAX_META_BYTES
from tui.server.part_headers import PartHeaders

MAX_PARTS = 4
"""More parts than this (the upload has two) is refused before the rest is read."""
FRAMING_BYTES = 64 * 1024
"""Body bytes allowed beyond the audio and meta limits: boundaries and part headers."""
FIELDS_HINT = "send two multipart fields: audio (the recording) and meta (JSON)"
IDLE_SECONDS = 20.0
"""Longest wait for the next piece of a body."""
MAX_SECONDS = 300.0
"""Longest time an upload may take (20 MB needs 70 kB/s)."""
DRAIN_BYTES = 2 * 1024 * 1024
"""The largest body of a refused upload that is read (and dropped) so that its client reads the answer."""


@dataclass
class Received:
    """An upload read to its end: the audio in a file of ``incoming/``, the meta in memory."""

    audio: Path | None = None
    audio_bytes: int = 0
    meta: bytearray | None = None
    done: bool = False
    file: IO[bytes] | None = field(default=None, repr=False)


class _Parser:
    """python-multipart callbacks that fill a :class:`Received`, enforcing every limit as bytes arrive."""

    def __init__(self, boundary: bytes, incoming: Path, prefix: str, max_audio_bytes: int) -> None:
        self.got = Received()
        self.incoming = incoming
        self.prefix = prefix
        self.max_audio_bytes = max_audio_bytes
        self.parts = 0
        self.headers = PartHeaders(FIELDS_HINT)
        self.target = ""
        self.parser = MultipartParser(boundary, {
            "on_part_begin": self.part_begin,
            "on_header_field": self.headers.field,
            "on_header_value": self.headers.value_data,
            "on_header_end": self.headers.end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.part_data,
            "on_part_end": self.part_end,
            "on_end": self.end,
        })

    def part_begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise ApiError(422, f"the upload has more than {MAX_PARTS} fields", hint=FIELDS_HINT)
        self.headers.begin()
        self.target = ""

    def headers_finished(self) -> None:
        got = self.got
        kind, options = parse_options_header(self.headers.disposition)
        name = options.get(b"name", b"").decode("latin-1")
        if kind != b"form-data" or name not in ("audio", "meta"):
            raise ApiError(422, f"unexpected field {name[:40]!r}", hint=FIELDS_HINT)
        if (name == "audio" and got.audio is not None) or (name == "meta" and got.meta is not None):
            raise ApiError(422, f"the field {name!r} is sent twice", hint=FIELDS_HINT)
        self.target = name
        if name == "audio":
            got.audio = self.incoming / f"{self.prefix}{uuid.uuid4().hex}.part"
            got.file = open(got.audio, "xb")  # noqa: SIM115  (closed in part_end, or by discard())
        else:
            got.meta = bytearray()

    def part_data(self, data: bytes, start: int, end: int) -> None:
        got = self.got
        if self.target == "audio" and got.file is not None:
            got.audio_bytes += end - start
            if got.audio_bytes > self.max_audio_bytes:
                raise ApiError(413, f"the recording is larger than {self.max_audio_bytes // (1024 * 1024)} MB",
                               hint="record a shorter take, or ask the teacher to raise --max-upload-mb")
            got.file.write(data[start:end])
        elif self.target == "meta" and got.meta is not None:
            got.meta += data[start:end]
            if len(got.meta) > MAX_META_BYTES:
                raise ApiError(413, f"meta is larger than {MAX_META_BYTES // 1024} KB", hint=FIELDS_HINT)

    def part_end(self) -> None:
        if self.target == "audio" and self.got.file is not None:
            self.got.file.close()
            self.got.file = None
        self.target = ""

    def end(self) -> None:
        self.got.done = True


def _boundary(request: Request) -> bytes:
    kind, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary", b"")
    if kind != b"multipart/form-data" or not boundary or len(boundary) > 200:
        raise ApiError(415, "the upload must be multipart/form-data", hint=FIELDS_HINT)
    return boundary


async def _chunks(request: Request) -> AsyncIterator[bytes]:
    """The body's chunks; :class:`ApiError` 408 when it stalls or takes too long."""
    stream = request.stream().__aiter__()
    deadline = asyncio.get_running_loop().time() + MAX_SECONDS
    while True:
        left = deadline - asyncio.get_running_loop().time()
        try:
            yield await asyncio.wait_for(stream.__anext__(), min(IDLE_SECONDS, max(left, 0.0)))
        except StopAsyncIteration:
            return
        except TimeoutError:
            if left <= IDLE_SECONDS:
                raise ApiError(408, f"the upload took longer than {MAX_SECONDS:.0f} s", hint="the take is sent again later") from None
            raise ApiError(408, f"the upload stalled: nothing arrived for {IDLE_SECONDS:.0f} s",
                           hint="the take is sent again later") from None


async def receive(request: Request, *, incoming: Path, prefix: str, max_audio_bytes: int) -> Received:
    """Read the request body of an upload; on any error nothing of it stays on disk.

    Raises
    ------
    ApiError
        413 past a size limit (checked on ``Content-Length`` first, then on
        every chunk), 415 when the body is not multipart, 422 for unexpected,
        repeated, missing or too many fields and for a body that ends early,
        408 for a body that stalls.
    starlette.requests.ClientDisconnect
        The client went away mid-upload.
    """
    boundary = _boundary(request)
    limit = max_audio_bytes + MAX_META_BYTES + FRAMING_BYTES
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"the upload is larger than {max_audio_bytes // (1024 * 1024)} MB",
                       hint="record a shorter take, or ask the teacher to raise --max-upload-mb")
    parser = _Parser(boundary, incoming, prefix, max_audio_bytes)
    got, total = parser.got, 0
    try:
        async for chunk in _chunks(request):
            total += len(chunk)
            if total > limit:
                raise ApiError(413, f"the upload is larger than {max_audio_bytes // (1024 * 1024)} MB",
                               hint="record a shorter take, or ask the teacher to raise --max-upload-mb")
            if chunk:
                try:
                    parser.parser.write(chunk)
                except FormParserError as exc:
                    raise ApiError(422, "the upload is not valid multipart", hint=FIELDS_HINT) from exc
        if not got.done:
            raise ApiError(422, "the upload ended before its last boundary", hint=FIELDS_HINT)
        if got.audio is None or got.meta is None:
            raise ApiError(422, "the upload needs the fields audio and meta", hint=FIELDS_HINT)
    except BaseException:
        discard(got)
        raise
    return got


async def drain(request: Request, limit: int = DRAIN_BYTES) -> None:
    """Read and drop the body of an upload refused before it was read (busy, disk full), up to ``limit`` bytes.

    A server that answers while the client still sends, then closes, makes
    the client's socket see a reset instead of the answer; reading a small
    body first lets the client read why it must wait (``Retry-After``).
    """
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return
    read = 0
    try:
        async for chunk in _chunks(request):
            read += len(chunk)
            if read > limit:
                return
    except (ApiError, ClientDisconnect):
        return


def discard(got: Received) -> None:
    """Close and remove the received audio file, if any."""
    if got.file is not None:
        got.file.close()
        got.file = None
    if got.audio is not None:
        got.audio.unlink(missing_ok=True)
