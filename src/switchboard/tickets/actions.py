"""The only writers of tickets, messages, tags and the event log.

Every action validates, authorises, changes the rows and appends the ticket events in
the caller's transaction (`Database.write()`), and records side effects in the outbox.
Actions take keyword-only arguments and an explicit `actor` and `now`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from switchboard.accounts.actor import Actor
from switchboard.accounts.models import Team, User
from switchboard.accounts.roles import STAFF_ROLES, Permission
from switchboard.channels.email.compose import ascii_address
from switchboard.channels.email.tokens import split_plus_address
from switchboard.channels.models import Channel, Inbox
from switchboard.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from switchboard.core.html import sanitise_html
from switchboard.customers.actions import normalise_identity
from switchboard.customers.models import Customer, CustomerIdentity, IdentityKind
from switchboard.storage import outbox
from switchboard.storage.counters import next_value
from switchboard.tickets import events as ev
from switchboard.tickets.models import (
    CustomFieldDefinition,
    DeliveryState,
    FieldKind,
    Message,
    MessageKind,
    ParticipantRole,
    Tag,
    Ticket,
    TicketEvent,
    TicketParticipant,
    TicketTag,
)
from switchboard.tickets.states import Priority, TicketStatus, can_transition, is_reopen
from switchboard.tickets.validation import (
    MAX_TAGS_PER_TICKET,
    clean_body,
    clean_subject,
    normalise_field_value,
    normalise_tag,
)

TICKET_NUMBER_COUNTER = "ticket_number"
DELIVER_TOPIC_PREFIX = "message.deliver."
MAX_DELIVERY_ERROR_LENGTH = 2000
MAX_NOTE_RECIPIENTS = 10


def deliver_topic(channel: Channel) -> str:
    """Outbox topic for delivering a reply on `channel`; each channel registers its handler."""
    return f"{DELIVER_TOPIC_PREFIX}{channel.value}"


_FIELD_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class Unset(Enum):
    """Marks an optional change that was not asked for (None means "clear it")."""

    UNSET = "unset"


UNSET = Unset.UNSET


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketChanges:
    subject: str | Unset = UNSET
    status: TicketStatus | Unset = UNSET
    priority: Priority | Unset = UNSET
    assignee_id: int | Unset | None = UNSET
    team_id: int | Unset | None = UNSET
    add_tags: Sequence[str] = ()
    remove_tags: Sequence[str] = ()
    custom_fields: dict[str, Any] = field(default_factory=dict)


def record_event(
    session: Session, *, ticket: Ticket, actor: Actor, now: datetime, event: ev.TicketEventData
) -> TicketEvent:
    """Append one event to the ticket's log (the only way events are written)."""
    row = TicketEvent(
        ticket_id=ticket.id,
        type=event.name,
        actor_user_id=actor.user_id,
        audience=event.audience,
        occurred_at=now,
        data=event.as_data(),
    )
    session.add(row)
    return row


def load_ticket_for_update(session: Session, *, actor: Actor, ticket_id: int) -> Ticket:
    """The ticket, locked for this transaction, if the actor may see it."""
    query = select(Ticket).where(Ticket.id == ticket_id, Ticket.deleted_at.is_(None))
    if session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update()
    ticket = session.scalars(query).one_or_none()
    if ticket is None or not _may_see(actor, ticket):
        raise NotFound(f"ticket {ticket_id} does not exist")
    return ticket


def _may_see(actor: Actor, ticket: Ticket) -> bool:
    if actor.can(Permission.TICKET_VIEW_ALL):
        return True
    return actor.can(Permission.TICKET_VIEW_OWN) and ticket.customer_id == actor.customer_id


