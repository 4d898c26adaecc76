"""Lesson-pack speed: espeak-ng synthesis, loading/validating the bundled packs, zip packs.

Times what the app and the authoring commands do: synthesize one phrase (the
reference of `pack add --tts`), load a bundled pack (every app start validates
it, reading all its audio), open a `.zip` pack cold (extract) and warm (cache),
and export/import. Prints one line per figure (median of ``--repeat`` runs).

    .venv/bin/python bench/bench_packs.py --repeat 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tui import paths
from tui.packs.authoring import export_pack, import_zip
from tui.packs.loader import load_pack
from tui.speech.tts import synthesize


def _median_ms(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    """Run every figure and print it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    print(f"cpus={os.cpu_count()} load={os.getloadavg()[0]:.2f} repeat={repeat}")

    synthesize("warm up")
    for text, lang in [("Thank you very much.", "en-US"), ("¿Dónde está la estación de tren?", "es-ES")]:
        speech = synthesize(text, lang=lang)
        ms = _median_ms(lambda: synthesize(text, lang=lang), repeat)
        print(f"synthesize {text!r}: {ms:.1f} ms for {speech.duration:.2f} s of audio ({speech.duration * 1000 / ms:.0f}x real time)")

    for pack_id in ("en-basics", "es-basics", "fr-basics"):
        folder = paths.LESSONS_DIR / pack_id
        pack = load_pack(folder)
        print(f"load_pack {pack_id} ({len(pack.phrases)} phrases, validated): {_median_ms(lambda: load_pack(folder), repeat):.1f} ms")

    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        os.environ["XDG_CACHE_HOME"] = str(root / "cache")
        archive = export_pack(paths.DEMO_PACK, root / "en.zip")
        print(f"export en-basics: {_median_ms(lambda: export_pack(paths.DEMO_PACK, root / 'en.zip'), repeat):.1f} ms, "
              f"{archive.stat().st_size / 1024:.0f} KiB")
        start = time.perf_counter()
        load_pack(archive)
        print(f"load_pack en.zip cold (extract + validate): {(time.perf_counter() - start) * 1000:.1f} ms")
        print(f"load_pack en.zip warm (cached): {_median_ms(lambda: load_pack(archive), repeat):.1f} ms")
        counter = iter(range(10_000))
        ms = _median_ms(lambda: import_zip(archive, root / f"imported-{next(counter)}"), repeat)
        print(f"import en.zip: {ms:.1f} ms")


if __name__ == "__main__":
    main()
