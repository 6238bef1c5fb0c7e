"""Reading workforce data: published shifts, presence, ticket volume history, adherence."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, Float, cast, func, select
from sqlalchemy.orm import Session, selectinload

from switchboard.accounts.actor import Actor
from switchboard.accounts.models import TeamMember, User
from switchboard.accounts.roles import Permission, Role
from switchboard.channels.models import Channel
from switchboard.core.errors import NotFound, PermissionDenied, ValidationFailed
from switchboard.tickets.models import Ticket
from switchboard.wfm.adherence import (
    STATES_MEETING,
    AdherenceSummary,
    PresenceChange,
    PresenceState,
    ScheduledActivity,
    ScheduledSegment,
    scheduled_activity_at,
    state_at,
    summarise,
)
from switchboard.wfm.models import PresenceChangeRecord, Schedule, ScheduleStatus, Shift

MAX_WINDOW = timedelta(days=62)
MAX_HISTORY = timedelta(days=3 * 366)


def segments_of(shift: Shift) -> list[ScheduledSegment]:
    """A shift as consecutive planned segments: work wherever no activity is planned."""
    segments: list[ScheduledSegment] = []
    cursor = shift.starts_at
    for planned in sorted(shift.activities, key=lambda activity: activity.starts_at):
        if planned.starts_at > cursor:
            segments.append(ScheduledSegment(cursor, planned.starts_at, ScheduledActivity.WORK))
        segments.append(ScheduledSegment(planned.starts_at, planned.ends_at, planned.activity))
        cursor = max(cursor, planned.ends_at)
    if cursor < shift.ends_at:
        segments.append(ScheduledSegment(cursor, shift.ends_at, ScheduledActivity.WORK))
    return segments


def _check_window(starts_at: datetime, ends_at: datetime, limit: timedelta = MAX_WINDOW) -> None:
    if not starts_at < ends_at:
        raise ValidationFailed("the period must end after it starts")
    if ends_at - starts_at > limit:
        raise ValidationFailed(f"the period may cover at most {limit.days} days")


def published_shifts(
    session: Session, *, user_ids: Sequence[int] | None, starts_at: datetime, ends_at: datetime
) -> list[Shift]:
    """Shifts of published schedules overlapping the window, with their activities."""
    _check_window(starts_at, ends_at)
    query = (
        select(Shift)
        .join(Schedule, Schedule.id == Shift.schedule_id)
        .where(
            Schedule.status == ScheduleStatus.PUBLISHED,
            Shift.starts_at < ends_at,
            Shift.ends_at > starts_at,
        )
        .options(selectinload(Shift.activities))
        .order_by(Shift.user_id, Shift.starts_at)
    )
    if user_ids is not None:
        query = query.where(Shift.user_id.in_(user_ids))
    return list(session.scalars(query))


def my_shifts(session: Session, *, actor: Actor, starts_at: datetime, ends_at: datetime) -> list[Shift]:
    actor.require(Permission.SCHEDULE_VIEW_OWN)
    if actor.user_id is None:
        raise PermissionDenied("only a person has a schedule")
    return published_shifts(session, user_ids=[actor.user_id], starts_at=starts_at, ends_at=ends_at)


def schedule_with_shifts(session: Session, *, actor: Actor, schedule_id: int) -> Schedule:
    actor.require(Permission.WFM_VIEW)
    schedule = session.scalars(
        select(Schedule)
        .where(Schedule.id == schedule_id)
        .options(selectinload(Schedule.shifts).selectinload(Shift.activities))
    ).first()
    if schedule is None:
        raise NotFound(f"schedule {schedule_id} does not exist")
    return schedule


def list_schedules(session: Session, *, actor: Actor, limit: int = 50) -> list[Schedule]:
    actor.require(Permission.WFM_VIEW)
    return list(session.scalars(select(Schedule).order_by(Schedule.starts_at.desc(), Schedule.id.desc()).limit(limit)))


def presence_changes(
    session: Session, *, user_ids: Sequence[int], starts_at: datetime, ends_at: datetime
) -> dict[int, list[PresenceChange]]:
    """Each user's changes inside the window, plus the one that held when it opened."""
    by_user: dict[int, list[PresenceChange]] = {user_id: [] for user_id in user_ids}
    if not user_ids:
        return by_user
    latest_before = (
        select(PresenceChangeRecord.user_id, func.max(PresenceChangeRecord.started_at).label("at"))
        .where(PresenceChangeRecord.user_id.in_(user_ids), PresenceChangeRecord.started_at <= starts_at)
        .group_by(PresenceChangeRecord.user_id)
        .subquery()
    )
    opening = select(PresenceChangeRecord).join(
        latest_before,
        (PresenceChangeRecord.user_id == latest_before.c.user_id)
        & (PresenceChangeRecord.started_at == latest_before.c.at),
    )
    inside = select(PresenceChangeRecord).where(
        PresenceChangeRecord.user_id.in_(user_ids),
        PresenceChangeRecord.started_at > starts_at,
        PresenceChangeRecord.started_at < ends_at,
    )
    rows = [*session.scalars(opening), *session.scalars(inside)]
    rows.sort(key=lambda row: (row.started_at, row.id))
    for row in rows:
        by_user[row.user_id].append(PresenceChange(row.started_at, row.state))
    return by_user


