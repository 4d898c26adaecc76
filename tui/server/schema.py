"""The class server's tables: one schema for SQLite and PostgreSQL (SQLAlchemy Core).

Who is who: the admin (tokens with role ``admin``) runs the server; each class
has one or more teachers (``class_teachers``); each learner belongs to one
class. A take (``attempts``) is ``pending`` until it is scored, then ``scored``
with its score columns set, or ``failed`` with ``error`` set; a teacher may
hide it (``hidden_at``: it leaves the summaries) or flag it. ``summaries``
holds one row per learner and phrase (and ``weak_points`` what was weak in
its latest take), kept current as takes are scored, and
``class_phrases`` the phrases each class practised: the class page reads only
those two. ``feedback`` is a teacher's answer to one take, ``assignments``
the work a teacher sets (a published pack's phrases, to a class or some of its
learners).

The migrations in ``tui/server/migrations/versions`` build exactly these
tables (a test compares them); change both together.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import DateTime, TypeDecorator, TypeEngine

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Constraint names the same on both databases, so migrations can name what they change."""

STATUSES = ("pending", "scored", "failed")
ROLES = ("admin", "teacher", "learner")
STAFF_ROLES = ("admin", "teacher")


class ReadableTime(FunctionElement[datetime]):
    """A stored time as a query reads it: on PostgreSQL NULL for a time Python cannot hold (``infinity``, after 9999).

    pronounce never writes such a time; a row written by anything else must not
    break a listing (the driver refuses the whole result otherwise).
    """

    name = "readable_time"
    inherit_cache = True


