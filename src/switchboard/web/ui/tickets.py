"""The ticket list: the newest tickets the logged-in user may see, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BeforeValidator

from switchboard.channels.models import Channel
from switchboard.core.cursor import MAX_CURSOR_LENGTH
from switchboard.tickets import queries
from switchboard.tickets.models import Ticket
from switchboard.tickets.states import Priority, TicketStatus
from switchboard.web.deps import Context, SessionCaller
from switchboard.web.ui.rendering import PageRoute, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 25


def _blank_is_none(value: object) -> object:
    """The filter form's "All statuses" option submits `status=`."""
    return value or None


StatusFilter = Annotated[TicketStatus | None, BeforeValidator(_blank_is_none), Query()]


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


def login_redirect(request: Request) -> RedirectResponse:
    """Send a visitor who is not logged in to the login form, to come back here after."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/login?" + urlencode({"next": here}, safe="/"), status_code=303)


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
