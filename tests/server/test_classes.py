"""Classes kept apart, on SQLite and PostgreSQL: a teacher of one class sees nothing of another, by API and by page.

The server of this module has "Class 1" (teacher "Teacher"; Ana, Ben, Cleo)
and "Class 2" (teacher "Ms Other"; Dan), each learner with one take. A class
or a take a teacher does not see is answered 404, exactly as one that does
not exist, and its names never appear in what they get.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.server.conftest import BACKENDS, Classroom
from tests.server.helpers import add_class, meta, sign_in, upload

pytestmark = pytest.mark.parametrize("room", BACKENDS, indirect=True, scope="module")


@dataclass
class Two:
    """The module's two classes: tokens and one take id per learner."""

    room: Classroom
    other_teacher: str
    dan: str
    takes: dict[str, int]

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.room.server.url, timeout=120, headers=headers)


@pytest.fixture(scope="module")
def two(room: Classroom) -> Iterator[Two]:
    teacher, learners = add_class(room.data_dir, "Class 2", "Ms Other", ["Dan"], database=room.database)
    assert teacher is not None
    takes = {}
    with room.server.client() as client:
        for name, token in (("Ana", room.learners["Ana"]), ("Dan", learners["Dan"])):
            response = upload(client, token, room.take("Good morning"), meta("Good morning."))
            assert response.status_code == 201, response.text
            takes[name] = response.json()["id"]
    yield Two(room, teacher, learners["Dan"], takes)


def test_a_teacher_lists_and_exports_only_their_classes(two: Two) -> None:
    room = two.room
    with two.client(room.teacher) as mine, two.client(two.other_teacher) as theirs, two.client(room.admin) as admin:
        assert [a["learner"] for a in mine.get("/api/v1/attempts").json()["attempts"]] == ["Ana"]
        assert [a["learner"] for a in theirs.get("/api/v1/attempts").json()["attempts"]] == ["Dan"]
        assert sorted(a["learner"] for a in admin.get("/api/v1/attempts").json()["attempts"]) == ["Ana", "Dan"]
        exported = mine.get("/api/v1/attempts.csv").text
        assert [row["learner"] for row in csv.DictReader(io.StringIO(exported))] == ["Ana"] and "Class 2" not in exported
        assert [c["name"] for c in mine.get("/api/v1/classes").json()["classes"]] == ["Class 1"]
        assert [c["name"] for c in admin.get("/api/v1/classes").json()["classes"]] == ["Class 1", "Class 2"]
        assert theirs.get("/api/v1/me").json()["classes"] == [{"id": 2, "name": "Class 2"}]
        by_class = admin.get("/api/v1/attempts", params={"class": "2"}).json()["attempts"]
        assert [a["learner"] for a in by_class] == ["Dan"]
        for params in ({"class": "2"}, {"class": "2", "learner": "Dan"}):
            refused = mine.get("/api/v1/attempts", params=params)
            assert refused.status_code == 404 and "Dan" not in refused.text
        assert mine.get("/api/v1/attempts", params={"learner": "Dan"}).json() == {"attempts": []}
        assert mine.get("/api/v1/attempts", params={"class": "x1"}).status_code == 422
        assert mine.get("/api/v1/attempts", params={"class": "3"}).status_code == 404  # no such class: the same answer
        hidden = mine.get(f"/api/v1/attempts/{two.takes['Dan']}/audio")
        assert hidden.status_code == 404 and hidden.json()["error"] == "there is no such attempt"
        assert admin.get(f"/api/v1/attempts/{two.takes['Dan']}/audio").status_code == 200
        assert theirs.get(f"/api/v1/attempts/{two.takes['Dan']}/audio").status_code == 200


def test_a_teacher_sees_no_page_of_another_class(two: Two) -> None:
    room = two.room
    with two.client() as browser:
        assert sign_in(browser, room.teacher).status_code == 303
        home = browser.get("/", follow_redirects=True)
        assert home.url.path == "/classes/1" and ">Ana<" in home.text and "Dan" not in home.text
        for path in ("/classes/2", f"/attempts/{two.takes['Dan']}", f"/attempts/{two.takes['Dan']}/take",
                     f"/attempts/{two.takes['Dan']}/reference", "/classes/99999999999999999999999"):
            refused = browser.get(path, headers={"accept": "text/html"})
            assert refused.status_code == 404, path
            assert "Dan" not in refused.text and "Class 2" not in refused.text and "Ms Other" not in refused.text
        assert browser.get(f"/attempts/{two.takes['Ana']}").status_code == 200
    with two.client() as browser:
        sign_in(browser, two.other_teacher)
        page = browser.get("/classes/2")
        assert page.status_code == 200 and ">Dan<" in page.text and "Ana" not in page.text
        assert browser.get("/classes/1").status_code == 404


def test_the_admin_sees_every_class_and_a_new_class_shows_at_once(two: Two) -> None:
    room = two.room
    with two.client() as browser:
        sign_in(browser, room.admin)
        listing = browser.get("/")
        assert listing.status_code == 200 and 'href="/classes/1"' in listing.text and 'href="/classes/2"' in listing.text
        assert browser.get("/classes/2").status_code == 200
    token, _ = add_class(room.data_dir, "Class 3", "Teacher", [], database=room.database)
    assert token is None  # "Teacher" had a token: they keep it
    with two.client() as browser:
        sign_in(browser, room.teacher)
        mine = browser.get("/")  # two classes now: the list, without the other teacher's
        assert mine.status_code == 200 and "Class 3" in mine.text and "Class 2" not in mine.text
        assert browser.get("/classes/3").status_code == 200
