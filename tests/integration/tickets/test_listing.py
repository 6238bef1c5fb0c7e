"""Ticket listings: filters, sort orders and keyset pagination without gaps or repeats."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from switchboard.accounts.actor import Actor
from switchboard.accounts.roles import Role
from switchboard.channels.models import Channel
from switchboard.core.clock import FixedClock
from switchboard.core.errors import ValidationFailed
from switchboard.storage.engine import Database
from switchboard.tickets import actions, queries
from switchboard.tickets.models import Ticket
from switchboard.tickets.states import Priority, TicketStatus
from tests.factories import Factory

ADMIN = Actor.system()


def _all_pages(
    database: Database,
    *,
    sort: queries.SortKey,
    order: queries.SortOrder,
    limit: int,
    filters: queries.TicketFilter | None = None,
) -> list[Ticket]:
    seen: list[Ticket] = []
    cursor = None
    with database.read() as session:
        while True:
            page = queries.list_tickets(
                session,
                actor=ADMIN,
                filters=filters or queries.TicketFilter(),
                sort=sort,
                order=order,
                cursor=cursor,
                limit=limit,
            )
            seen.extend(page.items)
            if page.next_cursor is None:
                return seen
            cursor = page.next_cursor


@pytest.fixture
def twenty_tickets(make: Factory, clock: FixedClock) -> list[Ticket]:
    tickets = []
    priorities = list(Priority)
    for n in range(20):
        # Several tickets share a timestamp so the id tie-breaker is exercised.
        if n % 3 == 0:
            clock.advance(timedelta(minutes=7))
        tickets.append(make.ticket(priority=priorities[n % 4]))
    return tickets


@pytest.mark.parametrize("sort", list(queries.SortKey))
@pytest.mark.parametrize("order", list(queries.SortOrder))
@pytest.mark.parametrize("limit", [1, 3, 7, 100])
def test_pages_cover_every_ticket_once_in_order(
    database: Database, twenty_tickets: list[Ticket], sort: queries.SortKey, order: queries.SortOrder, limit: int
) -> None:
    seen = _all_pages(database, sort=sort, order=order, limit=limit)
    assert sorted(t.id for t in seen) == sorted(t.id for t in twenty_tickets)

    def key(ticket: Ticket) -> tuple[object, ...]:
        if sort is queries.SortKey.PRIORITY:
            return (ticket.priority.rank, ticket.created_at, ticket.id)
        return (getattr(ticket, sort.value), ticket.id)

    assert [t.id for t in seen] == [t.id for t in sorted(seen, key=key, reverse=order is queries.SortOrder.DESC)]


def test_filters(make: Factory, database: Database, clock: FixedClock) -> None:
    team = make.team()
    agent = make.user(Role.AGENT)
    customer = make.customer()
    inbox = make.inbox(Channel.CHAT)
    mine = make.ticket(customer, subject="Billing question", team_id=team.id, assignee_id=agent.id, tags=["billing"])
    unassigned = make.ticket(subject="Password reset", team_id=team.id, inbox_id=inbox.id, channel=Channel.CHAT)
    urgent = make.ticket(subject="Site down", priority=Priority.URGENT)
    with database.write() as session:
        actions.update_ticket(
            session,
            actor=ADMIN,
            now=clock.now(),
            ticket_id=unassigned.id,
            changes=actions.TicketChanges(status=TicketStatus.OPEN),
        )

    def ids(**kwargs: object) -> set[int]:
        with database.read() as session:
            page = queries.list_tickets(session, actor=ADMIN, filters=queries.TicketFilter(**kwargs))  # type: ignore[arg-type]
            return {t.id for t in page.items}

    assert ids(team_id=team.id, unassigned=True) == {unassigned.id}
    assert ids(team_id=team.id, unassigned=True, statuses=[TicketStatus.NEW]) == set()
    assert ids(assignee_id=agent.id) == {mine.id}
    assert ids(customer_id=customer.id) == {mine.id}
    assert ids(inbox_id=inbox.id) == {unassigned.id}
    assert ids(channel=Channel.CHAT) == {unassigned.id}
    assert ids(tag="billing") == {mine.id}
    assert ids(priorities=[Priority.URGENT]) == {urgent.id}
    assert ids(text="password") == {unassigned.id}
    assert ids(text=str(urgent.number)) == {urgent.id}
    assert ids(text="100%_\\") == set()  # LIKE wildcards are literal


def test_customer_sees_only_their_own_tickets(make: Factory, database: Database) -> None:
    alice = make.customer("Alice")
    bob = make.customer("Bob")
    alice_ticket = make.ticket(alice)
    make.ticket(bob)
    alice_user = make.customer_user(alice)
    actor = Actor(user_id=alice_user.id, role=Role.CUSTOMER, customer_id=alice.id)
    with database.read() as session:
        page = queries.list_tickets(session, actor=actor, filters=queries.TicketFilter())
        assert [t.id for t in page.items] == [alice_ticket.id]
        other = queries.list_tickets(session, actor=actor, filters=queries.TicketFilter(customer_id=bob.id))
        assert other.items == []


def test_limits_and_cursors_are_validated(database: Database) -> None:
    with database.read() as session:
        for limit in (0, 101):
            with pytest.raises(ValidationFailed):
                queries.list_tickets(session, actor=ADMIN, filters=queries.TicketFilter(), limit=limit)
        with pytest.raises(ValidationFailed):
            queries.list_tickets(session, actor=ADMIN, filters=queries.TicketFilter(), cursor="WyJub3QgYSBkYXRlIiwxXQ")


def test_concurrent_creation_gives_unique_gap_free_numbers(
    make: Factory, database: Database, clock: FixedClock
) -> None:
    customer = make.customer()
    errors: list[BaseException] = []

    def create_some() -> None:
        try:
            for _ in range(10):
                with database.write() as session:
                    actions.create_ticket(
                        session,
                        actor=ADMIN,
                        now=clock.now(),
                        subject="Concurrent",
                        body_text="x",
                        customer_id=customer.id,
                        channel=Channel.API,
                    )
        except BaseException as exc:  # noqa: BLE001 - surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=create_some) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    seen = _all_pages(database, sort=queries.SortKey.CREATED, order=queries.SortOrder.ASC, limit=100)
    assert sorted(t.number for t in seen) == list(range(1, 41))
