"""The teacher's tools in a real headless browser: learners, hiding and flagging, exports, packs, and what is hostile.

Names, comments and phrase texts with markup are shown as text and run no
script; every form that changes something needs the session's CSRF token and
the server's own origin; a teacher of another class gets 404 for every page
and form of this one.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.server.conftest import Classroom
from tests.server.helpers import TwoClasses, meta, second_class, upload
from tui.paths import DEMO_PACK

HOSTILE_NAME = '<img src=x onerror="alert(1)">Ivy'
HOSTILE_COMMENT = '</textarea><script>alert("comment")</script> try "evening"'


@pytest.fixture(scope="module")
def two(room: Classroom) -> TwoClasses:
    """Class 2 beside Class 1; a take of Ana's, and of a learner of Class 1 whose name is markup."""
    token = _add_learner(room, HOSTILE_NAME)
    return second_class(room, {"Ana": room.learners["Ana"], "Ivy": token, "Dan": None})


def _add_learner(room: Classroom, name: str) -> str:
    from tests.server.helpers import open_store
    from tui.server import classes

    db = open_store(room.data_dir, room.database)
    try:
        return classes.add_learner(db, name, "Class 1")
    finally:
        db.close()


def _sign_in(page: Page, room: Classroom, token: str) -> list[str]:
    """Sign in; the list fills with the message of every dialog a script opens (there must be none)."""
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{room.server.url}/")
    page.fill("#token", token)
    page.click("button[type=submit]")
    return dialogs


def test_markup_in_names_and_comments_is_shown_as_text_on_every_page(room: Classroom, two: TwoClasses, page: Page) -> None:
    with two.client(room.teacher) as teacher:
        assert teacher.put(f"/api/v1/attempts/{two.takes['Ivy']}/feedback", json={"comment": HOSTILE_COMMENT}).status_code == 200
        learners = {row["name"]: row["id"] for row in teacher.get("/api/v1/classes/1/learners").json()["learners"]}
    dialogs = _sign_in(page, room, room.teacher)
    for path in ("/classes/1", "/classes/1/learners", f"/learners/{learners[HOSTILE_NAME]}", f"/attempts/{two.takes['Ivy']}",
                 "/classes/1/assignments", "/classes/1/phrases"):
        page.goto(f"{room.server.url}{path}")
        if not path.endswith("/phrases"):  # the phrases' page names no learner
            expect(page.locator("main")).to_contain_text(HOSTILE_NAME)
        assert page.locator("img[src=x], main script").count() == 0, path
    page.goto(f"{room.server.url}/attempts/{two.takes['Ivy']}")
    expect(page.locator("#answer-comment")).to_have_text(HOSTILE_COMMENT)
    expect(page.locator("#comment")).to_have_value(HOSTILE_COMMENT)  # the textarea is not closed by the comment
    assert dialogs == []


def test_the_teacher_manages_learners_in_the_browser(room: Classroom, two: TwoClasses, page: Page) -> None:
    _sign_in(page, room, room.teacher)
    page.goto(f"{room.server.url}/classes/1/learners")
    page.fill("#new-name", "Zoë")
    page.click(".add-learner button")
    token = page.locator("#new-token .secret").inner_text()
    assert token.startswith("prn_")
    expect(page.locator("#new-token")).to_contain_text(f"pronounce login {room.server.url} {token}")
    with two.client(token) as zoe:
        assert zoe.get("/api/v1/me").json()["name"] == "Zoë"
        assert upload(zoe, token, room.take("Good morning"), meta("Good morning.")).status_code == 201
    row = page.locator("#learners tbody tr", has_text="Zoë")
    row.locator("summary").click()
    row.locator("input[name=name]").fill("Zoë K")
    row.locator("button", has_text="Rename").click()
    row = page.locator("#learners tbody tr", has_text="Zoë K")
    expect(row.locator("td").first).to_have_text("1")  # her take followed the new name
    row.locator("summary").click()
    row.locator("button", has_text="New token").click()
    renewed = page.locator("#new-token .secret").inner_text()
    row = page.locator("#learners tbody tr", has_text="Zoë K")
    expect(row.locator(".token-state")).to_contain_text("(1 earlier)")
    row.locator("summary").click()
    row.locator("button", has_text="Remove").click()
    row = page.locator("#learners tbody tr", has_text="Zoë K")
    expect(row).to_contain_text("removed")
    row.locator("summary").click()
    row.locator("button", has_text="Restore").click()
    restored = page.locator("#new-token .secret").inner_text()
    for old, status in ((token, 401), (renewed, 401), (restored, 200)):
        with two.client(old) as client:
            assert client.get("/api/v1/me").status_code == status
    expect(page.locator("#learners tbody tr", has_text="Zoë K").locator("td").first).to_have_text("1")  # her history kept
    forged = page.request.post(f"{room.server.url}/classes/1/learners", form={"name": "Mallory", "csrf": "guess"})
    assert forged.status == 403
    cross = page.request.post(f"{room.server.url}/classes/1/learners", form={"name": "Mallory", "csrf": _csrf(page)},
                              headers={"origin": "http://evil.example"})
    assert cross.status == 403
    page.goto(f"{room.server.url}/classes/1/learners")
    expect(page.locator("#learners")).not_to_contain_text("Mallory")


