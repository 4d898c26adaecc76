"""Shared speech for scoring tests: real espeak-ng renderings, made once per session."""

from __future__ import annotations

import numpy as np
import pytest

from tui.scoring import Cohort, PreparedReference, build_cohort, prepare_reference
from tui.speech.tts import Synthesis, synthesize

PHRASE = "the quick brown fox jumps over the lazy dog"
OTHER = "she sells sea shells by the sea shore"


@pytest.fixture(scope="session")
def reference_speech() -> Synthesis:
    return synthesize(PHRASE, lang="en-us")


@pytest.fixture(scope="session")
def reference(reference_speech: Synthesis) -> PreparedReference:
    return prepare_reference((reference_speech.samples, reference_speech.samplerate), words=reference_speech.words)


@pytest.fixture(scope="session")
def other_voice() -> tuple[np.ndarray, int]:
    speech = synthesize(PHRASE, lang="en-us", voice="en-gb", rate=150)
    return speech.samples, speech.samplerate


@pytest.fixture(scope="session")
def other_sentence() -> tuple[np.ndarray, int]:
    speech = synthesize(OTHER, lang="en-us", voice="en-gb", rate=150)
    return speech.samples, speech.samplerate


@pytest.fixture(scope="session")
def english_cohort() -> Cohort:
    return build_cohort(lang="en-us")


@pytest.fixture(scope="session")
def english(reference_speech: Synthesis, english_cohort: Cohort) -> PreparedReference:
    """The phrase as the app prepares it: text, language and cohort, so phone evidence and the content check apply."""
    return prepare_reference(
        (reference_speech.samples, reference_speech.samplerate),
        words=reference_speech.words, text=PHRASE, lang="en-us", cohort=english_cohort,
    )
