"""The ticket list page: what it shows, to whom, a page at a time, and safely."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from switchboard.accounts.actor import Actor
from switchboard.accounts.roles import Role
from switchboard.channels.models import Channel
from switchboard.core.clock import FixedClock
from switchboard.storage.engine import Database
from switchboard.tickets import actions
from switchboard.tickets.models import Ticket
from switchboard.tickets.states import Priority, TicketStatus
from switchboard.web.ui.security import CONTENT_SECURITY_POLICY
from tests.factories import Factory
from tests.integration.ui.conftest import submit_login

_SUBJECT_CELL = re.compile(r'<td class="ticket-subject"><a href="/tickets/\d+">([^<]*)</a></td>')


def subjects_on(html: str) -> list[str]:
    return _SUBJECT_CELL.findall(html)


def next_page_link(html: str) -> str | None:
    match = re.search(r'<a href="([^"]*)" rel="next">Next page</a>', html)
    return match.group(1).replace("&amp;", "&") if match else None


def set_status(database: Database, clock: FixedClock, ticket: Ticket, status: TicketStatus) -> None:
    with database.write() as session:
        actions.update_ticket(
            session,
            actor=Actor.system(),
            now=clock.now(),
            ticket_id=ticket.id,
            changes=actions.TicketChanges(status=status),
        )


@pytest.fixture
def agent_client(client: TestClient, make: Factory) -> TestClient:
    response = submit_login(client, email=make.user(Role.AGENT).email)
    assert response.status_code == 303
    return client


def test_visitors_are_sent_to_log_in_first(client: TestClient) -> None:
    response = client.get("/tickets", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/tickets"


def test_list_shows_each_tickets_number_subject_status_priority_channel_and_created(
    agent_client: TestClient, make: Factory, clock: FixedClock
) -> None:
    make.ticket(subject="Invoice missing", priority=Priority.URGENT, channel=Channel.CHAT)

    page = agent_client.get("/tickets").text

    assert '<td class="ticket-number">#1</td>' in page
    assert subjects_on(page) == ["Invoice missing"]
    assert '<span class="badge status-new">New</span>' in page
    assert '<span class="badge priority-urgent">Urgent</span>' in page
    assert "<td>Chat</td>" in page
    assert f'<time datetime="{clock.now().isoformat()}">2026-03-02 09:00 UTC</time>' in page


def test_newest_first_with_a_next_page_link_that_continues_the_list(
    agent_client: TestClient, make: Factory, clock: FixedClock
) -> None:
    for n in range(27):
        make.ticket(subject=f"Ticket {n:02d}")
        clock.advance(timedelta(minutes=1))

    first = agent_client.get("/tickets").text
    link = next_page_link(first)
    assert link is not None and link.startswith("/tickets?cursor=")
    second = agent_client.get(link).text

    assert subjects_on(first) == [f"Ticket {n:02d}" for n in range(26, 1, -1)]
    assert subjects_on(second) == ["Ticket 01", "Ticket 00"]
    assert next_page_link(second) is None
    assert '<a href="/tickets">Newest</a>' in second


def test_status_filter_narrows_the_list_and_survives_paging(
    agent_client: TestClient, make: Factory, database: Database, clock: FixedClock
) -> None:
    for n in range(26):
        ticket = make.ticket(subject=f"Open {n:02d}")
        set_status(database, clock, ticket, TicketStatus.OPEN)
        clock.advance(timedelta(minutes=1))
    make.ticket(subject="Still new")

    first = agent_client.get("/tickets", params={"status": "open"}).text
    link = next_page_link(first)

    assert "Still new" not in subjects_on(first)
    assert '<option value="open" selected>Open</option>' in first
    assert link is not None and "status=open" in link
    assert subjects_on(agent_client.get(link).text) == ["Open 00"]
    assert "Still new" in subjects_on(agent_client.get("/tickets", params={"status": ""}).text)


def test_a_subject_is_shown_as_text_never_as_markup(agent_client: TestClient, make: Factory) -> None:
    make.ticket(subject='<script>alert("owned")</script> & <b>bold</b>')

    response = agent_client.get("/tickets")

    assert "<script" not in response.text
    assert "<b>" not in response.text
    assert "&lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in response.text


def test_a_customer_sees_only_their_own_tickets(client: TestClient, make: Factory) -> None:
    alice, bob = make.customer("Alice"), make.customer("Bob")
    make.ticket(alice, subject="Alice's question")
    make.ticket(bob, subject="Bob's question")
    alice_login = make.customer_user(alice)

    assert submit_login(client, email=alice_login.email).status_code == 303
    page = client.get("/tickets").text

    assert subjects_on(page) == ["Alice&#39;s question"]
    assert "Bob" not in page


def test_staff_see_every_customers_tickets(agent_client: TestClient, make: Factory) -> None:
    make.ticket(make.customer("Alice"), subject="First")
    make.ticket(make.customer("Bob"), subject="Second")
    assert subjects_on(agent_client.get("/tickets").text) == ["Second", "First"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"cursor": "not-a-cursor"}, "Cursor is not valid"),
        ({"status": "exploded"}, "Status: Input should be"),
    ],
)
def test_bad_input_is_an_html_error_page_not_json(
    agent_client: TestClient, params: dict[str, str], message: str
) -> None:
    response = agent_client.get("/tickets", params=params)

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert message in response.text
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_an_empty_list_says_so(agent_client: TestClient) -> None:
    page = agent_client.get("/tickets", params={"status": "solved"}).text
    assert "No tickets with status Solved." in page
