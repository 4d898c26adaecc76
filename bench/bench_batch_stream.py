"""``score --batch`` on a long manifest: the first row starts at once and memory does not grow with the rows.

Writes a manifest of ``--rows`` rows (default a million) to a temporary folder,
then, each in a child process of its own: the time until the first row is
read, and the whole batch run with rows that are refused at once (a control
character in the text, so no audio is decoded) — its wall time and the child's
peak resident memory. For comparison, the peak of reading every row into a
list first, as ``score --batch`` did before. Prints one line per figure.

    .venv/bin/python bench/bench_batch_stream.py --rows 1000000
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import resource, sys, time
from pathlib import Path
from tui.scoring import batch
manifest, mode = Path(sys.argv[1]), sys.argv[2]
start = time.perf_counter()
rows = batch.read_manifest(manifest)
if mode == "first":
    next(rows)
elif mode == "list":
    rows = list(rows)
else:
    done, failed = batch.run(rows, manifest.with_suffix(".jsonl"), jobs=1)
elapsed = time.perf_counter() - start
print(elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _child(manifest: Path, mode: str) -> tuple[float, float]:
    done = subprocess.run([sys.executable, "-c", CHILD, str(manifest), mode], capture_output=True, text=True, check=True)
    elapsed, peak_kib = done.stdout.split()
    return float(elapsed), float(peak_kib) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as folder:
        manifest = Path(folder) / "manifest.csv"
        start = time.perf_counter()
        with open(manifest, "w", encoding="utf-8") as out:
            out.write("id,attempt,text,lang\n")
            out.writelines(f"row-{n},takes/take-{n}.wav,hello\x07there,en-US\n" for n in range(args.rows))
        size = manifest.stat().st_size / 2**20
        print(f"manifest: {args.rows:,} rows, {size:.0f} MiB (written in {time.perf_counter() - start:.1f} s)")
        first, first_peak = _child(manifest, "first")
        print(f"first row read after: {first * 1000:.1f} ms (process peak {first_peak:.0f} MiB)")
        run, run_peak = _child(manifest, "run")
        print(f"whole batch, rows streamed: {run:.1f} s, {args.rows / run:,.0f} rows/s, process peak {run_peak:.0f} MiB")
        listed, listed_peak = _child(manifest, "list")
        print(f"every row read into a list first (as before): {listed:.1f} s, process peak {listed_peak:.0f} MiB")


if __name__ == "__main__":
    main()