@compiles(ReadableTime)
def _time_as_it_is(element: ReadableTime, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(ReadableTime, "postgresql")
def _time_python_holds(element: ReadableTime, compiler: Any, **kw: Any) -> str:
    time = compiler.process(element.clauses, **kw)
    return f"CASE WHEN {time} BETWEEN '0001-01-02Z' AND '9999-12-30Z' THEN {time} END"


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC time: ``timestamptz`` on PostgreSQL, fixed-width ISO 8601 text on SQLite (text order is time order)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def column_expression(self, column: Any) -> Any:
        """What a query selects: see :class:`ReadableTime`."""
        guarded = ReadableTime(column)
        guarded.type = self
        return guarded

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a stored time must carry its time zone")
        value = value.astimezone(UTC)
        return value.isoformat(timespec="microseconds") if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """The stored time in UTC; None for a value that is not one (a row written by something else)."""
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                return None
        if not isinstance(value, datetime):
            return None
        try:
            return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        except (OverflowError, ValueError):
            return None


class ReadableDay(FunctionElement[date]):
    """A stored day as a query reads it: on PostgreSQL NULL for a day Python cannot hold (see :class:`ReadableTime`)."""

    name = "readable_day"
    inherit_cache = True


@compiles(ReadableDay)
def _day_as_it_is(element: ReadableDay, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


@compiles(ReadableDay, "postgresql")
def _day_python_holds(element: ReadableDay, compiler: Any, **kw: Any) -> str:
    day = compiler.process(element.clauses, **kw)
    return f"CASE WHEN {day} BETWEEN DATE '0001-01-02' AND DATE '9999-12-30' THEN {day} END"


class Day(TypeDecorator[date]):
    """A calendar day (``date`` on PostgreSQL, ISO 8601 text on SQLite); a stored value that is no day reads as None."""

    impl = Date
    cache_ok = True

    def column_expression(self, column: Any) -> Any:
        """What a query selects: see :class:`ReadableDay`."""
        guarded = ReadableDay(column)
        guarded.type = self
        return guarded

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        """The driver's (or SQLite's text) value as a day; None for anything else (a row written by something else)."""
        def day(value: Any) -> date | None:
            if isinstance(value, datetime):
                return value.date()
            if isinstance(value, date):
                return value
            if isinstance(value, str):
                try:
                    return date.fromisoformat(value)
                except ValueError:
                    return None
            return None
        return day


ID = BigInteger().with_variant(Integer(), "sqlite")
"""64-bit ids on PostgreSQL; SQLite's ``INTEGER PRIMARY KEY`` is its 64-bit rowid."""

metadata = MetaData(naming_convention=NAMING)

classes = Table(
    "classes", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("classes_by_name", "name", unique=True),
)

teachers = Table(
    "teachers", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Index("teachers_by_name", "name", unique=True),
)

class_teachers = Table(
    "class_teachers", metadata,
    Column("class_id", Integer, ForeignKey("classes.id"), primary_key=True),
    Column("teacher_id", Integer, ForeignKey("teachers.id"), primary_key=True),
    Index("class_teachers_by_teacher", "teacher_id", "class_id"),
)

learners = Table(
    "learners", metadata,
    Column("id", Integer, primary_key=True),
    Column("class_id", Integer, ForeignKey("classes.id"), nullable=False),
    Column("name", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("removed_at", UtcDateTime),
    Index("learners_by_class", "class_id", "name"),
    Index("learners_active_name", "class_id", "name", unique=True,
          sqlite_where=text("removed_at IS NULL"), postgresql_where=text("removed_at IS NULL")),
)

tokens = Table(
    "tokens", metadata,
    Column("hash", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("teacher_id", Integer, ForeignKey("teachers.id")),
    Column("learner_id", Integer, ForeignKey("learners.id")),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime),
    CheckConstraint(
        "(role = 'admin' AND teacher_id IS NULL AND learner_id IS NULL)"
        " OR (role = 'teacher' AND teacher_id IS NOT NULL AND learner_id IS NULL)"
        " OR (role = 'learner' AND learner_id IS NOT NULL AND teacher_id IS NULL)",
        name="role_owner",
    ),
    Index("tokens_by_teacher", "teacher_id"),
    Index("tokens_by_learner", "learner_id"),
)

web_sessions = Table(
    "web_sessions", metadata,
    Column("hash", String(64), primary_key=True),
    Column("csrf", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("teacher_id", Integer, ForeignKey("teachers.id")),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    CheckConstraint("(role = 'admin' AND teacher_id IS NULL) OR (role = 'teacher' AND teacher_id IS NOT NULL)",
                    name="role_owner"),
    Index("web_sessions_by_expiry", "expires_at"),
    Index("web_sessions_by_teacher", "teacher_id"),
)

attempts = Table(
    "attempts", metadata,
    Column("id", ID, primary_key=True),
    Column("learner_id", Integer, ForeignKey("learners.id"), nullable=False),
    Column("class_id", Integer, ForeignKey("classes.id"), nullable=False),
    Column("client_attempt_id", String(36), nullable=False, unique=True),
    Column("pack_id", Text, nullable=False),
    Column("pack_version", Text, nullable=False),
    Column("phrase_id", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("lang", Text, nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("status", String(8), nullable=False),
    Column("audio", Text, nullable=False),
    Column("audio_bytes", BigInteger, nullable=False),
    Column("duration", Float),
    Column("reference", Text),
    Column("overall", Float),
    Column("accuracy", Float),
    Column("fluency", Float),
    Column("intonation", Float),
    Column("completeness", Float),
    Column("score_json", Text),
    Column("scorer_version", Text),
    Column("client_overall", Float),
    Column("client_score_json", Text),
    Column("error", Text),
    Column("submitted_at", UtcDateTime),
    Column("scored_at", UtcDateTime),
    Column("hidden_at", UtcDateTime),
    Column("flagged_at", UtcDateTime),
    CheckConstraint("status IN ('pending', 'scored', 'failed')", name="status"),
    CheckConstraint(
        "status <> 'scored' OR (overall IS NOT NULL AND accuracy IS NOT NULL AND fluency IS NOT NULL"
        " AND intonation IS NOT NULL AND completeness IS NOT NULL AND score_json IS NOT NULL"
        " AND reference IS NOT NULL AND scored_at IS NOT NULL)",
        name="scored_has_score",
    ),
    CheckConstraint(
        "(overall IS NULL OR (overall >= 0 AND overall <= 100))"
        " AND (client_overall IS NULL OR (client_overall >= 0 AND client_overall <= 100))",
        name="score_range",
    ),
    Index("attempts_by_class", "class_id", "id"),
    Index("attempts_by_cell", "learner_id", "pack_id", "phrase_id", "recorded_at"),
    Index("attempts_since", "class_id", "pack_id", "phrase_id", "recorded_at"),
    Index("attempts_pending", "id", sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
    sqlite_autoincrement=True,
)

summaries = Table(
    "summaries", metadata,
    Column("learner_id", Integer, ForeignKey("learners.id"), primary_key=True),
    Column("pack_id", Text, primary_key=True),
    Column("phrase_id", Text, primary_key=True),
    Column("class_id", Integer, ForeignKey("classes.id"), nullable=False),
    Column("text", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("latest", Float, nullable=False),
    Column("latest_attempt_id", ID, nullable=False),
    Column("latest_at", UtcDateTime, nullable=False),
    Column("best", Float, nullable=False),
    Column("mean_last5", Float, nullable=False),
    Column("trend", Float),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("summaries_by_class_phrase", "class_id", "pack_id", "phrase_id", "latest", "learner_id"),
    Index("summaries_by_class_learner", "class_id", "learner_id", "latest", "attempts", "latest_at"),
)

weak_points = Table(
    "weak_points", metadata,
    Column("learner_id", Integer, ForeignKey("learners.id"), primary_key=True),
    Column("pack_id", Text, primary_key=True),
    Column("phrase_id", Text, primary_key=True),
    Column("kind", String(8), primary_key=True),
    Column("item", Text, primary_key=True),
    Column("class_id", Integer, ForeignKey("classes.id"), nullable=False),
    CheckConstraint("kind IN ('word', 'sound')", name="kind"),
    Index("weak_points_by_class", "class_id", "pack_id", "phrase_id", "kind", "item"),
)
"""What was weak in each summary's latest take: its words below 60 and the sound the scorer named (the difficulty view
counts them per phrase with one aggregate); kept with the summaries."""

class_phrases = Table(
    "class_phrases", metadata,
    Column("class_id", Integer, ForeignKey("classes.id"), primary_key=True),
    Column("pack_id", Text, primary_key=True),
    Column("phrase_id", Text, primary_key=True),
    Column("learners", Integer, nullable=False),
)
"""The phrases practised in each class (the class page's columns): how many of its learners have a summary of each."""

packs = Table(
    "packs", metadata,
    Column("id", Text, primary_key=True),
    Column("version", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("language", Text, nullable=False),
    Column("phrases", Integer, nullable=False),
    Column("folder", Text, nullable=False),
    Column("zip", Text, nullable=False),
    Column("published_at", UtcDateTime, nullable=False),
)

pack_phrases = Table(
    "pack_phrases", metadata,
    Column("pack_id", Text, ForeignKey("packs.id"), primary_key=True),
    Column("phrase_id", Text, primary_key=True),
    Column("position", Integer, nullable=False),
    Column("text", Text, nullable=False),
)

server_state = Table(
    "server_state", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
"""Small facts about derived data, e.g. which version of the summaries the table holds."""

MAX_COMMENT = 2000
"""Characters of a teacher's comment on a take."""

feedback = Table(
    "feedback", metadata,
    Column("id", ID, primary_key=True),
    Column("attempt_id", ID, ForeignKey("attempts.id"), nullable=False, unique=True),
    Column("learner_id", Integer, ForeignKey("learners.id"), nullable=False),
    Column("class_id", Integer, ForeignKey("classes.id"), nullable=False),
    Column("teacher_id", Integer, ForeignKey("teachers.id")),
    Column("comment", Text, nullable=False),
    Column("words", Text, nullable=False),
    Column("audio", Text),
    Column("audio_seconds", Float),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint(f"length(comment) <= {MAX_COMMENT}", name="comment_length"),
    Index("feedback_by_learner", "learner_id", "updated_at"),
    Index("feedback_by_class", "class_id", "updated_at"),
)
"""A teacher's answer to one take: a comment, the words to work on (JSON ``[{"index", "text"}]`` of the take's
words), and a recording of their own (FLAC, relative to the store's folder). ``teacher_id`` None: the admin wrote it."""

assignments = Table(
    "assignments", metadata,
    Column("id", ID, primary_key=True),
    Column("class_id", Integer, ForeignKey("classes.id"), nullable=False),
    Column("pack_id", Text, nullable=False),
    Column("pack_version", Text, nullable=False),
    Column("due_on", Day, nullable=False),
    Column("target", Integer, nullable=False),
    Column("whole_class", Boolean, nullable=False),
    Column("teacher_id", Integer, ForeignKey("teachers.id")),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("target >= 1 AND target <= 100", name="target"),
    Index("assignments_by_class", "class_id", "due_on"),
)
"""Work a teacher set: phrases of a published pack (the pack's version then), due on a day, a target score. A take
counts toward it when it was recorded since ``created_at``; ``whole_class`` or the learners in ``assignment_learners``."""

assignment_phrases = Table(
    "assignment_phrases", metadata,
    Column("assignment_id", ID, ForeignKey("assignments.id"), primary_key=True),
    Column("phrase_id", Text, primary_key=True),
    Column("position", Integer, nullable=False),
    Column("text", Text, nullable=False),
)

assignment_learners = Table(
    "assignment_learners", metadata,
    Column("assignment_id", ID, ForeignKey("assignments.id"), primary_key=True),
    Column("learner_id", Integer, ForeignKey("learners.id"), primary_key=True),
    Index("assignment_learners_by_learner", "learner_id", "assignment_id"),
)
