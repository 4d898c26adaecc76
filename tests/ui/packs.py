"""A small real lesson pack for UI tests: espeak-ng references with exact word timings.

The pack is committed under ``tests/ui/data/ui-test`` so snapshots see the same
waveforms on every run (espeak-ng's output varies by a few samples between runs).
Rebuild it with ``python -m tests.ui.packs`` and update the snapshots after looking.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import soundfile as sf

from tui.speech.tts import synthesize

PHRASES = (
    ("hello", "Good morning, how are you today?", "Buenos días, ¿cómo estás hoy?"),
    ("numbers", "Seven hundred and twelve", "Setecientos doce"),
    ("weather", "It is raining in the mountains", "Llueve en las montañas"),
)


PACK_DATA = Path(__file__).parent / "data" / "ui-test"


def copy_pack(folder: Path) -> Path:
    """Copy the committed test pack into ``folder`` (tests may write into their copy)."""
    shutil.copytree(PACK_DATA, folder)
    return folder


def make_pack(folder: Path) -> Path:
    """Write a three-phrase English pack into ``folder`` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = ['[pack]', 'id = "ui-test"', 'title = "UI test pack"', 'language = "en-US"', 'version = "1"', ""]
    for phrase_id, text, translation in PHRASES:
        speech = synthesize(text, lang="en-us")
        sf.write(folder / f"{phrase_id}.wav", speech.samples, speech.samplerate)
        words = ", ".join(f'{{ text = "{w.text}", start = {w.start:.3f}, end = {w.end:.3f} }}' for w in speech.words)
        lines += [
            "[[phrase]]", f'id = "{phrase_id}"', f'text = "{text}"', f'translation = "{translation}"',
            f'audio = "{phrase_id}.wav"', f"words = [{words}]", "",
        ]
    (folder / "pack.toml").write_text("\n".join(lines), encoding="utf-8")
    return folder


if __name__ == "__main__":
    make_pack(PACK_DATA)
