"""Frame-level analysis of one utterance: voice activity, normalised MFCCs, pitch.

Every frame is 20 ms (``HOP`` samples at :data:`~tui.scoring.signal.ANALYSIS_SR`): fine
enough for word boundaries and pitch, and half the alignment work of 10 ms.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from tui.errors import AudioFormatError
from tui.scoring.signal import ANALYSIS_SR

HOP = 320
N_FFT = 512
WIN = 400
N_MELS = 40
N_MFCC = 13
FRAME_S = HOP / ANALYSIS_SR

SILENCE_DBFS = -50.0
"""An utterance whose loudest frame is below this is silence."""
MIN_SPEECH_S = 0.2
PAUSE_S = 0.15
"""Non-speech runs at least this long inside the utterance count as pauses."""

F0_MIN = 65.0
F0_MAX = 400.0
YIN_FRAME = 512
YIN_BLOCK = 1000
YIN_VOICED = 0.25
"""Maximum YIN aperiodicity of a voiced frame."""


@dataclass(frozen=True)
class Analysis:
    """One utterance, trimmed to its speech, ready to be aligned.

    Attributes
    ----------
    offset : float
        Start of the trimmed region in the original audio (s).
    duration : float
        Length of the original audio (s).
    feats : np.ndarray [shape=(n_frames, 2 * (N_MFCC - 1))]
        MFCC 1–12 and deltas, normalised per utterance (CMVN over speech frames).
    speech : np.ndarray [shape=(n_frames,)], bool
        Voice activity per frame.
    f0 : np.ndarray [shape=(n_frames,)]
        Pitch in Hz, NaN where unvoiced.
    """

    offset: float
    duration: float
    feats: np.ndarray
    speech: np.ndarray
    f0: np.ndarray

    @property
    def n_frames(self) -> int:
        """Number of frames in the trimmed region."""
        return int(self.speech.size)

    @property
    def speech_seconds(self) -> float:
        """Total voice-active time (s)."""
        return float(self.speech.sum()) * FRAME_S

    def time(self, frame: int | np.ndarray) -> float | np.ndarray:
        """Original-audio time (s) of a trimmed-region frame index."""
        return self.offset + np.asarray(frame) * FRAME_S


def _hz_to_mel(hz: float | np.ndarray) -> np.ndarray:
    """Slaney's mel scale: linear below 1 kHz, logarithmic above."""
    hz = np.asarray(hz, dtype=np.float64)
    linear = hz / (200.0 / 3)
    return np.where(hz >= 1000.0, 15.0 + np.log(np.maximum(hz, 1e-9) / 1000.0) / (np.log(6.4) / 27), linear)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    mel = np.asarray(mel, dtype=np.float64)
    return np.where(mel >= 15.0, 1000.0 * np.exp((np.log(6.4) / 27) * (mel - 15.0)), mel * (200.0 / 3))


