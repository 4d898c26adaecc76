"""Finding the pack a user named: a folder or .zip as given, else a bundled pack by its id, else a near miss to suggest."""

from __future__ import annotations

import difflib
from pathlib import Path

from tui.errors import PackError
from tui.packs.loader import PACK_FILE
from tui.paths import LESSONS_DIR


def bundled_ids() -> list[str]:
    """The ids of the packs shipped with pronounce (folders of ``lessons/``)."""
    if not LESSONS_DIR.is_dir():
        return []
    return sorted(entry.name for entry in LESSONS_DIR.iterdir() if (entry / PACK_FILE).is_file())


def locate_pack(name: Path) -> Path:
    """The pack ``name`` means: the path itself when it exists, else the bundled pack of that id (``es-basics``).

    Raises
    ------
    PackError
        Nothing of that name exists; the hint names the closest pack folder, .zip or bundled id, if one is close.
    """
    if name.exists():
        return name
    if len(name.parts) == 1 and (LESSONS_DIR / name.name / PACK_FILE).is_file():
        return LESSONS_DIR / name.name
    parent = name.parent if str(name.parent) else Path(".")
    nearby = []
    if parent.is_dir():
        try:
            nearby = [entry.name for entry in parent.iterdir() if (entry / PACK_FILE).is_file() or entry.suffix.lower() == ".zip"]
        except OSError:
            nearby = []
    choices = {str(parent / entry) if str(parent) != "." else entry: entry for entry in nearby}
    choices.update({pack_id: pack_id for pack_id in bundled_ids() if pack_id not in choices})
    close = difflib.get_close_matches(name.name, list(choices.values()), n=1, cutoff=0.6)
    suggestion = next((shown for shown, entry in choices.items() if close and entry == close[0]), None)
    bundled = ", ".join(bundled_ids())
    hint = f"did you mean {suggestion}?" if suggestion else (
        "give a pack folder (with pack.toml), a .zip export" + (f", or a bundled pack: {bundled}" if bundled else ""))
    raise PackError(f"there is no pack {name}", hint=hint)
