"""`review --rescore`: stale attempts scored again by the real scorer, with their text, language and pack cohort."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import soundfile as sf
from click.testing import CliRunner

from tests.store.helpers import make_score
from tui import paths
from tui.cli import cli
from tui.packs.loader import load_pack
from tui.packs.model import Phrase
from tui.scoring import SCORER_VERSION
from tui.speech.tts import synthesize
from tui.store import AttemptStore
from tui.store.rescore import rescore

PHONES = "Whisper and phone evidence (English)"
TEMPLATE = "template match"


@pytest.fixture
def good_morning(store: AttemptStore) -> tuple[Phrase, Callable[[], Path]]:
    """The demo pack's "Good morning" phrase and a maker of takes of it (another voice)."""
    phrase = load_pack(paths.DEMO_PACK).phrase("good-morning")
    spoken = synthesize("Good morning", lang="en-us", voice="en-gb", rate=150)
    store.incoming_dir.mkdir(parents=True, exist_ok=True)
    made = []

    def take() -> Path:
        path = store.incoming_dir / f"good-morning-{len(made)}.wav"
        sf.write(path, spoken.samples, spoken.samplerate)
        made.append(path)
        return path

    return phrase, take


def _keep(store: AttemptStore, phrase: Phrase, recording: Path, reference: Path, *, lang: str = "") -> int:
    return store.save_attempt(
        recording_path=recording,
        pack_id="en-basics",
        pack_version="1",
        phrase_id=phrase.id,
        text=phrase.text,
        recorder="mic",
        duration=sf.info(recording).duration,
        score=make_score(12.0, version="retired-0"),
        reference_audio=reference,
        words=phrase.words,
        lang=lang,
    ).id


def test_rescore_updates_stale_attempts_and_skips_what_it_cannot(
    store: AttemptStore, good_morning: tuple[Phrase, Callable[[], Path]], take: Callable[[], Path], tmp_path: Path
) -> None:
    phrase, said = good_morning
    gone_reference = tmp_path / "deleted-reference.flac"
    scorable = _keep(store, phrase, said(), phrase.audio, lang="en-US")
    orphaned = _keep(store, phrase, take(), gone_reference)
    current = store.get(scorable)
    assert current.lang == "en-US"

    result = CliRunner().invoke(cli, ["--data-dir", str(store.data_dir), "review", "--rescore", "--json"])
    assert result.exit_code == 0, result.output
    assert "Re-scored 1 of 2 attempts." in result.stderr
    assert f"attempt {orphaned} was not re-scored: its reference {gone_reference} is missing" in result.stderr

    rescored = store.get(scorable)
    assert rescored.score.scorer_version == SCORER_VERSION != "retired-0"
    assert rescored.score != current.score
    assert rescored.score.evidence == PHONES  # text and language came along: phone evidence again
    assert [w.text for w in rescored.score.words] == [w.text for w in phrase.words]
    assert rescored.score.overall >= 50
    assert store.get(orphaned).score == make_score(12.0, version="retired-0")
    assert [line for line in result.stdout.splitlines() if SCORER_VERSION in line]

    again = CliRunner().invoke(cli, ["--data-dir", str(store.data_dir), "review", "--rescore"])
    assert again.exit_code == 0
    assert "Re-scored 0 of 1 attempts." in again.stderr
    assert again.stdout == ""  # --rescore alone reports the re-scoring, not the table


def test_a_stored_language_gives_phone_evidence_without_the_pack(
    store: AttemptStore, good_morning: tuple[Phrase, Callable[[], Path]], tmp_path: Path
) -> None:
    phrase, said = good_morning
    loose = tmp_path / "elsewhere" / "good-morning.flac"  # the reference, copied away from its pack
    loose.parent.mkdir()
    shutil.copy(phrase.audio, loose)
    english = _keep(store, phrase, said(), loose, lang="en-US")
    unknown = _keep(store, phrase, said(), loose)

    report = rescore(store, [store.get(english), store.get(unknown)])

    assert report.rescored == (english, unknown) and report.skipped == ()
    assert store.get(english).score.evidence == PHONES
    assert store.get(unknown).score.evidence == TEMPLATE  # language unknown, no pack: as it was scored before


def test_the_pack_beside_the_reference_supplies_the_language_of_an_old_attempt(
    store: AttemptStore, good_morning: tuple[Phrase, Callable[[], Path]]
) -> None:
    phrase, said = good_morning
    old = _keep(store, phrase, said(), phrase.audio)  # saved before languages were kept
    assert store.get(old).lang == ""

    assert rescore(store, [store.get(old)]).rescored == (old,)

    assert store.get(old).score.evidence == PHONES
