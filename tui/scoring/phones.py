"""Phone evidence for English: forced alignment of the phrase text with pocketsphinx.

pocketsphinx (≥ 5.0) ships an en-us acoustic model and the CMU dictionary, so no
download happens at run time. The phrase's words are force-aligned to the attempt
while a second decoder runs a free phone loop over the same audio; a word's
goodness of pronunciation (GOP) is its forced acoustic score minus the loop's
over the same frames, per frame (0 = the expected phones fit as well as any,
more negative = worse). ``compallsen`` scores every senone in every frame, which
makes the two scores comparable. ``bench/calibrate.py`` measured both GOP forms
on the development set by speaker group: against the free phone loop, word
r 0.271 and sentence r 0.481 with expert accuracy; against the frame's best
senone (the forced score alone), 0.232 and 0.380. The loop costs a second
decoding pass, but it runs while the learner speaks.

Set-up choices, each found necessary on real learners: no language model
(``lm=None``); ``bestpath=False`` and ``wbeam`` equal to ``beam`` (the stock
settings crash on correct speech); 0.2 s of silence on both sides and a tiny
dither (digital silence breaks the features); the cepstral mean reset to the
model's initial value for every attempt and noise removal off (both otherwise
carry over from the previous attempt and make scores depend on history); audio
fed in fixed 0.1 s blocks on an absolute grid, so how the recorder chunked the
audio never changes a result. An alignment that fails is itself evidence: the
text was not said. But loud takes failed on correct speech too (RMS above 0.1:
12 % of right sentences in speechocean762, under 1 % below 0.04; the live
cepstral mean starts from the model's default), so a failed alignment is tried
once more with the take brought to :data:`RETRY_RMS`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from tui.audio.pcm import FULL_SCALE, to_int16
from tui.scoring.signal import ANALYSIS_SR

FRAME_RATE = 100
"""pocketsphinx frames per second."""
PAD_S = 0.2
BLOCK = ANALYSIS_SR // 10
"""Samples per ``process_raw`` call (0.1 s), on a grid that starts at the attempt's first sample."""
DITHER = 1.0
"""Standard deviation of the added noise, in 16-bit steps."""
BEAM = 1e-60
TOPN = 2
"""Gaussians per codebook: 2 instead of the model's 4 takes a third off the time for the same alignments."""
MAX_IDLE_DECODERS = 2
LOG_BASE = float(np.log(1.0001))
"""pocketsphinx scores are logarithms to base 1.0001; GOPs are kept in those units per frame."""
RETRY_RMS = 0.02
"""RMS level of the second try after a failed alignment (right sentences in speechocean762 near it never failed)."""
LANGUAGES = ("en",)
"""Primary language tags the shipped model covers."""

_ESPEAK_TO_ARPABET = {
    "p": "P", "b": "B", "t": "T", "d": "D", "k": "K", "g": "G", "f": "F", "v": "V", "T": "TH", "D": "DH",
    "s": "S", "z": "Z", "S": "SH", "Z": "ZH", "tS": "CH", "dZ": "JH", "h": "HH", "x": "HH", "m": "M", "n": "N",
    "N": "NG", "l": "L", "r": "R", "w": "W", "j": "Y", "t#": "T", "d#": "D", "n-": "N", "l/": "L", "r-": "R",
    "z#": "Z", "a": "AE", "a#": "AH", "A:": "AA", "A@": "AA R", "aa": "AA", "A": "AA", "aI": "AY", "aI@": "AY ER",
    "aU": "AW", "aU@": "AW ER", "E": "EH", "e@": "EH R", "eI": "EY", "I": "IH", "I#": "IH", "I2": "IH", "i": "IY",
    "i:": "IY", "i@": "IH R", "i@3": "IY ER", "0": "AA", "O": "AO", "O:": "AO", "O@": "AO R", "o@": "AO R",
    "OI": "OY", "oU": "OW", "U": "UH", "u:": "UW", "U@": "UH R", "V": "AH", "@": "AH", "@2": "AH", "@5": "AH",
    "3": "ER", "3:": "ER", "@L": "AH L", "@r": "ER",
}
_LETTERS = re.compile(r"[a-z]+(?:'[a-z]+)*")


def covers(lang: str) -> bool:
    """Whether phone evidence exists for the BCP 47 language ``lang``."""
    return lang.lower().replace("_", "-").split("-")[0] in LANGUAGES


def arpabet(espeak_phonemes: str) -> str:
    """ARPAbet phones for one word in espeak-ng's ASCII mnemonics (``_`` between phonemes)."""
    phones = []
    for token in espeak_phonemes.split("_"):
        token = token.strip("'%=,")
        mapped = _ESPEAK_TO_ARPABET.get(token) or _ESPEAK_TO_ARPABET.get(token.rstrip("#0123456789"))
        if mapped:
            phones.append(mapped)
    return " ".join(phones)


