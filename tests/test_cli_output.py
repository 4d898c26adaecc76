"""What the CLI prints from untrusted sources: escapes, cut-short values, JSON without raw controls, safe outputs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tui.cli.output import OutputError, output_file, refuse_overlap, safe_json, shown
from tui.text import brief, printable

HOSTILE = "a\x1b]0;owned\x07\u202eb\x9b31m\x7f" + os.fsdecode(b"\xe9")


def test_printable_escapes_undecodable_file_name_bytes() -> None:
    assert printable(os.fsdecode(b"caf\xe9.wav")) == "caf\\udce9.wav"


def test_shown_is_one_line_and_encodable() -> None:
    text = shown(HOSTILE + "\nnext")
    assert text == "a\\x1b]0;owned\\x07\\u202eb\\x9b31m\\x7f\\udce9\\x0anext"
    text.encode("utf-8")


def test_brief_cuts_long_values_and_escapes() -> None:
    assert brief("\x1b[2J") == "'\\x1b[2J'"
    assert len(brief(list(range(100_000)))) == 60 and brief(list(range(100_000))).endswith("…")


def test_safe_json_keeps_the_data_and_escapes_what_a_terminal_acts_on() -> None:
    data = {"title": HOSTILE, "list": ["\u2028", "ok é"]}
    text = safe_json(json.dumps(data, ensure_ascii=False))
    assert not any(0x7F <= ord(c) < 0xA0 or c in "\u202e\u2028" or 0xD800 <= ord(c) < 0xE000 for c in text)
    assert "ok é" in text
    assert json.loads(text) == data


def test_an_output_that_is_an_input_or_inside_one_is_refused(tmp_path: Path) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text("x")
    folder = tmp_path / "pack"
    folder.mkdir()
    for out in (manifest, tmp_path / "." / "m.csv", folder / "x.zip"):
        with pytest.raises(OutputError, match="nothing was written"):
            refuse_overlap(out, [manifest, folder])
    (tmp_path / "hard-link.csv").hardlink_to(manifest)
    with pytest.raises(OutputError, match="is the input"):
        refuse_overlap(tmp_path / "hard-link.csv", [manifest])
    refuse_overlap(tmp_path / "elsewhere.csv", [manifest, folder])


def test_a_failed_output_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    out = tmp_path / "scores.jsonl"
    out.write_text("old\n")
    with pytest.raises(RuntimeError), output_file(out) as staged:
        staged.write_text("half")
        raise RuntimeError("scoring failed")
    assert out.read_text() == "old\n" and sorted(p.name for p in tmp_path.iterdir()) == ["scores.jsonl"]
    with output_file(out) as staged:
        staged.write_text("new\n")
    assert out.read_text() == "new\n" and oct(out.stat().st_mode & 0o777) == "0o644"


def test_a_device_is_written_directly_and_its_errors_are_one_message() -> None:
    with pytest.raises(OutputError, match="cannot write /dev/full: No space left on device"), \
            output_file(Path("/dev/full")) as target, open(target, "w") as stream:
        stream.write("x")