def create_ticket(
    session: Session,
    *,
    actor: Actor,
    now: datetime,
    subject: str,
    body_text: str,
    customer_id: int,
    channel: Channel,
    body_html: str | None = None,
    inbox_id: int | None = None,
    priority: Priority = Priority.NORMAL,
    team_id: int | None = None,
    assignee_id: int | None = None,
    tags: Iterable[str] = (),
    custom_fields: dict[str, Any] | None = None,
    external_id: str | None = None,
    follow_up_of_id: int | None = None,
    thread_rule: str | None = None,
) -> Ticket:
    """Open a ticket whose first message is the customer's request."""
    permission = actor.require_any(Permission.TICKET_CREATE, Permission.TICKET_CREATE_OWN)
    if permission is Permission.TICKET_CREATE_OWN and not actor.is_system:
        if actor.customer_id is None or customer_id != actor.customer_id:
            raise PermissionDenied("a customer may only open tickets for themselves")
        # Customers do not triage their own tickets.
        if team_id is not None or assignee_id is not None or custom_fields or list(tags):
            raise PermissionDenied("a customer may not set team, assignee, tags or fields")
        priority = Priority.NORMAL
    subject = clean_subject(subject)
    body_text = clean_body(body_text)
    if session.get(Customer, customer_id) is None:
        raise ValidationFailed(f"customer {customer_id} does not exist")
    inbox = _existing_inbox(session, inbox_id)
    if inbox is not None and team_id is None:
        team_id = inbox.default_team_id
    _require_team(session, team_id)
    _require_assignable(session, assignee_id)
    if follow_up_of_id is not None and session.get(Ticket, follow_up_of_id) is None:
        raise ValidationFailed(f"ticket {follow_up_of_id} does not exist")

    ticket = Ticket(
        number=next_value(session, TICKET_NUMBER_COUNTER),
        subject=subject,
        status=TicketStatus.NEW,
        priority=priority,
        channel=channel,
        inbox_id=inbox_id,
        customer_id=customer_id,
        assignee_id=assignee_id,
        team_id=team_id,
        custom_fields={},
        created_at=now,
        updated_at=now,
        follow_up_of_id=follow_up_of_id,
        message_count=0,
    )
    session.add(ticket)
    session.flush()
    record_event(
        session,
        ticket=ticket,
        actor=actor,
        now=now,
        event=ev.TicketCreated(
            number=ticket.number,
            subject=subject,
            status=ticket.status.value,
            priority=priority.value,
            channel=channel.value,
            customer_id=customer_id,
            inbox_id=inbox_id,
            team_id=team_id,
            assignee_id=assignee_id,
        ),
    )
    _add_message(
        session,
        ticket=ticket,
        actor=actor,
        now=now,
        kind=MessageKind.INBOUND,
        body_text=body_text,
        body_html=body_html,
        author_customer_id=customer_id,
        external_id=external_id,
        thread_rule=thread_rule,
    )
    session.add(
        TicketParticipant(ticket_id=ticket.id, customer_id=customer_id, role=ParticipantRole.REQUESTER, created_at=now)
    )
    for tag in tags:
        _add_tag(session, ticket=ticket, actor=actor, now=now, tag=tag)
    if custom_fields:
        _set_custom_fields(session, ticket=ticket, actor=actor, now=now, values=custom_fields)
    return ticket


