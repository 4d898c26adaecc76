"""The store's schema: built by the Alembic migrations exactly as declared, an old store upgraded in place, bad databases refused.

The old store (``data/legacy-server-store.tar.gz``) was written by the class
server before classes existed (``PRAGMA user_version`` 1); see
``data/make_legacy_store.py`` for how.
"""

from __future__ import annotations

import json
import sqlite3
import tarfile
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, insert, select

from tests.server.conftest import BACKENDS
from tests.server.helpers import LiveServer, meta, open_store, query, sign_in, spoken, upload
from tests.server.postgres import PostgresCluster
from tui.cli import cli
from tui.server import accounts, summaries
from tui.server.accounts import Role
from tui.server.db import DB_NAME, database_url, server_root
from tui.server.migrations import SCRIPTS, USER_VERSION, head
from tui.server.schema import attempts, classes, feedback, learners, metadata, weak_points

LEGACY = Path(__file__).parent / "data" / "legacy-server-store.tar.gz"


def _server(data_dir: Path, database: str | None, *args: str, env: dict[str, str] | None = None) -> Result:
    options = ["--database", database] if database else []
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir), "server", *options, *args], env=env)


def _one_line_error(result: Result, *words: str) -> str:
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("pronounce: error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.stderr, result.stderr
    return result.stderr


@pytest.mark.parametrize("database", BACKENDS, indirect=True)
def test_the_migrations_build_the_declared_schema(tmp_path: Path, database: str | None) -> None:
    assert _server(tmp_path, database, "init").exit_code == 0
    db = open_store(tmp_path, database)
    try:
        with db.reading() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), metadata)
            version = MigrationContext.configure(conn).get_current_revision()
    finally:
        db.close()
    assert differences == []
    assert version == head()


def _legacy_store(data_dir: Path) -> dict[str, Any]:
    with tarfile.open(LEGACY) as archive:
        archive.extractall(data_dir, filter="data")
    tokens: dict[str, Any] = json.loads((server_root(data_dir) / "tokens.json").read_text())
    return tokens


