"""Planned tickets to table rows: ids in the order a live desk would have handed them out.

Ids are given by time across the whole batch, not ticket by ticket: ticket ids and
numbers follow creation, message ids follow the moment each message was written and
event ids the moment each event happened. So a thread sorted by message id reads in
time order even after a merge, and event ids grow with time like a live event log.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from switchboard.demo.story import PlannedEvent, PlannedMessage, PlannedTicket
from switchboard.tickets.events import TicketEventData

_FIELD_NAMES: dict[type[TicketEventData], tuple[str, ...]] = {}


def event_data(event: TicketEventData) -> dict[str, Any]:
    """`event.as_data()`, computed faster for the flat event classes.

    The default `as_data` is `dataclasses.asdict`, which deep-copies recursively and
    costs about 30 µs an event: half the time of a million-ticket bulk load. Event
    fields are scalars or lists of scalars, so a shallow dict with copied lists is
    equal. A class that overrides `as_data` keeps its own.
    """
    cls = type(event)
    if cls.as_data is not TicketEventData.as_data:
        return event.as_data()
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls))
    data = {name: getattr(event, name) for name in names}
    for name, value in data.items():
        if isinstance(value, list):
            data[name] = list(value)
    return data


@dataclass(slots=True)
class TicketRows:
    """Rows for `tickets`, `messages`, `ticket_tags` and `ticket_events`, keyed by column name."""

    tickets: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    ticket_tags: list[dict[str, Any]] = field(default_factory=list)
    ticket_events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return len(self.tickets) + len(self.messages) + len(self.ticket_tags) + len(self.ticket_events)


@dataclass(frozen=True, slots=True)
class OrderedBatch:
    tickets: list[PlannedTicket]
    messages: list[PlannedMessage]
    events: list[PlannedEvent]


def order_batch(planned: Sequence[PlannedTicket]) -> OrderedBatch:
    """Tickets by creation, messages by writing time, events by occurrence (ties keep plan order)."""
    tickets = sorted(planned, key=lambda ticket: ticket.created_at)
    position = {id(ticket): index for index, ticket in enumerate(tickets)}
    messages = [
        (message.created_at, position[id(ticket)], sequence, message)
        for ticket in tickets
        for sequence, message in enumerate(ticket.written)
    ]
    messages.sort(key=lambda item: item[:3])
    events = [
        (event.occurred_at, position[id(ticket)], sequence, event)
        for ticket in tickets
        for sequence, event in enumerate(ticket.events)
    ]
    events.sort(key=lambda item: item[:3])
    return OrderedBatch(tickets=tickets, messages=[item[3] for item in messages], events=[item[3] for item in events])


def assign_ids(
    batch: OrderedBatch,
    *,
    ticket_ids: Sequence[int],
    numbers: Sequence[int],
    message_ids: Sequence[int],
    event_ids: Sequence[int],
) -> None:
    """Give every planned row its id; each sequence must be increasing and exactly as long as needed."""
    _check_length("ticket ids", ticket_ids, len(batch.tickets))
    _check_length("ticket numbers", numbers, len(batch.tickets))
    _check_length("message ids", message_ids, len(batch.messages))
    _check_length("event ids", event_ids, len(batch.events))
    for ticket, ticket_id, number in zip(batch.tickets, ticket_ids, numbers, strict=True):
        ticket.ticket_id = ticket_id
        ticket.number = number
    for message, message_id in zip(batch.messages, message_ids, strict=True):
        message.message_id = message_id
    for event, event_id in zip(batch.events, event_ids, strict=True):
        event.event_id = event_id


def _check_length(what: str, values: Sequence[int], expected: int) -> None:
    if len(values) != expected:
        raise ValueError(f"{what}: got {len(values)}, need {expected}")


def build_rows(batch: OrderedBatch, *, tag_ids: dict[str, int]) -> TicketRows:
    """The rows the named actions would have written for these histories."""
    rows = TicketRows()
    for ticket in batch.tickets:
        rows.tickets.append(
            {
                "id": ticket.ticket_id,
                "number": ticket.number,
                "subject": ticket.subject,
                "status": ticket.status,
                "priority": ticket.priority,
                "channel": ticket.channel,
                "inbox_id": ticket.inbox_id,
                "customer_id": ticket.customer_id,
                "assignee_id": ticket.assignee_id,
                "team_id": ticket.team_id,
                "custom_fields": ticket.custom_fields,
                "created_at": ticket.created_at,
                "updated_at": ticket.updated_at,
                "solved_at": ticket.solved_at,
                "closed_at": ticket.closed_at,
                "merged_into_id": ticket.merged_into.ticket_id if ticket.merged_into is not None else None,
                "follow_up_of_id": None,
                "deleted_at": None,
                "message_count": len(ticket.thread),
            }
        )
        for tag in ticket.tags:
            if tag not in tag_ids:
                raise ValueError(f"tag {tag!r} is not in the demo's tag list")
            rows.ticket_tags.append({"ticket_id": ticket.ticket_id, "tag_id": tag_ids[tag]})
    for message in batch.messages:
        rows.messages.append(
            {
                "id": message.message_id,
                "ticket_id": message.ticket.ticket_id,
                "kind": message.kind,
                "channel": message.channel,
                "author_user_id": message.author_user_id,
                "author_customer_id": message.author_customer_id,
                "body_text": message.body_text,
                "body_html": None,
                "is_automatic": message.is_automatic,
                "delivery_state": message.delivery_state,
                "external_id": message.external_id,
                "thread_rule": None,
                "delivery_error": None,
                "email_recipients": None,
                "created_at": message.created_at,
            }
        )
    for planned in batch.events:
        event = planned.resolve()
        rows.ticket_events.append(
            {
                "id": planned.event_id,
                "ticket_id": planned.ticket.ticket_id,
                "type": event.name,
                "actor_user_id": planned.actor_user_id,
                "audience": event.audience,
                "occurred_at": planned.occurred_at,
                "data": event_data(event),
            }
        )
    return rows
