"""The teacher ↔ learner loop: feedback on takes, assignments, flagged takes, the weak points of each summary's latest
take, and an index of a class's takes of a phrase by time (what counts toward an assignment).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tui.server.schema import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MAX_COMMENT = 2000


def upgrade() -> None:
    op.add_column("attempts", sa.Column("flagged_at", UtcDateTime))
    op.create_table(
        "weak_points",
        sa.Column("learner_id", sa.Integer, nullable=False),
        sa.Column("pack_id", sa.Text, nullable=False),
        sa.Column("phrase_id", sa.Text, nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("item", sa.Text, nullable=False),
        sa.Column("class_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("learner_id", "pack_id", "phrase_id", "kind", "item", name="pk_weak_points"),
        sa.ForeignKeyConstraint(["learner_id"], ["learners.id"], name="fk_weak_points_learner_id_learners"),
        sa.ForeignKeyConstraint(["class_id"], ["classes.id"], name="fk_weak_points_class_id_classes"),
        sa.CheckConstraint("kind IN ('word', 'sound')", name="ck_weak_points_kind"),
    )
    op.create_index("weak_points_by_class", "weak_points", ["class_id", "pack_id", "phrase_id", "kind", "item"])
    op.create_index("attempts_since", "attempts", ["class_id", "pack_id", "phrase_id", "recorded_at"])
    op.create_table(
        "feedback",
        sa.Column("id", ID, primary_key=True),
        sa.Column("attempt_id", ID, nullable=False),
        sa.Column("learner_id", sa.Integer, nullable=False),
        sa.Column("class_id", sa.Integer, nullable=False),
        sa.Column("teacher_id", sa.Integer),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("words", sa.Text, nullable=False),
        sa.Column("audio", sa.Text),
        sa.Column("audio_seconds", sa.Float),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_feedback"),
        sa.UniqueConstraint("attempt_id", name="uq_feedback_attempt_id"),
        sa.ForeignKeyConstraint(["attempt_id"], ["attempts.id"], name="fk_feedback_attempt_id_attempts"),
        sa.ForeignKeyConstraint(["learner_id"], ["learners.id"], name="fk_feedback_learner_id_learners"),
        sa.ForeignKeyConstraint(["class_id"], ["classes.id"], name="fk_feedback_class_id_classes"),
        sa.ForeignKeyConstraint(["teacher_id"], ["teachers.id"], name="fk_feedback_teacher_id_teachers"),
        sa.CheckConstraint(f"length(comment) <= {MAX_COMMENT}", name="ck_feedback_comment_length"),
    )
    op.create_index("feedback_by_learner", "feedback", ["learner_id", "updated_at"])
    op.create_index("feedback_by_class", "feedback", ["class_id", "updated_at"])
    op.create_table(
        "assignments",
        sa.Column("id", ID, primary_key=True),
        sa.Column("class_id", sa.Integer, nullable=False),
        sa.Column("pack_id", sa.Text, nullable=False),
        sa.Column("pack_version", sa.Text, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("target", sa.Integer, nullable=False),
        sa.Column("whole_class", sa.Boolean, nullable=False),
        sa.Column("teacher_id", sa.Integer),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_assignments"),
        sa.ForeignKeyConstraint(["class_id"], ["classes.id"], name="fk_assignments_class_id_classes"),
        sa.ForeignKeyConstraint(["teacher_id"], ["teachers.id"], name="fk_assignments_teacher_id_teachers"),
        sa.CheckConstraint("target >= 1 AND target <= 100", name="ck_assignments_target"),
    )
    op.create_index("assignments_by_class", "assignments", ["class_id", "due_on"])
    op.create_table(
        "assignment_phrases",
        sa.Column("assignment_id", ID, nullable=False),
        sa.Column("phrase_id", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("assignment_id", "phrase_id", name="pk_assignment_phrases"),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignments.id"], name="fk_assignment_phrases_assignment_id_assignments"),
    )
    op.create_table(
        "assignment_learners",
        sa.Column("assignment_id", ID, nullable=False),
        sa.Column("learner_id", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("assignment_id", "learner_id", name="pk_assignment_learners"),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignments.id"], name="fk_assignment_learners_assignment_id_assignments"),
        sa.ForeignKeyConstraint(["learner_id"], ["learners.id"], name="fk_assignment_learners_learner_id_learners"),
    )
    op.create_index("assignment_learners_by_learner", "assignment_learners", ["learner_id", "assignment_id"])


def downgrade() -> None:
    raise NotImplementedError("the class server's store is never downgraded")
