"""The guard against another phrase: speech the phrase does not explain lowers the score, and the words
only the aligner placed in a take of another phrase do not make it complete."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tui.scoring import PreparedReference, compare, explained, prepare_phrase
from tui.scoring.grade import ENGLISH
from tui.scoring.issues import DIFFERENT_PHRASE

AUDIO = Path(__file__).resolve().parents[2] / "lessons" / "en-basics" / "audio"


def test_the_free_decoding_keeps_phones_once_each_in_order() -> None:
    tokens = ("<blank>", "<wb>", "m", "aɪ", "˥", " ")
    frames = [0, 2, 2, 0, 1, 3, 4, 3, 5, 2]  # m m _ <wb> aɪ ˥ aɪ ' ' m
    logp = np.full((len(frames), len(tokens)), -9.0)
    logp[np.arange(len(frames)), frames] = -0.1
    assert explained.free_phones(logp, tokens) == ("m", "aɪ", "aɪ", "m")
    assert explained.free_phones(np.zeros((0, len(tokens))), tokens) == ()


def test_the_explained_share_counts_heard_units_the_phrase_accounts_for_in_order() -> None:
    im_sorry = (("AY", "M"), ("S", "AA", "R", "IY"))
    assert explained.phones_explained(im_sorry, ("aɪ", "m", "s", "ɑ", "ɹ", "i", "ə")) == pytest.approx(6 / 7)
    said_more = ("m", "aɪ", "n", "eɪ", "m", "ɪ", "z", "æ", "l", "ɛ", "k", "s")  # "my name is Alex"
    assert explained.phones_explained(im_sorry, said_more) <= 3 / 12
    assert explained.phones_explained(im_sorry, ()) == 1.0
    assert explained.words_explained(["I'm", "sorry."], "My name is Alex.") == 0.0
    assert explained.words_explained(["Good", "evening."], "Good morning.") == 0.5
    assert explained.words_explained(["I’m", "sorry."], "i'm SORRY!") == 1.0
    assert explained.words_explained(["Hello,", "how", "are", "you?"], "Hello.") == 1.0  # a partial take is not extra speech


@pytest.fixture(scope="module")
def im_sorry() -> PreparedReference:
    """As ``score --batch`` prepares a row with the pack's reference and its text."""
    return prepare_phrase("I'm sorry.", lang="en-US", audio=AUDIO / "i-m-sorry.flac")


def test_a_longer_take_of_another_short_phrase_is_doubted_and_incomplete(im_sorry: PreparedReference) -> None:
    score = compare(im_sorry, AUDIO / "my-name-is-alex.flac")
    assert score.evidence == ENGLISH
    assert score.overall <= 40, score
    assert score.issues[0].startswith(DIFFERENT_PHRASE), score.issues
    assert score.completeness < 100 and any(w.att_start is None for w in score.words), score


def test_the_phrase_itself_stays_undoubted_and_complete(im_sorry: PreparedReference) -> None:
    score = compare(im_sorry, AUDIO / "i-m-sorry.flac")
    assert score.overall >= 80 and score.completeness == 100
    assert DIFFERENT_PHRASE not in " ".join(score.issues)
