"""The demo loader writes histories the named actions could have written.

Replaying each ticket's event log from `ticket.created` must give the ticket row; every
message must have its event; times must run forward; loading twice must add nothing.
"""

from __future__ import annotations

import io
import os
import shutil
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import func, select, text

from switchboard.accounts import actions as accounts
from switchboard.accounts.actor import Actor
from switchboard.accounts.models import User
from switchboard.accounts.roles import Role
from switchboard.core.clock import FixedClock, ensure_aware
from switchboard.demo.loader import DEMO_LOGINS, load_demo
from switchboard.models import metadata
from switchboard.storage.engine import Database, make_engine
from switchboard.tickets.events import EVENT_TYPES
from switchboard.tickets.models import Message, Tag, Ticket, TicketEvent, TicketTag
from switchboard.tickets.states import Priority
from switchboard.wfm import queries as wfm_queries
from switchboard.wfm.models import ScheduleStatus

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DEMO_TICKETS = 400
BULK_TICKETS = 300


def _quiet() -> Console:
    return Console(file=io.StringIO(), width=120)


@pytest.fixture(scope="module")
def demo_database(_template_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """One loaded demo (plus a small bulk run) shared by the read-only checks of this module."""
    postgres_url = os.environ.get("SWITCHBOARD_TEST_DATABASE_URL")
    if postgres_url:
        engine = make_engine(postgres_url)
        tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        url = postgres_url
    else:
        path = Path(tmp_path_factory.mktemp("demo")) / "demo.sqlite3"
        shutil.copyfile(_template_database, path)
        url = f"sqlite:///{path}"
    database = Database(make_engine(url))
    # Bulk batches planned by two worker processes, the way million-ticket runs go.
    load_demo(
        database,
        clock=FixedClock(NOW),
        console=_quiet(),
        demo_tickets=DEMO_TICKETS,
        bulk_tickets=BULK_TICKETS,
        bulk_workers=2,
        bulk_batch_size=100,
    )
    yield database
    database.dispose()


@pytest.fixture
def migrated_template(_template_database: str) -> str:
    """The migrated, empty SQLite file conftest makes once per run."""
    return _template_database


def _table_counts(database: Database) -> dict[str, int]:
    with database.read() as session:
        return {
            name: int(session.execute(select(func.count()).select_from(metadata.tables[name])).scalar_one())
            for name in ("users", "customers", "tickets", "messages", "ticket_events", "ticket_tags")
        }


Everything = tuple[list[Ticket], dict[int, list[TicketEvent]], list[Message], dict[int, set[str]]]


def _load_everything(database: Database) -> Everything:
    with database.read() as session:
        tickets = list(session.scalars(select(Ticket).order_by(Ticket.id)))
        events: dict[int, list[TicketEvent]] = defaultdict(list)
        for event in session.scalars(select(TicketEvent).order_by(TicketEvent.id)):
            events[event.ticket_id].append(event)
        messages = list(session.scalars(select(Message).order_by(Message.id)))
        tags: dict[int, set[str]] = defaultdict(set)
        for ticket_id, name in session.execute(
            select(TicketTag.ticket_id, Tag.name).join(Tag, Tag.id == TicketTag.tag_id)
        ):
            tags[ticket_id].add(name)
        session.expunge_all()
    return tickets, events, messages, tags


def _replay(log: list[TicketEvent]) -> dict[str, Any]:
    """The ticket's state from its events alone, checking each change starts where the last ended."""
    created = log[0]
    assert created.type == "ticket.created"
    state: dict[str, Any] = {
        "status": created.data["status"],
        "assignee_id": created.data["assignee_id"],
        "priority": created.data["priority"],
        "team_id": created.data["team_id"],
        "tags": set(),
        "merged_into_id": None,
    }
    for event in log[1:]:
        data = event.data
        if event.type == "ticket.status_changed":
            assert data["old_status"] == state["status"], event.id
            assert data["reopened"] == (data["old_status"] == "solved" and data["new_status"] == "open")
            state["status"] = data["new_status"]
        elif event.type == "ticket.assigned":
            assert data["old_assignee_id"] == state["assignee_id"], event.id
            state["assignee_id"] = data["new_assignee_id"]
        elif event.type == "ticket.priority_changed":
            assert data["old_priority"] == state["priority"], event.id
            state["priority"] = data["new_priority"]
        elif event.type == "ticket.team_changed":
            assert data["old_team_id"] == state["team_id"], event.id
            state["team_id"] = data["new_team_id"]
        elif event.type == "ticket.tag_added":
            assert data["tag"] not in state["tags"]
            state["tags"].add(data["tag"])
        elif event.type == "ticket.tag_removed":
            state["tags"].discard(data["tag"])
        elif event.type == "ticket.merged_into":
            state["merged_into_id"] = data["target_ticket_id"]
    return state


def test_replaying_each_event_log_gives_the_ticket(demo_database: Database) -> None:
    tickets, events, _messages, tags = _load_everything(demo_database)
    assert len(tickets) == DEMO_TICKETS + BULK_TICKETS  # one ticket per request, duplicates included
    for ticket in tickets:
        state = _replay(events[ticket.id])
        assert state["status"] == ticket.status.value, ticket.number
        assert state["assignee_id"] == ticket.assignee_id, ticket.number
        assert Priority(state["priority"]) is ticket.priority, ticket.number
        assert state["team_id"] == ticket.team_id, ticket.number
        assert state["tags"] == tags[ticket.id], ticket.number
        assert state["merged_into_id"] == ticket.merged_into_id, ticket.number
        assert events[ticket.id][0].data["number"] == ticket.number
    # The demo shows the whole life cycle, including reopens and merges.
    statuses = {ticket.status.value for ticket in tickets}
    assert {"new", "open", "pending", "solved", "closed"} <= statuses
    all_events = [event for log in events.values() for event in log]
    assert any(e.type == "ticket.status_changed" and e.data["reopened"] for e in all_events)
    assert any(ticket.merged_into_id is not None for ticket in tickets)


def test_every_message_is_counted_and_has_its_event(demo_database: Database) -> None:
    tickets, events, messages, _tags = _load_everything(demo_database)
    by_ticket: dict[int, list[Message]] = defaultdict(list)
    for message in messages:
        by_ticket[message.ticket_id].append(message)
    # Where each message's event lives: its own ticket, or the ticket it was merged from.
    event_of_message: dict[int, TicketEvent] = {}
    merged_from: dict[int, set[int]] = defaultdict(set)
    for log in events.values():
        for event in log:
            if event.type in ("ticket.message_added", "ticket.note_added"):
                assert event.data["message_id"] not in event_of_message
                event_of_message[event.data["message_id"]] = event
            elif event.type == "ticket.merged":
                merged_from[event.ticket_id].add(event.data["source_ticket_id"])
    for ticket in tickets:
        thread = by_ticket[ticket.id]
        assert ticket.message_count == len(thread), ticket.number
        for message in thread:
            event = event_of_message[message.id]
            assert event.ticket_id in {ticket.id} | merged_from[ticket.id]
            assert ensure_aware(event.occurred_at) == ensure_aware(message.created_at)
            expected_kind = "ticket.note_added" if message.kind.value == "note" else "ticket.message_added"
            assert event.type == expected_kind
            if message.kind.value == "outbound":
                assert message.delivery_state.value == "sent"
    assert len(event_of_message) == len(messages)


def test_event_rows_are_what_the_event_classes_produce(demo_database: Database) -> None:
    _tickets, events, _messages, _tags = _load_everything(demo_database)
    for log in events.values():
        for event in log:
            typed = EVENT_TYPES[event.type](**event.data)
            assert typed.as_data() == event.data, event.id
            assert event.audience is typed.audience, event.id


def test_times_run_forward(demo_database: Database) -> None:
    tickets, events, messages, _tags = _load_everything(demo_database)
    by_ticket: dict[int, list[Message]] = defaultdict(list)
    for message in messages:
        by_ticket[message.ticket_id].append(message)
    for ticket in tickets:
        created_at = ensure_aware(ticket.created_at)
        assert NOW - timedelta(weeks=53) <= created_at <= NOW
        moments = [ensure_aware(event.occurred_at) for event in events[ticket.id]]
        assert moments == sorted(moments), ticket.number
        assert moments[0] == created_at
        assert ensure_aware(ticket.updated_at) == moments[-1] <= NOW
        thread_times = [ensure_aware(message.created_at) for message in by_ticket[ticket.id]]
        assert thread_times == sorted(thread_times), ticket.number  # message ids follow time
        replies = [m for m in by_ticket[ticket.id] if m.kind.value == "outbound"]
        assert all(ensure_aware(reply.created_at) >= created_at for reply in replies)
        if ticket.status.value in ("solved", "closed"):
            assert ticket.solved_at is not None
            last_solve = max(
                ensure_aware(e.occurred_at)
                for e in events[ticket.id]
                if e.type == "ticket.status_changed" and e.data["new_status"] == "solved"
            )
            assert ensure_aware(ticket.solved_at) == last_solve
            if replies and ticket.merged_into_id is None:
                assert ensure_aware(replies[0].created_at) <= ensure_aware(ticket.solved_at)
        if ticket.status.value == "closed":
            assert ticket.closed_at is not None and ensure_aware(ticket.closed_at) >= ensure_aware(ticket.solved_at)
    event_times = [(event.id, ensure_aware(event.occurred_at)) for log in events.values() for event in log]
    assert all(moment <= NOW for _id, moment in event_times)


def test_loading_again_adds_nothing(demo_database: Database) -> None:
    before = _table_counts(demo_database)
    summary = load_demo(demo_database, clock=FixedClock(NOW + timedelta(days=1)), console=_quiet(), demo_tickets=50)
    assert "already loaded" in summary
    assert _table_counts(demo_database) == before


def test_every_demo_login_works(demo_database: Database) -> None:
    policy = accounts.LoginPolicy(
        max_failures=5, lockout=timedelta(minutes=15), attempts_per_minute=100, session_lifetime=timedelta(hours=1)
    )
    roles = [role for role, _email in DEMO_LOGINS.by_role]
    assert sorted(roles) == sorted(role.value for role in Role)
    for role, email in DEMO_LOGINS.by_role:
        with demo_database.write() as session:
            result = accounts.log_in(
                session, email=email, password=DEMO_LOGINS.password, client="127.0.0.1", now=NOW, policy=policy
            )
            assert isinstance(result, accounts.StartedSession), email
            assert result.user.role.value == role
    with demo_database.read() as session:
        staff = session.scalar(select(func.count()).select_from(User).where(User.role != "customer"))
    assert staff is not None and staff >= 20


@pytest.mark.skipif(bool(os.environ.get("SWITCHBOARD_TEST_DATABASE_URL")), reason="compares two SQLite files")
def test_worker_processes_write_the_same_rows_as_one_process(migrated_template: str, tmp_path: Path) -> None:
    """Batches are seeded by position and ids assumed in order, so parallelism changes nothing."""
    dumps = []
    for workers in (1, 2):
        path = tmp_path / f"workers{workers}.sqlite3"
        shutil.copyfile(migrated_template, path)
        database = Database(make_engine(f"sqlite:///{path}"))
        load_demo(
            database,
            clock=FixedClock(NOW),
            console=_quiet(),
            demo_tickets=20,
            bulk_tickets=250,
            bulk_workers=workers,
            bulk_batch_size=60,
        )
        with database.read() as session:
            dumps.append(
                {
                    name: session.execute(
                        select(metadata.tables[name]).order_by(*metadata.tables[name].primary_key.columns)
                    ).all()
                    for name in ("customers", "tickets", "messages", "ticket_tags", "ticket_events")
                }
            )
        database.dispose()
    assert len(dumps[0]["tickets"]) == 270
    assert dumps[0] == dumps[1]


def test_demo_has_a_published_schedule_and_todays_presence(demo_database: Database) -> None:
    """The workforce pages have something to show: this week's shifts cover the demo's own
    forecast, and the agents on shift today have presence (some of it out of adherence)."""
    with demo_database.read() as session:
        (schedule,) = wfm_queries.list_schedules(session, actor=Actor.system())
        assert schedule.status is ScheduleStatus.PUBLISHED
        assert schedule.optimality_gap is not None and schedule.optimality_gap <= 0.02
        assert sum(schedule.required_agents) > 0
        detailed = wfm_queries.schedule_with_shifts(session, actor=Actor.system(), schedule_id=schedule.id)
        assert len({shift.user_id for shift in detailed.shifts}) >= 10
        report = wfm_queries.adherence_report(
            session, actor=Actor.system(), now=NOW, starts_at=NOW - timedelta(hours=12), ends_at=NOW
        )
    scheduled = [row for row in report if row.summary.scheduled_seconds]
    assert scheduled
    assert all(row.summary.adherence is not None for row in scheduled)
    assert min(row.summary.adherence or 1.0 for row in scheduled) < 1.0  # someone was late
