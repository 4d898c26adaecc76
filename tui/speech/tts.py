"""Reference audio from espeak-ng, with exact word timings from its own word events.

libespeak-ng is driven through ctypes in synchronous mode: a callback collects the
16-bit samples and the events (word starts, phonemes, clause ends), each stamped
with its sample offset. A word starts at its word event and ends at the first
pause phoneme, clause end or next word after it.

espeak-ng keeps state from one synthesis to the next (the glottal wave's phase,
the pitch flutter's position: static variables no API resets), so the same text
came out a few samples longer or shorter depending on what was spoken before in
the process, and word ends moved by ~10 ms. Every call therefore runs in a
child forked from this process, whose espeak-ng has been initialised but has
never spoken: each synthesis starts from the same state, whatever came before,
in whichever process. A fork costs a few milliseconds.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import pickle
import re
import select
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from tui.audio.pcm import from_int16
from tui.audio.quiet import no_sound_server
from tui.errors import TTSError
from tui.speech import espeak_abi as abi
from tui.speech.types import WordTiming

T = TypeVar("T")

CHILD_TIMEOUT_S = 30.0
"""How long a synthesis child may take (a long phrase takes well under a second)."""

DEFAULT_RATE = 175
"""espeak-ng's default speaking rate, in words per minute."""
RATE_RANGE = (80, 450)
"""Rates espeak-ng accepts, in words per minute."""
DEFAULT_PITCH = 50
"""espeak-ng's base pitch, on its 0–100 scale."""


@dataclass(frozen=True)
class Synthesis:
    """Speech synthesized by espeak-ng.

    Attributes
    ----------
    samples : np.ndarray [shape=(n,), dtype=float32]
        Mono samples in [-1, 1].
    samplerate : int
        Samples per second (22050 for espeak-ng).
    words : tuple of WordTiming
        Each written word (see :func:`split_words`) with its start and end in
        seconds; a word espeak-ng reads as part of another (``p.m.``) is left out.
    """

    samples: np.ndarray
    samplerate: int
    words: tuple[WordTiming, ...]

    @property
    def duration(self) -> float:
        """Length of the audio in seconds."""
        return len(self.samples) / self.samplerate


@dataclass(frozen=True)
class _Mark:
    kind: int
    sample: int
    text_position: int
    length: int
    phoneme: bytes


class _Engine:
    """The loaded library, its sample rate and the buffers the callback fills."""

    def __init__(self) -> None:
        name = ctypes.util.find_library("espeak-ng")
        if name is None:
            raise TTSError("espeak-ng is not installed", hint="install it: sudo apt-get install espeak-ng")
        try:
            self.lib = ctypes.CDLL(name)
        except OSError as exc:
            raise TTSError(f"cannot load {name}: {exc}", hint="reinstall espeak-ng") from exc
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(abi.Voice))
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        options = abi.INITIALIZE_PHONEME_EVENTS | abi.INITIALIZE_DONT_EXIT
        with no_sound_server():  # espeak-ng 1.51 opens an audio output even to synthesize into memory
            self.samplerate = self.lib.espeak_Initialize(abi.AUDIO_OUTPUT_SYNCHRONOUS, 0, None, options)
        if self.samplerate <= 0:
            raise TTSError("espeak-ng failed to start (its data folder is missing?)", hint="reinstall espeak-ng")
        self.chunks: list[np.ndarray] = []
        self.marks: list[_Mark] = []
        self._callback = abi.Callback(self._collect)
        self.lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav: ctypes._Pointer, count: int, events: ctypes._Pointer) -> int:
        if count > 0 and wav:
            # No numpy.ctypeslib here: it loads lazily, and an import in the forked child can
            # wait forever on a module lock another thread of the parent held at the fork.
            self.chunks.append(np.frombuffer(ctypes.string_at(wav, count * 2), dtype=np.int16))
        i = 0
        while events[i].type != abi.EVENT_LIST_TERMINATED:
            event = events[i]
            phoneme = event.id.string if event.type == abi.EVENT_PHONEME else b""
            self.marks.append(_Mark(event.type, event.sample, event.text_position, event.length, phoneme))
            i += 1
        return 0

    def voices(self) -> list[tuple[str, list[tuple[int, str]]]]:
        """Every installed voice: identifier and its (priority, language) pairs."""
        found = []
        table = self.lib.espeak_ListVoices(None)
        i = 0
        while table[i]:
            voice = table[i].contents
            languages = []
            address = voice.languages
            while address and (priority := ctypes.c_ubyte.from_address(address).value):
                language = ctypes.string_at(address + 1)
                languages.append((priority, language.decode("ascii", "replace")))
                address += 2 + len(language)
            found.append((voice.identifier.decode(), languages))
            i += 1
        return found

    def use_voice(self, voice: str | None, lang: str) -> None:
        """Select ``voice`` (a name or language espeak-ng knows), else the best voice for ``lang``."""
        if voice and self.lib.espeak_SetVoiceByName(voice.encode()) == abi.EE_OK:
            return
        name = _best_voice(self, voice or lang)
        if self.lib.espeak_SetVoiceByName(name.encode()) != abi.EE_OK:
            raise TTSError(f"espeak-ng has no voice {name!r}", hint="list the voices with `espeak-ng --voices`")

    def speak(self, text: str, rate: int, pitch: int) -> tuple[np.ndarray, list[_Mark]]:
        """Synthesize ``text`` with the selected voice at ``rate`` and base ``pitch``."""
        self.lib.espeak_SetParameter(abi.PARAM_RATE, rate, 0)
        self.lib.espeak_SetParameter(abi.PARAM_PITCH, pitch, 0)
        self.chunks, self.marks = [], []
        data = text.encode("utf-8")
        status = self.lib.espeak_Synth(
            data, len(data) + 1, 0, abi.POS_CHARACTER, 0, abi.CHARS_UTF8 | abi.ENDPAUSE, None, None
        )
        self.lib.espeak_Synchronize()
        if status != abi.EE_OK or not self.chunks:
            raise TTSError(f"espeak-ng produced no audio for {text!r}", hint="check the text and the voice")
        return np.concatenate(self.chunks), self.marks

    def phonemes(self, text: str) -> str:
        """espeak-ng's phoneme mnemonics for ``text`` with the selected voice, ``_`` between phonemes."""
        self.lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        self.lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
        buffer = ctypes.create_string_buffer(text.encode("utf-8"))
        pointer = ctypes.c_void_p(ctypes.addressof(buffer))
        parts = []
        while pointer.value:
            out = self.lib.espeak_TextToPhonemes(ctypes.byref(pointer), abi.CHARS_UTF8, abi.PHONEME_SEPARATOR)
            parts.append((out or b"").decode("utf-8", "replace"))
        return " ".join(part.strip() for part in parts if part.strip())