@dataclass(frozen=True, slots=True)
class AgentAdherence:
    user_id: int
    name: str
    timezone: str
    summary: AdherenceSummary
    scheduled_now: ScheduledActivity | None
    state_now: PresenceState

    @property
    def adherent_now(self) -> bool | None:
        return None if self.scheduled_now is None else self.state_now in STATES_MEETING[self.scheduled_now]


def adherence_report(
    session: Session,
    *,
    actor: Actor,
    now: datetime,
    starts_at: datetime,
    ends_at: datetime,
    team_id: int | None = None,
) -> list[AgentAdherence]:
    """Adherence and occupancy per agent over the window (cut at `now`), with who is out of
    adherence at this moment. Agents with neither a shift nor presence in it are left out."""
    actor.require(Permission.WFM_VIEW)
    _check_window(starts_at, ends_at)
    measured_until = min(ends_at, now)
    staff = select(User).where(User.role != Role.CUSTOMER, User.is_active).order_by(User.name, User.id)
    if team_id is not None:
        staff = staff.join(TeamMember, TeamMember.user_id == User.id).where(TeamMember.team_id == team_id)
    users = list(session.scalars(staff))
    user_ids = [user.id for user in users]
    shifts = published_shifts(session, user_ids=user_ids, starts_at=starts_at, ends_at=max(ends_at, now))
    segments: dict[int, list[ScheduledSegment]] = {}
    for shift in shifts:
        segments.setdefault(shift.user_id, []).extend(segments_of(shift))
    presence = presence_changes(session, user_ids=user_ids, starts_at=starts_at, ends_at=max(ends_at, now))
    report: list[AgentAdherence] = []
    for user in users:
        own_segments, own_presence = segments.get(user.id, []), presence[user.id]
        if not own_segments and not own_presence:
            continue
        summary = (
            summarise(schedule=own_segments, presence=own_presence, window_start=starts_at, window_end=measured_until)
            if measured_until > starts_at
            else AdherenceSummary(0.0, 0.0, 0.0, 0.0, ())
        )
        report.append(
            AgentAdherence(
                user_id=user.id,
                name=user.name,
                timezone=user.timezone,
                summary=summary,
                scheduled_now=scheduled_activity_at(own_segments, now),
                state_now=state_at(own_presence, now),
            )
        )
    return report


def _interval_number(column: ColumnElement[datetime], interval_seconds: int, dialect: str) -> ColumnElement[float]:
    """Seconds since the epoch of a stored time, floored to the interval, in SQL."""
    epoch: ColumnElement[float] = (
        cast(func.strftime("%s", column), Float) if dialect == "sqlite" else cast(func.extract("epoch", column), Float)
    )
    return func.floor(epoch / interval_seconds)


def ticket_volume(
    session: Session,
    *,
    actor: Actor,
    channel: Channel,
    starts_at: datetime,
    ends_at: datetime,
    interval_minutes: int,
) -> dict[datetime, int]:
    """Tickets created per interval on a channel: the history a forecast learns from.

    Counted in SQL so a year of a busy channel is one grouped scan of the creation index.
    """
    actor.require(Permission.WFM_VIEW)
    _check_window(starts_at, ends_at, MAX_HISTORY)
    interval_seconds = interval_minutes * 60
    number = _interval_number(Ticket.__table__.c.created_at, interval_seconds, session.get_bind().dialect.name)
    rows = session.execute(
        select(number, func.count())
        .where(Ticket.channel == channel, Ticket.created_at >= starts_at, Ticket.created_at < ends_at)
        .group_by(number)
    )
    counts: Counter[datetime] = Counter()
    for interval, count in rows:
        counts[datetime.fromtimestamp(int(interval) * interval_seconds, UTC)] += int(count)
    return dict(counts)


def staff_names(session: Session, *, user_ids: set[int]) -> dict[int, tuple[str, str]]:
    """Name and time zone of each user, for labelling schedules."""
    if not user_ids:
        return {}
    rows = session.execute(select(User.id, User.name, User.timezone).where(User.id.in_(user_ids)))
    return {user_id: (name, timezone) for user_id, name, timezone in rows}


def coverage(shifts: Sequence[Shift], *, starts_at: datetime, ends_at: datetime, interval: timedelta) -> list[float]:
    """Agents working (not on a break, lunch or meeting) per interval, as the average over the
    interval: an agent on a 15-minute break counts 0.5 in a 30-minute interval."""
    count = (ends_at - starts_at) // interval
    covered = [0.0] * count
    length = interval.total_seconds()
    for shift in shifts:
        for segment in segments_of(shift):
            if segment.activity is not ScheduledActivity.WORK:
                continue
            first = max(0, int((segment.starts_at - starts_at) // interval))
            last = min(count - 1, int((segment.ends_at - starts_at) // interval))
            for index in range(first, last + 1):
                begin = starts_at + index * interval
                seconds = (min(segment.ends_at, begin + interval) - max(segment.starts_at, begin)).total_seconds()
                if seconds > 0:
                    covered[index] += seconds / length
    return covered
