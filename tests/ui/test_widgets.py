"""Widgets fed with plain numpy data and Score objects, mounted in a real Textual app."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest
from textual.app import App, ComposeResult
from textual.widgets import Digits, Static

from tui.audio.meter import LevelMeter as EngineMeter
from tui.scoring.score import Score, WordScore
from tui.speech.types import WordTiming
from tui.widgets.braille import BrailleCanvas, styled
from tui.widgets.level import LevelMeter
from tui.widgets.plots import PitchPlot, ScoreChart, warp_to_reference
from tui.widgets.recstate import rec_line
from tui.widgets.scorecard import ScoreCard, level_style, words_line
from tui.widgets.waveform import LiveWaveform, Waveform, envelope

SCORE = Score(
    overall=84.0, accuracy=88.0, fluency=71.0, intonation=55.0, completeness=100.0,
    words=(
        WordScore(text="good", score=91.0, ref_start=0.1, ref_end=0.4, att_start=0.2, att_end=0.5),
        WordScore(text="morning", score=47.0, ref_start=0.4, ref_end=0.9, att_start=0.5, att_end=1.1),
    ),
    issues=("“morning” sounded unlike the reference",),
    path=((0.0, 0.0), (0.5, 0.7), (1.0, 1.2)),
    scorer_version="test",
)


class Harness(App[None]):
    def __init__(self, *widgets: object) -> None:
        super().__init__()
        self._widgets = widgets

    def compose(self) -> ComposeResult:
        yield from self._widgets  # type: ignore[misc]


def test_braille_canvas_sets_the_right_dots() -> None:
    canvas = BrailleCanvas(2, 1)
    canvas.points(np.array([0, 3, 99]), np.array([0, 3, 0]))
    assert canvas.rows() == [chr(0x2800 + 0x01) + chr(0x2800 + 0x80)]
    canvas.vline(1, 0, 3, layer=2)
    assert canvas.rows()[0][0] == chr(0x2800 + (0x01 | 0x08 | 0x10 | 0x20 | 0x80))  # dot 1 + the whole right column
    assert canvas.layers().tolist() == [[2, 1]]


def test_envelope_takes_peak_magnitude_per_slice() -> None:
    samples = np.array([0.1, -0.5, 0.2, 0.0, -0.9, 0.3], dtype=np.float32)
    assert envelope(samples, 3).tolist() == pytest.approx([0.5, 0.2, 0.9])
    assert envelope(np.zeros(0, dtype=np.float32), 4).tolist() == [0.0] * 4


def test_warp_maps_attempt_time_onto_reference_time() -> None:
    assert warp_to_reference(np.array([0.7, 1.2]), SCORE.path).tolist() == pytest.approx([0.5, 1.0])
    assert warp_to_reference(np.array([0.3]), ()).tolist() == [0.3]


def test_words_are_coloured_in_three_levels() -> None:
    assert [level_style(s) for s in (95, 70, 20)] == ["green", "yellow", "red"]
    line = words_line(SCORE, selected=1)
    assert line.plain.startswith("good 91   morning 47")
    assert any("red" in str(span.style) and "reverse" in str(span.style) for span in line.spans)


async def test_meter_draws_the_engine_level_at_a_fixed_width_and_clears_when_stopped() -> None:
    meter = LevelMeter()
    engine = EngineMeter(48000)
    async with Harness(meter).run_test(size=(100, 3)) as pilot:
        meter.show(engine.feed(-6.0, -20.0, False, 0.1))
        await pilot.pause()
        bar = str(meter.render()).splitlines()[0]
        assert "peak   -6.0" in bar
        for _ in range(40):  # 4 s of silence: the warning shows, the bar keeps its size, the peak falls away
            level = engine.feed(-120.0, -120.0, False, 0.1)
        meter.show(level)
        lines = str(meter.render()).splitlines()
        assert "can't hear you" in lines[1] and len(lines[0]) == len(bar)
        assert "peak   <-60" in lines[0] and "│" not in lines[0], "the held peak fell below the bar with its figure"
        meter.show(engine.feed(0.0, -1.0, True, 0.1))
        assert meter.warning.startswith("CLIP")
        meter.show(None)
        assert meter.warning == "" and "can't hear you" not in str(meter.render())


async def test_waveform_marks_words_and_selects_on_click() -> None:
    waveform = Waveform("reference")
    samples = np.sin(np.linspace(0, 400, 16000)).astype(np.float32)
    async with Harness(waveform).run_test(size=(40, 5)) as pilot:
        waveform.set_audio(samples, 16000, [WordTiming("one", 0.0, 0.4), WordTiming("two", 0.5, 1.0)])
        await pilot.pause()
        assert waveform.word_at(0.7) == 1 and waveform.word_at(0.45) is None
        await pilot.click(Waveform, offset=(35, 1))
        assert waveform.selected == 1
        assert "one" in str(waveform.render()).splitlines()[-1]


async def test_live_waveform_scrolls_with_chunks() -> None:
    live = LiveWaveform()
    async with Harness(live).run_test(size=(10, 3)):
        for _ in range(30):
            live.add_chunk(np.full(1024, 0.5, dtype=np.float32))
        assert len(live._peaks) == 60
        assert str(live.render()).count("⣿") >= 10


async def test_score_card_shows_overall_bars_words_and_findings() -> None:
    card = ScoreCard()
    async with Harness(card).run_test(size=(90, 24)) as pilot:
        assert card.has_class("-empty")
        contour = (np.linspace(0, 1, 50), np.full(50, 180.0))
        card.show(SCORE, reference_pitch=contour, attempt_pitch=(np.linspace(0, 1.2, 50), np.full(50, 200.0)))
        await pilot.pause()
        assert not card.has_class("-empty")
        assert card.query_one("#overall", Digits).value == "84"
        bars = str(card.query_one("#bars").render())
        assert "intonation" in bars and " 55" in bars
        assert "morning" in str(card.query_one("#findings", Static).render())
        assert card.query_one(PitchPlot).attempt is not None


async def test_score_card_survives_odd_scores() -> None:
    odd = Score(overall=float("nan"), accuracy=float("inf"), fluency=-40.0, intonation=250.0, completeness=float("-inf"),
                words=(WordScore(text="[bold]x\x1b[2J", score=float("nan"), ref_start=0.0, ref_end=0.1),),
                issues=("[red]not markup[/red]",), path=((float("nan"), 0.0), (1.0, float("inf"))), scorer_version="odd")
    card = ScoreCard()
    async with Harness(card).run_test(size=(90, 24)) as pilot:
        card.show(odd, reference_pitch=(np.array([0.0, np.nan]), np.array([np.inf, 100.0])), attempt_pitch=(np.zeros(0), np.zeros(0)))
        await pilot.pause()
        assert card.query_one("#overall", Digits).value == "--"
        bars = str(card.query_one("#bars").render())
        assert " —" in bars and "100" in bars and "  0" in bars  # inf → —, 250 → 100, -40 → 0
        words = str(card.query_one("#words", Static).render())
        assert "[bold]x\\x1b[2J" in words, "phrase text is shown literally, escapes escaped"
        assert "[red]not markup[/red]" in str(card.query_one("#findings", Static).render())


async def test_score_chart_plots_points() -> None:
    chart = ScoreChart()
    start = datetime(2026, 1, 1, 12, 0)
    async with Harness(chart).run_test(size=(40, 8)):
        chart.set_points([(start + timedelta(days=i), s) for i, s in enumerate((20, 60, 95))], "— hello")
        text = str(chart.render())
        assert "3 attempts" in text and "100" in text


def test_styled_merges_runs_of_equal_style() -> None:
    text = styled("abcd", ["red", "red", "blue", "red"])
    assert text.plain == "abcd"
    assert [(span.start, span.end, span.style) for span in text.spans] == [(0, 2, "red"), (2, 3, "blue"), (3, 4, "red")]


def test_polyline_joins_distant_points() -> None:
    canvas = BrailleCanvas(5, 1)
    canvas.polyline(np.array([0.0, 9.0]), np.array([0.0, 3.0]))
    assert all(char != chr(0x2800) for char in canvas.rows()[0])


def test_the_status_line_says_what_happens_now() -> None:
    import numpy as np

    from tui.config import AppConfig
    from tui.practice.playback import NowPlaying, Play

    config = AppConfig(auto_stop=True, shadowing=False)
    slow = Play("reference", np.zeros(16000, np.float32), 16000, speed=0.75)
    assert "preparing slow playback" in rec_line(None, NowPlaying(slow, None), config).plain
    assert "playing the reference at 0.75×" in rec_line(None, NowPlaying(slow, 0.3), config).plain
    assert rec_line(None, None, config).plain.startswith("○ ready") and "auto-stop on (t)" in rec_line(None, None, config).plain
