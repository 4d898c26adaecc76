"""English words as phones: espeak-ng's spelling, mapped to ARPAbet and to the phone recogniser's IPA tokens.

A written word is spelled by espeak-ng (en-us), whose ASCII mnemonics map one to
one onto ARPAbet. The phone recogniser writes IPA, and some ARPAbet phones have
several IPA renderings it may emit (AH → ə or ʌ, ER → ɚ or ɝ, T → t or a flap
ɾ): each phone becomes a *slot*, the set of tokens that count as that phone.
Plain-language names of the phones serve the findings on the score card.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_ESPEAK_TO_ARPABET = {
    "p": "P", "b": "B", "t": "T", "d": "D", "k": "K", "g": "G", "f": "F", "v": "V", "T": "TH", "D": "DH",
    "s": "S", "z": "Z", "S": "SH", "Z": "ZH", "tS": "CH", "dZ": "JH", "h": "HH", "x": "HH", "m": "M", "n": "N",
    "N": "NG", "l": "L", "r": "R", "w": "W", "j": "Y", "t#": "T", "d#": "D", "n-": "N", "l/": "L", "r-": "R",
    "z#": "Z", "a": "AE", "a#": "AH", "A:": "AA", "A@": "AA R", "aa": "AA", "A": "AA", "aI": "AY", "aI@": "AY ER",
    "aU": "AW", "aU@": "AW ER", "E": "EH", "e@": "EH R", "eI": "EY", "I": "IH", "I#": "IH", "I2": "IH", "i": "IY",
    "i:": "IY", "i@": "IH R", "i@3": "IY ER", "0": "AA", "O": "AO", "O:": "AO", "O@": "AO R", "o@": "AO R",
    "OI": "OY", "oU": "OW", "U": "UH", "u:": "UW", "U@": "UH R", "V": "AH", "@": "AH", "@2": "AH", "@5": "AH",
    "3": "ER", "3:": "ER", "@L": "AH L", "@r": "ER",
}
ARPABET_TO_IPA: dict[str, tuple[str, ...]] = {
    "AA": ("ɑ", "ɒ", "a"), "AE": ("æ",), "AH": ("ə", "ʌ", "ɐ"), "AO": ("ɔ", "ɑ"), "AW": ("aʊ",), "AY": ("aɪ",),
    "EH": ("ɛ", "e"), "ER": ("ɚ", "ɝ", "ɜ"), "EY": ("eɪ",), "IH": ("ɪ", "ɨ"), "IY": ("i",), "OW": ("oʊ", "o"),
    "OY": ("ɔɪ",), "UH": ("ʊ",), "UW": ("u", "ʉ"),
    "B": ("b",), "CH": ("t͡ʃ",), "D": ("d", "ɾ"), "DH": ("ð",), "F": ("f",), "G": ("g", "ɡ"), "HH": ("h",),
    "JH": ("d͡ʒ",), "K": ("k", "kʰ"), "L": ("l", "ɫ"), "M": ("m",), "N": ("n",), "NG": ("ŋ",), "P": ("p", "pʰ"),
    "R": ("ɹ", "r", "ɻ"), "S": ("s",), "SH": ("ʃ",), "T": ("t", "tʰ", "ɾ"), "TH": ("θ",), "V": ("v",), "W": ("w",),
    "Y": ("j",), "Z": ("z",), "ZH": ("ʒ",),
}
VOWELS = frozenset(("AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"))
CONSONANT_NAMES = {"TH": "th", "DH": "th", "SH": "sh", "CH": "ch", "JH": "j", "NG": "ng", "ZH": "zh", "HH": "h", "Y": "y"}
"""How a consonant is written for a learner (others: their ARPAbet letter in lower case)."""
HEARD_NAMES = {
    "θ": "th", "ð": "th", "ʃ": "sh", "t͡ʃ": "ch", "d͡ʒ": "j", "ŋ": "ng", "ʒ": "zh", "ɹ": "r", "r": "r", "ɾ": "a quick 't'",
    "j": "y", "ɡ": "g", "ɫ": "l", "kʰ": "k", "pʰ": "p", "tʰ": "t", "x": "kh", "ʔ": "a catch in the throat",
    "i": "the vowel in 'see'", "ɪ": "the vowel in 'sit'", "e": "the vowel in 'bed'", "ɛ": "the vowel in 'bed'",
    "æ": "the vowel in 'cat'", "ʌ": "the vowel in 'cup'", "ə": "the vowel in 'about'", "ɐ": "the vowel in 'cup'",
    "ɑ": "the vowel in 'father'", "a": "the vowel in 'father'", "ɒ": "the vowel in 'hot'", "ɔ": "the vowel in 'law'",
    "ʊ": "the vowel in 'book'", "u": "the vowel in 'food'", "ʉ": "the vowel in 'food'", "o": "the vowel in 'go'",
    "oʊ": "the vowel in 'go'", "eɪ": "the vowel in 'day'", "aɪ": "the vowel in 'my'", "aʊ": "the vowel in 'now'",
    "ɔɪ": "the vowel in 'boy'", "ɚ": "the vowel in 'bird'", "ɝ": "the vowel in 'bird'", "ɜ": "the vowel in 'bird'",
}
"""How a heard IPA token is named for a learner (others: the token itself)."""
_LETTERS = re.compile(r"[a-z]+(?:'[a-z]+)*")


def arpabet(espeak_phonemes: str) -> tuple[str, ...]:
    """ARPAbet phones of one word in espeak-ng's ASCII mnemonics (``_`` between phonemes)."""
    phones: list[str] = []
    for token in espeak_phonemes.split("_"):
        token = token.strip("'%=,")
        mapped = _ESPEAK_TO_ARPABET.get(token) or _ESPEAK_TO_ARPABET.get(token.rstrip("#0123456789"))
        if mapped:
            phones.extend(mapped.split())
    return tuple(phones)


