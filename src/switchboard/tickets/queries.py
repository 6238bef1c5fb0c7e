"""Read side of tickets: listings with keyset pagination, a ticket with its thread, events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, false, or_, select, tuple_
from sqlalchemy.orm import Session, selectinload

from switchboard.accounts.actor import Actor
from switchboard.accounts.models import User
from switchboard.accounts.roles import Permission
from switchboard.channels.models import Channel
from switchboard.core.cursor import decode_cursor, encode_cursor
from switchboard.core.errors import NotFound, ValidationFailed
from switchboard.core.text import LIKE_ESCAPE, escape_like
from switchboard.customers.models import Customer
from switchboard.tickets.models import (
    Attachment,
    Audience,
    CustomFieldDefinition,
    Message,
    MessageKind,
    Tag,
    Ticket,
    TicketEvent,
    TicketTag,
)
from switchboard.tickets.states import Priority, TicketStatus

MAX_PAGE_SIZE = 100
MAX_EVENT_PAGE_SIZE = 500
MAX_SEARCH_LENGTH = 200
MAX_TICKET_NUMBER_DIGITS = 17  # numbers are BIGINT; longer digit strings are text, not a number


class SortKey(StrEnum):
    CREATED = "created_at"
    UPDATED = "updated_at"
    PRIORITY = "priority"


class SortOrder(StrEnum):
    ASC = "asc"
    DESC = "desc"


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketFilter:
    statuses: Sequence[TicketStatus] = ()
    priorities: Sequence[Priority] = ()
    assignee_id: int | None = None
    unassigned: bool = False
    team_id: int | None = None
    inbox_id: int | None = None
    customer_id: int | None = None
    channel: Channel | None = None
    tag: str | None = None
    text: str | None = None


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def _sort_columns(sort: SortKey) -> list[Any]:
    if sort is SortKey.CREATED:
        return [Ticket.created_at, Ticket.id]
    if sort is SortKey.UPDATED:
        return [Ticket.updated_at, Ticket.id]
    return [Ticket.priority, Ticket.created_at, Ticket.id]


def _cursor_values(ticket: Ticket, sort: SortKey) -> list[Any]:
    if sort is SortKey.CREATED:
        return [ticket.created_at.isoformat(), ticket.id]
    if sort is SortKey.UPDATED:
        return [ticket.updated_at.isoformat(), ticket.id]
    return [ticket.priority.rank, ticket.created_at.isoformat(), ticket.id]


def _parse_cursor_values(raw: list[Any], sort: SortKey) -> list[Any]:
    try:
        if sort is SortKey.PRIORITY:
            return [Priority.from_rank(int(raw[0])), datetime.fromisoformat(raw[1]), int(raw[2])]
        return [datetime.fromisoformat(raw[0]), int(raw[1])]
    except (TypeError, ValueError, KeyError) as exc:
        raise ValidationFailed("cursor does not belong to this listing") from exc


def visible_tickets(actor: Actor) -> ColumnElement[bool]:
    """The condition limiting a listing to what the actor may see."""
    not_deleted = Ticket.deleted_at.is_(None)
    if actor.can(Permission.TICKET_VIEW_ALL):
        return not_deleted
    if actor.can(Permission.TICKET_VIEW_OWN) and actor.customer_id is not None:
        return and_(not_deleted, Ticket.customer_id == actor.customer_id)
    return false()


def _apply_filter(query: Select[Ticket], filters: TicketFilter) -> Select[Ticket]:
    if filters.statuses:
        query = query.where(Ticket.status.in_(list(filters.statuses)))
    if filters.priorities:
        query = query.where(Ticket.priority.in_(list(filters.priorities)))
    if filters.unassigned:
        query = query.where(Ticket.assignee_id.is_(None))
    elif filters.assignee_id is not None:
        query = query.where(Ticket.assignee_id == filters.assignee_id)
    if filters.team_id is not None:
        query = query.where(Ticket.team_id == filters.team_id)
    if filters.inbox_id is not None:
        query = query.where(Ticket.inbox_id == filters.inbox_id)
    if filters.customer_id is not None:
        query = query.where(Ticket.customer_id == filters.customer_id)
    if filters.channel is not None:
        query = query.where(Ticket.channel == filters.channel)
    if filters.tag:
        query = query.where(
            exists().where(TicketTag.ticket_id == Ticket.id, TicketTag.tag_id == Tag.id, Tag.name == filters.tag)
        )
    if filters.text:
        text = filters.text.strip()
        if len(text) > MAX_SEARCH_LENGTH:
            raise ValidationFailed(f"search text is longer than {MAX_SEARCH_LENGTH} characters")
        condition: ColumnElement[bool] = Ticket.subject.ilike(f"%{escape_like(text)}%", escape=LIKE_ESCAPE)
        if text.isascii() and text.isdigit() and len(text) <= MAX_TICKET_NUMBER_DIGITS:
            condition = or_(condition, Ticket.number == int(text))
        query = query.where(condition)
    return query


def list_tickets(
    session: Session,
    *,
    actor: Actor,
    filters: TicketFilter,
    sort: SortKey = SortKey.CREATED,
    order: SortOrder = SortOrder.DESC,
    cursor: str | None = None,
    limit: int = 25,
) -> Page[Ticket]:
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValidationFailed(f"limit must be between 1 and {MAX_PAGE_SIZE}")
    if actor.is_customer and filters.customer_id not in (None, actor.customer_id):
        return Page(items=[], next_cursor=None)
    columns = _sort_columns(sort)
    query = _apply_filter(select(Ticket).where(visible_tickets(actor)), filters)
    if cursor is not None:
        values = _parse_cursor_values(decode_cursor(cursor, expected_length=len(columns)), sort)
        after = tuple_(*columns)
        bound = tuple_(
            *(bindparam(None, value, type_=column.type) for column, value in zip(columns, values, strict=True))
        )
        query = query.where(after < bound if order is SortOrder.DESC else after > bound)
    ordering = [c.desc() if order is SortOrder.DESC else c.asc() for c in columns]
    rows = list(session.scalars(query.order_by(*ordering).limit(limit + 1).options(selectinload(Ticket.tags))))
    next_cursor = encode_cursor(_cursor_values(rows[limit - 1], sort)) if len(rows) > limit else None
    return Page(items=rows[:limit], next_cursor=next_cursor)


def get_ticket(session: Session, *, actor: Actor, ticket_id: int) -> Ticket:
    ticket = session.scalars(
        select(Ticket).where(Ticket.id == ticket_id, visible_tickets(actor)).options(selectinload(Ticket.tags))
    ).one_or_none()
    if ticket is None:
        raise NotFound(f"ticket {ticket_id} does not exist")
    return ticket


def get_ticket_by_number(session: Session, *, actor: Actor, number: int) -> Ticket:
    ticket = session.scalars(select(Ticket).where(Ticket.number == number, visible_tickets(actor))).one_or_none()
    if ticket is None:
        raise NotFound(f"ticket #{number} does not exist")
    return ticket


def thread(session: Session, *, actor: Actor, ticket: Ticket) -> list[Message]:
    """The ticket's messages, oldest first; internal notes only for staff."""
    query = select(Message).where(Message.ticket_id == ticket.id).options(selectinload(Message.attachments))
    if not actor.can(Permission.TICKET_NOTE):
        query = query.where(Message.kind != MessageKind.NOTE)
    return list(session.scalars(query.order_by(Message.id)))


