"""UI figures: first frame, meter rate, key → recording, score on screen, event-loop stalls, first slow playback.

The first frame is measured as a user sees it (``pronounce`` launched in tmux,
see :mod:`bench.bench_startup`); the rest runs the real app headless against a
private PulseAudio sound server and a three-phrase espeak-ng pack in a
temporary folder. Prints one line per figure and the machine's load.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

def rss_mb() -> float:
    """Resident memory of this process (the app under test) in MB, from /proc."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:"))


async def live(pack: Path, data: Path) -> dict[str, float | str]:
    import sounddevice as sd

    from tests.ui.conftest import reference_ready, take_state, until
    from tui.app import PronounceApp
    from tui.audio.files import load_audio
    from tui.config import AppConfig, config_path, save_config
    from tui.practice.takes import TakeState
    from tui.widgets.level import LevelMeter
    from tui.widgets.scorecard import ScoreCard

    save_config(AppConfig(auto_stop=False), config_path(data))
    app = PronounceApp(pack, data_dir=data)
    figures: dict[str, float | str] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await reference_ready(pilot)
        await until(pilot, lambda: screen.reference is not None and screen.reference.prepared is not None, timeout=60)
        # Steady state: the warm-up (PortAudio, slowed references) is over.
        await until(pilot, lambda: not any(t.name == "pronounce-warm-up" for t in threading.enumerate()), timeout=120)
        samples, rate = load_audio(pack / "hello.wav")
        for _round in range(2):  # the first round warms the scorer's caches
            t_key = time.monotonic()
            await pilot.press("space")
            await until(pilot, lambda: take_state(app) is TakeState.RECORDING, timeout=30)
            take = app.session.take
            assert take is not None
            meter = screen.query_one(LevelMeter)
            updates0, t0 = meter.updates, time.perf_counter()
            sd.play(samples, rate)
            await asyncio.sleep(len(samples) / rate + 0.5)
            rate_meter = (meter.updates - updates0) / (time.perf_counter() - t0)
            card = screen.query_one(ScoreCard)
            card.score = None
            gaps: list[float] = []
            last = [time.perf_counter()]

            def tick() -> None:
                now = time.perf_counter()
                gaps.append(now - last[0])
                last[0] = now

            async def watch() -> float:
                while card.score is None:
                    await asyncio.sleep(0.002)
                return time.perf_counter()

            timer = screen.set_interval(0.005, tick)
            watcher = asyncio.create_task(watch())
            t_stop = time.perf_counter()
            # press() waits for the app to be idle, which a 5 ms timer never is: time with the watcher.
            await pilot.press("space")
            t_score = await asyncio.wait_for(watcher, 30) - t_stop
            timer.stop()
            await until(pilot, lambda: not take.state.busy, timeout=30)
            await pilot.app.workers.wait_for_complete()
            figures = {
                "key → recording started (ms)": (take.capture.started_at - t_key) * 1000,
                "level meter updates/s while recording": rate_meter,
                "stop → score on screen, warm (ms)": t_score * 1000,
                "longest event-loop stall while stopping/scoring (ms, 5 ms timer)": max(gaps) * 1000 - 5,
                "overall score of the round": card.score.overall if card.score else "none",
                "scored live from the recorder's blocks": take.live is not None and take.live.scored,
            }
        await pilot.pause(2.0)
        figures["app resident memory, idle, English models loaded (MB)"] = rss_mb()
    return figures


