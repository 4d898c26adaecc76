"""The one door to PortAudio: sounddevice is imported here, after checking PortAudio can start.

Importing sounddevice runs ``Pa_Initialize``. PortAudio 19.6 aborts the whole
process there (SIGABRT, no message) when ALSA names no PCM it would list: with no
ALSA configuration at all (``/usr/share/alsa/alsa.conf`` missing,
``ALSA_CONFIG_PATH`` naming a missing or empty file) its ``BuildDeviceList``
finds zero device names and fails ``assert(devIdx < numDeviceNames)``. So before
importing sounddevice this module asks alsa-lib itself, through ctypes, which
PCMs its configuration defines. alsa-lib keeps the parsed configuration, and
PortAudio reads that same copy, so the check costs a library load (shared with
PortAudio) and no second parse. When no usable PCM is defined, ALSA is pointed at
:data:`FALLBACK_CONF`, which defines one PCM that never opens: PortAudio then
starts with no device, and recording fails with the usual "No microphone found",
whose hint (:data:`ALSA_UNCONFIGURED`) says what is missing.

Every audio module imports ``sd`` from here, never sounddevice directly.
"""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path

FALLBACK_CONF = Path(__file__).with_name("alsa-unconfigured.conf")
"""An ALSA configuration with one PCM that cannot open, so PortAudio lists nothing instead of aborting."""

PORTAUDIO_IGNORED_PCMS = frozenset({"hw", "plughw", "plug", "dsnoop", "tee", "file", "null", "shm", "cards", "rate_convert"})
"""PCM names PortAudio 19.6 skips when it lists ALSA's plugins (``IgnorePlugin`` in pa_linux_alsa.c)."""

_ErrorHandler = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p)
_silent = _ErrorHandler(lambda *args: None)  # alsa-lib's handler is variadic; the extra arguments are ignored


def _alsa_pcm_names(lib: ctypes.CDLL) -> list[str]:
    """The PCM names in alsa-lib's global configuration (empty when it has none or cannot be read)."""
    void_p = ctypes.c_void_p
    for function, restype, argtypes in (
        ("snd_config_search", ctypes.c_int, [void_p, ctypes.c_char_p, ctypes.POINTER(void_p)]),
        ("snd_config_iterator_first", void_p, [void_p]),
        ("snd_config_iterator_end", void_p, [void_p]),
        ("snd_config_iterator_next", void_p, [void_p]),
        ("snd_config_iterator_entry", void_p, [void_p]),
        ("snd_config_get_id", ctypes.c_int, [void_p, ctypes.POINTER(ctypes.c_char_p)]),
        ("snd_lib_error_set_handler", ctypes.c_int, [_ErrorHandler]),
    ):
        getattr(lib, function).restype = restype
        getattr(lib, function).argtypes = argtypes

    lib.snd_lib_error_set_handler(_silent)  # "Cannot access file ..." would land on the terminal
    try:
        updated = lib.snd_config_update()
    finally:
        lib.snd_lib_error_set_handler(_ErrorHandler())
    top = void_p.in_dll(lib, "snd_config")
    node = void_p()
    if updated < 0 or not top.value or lib.snd_config_search(top, b"pcm", ctypes.byref(node)) < 0:
        return []
    names = []
    entry, end = lib.snd_config_iterator_first(node), lib.snd_config_iterator_end(node)
    while entry != end:
        name = ctypes.c_char_p()
        if lib.snd_config_get_id(lib.snd_config_iterator_entry(entry), ctypes.byref(name)) >= 0 and name.value:
            names.append(name.value.decode(errors="replace"))
        entry = lib.snd_config_iterator_next(entry)
    return names


def _check_alsa() -> str:
    """Make PortAudio safe to initialise; return a hint about ALSA when it had no usable configuration, else ''."""
    if not sys.platform.startswith("linux"):
        return ""
    try:
        lib = ctypes.CDLL("libasound.so.2")
    except OSError:
        return ""  # no ALSA: PortAudio does not use it
    if set(_alsa_pcm_names(lib)) - PORTAUDIO_IGNORED_PCMS:
        return ""
    chosen = os.environ.get("ALSA_CONFIG_PATH")
    os.environ["ALSA_CONFIG_PATH"] = str(FALLBACK_CONF)
    lib.snd_config_update_free_global()  # PortAudio reloads it, from FALLBACK_CONF
    return (
        f"ALSA has no configuration ({chosen or '/usr/share/alsa/alsa.conf'} is missing, empty or defines no PCM), "
        "so no sound device can be used; install ALSA's configuration "
        "(Debian: apt-get install libasound2-data libasound2-plugins)" + (" or unset ALSA_CONFIG_PATH" if chosen else "")
    )


ALSA_UNCONFIGURED = _check_alsa()
"""Why ALSA offers no device when it has no configuration (a hint for the user), or '' when it has one."""

import sounddevice as sd  # noqa: E402  (after the check: this import initialises PortAudio)

__all__ = ["ALSA_UNCONFIGURED", "sd"]
