"""The only writers of workforce data: presence changes, schedules and their publication."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from switchboard.accounts.actor import Actor
from switchboard.accounts.models import Team, User
from switchboard.accounts.roles import Permission, Role
from switchboard.core.errors import NotFound, ValidationFailed
from switchboard.wfm.adherence import PresenceState, ScheduledActivity
from switchboard.wfm.models import PresenceChangeRecord, Schedule, ScheduleStatus, Shift, ShiftActivity

# Telephony and chat systems report state changes late (queues, retries, clock skew):
# accept a change up to a day old, but never one from the future beyond a little skew.
PRESENCE_BACKDATE_LIMIT = timedelta(hours=24)
PRESENCE_CLOCK_SKEW = timedelta(seconds=60)
MAX_SOURCE_LENGTH = 32
MAX_SCHEDULE_NAME_LENGTH = 200
MAX_SHIFTS_PER_SCHEDULE = 20_000
MAX_SCHEDULE_DAYS = 62
ALLOWED_INTERVAL_MINUTES = (15, 30, 60)


def record_presence(
    session: Session,
    *,
    actor: Actor,
    now: datetime,
    user_id: int,
    state: PresenceState,
    source: str,
    at: datetime | None = None,
) -> PresenceChangeRecord:
    """Record that `user_id` is in `state` from `at` (default now).

    Agents set their own presence; changing someone else's (a telephony integration)
    needs `wfm.manage`. Repeating the state the agent is already in at that moment
    records nothing and returns the change that holds, so retried deliveries are harmless.
    """
    actor.require(Permission.PRESENCE_SET_OWN if user_id == actor.user_id else Permission.WFM_MANAGE)
    at = now if at is None else at
    if at.tzinfo is None:
        raise ValidationFailed("the time of a presence change needs a time zone")
    if at > now + PRESENCE_CLOCK_SKEW:
        raise ValidationFailed("a presence change cannot be in the future")
    if at < now - PRESENCE_BACKDATE_LIMIT:
        raise ValidationFailed("a presence change more than 24 hours old cannot be recorded")
    source = source.strip()
    if not source or len(source) > MAX_SOURCE_LENGTH:
        raise ValidationFailed(f"presence source must be 1-{MAX_SOURCE_LENGTH} characters")
    user = session.get(User, user_id)
    if user is None or user.role is Role.CUSTOMER:
        raise NotFound(f"staff member {user_id} does not exist")
    holding = session.scalars(
        select(PresenceChangeRecord)
        .where(PresenceChangeRecord.user_id == user_id, PresenceChangeRecord.started_at <= at)
        .order_by(PresenceChangeRecord.started_at.desc(), PresenceChangeRecord.id.desc())
        .limit(1)
    ).first()
    if holding is not None and holding.state is state:
        return holding
    change = PresenceChangeRecord(user_id=user_id, state=state, started_at=at, source=source)
    session.add(change)
    session.flush()
    return change


@dataclass(frozen=True, slots=True)
class PlannedActivity:
    activity: ScheduledActivity
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class PlannedShift:
    user_id: int
    template: str
    starts_at: datetime
    ends_at: datetime
    activities: tuple[PlannedActivity, ...] = field(default=())


def _check_shifts(shifts: Sequence[PlannedShift], *, starts_at: datetime, ends_at: datetime) -> None:
    by_user: dict[int, list[PlannedShift]] = {}
    for shift in shifts:
        if not starts_at <= shift.starts_at < shift.ends_at <= ends_at:
            raise ValidationFailed(f"a shift of user {shift.user_id} lies outside the schedule's horizon")
        for planned in shift.activities:
            if planned.activity is ScheduledActivity.WORK:
                raise ValidationFailed("work is the rest of a shift; list only breaks, lunches and meetings")
            if not shift.starts_at <= planned.starts_at < planned.ends_at <= shift.ends_at:
                raise ValidationFailed(f"a {planned.activity.value} of user {shift.user_id} lies outside its shift")
        by_user.setdefault(shift.user_id, []).append(shift)
    for user_id, own in by_user.items():
        own.sort(key=lambda shift: shift.starts_at)
        for earlier, later in pairwise(own):
            if later.starts_at < earlier.ends_at:
                raise ValidationFailed(f"user {user_id} has overlapping shifts")


def save_schedule(
    session: Session,
    *,
    actor: Actor,
    now: datetime,
    name: str,
    starts_at: datetime,
    ends_at: datetime,
    interval_minutes: int,
    required_agents: Sequence[float],
    solve_report: dict[str, Any],
    shifts: Sequence[PlannedShift],
    team_id: int | None = None,
) -> Schedule:
    """Store a solved schedule as a draft; agents see it only once it is published."""
    actor.require(Permission.WFM_MANAGE)
    name = " ".join(name.split())
    if not name or len(name) > MAX_SCHEDULE_NAME_LENGTH:
        raise ValidationFailed(f"schedule name must be 1-{MAX_SCHEDULE_NAME_LENGTH} characters")
    if interval_minutes not in ALLOWED_INTERVAL_MINUTES:
        raise ValidationFailed("interval must be 15, 30 or 60 minutes")
    if not starts_at < ends_at <= starts_at + timedelta(days=MAX_SCHEDULE_DAYS):
        raise ValidationFailed(f"a schedule covers more than nothing and at most {MAX_SCHEDULE_DAYS} days")
    intervals = (ends_at - starts_at) // timedelta(minutes=interval_minutes)
    if len(required_agents) != intervals:
        raise ValidationFailed(f"the requirement has {len(required_agents)} intervals; the horizon has {intervals}")
    if len(shifts) > MAX_SHIFTS_PER_SCHEDULE:
        raise ValidationFailed(f"a schedule holds at most {MAX_SHIFTS_PER_SCHEDULE} shifts")
    if team_id is not None and session.get(Team, team_id) is None:
        raise ValidationFailed(f"team {team_id} does not exist")
    _check_shifts(shifts, starts_at=starts_at, ends_at=ends_at)
    user_ids = {shift.user_id for shift in shifts}
    staff = set(
        session.scalars(select(User.id).where(User.id.in_(user_ids), User.role != Role.CUSTOMER, User.is_active))
    )
    if missing := sorted(user_ids - staff):
        raise ValidationFailed(f"not active staff: user {', '.join(map(str, missing[:5]))}")
    gap = solve_report.get("gap")
    schedule = Schedule(
        name=name,
        team_id=team_id,
        status=ScheduleStatus.DRAFT,
        starts_at=starts_at,
        ends_at=ends_at,
        interval_minutes=interval_minutes,
        required_agents=[float(value) for value in required_agents],
        solve_report=solve_report,
        optimality_gap=float(gap) if isinstance(gap, int | float) else None,
        created_by_id=actor.user_id,
        created_at=now,
        published_at=None,
    )
    schedule.shifts = [
        Shift(
            user_id=shift.user_id,
            template=shift.template,
            starts_at=shift.starts_at,
            ends_at=shift.ends_at,
            activities=[
                ShiftActivity(activity=planned.activity, starts_at=planned.starts_at, ends_at=planned.ends_at)
                for planned in shift.activities
            ],
        )
        for shift in shifts
    ]
    session.add(schedule)
    session.flush()
    return schedule


def publish_schedule(session: Session, *, actor: Actor, now: datetime, schedule_id: int) -> Schedule:
    """Publish a draft. A published schedule of the same team that overlaps it is withdrawn,
    so an agent never has two plans for one hour."""
    actor.require(Permission.WFM_MANAGE)
    schedule = session.get(Schedule, schedule_id)
    if schedule is None:
        raise NotFound(f"schedule {schedule_id} does not exist")
    if schedule.status is ScheduleStatus.PUBLISHED:
        return schedule
    if schedule.status is ScheduleStatus.WITHDRAWN:
        raise ValidationFailed("a withdrawn schedule cannot be published again; solve a new one")
    same_team = Schedule.team_id.is_(None) if schedule.team_id is None else Schedule.team_id == schedule.team_id
    session.execute(
        update(Schedule)
        .where(
            Schedule.status == ScheduleStatus.PUBLISHED,
            same_team,
            Schedule.starts_at < schedule.ends_at,
            Schedule.ends_at > schedule.starts_at,
        )
        .values(status=ScheduleStatus.WITHDRAWN)
    )
    schedule.status = ScheduleStatus.PUBLISHED
    schedule.published_at = now
    session.flush()
    return schedule
