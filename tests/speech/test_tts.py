"""espeak-ng synthesis through libespeak-ng: audio, voices and exact word timings."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from tui.errors import TTSError
from tui.speech.tts import Synthesis, phonemes, split_words, synthesize, voice_for


def _rms(samples: np.ndarray, sr: int, start: float, end: float) -> float:
    part = samples[int(start * sr) : int(end * sr)]
    return float(np.sqrt(np.mean(part**2))) if len(part) else 0.0


def _envelope(samples: np.ndarray, frame: int = 441) -> np.ndarray:
    n = 20000 // frame
    return np.sqrt(np.mean(samples[: n * frame].reshape(n, frame) ** 2, axis=1))


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Good morning, how are you today?", "en-us"),
        ("¿Dónde está la estación de tren?", "es-ES"),
        ("Je m'appelle Marie, et toi ?", "fr-FR"),
    ],
)
def test_one_timing_per_written_word_in_order_inside_the_audio(text: str, lang: str) -> None:
    result = synthesize(text, lang=lang)
    assert result.samplerate == 22050
    assert result.samples.dtype == np.float32 and result.samples.ndim == 1
    assert 0.05 < np.abs(result.samples).max() <= 1.0
    assert [w.text for w in result.words] == [w for _, _, w in split_words(text)]
    for before, after in zip(result.words, result.words[1:]):
        assert before.start < before.end <= after.start
    assert result.words[-1].end <= result.duration


def test_a_comma_pause_lies_between_two_words_and_is_quiet() -> None:
    result = synthesize("Hello, world")
    hello, world = result.words
    assert world.start - hello.end > 0.08
    speech = _rms(result.samples, result.samplerate, hello.start, hello.end)
    gap = _rms(result.samples, result.samplerate, hello.end + 0.01, world.start - 0.01)
    assert gap < speech / 10


def test_word_spans_are_close_to_the_words_spoken_alone() -> None:
    phrase = synthesize("Thank you very much")
    in_phrase = np.array([w.end - w.start for w in phrase.words])
    alone = np.array([synthesize(w.text).words[0].end for w in phrase.words])
    assert np.all((in_phrase / alone > 0.3) & (in_phrase / alone < 3.0)), (in_phrase, alone)
    assert 0.5 < in_phrase.sum() / alone.sum() < 1.2  # words run together in a phrase


def test_a_number_read_as_several_words_keeps_one_timing() -> None:
    result = synthesize("I have 12 cats")
    assert [w.text for w in result.words] == ["I", "have", "12", "cats"]


def test_rate_changes_the_length() -> None:
    slow = synthesize("See you tomorrow", rate=100)
    fast = synthesize("See you tomorrow", rate=300)
    assert slow.duration > 1.5 * fast.duration


def test_voice_for_picks_regular_voices_by_language() -> None:
    assert voice_for("fr-FR") == "roa/fr"
    assert voice_for("es") == "roa/es"
    assert voice_for("en-US") == "gmw/en-US"


def test_voice_accepts_a_language_name() -> None:
    by_language = synthesize("bonjour", voice="fr-fr")
    by_name = synthesize("bonjour", voice="roa/fr")
    assert by_language.words[0].text == by_name.words[0].text == "bonjour"
    assert np.array_equal(by_language.samples, by_name.samples)


def test_concurrent_calls_give_the_same_audio_as_one_call() -> None:
    expected = synthesize("Nice to meet you")
    results: list[Synthesis] = []
    threads = [threading.Thread(target=lambda: results.append(synthesize("Nice to meet you"))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4
    for result in results:
        assert [w.text for w in result.words] == [w.text for w in expected.words]
        assert abs(result.duration - expected.duration) < 0.01
        assert np.corrcoef(_envelope(result.samples), _envelope(expected.samples))[0, 1] > 0.9


def test_empty_text_is_refused() -> None:
    with pytest.raises(TTSError, match="no text to speak"):
        synthesize("  ")


def test_rate_out_of_range_is_refused() -> None:
    with pytest.raises(TTSError, match="rate 20 is out of range"):
        synthesize("hello", rate=20)


def test_unknown_voice_is_refused() -> None:
    with pytest.raises(TTSError, match="no voice for language 'xx-nope'"):
        synthesize("hello", voice="xx-nope")


def test_unknown_language_is_refused() -> None:
    with pytest.raises(TTSError, match="no voice for language 'zz-ZZ'"):
        voice_for("zz-ZZ")


def test_the_same_text_gives_the_same_samples_whatever_was_spoken_before() -> None:
    first = synthesize("Good morning, how are you?")
    synthesize("Je m'appelle Marie", lang="fr-FR")
    synthesize("the cat sat on the mat", voice="en-gb", rate=130)
    again = synthesize("Good morning, how are you?")
    assert np.array_equal(first.samples, again.samples)
    assert first.words == again.words


def test_phonemes_spell_an_unknown_word() -> None:
    assert phonemes("zorblax") == "z_'o@_b_l_a_k_s"
    assert phonemes("hello world").split() == ["h_@_l_'oU", "w_'3:_l_d"]


def test_a_voice_error_in_the_child_reaches_the_caller() -> None:
    with pytest.raises(TTSError, match="no voice for language 'qq'"):
        phonemes("hello", lang="qq")


def test_pitch_moves_the_voice_up() -> None:
    from tui.scoring.comparison import pitch_track

    low = synthesize("hello there", pitch=20)
    high = synthesize("hello there", pitch=80)
    f0_low = np.nanmedian(pitch_track(low.samples, low.samplerate)[1])
    f0_high = np.nanmedian(pitch_track(high.samples, high.samplerate)[1])
    assert f0_high > 1.2 * f0_low
    with pytest.raises(TTSError, match="pitch 120 is out of range"):
        synthesize("hello", pitch=120)


HELD_IMPORT = """
import importlib.abc, importlib.machinery, importlib.util, sys, threading
held, release = threading.Event(), threading.Event()

class Slow(importlib.abc.Loader):  # runs with the module's own import lock held (the global one is free)
    def __init__(self, real):
        self.real = real
    def create_module(self, spec):
        return None
    def exec_module(self, module):
        held.set()
        release.wait()
        self.real.loader.exec_module(module)

class Hold(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != "numpy.ctypeslib":
            return None
        real = importlib.machinery.PathFinder.find_spec(name, path)
        return importlib.util.spec_from_loader(name, Slow(real), origin=real.origin)

sys.meta_path.insert(0, Hold())
import numpy
threading.Thread(target=lambda: __import__("numpy.ctypeslib"), daemon=True).start()
held.wait()
from tui.speech.tts import synthesize
print(synthesize("Good morning").samples.size > 0)
release.set()
"""


def test_speaking_while_another_thread_is_importing_does_not_hang() -> None:
    """The app prepares references in workers while others import: the forked child must not need an import lock.

    Before the fix the child imported ``numpy.ctypeslib`` and waited forever for the lock a parent thread held.
    """
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", HELD_IMPORT], capture_output=True, text=True, timeout=25)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
