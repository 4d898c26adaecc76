"""The whole teacher ↔ learner loop, with every real part: a class server process, the learner's app on the private
sound server (Pilot), and the teacher in headless Chromium (Playwright driving Debian's chromium).

The teacher sets work in the browser → the learner's app pulls the pack and puts the assigned phrase first, with
its due day and target → the learner says it into the microphone → the take is uploaded and the app shows the work
done → the teacher answers the take in the browser (a comment with markup in it, a marked word, a recording made
with MediaRecorder) → the learner's app says "1 new comment from your teacher", and Review shows the comment as
text, the marked word, and plays the teacher's recording.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright, expect

from tests.server import conftest as server_fixtures
from tests.server.conftest import CHROMIUM, FLAGS, Classroom, need_chromium
from tests.ui.conftest import notes, played, reference_ready, until
from tests.ui.test_practice import say
from tui.app import PronounceApp
from tui.audio.soundserver import SoundServer
from tui.client import inbox as inbox_fetch
from tui.client.inbox import assigned_pack_dir
from tui.client.login import Login, save_login
from tui.config import AppConfig, config_path, save_config
from tui.paths import DEMO_PACK
from tui.screens.review import ReviewScreen
from tui.widgets.phrases import PhraseList, PhraseRow
from tui.widgets.status import StatusBar
from tui.widgets.teacher import AssignmentsBox, TeacherNotePanel

room = server_fixtures.room
"""A running class server for this module (the server tests' fixture)."""

PHRASE, PHRASE_ID = "Good evening.", "good-evening"
COMMENT = 'Good! <b>Stress</b> "eve" <script>alert(1)</script> [red]as text[/red]'
MEDIA_FLAGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


async def _sign_in(page: Page, room: Classroom) -> None:
    await page.goto(f"{room.server.url}/")
    await page.fill("#token", room.teacher)
    await page.click("button[type=submit]")


async def _assign(page: Page, room: Classroom, due: date) -> None:
    """The teacher sets one phrase of the published pack for the whole class, target 50."""
    await page.goto(f"{room.server.url}/classes/1/assignments")
    await page.locator("#assignment-form label", has_text=PHRASE).locator("input").check()
    await page.fill("input[name=due]", due.isoformat())
    await page.fill("input[name=target]", "50")
    await page.click("#assignment-form button[type=submit]")
    await expect(page.locator("#completion tbody tr", has_text="Cleo")).to_contain_text("0 / 1")


async def _answer(page: Page, room: Classroom) -> None:
    """The teacher opens Cleo's take from the class table and answers it, recording their voice in the page."""
    await page.goto(f"{room.server.url}/classes/1")
    await page.locator("#class-table tbody tr", has_text="Cleo").locator("td.cell a").first.click()
    await page.fill("#comment", COMMENT)
    await page.locator("#word-chips label", has_text="evening").click()
    await expect(page.locator("#recorder")).to_be_visible()
    await page.click("#record")
    await expect(page.locator("#record-state")).to_contain_text("Recording")
    await page.wait_for_timeout(1500)
    await page.click("#record")
    await expect(page.locator("#record-state")).to_contain_text("it is sent with the answer", timeout=20_000)
    await page.click("#send-answer")
    await expect(page.locator("#answer-comment")).to_have_text(COMMENT)  # markup shown as text
    await expect(page.locator("#answer .chip")).to_have_text(["evening"])
    assert await page.locator("#answer script, #answer b").count() == 0
    await expect(page.locator("#teacher-audio")).to_have_count(1)


def _scored(room: Classroom) -> bool:
    """Whether Cleo's take reached the server and its scoring job is done (an upload is stored pending, then scored)."""
    with room.server.client(headers={"authorization": f"Bearer {room.teacher}"}) as teacher:
        return any(a["learner"] == "Cleo" and a["status"] == "scored" for a in teacher.get("/api/v1/attempts").json()["attempts"])


async def test_teacher_and_learner_close_the_loop(sound_server: SoundServer, room: Classroom, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    need_chromium()
    monkeypatch.setattr(inbox_fetch, "INBOX_EVERY", 1.0)  # the app looks for the teacher's news every second, not minute
    data_dir = tmp_path / "learner"
    save_config(AppConfig(auto_stop=False), config_path(data_dir))
    save_login(data_dir, Login(room.server.url, room.learners["Cleo"]))
    pack = shutil.copytree(DEMO_PACK, tmp_path / "en-basics")
    due = date.today() + timedelta(days=3)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=[*FLAGS, *MEDIA_FLAGS])
        context = await browser.new_context(viewport={"width": 1400, "height": 900})
        page = await context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: dialogs.append(dialog.message))
        await _sign_in(page, room)
        await _assign(page, room, due)

        app = PronounceApp(pack, data_dir=data_dir)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await reference_ready(pilot)
            phrases = screen.query_one(PhraseList)
            await until(pilot, lambda: phrases.rows and phrases.rows[0].id == PHRASE_ID and phrases.rows[0].assigned, timeout=30)
            assert phrases.rows[0].assigned.startswith("due ") and phrases.rows[0].assigned.endswith("target 50")
            assert screen.phrase is not None and screen.phrase.id == PHRASE_ID, "the queue starts with the assigned phrase"
            assert "English basics" in str(screen.query_one(AssignmentsBox).render())
            assert (assigned_pack_dir(data_dir, "en-basics") / "pack.toml").is_file(), "the app pulled the assigned pack"

            await until(pilot, lambda: screen.reference is not None and screen.reference.prepared is not None, timeout=60)
            await say(pilot, pack / "audio" / f"{PHRASE_ID}.flac")
            def row() -> PhraseRow:
                return next(r for r in phrases.rows if r.id == PHRASE_ID)

            await until(pilot, lambda: row().assigned_done, timeout=30)  # done: back to its place in the lesson
            assert row().assigned == "done · target 50" and phrases.rows[0].id != PHRASE_ID
            await until(pilot, lambda: _scored(room), timeout=60)

            await expect(page.locator("#completion tbody tr", has_text="Cleo")).to_contain_text("0 / 1")  # the page as loaded
            await page.reload()
            await expect(page.locator("#completion tbody tr", has_text="Cleo")).to_contain_text("done")
            await _answer(page, room)

            status = screen.query_one(StatusBar)
            await until(pilot, lambda: "1 new comment from your teacher" in str(status.render()), timeout=30)
            await until(pilot, lambda: app.session.uploader is not None and
                        any(n.audio is not None for n in app.session.uploader.inbox.notes(room.server.url)), timeout=30)
            await pilot.press("r")
            await until(pilot, lambda: isinstance(app.screen, ReviewScreen))
            review = app.screen
            panel = review.query_one(TeacherNotePanel)
            await until(pilot, lambda: panel.display and COMMENT in str(panel.render()), timeout=20)
            shown = str(panel.render())
            assert "work on:" in shown and "evening" in shown and "t: play the teacher's recording" in shown, shown
            targets = played(app)
            await pilot.press("t")
            await until(pilot, lambda: targets == ["teacher"], timeout=20)
            await pilot.press("b")
            await until(pilot, lambda: targets == ["teacher", "attempt", "teacher"], timeout=20)
            await until(pilot, lambda: "new comment" not in str(review.query_one(StatusBar).render()), timeout=20)
            assert not [n for n in notes(pilot) if "error" in n.lower()], notes(pilot)
        await browser.close()
    assert dialogs == [], "no script of the comment ran"
