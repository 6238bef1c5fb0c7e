"""Writing many inbound conversations at once, for channel intake in batches.

`open_inbound_tickets` and `add_inbound_messages` leave the database exactly as the
same calls of `actions.create_ticket` (+ `add_participant` for copied customers) and
`actions.add_customer_message` would, one after another, for the cases they accept:
the same rows, the same events with the same data, the same ticket numbers in the
same order. They differ only in cost: a handful of multi-row statements for the whole
batch instead of a dozen ORM round trips per message, which is what lets an email
import or an SMTP burst run at hundreds of messages a second.

They accept only what needs no decision per message: the system actor, no team
override, assignee, tags or fields, and (for messages) tickets whose status a customer
message does not change. Anything else goes through `actions`, which remains the
definition; tests/integration/email/test_batch_equivalence.py holds the two to each other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from switchboard.accounts.actor import Actor
from switchboard.accounts.roles import Permission
from switchboard.channels.models import Channel, Inbox
from switchboard.core.errors import Conflict, ValidationFailed
from switchboard.core.html import sanitise_html
from switchboard.storage.counters import next_value
from switchboard.storage.ids import reserve_ids
from switchboard.tickets import events as ev
from switchboard.tickets.actions import TICKET_NUMBER_COUNTER
from switchboard.tickets.models import (
    DeliveryState,
    Message,
    MessageKind,
    ParticipantRole,
    Ticket,
    TicketEvent,
    TicketParticipant,
)
from switchboard.tickets.states import Priority, TicketStatus
from switchboard.tickets.validation import clean_body, clean_subject

MAX_EXTERNAL_ID = 998
# A customer's message leaves these statuses as they are (see actions.add_customer_message).
STATUSES_KEPT_BY_CUSTOMER_MESSAGE = frozenset({TicketStatus.NEW, TicketStatus.OPEN})


@dataclass(frozen=True, slots=True)
class NewInboundTicket:
    subject: str
    body_text: str
    body_html: str | None
    customer_id: int
    channel: Channel
    inbox_id: int | None
    external_id: str | None
    thread_rule: str | None
    copied_customer_ids: Sequence[int] = ()  # made CC participants, in this order


@dataclass(frozen=True, slots=True)
class OpenedTicket:
    ticket_id: int
    number: int
    message_id: int


@dataclass(frozen=True, slots=True)
class NewInboundMessage:
    ticket_id: int
    author_customer_id: int  # the ticket's customer or another participant (made one if needed)
    body_text: str
    body_html: str | None
    channel: Channel
    external_id: str | None
    is_automatic: bool
    thread_rule: str | None


@dataclass(slots=True)
class _Rows:
    events: list[dict[str, object]] = field(default_factory=list)
    participants: list[dict[str, object]] = field(default_factory=list)

    def event(self, ticket_id: int, actor: Actor, now: datetime, event: ev.TicketEventData) -> None:
        self.events.append(
            {
                "ticket_id": ticket_id,
                "type": event.name,
                "actor_user_id": actor.user_id,
                "audience": event.audience,
                "occurred_at": now,
                "data": event.as_data(),
            }
        )

    def participant(self, ticket_id: int, customer_id: int, role: ParticipantRole, actor: Actor, now: datetime) -> None:
        self.participants.append({"ticket_id": ticket_id, "customer_id": customer_id, "role": role, "created_at": now})
        if role is not ParticipantRole.REQUESTER:
            self.event(ticket_id, actor, now, ev.ParticipantAdded(customer_id=customer_id, role=role.value))

    def write(self, session: Session) -> None:
        if self.participants:
            session.execute(insert(TicketParticipant), self.participants)
        if self.events:
            session.execute(insert(TicketEvent), self.events)


def _message_row(
    *,
    message_id: int,
    ticket_id: int,
    channel: Channel,
    author_customer_id: int,
    body_text: str,
    body_html: str | None,
    external_id: str | None,
    is_automatic: bool,
    thread_rule: str | None,
    now: datetime,
) -> dict[str, object]:
    return {
        "id": message_id,
        "ticket_id": ticket_id,
        "kind": MessageKind.INBOUND,
        "channel": channel,
        "author_user_id": None,
        "author_customer_id": author_customer_id,
        "body_text": body_text,
        "body_html": sanitise_html(body_html) if body_html else None,
        "is_automatic": is_automatic,
        "delivery_state": DeliveryState.RECEIVED,
        "external_id": external_id[:MAX_EXTERNAL_ID] if external_id else None,
        "thread_rule": thread_rule,
        "delivery_error": None,
        "created_at": now,
    }


def _insert_messages(session: Session, rows: list[dict[str, object]]) -> None:
    """Rows from `_message_row` (ids reserved) in one executemany. `render_nulls`: the ORM
    otherwise leaves out None values, and rows with different keys go in separate INSERTs."""
    session.execute(insert(Message).execution_options(render_nulls=True), rows)


def _message_added(message_id: int, channel: Channel, author_customer_id: int, *, automatic: bool) -> ev.MessageAdded:
    return ev.MessageAdded(
        message_id=message_id,
        kind=MessageKind.INBOUND.value,
        channel=channel.value,
        author_user_id=None,
        author_customer_id=author_customer_id,
        is_automatic=automatic,
    )


def open_inbound_tickets(
    session: Session, *, actor: Actor, now: datetime, requests: Sequence[NewInboundTicket]
) -> list[OpenedTicket]:
    """Open one ticket per request, numbered in request order (`actions.create_ticket`)."""
    if not requests:
        return []
    actor.require(Permission.TICKET_CREATE)
    if not actor.is_system:
        raise ValidationFailed("bulk intake runs as the system actor")
    inbox_ids = {r.inbox_id for r in requests if r.inbox_id is not None}
    default_teams: dict[int, int | None] = dict(
        session.execute(select(Inbox.id, Inbox.default_team_id).where(Inbox.id.in_(inbox_ids))).all()
    )
    if missing := inbox_ids - default_teams.keys():
        raise ValidationFailed(f"inbox {min(missing)} does not exist")
    subjects = [clean_subject(r.subject) for r in requests]
    bodies = [clean_body(r.body_text) for r in requests]
    last_number = next_value(session, TICKET_NUMBER_COUNTER, count=len(requests))
    numbers = range(last_number - len(requests) + 1, last_number + 1)
    teams = [default_teams.get(r.inbox_id) if r.inbox_id is not None else None for r in requests]
    # Ids reserved first, then plain executemany inserts: RETURNING in parameter order costs
    # one INSERT per row on SQLite (`storage.ids`).
    ticket_ids = list(reserve_ids(session, Ticket, len(requests)))
    message_ids = list(reserve_ids(session, Message, len(requests)))
    session.execute(
        insert(Ticket),
        [
            {
                "id": ticket_id,
                "number": number,
                "subject": subject,
                "status": TicketStatus.NEW,
                "priority": Priority.NORMAL,
                "channel": r.channel,
                "inbox_id": r.inbox_id,
                "customer_id": r.customer_id,
                "assignee_id": None,
                "team_id": team_id,
                "custom_fields": {},
                "created_at": now,
                "updated_at": now,
                "follow_up_of_id": None,
                "message_count": 1,
            }
            for r, ticket_id, number, subject, team_id in zip(
                requests, ticket_ids, numbers, subjects, teams, strict=True
            )
        ],
    )
    _insert_messages(
        session,
        [
            _message_row(
                message_id=message_id,
                ticket_id=ticket_id,
                channel=r.channel,
                author_customer_id=r.customer_id,
                body_text=body,
                body_html=r.body_html,
                external_id=r.external_id,
                is_automatic=False,
                thread_rule=r.thread_rule,
                now=now,
            )
            for r, ticket_id, message_id, body in zip(requests, ticket_ids, message_ids, bodies, strict=True)
        ],
    )
    rows = _Rows()
    for r, ticket_id, message_id, number, subject, team_id in zip(
        requests, ticket_ids, message_ids, numbers, subjects, teams, strict=True
    ):
        rows.event(
            ticket_id,
            actor,
            now,
            ev.TicketCreated(
                number=number,
                subject=subject,
                status=TicketStatus.NEW.value,
                priority=Priority.NORMAL.value,
                channel=r.channel.value,
                customer_id=r.customer_id,
                inbox_id=r.inbox_id,
                team_id=team_id,
                assignee_id=None,
            ),
        )
        rows.event(ticket_id, actor, now, _message_added(message_id, r.channel, r.customer_id, automatic=False))
        rows.participant(ticket_id, r.customer_id, ParticipantRole.REQUESTER, actor, now)
        seen = {r.customer_id}
        for copied in r.copied_customer_ids:
            if copied not in seen:
                seen.add(copied)
                rows.participant(ticket_id, copied, ParticipantRole.CC, actor, now)
    rows.write(session)
    return [
        OpenedTicket(ticket_id=ticket_id, number=number, message_id=message_id)
        for ticket_id, number, message_id in zip(ticket_ids, numbers, message_ids, strict=True)
    ]


def add_inbound_messages(
    session: Session, *, actor: Actor, now: datetime, requests: Sequence[NewInboundMessage]
) -> list[int]:
    """Add customers' messages to existing tickets (`actions.add_customer_message`, with the
    author made a copied participant first when they are not one). Returns message ids.

    Raises Conflict for a ticket that is missing, deleted, merged, or whose status the
    message would change: those go through `actions`.
    """
    if not requests:
        return []
    actor.require(Permission.TICKET_CREATE)
    if not actor.is_system:
        raise ValidationFailed("bulk intake runs as the system actor")
    ticket_ids = {r.ticket_id for r in requests}
    tickets = {
        row.id: row
        for row in session.execute(
            select(Ticket.id, Ticket.customer_id, Ticket.status, Ticket.merged_into_id, Ticket.deleted_at).where(
                Ticket.id.in_(ticket_ids)
            )
        )
    }
    for r in requests:
        ticket = tickets.get(r.ticket_id)
        if ticket is None or ticket.deleted_at is not None or ticket.merged_into_id is not None:
            raise Conflict(f"ticket {r.ticket_id} does not take messages")
        if ticket.status is TicketStatus.CLOSED:
            raise Conflict(f"ticket {r.ticket_id} is closed")
        if not r.is_automatic and ticket.status not in STATUSES_KEPT_BY_CUSTOMER_MESSAGE:
            raise Conflict(f"a message would change the status of ticket {r.ticket_id}")
    others = {(r.ticket_id, r.author_customer_id) for r in requests} - {
        (ticket.id, ticket.customer_id) for ticket in tickets.values()
    }
    existing: set[tuple[int, int]] = set()
    if others:
        existing = {
            (row.ticket_id, row.customer_id)
            for row in session.execute(
                select(TicketParticipant.ticket_id, TicketParticipant.customer_id).where(
                    TicketParticipant.ticket_id.in_({ticket_id for ticket_id, _ in others})
                )
            )
        }
    message_ids = list(reserve_ids(session, Message, len(requests)))
    _insert_messages(
        session,
        [
            _message_row(
                message_id=message_id,
                ticket_id=r.ticket_id,
                channel=r.channel,
                author_customer_id=r.author_customer_id,
                body_text=clean_body(r.body_text),
                body_html=r.body_html,
                external_id=r.external_id,
                is_automatic=r.is_automatic,
                thread_rule=r.thread_rule,
                now=now,
            )
            for r, message_id in zip(requests, message_ids, strict=True)
        ],
    )
    rows = _Rows()
    for r, message_id in zip(requests, message_ids, strict=True):
        pair = (r.ticket_id, r.author_customer_id)
        if pair in others and pair not in existing:
            existing.add(pair)
            rows.participant(r.ticket_id, r.author_customer_id, ParticipantRole.CC, actor, now)
        added = _message_added(message_id, r.channel, r.author_customer_id, automatic=r.is_automatic)
        rows.event(r.ticket_id, actor, now, added)
    # On the connection, not the session: a plain executemany, outside the ORM's bulk modes.
    session.connection().execute(
        update(Ticket)
        .where(Ticket.id == bindparam("target_id"))
        .values(message_count=Ticket.message_count + bindparam("added"), updated_at=now),
        [
            {"target_id": ticket_id, "added": count}
            for ticket_id, count in Counter(r.ticket_id for r in requests).items()
        ],
    )
    rows.write(session)
    return message_ids
