"""Start-up as a user sees it: launch ``pronounce`` in a real terminal (tmux), time until the first phrase is on screen;
then what the idle app costs (resident memory, CPU, wake-ups), and after a restart how soon the scores are on screen.

The pane starts a shell that waits for Enter, its output is piped to a file
(``tmux pipe-pane``), Enter launches ``pronounce``, and the clock stops when the
first phrase's text reaches the terminal. Reading a file costs the machine far
less than polling ``capture-pane``, which would slow down what it measures on a
two-core box. Runs the default command (the demo pack) on a fresh data dir,
several times; prints the median and spread with the load average.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

RUNS = 7
TMUX = ["tmux", "-L", f"pronounce-bench-{os.getpid()}"]
"""A private tmux server, kept alive between runs by an idle session."""


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process ``pid`` (all its threads) has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


IDLE_SETTLE_S = 20.0
"""How long the app is left alone before idle figures are taken (start-up work, the warm-up, is over by then)."""
IDLE_S = 20.0


def first_phrase(data: Path, needle: str, *, pack: Path | None = None, timeout: float = 30.0,
                 then: Callable[[int], None] | None = None) -> tuple[float, float]:
    """Wall seconds from launching ``pronounce`` in tmux (120×40) until ``needle`` is written to its terminal,
    and the CPU seconds it used by then; ``then(pid)`` runs before the app is ended."""
    session = f"start-{time.monotonic_ns()}"
    out = data.with_suffix(".out")
    out.parent.mkdir(parents=True, exist_ok=True)
    command = f"{Path(sys.executable).parent / 'pronounce'} --data-dir {data}" + (f" practice {pack}" if pack else "")
    subprocess.run([*TMUX, "new-session", "-d", "-s", session, "-x", "120", "-y", "40", f"read go; exec {command}"], check=True)
    try:
        subprocess.run([*TMUX, "pipe-pane", "-t", session, f"cat > {out}"], check=True)
        pid = int(subprocess.run([*TMUX, "display", "-p", "-t", session, "#{pane_pid}"], capture_output=True, text=True).stdout)
        time.sleep(0.3)
        t0 = time.perf_counter()
        subprocess.run([*TMUX, "send-keys", "-t", session, "Enter"], check=True)
        wanted = needle.encode()
        while time.perf_counter() - t0 < timeout:
            if out.exists() and wanted in out.read_bytes():
                found = time.perf_counter() - t0, cpu_seconds(pid)
                if then is not None:
                    then(pid)
                return found
            time.sleep(0.002)
        raise RuntimeError(f"{needle!r} never reached the terminal")
    finally:
        subprocess.run([*TMUX, "kill-session", "-t", session], capture_output=True)


def idle_figures(pid: int) -> dict[str, float]:
    """Resident memory (MB), CPU (% of a core) and wake-ups per second of ``pid`` left alone."""
    time.sleep(IDLE_SETTLE_S)

    def switches() -> int:
        total = 0
        for task in Path(f"/proc/{pid}/task").iterdir():
            for line in (task / "status").read_text().splitlines():
                if line.startswith("voluntary_ctxt_switches"):
                    total += int(line.split()[1])
        return total

    cpu0, wake0 = cpu_seconds(pid), switches()
    time.sleep(IDLE_S)
    cpu1, wake1 = cpu_seconds(pid), switches()
    rss = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("VmRSS"))
    return {"rss": rss / 1024, "cpu": (cpu1 - cpu0) / IDLE_S * 100, "wakeups": (wake1 - wake0) / IDLE_S}


def with_attempts(data: Path) -> None:
    """Keep three attempts at the demo pack's first phrase in ``data`` (so it has a score and is due)."""
    from datetime import UTC, datetime, timedelta

    from tui.packs.loader import load_pack
    from tui.paths import DEMO_PACK
    from tui.scoring.score import Score
    from tui.store import AttemptStore

    phrase = load_pack(DEMO_PACK).phrases[0]
    with AttemptStore(data) as store:
        for day, overall in enumerate((42.0, 67.0, 88.0)):
            take = store.incoming_dir / f"take-{day}.flac"
            take.parent.mkdir(parents=True, exist_ok=True)
            take.write_bytes(phrase.audio.read_bytes())
            score = Score(overall=overall, accuracy=overall, fluency=overall, intonation=overall, completeness=100.0, scorer_version="bench")
            store.save_attempt(recording_path=take, pack_id="en-basics", pack_version="1", phrase_id=phrase.id, text=phrase.text,
                               recorder="bench", duration=1.0, score=score, created_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=day))


def start_server() -> None:
    subprocess.run([*TMUX, "new-session", "-d", "-s", "idle", "sleep 3600"], check=True)


def stop_server() -> None:
    subprocess.run([*TMUX, "kill-server"], capture_output=True)


def main() -> None:
    from tui.packs.loader import load_pack
    from tui.paths import DEMO_PACK

    needle = load_pack(DEMO_PACK).phrases[0].text
    start_server()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            first_phrase(Path(tmp) / "warm", needle)  # fill the OS file cache, as on a second launch
            runs = [first_phrase(Path(tmp) / f"data-{n}", needle) for n in range(RUNS)]
            idle: dict[str, float] = {}
            first_phrase(Path(tmp) / "idle", needle, then=lambda pid: idle.update(idle_figures(pid)))
            with_attempts(Path(tmp) / "restart")
            # The due marker is drawn only with the badges: it is on screen once the scores are.
            restarts = sorted(first_phrase(Path(tmp) / "restart", "●")[0] for _ in range(RUNS))
    finally:
        stop_server()
    load = os.getloadavg()
    times = sorted(wall for wall, _ in runs)
    print(f"first phrase on screen after launching `pronounce` in tmux (median of {RUNS}, s): {statistics.median(times):.3f}"
          f"  [min {times[0]:.3f}, max {times[-1]:.3f}]  load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"CPU time pronounce used by then (median, s): {statistics.median(cpu for _, cpu in runs):.3f}")
    print(f"idle, {IDLE_SETTLE_S:.0f} s after launch, over {IDLE_S:.0f} s: resident {idle['rss']:.0f} MB, "
          f"CPU {idle['cpu']:.2f} % of a core, {idle['wakeups']:.1f} wake-ups/s")
    print(f"restart with attempts -> scores and due marker on screen (median of {RUNS}, s): {statistics.median(restarts):.3f}"
          f"  [min {restarts[0]:.3f}, max {restarts[-1]:.3f}]")


if __name__ == "__main__":
    main()