_lock = threading.Lock()
_engine: _Engine | None = None


def _get_engine() -> _Engine:
    global _engine
    if _engine is None:
        _engine = _Engine()
    return _engine


def _isolated(work: Callable[[_Engine], T]) -> T:
    """``work(engine)`` in a forked child whose espeak-ng has never spoken (see the module doc).

    The parent only initialises espeak-ng and lists voices; the child runs
    ``work``, sends back its pickled result or error, and exits at once. The
    child of a process with threads must not take any lock another thread could
    have held at the fork (no imports there); should it hang all the same, it is
    killed after :data:`CHILD_TIMEOUT_S` and the work is tried once more.
    """
    for _try in range(2):
        done = _in_child(work)
        if done is not None:
            return done[0]
    raise TTSError("espeak-ng did not answer", hint="try again; reinstall espeak-ng if it keeps happening")


def _in_child(work: Callable[[_Engine], T]) -> tuple[T] | None:
    """``(work(engine),)`` from a forked child, or None when it did not answer in time (it is killed)."""
    with _lock:
        engine = _get_engine()
        read_end, write_end = os.pipe()
        pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 0
        try:
            os.close(read_end)
            try:
                message: tuple[str, object] = ("ok", work(engine))
            except TTSError as exc:
                message = ("error", (exc.message, exc.hint))
            with os.fdopen(write_end, "wb") as out:
                out.write(pickle.dumps(message))
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    os.close(write_end)
    chunks, deadline = [], time.monotonic() + CHILD_TIMEOUT_S
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        while (left := deadline - time.monotonic()) > 0 and select.select([pipe], [], [], left)[0]:
            chunk = pipe.read(1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return None
    os.waitpid(pid, 0)
    data = b"".join(chunks)
    if not data:
        raise TTSError("espeak-ng crashed while speaking", hint="try another text or voice; reinstall espeak-ng")
    kind, payload = pickle.loads(data)
    if kind == "error":
        message_text, hint = payload
        raise TTSError(message_text, hint=hint)
    return (payload,)


def _best_voice(engine: _Engine, lang: str) -> str:
    wanted = lang.lower().replace("_", "-")
    primary = wanted.split("-")[0]
    exact: list[tuple[int, str]] = []
    close: list[tuple[int, str]] = []
    for identifier, languages in engine.voices():
        if identifier.startswith("mb/"):
            continue  # MBROLA voices need extra packages that are rarely installed
        for priority, language in languages:
            if language == wanted:
                exact.append((priority, identifier))
            elif language == primary or language.split("-")[0] == primary:
                close.append((priority + 10, identifier))
    chosen = sorted(exact) or sorted(close)
    if not chosen:
        raise TTSError(
            f"espeak-ng has no voice for language {lang!r}",
            hint="install the language's espeak-ng data, or pick one from `espeak-ng --voices` with --voice",
        )
    return chosen[0][1]


def voice_for(lang: str) -> str:
    """The espeak-ng voice that speaks the BCP 47 language ``lang``.

    Parameters
    ----------
    lang : str
        A language tag such as ``"es-ES"``, ``"fr-fr"`` or ``"en"``.

    Returns
    -------
    str
        A voice identifier ``espeak-ng`` accepts, e.g. ``"roa/fr"``.

    Raises
    ------
    TTSError
        espeak-ng is missing or has no voice for ``lang``.
    """
    with _lock:
        return _best_voice(_get_engine(), lang)


_WORD = re.compile(r"[^\W_](?:[\w'’\-]*[^\W_])?")


def split_words(text: str) -> list[tuple[int, int, str]]:
    """The written words of ``text``: (start, end, word) character spans.

    A word is a run of letters and digits, with apostrophes and hyphens inside it
    (``m'appelle``, ``well-known``); punctuation around it is not part of it.
    """
    return [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]


def _word_timings(text: str, marks: list[_Mark], n_samples: int, samplerate: int) -> tuple[WordTiming, ...]:
    """Turn word/phoneme/end events into one (text, start, end) per written word."""
    marks = sorted(marks, key=lambda m: m.sample)
    spans = split_words(text)
    found: dict[int, list[int]] = {}
    for i, mark in enumerate(marks):
        if mark.kind != abi.EVENT_WORD:
            continue
        position = mark.text_position - 1
        owner = next((k for k, (a, b, _) in enumerate(spans) if a <= position < b), None)
        if owner is None:
            continue
        following = (
            m.sample
            for m in marks[i + 1 :]
            if m.sample > mark.sample
            and (m.kind in (abi.EVENT_WORD, abi.EVENT_END) or (m.kind == abi.EVENT_PHONEME and m.phoneme.startswith(b"_")))
        )
        end = next(following, n_samples)
        span = found.setdefault(owner, [mark.sample, end])
        span[0], span[1] = min(span[0], mark.sample), max(span[1], end)  # "12" → "twelve", "m'appelle"
    return tuple(
        WordTiming(spans[k][2], start / samplerate, max(end, start + 1) / samplerate)
        for k, (start, end) in sorted(found.items())
    )


def synthesize(
    text: str, *, lang: str = "en-us", voice: str | None = None, rate: int | None = None, pitch: int | None = None
) -> Synthesis:
    """Speak ``text`` with espeak-ng and time each word.

    Parameters
    ----------
    text : str
        The phrase, plain text (no SSML).
    lang : str
        BCP 47 language of the text; picks the voice when ``voice`` is None.
    voice : str, optional
        An espeak-ng voice name or language (``"es"``, ``"fr-fr"``, ``"roa/fr"``).
    rate : int, optional
        Words per minute within :data:`RATE_RANGE` [default: :data:`DEFAULT_RATE`].
    pitch : int, optional
        Base pitch 0–100 [default: :data:`DEFAULT_PITCH`].

    Returns
    -------
    Synthesis
        float32 mono samples, their rate, and the :class:`WordTiming` of each spoken word.

    Raises
    ------
    TTSError
        Empty text, a rate or pitch out of range, espeak-ng or the voice missing.
    """
    if not text.strip():
        raise TTSError("there is no text to speak", hint="give the phrase some words")
    rate = DEFAULT_RATE if rate is None else rate
    if not RATE_RANGE[0] <= rate <= RATE_RANGE[1]:
        raise TTSError(f"speaking rate {rate} is out of range", hint=f"use {RATE_RANGE[0]}–{RATE_RANGE[1]} words per minute")
    pitch = DEFAULT_PITCH if pitch is None else pitch
    if not 0 <= pitch <= 100:
        raise TTSError(f"pitch {pitch} is out of range", hint="use 0–100")

    def speak(engine: _Engine) -> tuple[np.ndarray, list[_Mark], int]:
        engine.use_voice(voice, lang)
        pcm, marks = engine.speak(text, rate, pitch)
        return pcm, marks, engine.samplerate

    pcm, marks, samplerate = _isolated(speak)
    samples = from_int16(pcm)
    return Synthesis(samples, samplerate, _word_timings(text, marks, len(samples), samplerate))


def phonemes(text: str, *, lang: str = "en-us") -> str:
    """espeak-ng's phonemes for ``text`` in ``lang``: ASCII mnemonics, ``_`` between phonemes.

    Words are separated by spaces; stress marks (``'``, ``,``) precede stressed vowels.
    Used to spell words a pronouncing dictionary lacks.

    Raises
    ------
    TTSError
        espeak-ng or a voice for ``lang`` is missing.
    """
    return phonemes_each([text], lang=lang)[0]


def phonemes_each(texts: Sequence[str], *, lang: str = "en-us") -> list[str]:
    """:func:`phonemes` of each of ``texts``, each on its own, from one espeak-ng child (one fork for a whole phrase)."""

    def convert(engine: _Engine) -> list[str]:
        engine.use_voice(None, lang)
        return [engine.phonemes(text) for text in texts]

    return _isolated(convert)