def add_customer_message(
    session: Session,
    *,
    actor: Actor,
    now: datetime,
    ticket_id: int,
    body_text: str,
    body_html: str | None = None,
    channel: Channel | None = None,
    external_id: str | None = None,
    is_automatic: bool = False,
    author_customer_id: int | None = None,
    thread_rule: str | None = None,
) -> Message:
    """A message from the ticket's customer, or from another participant of the ticket
    (`author_customer_id`, channel intake only). It reopens a solved or pending ticket,
    unless automatic: an auto-reply never reopens a ticket.

    A closed ticket takes no more messages: channels start a follow-up ticket instead.
    """
    actor.require_any(Permission.TICKET_REPLY_OWN, Permission.TICKET_CREATE)
    ticket = load_ticket_for_update(session, actor=actor, ticket_id=ticket_id)
    if ticket.status is TicketStatus.CLOSED:
        raise Conflict(f"ticket {ticket.number} is closed; open a follow-up ticket instead")
    if ticket.merged_into_id is not None:
        raise Conflict(f"ticket {ticket.number} was merged into ticket {ticket.merged_into_id}")
    author = ticket.customer_id
    if author_customer_id is not None and author_customer_id != ticket.customer_id:
        if not actor.is_system:
            raise PermissionDenied("only channel intake writes on behalf of another participant")
        if session.get(TicketParticipant, (ticket.id, author_customer_id)) is None:
            raise ValidationFailed(f"customer {author_customer_id} is not a participant of ticket {ticket.number}")
        author = author_customer_id
    message = _add_message(
        session,
        ticket=ticket,
        actor=actor,
        now=now,
        kind=MessageKind.INBOUND,
        body_text=clean_body(body_text),
        body_html=body_html,
        author_customer_id=author,
        channel=channel,
        external_id=external_id,
        is_automatic=is_automatic,
        thread_rule=thread_rule,
    )
    # A customer writing back puts the ticket back in the agents' court.
    if not is_automatic and ticket.status in (TicketStatus.PENDING, TicketStatus.SOLVED):
        _change_status(session, ticket=ticket, actor=actor, now=now, status=TicketStatus.OPEN)
    return message


def reply(
    session: Session,
    *,
    actor: Actor,
    now: datetime,
    ticket_id: int,
    body_text: str,
    body_html: str | None = None,
    status: TicketStatus | None = None,
    is_automatic: bool = False,
) -> Message:
    """A public reply from an agent to the customer, delivered through the ticket's channel.

    A new ticket becomes open unless `status` says otherwise.
    """
    actor.require(Permission.TICKET_REPLY)
    if actor.is_customer:
        raise PermissionDenied("customers write messages, not agent replies")
    ticket = load_ticket_for_update(session, actor=actor, ticket_id=ticket_id)
    _require_not_final(ticket)
    message = _add_message(
        session,
        ticket=ticket,
        actor=actor,
        now=now,
        kind=MessageKind.OUTBOUND,
        body_text=clean_body(body_text),
        body_html=body_html,
        author_user_id=actor.user_id,
        is_automatic=is_automatic,
    )
    target = status if status is not None else (TicketStatus.OPEN if ticket.status is TicketStatus.NEW else None)
    if target is not None and target is not ticket.status:
        _change_status(session, ticket=ticket, actor=actor, now=now, status=target)
    _enqueue_delivery(session, message, now)
    return message


def add_note(
    session: Session,
    *,
    actor: Actor,
    now: datetime,
    ticket_id: int,
    body_text: str,
    body_html: str | None = None,
    email_to: Sequence[str] = (),
) -> Message:
    """An internal note: visible to staff only.

    With `email_to` (up to 10 addresses of colleagues or vendors, never the customer's)
    the note is also emailed to them, through the outbox as a reply is; what they answer
    comes back onto the ticket as internal notes.
    """
    actor.require(Permission.TICKET_NOTE)
    ticket = load_ticket_for_update(session, actor=actor, ticket_id=ticket_id)
    if ticket.merged_into_id is not None:
        raise Conflict(f"ticket {ticket.number} was merged; add the note to the ticket it was merged into")
    recipients = _note_recipients(session, ticket, email_to)
    message = _add_message(
        session,
        ticket=ticket,
        actor=actor,
        now=now,
        kind=MessageKind.NOTE,
        body_text=clean_body(body_text),
        body_html=body_html,
        author_user_id=actor.user_id,
        channel=Channel.EMAIL if recipients else None,
        email_recipients=recipients or None,
        delivery=DeliveryState.QUEUED if recipients else None,
    )
    if recipients:
        _enqueue_delivery(session, message, now)
    return message