def dictionary_tokens(word: str) -> list[str] | None:
    """The dictionary spellings of a written word (``well-known`` → two), or None when it cannot be aligned.

    Only letters and apostrophes are aligned: a number or symbol has several
    readings ("1999", "12:30"), and the learner may pick any of them.
    """
    parts = word.lower().replace("’", "'").split("-")
    if not all(_LETTERS.fullmatch(part) for part in parts):
        return None
    return parts


@dataclass(frozen=True)
class WordEvidence:
    """One aligned word.

    Attributes
    ----------
    frames : int
        Its length in the attempt (pocketsphinx frames, 10 ms).
    start : float
        Its start in the attempt (s).
    gop : float
        Forced acoustic score minus the free phone loop's, per frame (log base 1.0001).
    senone_gop : float
        The forced score alone, per frame: against the best senone (kept for comparison).
    """

    frames: int
    start: float
    gop: float
    senone_gop: float = 0.0

    @property
    def end(self) -> float:
        """Its end in the attempt (s)."""
        return self.start + self.frames / FRAME_RATE


@dataclass(frozen=True)
class PhoneEvidence:
    """The forced alignment of the phrase to one attempt.

    ``words`` holds one entry per aligned reference word (None for a word left
    out, e.g. a number); ``failed`` means no alignment was found at all.
    """

    words: tuple[WordEvidence | None, ...]
    failed: bool

    def sentence_gop(self) -> float:
        """Frame-weighted GOP over the aligned words (very low when the alignment failed)."""
        found = [w for w in self.words if w is not None]
        frames = sum(w.frames for w in found)
        if self.failed or frames == 0:
            return FAILED_GOP
        return float(sum(w.gop * w.frames for w in found) / frames)


FAILED_GOP = -150.0
"""GOP given to an attempt the text could not be aligned to (below any aligned learner)."""


@lru_cache(maxsize=1)
def _dither() -> np.ndarray:
    """A fixed noise sequence, indexed by absolute sample position (the same for every chunking)."""
    return (np.random.default_rng(20240501).standard_normal(1 << 16) * DITHER).astype(np.float32)


def _to_pcm(samples: np.ndarray, first_index: int) -> bytes:
    """float [-1, 1] at 16 kHz → 16-bit PCM with the dither for samples ``first_index…``."""
    noise = _dither()
    index = (np.arange(first_index, first_index + samples.size) & (noise.size - 1))
    return to_int16(samples + noise[index] / FULL_SCALE).tobytes()


_pools: dict[bool, list[Any]] = {False: [], True: []}
_pool_lock = threading.Lock()


def _new_decoder(loop: bool) -> Any:
    """A decoder set up as the module doc says: forced alignment, or (``loop``) a free phone loop."""
    from pocketsphinx import Decoder

    decoder = Decoder(lm=None, loglevel="FATAL", bestpath=False, compallsen=True, beam=BEAM, wbeam=BEAM, topn=TOPN)
    # the model's feat.params overrides these at start-up: set them again and rebuild the front end
    config = decoder.config
    config["remove_noise"] = False
    config["cmn"] = "live"
    config["dither"] = False
    decoder.reinit_feat(config)
    if loop:
        decoder.add_allphone_file("loop", None)
        decoder.activate_search("loop")
    return decoder


def _acquire(loop: bool) -> Any:
    with _pool_lock:
        if _pools[loop]:
            return _pools[loop].pop()
    return _new_decoder(loop)


def _release(decoder: Any, loop: bool) -> None:
    with _pool_lock:
        if len(_pools[loop]) < MAX_IDLE_DECODERS:
            _pools[loop].append(decoder)


def warm_up(words: Sequence[str] = ()) -> None:
    """Load the acoustic model (about 0.3 s a decoder) and spell ``words`` now, so the first attempt waits for neither."""
    decoder = _acquire(False)
    for word in words:
        for token in dictionary_tokens(word) or ():
            _spell(decoder, token)
    _release(decoder, False)
    _release(_acquire(True), True)


@lru_cache(maxsize=1024)
def _espeak_spelling(token: str) -> str:
    """ARPAbet phones of a word the dictionary lacks, from espeak-ng ("" when it has none)."""
    from tui.speech.tts import phonemes

    return arpabet(phonemes(token, lang="en-us"))


def _spell(decoder: Any, token: str) -> bool:
    """Make sure ``token`` is in the decoder's dictionary; False when it cannot be spelled."""
    if decoder.lookup_word(token) is not None:
        return True
    phones = _espeak_spelling(token)
    if not phones:
        return False
    decoder.add_word(token, phones, True)
    return True


