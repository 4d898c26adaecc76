"""The learner's side of the loop against a real server: ``pronounce sync`` fetches answers, ``pronounce assignments``.

Answers are matched to the learner's own attempts through the outbox, the
teacher's recording is downloaded, assigned packs are pulled; another learner
gets none of it.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import soundfile as sf
from click.testing import CliRunner, Result

from tests.client.conftest import Classroom
from tests.server.helpers import learner_with_takes
from tui.cli import cli
from tui.client.inbox import assigned_pack_dir
from tui.packs.loader import load_pack
from tui.store.inbox import Inbox, TeacherNote
from tui.store.outbox import Outbox


def _run(data_dir: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args])


def _server_take(room: Classroom, client_attempt_id: str) -> int:
    with httpx.Client(base_url=room.server.url, headers={"authorization": f"Bearer {room.teacher}"}) as teacher:
        return next(a["id"] for a in teacher.get("/api/v1/attempts").json()["attempts"]
                    if a["client_attempt_id"] == client_attempt_id)


def test_sync_fetches_answers_and_assignments_for_this_learner_only(room: Classroom, tmp_path: Path) -> None:
    cleo, ben = tmp_path / "cleo", tmp_path / "ben"
    ids = learner_with_takes(cleo, room.take("Good morning"), 2, url=room.server.url, token=room.learners["Cleo"])
    learner_with_takes(ben, room.take("Good morning"), 1, url=room.server.url, token=room.learners["Ben"])
    for data_dir in (cleo, ben):
        assert _run(data_dir, "sync").exit_code == 0
    with Outbox(cleo) as outbox:
        answered_local = ids[0]
        client_id = outbox.get(answered_local).client_attempt_id
    take = _server_take(room, client_id)
    due = (date.today() + timedelta(days=3)).isoformat()
    with httpx.Client(base_url=room.server.url, headers={"authorization": f"Bearer {room.teacher}"}, timeout=60) as teacher:
        with open(room.take("Good morning", rate=110), "rb") as clip:
            answered = teacher.put(f"/api/v1/attempts/{take}/feedback", data={"comment": "Open the vowel in 'morning'.",
                                                                           "word": ["1"]}, files={"audio": ("me.wav", clip, "audio/wav")})
        assert answered.status_code == 200, answered.text
        made = teacher.post("/api/v1/assignments", json={"class": 1, "pack": "en-basics", "due": due, "target": 100,
                                                         "phrases": ["thank-you-very-much", "good-evening"]})
        assert made.status_code == 201, made.text

    synced = _run(cleo, "sync")
    assert synced.exit_code == 0, synced.output
    assert "1 new comment from your teacher" in synced.stdout and "1 assignment" in synced.stdout
    with Inbox(cleo) as inbox:
        notes = inbox.notes_by_attempt(room.server.url)
        assert list(notes) == [answered_local], "the answer is matched to the learner's own attempt"
        note = notes[answered_local]
        assert note.comment == "Open the vowel in 'morning'." and note.words == ("morning",) and note.author == "Teacher"
        assert note.audio is not None and sf.info(note.audio).format == "FLAC"
        assert inbox.unseen(room.server.url) == 1
        assert inbox.mark_seen(note) and inbox.unseen(room.server.url) == 0
    assert load_pack(assigned_pack_dir(cleo, "en-basics")).id == "en-basics", "the assigned pack is pulled"
    again = _run(cleo, "sync")
    assert "new comment" not in again.stdout, "a seen answer is not new again"

    listed = _run(cleo, "assignments")
    assert listed.exit_code == 0, listed.output
    assert "English basics (en-basics)" in listed.stdout and "target 100" in listed.stdout and "0/2 done" in listed.stdout
    assert "Thank you very much." in listed.stdout and f"pronounce practice {assigned_pack_dir(cleo, 'en-basics')}" in listed.stdout
    as_json = [json.loads(line) for line in _run(cleo, "assignments", "--json").stdout.splitlines()]
    assert [(a["pack"], a["due"], a["target"], a["done"]) for a in as_json] == [("en-basics", due, 100, False)]
    assert [p["id"] for p in as_json[0]["phrases"]] == ["good-evening", "thank-you-very-much"], "in lesson order"
    assert _run(cleo, "assignments", "--offline").stdout == listed.stdout, "offline: what was fetched last"

    ben_synced = _run(ben, "sync")
    assert "new comment" not in ben_synced.stdout and "1 assignment" in ben_synced.stdout, "the class's work, not Cleo's answer"
    with Inbox(ben) as inbox:
        assert inbox.notes(room.server.url) == []


def test_assignments_needs_a_login_and_says_so_in_one_line(tmp_path: Path) -> None:
    result = _run(tmp_path / "nobody", "assignments")
    assert result.exit_code == 2 and result.stderr.startswith("pronounce: error: you are not logged in")
    assert result.stderr.count("\n") == 1


def test_an_unreachable_server_shows_what_was_fetched_last_with_a_warning(room: Classroom, tmp_path: Path) -> None:
    data_dir = tmp_path / "learner"
    learner_with_takes(data_dir, room.take("Good morning"), 0, url="http://127.0.0.1:9", token=room.learners["Ana"])
    result = _run(data_dir, "assignments")
    assert result.exit_code == 0, result.output
    assert "cannot reach http://127.0.0.1:9" in result.stderr and "showing what was fetched last" in result.stderr
    assert "No assignments" in result.stdout


def test_a_recording_gone_from_the_server_is_one_warning_and_the_rest_still_arrives(room: Classroom, tmp_path: Path) -> None:
    data_dir = tmp_path / "learner"
    learner_with_takes(data_dir, room.take("Good morning"), 1, url=room.server.url, token=room.learners["Ana"])
    gone = TeacherNote(server=room.server.url, id=99_999, client_attempt_id="x", pack_id="en-basics", phrase_id="good-morning",
                       text="Good morning.", comment="old", words=(), author="Teacher", audio_url="/api/v1/feedback/99999/audio",
                       updated_at=datetime.now(UTC))
    with Inbox(data_dir) as inbox:
        inbox.keep_notes([gone])
    synced = _run(data_dir, "sync")
    assert synced.exit_code == 0, synced.output
    assert "the teacher's recording for “Good morning.” could not be fetched" in synced.stderr
    with Inbox(data_dir) as inbox:
        assert inbox.missing_audio(room.server.url) == [], "not asked for again"
    assert "could not be fetched" not in _run(data_dir, "sync").stderr