def add_emailed_note(
    session: Session,
    *,
    actor: Actor,
    now: datetime,
    ticket_id: int,
    body_text: str,
    body_html: str | None = None,
    external_id: str | None = None,
    thread_rule: str | None = None,
    author_user_id: int | None = None,
    is_automatic: bool = False,
) -> Message:
    """An email answering an internal note we emailed, kept as an internal note (channel
    intake only). `author_user_id` is the staff member who wrote it, when known.

    It is staff talk, not the customer writing back: it never changes the ticket's
    status, and a closed ticket takes it too.
    """
    actor.require(Permission.TICKET_NOTE)
    if not actor.is_system:
        raise PermissionDenied("only channel intake adds notes received by email")
    ticket = load_ticket_for_update(session, actor=actor, ticket_id=ticket_id)
    if ticket.merged_into_id is not None:
        raise Conflict(f"ticket {ticket.number} was merged; add the note to the ticket it was merged into")
    if author_user_id is not None:
        _require_assignable(session, author_user_id)
    return _add_message(
        session,
        ticket=ticket,
        actor=actor,
        now=now,
        kind=MessageKind.NOTE,
        body_text=clean_body(body_text),
        body_html=body_html,
        author_user_id=author_user_id,
        channel=Channel.EMAIL,
        external_id=external_id,
        is_automatic=is_automatic,
        thread_rule=thread_rule,
        delivery=DeliveryState.RECEIVED,
    )


def add_participant(
    session: Session, *, actor: Actor, now: datetime, ticket_id: int, customer_id: int, role: ParticipantRole
) -> bool:
    """Make a customer a participant (requester or copied); False if they already were."""
    actor.require(Permission.TICKET_UPDATE)
    ticket = load_ticket_for_update(session, actor=actor, ticket_id=ticket_id)
    if session.get(Customer, customer_id) is None:
        raise ValidationFailed(f"customer {customer_id} does not exist")
    if session.get(TicketParticipant, (ticket.id, customer_id)) is not None:
        return False
    session.add(TicketParticipant(ticket_id=ticket.id, customer_id=customer_id, role=role, created_at=now))
    record_event(
        session,
        ticket=ticket,
        actor=actor,
        now=now,
        event=ev.ParticipantAdded(customer_id=customer_id, role=role.value),
    )
    return True


def set_external_id(session: Session, *, message_id: int, external_id: str) -> None:
    """Record the id a channel gave an outgoing message (an email's Message-ID) before sending it."""
    message = _existing_message(session, message_id)
    message.external_id = external_id[:998]


def _existing_message(session: Session, message_id: int) -> Message:
    message = session.get(Message, message_id)
    if message is None:
        raise NotFound(f"message {message_id} not found")
    return message


def mark_delivered(session: Session, *, actor: Actor, now: datetime, message_id: int) -> None:
    """The channel accepted an outgoing message (for email: the relay answered 250)."""
    message = _existing_message(session, message_id)
    if message.delivery_state is DeliveryState.SENT:
        return
    message.delivery_state = DeliveryState.SENT
    message.delivery_error = None
    ticket = session.get(Ticket, message.ticket_id)
    if ticket is not None:
        record_event(session, ticket=ticket, actor=actor, now=now, event=ev.MessageDelivered(message_id=message.id))


def mark_delivery_failed(session: Session, *, actor: Actor, now: datetime, message_id: int, reason: str) -> None:
    """An outgoing message will not arrive; the reason is shown on the message."""
    message = _existing_message(session, message_id)
    reason = reason.replace("\x00", "")[:MAX_DELIVERY_ERROR_LENGTH]
    message.delivery_state = DeliveryState.FAILED
    message.delivery_error = reason
    ticket = session.get(Ticket, message.ticket_id)
    if ticket is not None:
        record_event(
            session, ticket=ticket, actor=actor, now=now, event=ev.DeliveryFailed(message_id=message.id, reason=reason)
        )


