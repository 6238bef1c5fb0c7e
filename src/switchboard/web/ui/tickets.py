"""The ticket list (the newest tickets the logged-in user may see, a page at a time) and
a ticket's page with its conversation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import BeforeValidator

from switchboard.channels.email.queries import email_details
from switchboard.channels.models import Channel
from switchboard.core.cursor import MAX_CURSOR_LENGTH
from switchboard.tickets import queries
from switchboard.tickets.models import Ticket
from switchboard.tickets.states import Priority, TicketStatus
from switchboard.web.api.schemas import MAX_BIG_ID
from switchboard.web.deps import Context, SessionCaller
from switchboard.web.ui import message_files
from switchboard.web.ui.redirects import login_redirect
from switchboard.web.ui.rendering import PageRoute, render
from switchboard.web.ui.thread_view import TicketView

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 25


def _blank_is_none(value: object) -> object:
    """The filter form's "All statuses" option submits `status=`."""
    return value or None


StatusFilter = Annotated[TicketStatus | None, BeforeValidator(_blank_is_none), Query()]
TicketNumber = Annotated[int, Path(ge=1, le=MAX_BIG_ID)]


@dataclass(frozen=True, slots=True)
class TicketRow:
    """What one row of the list shows, copied out while the database session is open."""

    number: int
    subject: str
    status: TicketStatus
    priority: Priority
    channel: Channel
    created_at: datetime

    @classmethod
    def of(cls, ticket: Ticket) -> TicketRow:
        return cls(
            number=ticket.number,
            subject=ticket.subject,
            status=ticket.status,
            priority=ticket.priority,
            channel=ticket.channel,
            created_at=ticket.created_at,
        )


def list_url(*, status: TicketStatus | None, cursor: str | None = None) -> str:
    parameters = {name: value for name, value in (("status", status), ("cursor", cursor)) if value}
    return "/tickets" + (f"?{urlencode(parameters)}" if parameters else "")


@router.get("/tickets")
def ticket_list(
    request: Request,
    context: Context,
    current_user: SessionCaller,
    status: StatusFilter = None,
    cursor: Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH)] = None,
) -> Response:
    if current_user is None:
        return login_redirect(request)
    filters = queries.TicketFilter(statuses=(status,) if status is not None else ())
    with context.database.read() as session:
        page = queries.list_tickets(session, actor=current_user.actor, filters=filters, cursor=cursor, limit=PAGE_SIZE)
        rows = [TicketRow.of(ticket) for ticket in page.items]
    return render(
        request,
        "tickets/list.html",
        current_user=current_user,
        nav="tickets",
        tickets=rows,
        statuses=list(TicketStatus),
        status=status,
        first_page_url=list_url(status=status) if cursor else None,
        next_page_url=list_url(status=status, cursor=page.next_cursor) if page.next_cursor else None,
    )


@router.get("/tickets/{number}")
def ticket_page(request: Request, context: Context, current_user: SessionCaller, number: TicketNumber) -> Response:
    if current_user is None:
        return login_redirect(request)
    actor = current_user.actor
    with context.database.read() as session:
        ticket = queries.get_ticket_by_number(session, actor=actor, number=number)
        messages = queries.thread(session, actor=actor, ticket=ticket)
        view = TicketView.of(
            ticket,
            messages=messages,
            emails=email_details(session, [m.id for m in messages]),
            names=queries.author_names(session, messages=messages, customer_ids=[ticket.customer_id]),
        )
    return render(request, "tickets/detail.html", current_user=current_user, nav="tickets", ticket=view)


# A message's HTML frame, attachments and original email: served with their own headers.
router.include_router(message_files.router)