class AlignStream:
    """Force-align ``words`` to audio fed block by block while it is recorded, beside a free phone loop.

    Parameters
    ----------
    words : sequence of str
        The reference's written words, in order.

    Notes
    -----
    Not thread-safe: feed and finish from one thread at a time. Every instance
    must be finished or closed to return its decoders to the pool.
    """

    def __init__(self, words: Sequence[str]) -> None:
        self._decoders: dict[bool, Any] = {False: _acquire(False)}
        self._tokens: list[list[str] | None] = []
        for word in words:
            tokens = dictionary_tokens(word)
            if tokens is not None and not all(_spell(self._decoders[False], t) for t in tokens):
                tokens = None
            self._tokens.append(tokens)
        text = " ".join(t for tokens in self._tokens if tokens for t in tokens)
        self.alignable = bool(text)
        self._heard: list[np.ndarray] = []
        self._open = self.alignable
        if not self.alignable:
            self.close()
            return
        self._decoders[True] = _acquire(True)
        self._decoders[False].set_align_text(text)
        self._start()

    def _start(self) -> None:
        self._pending = np.zeros(0, dtype=np.float32)
        self._fed = 0
        for decoder in self._decoders.values():
            decoder.set_cmn(_initial_cmn())
            decoder.start_utt()
        self._decode(np.zeros(int(PAD_S * ANALYSIS_SR), dtype=np.float32))

    def _process(self, samples: np.ndarray) -> None:
        pcm = _to_pcm(samples, self._fed)
        for decoder in self._decoders.values():
            decoder.process_raw(pcm)
        self._fed += samples.size

    def _decode(self, samples: np.ndarray) -> None:
        pending = np.concatenate([self._pending, samples])
        usable = pending.size - pending.size % BLOCK
        for start in range(0, usable, BLOCK):
            self._process(pending[start : start + BLOCK])
        self._pending = pending[usable:]

    def feed(self, samples: np.ndarray) -> None:
        """Append float32 samples at 16 kHz; whole 0.1 s blocks are decoded at once."""
        if not self._open:
            return
        samples = np.array(samples, dtype=np.float32)
        self._heard.append(samples)
        self._decode(samples)

    def _end(self) -> PhoneEvidence:
        self._decode(np.zeros(int(PAD_S * ANALYSIS_SR), dtype=np.float32))
        if self._pending.size:
            self._process(self._pending)
        for decoder in self._decoders.values():
            decoder.end_utt()
        aligner, loop = self._decoders[False], self._decoders[True]
        segments = [] if aligner.hyp() is None else list(aligner.seg())
        return _evidence(self._tokens, segments, _loop_scores(loop))

    def finish(self) -> PhoneEvidence | None:
        """End the attempt and read the alignment (tried again at :data:`RETRY_RMS` when it fails).

        None when the text has no alignable word.
        """
        if not self._open:
            return None
        evidence = self._end()
        heard = np.concatenate([np.zeros(0, dtype=np.float32), *self._heard])
        level = float(np.sqrt(np.mean(np.square(heard, dtype=np.float64)))) if heard.size else 0.0
        if evidence.failed and level > 0.0:
            self._start()
            self._decode((heard * (RETRY_RMS / level)).astype(np.float32))
            evidence = self._end()
        self._open = False
        self.close()
        return evidence

    def close(self) -> None:
        """Give the decoders back without reading a result."""
        for loop, decoder in self._decoders.items():
            if self._open:
                decoder.end_utt()
            _release(decoder, loop)
        self._open = False
        self._decoders = {}


def _loop_scores(loop: Any) -> np.ndarray:
    """The free phone loop's acoustic score of every frame (each phone's score spread over its frames).

    Returns
    -------
    np.ndarray [shape=(n_frames,)]
        Log base 1.0001, like the forced scores.
    """
    scores = np.zeros(loop.n_frames() + 1)
    for seg in loop.seg():
        n = seg.end_frame - seg.start_frame + 1
        scores[seg.start_frame : seg.end_frame + 1] = np.log(max(seg.ascore, 1e-300)) / LOG_BASE / n
    return scores


@lru_cache(maxsize=1)
def _initial_cmn() -> str:
    """The model's initial cepstral mean (its ``-cmninit``), in the form ``set_cmn`` takes."""
    from pocketsphinx import Config

    return str(Config(lm=None, loglevel="FATAL")["cmninit"])


def _evidence(tokens: list[list[str] | None], segments: list[Any], loop: np.ndarray) -> PhoneEvidence:
    """Group the aligned segments back into the reference's words; GOP against the phone loop."""
    spoken = [s for s in segments if not s.word.startswith(("<", "[", "+")) and s.word != "(NULL)"]
    expected = sum(len(t) for t in tokens if t)
    if len(spoken) != expected:
        return PhoneEvidence(tuple(None for _ in tokens), failed=True)
    words: list[WordEvidence | None] = []
    position = 0
    pad_frames = round(PAD_S * FRAME_RATE)
    for word_tokens in tokens:
        if not word_tokens:
            words.append(None)
            continue
        parts = spoken[position : position + len(word_tokens)]
        position += len(word_tokens)
        frames = sum(p.end_frame - p.start_frame + 1 for p in parts)
        forced = sum(np.log(max(p.ascore, 1e-300)) / LOG_BASE for p in parts)
        free = float(loop[parts[0].start_frame : parts[-1].end_frame + 1].sum())
        start = max(parts[0].start_frame - pad_frames, 0) / FRAME_RATE
        per_frame = 1.0 / max(frames, 1)
        words.append(WordEvidence(frames, round(start, 3), float(forced - free) * per_frame, float(forced) * per_frame))
    return PhoneEvidence(tuple(words), failed=False)
