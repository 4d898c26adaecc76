"""Classes, teachers and an admin; takes with a status; summaries per learner and phrase.

The first Alembic revision. A store of pronounce 0.x (renamed ``legacy_*`` by
the runner) is moved over: its one class becomes class 1, taught by teacher 1
who keeps the old teacher token and browser sessions; every old take is
``scored``, its sub-scores copied out of its score JSON.

Revision ID: 0001
Revises: None
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from tui.server.schema import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
FIRST_CLASS = "Class 1"
FIRST_TEACHER = "Teacher"
BATCH = 2000
SUB_SCORES = ("accuracy", "fluency", "intonation", "completeness")


def upgrade() -> None:
    _create()
    conn = op.get_bind()
    if sa.inspect(conn).has_table("legacy_attempts"):
        _import_legacy(conn)


def downgrade() -> None:
    raise NotImplementedError("the class server's store is never downgraded")


def _create() -> None:
    op.create_table(
        "classes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_classes"),
    )
    op.create_index("classes_by_name", "classes", ["name"], unique=True)
    op.create_table(
        "teachers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_teachers"),
    )
    op.create_index("teachers_by_name", "teachers", ["name"], unique=True)
    op.create_table(
        "class_teachers",
        sa.Column("class_id", sa.Integer, nullable=False),
        sa.Column("teacher_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("class_id", "teacher_id", name="pk_class_teachers"),
        sa.ForeignKeyConstraint(["class_id"], ["classes.id"], name="fk_class_teachers_class_id_classes"),
        sa.ForeignKeyConstraint(["teacher_id"], ["teachers.id"], name="fk_class_teachers_teacher_id_teachers"),
    )
    op.create_index("class_teachers_by_teacher", "class_teachers", ["teacher_id", "class_id"])
    op.create_table(
        "learners",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("class_id", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("removed_at", UtcDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_learners"),
        sa.ForeignKeyConstraint(["class_id"], ["classes.id"], name="fk_learners_class_id_classes"),
    )
    op.create_index("learners_by_class", "learners", ["class_id", "name"])
    op.create_index("learners_active_name", "learners", ["class_id", "name"], unique=True,
                    sqlite_where=sa.text("removed_at IS NULL"), postgresql_where=sa.text("removed_at IS NULL"))
    op.create_table(
        "tokens",
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("teacher_id", sa.Integer),
        sa.Column("learner_id", sa.Integer),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("revoked_at", UtcDateTime),
        sa.PrimaryKeyConstraint("hash", name="pk_tokens"),
        sa.ForeignKeyConstraint(["teacher_id"], ["teachers.id"], name="fk_tokens_teacher_id_teachers"),
        sa.ForeignKeyConstraint(["learner_id"], ["learners.id"], name="fk_tokens_learner_id_learners"),
        sa.CheckConstraint(
            "(role = 'admin' AND teacher_id IS NULL AND learner_id IS NULL)"
            " OR (role = 'teacher' AND teacher_id IS NOT NULL AND learner_id IS NULL)"
            " OR (role = 'learner' AND learner_id IS NOT NULL AND teacher_id IS NULL)",
            name="ck_tokens_role_owner",
        ),
    )
    op.create_index("tokens_by_teacher", "tokens", ["teacher_id"])
    op.create_index("tokens_by_learner", "tokens", ["learner_id"])
    op.create_table(
        "web_sessions",
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("csrf", sa.Text, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("teacher_id", sa.Integer),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("hash", name="pk_web_sessions"),
        sa.ForeignKeyConstraint(["teacher_id"], ["teachers.id"], name="fk_web_sessions_teacher_id_teachers"),
        sa.CheckConstraint("(role = 'admin' AND teacher_id IS NULL) OR (role = 'teacher' AND teacher_id IS NOT NULL)",
                           name="ck_web_sessions_role_owner"),
    )
    op.create_index("web_sessions_by_expiry", "web_sessions", ["expires_at"])
    op.create_index("web_sessions_by_teacher", "web_sessions", ["teacher_id"])
    op.create_table(
        "attempts",
        sa.Column("id", ID, primary_key=True),
        sa.Column("learner_id", sa.Integer, nullable=False),
        sa.Column("class_id", sa.Integer, nullable=False),
        sa.Column("client_attempt_id", sa.String(36), nullable=False),
        sa.Column("pack_id", sa.Text, nullable=False),
        sa.Column("pack_version", sa.Text, nullable=False),
        sa.Column("phrase_id", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("lang", sa.Text, nullable=False),
        sa.Column("recorded_at", UtcDateTime, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("audio", sa.Text, nullable=False),
        sa.Column("audio_bytes", sa.BigInteger, nullable=False),
        sa.Column("duration", sa.Float),
        sa.Column("reference", sa.Text),
        sa.Column("overall", sa.Float),
        sa.Column("accuracy", sa.Float),
        sa.Column("fluency", sa.Float),
        sa.Column("intonation", sa.Float),
        sa.Column("completeness", sa.Float),
        sa.Column("score_json", sa.Text),
        sa.Column("scorer_version", sa.Text),
        sa.Column("client_overall", sa.Float),
        sa.Column("client_score_json", sa.Text),
        sa.Column("error", sa.Text),
        sa.Column("submitted_at", UtcDateTime),
        sa.Column("scored_at", UtcDateTime),
        sa.Column("hidden_at", UtcDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_attempts"),
        sa.UniqueConstraint("client_attempt_id", name="uq_attempts_client_attempt_id"),
        sa.ForeignKeyConstraint(["learner_id"], ["learners.id"], name="fk_attempts_learner_id_learners"),
        sa.ForeignKeyConstraint(["class_id"], ["classes.id"], name="fk_attempts_class_id_classes"),
        sa.CheckConstraint("status IN ('pending', 'scored', 'failed')", name="ck_attempts_status"),
        sa.CheckConstraint(
            "status <> 'scored' OR (overall IS NOT NULL AND accuracy IS NOT NULL AND fluency IS NOT NULL"
            " AND intonation IS NOT NULL AND completeness IS NOT NULL AND score_json IS NOT NULL"
            " AND reference IS NOT NULL AND scored_at IS NOT NULL)",
            name="ck_attempts_scored_has_score",
        ),
        sa.CheckConstraint(
            "(overall IS NULL OR (overall >= 0 AND overall <= 100))"
            " AND (client_overall IS NULL OR (client_overall >= 0 AND client_overall <= 100))",
            name="ck_attempts_score_range",
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("attempts_by_class", "attempts", ["class_id", "id"])
    op.create_index("attempts_by_cell", "attempts", ["learner_id", "pack_id", "phrase_id", "recorded_at"])
    op.create_index("attempts_pending", "attempts", ["id"],
                    sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
    op.create_table(
        "summaries",
        sa.Column("learner_id", sa.Integer, nullable=False),
        sa.Column("pack_id", sa.Text, nullable=False),
        sa.Column("phrase_id", sa.Text, nullable=False),
        sa.Column("class_id", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("latest", sa.Float, nullable=False),
        sa.Column("latest_attempt_id", ID, nullable=False),
        sa.Column("latest_at", UtcDateTime, nullable=False),
        sa.Column("best", sa.Float, nullable=False),
        sa.Column("mean_last5", sa.Float, nullable=False),
        sa.Column("trend", sa.Float),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("learner_id", "pack_id", "phrase_id", name="pk_summaries"),
        sa.ForeignKeyConstraint(["learner_id"], ["learners.id"], name="fk_summaries_learner_id_learners"),
        sa.ForeignKeyConstraint(["class_id"], ["classes.id"], name="fk_summaries_class_id_classes"),
    )
    op.create_index("summaries_by_class_phrase", "summaries", ["class_id", "pack_id", "phrase_id", "latest", "learner_id"])
    op.create_index("summaries_by_class_learner", "summaries", ["class_id", "learner_id", "latest", "attempts", "latest_at"])
    op.create_table(
        "class_phrases",
        sa.Column("class_id", sa.Integer, nullable=False),
        sa.Column("pack_id", sa.Text, nullable=False),
        sa.Column("phrase_id", sa.Text, nullable=False),
        sa.Column("learners", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("class_id", "pack_id", "phrase_id", name="pk_class_phrases"),
        sa.ForeignKeyConstraint(["class_id"], ["classes.id"], name="fk_class_phrases_class_id_classes"),
    )
    op.create_table(
        "packs",
        sa.Column("id", sa.Text, nullable=False),
        sa.Column("version", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("language", sa.Text, nullable=False),
        sa.Column("phrases", sa.Integer, nullable=False),
        sa.Column("folder", sa.Text, nullable=False),
        sa.Column("zip", sa.Text, nullable=False),
        sa.Column("published_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_packs"),
    )
    op.create_table(
        "pack_phrases",
        sa.Column("pack_id", sa.Text, nullable=False),
        sa.Column("phrase_id", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("pack_id", "phrase_id", name="pk_pack_phrases"),
        sa.ForeignKeyConstraint(["pack_id"], ["packs.id"], name="fk_pack_phrases_pack_id_packs"),
    )
    op.create_table(
        "server_state",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_server_state"),
    )
    op.execute("INSERT INTO server_state (key, value) VALUES ('summaries', '0')")


def _when(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).astimezone(UTC)


def _import_legacy(conn: sa.Connection) -> None:
    """Move the rows of pronounce 0.x's tables into the new ones, then drop the old tables."""
    now = datetime.now(UTC)
    has_class = conn.execute(sa.text("SELECT count(*) FROM legacy_tokens WHERE role = 'teacher'")).scalar_one() > 0
    has_class = has_class or conn.execute(sa.text("SELECT count(*) FROM legacy_learners")).scalar_one() > 0
    if has_class:
        first = conn.execute(sa.text("SELECT min(created_at) FROM legacy_tokens")).scalar_one()
        created = _when(first) or now
        _insert(conn, "classes", [{"id": 1, "name": FIRST_CLASS, "created_at": created}], created_at=UtcDateTime)
        _insert(conn, "teachers", [{"id": 1, "name": FIRST_TEACHER, "created_at": created}], created_at=UtcDateTime)
        conn.execute(sa.text("INSERT INTO class_teachers (class_id, teacher_id) VALUES (1, 1)"))
    rows = conn.execute(sa.text("SELECT id, name, created_at, removed_at FROM legacy_learners ORDER BY id"))
    _insert(conn, "learners", [{"id": id, "class_id": 1, "name": name, "created_at": _when(created), "removed_at": _when(removed)}
                               for id, name, created, removed in rows], created_at=UtcDateTime, removed_at=UtcDateTime)
    rows = conn.execute(sa.text("SELECT hash, role, learner_id, created_at, revoked_at FROM legacy_tokens"))
    _insert(conn, "tokens", [{"hash": hash, "role": role, "teacher_id": 1 if role == "teacher" else None,
                              "learner_id": learner if role == "learner" else None, "created_at": _when(created),
                              "revoked_at": _when(revoked)} for hash, role, learner, created, revoked in rows],
            created_at=UtcDateTime, revoked_at=UtcDateTime)
    rows = conn.execute(sa.text("SELECT hash, csrf, expires_at FROM legacy_web_sessions"))
    _insert(conn, "web_sessions", [{"hash": hash, "csrf": csrf, "role": "teacher", "teacher_id": 1, "created_at": now,
                                    "expires_at": _when(expires)} for hash, csrf, expires in rows],
            created_at=UtcDateTime, expires_at=UtcDateTime)
    rows = conn.execute(sa.text("SELECT id, version, title, language, phrases, folder, zip, published_at FROM legacy_packs"))
    _insert(conn, "packs", [dict(row._mapping, published_at=_when(row.published_at)) for row in rows], published_at=UtcDateTime)
    for batch in _legacy_attempts(conn):
        _insert(conn, "attempts", batch, recorded_at=UtcDateTime, created_at=UtcDateTime, scored_at=UtcDateTime)
    for table in ("attempts", "tokens", "web_sessions", "learners", "packs"):
        op.drop_table(f"legacy_{table}")


