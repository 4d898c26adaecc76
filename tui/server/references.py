"""What a stored take is scored against, found on the web node and packed into a :class:`ScoreJob`.

The published pack's recording of the phrase when the server has that phrase
with the same text, else a reference espeak-ng makes from the take's text and
language (kept in ``references/`` and reused: the attempt page plays it). The
reference's path is what the take's row keeps; its bytes go into the job.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from pathlib import Path

from tui.server.packs import PackCache
from tui.server.records import ServerAttempt
from tui.server.scorer import ReferenceSpec, ScoreJob
from tui.speech.types import WordTiming

CACHED_REFERENCES = 64
_WORDS = re.compile(r"\w+")


def same_text(a: str, b: str) -> bool:
    """Whether two phrase texts are the same phrase (case, spacing and punctuation aside)."""
    return _WORDS.findall(a.casefold()) == _WORDS.findall(b.casefold())


def tts_reference(spec: ReferenceSpec, folder: Path) -> tuple[Path, tuple[WordTiming, ...]]:
    """The synthesized reference of ``spec`` in ``folder`` (made once, atomically) and its word timings.

    Raises
    ------
    TTSError
        espeak-ng cannot speak the text in that language.
    """
    import soundfile as sf

    from tui.fsio import atomic_output, atomic_write
    from tui.speech.tts import synthesize

    name = hashlib.sha256(f"{spec.lang.lower()}\n{spec.text}".encode()).hexdigest()[:32]
    audio, words_file = folder / f"{name}.wav", folder / f"{name}.json"
    if not (audio.is_file() and words_file.is_file()):
        spoken = synthesize(spec.text, lang=spec.lang.lower())
        atomic_write(words_file, json.dumps([w.to_dict() for w in spoken.words]).encode())
        with atomic_output(audio) as staged:
            sf.write(staged, spoken.samples, spoken.samplerate, format="WAV", subtype="PCM_16")
    words = tuple(WordTiming(w["text"], float(w["start"]), float(w["end"])) for w in json.loads(words_file.read_text()))
    return audio, words


class References:
    """Finds and reads references for a web node; thread-safe.

    Parameters
    ----------
    packs : PackCache
        The published packs.
    folder : Path
        Where synthesized references are kept.
    """

    def __init__(self, packs: PackCache, folder: Path) -> None:
        self.packs = packs
        self.folder = folder
        self._bytes: OrderedDict[tuple[Path, int], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def spec(self, pack_id: str, phrase_id: str, text: str, lang: str) -> ReferenceSpec:
        """The published pack's reference of this phrase when the server has it (same text), else TTS of ``text``."""
        pack = self.packs.get(pack_id)
        if pack is not None:
            for phrase in pack.phrases:
                if phrase.id == phrase_id and same_text(phrase.text, text):
                    return ReferenceSpec(phrase.text, pack.language, phrase.audio, phrase.words)
        return ReferenceSpec(text, lang)

    def job(self, attempt: ServerAttempt) -> tuple[ScoreJob, Path]:
        """The scoring job of a stored take, and the reference file it is scored against.

        Raises
        ------
        OSError
            The take's recording or the reference cannot be read.
        PronounceError
            A published pack no longer loads, or espeak-ng cannot speak the phrase.
        """
        if attempt.audio is None:
            raise FileNotFoundError(f"take {attempt.id} names no recording of the store")
        spec = self.spec(attempt.pack, attempt.phrase_id, attempt.text, attempt.lang)
        if spec.audio is None:
            reference, words = tts_reference(spec, self.folder)
        else:
            reference, words = spec.audio, spec.words
        job = ScoreJob.make(attempt.audio.read_bytes(), self._read(reference), words, spec.text, spec.lang)
        return job, reference

    def _read(self, path: Path) -> bytes:
        key = (path, path.stat().st_mtime_ns)
        with self._lock:
            found = self._bytes.get(key)
            if found is not None:
                self._bytes.move_to_end(key)
                return found
        data = path.read_bytes()
        with self._lock:
            self._bytes[key] = data
            while len(self._bytes) > CACHED_REFERENCES:
                self._bytes.popitem(last=False)
        return data
