"""The ``pronounce`` command: the app by default, and subcommands over the engine.

Each command group lives in its own module; importing them attaches them to :data:`cli`.
"""

from __future__ import annotations

from tui.cli import classwork, pack, review, score, server, sync  # noqa: F401  (each module registers its commands)
from tui.cli.root import cli

__all__ = ["cli", "main"]


def main() -> None:
    """Entry point of the ``pronounce`` console script."""
    cli(prog_name="pronounce")
