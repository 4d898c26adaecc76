"""Long recording through the real sound server while a listener works 5 ms per event.

Starts its own private PulseAudio daemon, records from its null-sink monitor
while this process plays noise into the sink (so the FLAC encodes real
signal, not silence; ``--quiet`` turns it off), and prints: overflows, dropped events, RSS
growth, stop() time (which reads the FLAC back and flushes it before the journal
goes), block-to-listener latency (median, p95), journal flushes per second, and the
load average before and after (the machine is shared; figures are noisy under load).

    .venv/bin/python bench/bench_recording.py --duration 600
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import sounddevice as sd

from tui.audio import recorder
from tui.audio.devices import rescan
from tui.audio.soundserver import start_sound_server


def rss_mb() -> float:
    """Resident memory of this process in MB, from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=600.0, help="seconds to record [600]")
    parser.add_argument("--rate", type=int, default=48000, help="sample rate in Hz [48000]")
    parser.add_argument("--work-ms", type=float, default=5.0, help="busy work per event, holding the GIL [5]")
    parser.add_argument("--quiet", action="store_true", help="record silence instead of played noise")
    args = parser.parse_args()
    rng = np.random.default_rng(0)

    def noise(outdata: np.ndarray, frames: int, time_info: object, status: sd.CallbackFlags) -> None:
        outdata[:, 0] = rng.normal(0.0, 0.1, frames)

    load_before = os.getloadavg()
    latencies: list[float] = []
    events = 0

    def listener(event: recorder.Event) -> None:
        nonlocal events
        if isinstance(event, recorder.ChunkEvent):
            latencies.append(time.monotonic() - event.captured_at)
            events += 1
        until = time.perf_counter() + args.work_ms / 1000
        while time.perf_counter() < until:
            pass

    with start_sound_server(rate=args.rate) as server, tempfile.TemporaryDirectory() as folder:
        server.activate()
        rescan()
        recorder.subscribe(listener)
        player = sd.OutputStream(samplerate=args.rate, channels=1, dtype="float32", callback=noise)
        if not args.quiet:
            player.start()
        handle = recorder.start("bench", samplerate=args.rate, directory=folder)
        while not events:
            time.sleep(0.01)
        warm = min(5.0, args.duration / 10)
        time.sleep(warm)
        rss_start, rss_peak = rss_mb(), 0.0
        began = time.monotonic()
        while (left := args.duration - warm - (time.monotonic() - began)) > 0:
            time.sleep(min(10.0, left))
            rss_peak = max(rss_peak, rss_mb())
        rss_end = rss_mb()
        t0 = time.perf_counter()
        recording = recorder.stop(handle.name)
        stop_ms = (time.perf_counter() - t0) * 1000
        size_mb = recording.path.stat().st_size / 1e6
        player.close()
    ms = np.array(latencies) * 1000
    print(f"recorded           {recording.duration:.1f} s at {recording.samplerate} Hz ({size_mb:.1f} MB FLAC)")
    print(f"overflows          {recording.overflows}")
    print(f"dropped events     {recording.dropped_events} of {events + recording.dropped_events}")
    print(f"RSS                {rss_start:.1f} MB -> {rss_end:.1f} MB (growth {rss_end - rss_start:+.1f} MB, peak {rss_peak:.1f} MB)")
    print(f"stop()             {stop_ms:.1f} ms")
    print(f"block->listener    median {np.median(ms):.2f} ms, p95 {np.percentile(ms, 95):.2f} ms, max {ms.max():.1f} ms")
    print(f"journal fsyncs     {recording.journal_syncs} ({recording.journal_syncs / recording.duration:.2f} per second of audio)")
    print(f"load average       {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after (1 min)")


if __name__ == "__main__":
    main()
