"""A small real lesson pack for UI tests: espeak-ng references with exact word timings."""

from __future__ import annotations

from pathlib import Path

import soundfile as sf

from tui.packs.tts import synthesize

PHRASES = (
    ("hello", "Good morning, how are you today?", "Buenos días, ¿cómo estás hoy?"),
    ("numbers", "Seven hundred and twelve", "Setecientos doce"),
    ("weather", "It is raining in the mountains", "Llueve en las montañas"),
)


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