def update_ticket(session: Session, *, actor: Actor, now: datetime, ticket_id: int, changes: TicketChanges) -> Ticket:
    """Apply property changes, one event per field that actually changed."""
    actor.require(Permission.TICKET_UPDATE)
    ticket = load_ticket_for_update(session, actor=actor, ticket_id=ticket_id)
    if ticket.merged_into_id is not None:
        raise Conflict(f"ticket {ticket.number} was merged and can no longer change")
    if not isinstance(changes.subject, Unset):
        subject = clean_subject(changes.subject)
        if subject != ticket.subject:
            record_event(
                session,
                ticket=ticket,
                actor=actor,
                now=now,
                event=ev.SubjectChanged(old_subject=ticket.subject, new_subject=subject),
            )
            ticket.subject = subject
    if not isinstance(changes.priority, Unset) and changes.priority is not ticket.priority:
        record_event(
            session,
            ticket=ticket,
            actor=actor,
            now=now,
            event=ev.PriorityChanged(old_priority=ticket.priority.value, new_priority=changes.priority.value),
        )
        ticket.priority = changes.priority
    if not isinstance(changes.team_id, Unset) and changes.team_id != ticket.team_id:
        _require_team(session, changes.team_id)
        record_event(
            session,
            ticket=ticket,
            actor=actor,
            now=now,
            event=ev.TeamChanged(old_team_id=ticket.team_id, new_team_id=changes.team_id),
        )
        ticket.team_id = changes.team_id
    if not isinstance(changes.assignee_id, Unset) and changes.assignee_id != ticket.assignee_id:
        actor.require(Permission.TICKET_ASSIGN)
        _require_assignable(session, changes.assignee_id)
        record_event(
            session,
            ticket=ticket,
            actor=actor,
            now=now,
            event=ev.Assigned(old_assignee_id=ticket.assignee_id, new_assignee_id=changes.assignee_id),
        )
        ticket.assignee_id = changes.assignee_id
    for tag in changes.add_tags:
        _add_tag(session, ticket=ticket, actor=actor, now=now, tag=tag)
    for tag in changes.remove_tags:
        _remove_tag(session, ticket=ticket, actor=actor, now=now, tag=tag)
    if changes.custom_fields:
        _set_custom_fields(session, ticket=ticket, actor=actor, now=now, values=changes.custom_fields)
    if not isinstance(changes.status, Unset) and changes.status is not ticket.status:
        _change_status(session, ticket=ticket, actor=actor, now=now, status=changes.status)
    ticket.updated_at = now
    return ticket


def merge_tickets(
    session: Session, *, actor: Actor, now: datetime, source_ticket_id: int, target_ticket_id: int
) -> Ticket:
    """Merge `source` into `target`: the thread moves to the target, the source is closed.

    Both event logs stay intact; each records the merge from its side.
    """
    actor.require(Permission.TICKET_MERGE)
    if source_ticket_id == target_ticket_id:
        raise ValidationFailed("a ticket cannot be merged into itself")
    # Lock in id order so two opposite merges cannot deadlock.
    first, second = sorted((source_ticket_id, target_ticket_id))
    locked = {
        first: load_ticket_for_update(session, actor=actor, ticket_id=first),
        second: load_ticket_for_update(session, actor=actor, ticket_id=second),
    }
    source, target = locked[source_ticket_id], locked[target_ticket_id]
    for ticket in (source, target):
        if ticket.merged_into_id is not None:
            raise Conflict(f"ticket {ticket.number} was already merged")
    if target.status is TicketStatus.CLOSED:
        raise Conflict(f"ticket {target.number} is closed and cannot receive a merge")
    moved_ids = list(session.scalars(select(Message.id).where(Message.ticket_id == source.id).order_by(Message.id)))
    session.execute(update(Message).where(Message.ticket_id == source.id).values(ticket_id=target.id))
    target.message_count += len(moved_ids)
    source.message_count = 0
    # Whoever took part in the merged conversation takes part in the surviving one (as cc),
    # so their replies keep threading by subject number.
    known = set(session.scalars(select(TicketParticipant.customer_id).where(TicketParticipant.ticket_id == target.id)))
    for participant in session.scalars(select(TicketParticipant).where(TicketParticipant.ticket_id == source.id)):
        if participant.customer_id not in known:
            session.add(
                TicketParticipant(
                    ticket_id=target.id, customer_id=participant.customer_id, role=ParticipantRole.CC, created_at=now
                )
            )
    session.expire(source, ["messages"])
    session.expire(target, ["messages"])
    record_event(
        session,
        ticket=target,
        actor=actor,
        now=now,
        event=ev.Merged(source_ticket_id=source.id, source_number=source.number, moved_message_ids=moved_ids),
    )
    record_event(
        session,
        ticket=source,
        actor=actor,
        now=now,
        event=ev.MergedInto(target_ticket_id=target.id, target_number=target.number),
    )
    if source.status is not TicketStatus.CLOSED:
        if source.status is not TicketStatus.SOLVED:
            _change_status(session, ticket=source, actor=actor, now=now, status=TicketStatus.SOLVED)
        _change_status(session, ticket=source, actor=actor, now=now, status=TicketStatus.CLOSED)
    source.merged_into_id = target.id
    source.updated_at = now
    target.updated_at = now
    return target


