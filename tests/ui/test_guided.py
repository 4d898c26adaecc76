"""A guided session that fits the screen and tells the truth (issue 19): the queue, the goal, progress, layout, state."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import soundfile as sf
from textual.containers import VerticalScroll
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList

from tests.ui.conftest import played, reference_ready, row_text, save_attempts, until
from tui.app import PronounceApp
from tui.config import AppConfig, config_path, load_config, save_config
from tui.practice.progress import progress_before_start
from tui.screens.author import AuthorScreen
from tui.screens.help import HelpScreen, key_rows
from tui.screens.practice import PracticeScreen
from tui.screens.progress import ProgressScreen
from tui.screens.review import ReviewScreen
from tui.widgets.phrases import PhraseList
from tui.widgets.recorder import RecorderPanel
from tui.widgets.scorecard import ScoreCard
from tui.widgets.status import StatusBar

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def status_text(pilot: Pilot[None]) -> str:
    return str(pilot.app.screen.query_one(StatusBar).render())


async def progress_shown(pilot: Pilot[None]) -> PracticeScreen:
    screen = await reference_ready(pilot)
    await until(pilot, lambda: pilot.app.session.progress is not None)  # type: ignore[attr-defined]
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    return screen


async def test_the_first_frame_shows_scores_and_due_markers_read_before_the_app_started(pack_dir: Path, data_dir: Path) -> None:
    from tui.packs.loader import load_pack

    save_attempts(data_dir, pack_dir)  # hello: 42, 67, 88 in March, due again since
    pack = load_pack(pack_dir)
    app = PronounceApp(pack, data_dir=data_dir, progress=progress_before_start(pack, data_dir))  # as `pronounce practice` does
    async with app.run_test(size=(120, 40)) as pilot:
        first = row_text(app.screen.query_one(PhraseList), 0)  # before any worker ran
        assert "●" in first and "88" in first and "new" not in first
        assert "new" in row_text(app.screen.query_one(PhraseList), 1)
        assert "1 due today" in status_text(pilot)


async def test_without_known_progress_the_list_shows_no_badge_rather_than_new(app: PronounceApp, pack_dir: Path, data_dir: Path) -> None:
    save_attempts(data_dir, pack_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.screen.query_one(PhraseList).option_count == 3)
        if app.session.progress is None:
            assert "new" not in row_text(app.screen.query_one(PhraseList), 0)
        await progress_shown(pilot)
        assert "88" in row_text(app.screen.query_one(PhraseList), 0)


async def test_n_goes_to_the_most_urgent_phrase_and_o_orders_the_list_by_the_queue(app: PronounceApp, pack_dir: Path, data_dir: Path) -> None:
    save_attempts(data_dir, pack_dir, phrase_id="weather", text="It is raining in the mountains", first=datetime(2026, 3, 1, tzinfo=UTC))
    app.session.clock = lambda: NOW
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await progress_shown(pilot)
        assert screen.phrase is not None and screen.phrase.id == "hello"
        assert "1 due today · goal 0/10" in status_text(pilot)
        await pilot.press("n")
        assert screen.phrase.id == "weather", "the due phrase comes first"
        await pilot.press("n")
        assert screen.phrase.id == "hello", "then the first new one"
        await pilot.press("o")
        assert [row.id for row in screen.query_one(PhraseList).rows] == ["weather", "hello", "numbers"]
        assert screen.phrase.id == "hello", "reordering keeps the current phrase"
        assert load_config(config_path(data_dir)).order == "due", "the order is saved"
        await pilot.press("o")
        assert [row.id for row in screen.query_one(PhraseList).rows] == ["hello", "numbers", "weather"]


async def test_progress_lists_every_phrase_plots_the_days_and_enter_practises_one(app: PronounceApp, pack_dir: Path, data_dir: Path) -> None:
    save_attempts(data_dir, pack_dir, first=datetime(2026, 6, 1, 9, tzinfo=UTC))
    app.session.clock = lambda: NOW
    async with app.run_test(size=(120, 40)) as pilot:
        await progress_shown(pilot)
        await pilot.press("g")
        await until(pilot, lambda: isinstance(app.screen, ProgressScreen))
        screen = app.screen
        table = screen.query_one(DataTable)
        await until(pilot, lambda: table.row_count == 3)
        hello = [str(cell) for cell in table.get_row("hello")]
        assert hello[:4] == ["Good morning, how are you today?", "3", "88", "88"]
        assert [str(cell) for cell in table.get_row("numbers")][1:] == ["0", "—", "—", "new"]
        summary = str(screen.query_one("#summary").render())
        assert "practised on 3 days of the last 28, 3 takes in all" in summary
        plot = str(screen.query_one("#progress-plot").render())
        assert "today" in plot and "mean score" in plot
        table.move_cursor(row=2)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, PracticeScreen))
        assert app.screen.phrase is not None and app.screen.phrase.id == "weather"  # type: ignore[attr-defined]


async def test_the_help_fits_without_cutting_or_scrolling(pack_dir: Path, data_dir: Path) -> None:
    for size in ((120, 40), (80, 24)):
        app = PronounceApp(pack_dir, data_dir=data_dir)
        async with app.run_test(size=size) as pilot:
            screen = await reference_ready(pilot)
            await pilot.press("question_mark")
            await until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
            box = app.screen.query_one(VerticalScroll)
            await pilot.pause()
            assert box.max_scroll_x == 0 and box.max_scroll_y == 0, f"the keys scroll at {size}"
            assert box.region.right <= size[0] and box.region.bottom <= size[1]
            lines = [strip.text for strip in app.screen.query_one("Static").render_lines(box.content_region.reset_offset)]
            shown = set(" ".join(lines).split())
            for _, what in key_rows(screen):  # wrapped maybe, never cut
                assert set(what.split()) <= shown, f"{what!r} is cut at {size}"


async def test_at_80x24_the_card_and_the_phrase_fit_after_a_take_and_the_rec_line_is_never_cut(
    pack_dir: Path, data_dir: Path
) -> None:
    app = PronounceApp(pack_dir, data_dir=data_dir, input_file=pack_dir / "hello.wav")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await reference_ready(pilot)
        await until(pilot, lambda: screen.reference is not None and screen.reference.prepared is not None, timeout=60)
        await pilot.press("space")
        panel = screen.query_one(RecorderPanel)
        await until(pilot, lambda: "REC" in panel.line.plain)
        await pilot.pause(2.5)  # the input file plays in real time
        assert "space stops" in panel.line.plain and len(panel.line.plain) <= panel.content_size.width
        await pilot.press("space")
        card = screen.query_one(ScoreCard)
        await until(pilot, lambda: card.score is not None, timeout=60)
        await pilot.pause()
        for part in ("#phrase-text", "#words", "#findings"):
            region = screen.query_one(part).region
            assert region.height and region.bottom <= 24 - 2, f"{part} is off the screen: {region}"
        assert screen.query_one("#phrase-text").region.y >= 1
        assert len(str(screen.query_one(StatusBar).render())) <= 80 - 2


async def test_status_card_and_a_agree_after_a_saved_take_then_a_silent_one(pack_dir: Path, data_dir: Path, tmp_path: Path) -> None:
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(16000 * 3, dtype=np.float32), 16000)
    app = PronounceApp(pack_dir, data_dir=data_dir, input_file=pack_dir / "hello.wav")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await reference_ready(pilot)
        await until(pilot, lambda: screen.reference is not None and screen.reference.prepared is not None, timeout=60)
        card = screen.query_one(ScoreCard)
        for _ in range(2):
            await pilot.press("space")
            await until(pilot, lambda: app.session.take is not None and app.session.take.recorder != "")
            await pilot.pause(1.5)
            await pilot.press("space")
            await until(pilot, lambda: app.session.take is not None and not app.session.take.state.busy, timeout=60)
            await app.workers.wait_for_complete()
            await pilot.pause()
            app.session.input_file = silent
        assert card.score is None and "not kept" in str(card.query_one("#hint").render())
        assert "take not saved" in status_text(pilot) and "saved attempt" not in status_text(pilot)
        heard = played(app)
        await pilot.press("a")
        assert heard == ["attempt"]
        assert screen.shown is not None and screen.shown.attempt_id is None, "a plays the take just heard, not an older one"


async def test_deleting_in_review_keeps_the_cursor_on_the_neighbour_and_names_phrases_by_text(
    app: PronounceApp, pack_dir: Path, data_dir: Path
) -> None:
    save_attempts(data_dir, pack_dir, (50.0, 60.0, 70.0, 80.0))
    async with app.run_test(size=(120, 40)) as pilot:
        await reference_ready(pilot)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, ReviewScreen) and len(app.screen.attempts) == 4)
        table = app.screen.query_one("#attempts", DataTable)
        assert str(table.get_row_at(0)[3]) == "Good morning"
        table.move_cursor(row=2)
        await pilot.press("delete")
        await pilot.press("y")
        await until(pilot, lambda: len(app.screen.attempts) == 3)  # type: ignore[attr-defined]
        await pilot.pause()
        assert table.cursor_row == 2, "the cursor stays where the deleted row was"
        assert [a.score.overall for a in app.screen.attempts] == [80.0, 70.0, 50.0]  # type: ignore[attr-defined]


async def test_author_focuses_the_first_field_highlights_a_row_and_words_problems_for_the_screen(
    app: PronounceApp, pack_dir: Path, tmp_path: Path
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await reference_ready(pilot)
        await app.push_screen(AuthorScreen(app.session, None))
        await pilot.pause()
        assert isinstance(app.screen.focused, Input) and app.screen.focused.id == "folder"
        await pilot.press(*str(tmp_path / "fresh"))
        assert app.screen.query_one("#folder", Input).value == str(tmp_path / "fresh"), "typing works at once"
        await app.pop_screen()
        await app.push_screen(AuthorScreen(app.session, pack_dir))
        phrases = app.screen.query_one("#pack-phrases", OptionList)
        await until(pilot, lambda: phrases.option_count == 3)
        assert phrases.highlighted == 0 and app.screen.focused is app.screen.query_one("#text")
        empty = tmp_path / "empty"
        empty.mkdir()
        await app.pop_screen()
        await app.push_screen(AuthorScreen(app.session, empty))
        problems = app.screen.query_one("#problems", OptionList)
        await until(pilot, lambda: problems.option_count > 0)
        assert "no pack yet" in str(problems.get_option_at_index(0).prompt)
        shown = str(problems.get_option_at_index(0).prompt)
        assert "pronounce pack" not in shown and "pack.toml" not in shown and "ctrl+o" in shown


def test_the_daily_goal_and_the_order_are_settings_checked_on_load(tmp_path: Path) -> None:
    save_config(AppConfig(daily_goal=25, order="due"), tmp_path / "config.toml")
    assert load_config(tmp_path / "config.toml").daily_goal == 25
    (tmp_path / "bad.toml").write_text('daily_goal = 0\norder = "random"\n', encoding="utf-8")
    try:
        load_config(tmp_path / "bad.toml")
    except Exception as exc:  # ConfigError: both named, the defaults used meanwhile
        assert "daily_goal" in str(exc) and "order" in str(exc)
        assert exc.usable == AppConfig()  # type: ignore[attr-defined]
    else:
        raise AssertionError("a goal of 0 and an unknown order were accepted")