@lru_cache(maxsize=1)
def mel_basis() -> np.ndarray:
    """Area-normalised triangular mel filters, 60–7600 Hz.

    Returns
    -------
    np.ndarray [shape=(N_MELS, N_FFT // 2 + 1)], float32
        The same filters as ``librosa.filters.mel`` with its defaults
        (computed here so scoring never imports librosa).
    """
    edges = _mel_to_hz(np.linspace(_hz_to_mel(60.0), _hz_to_mel(7600.0), N_MELS + 2))
    bins = np.linspace(0.0, ANALYSIS_SR / 2, N_FFT // 2 + 1)
    lower = (bins[None, :] - edges[:-2, None]) / np.diff(edges)[:-1, None]
    upper = (edges[2:, None] - bins[None, :]) / np.diff(edges)[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return weights.astype(np.float32)


@lru_cache(maxsize=1)
def _dct_matrix() -> np.ndarray:
    """Orthonormal DCT-II rows 1..N_MFCC-1 over the mel bands, ``(N_MELS, N_MFCC - 1)``."""
    k = np.arange(1, N_MFCC)[None, :]
    n = np.arange(N_MELS)[:, None]
    return (np.sqrt(2.0 / N_MELS) * np.cos(np.pi * k * (2 * n + 1) / (2 * N_MELS))).astype(np.float32)


@lru_cache(maxsize=1)
def _window() -> np.ndarray:
    return np.hanning(N_FFT).astype(np.float32)


def _frames(y: np.ndarray, length: int) -> np.ndarray:
    """Centred frames ``(n_frames, length)`` every ``HOP`` samples (zero padded)."""
    padded = np.pad(y, (length // 2, length // 2 + HOP))
    n_frames = 1 + y.size // HOP
    view = np.lib.stride_tricks.sliding_window_view(padded, length)[::HOP]
    return view[:n_frames]


def frame_levels(y: np.ndarray) -> np.ndarray:
    """RMS level (dBFS) of each frame.

    Returns
    -------
    np.ndarray [shape=(1 + len(y) // HOP,)]
    """
    frames = _frames(y, WIN)
    power = np.einsum("ij,ij->i", frames, frames, dtype=np.float64) / WIN
    return 10.0 * np.log10(np.maximum(power, 1e-12))


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) indices of the runs of True in ``mask``."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def voice_activity(levels: np.ndarray) -> np.ndarray:
    """Speech frames from frame levels: adaptive threshold, short gaps filled.

    The threshold sits 30 % of the way from the noise floor (10th percentile)
    to the loudest frame, and never below 40 dB under it.
    """
    peak = float(levels.max())
    floor = float(np.percentile(levels, 10))
    threshold = max(floor + 0.3 * (peak - floor), peak - 40.0, SILENCE_DBFS - 10.0)
    speech = levels > threshold
    starts, ends = _runs(~speech)
    for start, end in zip(starts, ends):
        if start > 0 and end < speech.size and (end - start) * FRAME_S < 0.1:
            speech[start:end] = True
    starts, ends = _runs(speech)
    for start, end in zip(starts, ends):
        if (end - start) * FRAME_S < 0.03:
            speech[start:end] = False
    return speech


def pauses(speech: np.ndarray) -> list[tuple[int, int]]:
    """Inner non-speech runs of at least :data:`PAUSE_S`, as ``(start, end)`` frames."""
    starts, ends = _runs(~speech)
    return [
        (int(s), int(e))
        for s, e in zip(starts, ends)
        if s > 0 and e < speech.size and (e - s) * FRAME_S >= PAUSE_S
    ]


def _cmnd_block(frames: np.ndarray, width: int) -> np.ndarray:
    """Cumulative mean normalised difference ``(n, width)`` of frames ``(n, 2 * width)``."""
    n_fft = 2 * frames.shape[1]
    spec = np.fft.rfft(frames, n_fft, axis=1)
    head = np.fft.rfft(frames[:, :width], n_fft, axis=1)
    corr = np.fft.irfft(spec * np.conj(head), n_fft, axis=1)[:, :width]
    energy = np.cumsum(np.pad(frames.astype(np.float64) ** 2, ((0, 0), (1, 0))), axis=1)
    lag_energy = energy[:, width : 2 * width] - energy[:, :width]
    diff = np.maximum(energy[:, width : width + 1] + lag_energy - 2.0 * corr, 0.0)
    cumulative = np.cumsum(diff[:, 1:], axis=1)
    cmnd = np.ones_like(diff)
    cmnd[:, 1:] = diff[:, 1:] * np.arange(1, width) / np.maximum(cumulative, 1e-12)
    return cmnd


def yin(y: np.ndarray, *, fmin: float = F0_MIN, fmax: float = F0_MAX) -> tuple[np.ndarray, np.ndarray]:
    """YIN pitch (de Cheveigné & Kawahara 2002) in numpy, one value per frame.

    A numpy version rather than ``librosa.yin``: the latter compiles a numba
    stencil that cannot be cached, costing seconds in every fresh process.
    It runs at half the analysis rate (pitch needs no more) in blocks of
    frames, so a long recording needs little memory.

    Returns
    -------
    f0 : np.ndarray [shape=(n_frames,)]
        Hz of the best period in each frame.
    aperiodicity : np.ndarray [shape=(n_frames,)]
        Cumulative mean normalised difference at that period (low = voiced).
    """
    rate = ANALYSIS_SR // 2
    half = 0.5 * (y[0 : y.size - 1 : 2] + y[1::2])
    # each half-rate sample twice: same frame times as the other features
    frames = _frames(np.repeat(half, 2), YIN_FRAME)[:, ::2]
    width = YIN_FRAME // 4
    lo, hi = int(rate // fmax), min(int(np.ceil(rate / fmin)), width - 2)
    f0 = np.empty(frames.shape[0])
    aperiodicity = np.empty(frames.shape[0])
    for start in range(0, frames.shape[0], YIN_BLOCK):
        window = _cmnd_block(np.asarray(frames[start : start + YIN_BLOCK]), width)[:, lo : hi + 1]
        trough = (window[:, 1:-1] <= window[:, :-2]) & (window[:, 1:-1] < window[:, 2:])
        good = trough & (window[:, 1:-1] < 0.1)
        best = np.where(good.any(axis=1), good.argmax(axis=1) + 1, window.argmin(axis=1))
        best = np.clip(best, 1, window.shape[1] - 2)
        rows = np.arange(window.shape[0])
        left, mid, right = window[rows, best - 1], window[rows, best], window[rows, best + 1]
        denom = left - 2.0 * mid + right
        safe = np.where(np.abs(denom) > 1e-12, denom, 1.0)
        shift = np.where(np.abs(denom) > 1e-12, 0.5 * (left - right) / safe, 0.0)
        stop = start + window.shape[0]
        f0[start:stop] = rate / (lo + best + np.clip(shift, -1.0, 1.0))
        aperiodicity[start:stop] = mid
    return f0, aperiodicity


def _mfcc(y: np.ndarray) -> np.ndarray:
    """MFCC 1..12 ``(n_frames, 12)`` from a 40-band log-mel spectrum."""
    frames = _frames(y, N_FFT) * _window()
    spectrum = np.fft.rfft(frames, axis=1)
    power = (spectrum.real**2 + spectrum.imag**2).astype(np.float32)
    # einsum, not BLAS matmul: on a busy 2-core machine OpenBLAS's spinning
    # threads would slow the rest of the scoring down far more than they save
    mel = np.einsum("fk,mk->fm", power, mel_basis())
    log_mel = 10.0 * np.log10(np.maximum(mel, 1e-10))
    return np.einsum("fm,mc->fc", log_mel, _dct_matrix())


def _deltas(feats: np.ndarray) -> np.ndarray:
    """Regression deltas over ±2 frames."""
    padded = np.pad(feats, ((2, 2), (0, 0)), mode="edge")
    return (2 * (padded[4:] - padded[:-4]) + (padded[3:-1] - padded[1:-3])) / 10.0


def analyse(y: np.ndarray, *, what: str = "audio") -> Analysis | None:
    """Trim ``y`` to its speech and compute normalised features and pitch.

    Parameters
    ----------
    y : np.ndarray [shape=(n,)], float32 at ``ANALYSIS_SR``
    what : str
        Name used in error messages.

    Returns
    -------
    Analysis or None
        None when the audio is silence (no frame above ``SILENCE_DBFS``) or
        nothing in it stands out as speech.

    Raises
    ------
    AudioFormatError
        If there is speech but less than :data:`MIN_SPEECH_S` of it.
    """
    levels = frame_levels(y)
    if levels.max() < SILENCE_DBFS:
        return None
    speech = voice_activity(levels)
    if not speech.any():
        return None  # steady noise or hum: nothing stands out as speech
    if speech.sum() * FRAME_S < MIN_SPEECH_S:
        raise AudioFormatError(
            f"{what} has only {speech.sum() * FRAME_S:.2f} s of speech; at least {MIN_SPEECH_S} s is needed",
            hint="say the whole phrase, close enough to the microphone",
        )
    active = np.flatnonzero(speech)
    margin = round(0.04 / FRAME_S)
    first, last = max(int(active[0]) - margin, 0), min(int(active[-1]) + margin + 1, speech.size)
    segment = y[first * HOP : last * HOP]
    n = last - first
    mfcc = _mfcc(segment)[:n]
    mask = speech[first:last]
    cep = np.hstack([mfcc, _deltas(mfcc)])
    ref = cep[mask]
    cep = (cep - ref.mean(axis=0)) / np.maximum(ref.std(axis=0), 1e-6)
    f0, aperiodicity = yin(segment)
    f0 = np.where(mask & (aperiodicity[:n] < YIN_VOICED), f0[:n], np.nan)
    return Analysis(
        offset=first * FRAME_S,
        duration=y.size / ANALYSIS_SR,
        feats=np.ascontiguousarray(cep, dtype=np.float32),
        speech=mask,
        f0=f0,
    )
