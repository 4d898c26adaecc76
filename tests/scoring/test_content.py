"""The score hears what was said: a different phrase scores low, a substituted word is singled out."""

from __future__ import annotations

import numpy as np
import pytest

from tui.scoring import LiveScorer, PreparedReference, build_cohort, compare, prepare_reference, signal
from tui.scoring.grade import ENGLISH, NO_WORDS, TEMPLATE
from tui.scoring.issues import CLIPPED, DIFFERENT_PHRASE
from tui.speech.tts import synthesize

from .conftest import OTHER, PHRASE


def _feed_in_blocks(reference: PreparedReference, samples: np.ndarray, sr: int, block: int = 1024) -> LiveScorer:
    scorer = LiveScorer(reference)
    for start in range(0, samples.size, block):
        scorer.feed(samples[start : start + block], sr)
    return scorer


def test_the_right_phrase_in_another_voice_scores_high_on_english_evidence(english: PreparedReference) -> None:
    speech = synthesize(PHRASE, lang="en-us", voice="en-gb", rate=150)
    score = compare(english, (speech.samples, speech.samplerate))
    assert score.evidence == ENGLISH
    assert score.overall >= 70
    assert score.completeness >= 90
    assert DIFFERENT_PHRASE not in " ".join(score.issues)


def test_a_loud_clipped_take_of_the_right_phrase_is_found_and_told_it_clipped(english: PreparedReference) -> None:
    speech = synthesize(PHRASE, lang="en-us", voice="en-gb", rate=150)
    said = signal.load((speech.samples, speech.samplerate), what="attempt")
    loud = np.clip(said * (0.3 / np.sqrt(np.mean(np.square(said)))), -1.0, 1.0)  # RMS 0.3: clipped
    score = compare(english, (loud, signal.ANALYSIS_SR))
    assert score.evidence == ENGLISH and score.overall >= 70 and score.completeness == 100
    assert score.issues[0] == CLIPPED and DIFFERENT_PHRASE not in " ".join(score.issues)


def test_a_different_english_phrase_scores_at_most_40_and_says_so(english: PreparedReference) -> None:
    speech = synthesize(OTHER, lang="en-us", voice="en-gb", rate=150)
    score = _feed_in_blocks(english, speech.samples, speech.samplerate).finish()
    assert score.overall <= 40
    assert score.issues[0].startswith(DIFFERENT_PHRASE)


@pytest.fixture(scope="module")
def spanish() -> tuple[PreparedReference, list[str]]:
    phrases = ["¿Dónde está la estación de tren?", "Me gustaría un café con leche.", "¿Cuánto cuesta este libro?"]
    speech = synthesize(phrases[0], lang="es")
    cohort = build_cohort(phrases[1:], lang="es")
    prepared = prepare_reference(
        (speech.samples, speech.samplerate), words=speech.words, text=phrases[0], lang="es", cohort=cohort
    )
    return prepared, phrases


def test_spanish_right_phrase_is_high_and_another_phrase_at_most_40(spanish: tuple[PreparedReference, list[str]]) -> None:
    prepared, phrases = spanish
    right = synthesize(phrases[0], lang="es", voice="es-419", rate=150)
    wrong = synthesize("Mi hermana vive en una casa azul.", lang="es", voice="es-419", rate=150)
    right_score = _feed_in_blocks(prepared, right.samples, right.samplerate).finish()
    wrong_score = compare(prepared, (wrong.samples, wrong.samplerate))
    assert right_score.evidence == wrong_score.evidence == TEMPLATE
    assert right_score.overall >= 70
    assert wrong_score.overall <= 40
    assert wrong_score.issues[0].startswith(DIFFERENT_PHRASE)


@pytest.mark.parametrize(("word", "said_instead", "voice"), [("brown", "green", "en-gb"), ("jumps", "runs", "en-us+f3")])
def test_one_substituted_word_scores_lowest(english: PreparedReference, word: str, said_instead: str, voice: str) -> None:
    said = synthesize(PHRASE.replace(word, said_instead), lang="en-us", voice=voice, rate=160)
    score = compare(english, (said.samples, said.samplerate))
    by_word = {w.text: w.score for w in score.words}
    assert min(by_word, key=by_word.get) == word, by_word  # type: ignore[arg-type]
    others = [value for text, value in by_word.items() if text != word]
    assert by_word[word] < min(others), by_word
    assert score.evidence == ENGLISH and DIFFERENT_PHRASE not in " ".join(score.issues)


def test_a_phrase_of_numbers_falls_back_to_template_matching_and_says_so() -> None:
    speech = synthesize("12 34 56", lang="en-us")
    prepared = prepare_reference((speech.samples, speech.samplerate), words=speech.words, text="12 34 56", lang="en-us")
    score = compare(prepared, (speech.samples, speech.samplerate))
    assert prepared.english is None and not prepared.alignable
    assert score.evidence == NO_WORDS
    assert score.overall >= 90


def test_a_word_missing_from_the_dictionary_is_spelled_by_espeak(english_cohort) -> None:
    text = "the zorblax sat on the mat"
    speech = synthesize(text, lang="en-us")
    prepared = prepare_reference(
        (speech.samples, speech.samplerate), words=speech.words, text=text, lang="en-us", cohort=english_cohort
    )
    other = synthesize(text, lang="en-us", voice="en-gb", rate=150)
    score = compare(prepared, (other.samples, other.samplerate))
    assert score.evidence == ENGLISH
    assert {w.text: w.att_start is not None for w in score.words}["zorblax"]
    assert score.overall >= 60
