"""Inbound email records and connected IMAP mailboxes.

`InboundEmail` is the durable record of every raw message received, written before it
is parsed; its raw bytes live in the blob store under `sha256`. The table is also the
processing queue: rows in state `stored` are waiting for the pipeline.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from switchboard.storage.base import Base, PortableJSON


def _values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]


class IntakeSource(StrEnum):
    SMTP = "smtp"
    IMAP = "imap"
    IMPORT = "import"


class InboundState(StrEnum):
    STORED = "stored"  # raw bytes durable, waiting for the pipeline
    PROCESSED = "processed"  # outcome says what became of it
    FAILED = "failed"  # the pipeline failed; kept for `switchboard mail reprocess`


class InboundOutcome(StrEnum):
    NEW_TICKET = "new_ticket"
    THREADED = "threaded"  # added to an existing ticket (thread_rule on the message says how)
    FOLLOW_UP = "follow_up"  # a reply to a closed ticket started a linked ticket
    DUPLICATE = "duplicate"  # the same message was already processed (same content fingerprint)
    BOUNCE = "bounce"  # a delivery failure report, linked to our outgoing message when found
    LOOP = "loop"  # sent from one of our own addresses: recorded, never processed further
    AUTOMATIC = "automatic"  # an auto-reply to a closed conversation: recorded, starts nothing
    FALLBACK = "fallback"  # the pipeline failed; a ticket shows what could be read


class ThreadRule(StrEnum):
    """How an inbound message was attached to its ticket, in the order the rules apply."""

    NOTE_TOKEN = "note_token"  # noqa: S105 - answers to an emailed internal note: kept as a note
    REPLY_TOKEN = "reply_token"  # noqa: S105 - a rule name, not a secret
    REFERENCES = "references"
    IN_REPLY_TO = "in_reply_to"
    SUBJECT_NUMBER = "subject_number"
    NEW_TICKET = "new_ticket"


InboundStateType = Enum(InboundState, name="inbound_state", native_enum=False, length=16, values_callable=_values)


class InboundEmail(Base):
    __tablename__ = "inbound_emails"
    __table_args__ = (Index("ix_inbound_emails_state", "state", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[IntakeSource] = mapped_column(
        Enum(IntakeSource, name="intake_source", native_enum=False, length=16, values_callable=_values)
    )
    inbox_id: Mapped[int | None] = mapped_column(ForeignKey("inboxes.id", ondelete="SET NULL"))
    envelope_sender: Mapped[str | None] = mapped_column(String(998))
    envelope_recipients: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    received_at: Mapped[datetime]
    state: Mapped[InboundState] = mapped_column(InboundStateType)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None]
    outcome: Mapped[InboundOutcome | None] = mapped_column(
        Enum(InboundOutcome, name="inbound_outcome", native_enum=False, length=16, values_callable=_values)
    )
    # Filled by the pipeline:
    header_message_id: Mapped[str | None] = mapped_column(String(998))
    fingerprint: Mapped[str | None] = mapped_column(String(64), index=True)
    subject: Mapped[str | None] = mapped_column(String(500))
    sender: Mapped[str | None] = mapped_column(String(320))
    warnings: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"), index=True)


class ImapMailbox(Base):
    """An existing mailbox whose mail an inbox imports; at most one per inbox."""

    __tablename__ = "imap_mailboxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    inbox_id: Mapped[int] = mapped_column(ForeignKey("inboxes.id", ondelete="CASCADE"), unique=True)
    host: Mapped[str] = mapped_column(String(253))
    port: Mapped[int] = mapped_column(Integer)
    security: Mapped[str] = mapped_column(String(16))
    username: Mapped[str] = mapped_column(String(320))
    password: Mapped[str] = mapped_column(String(1024))
    folder: Mapped[str] = mapped_column(String(255), default="INBOX")
    move_to_folder: Mapped[str | None] = mapped_column(String(255))
    use_idle: Mapped[bool] = mapped_column(Boolean, default=True)
    poll_seconds: Mapped[int] = mapped_column(Integer, default=60)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    last_sync_at: Mapped[datetime | None]
    last_fetched: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
