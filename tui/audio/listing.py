"""The ``pronounce devices`` output: inputs and outputs as a text table or JSON."""

from __future__ import annotations

import json

from tui.audio.devices import DeviceInfo

_COLUMNS = ("", "index", "name", "channels", "rate", "host API")


def devices_json(inputs: list[DeviceInfo], outputs: list[DeviceInfo]) -> str:
    """``{"inputs": [...], "outputs": [...]}``, each device with every :class:`DeviceInfo` field."""
    return json.dumps({"inputs": [d.to_dict() for d in inputs], "outputs": [d.to_dict() for d in outputs]}, indent=2)


def devices_table(inputs: list[DeviceInfo], outputs: list[DeviceInfo]) -> str:
    """Two aligned tables, ``Inputs`` and ``Outputs``; ``*`` marks the defaults."""
    sections = []
    for title, found in (("Inputs (recorders)", inputs), ("Outputs", outputs)):
        rows = [_COLUMNS] + [
            ("*" if d.is_default else "", str(d.index), d.name, str(d.channels), f"{d.default_samplerate:g}", d.hostapi)
            for d in found
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
        lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
        sections.append("\n".join([title, *lines] if found else [title, "  (none)"]))
    return "\n\n".join(sections)
