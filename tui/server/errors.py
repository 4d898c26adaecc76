"""Errors the class server answers with: an HTTP status and ``{"error": ..., "hint": ...}``."""

from __future__ import annotations

from tui.errors import ClassroomError


class ApiError(ClassroomError):
    """A request the server refuses; ``status`` is the HTTP status it answers with.

    ``retry_after`` (seconds) goes into a ``Retry-After`` header: the learner's
    outbox waits that long before it tries again.
    """

    def __init__(self, status: int, message: str, *, hint: str = "", retry_after: int | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.retry_after = retry_after

    def body(self) -> dict[str, str]:
        """The JSON body of the answer."""
        return {"error": self.message, "hint": self.hint}

    def headers(self) -> dict[str, str]:
        """Headers of the answer."""
        return {"retry-after": str(self.retry_after)} if self.retry_after is not None else {}