def _visible_messages(actor: Actor) -> ColumnElement[bool]:
    """Messages of tickets the actor may see; internal notes only for staff.

    Used joined to `Ticket`, for lookups by a message's or attachment's own id, where a
    missing and a forbidden row must look the same (both are NotFound).
    """
    condition = visible_tickets(actor)
    if not actor.can(Permission.TICKET_NOTE):
        condition = and_(condition, Message.kind != MessageKind.NOTE)
    return condition


def message_for(session: Session, *, actor: Actor, message_id: int) -> Message:
    """A message the actor may see, with its attachments; NotFound otherwise."""
    message = session.scalars(
        select(Message)
        .join(Ticket, Ticket.id == Message.ticket_id)
        .where(Message.id == message_id, _visible_messages(actor))
        .options(selectinload(Message.attachments))
    ).one_or_none()
    if message is None:
        raise NotFound(f"message {message_id} does not exist")
    return message


def attachment_for(session: Session, *, actor: Actor, attachment_id: int) -> Attachment:
    """An attachment of a message the actor may see; NotFound otherwise."""
    attachment = session.scalars(
        select(Attachment)
        .join(Message, Message.id == Attachment.message_id)
        .join(Ticket, Ticket.id == Message.ticket_id)
        .where(Attachment.id == attachment_id, _visible_messages(actor))
    ).one_or_none()
    if attachment is None:
        raise NotFound(f"attachment {attachment_id} does not exist")
    return attachment


@dataclass(frozen=True, slots=True)
class AuthorNames:
    """Display names of who wrote a thread's messages (and the ticket's customer)."""

    users: dict[int, str]
    customers: dict[int, str]


def author_names(session: Session, *, messages: Sequence[Message], customer_ids: Sequence[int] = ()) -> AuthorNames:
    """Names for the authors of `messages` (already checked as visible) and of `customer_ids`."""
    user_ids = {m.author_user_id for m in messages if m.author_user_id is not None}
    wanted_customers = {m.author_customer_id for m in messages if m.author_customer_id is not None}
    wanted_customers.update(customer_ids)
    users: dict[int, str] = {}
    if user_ids:
        users = dict(session.execute(select(User.id, User.name).where(User.id.in_(user_ids))).all())
    customers: dict[int, str] = {}
    if wanted_customers:
        query = select(Customer.id, Customer.name).where(Customer.id.in_(wanted_customers))
        customers = dict(session.execute(query).all())
    return AuthorNames(users=users, customers=customers)


def ticket_events(
    session: Session, *, actor: Actor, ticket: Ticket, after_id: int | None = None, limit: int = 100
) -> Page[TicketEvent]:
    actor.require(Permission.TICKET_EVENTS_VIEW)
    if not 1 <= limit <= MAX_EVENT_PAGE_SIZE:
        raise ValidationFailed(f"limit must be between 1 and {MAX_EVENT_PAGE_SIZE}")
    query = select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
    if not actor.can(Permission.TICKET_NOTE):
        query = query.where(TicketEvent.audience == Audience.PUBLIC)
    if after_id is not None:
        query = query.where(TicketEvent.id > after_id)
    rows = list(session.scalars(query.order_by(TicketEvent.id).limit(limit + 1)))
    next_cursor = str(rows[limit - 1].id) if len(rows) > limit else None
    return Page(items=rows[:limit], next_cursor=next_cursor)


def field_definitions(session: Session, *, actor: Actor) -> list[CustomFieldDefinition]:
    actor.require_any(Permission.TICKET_VIEW_ALL, Permission.FIELD_MANAGE)
    return list(session.scalars(select(CustomFieldDefinition).order_by(CustomFieldDefinition.key)))


def tags(session: Session, *, actor: Actor, prefix: str | None = None, limit: int = 100) -> list[Tag]:
    actor.require(Permission.TICKET_VIEW_ALL)
    query = select(Tag).order_by(Tag.name).limit(limit)
    if prefix:
        query = query.where(Tag.name.like(f"{escape_like(prefix.lower())}%", escape=LIKE_ESCAPE))
    return list(session.scalars(query))