def _csrf(page: Page) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.content())
    assert found is not None
    return found.group(1)


def test_a_hidden_take_leaves_the_table_and_the_export_says_so(room: Classroom, two: TwoClasses, page: Page) -> None:
    _sign_in(page, room, room.teacher)
    page.goto(f"{room.server.url}/attempts/{two.takes['Ana']}")
    page.click("#hide-take")
    expect(page.locator("#hidden-tag")).to_be_visible()
    page.click("#flag-take")
    expect(page.locator("#flagged-tag")).to_be_visible()
    page.goto(f"{room.server.url}/classes/1")
    ana = page.locator("#class-table tbody tr", has_text="Ana")
    expect(ana.locator("td.cell a")).to_have_count(0)  # her only take is hidden: no latest score
    ana.locator("th a").click()
    page.select_option("select[name=show]", "hidden")
    page.click("#filters button")
    expect(page.locator("#takes tbody tr")).to_have_count(1)
    expect(page.locator("#takes tbody tr .tag.hidden")).to_be_visible()
    with page.expect_download() as download:
        page.click(".export button")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert [(r["learner"], r["hidden"], r["flagged"]) for r in rows] == [("Ana", "1", "1")], "the export is the view"
    page.goto(f"{room.server.url}/attempts/{two.takes['Ana']}")
    page.click("#hide-take")  # show it again
    expect(page.locator("#hidden-tag")).to_have_count(0)
    page.goto(f"{room.server.url}/classes/1")
    expect(page.locator("#class-table tbody tr", has_text="Ana").locator("td.cell a")).to_have_count(1)
    with page.expect_download() as download:
        page.click(".export button")
    exported = Path(download.value.path()).read_text()
    assert "Dan" not in exported and "Class 2" not in exported and HOSTILE_NAME.replace('"', '""') in exported


def test_a_teacher_of_another_class_gets_404_for_every_page_and_form(room: Classroom, two: TwoClasses, page: Page) -> None:
    with two.client(room.teacher) as teacher:
        ana = next(row["id"] for row in teacher.get("/api/v1/classes/1/learners").json()["learners"] if row["name"] == "Ana")
        due = (date.today() + timedelta(days=3)).isoformat()
        made = teacher.post("/api/v1/assignments", json={"class": 1, "pack": "en-basics", "due": due})
        assert made.status_code == 201, made.text
    _sign_in(page, room, two.other_teacher)
    expect(page.locator("h1")).to_have_text("Class 2")
    gets = ["/classes/1", "/classes/1/learners", "/classes/1/phrases", "/classes/1/assignments", f"/learners/{ana}",
            f"/attempts/{two.takes['Ana']}", f"/attempts/{two.takes['Ana']}/take", f"/assignments/{made.json()['id']}"]
    for path in gets:
        response = page.request.get(f"{room.server.url}{path}")
        assert response.status == 404 and "Ana" not in response.text(), path
    csrf = _csrf(page)
    posts = {"/classes/1/learners": {"name": "x"}, f"/learners/{ana}/rename": {"name": "x"}, f"/learners/{ana}/token": {},
             f"/learners/{ana}/remove": {}, f"/learners/{ana}/export": {}, "/classes/1/export": {}, "/classes/1/phrases/export": {},
             f"/attempts/{two.takes['Ana']}/moderate": {"action": "hide"}, f"/attempts/{two.takes['Ana']}/feedback/delete": {},
             "/classes/1/assignments": {"pack": "en-basics", "due": due}, f"/assignments/{made.json()['id']}/delete": {}}
    for path, fields in posts.items():
        response = page.request.post(f"{room.server.url}{path}", form={"csrf": csrf, **fields})
        assert response.status == 404, (path, response.status, response.text()[:200])
    with httpx.Client(base_url=room.server.url, headers={"authorization": f"Bearer {room.learners['Ana']}"}) as ana_client:
        assert ana_client.get("/api/v1/me").json()["name"] == "Ana", "nobody renamed or revoked her"


def test_a_pack_is_published_from_the_browser(room: Classroom, page: Page, tmp_path: Path) -> None:
    pack = shutil.copytree(DEMO_PACK, tmp_path / "en-basics")
    toml = pack / "pack.toml"
    toml.write_text(toml.read_text().replace('version = "1"', 'version = "3"', 1))
    archive = tmp_path / "en-basics.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(pack.rglob("*")):
            out.write(path, path.relative_to(tmp_path).as_posix())
    _sign_in(page, room, room.teacher)
    page.goto(f"{room.server.url}/packs")
    page.set_input_files("#publish-form input[type=file]", str(archive))
    page.click("#publish-form button")
    expect(page.locator("#published")).to_contain_text("version 3")
    expect(page.locator("#packs tbody tr", has_text="en-basics")).to_contain_text("3")
    (tmp_path / "junk.zip").write_bytes(b"PK\x03\x04 junk")
    page.set_input_files("#publish-form input[type=file]", str(tmp_path / "junk.zip"))
    page.click("#publish-form button")
    expect(page.locator("main h1")).to_contain_text("cannot publish the uploaded pack")
    assert str(room.data_dir) not in page.content()
