"""The `pronounce pack ...` subcommands: output, JSON shape and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.packs.conftest import VALID_TOML, WritePack
from tui import paths
from tui.cli import cli

BUNDLED = ["en-basics", "es-basics", "fr-basics", "de-basics", "it-basics", "pt-br-basics"]


def _run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("pack_id", BUNDLED)
def test_bundled_packs_validate_clean(pack_id: str) -> None:
    code, out, _ = _run("pack", "validate", str(paths.LESSONS_DIR / pack_id))
    assert code == 0 and out.strip().endswith("valid (0 warnings)")


@pytest.mark.parametrize("pack_id", BUNDLED)
def test_bundled_packs_have_26_timed_phrases_with_translations_and_notes(pack_id: str) -> None:
    code, out, _ = _run("pack", "show", "--json", str(paths.LESSONS_DIR / pack_id))
    shown = json.loads(out)
    assert code == 0 and shown["id"] == pack_id and len(shown["phrases"]) == 26
    for phrase in shown["phrases"]:
        assert phrase["translation"] and phrase["notes"] and 0.3 < phrase["duration"] < 6
        assert len(phrase["words"]) >= 1 and phrase["words"][-1]["end"] <= phrase["duration"]


def test_bundled_packs_are_small() -> None:
    size = sum(f.stat().st_size for f in paths.LESSONS_DIR.rglob("*") if f.is_file())
    assert size < 3 * 1024 * 1024


def test_validate_lists_problems_and_exits_2(write_pack: WritePack) -> None:
    root = write_pack(VALID_TOML.replace('"audio/bye.flac"', '"../bye.flac"') + "\n[extra]\n")
    code, out, err = _run("pack", "validate", str(root))
    assert code == 2
    lines = out.splitlines()
    assert lines[0].startswith("pack.toml:19: error: phrase[2].audio: audio path '../bye.flac' contains '..'")
    assert lines[1].startswith("pack.toml:21: warning: extra: unknown key 'extra'")
    assert err == f"pronounce: error: {root} is not a valid pack (1 error) — fix the errors listed above\n"


def test_warnings_alone_exit_0(write_pack: WritePack) -> None:
    root = write_pack(VALID_TOML + "\n[extra]\n")
    code, out, _ = _run("pack", "validate", str(root))
    assert code == 0 and "warning: extra" in out and out.strip().endswith("valid (1 warning)")


def test_show_json_has_the_agreed_shape(write_pack: WritePack) -> None:
    root = write_pack()
    code, out, _ = _run("pack", "show", str(root), "--json")
    shown = json.loads(out)
    assert code == 0
    assert {"id", "title", "language", "phrases"} <= set(shown)
    hello = shown["phrases"][0]
    assert {"id", "text", "translation", "audio", "duration", "words"} <= set(hello)
    assert Path(hello["audio"]).is_absolute() and hello["duration"] == 1.0
    assert hello["words"] == [{"text": "hello", "start": 0.1, "end": 0.4}, {"text": "world", "start": 0.5, "end": 0.9}]


def test_show_text_lists_phrases(write_pack: WritePack) -> None:
    code, out, _ = _run("pack", "show", str(write_pack()))
    assert code == 0 and "Test pack  (test-pack, en-US, version 1)" in out
    assert "  2. goodbye   [bye, 0.6 s, 0 words timed]\n     = adiós" in out


def test_show_of_a_broken_pack_is_one_error_line(write_pack: WritePack) -> None:
    root = write_pack(VALID_TOML.replace('title = "Test pack"\n', ""))
    code, out, err = _run("pack", "show", str(root))
    assert code == 2 and out == ""
    assert err.startswith("pronounce: error: ") and "required field 'title' is missing" in err and err.count("\n") == 1


def test_new_add_export_import_from_the_command_line(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    assert _run("pack", "new", str(folder), "--lang", "es-ES", "--title", "Mío")[0] == 0
    code, out, _ = _run("pack", "add", str(folder), "Buenas tardes", "--translation", "Good afternoon")
    assert code == 0 and out == f"Added 'buenas-tardes' (2 words timed) to {folder}\n"
    code, out, _ = _run("pack", "add", str(folder), "Gracias", "--tts", "--voice", "es")
    assert code == 0
    assert _run("pack", "export", str(folder), str(tmp_path / "mine.zip"))[0] == 0
    code, out, _ = _run("pack", "import", str(tmp_path / "mine.zip"), "--to", str(tmp_path / "copy"))
    assert code == 0 and out == f"Imported {tmp_path / 'mine.zip'} into {tmp_path / 'copy'}\n"
    shown = json.loads(_run("pack", "show", "--json", str(tmp_path / "copy"))[1])
    assert [p["text"] for p in shown["phrases"]] == ["Buenas tardes", "Gracias"]


def test_csv_import_from_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "list.csv").write_text("Merci,Thanks\n", encoding="utf-8")
    code, _, _ = _run("pack", "import", str(tmp_path / "list.csv"), "--lang", "fr-FR")
    assert code == 0
    shown = json.loads(_run("pack", "show", "--json", str(tmp_path / "list"))[1])
    assert shown["language"] == "fr-FR" and shown["phrases"][0]["words"][0]["text"] == "Merci"


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        (["--tts", "--record"], "--audio, --tts and --record exclude each other"),
        (["--record", "--voice", "es"], "--voice only applies to --tts"),
        (["--voice", "xx-nope"], "espeak-ng has no voice for language 'xx-nope'"),
    ],
)
def test_add_refuses_bad_options(tmp_path: Path, extra: list[str], match: str) -> None:
    folder = tmp_path / "p"
    _run("pack", "new", str(folder), "--lang", "en-US", "--title", "t")
    code, _, err = _run("pack", "add", str(folder), "hello", *extra)
    assert code == 2 and match in err
    assert "[[phrase]]" not in (folder / "pack.toml").read_text()


def test_a_taken_id_is_told_and_a_repeated_text_refused(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    _run("pack", "new", str(folder), "--lang", "fr-FR", "--title", "t")
    assert _run("pack", "add", str(folder), "Où est la gare ?")[0] == 0
    code, out, err = _run("pack", "add", str(folder), "Où est la gare !")
    assert code == 0 and out.startswith("Added 'ou-est-la-gare-2'")
    assert err == "pronounce: note: the id 'ou-est-la-gare' is taken in this pack, so this phrase is 'ou-est-la-gare-2'\n"
    code, out, err = _run("pack", "add", str(folder), "où est la  gare ?", "--record")
    assert code == 2 and out == "" and "already has the phrase 'Où est la gare ?' (id 'ou-est-la-gare')" in err
