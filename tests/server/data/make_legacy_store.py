"""How ``legacy-server-store.tar.gz`` was made: a class-server store written by pronounce before classes (main c0a7fab).

It runs against THAT code, not this checkout's: the store keeps the old
``PRAGMA user_version`` 1 schema the upgrade test starts from. To make it again::

    git archive c0a7fab | tar -x -C /tmp/legacy-code
    cd /tmp/legacy-code && PYTHONPATH=/tmp/legacy-code python tests/server/data/make_legacy_store.py OUT

The store: a teacher token; learners Ana, Ben and Leaver (removed after
uploading); a two-phrase pack ``en-tiny`` published; five takes uploaded
through a real server and scored there (one of a phrase of no published pack);
a signed-in browser session. ``server/tokens.json`` holds the tokens, the
session cookie and the takes' ids and scores.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tarfile
from pathlib import Path

from tests.server.helpers import LiveServer, classroom, meta, spoken, upload
from tui.server import accounts
from tui.server.db import Database, server_root
from tui.server.packs import publish

TAKES = (("Ana", "Good morning.", "good-morning", 2), ("Ben", "Good evening.", "good-evening", 1),
         ("Leaver", "Good morning.", "good-morning", 1), ("Ana", "Where is the station", "station", 1))
CLIENT_SCORE = {"overall": 71.5, "accuracy": 70.0, "fluency": 72.0, "intonation": 73.0, "completeness": 100.0}


def tiny_pack(source: Path, folder: Path) -> Path:
    """The demo pack cut to its good-morning and good-evening phrases, as ``en-tiny``."""
    (folder / "audio").mkdir(parents=True)
    head, *phrases = (source / "pack.toml").read_text().split("[[phrase]]")
    keep = [p for p in phrases if 'id = "good-morning"' in p or 'id = "good-evening"' in p]
    head = head.replace('id = "en-basics"', 'id = "en-tiny"').replace("English basics", "English, two phrases")
    (folder / "pack.toml").write_text(head + "".join("[[phrase]]" + p for p in keep))
    for name in ("good-morning.flac", "good-evening.flac"):
        shutil.copy(source / "audio" / name, folder / "audio" / name)
    return folder


def main(out: Path) -> None:
    shutil.rmtree(out, ignore_errors=True)
    work = out / "work"
    data = work / "data"
    teacher, learners = classroom(data, ["Ana", "Ben", "Leaver"])
    db = Database(server_root(data))
    publish(db, tiny_pack(Path("lessons/en-basics"), work / "tiny-pack"))
    db.close()
    server = LiveServer(data, work / "tmp").start()
    ids: dict[str, list[dict[str, object]]] = {}
    try:
        with server.client() as client:
            for name, text, phrase, count in TAKES:
                take = spoken(work / f"{phrase}.flac", text)
                for n in range(count):
                    fields = meta(text, pack="en-tiny" if phrase != "station" else "my-own", phrase_id=phrase,
                                  recorded_at=f"2025-03-0{n + 1}T09:30:00+00:00")
                    if name == "Ana":
                        fields["score"] = CLIENT_SCORE
                    response = upload(client, learners[name], take, fields)
                    assert response.status_code == 201, response.text
                    ids.setdefault(name, []).append({"id": response.json()["id"], "client_attempt_id": fields["client_attempt_id"],
                                                     "overall": response.json()["score"]["overall"]})
            csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text)
            assert csrf is not None
            client.post("/signin", data={"csrf": csrf.group(1), "token": teacher})
            session = client.cookies.get("pronounce_session")
    finally:
        server.stop()
    db = Database(server_root(data))
    accounts.remove_learner(db, "Leaver")
    db.close()
    record = {"teacher": teacher, "learners": learners, "session": session, "attempts": ids}
    (data / "server" / "tokens.json").write_text(json.dumps(record, indent=1))
    with tarfile.open(out / "legacy-server-store.tar.gz", "w:gz") as tar:
        tar.add(data / "server", arcname="server")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