def _legacy_attempts(conn: sa.Connection) -> Iterator[list[dict[str, Any]]]:
    """The old takes in batches of new rows (read by id, so memory stays flat whatever the size)."""
    after = 0
    while True:
        rows = conn.execute(sa.text(
            "SELECT id, learner_id, client_attempt_id, pack_id, pack_version, phrase_id, text, lang, recorded_at, created_at,"
            " audio, audio_bytes, duration, reference, overall, score_json, client_score_json, scorer_version"
            " FROM legacy_attempts WHERE id > :after ORDER BY id LIMIT :n"), {"after": after, "n": BATCH}).all()
        if not rows:
            return
        yield [_attempt(row._mapping) for row in rows]
        after = rows[-1].id


def _attempt(old: Any) -> dict[str, Any]:
    row = {key: old[key] for key in ("id", "learner_id", "client_attempt_id", "pack_id", "pack_version", "phrase_id", "text",
                                     "lang", "audio", "audio_bytes", "duration", "reference", "score_json",
                                     "client_score_json", "scorer_version")}
    row.update(class_id=1, recorded_at=_when(old["recorded_at"]), created_at=_when(old["created_at"]),
               scored_at=_when(old["created_at"]), status="scored", overall=old["overall"], error=None,
               client_overall=_score_field(old["client_score_json"], "overall"))
    for name in SUB_SCORES:
        row[name] = _score_field(old["score_json"], name)
    if any(row[name] is None for name in ("overall", *SUB_SCORES)) or _score_field(old["score_json"], "overall") is None:
        row.update(status="failed", error="the stored score could not be read when the store was upgraded",
                   overall=None, scored_at=None, **dict.fromkeys(SUB_SCORES))
    return row


def _score_field(score_json: str | None, name: str) -> float | None:
    """A 0–100 number of a stored score's JSON, None when missing, not finite or out of range."""
    if not score_json:
        return None
    try:
        value = json.loads(score_json).get(name)
        number = float(value)
    except (ValueError, TypeError, AttributeError, RecursionError):
        return None
    return number if math.isfinite(number) and 0 <= number <= 100 else None


def _insert(conn: sa.Connection, name: str, rows: list[dict[str, Any]], **types: Any) -> None:
    """Insert ``rows`` into table ``name``; ``types`` names the columns that need a type to be bound (times)."""
    if not rows:
        return
    columns = [sa.column(key, types[key]) if key in types else sa.column(key) for key in rows[0]]
    conn.execute(sa.table(name, *columns).insert(), rows)
