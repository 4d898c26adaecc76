"""Recording moves: safe names, place/unplace/finish on real files."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.store.helpers import write_take
from tui.store import files


@given(st.text())
def test_safe_name_is_always_one_plain_path_component(text: str) -> None:
    name = files.safe_name(text)
    assert name and len(name) <= 48
    assert "/" not in name and "\\" not in name and "\0" not in name
    assert not name.startswith(".")
    assert name.isascii()


def test_safe_name_keeps_readable_ids() -> None:
    assert files.safe_name("es-ES.basics_2") == "es-ES.basics_2"
    assert files.safe_name("../../etc/passwd") == "etc_passwd"
    assert files.safe_name("¿Qué tal?") == "Qu_tal"


def test_place_moves_and_unplace_puts_it_back(tmp_path: Path) -> None:
    source = write_take(tmp_path / "incoming")
    content = source.read_bytes()
    placement = files.place(source, tmp_path / "pack" / "a.wav", keep_source=False)
    assert placement.moved and not source.exists()
    assert placement.dest.read_bytes() == content
    assert files.unplace(placement) == source
    assert source.read_bytes() == content and not placement.dest.exists()


def test_place_with_keep_source_copies_and_unplace_removes_the_copy(tmp_path: Path) -> None:
    source = write_take(tmp_path / "mine")
    placement = files.place(source, tmp_path / "pack" / "a.wav", keep_source=True)
    assert not placement.moved and not placement.drop_source
    assert placement.dest.read_bytes() == source.read_bytes()
    files.finish(placement)
    assert source.exists()
    assert files.unplace(placement) == source
    assert not placement.dest.exists() and source.exists()


def test_place_never_overwrites(tmp_path: Path) -> None:
    source = write_take(tmp_path / "incoming")
    taken = write_take(tmp_path / "pack")
    before = taken.read_bytes()
    with pytest.raises(FileExistsError):
        files.place(source, taken, keep_source=False)
    assert taken.read_bytes() == before and source.exists()


def test_unique_path_counts_up(tmp_path: Path) -> None:
    (tmp_path / "a.wav").touch()
    (tmp_path / "a-1.wav").touch()
    assert files.unique_path(tmp_path / "a.wav") == tmp_path / "a-2.wav"
    assert files.unique_path(tmp_path / "b.wav") == tmp_path / "b.wav"
