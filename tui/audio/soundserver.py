"""A private PulseAudio daemon with a null sink: a sound card for machines without one.

What is played to its default output comes back on its default input (the
sink's monitor), so tests, benches and headless demos exercise the real
PortAudio → ALSA → PulseAudio path end to end.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tui.errors import SoundServerError

SINK_NAME = "pronounce_null"
_STARTUP_TIMEOUT_S = 10.0


@dataclass
class SoundServer:
    """A running private PulseAudio daemon; stop it with :meth:`stop`."""

    runtime_dir: Path
    process: subprocess.Popen[bytes]
    owns_runtime_dir: bool = True
    _previous_env: dict[str, str | None] = field(default_factory=dict)

    @property
    def socket(self) -> Path:
        """Path of the daemon's native-protocol socket."""
        return self.runtime_dir / "native"

    @property
    def server_string(self) -> str:
        """Value for ``PULSE_SERVER`` that reaches this daemon."""
        return f"unix:{self.socket}"

    @property
    def env(self) -> dict[str, str]:
        """Environment variables that point PulseAudio clients (and ALSA's pulse plugin) here."""
        return {"PULSE_SERVER": self.server_string}

    def activate(self) -> None:
        """Point this process (and children started later) at the server."""
        for key, value in self.env.items():
            self._previous_env.setdefault(key, os.environ.get(key))
            os.environ[key] = value

    def stop(self) -> None:
        """Kill the daemon by pid, restore the environment and remove its runtime dir."""
        for key, value in self._previous_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._previous_env.clear()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.owns_runtime_dir:
            shutil.rmtree(self.runtime_dir, ignore_errors=True)

    def __enter__(self) -> SoundServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _script(socket: Path, *, with_sink: bool, rate: int) -> str:
    lines = []
    if with_sink:
        lines += [
            f"load-module module-null-sink sink_name={SINK_NAME} rate={rate} channels=1"
            f" sink_properties=device.description=Pronounce-null-sink",
            f"set-default-sink {SINK_NAME}",
            f"set-default-source {SINK_NAME}.monitor",
        ]
    # The socket comes last: once it exists, everything above is loaded.
    lines.append(f"load-module module-native-protocol-unix auth-anonymous=1 socket={socket}")
    return "\n".join(lines) + "\n"


def start_sound_server(
    *, with_sink: bool = True, rate: int = 48000, runtime_dir: Path | None = None
) -> SoundServer:
    """Start a private PulseAudio daemon and wait until it accepts clients.

    Parameters
    ----------
    with_sink : bool
        Load a mono null sink and make its monitor the default source. Without it the
        server has no sink, so clients see no usable device.
    rate : int
        Sample rate of the null sink in Hz.
    runtime_dir : Path, optional
        Folder for the socket, log and state; a fresh temporary folder by default.

    Raises
    ------
    SoundServerError
        When ``pulseaudio`` is not installed or does not come up.
    """
    binary = shutil.which("pulseaudio")
    if binary is None:
        raise SoundServerError(
            "pulseaudio is not installed",
            hint="install it (apt-get install pulseaudio libasound2-plugins) or run `make test`",
        )
    owns = runtime_dir is None
    folder = Path(tempfile.mkdtemp(prefix="pronounce-pulse-")) if runtime_dir is None else runtime_dir
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "server.pa"
    socket = folder / "native"
    script.write_text(_script(socket, with_sink=with_sink, rate=rate))
    env = {
        **os.environ,
        "HOME": str(folder),
        "XDG_RUNTIME_DIR": str(folder),
        "XDG_CONFIG_HOME": str(folder / "config"),
        "PULSE_RUNTIME_PATH": str(folder / "pulse"),
        "PULSE_STATE_PATH": str(folder / "state"),
    }
    log = folder / "pulseaudio.log"
    process = subprocess.Popen(
        [
            binary,
            "-n",
            "-F",
            str(script),
            "--daemonize=no",
            "--exit-idle-time=-1",
            "--use-pid-file=no",
            "--disable-shm=yes",
            "--system=no",
            f"--log-target=file:{log}",
        ],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    server = SoundServer(runtime_dir=folder, process=process, owns_runtime_dir=owns)
    deadline = time.monotonic() + _STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            detail = log.read_text(errors="replace")[-800:] if log.exists() else ""
            server.stop()
            raise SoundServerError(
                f"pulseaudio exited with code {process.returncode}: {detail.strip()}",
                hint="check that pulseaudio is installed and runnable",
            )
        if socket.exists():
            return server
        time.sleep(0.05)
    server.stop()
    raise SoundServerError("pulseaudio did not start within 10 s", hint=f"see {log}")
