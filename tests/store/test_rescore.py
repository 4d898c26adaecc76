"""`review --rescore`: stale attempts scored again by the real scorer, from stored references only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import soundfile as sf
from click.testing import CliRunner

from tests.store.helpers import make_score
from tui import paths
from tui.cli import cli
from tui.packs.loader import load_pack
from tui.scoring import SCORER_VERSION
from tui.speech.tts import synthesize
from tui.store import AttemptStore


def test_rescore_updates_stale_attempts_and_skips_what_it_cannot(
    store: AttemptStore, take: Callable[[], Path], tmp_path: Path
) -> None:
    phrase = load_pack(paths.DEMO_PACK).phrase("good-morning")
    spoken = synthesize("Good morning", lang="en-us", rate=150)
    store.incoming_dir.mkdir(parents=True)
    recording = store.incoming_dir / "good-morning.wav"
    sf.write(recording, spoken.samples, spoken.samplerate)
    gone_reference = tmp_path / "deleted-reference.flac"

    def keep(path: Path, reference: Path) -> int:
        return store.save_attempt(
            recording_path=path,
            pack_id="en-basics",
            pack_version="1",
            phrase_id=phrase.id,
            text=phrase.text,
            recorder="mic",
            duration=sf.info(path).duration,
            score=make_score(12.0, version="retired-0"),
            reference_audio=reference,
            words=phrase.words,
        ).id

    scorable = keep(recording, phrase.audio)
    orphaned = keep(take(), gone_reference)
    current = store.get(scorable)

    result = CliRunner().invoke(cli, ["--data-dir", str(store.data_dir), "review", "--rescore", "--json"])
    assert result.exit_code == 0, result.output
    assert "Re-scored 1 of 2 attempts." in result.stderr
    assert f"attempt {orphaned} was not re-scored: its reference {gone_reference} is missing" in result.stderr

    rescored = store.get(scorable)
    assert rescored.score.scorer_version == SCORER_VERSION != "retired-0"
    assert rescored.score != current.score
    assert [w.text for w in rescored.score.words] == [w.text for w in phrase.words]
    assert 0 <= rescored.score.overall <= 100
    assert store.get(orphaned).score == make_score(12.0, version="retired-0")
    assert [line for line in result.stdout.splitlines() if SCORER_VERSION in line]

    again = CliRunner().invoke(cli, ["--data-dir", str(store.data_dir), "review", "--rescore"])
    assert again.exit_code == 0
    assert "Re-scored 0 of 1 attempts." in again.stderr
    assert again.stdout == ""  # --rescore alone reports the re-scoring, not the table
