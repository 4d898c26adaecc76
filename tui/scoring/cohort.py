"""Content check for every language: does the attempt fit its own phrase better than others?

An attempt's DTW cost against its reference says little on its own: a fast
speaker, a child or a noisy room raise it for every phrase alike. The same
attempt is therefore also aligned to a *cohort* of other references in the same
TTS voice — the pack's other phrases plus a few built-in sentences — and the
content evidence is how its own cost stands among those: a z-score and a rank.
A take that fits another phrase as well as its own is not this phrase.

Cohort alignments run on features pooled over three frames (60 ms), so a dozen
of them cost about as much as the main alignment.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np

from tui.scoring import signal
from tui.scoring.align import cost_matrix, dtw
from tui.scoring.features import Analysis, analyse

POOL = 3
"""Frames averaged into one for cohort alignments."""
CACHE_SIZE = 256
"""Analysed cohort sentences kept per process."""

BUILT_IN: dict[str, tuple[str, ...]] = {
    "en": (
        "The weather is lovely today.",
        "Could you tell me where the station is?",
        "I would like a cup of tea, please.",
        "My brother works in a big hospital.",
        "We are going to the beach on Sunday.",
        "Please close the window before you leave.",
    ),
    "es": (
        "Hoy hace muy buen tiempo.",
        "¿Me puede decir dónde está la estación?",
        "Quisiera un café con leche, por favor.",
        "Mi hermano trabaja en un hospital grande.",
        "Vamos a la playa el domingo.",
        "Por favor, cierra la ventana antes de salir.",
    ),
    "fr": (
        "Il fait très beau aujourd'hui.",
        "Pouvez-vous me dire où est la gare ?",
        "Je voudrais un café, s'il vous plaît.",
        "Mon frère travaille dans un grand hôpital.",
        "Nous allons à la plage dimanche.",
        "Ferme la fenêtre avant de partir, s'il te plaît.",
    ),
    "de": (
        "Heute ist das Wetter sehr schön.",
        "Können Sie mir sagen, wo der Bahnhof ist?",
        "Ich hätte gern eine Tasse Tee, bitte.",
        "Mein Bruder arbeitet in einem großen Krankenhaus.",
        "Am Sonntag fahren wir an den Strand.",
        "Bitte schließ das Fenster, bevor du gehst.",
    ),
}
NUMBERS = ("1 2 3 4 5", "17, 28, 39", "6 7 8 9 10", "2024", "45, 16, 300", "11 12 13")
"""Spoken in every voice's own language: the built-in set of a language without sentences above."""


def built_in_sentences(lang: str) -> tuple[str, ...]:
    """The built-in cohort sentences for the BCP 47 language ``lang`` (numbers, read in it, for most)."""
    return BUILT_IN.get(lang.lower().replace("_", "-").split("-")[0], NUMBERS)


def pooled(feats: np.ndarray) -> np.ndarray:
    """Frame features averaged over :data:`POOL` frames.

    Parameters
    ----------
    feats : np.ndarray [shape=(n_frames, d)]

    Returns
    -------
    np.ndarray [shape=(ceil(n_frames / POOL), d)], float32
    """
    n = feats.shape[0]
    padded = np.pad(feats, ((0, -n % POOL), (0, 0)), mode="edge")
    return padded.reshape(-1, POOL, feats.shape[1]).mean(axis=1).astype(np.float32)


def template_cost(ref: np.ndarray, att: np.ndarray) -> float:
    """Mean frame cost along the DTW path between two pooled feature sequences."""
    cost = cost_matrix(ref, att)
    path = dtw(cost)
    return float(cost[path[:, 0], path[:, 1]].mean())


@dataclass(frozen=True)
class Cohort:
    """Other references in the reference's voice, pooled for cheap alignment.

    Attributes
    ----------
    members : tuple of np.ndarray [shape=(n_frames_k, d)]
        One pooled feature sequence per other phrase or built-in sentence.
    """

    members: tuple[np.ndarray, ...]


@dataclass(frozen=True)
class ContentEvidence:
    """How the attempt's fit to its own reference compares with its fit to the cohort.

    Attributes
    ----------
    z : float
        (mean cohort cost − own cost) / cohort spread: high when the own phrase fits best.
    margin : float
        log(best cohort cost / own cost): above 0 when no other phrase fits better.
    rank : int
        Cohort members that fit at least as well as the own reference (0 is best).
    """

    z: float
    margin: float
    rank: int


