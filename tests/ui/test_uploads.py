"""The app uploads every saved take to the class server it is logged in to, and the status bar follows."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import soundfile as sf

from tests.server import conftest as server_fixtures
from tests.server.conftest import Classroom
from tests.ui.conftest import notes, reference_ready, take_state, until
from tui.app import PronounceApp
from tui.client.login import Login, save_login
from tui.config import AppConfig, config_path, save_config
from tui.paths import DEMO_PACK
from tui.practice.takes import TakeState
from tui.server.db import DB_NAME, server_root
from tui.store.outbox import Outbox, OutboxState
from tui.widgets.status import StatusBar

room = server_fixtures.room
"""A running class server for this module (the server tests' fixture)."""


def _uploaded(room: Classroom, client_ids: set[str]) -> int:
    conn = sqlite3.connect(server_root(room.data_dir) / DB_NAME, timeout=30)
    try:
        rows = conn.execute("SELECT client_attempt_id FROM attempts").fetchall()
    finally:
        conn.close()
    return sum(row[0] in client_ids for row in rows)


async def test_a_saved_take_goes_up_to_the_class_server(room: Classroom, tmp_path: Path) -> None:
    data_dir = tmp_path / "learner"
    save_config(AppConfig(auto_stop=False), config_path(data_dir))
    save_login(data_dir, Login(room.server.url, room.learners["Cleo"]))
    pack = shutil.copytree(DEMO_PACK, tmp_path / "en-basics")
    said = room.take("Hello, how are you?")
    app = PronounceApp(pack, data_dir=data_dir, input_file=said)
    shown: list[str] = []
    app.session.add_status_listener(lambda: shown.append(app.session.status))
    async with app.run_test(size=(120, 40)) as pilot:
        await reference_ready(pilot)
        await until(pilot, lambda: app.session.uploader is not None, timeout=20)
        await pilot.press("space")
        await until(pilot, lambda: take_state(app) is TakeState.RECORDING, timeout=20)
        await asyncio.sleep(sf.info(said).duration + 0.5)
        await pilot.press("space")
        await until(pilot, lambda: take_state(app) is TakeState.SAVED, timeout=30)
        await until(pilot, lambda: any("↑ 1 waiting" in text for text in shown) and app.session.status == "", timeout=60)
        assert "↑" not in str(app.screen.query_one(StatusBar).render()), notes(pilot)
    with Outbox(data_dir) as outbox:
        items = outbox.items()
    assert [item.state for item in items] == [OutboxState.SENT]
    assert _uploaded(room, {item.client_attempt_id for item in items}) == 1
