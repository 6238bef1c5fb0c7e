"""email channel

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 14:43:08.440860
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "imap_mailboxes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inbox_id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=253), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("security", sa.String(length=16), nullable=False),
        sa.Column("username", sa.String(length=320), nullable=False),
        sa.Column("password", sa.String(length=1024), nullable=False),
        sa.Column("folder", sa.String(length=255), nullable=False),
        sa.Column("move_to_folder", sa.String(length=255), nullable=True),
        sa.Column("use_idle", sa.Boolean(), nullable=False),
        sa.Column("poll_seconds", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=True),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.Column("last_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_fetched", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["inbox_id"], ["inboxes.id"], name=op.f("fk_imap_mailboxes_inbox_id_inboxes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imap_mailboxes")),
        sa.UniqueConstraint("inbox_id", name=op.f("uq_imap_mailboxes_inbox_id")),
    )
    op.create_table(
        "ticket_participants",
        sa.Column("ticket_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column(
            "role", sa.Enum("requester", "cc", name="participant_role", native_enum=False, length=16), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_ticket_participants_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_participants_ticket_id_tickets"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("ticket_id", "customer_id", name=op.f("pk_ticket_participants")),
    )
    with op.batch_alter_table("ticket_participants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ticket_participants_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "inbound_emails",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column(
            "source",
            sa.Enum("smtp", "imap", "import", name="intake_source", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("inbox_id", sa.Integer(), nullable=True),
        sa.Column("envelope_sender", sa.String(length=998), nullable=True),
        sa.Column(
            "envelope_recipients",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "state",
            sa.Enum("stored", "processed", "failed", name="inbound_state", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "new_ticket",
                "threaded",
                "follow_up",
                "duplicate",
                "bounce",
                "loop",
                "automatic",
                "fallback",
                name="inbound_outcome",
                native_enum=False,
                length=16,
            ),
            nullable=True,
        ),
        sa.Column("header_message_id", sa.String(length=998), nullable=True),
        sa.Column("fingerprint", sa.String(length=64), nullable=True),
        sa.Column("subject", sa.String(length=500), nullable=True),
        sa.Column("sender", sa.String(length=320), nullable=True),
        sa.Column(
            "warnings", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("ticket_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["inbox_id"], ["inboxes.id"], name=op.f("fk_inbound_emails_inbox_id_inboxes"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_inbound_emails_message_id_messages"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_inbound_emails_ticket_id_tickets"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_emails")),
        sa.UniqueConstraint("sha256", name=op.f("uq_inbound_emails_sha256")),
    )
    with op.batch_alter_table("inbound_emails", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbound_emails_fingerprint"), ["fingerprint"], unique=False)
        batch_op.create_index(batch_op.f("ix_inbound_emails_message_id"), ["message_id"], unique=False)
        batch_op.create_index("ix_inbound_emails_state", ["state", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inbound_emails_ticket_id"), ["ticket_id"], unique=False)

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thread_rule", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("delivery_error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("delivery_error")
        batch_op.drop_column("thread_rule")

    with op.batch_alter_table("inbound_emails", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_emails_ticket_id"))
        batch_op.drop_index("ix_inbound_emails_state")
        batch_op.drop_index(batch_op.f("ix_inbound_emails_message_id"))
        batch_op.drop_index(batch_op.f("ix_inbound_emails_fingerprint"))

    op.drop_table("inbound_emails")
    with op.batch_alter_table("ticket_participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ticket_participants_customer_id"))

    op.drop_table("ticket_participants")
    op.drop_table("imap_mailboxes")
