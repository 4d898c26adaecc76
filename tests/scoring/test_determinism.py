"""Same inputs, same score: whatever the order, the process, --jobs, the block sizes or what was spoken before."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from tui.cli import cli
from tui.scoring import LiveScorer, compare, pack_cohort, prepare_reference
from tui.speech.tts import synthesize

TEXTS = ["good morning how are you", "the cat sat on the mat", "see you tomorrow at noon", "thank you very much"]


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("determinism")
    lines = ["id,attempt,text,lang"]
    for i, text in enumerate(TEXTS):
        said = synthesize(text, voice="en-gb", rate=140 + 10 * i)
        sf.write(folder / f"take{i}.wav", said.samples, said.samplerate)
        lines.append(f"right{i},take{i}.wav,{text},en-us")
        lines.append(f"wrong{i},take{i}.wav,{TEXTS[(i + 1) % len(TEXTS)]},en-us")
    (folder / "manifest.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder / "manifest.csv"


def _batch(manifest: Path, rows: list[str], jobs: int, out: Path) -> dict[str, str]:
    shuffled = manifest.with_name(f"{out.stem}.csv")
    shuffled.write_text("\n".join([manifest.read_text().splitlines()[0], *rows]) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["score", "--batch", str(shuffled), "--out", str(out), "--jobs", str(jobs)])
    assert result.exit_code == 0, result.output
    return {json.loads(line)["id"]: line for line in out.read_text().splitlines()}


def test_batch_rows_are_byte_identical_in_any_order_and_with_1_or_2_jobs(manifest: Path) -> None:
    rows = manifest.read_text().splitlines()[1:]
    in_order = _batch(manifest, rows, 1, manifest.with_name("a.jsonl"))
    reordered = rows[:]
    random.Random(3).shuffle(reordered)
    shuffled = _batch(manifest, reordered, 2, manifest.with_name("b.jsonl"))
    assert reordered != rows
    assert in_order == shuffled
    assert json.loads(in_order["right0"])["evidence"] == "Whisper and phone evidence (English)"


def test_live_blocks_and_a_file_give_the_same_score(tmp_path: Path) -> None:
    """The app's path (pack cohort, prepare_reference, LiveScorer fed recorder blocks) against the CLI's compare(file)."""
    refs = []
    for i, text in enumerate(TEXTS):
        speech = synthesize(text)
        sf.write(tmp_path / f"ref{i}.flac", speech.samples, speech.samplerate)
        refs.append(tmp_path / f"ref{i}.flac")
    cohort = pack_cohort(refs, lang="en-us")
    prepared = prepare_reference(refs[0], text=TEXTS[0], lang="en-us", cohort=cohort)
    take = synthesize(TEXTS[0], voice="en-gb", rate=150)
    samples48 = __import__("soxr").resample(take.samples, take.samplerate, 48000).astype(np.float32)
    sf.write(tmp_path / "take.wav", samples48, 48000, subtype="FLOAT")

    live = LiveScorer(prepared)
    rng = np.random.default_rng(0)
    start = 0
    while start < samples48.size:  # blocks of uneven size, as a recorder may deliver them
        size = int(rng.integers(256, 4096))
        live.feed(samples48[start : start + size, None], 48000)
        start += size
    from_blocks = live.finish()
    synthesize("something else entirely", lang="fr-FR")  # TTS state must not leak into the next reference
    again = prepare_reference(refs[0], text=TEXTS[0], lang="en-us", cohort=pack_cohort(refs, lang="en-us"))
    from_file = compare(again, tmp_path / "take.wav")
    assert from_blocks.to_json() == from_file.to_json()
    assert from_file.evidence == "Whisper and phone evidence (English)"
