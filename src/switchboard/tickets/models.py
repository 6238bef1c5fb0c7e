"""Tickets, their messages and attachments, tags, custom field definitions, and the event log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Enum,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from switchboard.channels.models import Channel, ChannelType
from switchboard.storage.base import Base, NullablePortableJSON, PortableJSON
from switchboard.tickets.states import Priority, TicketStatus
from switchboard.tickets.validation import FieldKind as FieldKind


def _values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]


class PriorityType(TypeDecorator[Priority]):
    """Stored as its rank (1 low .. 4 urgent) so that sorting by priority uses an index."""

    impl = SmallInteger
    cache_ok = True

    def process_bind_param(self, value: Priority | str | None, dialect: Dialect) -> int | None:
        return None if value is None else Priority(value).rank

    def process_result_value(self, value: int | None, dialect: Dialect) -> Priority | None:
        return None if value is None else Priority.from_rank(value)


class MessageKind(StrEnum):
    INBOUND = "inbound"  # from the customer
    OUTBOUND = "outbound"  # public reply from an agent (or an automatic reply)
    NOTE = "note"  # internal; never shown to the customer


class DeliveryState(StrEnum):
    RECEIVED = "received"  # inbound, stored
    QUEUED = "queued"  # outbound, waiting in the outbox
    SENT = "sent"
    FAILED = "failed"
    NOT_APPLICABLE = "not_applicable"  # notes, and replies on channels with no delivery step


class Audience(StrEnum):
    """Who may see an event: internal notes must never reach a customer."""

    PUBLIC = "public"
    INTERNAL = "internal"


StatusType = Enum(TicketStatus, name="ticket_status", native_enum=False, length=16, values_callable=_values)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_team_queue", "team_id", "status", "assignee_id", "created_at", "id"),
        Index("ix_tickets_team_created", "team_id", "created_at", "id"),
        Index("ix_tickets_assignee_queue", "assignee_id", "status", "updated_at", "id"),
        Index("ix_tickets_customer_created", "customer_id", "created_at", "id"),
        Index("ix_tickets_inbox_created", "inbox_id", "created_at", "id"),
        Index("ix_tickets_status_created", "status", "created_at", "id"),
        Index("ix_tickets_status_priority", "status", "priority", "created_at", "id"),
        Index("ix_tickets_created", "created_at", "id"),
        Index("ix_tickets_updated", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    number: Mapped[int] = mapped_column(BigInteger, unique=True)
    subject: Mapped[str] = mapped_column(String(500))
    status: Mapped[TicketStatus] = mapped_column(StatusType)
    priority: Mapped[Priority] = mapped_column(PriorityType)
    channel: Mapped[Channel] = mapped_column(ChannelType)
    inbox_id: Mapped[int | None] = mapped_column(ForeignKey("inboxes.id", ondelete="SET NULL"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    custom_fields: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    solved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    follow_up_of_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    deleted_at: Mapped[datetime | None]
    message_count: Mapped[int] = mapped_column(Integer, default=0)

    messages: Mapped[list[Message]] = relationship(
        back_populates="ticket", order_by="Message.id", foreign_keys="Message.ticket_id"
    )
    tags: Mapped[list[Tag]] = relationship(secondary="ticket_tags", order_by="Tag.name")


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_ticket", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[MessageKind] = mapped_column(
        Enum(MessageKind, name="message_kind", native_enum=False, length=16, values_callable=_values)
    )
    channel: Mapped[Channel] = mapped_column(ChannelType)
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)  # always sanitised before storage
    is_automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    delivery_state: Mapped[DeliveryState] = mapped_column(
        Enum(DeliveryState, name="delivery_state", native_enum=False, length=16, values_callable=_values)
    )
    external_id: Mapped[str | None] = mapped_column(String(998), index=True)  # email: the Message-ID
    thread_rule: Mapped[str | None] = mapped_column(String(32))  # how a channel threaded it here
    delivery_error: Mapped[str | None] = mapped_column(Text)  # why delivery failed, when it did
    # An internal note emailed to colleagues or vendors: their addresses (never the customer's).
    email_recipients: Mapped[list[str] | None] = mapped_column(NullablePortableJSON)
    created_at: Mapped[datetime]

    ticket: Mapped[Ticket] = relationship(back_populates="messages", foreign_keys=[ticket_id])
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="message", order_by="Attachment.id", cascade="all, delete-orphan"
    )


class Attachment(Base):
    """Metadata only; the bytes live in the content-addressed blob store under `sha256`."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_id: Mapped[str | None] = mapped_column(String(255))  # for inline cid: images

    message: Mapped[Message] = relationship(back_populates="attachments")


class ParticipantRole(StrEnum):
    REQUESTER = "requester"
    CC = "cc"


class TicketParticipant(Base):
    """A customer taking part in a ticket's conversation: the requester and anyone copied."""

    __tablename__ = "ticket_participants"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[ParticipantRole] = mapped_column(
        Enum(ParticipantRole, name="participant_role", native_enum=False, length=16, values_callable=_values)
    )
    created_at: Mapped[datetime]


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)


class TicketTag(Base):
    __tablename__ = "ticket_tags"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True)


class CustomFieldDefinition(Base):
    __tablename__ = "custom_field_definitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(120))
    kind: Mapped[FieldKind] = mapped_column(
        Enum(FieldKind, name="field_kind", native_enum=False, length=16, values_callable=_values)
    )
    options: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    created_at: Mapped[datetime]


class TicketEvent(Base):
    """Append-only: rows are only ever inserted (database triggers refuse UPDATE and DELETE).

    `type` is the stable name of a typed event from `tickets.events`; `data` its fields.
    """

    __tablename__ = "ticket_events"
    __table_args__ = (
        Index("ix_ticket_events_ticket", "ticket_id", "id"),
        Index("ix_ticket_events_type_occurred", "type", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="RESTRICT"))
    type: Mapped[str] = mapped_column(String(64))
    # No ON DELETE action: the log is never rewritten, so users are deactivated, not deleted.
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    audience: Mapped[Audience] = mapped_column(
        Enum(Audience, name="audience", native_enum=False, length=16, values_callable=_values)
    )
    occurred_at: Mapped[datetime]
    data: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