def test_a_store_of_the_single_class_server_upgrades_in_place(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    old = _legacy_store(data_dir)
    conn = sqlite3.connect(server_root(data_dir) / DB_NAME)
    before = conn.execute("SELECT id, client_attempt_id, overall, audio FROM attempts ORDER BY id").fetchall()
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()
    db = open_store(data_dir)
    try:
        teacher = accounts.identify(db, old["teacher"])
        assert teacher == accounts.Identity(Role.TEACHER, "Teacher", teacher_id=1, class_ids=frozenset({1}))
        assert accounts.identify(db, old["learners"]["Ana"]) == accounts.Identity(
            Role.LEARNER, "Ana", learner_id=1, class_ids=frozenset({1}))
        assert accounts.identify(db, old["learners"]["Leaver"]) is None  # removed before the upgrade: still revoked
        session = accounts.session_identity(db, old["session"])  # signed in before the upgrade: still signed in
        assert session is not None and session[0] == teacher
        assert not accounts.has_admin(db)
        assert summaries.ensure_current(db)  # built once, at the first start after the upgrade
        assert not summaries.ensure_current(db)
    finally:
        db.close()
    after = query(data_dir, None, "SELECT id, client_attempt_id, overall, audio FROM attempts ORDER BY id")
    assert [tuple(row) for row in after] == before
    rows = query(data_dir, None, "SELECT status, class_id, accuracy, client_overall, learner_id FROM attempts ORDER BY id")
    assert {(status, class_id) for status, class_id, *_ in rows} == {("scored", 1)}
    assert all(accuracy is not None for _, _, accuracy, _, _ in rows)
    assert [client for *_, client, learner in rows if learner == 1] == [71.5, 71.5, 71.5]  # Ana sent her own scores
    conn = sqlite3.connect(server_root(data_dir) / DB_NAME)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == USER_VERSION  # the old server now refuses it as newer
    assert not [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE name LIKE 'legacy_%'")]
    conn.close()
    assert (server_root(data_dir) / "tokens.json").exists()

    admin = _server(data_dir, None, "init")  # an upgraded store gets its admin this way
    assert admin.exit_code == 0, admin.output
    server = LiveServer(data_dir, tmp_path / "server-tmp").start()
    try:
        with server.client() as client:
            assert sign_in(client, old["teacher"]).status_code == 303  # the old teacher token opens the class page
            page = client.get("/", follow_redirects=True)
            assert page.url.path == "/classes/1" and "Class 1" in page.text
            assert ">Ana<" in page.text and ">Ben<" in page.text and "Leaver" in page.text and "(removed)" in page.text
            assert "Good morning." in page.text and "English, two phrases" not in page.text
            take = client.get(f"/attempts/{old['attempts']['Ana'][0]['id']}")
            assert take.status_code == 200 and "Good morning." in take.text
            again = upload(client, old["learners"]["Ana"], spoken(tmp_path / "take.wav", "Good morning"),
                           meta("Good morning.", pack="en-tiny", client_attempt_id=old["attempts"]["Ana"][0]["client_attempt_id"]))
            assert again.status_code == 200 and again.json()["id"] == old["attempts"]["Ana"][0]["id"]  # a retry from before
            new = upload(client, old["learners"]["Ben"], tmp_path / "take.wav", meta("Good morning.", pack="en-tiny"))
            assert new.status_code == 201 and new.json()["id"] > max(row[0] for row in before)
            listed = client.get("/api/v1/attempts", headers={"authorization": f"Bearer {old['teacher']}"}).json()["attempts"]
            assert len(listed) == len(before) + 1
    finally:
        server.stop()
    headers = query(data_dir, None, "SELECT pack_id, phrase_id, position FROM pack_phrases ORDER BY position")
    assert [tuple(row) for row in headers] == [("en-tiny", "good-morning", 0), ("en-tiny", "good-evening", 1)]


@pytest.mark.parametrize("database", BACKENDS, indirect=True)
def test_a_store_from_a_newer_pronounce_is_refused_in_one_line(tmp_path: Path, database: str | None) -> None:
    assert _server(tmp_path, database, "init").exit_code == 0
    db = open_store(tmp_path, database)
    with db.writing() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    db.close()
    for args in (("learners",), ("run",), ("init",)):
        _one_line_error(_server(tmp_path, database, *args), "newer pronounce", "9999")


def test_a_database_that_is_not_a_class_server_is_left_alone(tmp_path: Path, postgres: PostgresCluster) -> None:
    store = server_root(tmp_path)
    store.mkdir(parents=True)
    conn = sqlite3.connect(store / DB_NAME)
    conn.execute("CREATE TABLE notes (x TEXT)")
    conn.commit()
    conn.close()
    before = (store / DB_NAME).read_bytes()
    _one_line_error(_server(tmp_path, None, "init"), "not a class server database")
    assert (store / DB_NAME).read_bytes() == before
    url = postgres.create_database()
    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute("CREATE TABLE orders (id integer)")
    _one_line_error(_server(tmp_path / "other", url, "init"), "tables that pronounce did not make")
    with psycopg.connect(url) as pg:
        tables = pg.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'").fetchall()
    assert tables == [("orders",)]


def test_bad_or_unreachable_databases_are_one_line_and_never_show_the_password(tmp_path: Path, postgres: PostgresCluster) -> None:
    for url, words in (("mysql://u:pw@localhost/db", "not a PostgreSQL URL"), ("not a url", "not a database URL"),
                       ("postgresql://u:s3cret@127.0.0.1:1/db", "cannot reach the database"),
                       (postgres.url("no_such_db").replace("postgres@", "postgres:s3cret@"), "does not exist"),
                       ("postgresql://u:s3cret@127.0.0.1", "names no database")):
        message = _one_line_error(_server(tmp_path, url, "init"), words)
        assert "s3cret" not in message
    assert not server_root(tmp_path).joinpath(DB_NAME).exists()
    _one_line_error(_server(tmp_path, postgres.create_database(), "learners"), "no class server in the database", "server init")


def test_the_environment_names_the_database_and_the_files_stay_in_the_data_dir(tmp_path: Path, postgres: PostgresCluster) -> None:
    url = postgres.create_database()
    env = {"PRONOUNCE_SERVER_DATABASE": url}
    init = _server(tmp_path, None, "init", env=env)
    assert init.exit_code == 0, init.output
    assert "postgresql://postgres@127.0.0.1" in init.stderr
    added = _server(tmp_path, None, "class", "add", "Year 9", "--teacher", "Ms Lee", env=env)
    assert added.exit_code == 0 and _server(tmp_path, None, "add-learner", "Ana", env=env).exit_code == 0
    assert not (server_root(tmp_path) / DB_NAME).exists()  # no SQLite beside it
    assert sorted(p.name for p in server_root(tmp_path).iterdir()) == ["incoming", "packs", "recordings", "references"]
    with psycopg.connect(url) as pg:
        assert pg.execute("SELECT name FROM learners").fetchall() == [("Ana",)]
    _one_line_error(_server(tmp_path, None, "learners"), "server init")  # without the URL: the SQLite store, which is not there


def test_web_nodes_starting_together_on_a_new_database_migrate_it_once(tmp_path: Path, postgres: PostgresCluster) -> None:
    url = postgres.create_database()
    failures: list[BaseException] = []

    def start() -> None:
        try:
            open_store(tmp_path, url, create=True).close()
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    with psycopg.connect(url) as pg:
        assert pg.execute("SELECT version_num FROM alembic_version").fetchall() == [(head(),)]


@pytest.mark.parametrize("database", BACKENDS, indirect=True)
def test_a_store_of_the_first_class_server_schema_upgrades_to_the_teachers_tools(tmp_path: Path, database: str | None) -> None:
    root = server_root(tmp_path)
    root.mkdir(parents=True)
    engine = create_engine(database_url(database, root))
    now = datetime.now(UTC)
    try:
        with engine.begin() as conn:  # a store as the server of revision 0001 left it: a class, a learner, a scored take
            config = Config()
            config.set_main_option("script_location", str(SCRIPTS))
            config.attributes["connection"] = conn
            command.upgrade(config, "0001")
            conn.execute(insert(classes).values(id=1, name="Class 1", created_at=now))
            conn.execute(insert(learners).values(id=1, class_id=1, name="Ana", created_at=now))
            conn.execute(insert(attempts).values(
                id=1, learner_id=1, class_id=1, client_attempt_id=str(uuid.uuid4()), pack_id="en-basics", pack_version="1",
                phrase_id="good-morning", text="Good morning.", lang="en-US", recorded_at=now, created_at=now, scored_at=now,
                status="scored", audio="recordings/1/x.flac", audio_bytes=1, reference="references/x.wav", duration=1.0,
                overall=40.0, accuracy=40.0, fluency=40.0, intonation=40.0, completeness=40.0, scorer_version="x",
                score_json=json.dumps({"overall": 40.0, "accuracy": 40.0, "fluency": 40.0, "intonation": 40.0,
                                       "completeness": 40.0, "words": [{"text": "morning", "score": 20.0}]})))
    finally:
        engine.dispose()
    db = open_store(tmp_path, database)  # upgraded in place on opening
    try:
        with db.reading() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
            assert MigrationContext.configure(conn).get_current_revision() == head()
            assert conn.execute(select(attempts.c.overall, attempts.c.flagged_at)).all() == [(40.0, None)]
        summaries.ensure_current(db)
        with db.reading() as conn:  # the new table of weak points is filled from the takes the old store kept
            assert conn.execute(select(weak_points.c.kind, weak_points.c.item)).all() == [("word", "morning")]
        with db.writing() as conn:
            conn.execute(insert(feedback).values(attempt_id=1, learner_id=1, class_id=1, comment="Better.", words="[]",
                                                 created_at=now, updated_at=now))
    finally:
        db.close()
