"""workforce presence and schedules

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 16:51:56.820809
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "presence_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "offline",
                "available",
                "handling",
                "after_contact_work",
                "break",
                "lunch",
                "meeting",
                name="presence_state",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_presence_changes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presence_changes")),
    )
    with op.batch_alter_table("presence_changes", schema=None) as batch_op:
        batch_op.create_index("ix_presence_changes_user_started", ["user_id", "started_at", "id"], unique=False)

    op.create_table(
        "wfm_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("draft", "published", "withdrawn", name="schedule_status", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("interval_minutes", sa.Integer(), nullable=False),
        sa.Column(
            "required_agents",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "solve_report",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("optimality_gap", sa.Float(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_wfm_schedules_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_wfm_schedules_team_id_teams"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wfm_schedules")),
    )
    with op.batch_alter_table("wfm_schedules", schema=None) as batch_op:
        batch_op.create_index("ix_wfm_schedules_status_starts", ["status", "starts_at"], unique=False)

    op.create_table(
        "wfm_shifts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("template", sa.String(length=120), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["wfm_schedules.id"],
            name=op.f("fk_wfm_shifts_schedule_id_wfm_schedules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_wfm_shifts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wfm_shifts")),
    )
    with op.batch_alter_table("wfm_shifts", schema=None) as batch_op:
        batch_op.create_index("ix_wfm_shifts_schedule", ["schedule_id", "starts_at"], unique=False)
        batch_op.create_index("ix_wfm_shifts_user_starts", ["user_id", "starts_at"], unique=False)

    op.create_table(
        "wfm_shift_activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column(
            "activity",
            sa.Enum("work", "break", "lunch", "meeting", name="scheduled_activity", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shift_id"],
            ["wfm_shifts.id"],
            name=op.f("fk_wfm_shift_activities_shift_id_wfm_shifts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wfm_shift_activities")),
    )
    with op.batch_alter_table("wfm_shift_activities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wfm_shift_activities_shift_id"), ["shift_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("wfm_shift_activities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wfm_shift_activities_shift_id"))

    op.drop_table("wfm_shift_activities")
    with op.batch_alter_table("wfm_shifts", schema=None) as batch_op:
        batch_op.drop_index("ix_wfm_shifts_user_starts")
        batch_op.drop_index("ix_wfm_shifts_schedule")

    op.drop_table("wfm_shifts")
    with op.batch_alter_table("wfm_schedules", schema=None) as batch_op:
        batch_op.drop_index("ix_wfm_schedules_status_starts")

    op.drop_table("wfm_schedules")
    with op.batch_alter_table("presence_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_presence_changes_user_started")

    op.drop_table("presence_changes")
