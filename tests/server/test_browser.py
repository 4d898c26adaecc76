"""The teacher's pages in a real headless browser: Debian's chromium driven by Playwright (``browser`` and ``page``
come from conftest.py)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.server.conftest import Classroom
from tests.server.helpers import meta, open_store, seed_takes, upload, wait_for


def _sign_in(page: Page, room: Classroom, token: str) -> None:
    page.goto(f"{room.server.url}/")
    page.fill("#token", token)
    page.click("button[type=submit]")


def test_the_teacher_signs_in_sees_the_class_and_opens_a_take(room: Classroom, page: Page) -> None:
    with room.server.client() as client:
        for name, text, phrase in (("Ana", "Good morning.", "good-morning"), ("Ben", "Good evening.", "good-evening")):
            assert upload(client, room.learners[name], room.take(text), meta(text, phrase_id=phrase)).status_code == 201
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    _sign_in(page, room, room.teacher)
    table = page.locator("#class-table")
    expect(table).to_be_visible()
    expect(table.locator("tbody th")).to_have_text(["Ana", "Ben", "Cleo"])
    expect(table.locator("thead th")).to_contain_text(["Learner", "Mean", "Takes", "Good morning.", "Good evening."])
    cookie = next(c for c in page.context.cookies() if c["name"] == "pronounce_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"

    table.locator("tbody tr", has_text="Ana").locator("td.cell a").first.click()  # the first link is the learner's page
    card = page.locator("#score-card")
    expect(card).to_be_visible()
    assert 0 <= float(card.locator(".overall .value").inner_text()) <= 100
    expect(card.locator("meter")).to_have_count(4)
    expect(card.locator(".word")).to_have_text(["Good", "morning"])
    for word in card.locator(".word").all():
        assert {"good", "fair", "poor"} & set((word.get_attribute("class") or "").split())  # coloured by its score
    for audio in ("#reference-audio", "#take-audio"):  # polled from here: the page's CSP forbids eval in it
        wait_for(lambda audio=audio: page.eval_on_selector(audio, "a => a.readyState") >= 1, timeout=30, what=f"{audio} metadata")
        assert page.eval_on_selector(audio, "a => a.duration") > 0.3  # the browser decoded the audio's metadata
    chart = page.locator("svg.pitch")
    expect(chart).to_be_visible()
    assert chart.locator("path.reference").get_attribute("d") and chart.locator("path.take").get_attribute("d")

    assert requested and all(url.startswith(room.server.url) for url in requested)  # no CDN: works offline
    assert any(url.endswith("/static/style.css") for url in requested)

    page.click("text=Sign out")
    expect(page.locator("#token")).to_be_visible()
    page.goto(f"{room.server.url}/attempts/1")
    expect(page.locator("#token")).to_be_visible()  # signed out: back to the sign-in form


def test_a_learner_token_or_a_wrong_token_cannot_open_the_class_page(room: Classroom, page: Page) -> None:
    _sign_in(page, room, room.learners["Ana"])
    expect(page.locator(".message")).to_contain_text("learner token")
    _sign_in(page, room, "prn_wrong")
    expect(page.locator(".message")).to_contain_text("Unknown or revoked")
    expect(page.locator("#class-table")).to_have_count(0)


def test_a_forged_sign_in_form_from_another_site_is_refused(room: Classroom, page: Page) -> None:
    page.goto(f"{room.server.url}/")
    response = page.request.post(f"{room.server.url}/signin", form={"token": room.teacher, "csrf": "guess"},
                                 headers={"origin": "http://evil.example"})
    assert response.status == 403
    page.goto(f"{room.server.url}/")
    expect(page.locator("#class-table")).to_have_count(0)


def test_a_large_class_is_paged_and_sorted_in_the_browser(room: Classroom, page: Page) -> None:
    db = open_store(room.data_dir, room.database)
    try:
        seed_takes(db, 1, 70, [("good-morning", "Good morning."), ("thank-you-very-much", "Thank you very much.")], 2)
    finally:
        db.close()
    _sign_in(page, room, room.teacher)
    pager = page.locator(".pager").first
    expect(pager).to_contain_text("Learners 1–50 of 73")
    expect(page.locator("#class-table tbody tr")).to_have_count(50)
    pager.locator("a[rel=next]").click()
    expect(page.locator(".pager").first).to_contain_text("Learners 51–73 of 73")
    expect(page.locator("#class-table tbody tr")).to_have_count(23)
    expect(page.locator("#class-table tbody th").last).to_have_text("learner-00069")
    page.locator("#class-table thead th.mean a").click()  # weakest first: the lowest mean on top
    expect(page.locator("#class-table thead th.mean")).to_have_attribute("aria-sort", "ascending")
    expect(page.locator(".pager").first).to_contain_text("Learners 1–50 of 73")
    means = [float(text) for text in page.locator("#class-table tbody td.mean").all_inner_texts() if text != "–"]
    assert len(means) == 50 and means == sorted(means)
    page.locator("#class-table thead th.mean a").click()
    expect(page.locator("#class-table thead th.mean")).to_have_attribute("aria-sort", "descending")
    assert "sort=-mean" in page.url and "page=1" in page.url
