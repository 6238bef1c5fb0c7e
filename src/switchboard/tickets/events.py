"""Typed ticket events. Each has a stable `name` stored in `ticket_events.type`.

One stream feeds the audit trail, metrics facts, automation, webhooks and live updates,
so the names and fields here are a contract: add fields, never rename them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

from switchboard.tickets.models import Audience


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketEventData:
    name: ClassVar[str]
    audience: ClassVar[Audience] = Audience.PUBLIC

    def as_data(self) -> dict[str, Any]:
        # A shallow copy: event fields are flat JSON values (asdict's deep copy cost
        # ~30 µs an event on the hottest write path).
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketCreated(TicketEventData):
    name: ClassVar[str] = "ticket.created"
    number: int
    subject: str
    status: str
    priority: str
    channel: str
    customer_id: int
    inbox_id: int | None
    team_id: int | None
    assignee_id: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageAdded(TicketEventData):
    name: ClassVar[str] = "ticket.message_added"
    message_id: int
    kind: str
    channel: str
    author_user_id: int | None
    author_customer_id: int | None
    is_automatic: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class NoteAdded(TicketEventData):
    name: ClassVar[str] = "ticket.note_added"
    audience: ClassVar[Audience] = Audience.INTERNAL
    message_id: int
    author_user_id: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Assigned(TicketEventData):
    name: ClassVar[str] = "ticket.assigned"
    audience: ClassVar[Audience] = Audience.INTERNAL
    old_assignee_id: int | None
    new_assignee_id: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusChanged(TicketEventData):
    name: ClassVar[str] = "ticket.status_changed"
    old_status: str
    new_status: str
    reopened: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class PriorityChanged(TicketEventData):
    name: ClassVar[str] = "ticket.priority_changed"
    audience: ClassVar[Audience] = Audience.INTERNAL
    old_priority: str
    new_priority: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TeamChanged(TicketEventData):
    name: ClassVar[str] = "ticket.team_changed"
    audience: ClassVar[Audience] = Audience.INTERNAL
    old_team_id: int | None
    new_team_id: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SubjectChanged(TicketEventData):
    name: ClassVar[str] = "ticket.subject_changed"
    old_subject: str
    new_subject: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TagAdded(TicketEventData):
    name: ClassVar[str] = "ticket.tag_added"
    audience: ClassVar[Audience] = Audience.INTERNAL
    tag: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TagRemoved(TicketEventData):
    name: ClassVar[str] = "ticket.tag_removed"
    audience: ClassVar[Audience] = Audience.INTERNAL
    tag: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldChanged(TicketEventData):
    name: ClassVar[str] = "ticket.field_changed"
    audience: ClassVar[Audience] = Audience.INTERNAL
    key: str
    old_value: Any
    new_value: Any


@dataclass(frozen=True, slots=True, kw_only=True)
class Merged(TicketEventData):
    """Written on the surviving ticket: `source_ticket_id` was merged into it."""

    name: ClassVar[str] = "ticket.merged"
    source_ticket_id: int
    source_number: int
    moved_message_ids: list[int]


@dataclass(frozen=True, slots=True, kw_only=True)
class MergedInto(TicketEventData):
    """Written on the ticket that was merged away; its own history stays with it."""

    name: ClassVar[str] = "ticket.merged_into"
    target_ticket_id: int
    target_number: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Deleted(TicketEventData):
    name: ClassVar[str] = "ticket.deleted"
    audience: ClassVar[Audience] = Audience.INTERNAL


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageDelivered(TicketEventData):
    name: ClassVar[str] = "ticket.message_delivered"
    audience: ClassVar[Audience] = Audience.INTERNAL
    message_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryFailed(TicketEventData):
    """An outgoing message was refused for good (SMTP 5xx, a bounce, retries exhausted)."""

    name: ClassVar[str] = "ticket.delivery_failed"
    audience: ClassVar[Audience] = Audience.INTERNAL
    message_id: int
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ParticipantAdded(TicketEventData):
    name: ClassVar[str] = "ticket.participant_added"
    audience: ClassVar[Audience] = Audience.INTERNAL
    customer_id: int
    role: str


EVENT_TYPES: dict[str, type[TicketEventData]] = {
    cls.name: cls
    for cls in (
        TicketCreated,
        MessageAdded,
        NoteAdded,
        Assigned,
        StatusChanged,
        PriorityChanged,
        TeamChanged,
        SubjectChanged,
        TagAdded,
        TagRemoved,
        FieldChanged,
        Merged,
        MergedInto,
        Deleted,
        MessageDelivered,
        DeliveryFailed,
        ParticipantAdded,
    )
}
