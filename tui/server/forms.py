"""Multipart forms with a file (a teacher's recording, a pack to publish), read as they stream in.

Like the learners' uploads (:mod:`tui.server.upload`), the body is fed to
python-multipart's push parser chunk by chunk: a file part goes straight to a
file in ``incoming/``, text parts stay in memory, and every limit (each
field's size, the number of parts, the whole body) is checked as bytes arrive,
so a huge or endless body costs one chunk of memory and at most the limit of
disk. Only the fields a form declares are accepted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from tui.server.errors import ApiError
from tui.server.part_headers import PartHeaders

FRAMING_BYTES = 64 * 1024
FORM_HINT = "submit the form from the page"


@dataclass(frozen=True)
class Spec:
    """What a form may hold: text fields with their byte limits, file fields with theirs, and how many parts at most."""

    texts: dict[str, int]
    files: dict[str, int]
    max_parts: int = 64

    @property
    def max_body(self) -> int:
        """The largest body the form can have."""
        return sum(self.texts.values()) * 4 + sum(self.files.values()) + FRAMING_BYTES


@dataclass
class Received:
    """A form read to its end: text fields (a field may repeat), files in ``incoming/`` (empty file parts left out)."""

    texts: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    done: bool = False

    def text(self, name: str, default: str = "") -> str:
        """The first value of text field ``name``."""
        values = self.texts.get(name)
        return values[0] if values else default

    def discard(self) -> None:
        """Remove the received files."""
        for path in self.files.values():
            path.unlink(missing_ok=True)
        self.files.clear()


class _Parser:
    def __init__(self, boundary: bytes, spec: Spec, incoming: Path, prefix: str) -> None:
        self.spec, self.incoming, self.prefix = spec, incoming, prefix
        self.got = Received()
        self.parts = self.size = 0
        self.headers = PartHeaders(FORM_HINT)
        self.name = ""
        self.filename: bytes | None = None
        self.text = bytearray()
        self.file: IO[bytes] | None = None
        self.path: Path | None = None
        self.parser = MultipartParser(boundary, {
            "on_part_begin": self.part_begin, "on_header_field": self.headers.field, "on_header_value": self.headers.value_data,
            "on_header_end": self.headers.end, "on_headers_finished": self.headers_finished, "on_part_data": self.part_data,
            "on_part_end": self.part_end, "on_end": self.end,
        })

    def part_begin(self) -> None:
        self.parts += 1
        if self.parts > self.spec.max_parts:
            raise ApiError(422, f"the form has more than {self.spec.max_parts} fields", hint=FORM_HINT)
        self.headers.begin()
        self.name, self.filename, self.size = "", None, 0

    def headers_finished(self) -> None:
        kind, options = parse_options_header(self.headers.disposition)
        self.name = options.get(b"name", b"").decode("latin-1")
        self.filename = options.get(b"filename")
        if kind != b"form-data" or (self.name not in self.spec.texts and self.name not in self.spec.files):
            raise ApiError(422, f"unexpected field {self.name[:40]!r}", hint=FORM_HINT)
        if self.name in self.spec.files:
            if self.name in self.got.files:
                raise ApiError(422, f"the field {self.name!r} is sent twice", hint=FORM_HINT)
            self.path = self.incoming / f"{self.prefix}{uuid.uuid4().hex}.part"
            self.file = open(self.path, "xb")  # noqa: SIM115  (closed in part_end, or by receive_form's cleanup)
        else:
            self.text = bytearray()

    def part_data(self, data: bytes, start: int, end: int) -> None:
        self.size += end - start
        if self.file is not None:
            limit = self.spec.files[self.name]
            if self.size > limit:
                raise ApiError(413, f"the file {self.name!r} is larger than {limit / 1024 / 1024:.0f} MB", hint=FORM_HINT)
            self.file.write(data[start:end])
            return
        limit = self.spec.texts[self.name]
        if self.size > limit:
            raise ApiError(413, f"the field {self.name!r} is larger than {limit:,} bytes", hint=FORM_HINT)
        self.text += data[start:end]

    def part_end(self) -> None:
        if self.file is not None and self.path is not None:
            self.file.close()
            self.file = None
            if self.size:
                self.got.files[self.name] = self.path
            else:  # a file input left empty
                self.path.unlink(missing_ok=True)
            self.path = None
        elif self.name:
            try:
                value = self.text.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ApiError(422, f"the field {self.name!r} is not UTF-8 text", hint=FORM_HINT) from exc
            self.got.texts.setdefault(self.name, []).append(value)
        self.name = ""

    def end(self) -> None:
        self.got.done = True

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None
        if self.path is not None:
            self.path.unlink(missing_ok=True)


async def read_body(request: Request, *, max_bytes: int, hint: str = FORM_HINT) -> bytes:
    """The whole body of a small request (a form, a JSON object); 413 the moment it passes ``max_bytes``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ApiError(413, f"the body is larger than {max_bytes / 1024:.0f} KB", hint=hint)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise ApiError(413, f"the body is larger than {max_bytes / 1024:.0f} KB", hint=hint)
    return bytes(body)


async def receive_form(request: Request, spec: Spec, *, incoming: Path, prefix: str = "") -> Received:
    """Read a multipart form of ``spec`` (its files named ``prefix…``: the web node's); on any error nothing of it stays on disk.

    Raises
    ------
    ApiError
        413 past a limit (``Content-Length`` first, then every chunk), 415 when
        the body is not multipart, 422 for unexpected or repeated fields and a
        body that ends early.
    starlette.requests.ClientDisconnect
        The client went away.
    """
    kind, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary", b"")
    if kind != b"multipart/form-data" or not boundary or len(boundary) > 200:
        raise ApiError(415, "the form must be sent as multipart/form-data", hint=FORM_HINT)
    limit = spec.max_body
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"the form is larger than {limit / 1024 / 1024:.1f} MB", hint=FORM_HINT)
    parser = _Parser(boundary, spec, incoming, prefix)
    total = 0
    try:
        async for chunk in request.stream():
            total += len(chunk)
            if total > limit:
                raise ApiError(413, f"the form is larger than {limit / 1024 / 1024:.1f} MB", hint=FORM_HINT)
            if chunk:
                try:
                    parser.parser.write(chunk)
                except FormParserError as exc:
                    raise ApiError(422, "the form is not valid multipart", hint=FORM_HINT) from exc
        if not parser.got.done:
            raise ApiError(422, "the form ended before its last boundary", hint=FORM_HINT)
    except BaseException:
        parser.close()
        parser.got.discard()
        raise
    return parser.got
