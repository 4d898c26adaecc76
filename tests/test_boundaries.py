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


def test_the_cli_starts_without_the_numeric_stack() -> None:
    """Every command pays for what the CLI imports; the scorer, numpy and the server load when a command needs them."""
    heavy = "('numpy', 'librosa', 'ctranslate2', 'hama', 'tokenizers', 'starlette')"
    code = f"import sys, tui.cli; print(','.join(m for m in {heavy} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_the_scoring_package_gives_its_functions_whatever_was_imported_first() -> None:
    code = "import tui.scoring.comparison, tui.scoring.live; from tui.scoring import compare, LiveScorer; print(callable(compare))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "True"


def test_preparing_and_scoring_code_loads_no_model_until_a_take_is_scored() -> None:
    """Importing the engine and preparing a phrase never loads Whisper or the phone recogniser (the app's first frame
    must not wait for them); scoring an English take does."""
    code = (
        "import sys\n"
        "from tui.scoring import prepare_phrase\n"
        "prepared = prepare_phrase('good morning', lang='en-us')\n"
        "print(','.join(m for m in ('ctranslate2', 'hama') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
