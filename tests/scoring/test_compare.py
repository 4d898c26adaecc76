"""compare() on real espeak-ng speech: sanity of the scores, words, issues and the path."""

from __future__ import annotations

import librosa
import numpy as np
import pytest

from tui.scoring import SCORER_VERSION, PreparedReference, compare, prepare_reference
from tui.scoring.score import Score
from tui.speech.tts import Synthesis

from .conftest import PHRASE


@pytest.fixture(scope="module")
def identical(reference: PreparedReference, reference_speech: Synthesis) -> Score:
    return compare(reference, (reference_speech.samples, reference_speech.samplerate))


def test_identical_audio_scores_at_least_97(identical: Score) -> None:
    assert identical.overall >= 97
    assert identical.accuracy >= 97
    assert identical.completeness >= 97
    assert identical.scorer_version == SCORER_VERSION


def test_same_sentence_other_voice_beats_a_different_sentence(
    reference: PreparedReference, other_voice: tuple[np.ndarray, int], other_sentence: tuple[np.ndarray, int]
) -> None:
    same = compare(reference, other_voice)
    different = compare(reference, other_sentence)
    assert same.overall >= different.overall + 15
    assert same.accuracy >= different.accuracy + 15


def test_time_stretch_keeps_accuracy_but_costs_fluency(
    reference: PreparedReference, reference_speech: Synthesis, identical: Score, other_sentence: tuple[np.ndarray, int]
) -> None:
    slow = librosa.effects.time_stretch(reference_speech.samples, rate=1 / 1.4)
    stretched = compare(reference, (slow, reference_speech.samplerate))
    different = compare(reference, other_sentence)
    assert stretched.accuracy >= different.accuracy + 20
    assert stretched.accuracy >= identical.accuracy - 15
    assert stretched.fluency <= identical.fluency - 5
    assert any("slower" in issue for issue in stretched.issues)


def test_white_noise_at_20_db_snr_costs_little(
    reference: PreparedReference, reference_speech: Synthesis, identical: Score
) -> None:
    clean = reference_speech.samples
    rng = np.random.default_rng(7)
    noise = rng.standard_normal(clean.size).astype(np.float32)
    noise *= np.sqrt(np.mean(clean**2) / np.mean(noise**2)) / 10.0
    noisy = compare(reference, (clean + noise, reference_speech.samplerate))
    assert noisy.overall >= identical.overall - 15


def test_silence_scores_zero_with_an_issue(reference: PreparedReference) -> None:
    result = compare(reference, (np.zeros(16000 * 2, dtype=np.float32), 16000))
    assert result.overall == 0
    assert result.issues == ("no speech detected",)
    assert len(result.words) == len(reference.words)


def test_words_follow_the_reference_and_map_into_the_attempt(
    identical: Score, reference_speech: Synthesis
) -> None:
    assert [w.text for w in identical.words] == [w.text for w in reference_speech.words]
    for word, timing in zip(identical.words, reference_speech.words):
        assert word.ref_start == round(timing.start, 3)  # stored to the millisecond, as packs keep them
        assert word.att_start is not None and abs(word.att_start - timing.start) < 0.05
        assert word.score >= 90


def test_path_is_monotone_downsampled_and_json_round_trips(identical: Score) -> None:
    path = np.array(identical.path)
    assert 10 <= len(path) <= 400
    assert np.all(np.diff(path, axis=0) >= 0)
    assert Score.from_json(identical.to_json()) == identical


def test_long_pause_is_reported_before_its_word(reference: PreparedReference, reference_speech: Synthesis) -> None:
    sr = reference_speech.samplerate
    cut = int(reference_speech.words[5].start * sr)
    y = reference_speech.samples
    paused = np.concatenate([y[:cut], np.zeros(int(0.8 * sr), dtype=np.float32), y[cut:]])
    result = compare(reference, (paused, sr))
    assert any("pause before 'over'" in issue for issue in result.issues)


def test_reference_given_as_a_file_with_words(tmp_path, reference_speech: Synthesis) -> None:
    import soundfile as sf

    path = tmp_path / "ref.wav"
    sf.write(path, reference_speech.samples, reference_speech.samplerate)
    result = compare(str(path), str(path), words=reference_speech.words)
    assert result.overall >= 97
    assert len(result.words) == len(reference_speech.words)


def test_reference_without_words_gets_them_from_its_text(reference_speech: Synthesis) -> None:
    prepared = prepare_reference(
        (reference_speech.samples, reference_speech.samplerate), words=(), text=PHRASE, lang="en-us"
    )
    assert [w.text for w in prepared.words] == PHRASE.split()
    for derived, truth in zip(prepared.words, reference_speech.words):
        assert abs(derived.start - truth.start) <= 0.08


def test_a_score_stored_by_the_old_scorer_still_reads() -> None:
    old = (
        '{"overall":71.5,"accuracy":70.1,"fluency":80.0,"intonation":66.2,"completeness":100.0,'
        '"words":[{"text":"hello","score":72.0,"ref_start":0.1,"ref_end":0.5,"att_start":0.2,"att_end":0.6}],'
        '"issues":["long pause before \'world\' (0.5 s)"],"path":[[0.0,0.0],[0.5,0.6]],"scorer_version":"mfcc-dtw-1"}'
    )
    score = Score.from_json(old)
    assert score.scorer_version == "mfcc-dtw-1" and score.evidence == ""
    assert score.words[0].att_end == 0.6
    assert Score.from_json(score.to_json()) == score
