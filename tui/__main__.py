"""``python -m tui`` runs the ``pronounce`` command."""

from tui.cli import main

main()
