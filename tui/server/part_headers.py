"""The headers of one multipart part as python-multipart hands them over: its Content-Disposition, size capped."""

from __future__ import annotations

from tui.server.errors import ApiError

MAX_HEADER_BYTES = 8 * 1024
"""Bytes of headers per part."""


class PartHeaders:
    """One part's headers at a time; more than :data:`MAX_HEADER_BYTES` of them is a 422 with ``hint``."""

    def __init__(self, hint: str) -> None:
        self.hint = hint
        self.size = 0
        self.name, self.value = bytearray(), bytearray()
        self.disposition = b""

    def begin(self) -> None:
        """A new part starts (``on_part_begin``)."""
        self.size, self.disposition = 0, b""

    def field(self, data: bytes, start: int, end: int) -> None:
        """``on_header_field``."""
        self._count(end - start)
        self.name += data[start:end]

    def value_data(self, data: bytes, start: int, end: int) -> None:
        """``on_header_value``."""
        self._count(end - start)
        self.value += data[start:end]

    def end(self) -> None:
        """``on_header_end``: keep the header when it is the Content-Disposition."""
        if bytes(self.name).strip().lower() == b"content-disposition":
            self.disposition = bytes(self.value)
        self.name, self.value = bytearray(), bytearray()

    def _count(self, size: int) -> None:
        self.size += size
        if self.size > MAX_HEADER_BYTES:
            raise ApiError(422, f"a field's headers exceed {MAX_HEADER_BYTES // 1024} KB", hint=self.hint)
