"""printable(): untrusted text can never drive the terminal."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.text import printable


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Hola\x1b[2J\x1b]0;pwned\x07", "Hola\\x1b[2J\\x1b]0;pwned\\x07"),
        ("a\u202eevil", "a\\u202eevil"),
        ("DEL\x7f and C1 \x9b", "DEL\\x7f and C1 \\x9b"),
        ("¿Dónde está?", "¿Dónde está?"),
        ("[bold]not markup[/]", "[bold]not markup[/]"),
    ],
)
def test_control_characters_become_escapes(raw: str, shown: str) -> None:
    assert printable(raw) == shown


def test_newlines_are_kept_unless_single_line() -> None:
    assert printable("a\nb\tc") == "a\nb\tc"
    assert printable("a\nb\tc", single_line=True) == "a\\x0ab\\x09c"


@given(st.text())
def test_output_never_holds_an_escape_character(text: str) -> None:
    shown = printable(text, single_line=True)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in shown)
