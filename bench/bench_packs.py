"""Lesson-pack speed: espeak-ng synthesis, loading/validating the bundled packs, big packs, zip packs.

Times what the app and the authoring commands do: synthesize one phrase (the
reference of `pack add --tts`), load a bundled pack (every app start: reference
headers only) and validate it (every reference decoded), a generated pack of
``--phrases`` phrases (sharing one reference, then with ``--files`` distinct
references), open a `.zip` pack cold (extract) and warm (cache), and
export/import (zip, Anki deck), a CSV import of ``--csv-rows`` rows. Prints one line per figure (median of ``--repeat`` runs).

    .venv/bin/python bench/bench_packs.py --repeat 5 --phrases 10000 --files 2000
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import soundfile as sf

from tui import paths
from tui.packs.anki.exporter import export_apkg
from tui.packs.anki.importer import import_apkg
from tui.packs.authoring import export_pack, import_zip, phrase_table
from tui.packs.csv_import import import_csv
from tui.packs.loader import load_pack, validate_pack
from tui.speech.tts import synthesize
from tui.speech.types import WordTiming

SR = 16000


def _median_ms(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def big_pack(folder: Path, phrases: int, files: int) -> Path:
    """A pack of ``phrases`` timed phrases whose references are ``files`` distinct 0.8 s FLAC files."""
    (folder / "audio").mkdir(parents=True)
    t = np.arange(int(0.8 * SR)) / SR
    samples = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    for n in range(files):
        sf.write(folder / "audio" / f"r{n}.flac", samples, SR)
    words = [WordTiming("good", 0.05, 0.35), WordTiming("morning", 0.40, 0.75)]
    tables = [phrase_table(f"phrase-{n}", f"good morning {n}", f"audio/r{n % files}.flac", translation="buenos días",
                           words=words) for n in range(phrases)]
    header = '[pack]\nid = "big"\ntitle = "Big"\nlanguage = "en-US"\n\n'
    (folder / "pack.toml").write_text(header + "\n".join(tables), encoding="utf-8")
    return folder


def main() -> None:
    """Run every figure and print it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--phrases", type=int, default=10_000, help="phrases in the generated big pack")
    parser.add_argument("--files", type=int, default=2_000, help="distinct references in its second variant")
    parser.add_argument("--csv-rows", type=int, default=1_000, help="rows of the CSV imported")
    options = parser.parse_args()
    repeat = options.repeat
    print(f"cpus={os.cpu_count()} load={os.getloadavg()[0]:.2f} repeat={repeat}")

    synthesize("warm up")
    for text, lang in [("Thank you very much.", "en-US"), ("¿Dónde está la estación de tren?", "es-ES")]:
        speech = synthesize(text, lang=lang)
        ms = _median_ms(lambda: synthesize(text, lang=lang), repeat)
        print(f"synthesize {text!r}: {ms:.1f} ms for {speech.duration:.2f} s of audio ({speech.duration * 1000 / ms:.0f}x real time)")

    for pack_id in ("en-basics", "es-basics", "fr-basics", "de-basics", "it-basics", "pt-br-basics"):
        folder = paths.LESSONS_DIR / pack_id
        pack = load_pack(folder)
        print(f"load_pack {pack_id} ({len(pack.phrases)} phrases, headers only): {_median_ms(lambda: load_pack(folder), repeat):.1f} ms; "
              f"validate_pack (decodes every reference): {_median_ms(lambda: validate_pack(folder), repeat):.1f} ms")

    for files in (1, options.files):
        with tempfile.TemporaryDirectory() as scratch:
            big = big_pack(Path(scratch) / "big", options.phrases, files)
            size = (big / "pack.toml").stat().st_size / 1e6
            validate_ms = _median_ms(lambda: validate_pack(big), max(1, repeat // 2))
            load_ms = _median_ms(lambda: load_pack(big), max(1, repeat // 2))
            print(f"{options.phrases} phrases, {files} distinct reference(s), pack.toml {size:.1f} MB: "
                  f"validate_pack {validate_ms:.0f} ms, load_pack {load_ms:.0f} ms")

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

        spanish = paths.LESSONS_DIR / "es-basics"
        deck = export_apkg(spanish, root / "es.apkg")
        ms = _median_ms(lambda: export_apkg(spanish, root / "es.apkg"), repeat)
        print(f"export es-basics --anki: {ms:.1f} ms, {deck.stat().st_size / 1024:.0f} KiB")
        ms = _median_ms(lambda: import_apkg(deck, root / f"from-anki-{next(counter)}"), max(1, repeat // 2))
        print(f"import es.apkg (26 notes with audio: FLAC, word timings aligned): {ms:.0f} ms")
        rows = options.csv_rows
        csv_file = root / "words.csv"
        csv_file.write_text("".join(f"palabra {n},word {n}\n" for n in range(rows)), encoding="utf-8")
        ms = _median_ms(lambda: import_csv(csv_file, root / f"csv-{next(counter)}", lang="es-ES"), 1)
        print(f"import a CSV of {rows} rows (espeak-ng for each): {ms:.0f} ms ({ms / rows:.1f} ms a row)")


if __name__ == "__main__":
    main()
