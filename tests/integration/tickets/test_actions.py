"""Ticket actions against a real database: rows, events and outbox written together."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from switchboard.accounts.actor import Actor
from switchboard.accounts.roles import Role
from switchboard.channels.models import Channel
from switchboard.core.clock import FixedClock
from switchboard.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from switchboard.storage.engine import Database
from switchboard.storage.outbox import OutboxItem
from switchboard.tickets import actions, queries
from switchboard.tickets.models import (
    Audience,
    DeliveryState,
    FieldKind,
    Message,
    MessageKind,
    Ticket,
    TicketEvent,
)
from switchboard.tickets.states import Priority, TicketStatus
from tests.factories import Factory


def _events(database: Database, ticket_id: int) -> list[TicketEvent]:
    with database.read() as session:
        return list(
            session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id))
        )


def _agent(make: Factory, role: Role = Role.AGENT) -> Actor:
    user = make.user(role)
    return Actor(user_id=user.id, role=role)


def test_create_ticket_writes_ticket_message_and_events(make: Factory, database: Database) -> None:
    team = make.team()
    inbox = make.inbox(default_team_id=team.id)
    first = make.ticket(inbox_id=inbox.id, tags=["VIP", "billing"])
    second = make.ticket()
    assert (first.number, second.number) == (1, 2)
    assert first.team_id == team.id  # the inbox's default team
    assert first.status is TicketStatus.NEW and first.message_count == 1
    types = [e.type for e in _events(database, first.id)]
    assert types == ["ticket.created", "ticket.message_added", "ticket.tag_added", "ticket.tag_added"]
    created = _events(database, first.id)[0]
    assert created.data["number"] == 1 and created.data["team_id"] == team.id


def test_a_failed_action_leaves_nothing_behind(make: Factory, database: Database, clock: FixedClock) -> None:
    customer = make.customer()
    with pytest.raises(ValidationFailed), database.write() as session:
        actions.create_ticket(
            session,
            actor=Actor.system(),
            now=clock.now(),
            subject="ok",
            body_text="ok",
            customer_id=customer.id,
            channel=Channel.EMAIL,
            tags=["good", "<bad>"],
        )
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 0
        assert session.scalar(select(func.count()).select_from(Message)) == 0
        assert session.scalar(select(func.count()).select_from(TicketEvent)) == 0
    assert make.ticket().number == 1  # the number was not consumed


def test_reply_opens_a_new_ticket_and_queues_delivery(make: Factory, database: Database, clock: FixedClock) -> None:
    ticket = make.ticket()
    agent = _agent(make)
    clock.advance(timedelta(minutes=5))
    with database.write() as session:
        message = actions.reply(session, actor=agent, now=clock.now(), ticket_id=ticket.id, body_text="On it")
    assert message.kind is MessageKind.OUTBOUND and message.delivery_state is DeliveryState.QUEUED
    with database.read() as session:
        stored = session.get(Ticket, ticket.id)
        assert stored is not None and stored.status is TicketStatus.OPEN and stored.message_count == 2
        item = session.scalars(select(OutboxItem)).one()
        assert item.topic == actions.deliver_topic(ticket.channel) and item.payload["message_id"] == message.id
    types = [e.type for e in _events(database, ticket.id)]
    assert types[-2:] == ["ticket.message_added", "ticket.status_changed"]


def test_reply_can_solve_and_closed_tickets_refuse_replies(
    make: Factory, database: Database, clock: FixedClock
) -> None:
    ticket = make.ticket()
    agent = _agent(make)
    with database.write() as session:
        actions.reply(
            session, actor=agent, now=clock.now(), ticket_id=ticket.id, body_text="Fixed", status=TicketStatus.SOLVED
        )
    with database.write() as session:
        actions.update_ticket(
            session,
            actor=agent,
            now=clock.now(),
            ticket_id=ticket.id,
            changes=actions.TicketChanges(status=TicketStatus.CLOSED),
        )
    with pytest.raises(Conflict, match="closed"), database.write() as session:
        actions.reply(session, actor=agent, now=clock.now(), ticket_id=ticket.id, body_text="More")


def test_customer_message_reopens_a_solved_ticket(make: Factory, database: Database, clock: FixedClock) -> None:
    ticket = make.ticket()
    agent = _agent(make)
    with database.write() as session:
        actions.reply(
            session, actor=agent, now=clock.now(), ticket_id=ticket.id, body_text="Done", status=TicketStatus.SOLVED
        )
    clock.advance(timedelta(days=1))
    with database.write() as session:
        actions.add_customer_message(
            session, actor=Actor.system(), now=clock.now(), ticket_id=ticket.id, body_text="Thanks!", is_automatic=True
        )
    with database.read() as session:
        assert session.get(Ticket, ticket.id).status is TicketStatus.SOLVED  # type: ignore[union-attr]
    with database.write() as session:
        actions.add_customer_message(
            session, actor=Actor.system(), now=clock.now(), ticket_id=ticket.id, body_text="Broken again"
        )
    last = _events(database, ticket.id)[-1]
    assert last.type == "ticket.status_changed"
    assert last.data == {"old_status": "solved", "new_status": "open", "reopened": True}
    with database.read() as session:
        reopened = session.get(Ticket, ticket.id)
        assert reopened is not None and reopened.solved_at is None


def test_notes_are_internal(make: Factory, database: Database, clock: FixedClock) -> None:
    customer = make.customer()
    ticket = make.ticket(customer)
    agent = _agent(make)
    with database.write() as session:
        actions.add_note(session, actor=agent, now=clock.now(), ticket_id=ticket.id, body_text="VIP, be quick")
    note_event = _events(database, ticket.id)[-1]
    assert note_event.type == "ticket.note_added" and note_event.audience is Audience.INTERNAL
    customer_user = make.customer_user(customer)
    customer_actor = Actor(user_id=customer_user.id, role=Role.CUSTOMER, customer_id=customer.id)
    with database.read() as session:
        visible = queries.thread(
            session, actor=customer_actor, ticket=queries.get_ticket(session, actor=customer_actor, ticket_id=ticket.id)
        )
        assert [m.kind for m in visible] == [MessageKind.INBOUND]
        staff = queries.thread(
            session, actor=agent, ticket=queries.get_ticket(session, actor=agent, ticket_id=ticket.id)
        )
        assert [m.kind for m in staff] == [MessageKind.INBOUND, MessageKind.NOTE]


def test_update_records_one_event_per_real_change(make: Factory, database: Database, clock: FixedClock) -> None:
    team = make.team()
    agent_user = make.user(Role.AGENT)
    agent = Actor(user_id=agent_user.id, role=Role.AGENT)
    manager = _agent(make, Role.SUPPORT_MANAGER)
    with database.write() as session:
        actions.create_field_definition(
            session,
            actor=manager,
            now=clock.now(),
            key="plan",
            label="Plan",
            kind=FieldKind.SELECT,
            options=["free", "pro"],
        )
    ticket = make.ticket(priority=Priority.LOW)
    before = len(_events(database, ticket.id))
    changes = actions.TicketChanges(
        subject="New subject",
        priority=Priority.URGENT,
        team_id=team.id,
        assignee_id=agent_user.id,
        status=TicketStatus.PENDING,
        add_tags=["a"],
        custom_fields={"plan": "pro"},
    )
    with database.write() as session:
        actions.update_ticket(session, actor=agent, now=clock.now(), ticket_id=ticket.id, changes=changes)
    new = [e.type for e in _events(database, ticket.id)[before:]]
    assert sorted(new) == sorted(
        [
            "ticket.subject_changed",
            "ticket.priority_changed",
            "ticket.team_changed",
            "ticket.assigned",
            "ticket.tag_added",
            "ticket.field_changed",
            "ticket.status_changed",
        ]
    )
    with database.write() as session:  # the same changes again change nothing
        actions.update_ticket(session, actor=agent, now=clock.now(), ticket_id=ticket.id, changes=changes)
    assert len(_events(database, ticket.id)) == before + len(new)
    with database.write() as session:
        actions.update_ticket(
            session,
            actor=agent,
            now=clock.now(),
            ticket_id=ticket.id,
            changes=actions.TicketChanges(assignee_id=None, remove_tags=["a"], custom_fields={"plan": None}),
        )
    with database.read() as session:
        stored = queries.get_ticket(session, actor=agent, ticket_id=ticket.id)
        assert stored.assignee_id is None and stored.tags == [] and stored.custom_fields == {}


@pytest.mark.parametrize(
    "changes",
    [
        actions.TicketChanges(status=TicketStatus.NEW),
        actions.TicketChanges(status=TicketStatus.CLOSED),
    ],
)
def test_invalid_transitions_are_refused(
    make: Factory, database: Database, clock: FixedClock, changes: actions.TicketChanges
) -> None:
    ticket = make.ticket()
    agent = _agent(make)
    with database.write() as session:
        actions.update_ticket(
            session,
            actor=agent,
            now=clock.now(),
            ticket_id=ticket.id,
            changes=actions.TicketChanges(status=TicketStatus.OPEN),
        )
    with pytest.raises(InvalidTransition), database.write() as session:
        actions.update_ticket(session, actor=agent, now=clock.now(), ticket_id=ticket.id, changes=changes)


def test_assignee_must_be_an_active_staff_member(make: Factory, database: Database, clock: FixedClock) -> None:
    customer = make.customer()
    customer_user = make.customer_user(customer)
    ticket = make.ticket()
    agent = _agent(make)
    for bad in (customer_user.id, 999_999):
        with pytest.raises(ValidationFailed), database.write() as session:
            actions.update_ticket(
                session,
                actor=agent,
                now=clock.now(),
                ticket_id=ticket.id,
                changes=actions.TicketChanges(assignee_id=bad),
            )


def test_unknown_custom_field_and_bad_value_are_refused(make: Factory, database: Database, clock: FixedClock) -> None:
    manager = _agent(make, Role.SUPPORT_MANAGER)
    with database.write() as session:
        actions.create_field_definition(
            session, actor=manager, now=clock.now(), key="seats", label="Seats", kind=FieldKind.NUMBER
        )
    ticket = make.ticket()
    for values in ({"nope": 1}, {"seats": "many"}):
        with pytest.raises(ValidationFailed), database.write() as session:
            actions.update_ticket(
                session,
                actor=manager,
                now=clock.now(),
                ticket_id=ticket.id,
                changes=actions.TicketChanges(custom_fields=values),
            )


def test_merge_moves_the_thread_and_keeps_both_histories(make: Factory, database: Database, clock: FixedClock) -> None:
    customer = make.customer()
    target = make.ticket(customer, subject="Login broken")
    source = make.ticket(customer, subject="Still can't log in")
    agent = _agent(make)
    source_events_before = [e.id for e in _events(database, source.id)]
    with database.write() as session:
        actions.merge_tickets(
            session, actor=agent, now=clock.now(), source_ticket_id=source.id, target_ticket_id=target.id
        )
    with database.read() as session:
        merged_target = session.get(Ticket, target.id)
        merged_source = session.get(Ticket, source.id)
        assert merged_target is not None and merged_source is not None
        assert merged_target.message_count == 2 and merged_source.message_count == 0
        assert merged_source.status is TicketStatus.CLOSED and merged_source.merged_into_id == target.id
        moved = session.scalars(select(Message.ticket_id).where(Message.ticket_id == target.id)).all()
        assert len(moved) == 2
    source_events = _events(database, source.id)
    assert [e.id for e in source_events][: len(source_events_before)] == source_events_before
    assert "ticket.merged_into" in [e.type for e in source_events]
    assert _events(database, target.id)[-1].type == "ticket.merged"
    with pytest.raises(Conflict), database.write() as session:
        actions.merge_tickets(
            session, actor=agent, now=clock.now(), source_ticket_id=source.id, target_ticket_id=target.id
        )
    with pytest.raises(ValidationFailed), database.write() as session:
        actions.merge_tickets(
            session, actor=agent, now=clock.now(), source_ticket_id=target.id, target_ticket_id=target.id
        )


def test_delete_is_admin_only_and_hides_the_ticket(make: Factory, database: Database, clock: FixedClock) -> None:
    ticket = make.ticket()
    agent = _agent(make)
    admin = _agent(make, Role.ADMIN)
    with pytest.raises(PermissionDenied), database.write() as session:
        actions.delete_ticket(session, actor=agent, now=clock.now(), ticket_id=ticket.id)
    with database.write() as session:
        actions.delete_ticket(session, actor=admin, now=clock.now(), ticket_id=ticket.id)
    with database.read() as session:
        with pytest.raises(NotFound):
            queries.get_ticket(session, actor=admin, ticket_id=ticket.id)
        page = queries.list_tickets(session, actor=admin, filters=queries.TicketFilter())
        assert page.items == []
    assert _events(database, ticket.id)[-1].type == "ticket.deleted"


def test_html_bodies_are_sanitised_before_storage(make: Factory, database: Database, clock: FixedClock) -> None:
    ticket = make.ticket()
    agent = _agent(make)
    with database.write() as session:
        message = actions.reply(
            session,
            actor=agent,
            now=clock.now(),
            ticket_id=ticket.id,
            body_text="hi",
            body_html='<p onclick="x()">hi<script>alert(1)</script></p>',
        )
    assert message.body_html == "<p>hi</p>"
