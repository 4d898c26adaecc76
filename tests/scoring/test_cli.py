"""`pronounce score`: one pair, and --batch over a manifest with good and bad rows."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from tui.cli import cli
from tui.scoring.batch import SCORE_FIELDS
from tui.speech.tts import Synthesis


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory, reference_speech: Synthesis) -> Path:
    folder = tmp_path_factory.mktemp("pairs")
    sf.write(folder / "ref.wav", reference_speech.samples, reference_speech.samplerate)
    stereo = np.stack([reference_speech.samples] * 2, axis=1)
    sf.write(folder / "attempt.flac", stereo, reference_speech.samplerate)
    (folder / "broken.wav").write_text("nope")
    return folder


def test_score_prints_a_card(files: Path) -> None:
    result = CliRunner().invoke(cli, ["score", str(files / "ref.wav"), str(files / "attempt.flac")])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("overall")
    assert "fluency" in result.output and "scorer whisper-ctc" in result.output


def test_score_json(files: Path) -> None:
    result = CliRunner().invoke(cli, ["score", "--json", str(files / "ref.wav"), str(files / "attempt.flac")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["overall"] >= 97


def test_score_of_an_unreadable_file_exits_2(files: Path) -> None:
    result = CliRunner().invoke(cli, ["score", str(files / "ref.wav"), str(files / "broken.wav")])
    assert result.exit_code == 2
    assert "cannot read audio file" in result.output


def _manifest(folder: Path, lines: list[str]) -> Path:
    path = folder / "manifest.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_batch_with_a_bad_row_writes_every_row_and_exits_1(files: Path) -> None:
    manifest = _manifest(
        files,
        [
            "id,attempt,reference,text",
            "a,attempt.flac,ref.wav,",
            "b,broken.wav,ref.wav,",
            "c,attempt.flac,,the quick brown fox jumps over the lazy dog",
        ],
    )
    out = files / "out" / "scores.jsonl"
    result = CliRunner().invoke(cli, ["score", "--batch", str(manifest), "--out", str(out), "--jobs", "2"])
    assert result.exit_code == 1, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert set(SCORE_FIELDS) <= set(rows[0])
    assert rows[0]["error"] is None and rows[0]["overall"] >= 97
    assert "cannot read audio file" in rows[1]["error"] and rows[1]["overall"] is None
    assert rows[2]["error"] is None and len(rows[2]["words"]) == 9
    assert "2 scored, 1 failed" in result.output


def test_batch_all_good_exits_0(files: Path) -> None:
    manifest = _manifest(files, ["id,attempt,reference", "a,attempt.flac,ref.wav"])
    out = files / "good.jsonl"
    result = CliRunner().invoke(cli, ["score", "--batch", str(manifest), "--out", str(out), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert len(out.read_text().splitlines()) == 1


def test_batch_manifest_without_columns_exits_2(files: Path) -> None:
    manifest = _manifest(files, ["name,audio", "a,attempt.flac"])
    result = CliRunner().invoke(cli, ["score", "--batch", str(manifest), "--out", str(files / "x.jsonl")])
    assert result.exit_code == 2
    assert "lacks column(s): attempt, id" in result.output


def test_batch_without_out_is_a_usage_error(files: Path) -> None:
    manifest = _manifest(files, ["id,attempt,reference", "a,attempt.flac,ref.wav"])
    result = CliRunner().invoke(cli, ["score", "--batch", str(manifest)])
    assert result.exit_code == 2
    assert "needs --out" in result.output


def test_score_text_synthesizes_the_reference_and_uses_english_evidence(files: Path) -> None:
    result = CliRunner().invoke(cli, ["score", "--json", "--text", "the quick brown fox jumps over the lazy dog",
                                      str(files / "attempt.flac")])
    assert result.exit_code == 0, result.output
    score = json.loads(result.output)
    assert score["evidence"] == "Whisper and phone evidence (English)"
    assert [w["text"] for w in score["words"]][:3] == ["the", "quick", "brown"]
    assert score["overall"] >= 90 and score["completeness"] == 100


def test_score_text_with_a_reference_file_scores_against_that_file(files: Path) -> None:
    with_file = CliRunner().invoke(cli, ["score", "--json", "--text", "the quick brown fox jumps over the lazy dog",
                                         str(files / "ref.wav"), str(files / "attempt.flac")])
    assert with_file.exit_code == 0, with_file.output
    assert json.loads(with_file.output)["evidence"] == "Whisper and phone evidence (English)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lang", "fr"], "--lang goes with --text"),
        (["--text", "  "], "the phrase text is empty"),
        (["--text", "hello", "--batch", "m.csv", "--out", "o.jsonl"], "--batch takes no"),
    ],
)
def test_score_text_usage_errors_are_one_line_and_exit_2(files: Path, args: list[str], message: str) -> None:
    if "--batch" in args:
        args = [*args[:3], str(files / "ref.wav"), *args[4:]]
    result = CliRunner().invoke(cli, ["score", *args, str(files / "attempt.flac")])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_score_text_in_an_unknown_language_exits_2(files: Path) -> None:
    result = CliRunner().invoke(cli, ["score", "--text", "hola", "--lang", "xx-nowhere", str(files / "attempt.flac")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