def delete_ticket(session: Session, *, actor: Actor, now: datetime, ticket_id: int) -> None:
    """Hide a ticket from every listing. Its rows and event log are kept (the log is append-only)."""
    actor.require(Permission.TICKET_DELETE)
    ticket = load_ticket_for_update(session, actor=actor, ticket_id=ticket_id)
    record_event(session, ticket=ticket, actor=actor, now=now, event=ev.Deleted())
    ticket.deleted_at = now
    ticket.updated_at = now


def create_field_definition(
    session: Session, *, actor: Actor, now: datetime, key: str, label: str, kind: FieldKind, options: Sequence[str] = ()
) -> CustomFieldDefinition:
    actor.require(Permission.FIELD_MANAGE)
    key = key.strip().lower()
    if not _FIELD_KEY.fullmatch(key):
        raise ValidationFailed("field key must be 1-64 ASCII letters, digits or '_', starting with a letter")
    if kind is FieldKind.SELECT and not options:
        raise ValidationFailed("a select field needs at least one option")
    if kind is not FieldKind.SELECT and options:
        raise ValidationFailed("only select fields take options")
    if session.scalars(select(CustomFieldDefinition).where(CustomFieldDefinition.key == key)).first():
        raise Conflict(f"field {key!r} already exists")
    definition = CustomFieldDefinition(
        key=key, label=clean_subject(label), kind=kind, options=[str(o) for o in options], created_at=now
    )
    session.add(definition)
    session.flush()
    return definition


def create_tag(session: Session, *, actor: Actor, name: str) -> Tag:
    actor.require(Permission.TAG_MANAGE)
    normalised = normalise_tag(name)
    if session.scalars(select(Tag).where(Tag.name == normalised)).first():
        raise Conflict(f"tag {normalised!r} already exists")
    tag = Tag(name=normalised)
    session.add(tag)
    session.flush()
    return tag


# -- internals ---------------------------------------------------------------------


def _enqueue_delivery(session: Session, message: Message, now: datetime) -> None:
    """Hand a message to its channel's outbox handler, to be sent after commit."""
    outbox.enqueue(
        session,
        topic=deliver_topic(message.channel),
        payload={"message_id": message.id, "ticket_id": message.ticket_id, "channel": message.channel.value},
        now=now,
        ticket_id=message.ticket_id,
    )


