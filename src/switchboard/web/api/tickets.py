"""Tickets, their thread, and their events."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from pydantic import Field, computed_field, field_validator
from sqlalchemy.orm import Session

from switchboard.channels.email.queries import EmailDetails, email_details
from switchboard.channels.models import Channel
from switchboard.tickets import actions, queries
from switchboard.tickets.models import DeliveryState, FieldKind, Message, MessageKind, Ticket
from switchboard.tickets.states import Priority, TicketStatus
from switchboard.web.api.attachments import download_url
from switchboard.web.api.schemas import (
    ERROR_RESPONSES,
    MAX_BIG_ID,
    Id,
    Input,
    Output,
    QueryId,
    TicketId,
    text_query,
)
from switchboard.web.deps import ApiCaller, Context

router = APIRouter(tags=["tickets"], responses=ERROR_RESPONSES)


class AttachmentOut(Output):
    id: int
    filename: str
    content_type: str
    size_bytes: int
    sha256: str

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented spelling
    @property
    def download_url(self) -> str:
        """Where the bytes are: always served as a file to save, never shown inline."""
        return download_url(self.id)


class MessageOut(Output):
    id: int
    kind: MessageKind
    channel: Channel
    author_user_id: int | None
    author_customer_id: int | None
    body_text: str
    body_html: str | None
    is_automatic: bool
    delivery_state: DeliveryState
    delivery_error: str | None = Field(description="Why delivery failed, when it did.")
    external_id: str | None = Field(description="email Message-ID")
    thread_rule: str | None = Field(
        description="How an inbound message was added to this ticket: note_token (an answer to an emailed "
        "note), reply_token, references, in_reply_to, subject_number or new_ticket."
    )
    parse_warnings: list[str] = Field(
        description="What went wrong reading the original email (empty when nothing did, when it is not "
        "an email, and always for customers)."
    )
    email_recipients: list[str] | None = Field(
        description="An internal note emailed to colleagues or vendors: their addresses (null otherwise, "
        "and always for customers, who never see notes)."
    )
    created_at: datetime
    attachments: list[AttachmentOut]

    @classmethod
    def of(cls, message: Message, email: EmailDetails | None = None, *, for_customer: bool = False) -> MessageOut:
        """`message` with its attachments (loaded by the caller) and what its email said."""
        return cls.model_validate(
            {name: getattr(message, name) for name in _MESSAGE_COLUMNS}
            | {
                "attachments": [AttachmentOut.model_validate(a) for a in message.attachments],
                "parse_warnings": email.warnings if email is not None else [],
                "email_recipients": None if for_customer else message.email_recipients,
            }
        )


_MESSAGE_COLUMNS = [
    name for name in MessageOut.model_fields if name not in ("attachments", "parse_warnings", "email_recipients")
]


class TicketOut(Output):
    id: int
    number: int
    subject: str
    status: TicketStatus
    priority: Priority
    channel: Channel
    inbox_id: int | None
    customer_id: int
    assignee_id: int | None
    team_id: int | None
    tags: list[str]
    custom_fields: dict[str, Any]
    message_count: int
    created_at: datetime
    updated_at: datetime
    solved_at: datetime | None
    closed_at: datetime | None
    merged_into_id: int | None
    follow_up_of_id: int | None

    @classmethod
    def of(cls, ticket: Ticket) -> TicketOut:
        return cls.model_validate(
            {
                **{name: getattr(ticket, name) for name in cls.model_fields if name != "tags"},
                "tags": [tag.name for tag in ticket.tags],
            }
        )


class TicketWithThreadOut(TicketOut):
    messages: list[MessageOut]


class TicketPage(Output):
    items: list[TicketOut]
    next_cursor: str | None


class TicketCreate(Input):
    subject: str = Field(min_length=1, max_length=500)
    body: str = Field(min_length=1, max_length=200_000, description="The customer's request, plain text.")
    body_html: str | None = Field(default=None, max_length=500_000, description="Sanitised before storage.")
    customer_id: Id
    channel: Channel = Channel.API
    inbox_id: Id | None = None
    priority: Priority = Priority.NORMAL
    team_id: Id | None = None
    assignee_id: Id | None = None
    tags: list[Annotated[str, Field(max_length=64)]] = Field(default_factory=list, max_length=50)
    custom_fields: dict[Annotated[str, Field(max_length=64)], Any] = Field(default_factory=dict, max_length=100)


class TicketUpdate(Input):
    """Only the fields present change; `null` clears assignee or team."""

    subject: str | None = Field(default=None, min_length=1, max_length=500)
    status: TicketStatus | None = None
    priority: Priority | None = None
    assignee_id: Id | None = None
    team_id: Id | None = None
    add_tags: list[Annotated[str, Field(max_length=64)]] = Field(default_factory=list, max_length=50)
    remove_tags: list[Annotated[str, Field(max_length=64)]] = Field(default_factory=list, max_length=50)
    custom_fields: dict[Annotated[str, Field(max_length=64)], Any] = Field(default_factory=dict, max_length=100)


class ReplyCreate(Input):
    body: str = Field(min_length=1, max_length=200_000)
    body_html: str | None = Field(default=None, max_length=500_000)
    status: TicketStatus | None = Field(default=None, description="Status to set with the reply.")


class NoteCreate(Input):
    body: str = Field(min_length=1, max_length=200_000)
    email_to: list[Annotated[str, Field(min_length=1, max_length=320)]] = Field(
        default_factory=list,
        max_length=actions.MAX_NOTE_RECIPIENTS,
        description="Also email the note to these addresses (colleagues, vendors; never the customer's). "
        "Their answers come back onto the ticket as internal notes.",
    )

    @field_validator("email_to")
    @classmethod
    def _no_address_twice(cls, addresses: list[str]) -> list[str]:
        seen: set[str] = set()
        for address in addresses:
            key = address.strip().lower()
            if key in seen:
                raise ValueError(f"{address[:80]!r} is listed more than once")
            seen.add(key)
        return addresses


class MergeRequest(Input):
    source_ticket_id: TicketId = Field(description="The ticket merged away; it is closed and points at the target.")


class EventOut(Output):
    id: int
    ticket_id: int
    type: str
    actor_user_id: int | None
    audience: str
    occurred_at: datetime
    data: dict[str, Any]


class EventPage(Output):
    items: list[EventOut]
    next_cursor: str | None


class FieldDefinitionCreate(Input):
    key: str = Field(min_length=1, max_length=64)
    label: str = Field(min_length=1, max_length=120)
    kind: FieldKind
    options: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=500)


class FieldDefinitionOut(Output):
    id: int
    key: str
    label: str
    kind: FieldKind
    options: list[str]


def _new_message_out(message: Message, caller: ApiCaller) -> MessageOut:
    """A message written in this request: it has no attachments or email yet, so none are read back."""
    return MessageOut.model_validate(
        {name: getattr(message, name) for name in _MESSAGE_COLUMNS}
        | {
            "attachments": [],
            "parse_warnings": [],
            "email_recipients": None if caller.actor.is_customer else message.email_recipients,
        }
    )


def _with_thread(session: Session, caller: ApiCaller, ticket: Ticket) -> TicketWithThreadOut:
    messages = queries.thread(session, actor=caller.actor, ticket=ticket)
    # Parse and processing warnings are for staff: they can quote internal errors.
    emails = email_details(session, [m.id for m in messages]) if not caller.actor.is_customer else {}
    return TicketWithThreadOut.model_validate(
        {
            **TicketOut.of(ticket).model_dump(),
            "messages": [MessageOut.of(m, emails.get(m.id), for_customer=caller.actor.is_customer) for m in messages],
        }
    )


@router.get("/tickets", response_model=TicketPage, summary="List tickets")
def list_tickets(
    *,
    context: Context,
    caller: ApiCaller,
    status_: Annotated[list[TicketStatus] | None, Query(alias="status", max_length=6)] = None,
    priority: Annotated[list[Priority] | None, Query(max_length=4)] = None,
    assignee_id: QueryId = None,
    unassigned: bool = False,
    team_id: QueryId = None,
    inbox_id: QueryId = None,
    customer_id: QueryId = None,
    channel: Channel | None = None,
    tag: Annotated[str | None, text_query(64)] = None,
    q: Annotated[str | None, text_query(200, "Text in the subject, or a ticket number")] = None,
    sort: queries.SortKey = queries.SortKey.CREATED,
    order: queries.SortOrder = queries.SortOrder.DESC,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_PAGE_SIZE)] = 25,
) -> TicketPage:
    filters = queries.TicketFilter(
        statuses=status_ or (),
        priorities=priority or (),
        assignee_id=assignee_id,
        unassigned=unassigned,
        team_id=team_id,
        inbox_id=inbox_id,
        customer_id=customer_id,
        channel=channel,
        tag=tag.strip().lower() if tag else None,
        text=q,
    )
    with context.database.read() as session:
        page = queries.list_tickets(
            session, actor=caller.actor, filters=filters, sort=sort, order=order, cursor=cursor, limit=limit
        )
        return TicketPage(items=[TicketOut.of(t) for t in page.items], next_cursor=page.next_cursor)


@router.post(
    "/tickets", response_model=TicketWithThreadOut, status_code=status.HTTP_201_CREATED, summary="Create a ticket"
)
def create_ticket(context: Context, caller: ApiCaller, body: TicketCreate) -> TicketWithThreadOut:
    with context.database.write() as session:
        ticket = actions.create_ticket(
            session,
            actor=caller.actor,
            now=context.clock.now(),
            subject=body.subject,
            body_text=body.body,
            body_html=body.body_html,
            customer_id=body.customer_id,
            channel=body.channel,
            inbox_id=body.inbox_id,
            priority=body.priority,
            team_id=body.team_id,
            assignee_id=body.assignee_id,
            tags=body.tags,
            custom_fields=body.custom_fields,
        )
        session.flush()
        return _with_thread(session, caller, ticket)


@router.get("/tickets/{ticket_id}", response_model=TicketWithThreadOut, summary="A ticket with its thread")
def get_ticket(context: Context, caller: ApiCaller, ticket_id: TicketId) -> TicketWithThreadOut:
    with context.database.read() as session:
        ticket = queries.get_ticket(session, actor=caller.actor, ticket_id=ticket_id)
        return _with_thread(session, caller, ticket)


@router.patch("/tickets/{ticket_id}", response_model=TicketOut, summary="Change ticket properties")
def update_ticket(context: Context, caller: ApiCaller, ticket_id: TicketId, body: TicketUpdate) -> TicketOut:
    given = body.model_fields_set
    changes = actions.TicketChanges(
        subject=body.subject if body.subject is not None else actions.UNSET,
        status=body.status if body.status is not None else actions.UNSET,
        priority=body.priority if body.priority is not None else actions.UNSET,
        assignee_id=body.assignee_id if "assignee_id" in given else actions.UNSET,
        team_id=body.team_id if "team_id" in given else actions.UNSET,
        add_tags=body.add_tags,
        remove_tags=body.remove_tags,
        custom_fields=body.custom_fields,
    )
    with context.database.write() as session:
        ticket = actions.update_ticket(
            session, actor=caller.actor, now=context.clock.now(), ticket_id=ticket_id, changes=changes
        )
        session.flush()
        session.refresh(ticket, ["tags"])
        return TicketOut.of(ticket)


@router.delete("/tickets/{ticket_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a ticket (admin)")
def delete_ticket(context: Context, caller: ApiCaller, ticket_id: TicketId) -> None:
    with context.database.write() as session:
        actions.delete_ticket(session, actor=caller.actor, now=context.clock.now(), ticket_id=ticket_id)


@router.post(
    "/tickets/{ticket_id}/replies",
    response_model=MessageOut,
    status_code=status.HTTP_201_CREATED,
    summary="Reply to the customer",
)
def reply(context: Context, caller: ApiCaller, ticket_id: TicketId, body: ReplyCreate) -> MessageOut:
    with context.database.write() as session:
        if caller.actor.is_customer:
            message = actions.add_customer_message(
                session,
                actor=caller.actor,
                now=context.clock.now(),
                ticket_id=ticket_id,
                body_text=body.body,
                body_html=body.body_html,
            )
        else:
            message = actions.reply(
                session,
                actor=caller.actor,
                now=context.clock.now(),
                ticket_id=ticket_id,
                body_text=body.body,
                body_html=body.body_html,
                status=body.status,
            )
        return _new_message_out(message, caller)


@router.post(
    "/tickets/{ticket_id}/notes",
    response_model=MessageOut,
    status_code=status.HTTP_201_CREATED,
    summary="Add an internal note",
)
def add_note(context: Context, caller: ApiCaller, ticket_id: TicketId, body: NoteCreate) -> MessageOut:
    with context.database.write() as session:
        message = actions.add_note(
            session,
            actor=caller.actor,
            now=context.clock.now(),
            ticket_id=ticket_id,
            body_text=body.body,
            email_to=body.email_to,
        )
        return _new_message_out(message, caller)


@router.post("/tickets/{ticket_id}/merge", response_model=TicketOut, summary="Merge another ticket into this one")
def merge(context: Context, caller: ApiCaller, ticket_id: TicketId, body: MergeRequest) -> TicketOut:
    with context.database.write() as session:
        target = actions.merge_tickets(
            session,
            actor=caller.actor,
            now=context.clock.now(),
            source_ticket_id=body.source_ticket_id,
            target_ticket_id=ticket_id,
        )
        session.flush()
        session.refresh(target, ["tags"])
        return TicketOut.of(target)


@router.get("/tickets/{ticket_id}/events", response_model=EventPage, summary="The ticket's event log")
def list_events(
    context: Context,
    caller: ApiCaller,
    ticket_id: TicketId,
    after: Annotated[int | None, Query(ge=0, le=MAX_BIG_ID, description="Return events after this id")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> EventPage:
    with context.database.read() as session:
        ticket = queries.get_ticket(session, actor=caller.actor, ticket_id=ticket_id)
        page = queries.ticket_events(session, actor=caller.actor, ticket=ticket, after_id=after, limit=limit)
        return EventPage(items=[EventOut.model_validate(e) for e in page.items], next_cursor=page.next_cursor)


@router.get("/fields", response_model=list[FieldDefinitionOut], summary="Custom ticket field definitions")
def list_fields(context: Context, caller: ApiCaller) -> list[FieldDefinitionOut]:
    with context.database.read() as session:
        return [FieldDefinitionOut.model_validate(d) for d in queries.field_definitions(session, actor=caller.actor)]


@router.post(
    "/fields", response_model=FieldDefinitionOut, status_code=status.HTTP_201_CREATED, summary="Define a custom field"
)
def create_field(context: Context, caller: ApiCaller, body: FieldDefinitionCreate) -> FieldDefinitionOut:
    with context.database.write() as session:
        definition = actions.create_field_definition(
            session,
            actor=caller.actor,
            now=context.clock.now(),
            key=body.key,
            label=body.label,
            kind=body.kind,
            options=body.options,
        )
        return FieldDefinitionOut.model_validate(definition)
