"""Record a pack reference with a named recorder of :mod:`tui.audio.recorder`."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from tui.audio import recorder
from tui.errors import PackError

RECORDER_NAME = "pack-reference"


def record_reference(wait: Callable[[], object], *, input_file: Path | None = None,
                     device: int | str | None = None) -> tuple[np.ndarray, int]:
    """Record from the default input (or ``input_file``) until ``wait`` returns.

    Parameters
    ----------
    wait : callable
        Blocks while recording, e.g. until the user presses Enter.
    input_file : Path, optional
        Record this file, fed in real time, instead of a microphone.
    device : int or str, optional
        Input device index or name fragment.

    Returns
    -------
    samples : np.ndarray [shape=(n,), dtype=float32]
    samplerate : int

    Raises
    ------
    PackError
        Nothing audible was recorded.
    """
    with tempfile.TemporaryDirectory(prefix="pronounce-reference-") as folder:
        handle = recorder.start(RECORDER_NAME, device, directory=folder, input_file=input_file)
        try:
            wait()
        finally:
            recording = recorder.stop(handle.name)
        samples = recording.samples if recording.duration > 0 else np.zeros(0, np.float32)
    if not samples.size or float(np.max(np.abs(samples))) < 1e-3:
        raise PackError("the recording is empty or silent", hint="check the microphone with `pronounce devices` and record again")
    return samples, recording.samplerate