def marker_lag(data: Path) -> float:
    """Median ms by which the play marker reaches a click after the click is recorded back from the sound server.

    Plays six clicks half a second apart through the session's playback queue
    while a capture records the sink's monitor; positive means the marker is
    late. The recording path adds its own latency, so the true lag to what is
    heard is this figure plus the capture latency (tens of ms).
    """
    import numpy as np

    from tui.practice.captures import Chunk
    from tui.practice.playback import Play
    from tui.practice.session import Session

    rate = 48000
    clicks = np.zeros(3 * rate, np.float32)
    for k in range(6):
        start = int(k * 0.5 * rate)
        clicks[start : start + rate // 20] = 0.5 * np.sin(np.arange(rate // 20) * 2 * np.pi * 1000 / rate)
    session = Session(data)
    heard: list[tuple[float, float]] = []
    capture = session.recording.claim("the marker test")
    session.recording.start(capture, lambda event: heard.append((event.captured_at, event.level.rms_dbfs)) if isinstance(event, Chunk) else None)
    time.sleep(1.0)
    marks: list[tuple[float, float]] = []
    session.playback.play([Play("reference", clicks, rate)])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        now = session.playback.now()
        if now is None and marks:
            break
        if now is not None and now.position is not None:
            marks.append((time.monotonic(), now.position))
        time.sleep(0.005)
    time.sleep(0.5)
    session.recording.discard(capture)
    session.close()
    onsets: list[float] = []
    for at, rms in heard:
        if rms > -30 and (not onsets or at - onsets[-1] > 0.3):
            onsets.append(at)
    lags = []
    for k, onset in enumerate(onsets[-5:], start=1):  # the first click can fall in the stream's start-up
        reached = next((t for t, position in marks if position >= k * 0.5), None)
        if reached is not None:
            lags.append((reached - onset) * 1000)
    return statistics.median(lags) if lags else float("nan")


SLOW_CHILD = """
import sys, time
from pathlib import Path
from tui.practice.playback import Play
from tui.practice.session import Session
session = Session(Path(sys.argv[1]))
pack = session.open_pack(Path(sys.argv[2]))
reference = session.load_reference(pack.phrases[0])
if sys.argv[3] == "warmed":
    session.warm_up(pack) if sys.argv[4] == "all" else session.player
t0 = time.perf_counter()
session.playback.play([Play("reference", reference.samples, reference.samplerate, speed=0.75)])
while (now := session.playback.now()) is None or now.position is None:
    time.sleep(0.001)
print(time.perf_counter() - t0)
session.close()
"""


def first_slow_playback(pack: Path, data: Path, cache: Path, *, warmed: str, made: str) -> float:
    """Seconds from the slow-playback key's call to the sound playing, in a new process (as ``s`` does it).

    ``warmed`` "cold": the key is pressed before the app's warm-up ran (PortAudio starts on the key);
    "warmed": after it (``made`` "all": the warm-up made the slowed copies; "player": it only started PortAudio).
    """
    done = subprocess.run([sys.executable, "-c", SLOW_CHILD, str(data), str(pack), warmed, made], capture_output=True, text=True,
                          env={**os.environ, "PRONOUNCE_CACHE_DIR": str(cache)}, check=True, timeout=120)
    return float(done.stdout.strip().splitlines()[-1])


def slow_figures(pack: Path, data: Path) -> dict[str, float]:
    """The first slow playback of a new process: cold (nothing made ahead), and warm (as the app's warm-up leaves it)."""
    figures = {}
    for run in range(3):
        cache = data / f"slow-cache-{run}"
        figures.setdefault("cold cache, PortAudio not started yet", []).append(first_slow_playback(pack, data, cache, warmed="cold", made=""))
        fresh = data / f"slow-cache-fresh-{run}"
        figures.setdefault("cold cache, PortAudio started", []).append(first_slow_playback(pack, data, fresh, warmed="warmed", made="player"))
        figures.setdefault("warm cache (made by the warm-up), PortAudio started", []).append(
            first_slow_playback(pack, data, cache, warmed="warmed", made="all"))
    return {name: statistics.median(values) for name, values in figures.items()}


def main() -> None:
    from bench.bench_startup import first_phrase, start_server, stop_server
    from tests.ui.packs import make_pack
    from tui.audio.devices import rescan
    from tui.audio.soundserver import start_sound_server

    with tempfile.TemporaryDirectory() as tmp:
        pack, data = make_pack(Path(tmp) / "pack"), Path(tmp) / "data"
        start_server()
        try:
            first_phrase(data / "warm", "Record", pack=pack)
            footer = [first_phrase(data / f"footer-{n}", "Record", pack=pack)[0] for n in range(5)]
            phrase = [first_phrase(data / f"phrase-{n}", "Good morning, how are you today?", pack=pack)[0] for n in range(5)]
        finally:
            stop_server()
        print(f"first frame (footer) after launch in tmux (median of 5, s): {statistics.median(footer):.3f}")
        print(f"first phrase on screen after launch in tmux (median of 5, s): {statistics.median(phrase):.3f}")
        server = start_sound_server()
        server.activate()
        rescan()
        try:
            for name, value in asyncio.run(live(pack, data)).items():
                print(f"{name}: {value:.1f}" if isinstance(value, float) else f"{name}: {value}")
            print(f"play marker vs the click recorded back (median ms, + = marker late): {marker_lag(data / 'marker'):.0f}")
            for name, seconds in slow_figures(pack, data / "slow").items():
                print(f"first slow playback (s, 0.75x) in a new process, {name} (median of 3, ms): {seconds * 1000:.0f}")
        finally:
            server.stop()
    load = os.getloadavg()
    print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
