"""A phrase is spelled for the phone recogniser by one espeak-ng child, as its words are one by one."""

from __future__ import annotations

from tui.scoring import lexicon
from tui.speech.tts import phonemes


def test_a_phrase_is_spelled_as_espeak_spells_its_words_one_by_one() -> None:
    words = ["Hello,", "how", "are", "you?", "1999", "well-known", "a", "zorblax"]
    together = lexicon.spell_all(words)
    for i in (1, 2, 7):  # plain words: each spelled by an espeak-ng child of its own
        assert together[i] == tuple(lexicon.arpabet(phonemes(words[i], lang="en-us")))
    assert together[0] == lexicon.spell("hello") and together[3] == lexicon.spell("you")
    assert together[4] is None and together[6] == ("AH",)
    assert together[5] == lexicon.spell("well") + lexicon.spell("known")  # type: ignore[operator]