def _add_message(
    session: Session,
    *,
    ticket: Ticket,
    actor: Actor,
    now: datetime,
    kind: MessageKind,
    body_text: str,
    body_html: str | None,
    author_user_id: int | None = None,
    author_customer_id: int | None = None,
    channel: Channel | None = None,
    external_id: str | None = None,
    is_automatic: bool = False,
    thread_rule: str | None = None,
    email_recipients: list[str] | None = None,
    delivery: DeliveryState | None = None,
) -> Message:
    """`delivery` None: received for inbound, not applicable for notes, queued for replies."""
    if delivery is None:
        if kind is MessageKind.INBOUND:
            delivery = DeliveryState.RECEIVED
        elif kind is MessageKind.NOTE:
            delivery = DeliveryState.NOT_APPLICABLE
        else:
            delivery = DeliveryState.QUEUED
    message = Message(
        ticket_id=ticket.id,
        kind=kind,
        channel=channel or ticket.channel,
        author_user_id=author_user_id,
        author_customer_id=author_customer_id,
        body_text=body_text,
        body_html=sanitise_html(body_html) if body_html else None,
        is_automatic=is_automatic,
        delivery_state=delivery,
        external_id=external_id[:998] if external_id else None,
        thread_rule=thread_rule,
        email_recipients=email_recipients,
        created_at=now,
    )
    session.add(message)
    session.flush()
    ticket.message_count += 1
    ticket.updated_at = now
    if kind is MessageKind.NOTE:
        event: ev.TicketEventData = ev.NoteAdded(message_id=message.id, author_user_id=author_user_id)
    else:
        event = ev.MessageAdded(
            message_id=message.id,
            kind=kind.value,
            channel=message.channel.value,
            author_user_id=author_user_id,
            author_customer_id=author_customer_id,
            is_automatic=is_automatic,
        )
    record_event(session, ticket=ticket, actor=actor, now=now, event=event)
    return message


def _change_status(session: Session, *, ticket: Ticket, actor: Actor, now: datetime, status: TicketStatus) -> None:
    current = ticket.status
    if not can_transition(current, status):
        raise InvalidTransition(f"ticket {ticket.number} cannot go from {current.value} to {status.value}")
    record_event(
        session,
        ticket=ticket,
        actor=actor,
        now=now,
        event=ev.StatusChanged(old_status=current.value, new_status=status.value, reopened=is_reopen(current, status)),
    )
    ticket.status = status
    ticket.updated_at = now
    if status is TicketStatus.SOLVED:
        ticket.solved_at = now
    elif status is TicketStatus.CLOSED:
        ticket.closed_at = now
    elif is_reopen(current, status):
        ticket.solved_at = None


def _require_not_final(ticket: Ticket) -> None:
    if ticket.status is TicketStatus.CLOSED:
        raise Conflict(f"ticket {ticket.number} is closed")
    if ticket.merged_into_id is not None:
        raise Conflict(f"ticket {ticket.number} was merged into ticket {ticket.merged_into_id}")


def _existing_inbox(session: Session, inbox_id: int | None) -> Inbox | None:
    if inbox_id is None:
        return None
    inbox = session.get(Inbox, inbox_id)
    if inbox is None:
        raise ValidationFailed(f"inbox {inbox_id} does not exist")
    return inbox


def _note_recipients(session: Session, ticket: Ticket, addresses: Sequence[str]) -> list[str]:
    """`addresses` normalised, deduplicated, in the order given; ValidationFailed for one
    that cannot be emailed, more than `MAX_NOTE_RECIPIENTS`, any address of the ticket's
    customer or of someone copied on its conversation (internal stays internal), or one
    of our own inboxes (mail from us to us is dropped as a loop)."""
    recipients: list[str] = []
    for address in addresses:
        value = normalise_identity(IdentityKind.EMAIL, address)
        try:
            ascii_address(value, what="note recipient")
        except ValueError as exc:
            raise ValidationFailed(f"{exc}; a note cannot be emailed there") from exc
        if value not in recipients:
            recipients.append(value)
        if len(recipients) > MAX_NOTE_RECIPIENTS:
            raise ValidationFailed(f"a note can be emailed to at most {MAX_NOTE_RECIPIENTS} addresses")
    if not recipients:
        return recipients
    ours = session.scalars(
        select(Inbox.address).where(
            Inbox.channel == Channel.EMAIL, Inbox.address.in_([split_plus_address(r)[0] for r in recipients])
        )
    ).first()
    if ours is not None:
        raise ValidationFailed(f"{ours} is one of our own inboxes; a note emailed there would be dropped as a loop")
    customer_side = select(TicketParticipant.customer_id).where(TicketParticipant.ticket_id == ticket.id)
    refused = session.scalars(
        select(CustomerIdentity.value)
        .where(
            CustomerIdentity.kind == IdentityKind.EMAIL,
            CustomerIdentity.value.in_(recipients),
            (CustomerIdentity.customer_id == ticket.customer_id) | CustomerIdentity.customer_id.in_(customer_side),
        )
        .order_by(CustomerIdentity.value)
    ).first()
    if refused is not None:
        raise ValidationFailed(
            f"{refused} belongs to the customer of ticket {ticket.number} or to someone copied on it; "
            "internal notes are never emailed to the customer's side"
        )
    return recipients


