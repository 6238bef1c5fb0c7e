"""A ticket's history planned in memory, by the same rules as `tickets.actions`.

Each method here mirrors one named action (create_ticket, reply, add_customer_message,
add_note, update_ticket, merge_tickets): it changes the planned ticket the way the
action changes the row, and records the same typed events in the same order. Ids do
not exist yet while planning, so events that mention ids (the ticket number, message
ids, merge partners) are kept as references and resolved once ids are assigned
(`rows.assign_ids`). Planning refuses what the actions refuse: invalid status
transitions, changes to closed or merged tickets, and time running backwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from switchboard.channels.models import Channel
from switchboard.core.errors import Conflict, InvalidTransition, ValidationFailed
from switchboard.tickets import events as ev
from switchboard.tickets.actions import UNSET, Unset
from switchboard.tickets.models import DeliveryState, MessageKind
from switchboard.tickets.states import Priority, TicketStatus, can_transition, is_reopen
from switchboard.tickets.validation import MAX_TAGS_PER_TICKET, normalise_tag


@dataclass(slots=True, eq=False)
class PlannedMessage:
    ticket: PlannedTicket  # where the message lives now (a merge moves it)
    kind: MessageKind
    channel: Channel
    author_user_id: int | None
    author_customer_id: int | None
    body_text: str
    is_automatic: bool
    delivery_state: DeliveryState
    external_id: str | None
    created_at: datetime
    message_id: int = 0


@dataclass(frozen=True, slots=True)
class TicketOpened:
    """Resolves to `TicketCreated`, which carries the ticket number."""


@dataclass(frozen=True, slots=True)
class MessageRecorded:
    """Resolves to `MessageAdded` or `NoteAdded`, which carry the message id."""

    message: PlannedMessage


@dataclass(frozen=True, slots=True)
class MergeReceived:
    source: PlannedTicket
    moved: tuple[PlannedMessage, ...]


@dataclass(frozen=True, slots=True)
class MergeSent:
    target: PlannedTicket


EventPayload = ev.TicketEventData | TicketOpened | MessageRecorded | MergeReceived | MergeSent


@dataclass(slots=True, eq=False)
class PlannedEvent:
    ticket: PlannedTicket
    occurred_at: datetime
    actor_user_id: int | None
    payload: EventPayload
    event_id: int = 0

    def resolve(self) -> ev.TicketEventData:
        """The typed event, exactly as the action would have recorded it (ids must be assigned)."""
        payload = self.payload
        if isinstance(payload, ev.TicketEventData):
            return payload
        ticket = self.ticket
        if isinstance(payload, TicketOpened):
            return ev.TicketCreated(
                number=ticket.number,
                subject=ticket.opening_subject,
                status=TicketStatus.NEW.value,
                priority=ticket.opening_priority.value,
                channel=ticket.channel.value,
                customer_id=ticket.customer_id,
                inbox_id=ticket.inbox_id,
                team_id=ticket.opening_team_id,
                assignee_id=ticket.opening_assignee_id,
            )
        if isinstance(payload, MessageRecorded):
            message = payload.message
            if message.kind is MessageKind.NOTE:
                return ev.NoteAdded(message_id=message.message_id, author_user_id=message.author_user_id)
            return ev.MessageAdded(
                message_id=message.message_id,
                kind=message.kind.value,
                channel=message.channel.value,
                author_user_id=message.author_user_id,
                author_customer_id=message.author_customer_id,
                is_automatic=message.is_automatic,
            )
        if isinstance(payload, MergeReceived):
            return ev.Merged(
                source_ticket_id=payload.source.ticket_id,
                source_number=payload.source.number,
                moved_message_ids=[message.message_id for message in payload.moved],
            )
        return ev.MergedInto(target_ticket_id=payload.target.ticket_id, target_number=payload.target.number)


class PlannedTicket:
    """One ticket's rows-to-be: current state, thread and event log."""

    def __init__(
        self,
        *,
        subject: str,
        channel: Channel,
        inbox_id: int | None,
        customer_id: int,
        priority: Priority,
        team_id: int | None,
        assignee_id: int | None,
        created_at: datetime,
    ) -> None:
        if created_at.tzinfo is None:
            raise ValueError("planned tickets need timezone-aware times")
        self.subject = subject
        self.channel = channel
        self.inbox_id = inbox_id
        self.customer_id = customer_id
        self.status = TicketStatus.NEW
        self.priority = priority
        self.team_id = team_id
        self.assignee_id = assignee_id
        self.created_at = created_at
        self.updated_at = created_at
        self.solved_at: datetime | None = None
        self.closed_at: datetime | None = None
        self.merged_into: PlannedTicket | None = None
        self.custom_fields: dict[str, Any] = {}
        self.tags: list[str] = []
        self.thread: list[PlannedMessage] = []  # messages on this ticket now
        self.written: list[PlannedMessage] = []  # messages first written on this ticket
        self.events: list[PlannedEvent] = []
        # What `ticket.created` reports: the ticket as it was opened.
        self.opening_subject = subject
        self.opening_priority = priority
        self.opening_team_id = team_id
        self.opening_assignee_id = assignee_id
        self.ticket_id = 0
        self.number = 0

    # -- the actions -------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        *,
        at: datetime,
        actor_user_id: int | None,
        subject: str,
        body_text: str,
        customer_id: int,
        channel: Channel,
        inbox_id: int | None,
        priority: Priority,
        team_id: int | None,
        assignee_id: int | None = None,
        tags: Iterable[str] = (),
        custom_fields: dict[str, Any] | None = None,
        external_id: str | None = None,
    ) -> PlannedTicket:
        """`tickets.actions.create_ticket`: event, first message, tags, then fields."""
        ticket = cls(
            subject=subject,
            channel=channel,
            inbox_id=inbox_id,
            customer_id=customer_id,
            priority=priority,
            team_id=team_id,
            assignee_id=assignee_id,
            created_at=at,
        )
        ticket._record(at, actor_user_id, TicketOpened())
        ticket._add_message(
            at,
            actor_user_id,
            kind=MessageKind.INBOUND,
            body_text=body_text,
            author_customer_id=customer_id,
            external_id=external_id,
        )
        for tag in tags:
            ticket._add_tag(at, actor_user_id, tag)
        if custom_fields:
            ticket._set_fields(at, actor_user_id, custom_fields)
        return ticket

    def customer_writes(
        self, *, at: datetime, actor_user_id: int | None, body_text: str, is_automatic: bool = False
    ) -> PlannedMessage:
        """`add_customer_message`: a customer writing back reopens a pending or solved ticket."""
        self._advance(at)
        if self.status is TicketStatus.CLOSED:
            raise Conflict("a closed ticket takes no more messages")
        self._refuse_if_merged()
        message = self._add_message(
            at,
            actor_user_id,
            kind=MessageKind.INBOUND,
            body_text=body_text,
            author_customer_id=self.customer_id,
            is_automatic=is_automatic,
        )
        if not is_automatic and self.status in (TicketStatus.PENDING, TicketStatus.SOLVED):
            self._change_status(at, actor_user_id, TicketStatus.OPEN)
        return message

    def reply(
        self,
        *,
        at: datetime,
        actor_user_id: int | None,
        body_text: str,
        status: TicketStatus | None = None,
        is_automatic: bool = False,
    ) -> PlannedMessage:
        """`reply`: a public answer; a new ticket becomes open unless `status` says otherwise.

        Demo replies were delivered long ago, so they are stored as sent.
        """
        self._advance(at)
        if self.status is TicketStatus.CLOSED:
            raise Conflict("a closed ticket takes no replies")
        self._refuse_if_merged()
        message = self._add_message(
            at,
            actor_user_id,
            kind=MessageKind.OUTBOUND,
            body_text=body_text,
            author_user_id=actor_user_id,
            is_automatic=is_automatic,
        )
        target = status if status is not None else (TicketStatus.OPEN if self.status is TicketStatus.NEW else None)
        if target is not None and target is not self.status:
            self._change_status(at, actor_user_id, target)
        return message

    def note(self, *, at: datetime, actor_user_id: int, body_text: str) -> PlannedMessage:
        """`add_note`: internal, for staff only."""
        self._advance(at)
        self._refuse_if_merged()
        return self._add_message(
            at, actor_user_id, kind=MessageKind.NOTE, body_text=body_text, author_user_id=actor_user_id
        )

    def update(
        self,
        *,
        at: datetime,
        actor_user_id: int | None,
        priority: Priority | Unset = UNSET,
        team_id: int | Unset | None = UNSET,
        assignee_id: int | Unset | None = UNSET,
        add_tags: Iterable[str] = (),
        status: TicketStatus | Unset = UNSET,
    ) -> None:
        """`update_ticket`: one event per field that changed, in the action's order."""
        self._advance(at)
        self._refuse_if_merged()
        if not isinstance(priority, Unset) and priority is not self.priority:
            change = ev.PriorityChanged(old_priority=self.priority.value, new_priority=priority.value)
            self._record(at, actor_user_id, change)
            self.priority = priority
        if not isinstance(team_id, Unset) and team_id != self.team_id:
            self._record(at, actor_user_id, ev.TeamChanged(old_team_id=self.team_id, new_team_id=team_id))
            self.team_id = team_id
        if not isinstance(assignee_id, Unset) and assignee_id != self.assignee_id:
            self._record(at, actor_user_id, ev.Assigned(old_assignee_id=self.assignee_id, new_assignee_id=assignee_id))
            self.assignee_id = assignee_id
        for tag in add_tags:
            self._add_tag(at, actor_user_id, tag)
        if not isinstance(status, Unset) and status is not self.status:
            self._change_status(at, actor_user_id, status)
        self.updated_at = at

    def merge_into(self, target: PlannedTicket, *, at: datetime, actor_user_id: int | None) -> None:
        """`merge_tickets` with this ticket as the source: the thread moves, this ticket closes."""
        self._advance(at)
        target._advance(at)
        if target is self:
            raise ValidationFailed("a ticket cannot be merged into itself")
        if self.merged_into is not None or target.merged_into is not None:
            raise Conflict("a merged ticket cannot take part in another merge")
        if target.status is TicketStatus.CLOSED:
            raise Conflict("a closed ticket cannot receive a merge")
        moved = tuple(self.thread)
        for message in moved:
            message.ticket = target
        target.thread.extend(moved)
        self.thread = []
        target._record(at, actor_user_id, MergeReceived(source=self, moved=moved))
        self._record(at, actor_user_id, MergeSent(target=target))
        if self.status is not TicketStatus.CLOSED:
            if self.status is not TicketStatus.SOLVED:
                self._change_status(at, actor_user_id, TicketStatus.SOLVED)
            self._change_status(at, actor_user_id, TicketStatus.CLOSED)
        self.merged_into = target
        self.updated_at = at
        target.updated_at = at

    # -- internals (mirroring the private helpers of tickets.actions) ------------------------

    def _advance(self, at: datetime) -> None:
        if at < self.updated_at:
            raise ValueError(f"planned history runs backwards: {at.isoformat()} < {self.updated_at.isoformat()}")

    def _refuse_if_merged(self) -> None:
        if self.merged_into is not None:
            raise Conflict("a merged ticket can no longer change")

    def _record(self, at: datetime, actor_user_id: int | None, payload: EventPayload) -> None:
        self.events.append(PlannedEvent(ticket=self, occurred_at=at, actor_user_id=actor_user_id, payload=payload))

    def _add_message(
        self,
        at: datetime,
        actor_user_id: int | None,
        *,
        kind: MessageKind,
        body_text: str,
        author_user_id: int | None = None,
        author_customer_id: int | None = None,
        external_id: str | None = None,
        is_automatic: bool = False,
    ) -> PlannedMessage:
        if kind is MessageKind.INBOUND:
            delivery = DeliveryState.RECEIVED
        elif kind is MessageKind.NOTE:
            delivery = DeliveryState.NOT_APPLICABLE
        else:
            delivery = DeliveryState.SENT
        message = PlannedMessage(
            ticket=self,
            kind=kind,
            channel=self.channel,
            author_user_id=author_user_id,
            author_customer_id=author_customer_id,
            body_text=body_text,
            is_automatic=is_automatic,
            delivery_state=delivery,
            external_id=external_id,
            created_at=at,
        )
        self.thread.append(message)
        self.written.append(message)
        self.updated_at = at
        self._record(at, actor_user_id, MessageRecorded(message))
        return message

    def _change_status(self, at: datetime, actor_user_id: int | None, status: TicketStatus) -> None:
        current = self.status
        if not can_transition(current, status):
            raise InvalidTransition(f"a ticket cannot go from {current.value} to {status.value}")
        self._record(
            at,
            actor_user_id,
            ev.StatusChanged(old_status=current.value, new_status=status.value, reopened=is_reopen(current, status)),
        )
        self.status = status
        self.updated_at = at
        if status is TicketStatus.SOLVED:
            self.solved_at = at
        elif status is TicketStatus.CLOSED:
            self.closed_at = at
        elif is_reopen(current, status):
            self.solved_at = None

    def _add_tag(self, at: datetime, actor_user_id: int | None, tag: str) -> None:
        name = normalise_tag(tag)
        if name in self.tags:
            return
        if len(self.tags) >= MAX_TAGS_PER_TICKET:
            raise ValidationFailed(f"a ticket takes at most {MAX_TAGS_PER_TICKET} tags")
        self.tags.append(name)
        self._record(at, actor_user_id, ev.TagAdded(tag=name))

    def _set_fields(self, at: datetime, actor_user_id: int | None, values: dict[str, Any]) -> None:
        """Values must already be in stored form (see `tickets.validation.normalise_field_value`)."""
        for key, value in values.items():
            old = self.custom_fields.get(key)
            if value == old:
                continue
            if value is None:
                self.custom_fields.pop(key, None)
            else:
                self.custom_fields[key] = value
            self._record(at, actor_user_id, ev.FieldChanged(key=key, old_value=old, new_value=value))
