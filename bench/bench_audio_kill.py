"""What survives SIGKILL of a recording process: the streamed FLAC vs the raw journal.

Each trial starts a child that records from a private sound server and prints
how many frames its listener has seen; the parent SIGKILLs it after a random
1–3 s, then tries to read the unfinished FLAC with libsndfile and recovers the
journal. Prints, per trial and overall, the audio lost: frames the listener
had seen minus frames in the recovered file (negative when the writer was
ahead of the listener at the kill).

    .venv/bin/python bench/bench_audio_kill.py --trials 10
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np
import soundfile as sf

from tui.audio import journal
from tui.audio.soundserver import start_sound_server

RATE = 48000
CHILD = textwrap.dedent(
    """
    import sys, threading
    from tui.audio import recorder

    seen = 0
    def listener(event):
        global seen
        seen += event.data_len
        print(seen, flush=True)
    recorder.subscribe(listener)
    recorder.start("victim", samplerate=48000, directory=sys.argv[1])
    threading.Event().wait()
    """
)


def flac_part_readable(folder: Path) -> str:
    """Try reading the unfinished FLAC the way any caller would."""
    part = next(folder.glob(f"*{journal.PART_SUFFIX}"))
    try:
        frames = sf.read(part, dtype="float32")[0].shape[0]
    except (sf.LibsndfileError, RuntimeError, ValueError, MemoryError) as exc:
        return f"unreadable ({type(exc).__name__}: {str(exc)[:50]})"
    return f"readable, {frames / RATE:.2f} s"


def trial(folder: Path, seconds: float, env: dict[str, str]) -> tuple[float, str]:
    """Record in a child for ``seconds``, SIGKILL it; return (lost seconds, FLAC verdict)."""
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(folder)], stdout=subprocess.PIPE, text=True, env=env)
    assert child.stdout is not None
    seen = 0
    while seen < seconds * RATE:
        seen = int(child.stdout.readline())
    child.kill()
    child.wait()
    verdict = flac_part_readable(folder)
    (recovered,) = journal.recover(folder)
    frames = sf.info(str(recovered)).frames
    return (seen - frames) / RATE, verdict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    args = parser.parse_args()
    losses = []
    load_before = os.getloadavg()[0]
    with start_sound_server(rate=RATE) as server, tempfile.TemporaryDirectory() as root:
        env = {**os.environ, **server.env}
        for n in range(args.trials):
            folder = Path(root) / str(n)
            folder.mkdir()
            lost, verdict = trial(folder, random.uniform(1.0, 3.0), env)
            losses.append(lost)
            print(f"trial {n}: lost {lost * 1000:6.1f} ms after recovery; unfinished FLAC: {verdict}")
    ms = np.array(losses) * 1000
    print(f"lost audio over {args.trials} kills: median {np.median(ms):.1f} ms, max {ms.max():.1f} ms (limit 500 ms)")
    print(f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after (1 min)")


if __name__ == "__main__":
    main()
