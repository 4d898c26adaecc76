"""Audio devices as PortAudio sees them: recorders (inputs) and outputs."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from tui.audio.portaudio import ALSA_UNCONFIGURED, sd
from tui.errors import DeviceError, NoMicrophoneError

NO_MICROPHONE_HINT = (
    ALSA_UNCONFIGURED + "; or use --input-file FILE to record from a file"
    if ALSA_UNCONFIGURED
    else "plug in a microphone and check it is not muted or in use by another program; "
    "over SSH or in a container, check that PULSE_SERVER points at a running sound server "
    "(`pactl info`); or use --input-file FILE to record from a file"
)
"""What to do when there is no input: about ALSA when it has no configuration, else about the microphone."""


PORTAUDIO_LOCK = threading.RLock()
"""PortAudio is not thread-safe: open, start, stop and close streams and query devices under this lock.

The recorder, the player and the device listing run on different threads (app
workers, the dispatcher); without it, concurrent stream set-up and tear-down
in the ALSA/PulseAudio backend can crash the process.
"""

_open_streams: set[sd._StreamBase] = set()

StreamT = TypeVar("StreamT", bound=sd._StreamBase)


def open_stream(factory: Callable[[], StreamT]) -> StreamT:
    """Open a stream with ``factory`` under the lock and track it until :func:`close_stream`."""
    with PORTAUDIO_LOCK:
        stream = factory()
        _open_streams.add(stream)
        return stream


def close_stream(stream: sd._StreamBase, *, abort: bool = False) -> None:
    """Stop (or abort) and close a tracked stream, once; closing it again does nothing."""
    with PORTAUDIO_LOCK:
        if stream not in _open_streams:
            return
        _open_streams.discard(stream)
        if abort:
            stream.abort(ignore_errors=True)
        else:
            stream.stop(ignore_errors=True)
        stream.close(ignore_errors=True)


@dataclass(frozen=True)
class DeviceInfo:
    """One PortAudio device."""

    index: int
    name: str
    channels: int
    default_samplerate: float
    hostapi: str
    is_default: bool

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict."""
        return asdict(self)


def rescan() -> None:
    """Re-initialise PortAudio so devices (and sound servers) that appeared or left are seen.

    PortAudio lists devices once, when it is initialised; a microphone plugged in
    later, or a sound server started after import, is only seen after this.

    Raises
    ------
    DeviceError
        While a stream is recording or playing (terminating PortAudio under a
        running stream crashes the process); finished streams are closed first.
    """
    with PORTAUDIO_LOCK:
        if any(stream.active for stream in _open_streams):
            raise DeviceError(
                "cannot look for devices while recording or playing",
                hint="stop the recording and playback, then rescan",
            )
        for stream in list(_open_streams):
            close_stream(stream)
        sd._terminate()
        sd._initialize()


def _default_index(kind: int) -> int:
    try:
        return int(sd.default.device[kind])
    except (TypeError, ValueError):
        return -1


def _devices(kind: str) -> list[DeviceInfo]:
    column = "max_input_channels" if kind == "input" else "max_output_channels"
    with PORTAUDIO_LOCK:
        default = _default_index(0 if kind == "input" else 1)
        hostapis = sd.query_hostapis()
        devices = sd.query_devices()
    found = []
    for device in devices:
        if device[column] <= 0:
            continue
        found.append(
            DeviceInfo(
                index=int(device["index"]),
                name=str(device["name"]),
                channels=int(device[column]),
                default_samplerate=float(device["default_samplerate"]),
                hostapi=str(hostapis[device["hostapi"]]["name"]),
                is_default=int(device["index"]) == default,
            )
        )
    return found


def list_inputs() -> list[DeviceInfo]:
    """Every device that can record, in PortAudio's order."""
    return _devices("input")


def list_outputs() -> list[DeviceInfo]:
    """Every device that can play, in PortAudio's order."""
    return _devices("output")


def recorder_count() -> int:
    """How many input sources (recorders) exist."""
    return len(list_inputs())


def recorder_info(index: int) -> DeviceInfo:
    """The input source at position ``index`` of :func:`list_inputs`.

    Raises
    ------
    NoMicrophoneError
        When there is no input at all.
    DeviceError
        When ``index`` is out of range.
    """
    inputs = list_inputs()
    if not inputs:
        raise NoMicrophoneError("No microphone found", hint=NO_MICROPHONE_HINT)
    if not 0 <= index < len(inputs):
        raise DeviceError(
            f"there is no recorder {index}", hint=f"choose 0 to {len(inputs) - 1} (see `pronounce devices`)"
        )
    return inputs[index]


def resolve_input(device: int | str | None) -> DeviceInfo:
    """The input device to record from: the default, a PortAudio index, or a name fragment.

    Raises
    ------
    NoMicrophoneError
        When there is no input device at all.
    DeviceError
        When ``device`` names no input device.
    """
    inputs = list_inputs()
    if not inputs:
        raise NoMicrophoneError("No microphone found", hint=NO_MICROPHONE_HINT)
    if device is None:
        return next((info for info in inputs if info.is_default), inputs[0])
    for info in inputs:
        if device == info.index or (isinstance(device, str) and device.lower() in info.name.lower()):
            return info
    raise DeviceError(f"no input device matches {device!r}", hint="see `pronounce devices` for the inputs")
