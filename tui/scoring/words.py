"""Word boundaries for a reference that has none: align a TTS rendering to it.

espeak-ng reports exactly where each word starts in its own rendering; DTW
between that rendering and the reference maps those times onto the reference.
"""

from __future__ import annotations

import numpy as np

from tui.errors import AudioFormatError
from tui.scoring import signal
from tui.scoring.align import cost_matrix, dtw
from tui.scoring.features import FRAME_S, analyse
from tui.speech.types import WordTiming


def derive_word_timings(
    samples: np.ndarray, sr: int, text: str, *, lang: str = "en-us"
) -> tuple[WordTiming, ...]:
    """Word start/end times (s) of ``text`` as spoken in ``samples``.

    Parameters
    ----------
    samples : np.ndarray [shape=(n,) or (n, channels)]
        The reference recording.
    sr : int
        Its sample rate.
    text : str
        What is said in it.
    lang : str
        Language for espeak-ng.

    Returns
    -------
    tuple of WordTiming
        One per word espeak-ng reports, in the recording's time.

    Raises
    ------
    AudioFormatError
        If the recording is invalid or silent.
    """
    from tui.speech.tts import synthesize

    y = signal.load((samples, sr), what="reference")
    target = analyse(y, what="reference")
    if target is None:
        raise AudioFormatError("the reference is silent", hint="record the phrase again")
    speech = synthesize(text, lang=lang)
    tts = analyse(signal.load((speech.samples, speech.samplerate), what="synthesized speech"))
    if tts is None or not speech.words:
        return ()
    path = dtw(cost_matrix(tts.feats, target.feats))
    # the first and the last target frame matched to each TTS frame
    first = np.full(tts.n_frames, target.n_frames - 1)
    np.minimum.at(first, path[:, 0], path[:, 1])

    def to_target(seconds: float) -> float:
        frame = int(np.clip(round((seconds - tts.offset) / FRAME_S), 0, tts.n_frames - 1))
        return float(target.time(first[frame]))

    words = []
    for word in speech.words:
        start = to_target(word.start) if word.start > tts.offset else target.offset
        end = to_target(word.end) if word.end < tts.time(tts.n_frames - 1) else float(target.time(target.n_frames))
        words.append(WordTiming(word.text, round(start, 3), round(max(end, start + FRAME_S), 3)))
    return tuple(words)
