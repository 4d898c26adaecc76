"""The engine never imports Textual, Rich or click: it must run in CLIs, tests, benches and the server alone."""

from __future__ import annotations

import subprocess
import sys

ENGINE = ["tui.audio", "tui.speech", "tui.scoring", "tui.packs", "tui.store"]


def test_engine_packages_do_not_load_textual() -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        f"for name in {ENGINE!r}:\n"
        "    package = importlib.import_module(name)\n"
        "    for info in pkgutil.walk_packages(package.__path__, name + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'click'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"engine imported: {result.stdout.strip()}"