def _require_team(session: Session, team_id: int | None) -> None:
    if team_id is not None and session.get(Team, team_id) is None:
        raise ValidationFailed(f"team {team_id} does not exist")


def _require_assignable(session: Session, user_id: int | None) -> None:
    if user_id is None:
        return
    user = session.get(User, user_id)
    if user is None or not user.is_active or user.role not in STAFF_ROLES:
        raise ValidationFailed(f"user {user_id} is not an active agent")


def _add_tag(session: Session, *, ticket: Ticket, actor: Actor, now: datetime, tag: str) -> None:
    name = normalise_tag(tag)
    tag_row = session.scalars(select(Tag).where(Tag.name == name)).first()
    if tag_row is None:
        tag_row = Tag(name=name)
        session.add(tag_row)
        session.flush()
    elif session.get(TicketTag, (ticket.id, tag_row.id)) is not None:
        return
    count = len(session.scalars(select(TicketTag.tag_id).where(TicketTag.ticket_id == ticket.id)).all())
    if count >= MAX_TAGS_PER_TICKET:
        raise ValidationFailed(f"a ticket takes at most {MAX_TAGS_PER_TICKET} tags")
    session.add(TicketTag(ticket_id=ticket.id, tag_id=tag_row.id))
    session.flush()
    session.expire(ticket, ["tags"])
    record_event(session, ticket=ticket, actor=actor, now=now, event=ev.TagAdded(tag=name))


def _remove_tag(session: Session, *, ticket: Ticket, actor: Actor, now: datetime, tag: str) -> None:
    name = normalise_tag(tag)
    tag_row = session.scalars(select(Tag).where(Tag.name == name)).first()
    link = session.get(TicketTag, (ticket.id, tag_row.id)) if tag_row is not None else None
    if link is None:
        return
    session.delete(link)
    session.flush()
    session.expire(ticket, ["tags"])
    record_event(session, ticket=ticket, actor=actor, now=now, event=ev.TagRemoved(tag=name))


def _set_custom_fields(
    session: Session, *, ticket: Ticket, actor: Actor, now: datetime, values: dict[str, Any]
) -> None:
    definitions = {
        d.key: d
        for d in session.scalars(select(CustomFieldDefinition).where(CustomFieldDefinition.key.in_(list(values))))
    }
    updated = dict(ticket.custom_fields or {})
    for key, raw in values.items():
        definition = definitions.get(key)
        if definition is None:
            raise ValidationFailed(f"custom field {key[:64]!r} is not defined")
        value = normalise_field_value(key, definition.kind, list(definition.options), raw)
        old = updated.get(key)
        if value == old:
            continue
        if value is None:
            updated.pop(key, None)
        else:
            updated[key] = value
        record_event(
            session, ticket=ticket, actor=actor, now=now, event=ev.FieldChanged(key=key, old_value=old, new_value=value)
        )
    ticket.custom_fields = updated


__all__ = [
    "UNSET",
    "TicketChanges",
    "Unset",
    "add_customer_message",
    "add_emailed_note",
    "add_note",
    "create_field_definition",
    "create_tag",
    "create_ticket",
    "delete_ticket",
    "load_ticket_for_update",
    "merge_tickets",
    "record_event",
    "reply",
    "update_ticket",
]
