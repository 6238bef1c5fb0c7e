"""Presence, schedules and their publication, adherence and ticket volume, on the real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from switchboard.accounts.actor import Actor
from switchboard.accounts.models import User
from switchboard.accounts.roles import Role
from switchboard.channels.models import Channel
from switchboard.core.clock import FixedClock
from switchboard.core.errors import NotFound, PermissionDenied, ValidationFailed
from switchboard.storage.engine import Database
from switchboard.wfm import actions, queries
from switchboard.wfm.adherence import PresenceState, ScheduledActivity
from switchboard.wfm.models import ScheduleStatus
from tests.factories import Factory

DAY = datetime(2026, 11, 23, tzinfo=UTC)
SYSTEM = Actor.system()


def actor_of(user: User) -> Actor:
    return Actor(user_id=user.id, role=user.role)


def shift_for(user: User, *, hour: int = 8, day: int = 0) -> actions.PlannedShift:
    start = DAY + timedelta(days=day, hours=hour)
    return actions.PlannedShift(
        user_id=user.id,
        template="8h",
        starts_at=start,
        ends_at=start + timedelta(hours=8),
        activities=(
            actions.PlannedActivity(ScheduledActivity.LUNCH, start + timedelta(hours=4), start + timedelta(hours=4.5)),
        ),
    )


def save(database: Database, shifts: list[actions.PlannedShift], *, days: int = 1, team_id: int | None = None) -> int:
    with database.write() as session:
        return actions.save_schedule(
            session,
            actor=SYSTEM,
            now=DAY,
            name="Week 48",
            starts_at=DAY,
            ends_at=DAY + timedelta(days=days),
            interval_minutes=30,
            required_agents=[1.0] * 48 * days,
            solve_report={"status": "optimal", "gap": 0.004},
            shifts=shifts,
            team_id=team_id,
        ).id


def test_presence_is_idempotent_and_bounded(database: Database, make: Factory) -> None:
    agent = make.user(Role.AGENT)
    now = DAY + timedelta(hours=9)
    with database.write() as session:
        first = actions.record_presence(
            session, actor=actor_of(agent), now=now, user_id=agent.id, state=PresenceState.AVAILABLE, source="web"
        )
        again = actions.record_presence(
            session, actor=actor_of(agent), now=now, user_id=agent.id, state=PresenceState.AVAILABLE, source="web"
        )
        assert again.id == first.id
        for at, message in ((now + timedelta(minutes=5), "future"), (now - timedelta(days=2), "24 hours")):
            with pytest.raises(ValidationFailed, match=message):
                actions.record_presence(
                    session,
                    actor=actor_of(agent),
                    now=now,
                    user_id=agent.id,
                    state=PresenceState.BREAK,
                    source="web",
                    at=at,
                )
        with pytest.raises(ValidationFailed, match="source"):
            actions.record_presence(
                session, actor=actor_of(agent), now=now, user_id=agent.id, state=PresenceState.BREAK, source=" " * 3
            )


def test_only_planners_set_someone_elses_presence(database: Database, make: Factory) -> None:
    agent, colleague, planner = make.user(Role.AGENT), make.user(Role.AGENT), make.user(Role.WORKFORCE_MANAGER)
    customer = make.customer_user(make.customer())
    with database.write() as session:
        with pytest.raises(PermissionDenied):
            actions.record_presence(
                session, actor=actor_of(agent), now=DAY, user_id=colleague.id, state=PresenceState.BREAK, source="x"
            )
        actions.record_presence(
            session, actor=actor_of(planner), now=DAY, user_id=colleague.id, state=PresenceState.BREAK, source="voice"
        )
        with pytest.raises(NotFound):
            actions.record_presence(
                session, actor=actor_of(planner), now=DAY, user_id=customer.id, state=PresenceState.BREAK, source="x"
            )


def test_schedule_validation(database: Database, make: Factory) -> None:
    agent = make.user(Role.AGENT)
    outside = actions.PlannedShift(agent.id, "8h", DAY - timedelta(hours=1), DAY + timedelta(hours=7))
    overlapping = [shift_for(agent, hour=8), shift_for(agent, hour=12)]
    customer = make.customer_user(make.customer())
    for shifts, message in (
        ([outside], "outside the schedule"),
        (overlapping, "overlapping"),
        ([shift_for(customer)], "not active staff"),
    ):
        with pytest.raises(ValidationFailed, match=message):
            save(database, shifts)
    with database.write() as session, pytest.raises(ValidationFailed, match="requirement has 3 intervals"):
        actions.save_schedule(
            session,
            actor=SYSTEM,
            now=DAY,
            name="x",
            starts_at=DAY,
            ends_at=DAY + timedelta(days=1),
            interval_minutes=30,
            required_agents=[1, 2, 3],
            solve_report={},
            shifts=[],
        )
    with database.write() as session, pytest.raises(PermissionDenied):
        actions.save_schedule(
            session,
            actor=actor_of(agent),
            now=DAY,
            name="x",
            starts_at=DAY,
            ends_at=DAY + timedelta(days=1),
            interval_minutes=30,
            required_agents=[1] * 48,
            solve_report={},
            shifts=[],
        )


def test_agents_see_only_published_schedules_and_republishing_withdraws(database: Database, make: Factory) -> None:
    agent = make.user(Role.AGENT)
    draft_id = save(database, [shift_for(agent)])
    window = {"starts_at": DAY, "ends_at": DAY + timedelta(days=1)}
    with database.read() as session:
        assert queries.my_shifts(session, actor=actor_of(agent), **window) == []
    with database.write() as session:
        actions.publish_schedule(session, actor=SYSTEM, now=DAY, schedule_id=draft_id)
    with database.read() as session:
        (shift,) = queries.my_shifts(session, actor=actor_of(agent), **window)
        assert [(s.activity, s.ends_at - s.starts_at) for s in queries.segments_of(shift)] == [
            (ScheduledActivity.WORK, timedelta(hours=4)),
            (ScheduledActivity.LUNCH, timedelta(minutes=30)),
            (ScheduledActivity.WORK, timedelta(hours=3.5)),
        ]
    replacement_id = save(database, [shift_for(agent, hour=10)])
    with database.write() as session:
        actions.publish_schedule(session, actor=SYSTEM, now=DAY, schedule_id=replacement_id)
    with database.read() as session:
        (shift,) = queries.my_shifts(session, actor=actor_of(agent), **window)
        assert shift.starts_at == DAY + timedelta(hours=10)
        statuses = {s.id: s.status for s in queries.list_schedules(session, actor=SYSTEM)}
        assert statuses == {draft_id: ScheduleStatus.WITHDRAWN, replacement_id: ScheduleStatus.PUBLISHED}
    with database.write() as session, pytest.raises(ValidationFailed, match="withdrawn"):
        actions.publish_schedule(session, actor=SYSTEM, now=DAY, schedule_id=draft_id)


def test_adherence_report_from_stored_presence(database: Database, make: Factory) -> None:
    punctual, late, off = make.user(Role.AGENT), make.user(Role.AGENT), make.user(Role.AGENT)
    lead = make.user(Role.TEAM_LEAD)
    schedule_id = save(database, [shift_for(punctual), shift_for(late)])
    with database.write() as session:
        actions.publish_schedule(session, actor=SYSTEM, now=DAY, schedule_id=schedule_id)
        for user, minutes, state in (
            (punctual, 8 * 60 - 5, PresenceState.AVAILABLE),
            (punctual, 9 * 60, PresenceState.HANDLING),
            (late, 8 * 60 + 30, PresenceState.AVAILABLE),
            (late, 10 * 60, PresenceState.BREAK),
        ):
            at = DAY + timedelta(minutes=minutes)
            actions.record_presence(session, actor=SYSTEM, now=at, user_id=user.id, state=state, source="test")
    now = DAY + timedelta(hours=11)
    with database.read() as session:
        report = {
            row.user_id: row
            for row in queries.adherence_report(
                session, actor=actor_of(lead), now=now, starts_at=DAY, ends_at=DAY + timedelta(days=1)
            )
        }
        with pytest.raises(PermissionDenied):
            queries.adherence_report(session, actor=actor_of(off), now=now, starts_at=DAY, ends_at=now)
    assert off.id not in report  # neither scheduled nor present: not listed as 0 %
    assert report[punctual.id].summary.adherence == 1.0
    assert report[punctual.id].summary.occupancy == pytest.approx(120 / 185)  # handling 9–11 of ready 07:55–11
    assert report[punctual.id].adherent_now is True
    # late: scheduled 08–11 so far; ready 08:30–10:00 only.
    assert report[late.id].summary.adherence == pytest.approx(1.5 / 3)
    assert report[late.id].adherent_now is False
    assert report[late.id].state_now is PresenceState.BREAK


def test_ticket_volume_per_interval(database: Database, make: Factory, clock: FixedClock) -> None:
    customer = make.customer()
    for minutes, channel in (
        (0, Channel.EMAIL),
        (10, Channel.EMAIL),
        (29, Channel.EMAIL),
        (30, Channel.EMAIL),
        (5, Channel.CHAT),
        (24 * 60 + 1, Channel.EMAIL),
    ):
        clock.set(DAY + timedelta(minutes=minutes))
        make.ticket(customer, channel=channel)
    with database.read() as session:
        volume = queries.ticket_volume(
            session,
            actor=SYSTEM,
            channel=Channel.EMAIL,
            starts_at=DAY,
            ends_at=DAY + timedelta(days=1),
            interval_minutes=30,
        )
        with pytest.raises(ValidationFailed, match="at most"):
            queries.ticket_volume(
                session,
                actor=SYSTEM,
                channel=Channel.EMAIL,
                starts_at=DAY,
                ends_at=DAY + timedelta(days=5000),
                interval_minutes=30,
            )
    assert volume == {DAY: 3, DAY + timedelta(minutes=30): 1}
