"""Errors the class server answers with: an HTTP status and ``{"error": ..., "hint": ...}``."""

from __future__ import annotations

from tui.errors import ClassroomError


class ApiError(ClassroomError):
    """A request the server refuses; ``status`` is the HTTP status it answers with."""

    def __init__(self, status: int, message: str, *, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.status = status

    def body(self) -> dict[str, str]:
        """The JSON body of the answer."""
        return {"error": self.message, "hint": self.hint}