def content_evidence(own: np.ndarray, attempt: np.ndarray, cohort: Cohort) -> ContentEvidence | None:
    """Compare the pooled attempt's cost against its own pooled reference with the cohort's.

    Returns None when the cohort has fewer than three members (too few to judge).
    """
    if len(cohort.members) < 3:
        return None
    own_cost = template_cost(own, attempt)
    others = np.array([template_cost(member, attempt) for member in cohort.members])
    spread = max(float(others.std()), 1e-3)
    return ContentEvidence(
        z=float((others.mean() - own_cost) / spread),
        margin=float(np.log(others.min() / max(own_cost, 1e-6))),
        rank=int(np.sum(others <= own_cost)),
    )


_cache: OrderedDict[tuple[str, ...], np.ndarray | None] = OrderedDict()
_cache_lock = threading.Lock()


def _cached(key: tuple[str, ...], make: Callable[[], np.ndarray | None]) -> np.ndarray | None:
    """``make()`` once per ``key`` (least recently used entries go first)."""
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    feats = make()
    with _cache_lock:
        _cache[key] = feats
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return feats


def _pooled_audio(audio: signal.AudioInput) -> np.ndarray | None:
    analysis = analyse(signal.load(audio, what="reference"), what="reference")
    return None if analysis is None else pooled(analysis.feats)


def _sentence(text: str, lang: str, voice: str | None) -> np.ndarray | None:
    """Pooled features of ``text`` spoken by the TTS voice (cached)."""

    def make() -> np.ndarray | None:
        from tui.speech.tts import synthesize

        speech = synthesize(text, lang=lang, voice=voice)
        return _pooled_audio((speech.samples, speech.samplerate))

    return _cached(("tts", text, lang, voice or ""), make)


def build_cohort(
    others: Sequence[Analysis | str] = (), *, lang: str = "en-us", voice: str | None = None, built_in: bool = True
) -> Cohort:
    """A cohort from the pack's other phrases plus the built-in sentences of ``lang``.

    Parameters
    ----------
    others : sequence of Analysis or str
        The pack's other phrases: analysed reference audio, or text to speak in the voice.
    lang : str
        The pack's language (picks the voice and the built-in sentences).
    voice : str, optional
        The espeak-ng voice the references use, when not the language's default.
    built_in : bool
        Add the built-in sentences.

    Returns
    -------
    Cohort
        Analyses of texts are cached per process, so building the same cohort
        again, or another pack's in the same language, costs little.
    """
    members: list[np.ndarray] = []
    for other in others:
        feats = pooled(other.feats) if isinstance(other, Analysis) else _sentence(other, lang, voice)
        if feats is not None:
            members.append(feats)
    if built_in:
        members.extend(f for text in built_in_sentences(lang) if (f := _sentence(text, lang, voice)) is not None)
    return Cohort(tuple(members))


def pack_cohort(audio: Sequence[signal.AudioInput], *, lang: str, voice: str | None = None) -> Cohort:
    """The cohort of a lesson pack: every phrase's reference audio plus the built-in sentences.

    Pass all the pack's references, the phrase's own included:
    :func:`~tui.scoring.prepare_reference` leaves out the member equal to the
    reference it prepares, so one cohort serves the whole pack.

    Parameters
    ----------
    audio : sequence of path or (samples, samplerate)
        The phrases' reference audio. Files are analysed once per process
        (cached by path, size and modification time).
    lang : str
        The pack's language.
    voice : str, optional
        espeak-ng voice for the built-in sentences [default: the language's].

    Raises
    ------
    AudioFormatError
        If a reference is unreadable or invalid.
    """
    members: list[np.ndarray] = []
    for item in audio:
        if isinstance(item, tuple):
            feats = _pooled_audio(item)
        else:
            stat = os.stat(item)
            key = ("file", os.fspath(item), str(stat.st_size), str(stat.st_mtime_ns))
            feats = _cached(key, partial(_pooled_audio, item))
        if feats is not None:
            members.append(feats)
    return Cohort((*members, *build_cohort(lang=lang, voice=voice).members))
