"""Audio devices as PortAudio sees them."""

from __future__ import annotations

import sounddevice as sd


def rescan() -> None:
    """Re-initialise PortAudio so devices (and sound servers) that appeared or left are seen.

    PortAudio lists devices once, when it is initialised; a microphone plugged in
    later, or a sound server started after import, is only seen after this.
    """
    sd._terminate()
    sd._initialize()
