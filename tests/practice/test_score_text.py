"""`pronounce score --text` gives the Score the app gives that phrase outside a pack (a pack of that phrase alone)."""

from __future__ import annotations

import json
from pathlib import Path

import soundfile as sf
from click.testing import CliRunner

from tui.audio.files import load_audio
from tui.cli import cli
from tui.packs.loader import load_pack
from tui.practice import phrase_scoring
from tui.speech.tts import synthesize

TEXT = "Good morning, how are you?"


def test_score_text_equals_the_apps_score_for_the_phrase(tmp_path: Path) -> None:
    runner = CliRunner()
    pack_dir = tmp_path / "alone"
    assert runner.invoke(cli, ["pack", "new", str(pack_dir), "--lang", "en-US", "--title", "Alone"]).exit_code == 0
    added = runner.invoke(cli, ["pack", "add", str(pack_dir), TEXT])
    assert added.exit_code == 0, added.output
    take = tmp_path / "take.wav"
    speech = synthesize(TEXT, lang="en-us", voice="en-gb", rate=150)
    sf.write(take, speech.samples, speech.samplerate, subtype="PCM_16")

    pack = load_pack(pack_dir)
    reference = phrase_scoring.ready(pack, pack.phrases[0])
    samples, samplerate = load_audio(take)
    app = phrase_scoring.score(reference, samples, samplerate).score
    assert app is not None

    cli_score = runner.invoke(cli, ["score", "--json", "--text", TEXT, str(take)])
    assert cli_score.exit_code == 0, cli_score.output
    assert json.loads(cli_score.output) == json.loads(app.to_json())
    assert app.evidence == "Whisper and phone evidence (English)" and app.overall >= 80