def dictionary_tokens(word: str) -> list[str] | None:
    """The spellable parts of a written word (``well-known`` → two), or None when it cannot be aligned.

    Only letters and apostrophes are aligned: a number or symbol has several
    readings ("1999", "12:30"), and the learner may pick any of them.
    """
    parts = word.lower().replace("’", "'").strip(".,!?;:\"()[]«»¿¡…").split("-")
    if not all(_LETTERS.fullmatch(part) for part in parts):
        return None
    return parts


WEAK_FORMS = {"a": ("AH",)}
"""Words espeak-ng spells alone by their citation form ("a" as the letter's name), said weak in a phrase."""
CACHE_SIZE = 4096
_spelled: dict[str, tuple[str, ...]] = {}
"""Spelled tokens (each spelled alone), at most :data:`CACHE_SIZE`; threads share it (a call reads what it needs once)."""


def spell_all(words: Sequence[str]) -> tuple[tuple[str, ...] | None, ...]:
    """:func:`spell` of each of ``words``; the tokens not spelled before are spelled by one espeak-ng child together."""
    split = [dictionary_tokens(word) for word in words]
    tokens = {t for found in split if found for t in found if t not in WEAK_FORMS}
    known = {t: phones for t in tokens if (phones := _spelled.get(t)) is not None}
    new = sorted(tokens - known.keys())
    if new:
        from tui.speech.tts import phonemes_each

        fresh = dict(zip(new, (arpabet(p) for p in phonemes_each(new, lang="en-us"))))
        if len(_spelled) + len(fresh) > CACHE_SIZE:
            _spelled.clear()
        _spelled.update(fresh)
        known.update(fresh)
    out = []
    for found in split:
        phones = () if found is None else tuple(p for t in found for p in (WEAK_FORMS.get(t) or known[t]))
        out.append(phones or None)
    return tuple(out)


def spell(word: str) -> tuple[str, ...] | None:
    """The ARPAbet phones of a written word, or None when it has none to align (numbers, symbols)."""
    return spell_all([word])[0]


def phone_name(arpabet_phone: str, word: str) -> str:
    """The phone as a learner reads it in a finding: "the 'th' in 'the'", "the vowel in 'cat'"."""
    if arpabet_phone in VOWELS:
        return f"the vowel in '{word}'"
    letters = CONSONANT_NAMES.get(arpabet_phone, arpabet_phone.lower())
    return f"the '{letters}' in '{word}'"


def heard_name(ipa: str) -> str:
    """What the recogniser heard instead, in plain words ("'d'", "the vowel in 'sit'")."""
    name = HEARD_NAMES.get(ipa, ipa)
    return name if name.startswith(("the ", "a ")) else f"'{name}'"
