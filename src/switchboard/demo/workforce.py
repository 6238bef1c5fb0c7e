"""The demo's workforce: this week's schedule, solved from the demo's own ticket history and
published, and today's presence of the agents on shift (a few of them out of adherence).

The requirement is what the forecast pages would compute: each channel's forecast for the week,
turned into agents by its staffing model (deferred email work, chat with concurrency), summed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from switchboard.accounts.actor import Actor
from switchboard.accounts.models import User
from switchboard.accounts.roles import Role
from switchboard.channels.models import Channel
from switchboard.wfm import actions, queries, service
from switchboard.wfm.adherence import PresenceState, ScheduledActivity
from switchboard.wfm.planning import ChannelTargets, StaffingModel
from switchboard.wfm.schedule import (
    Agent,
    BreakRule,
    Horizon,
    ScheduleNotFound,
    SchedulingProblem,
    ShiftTemplate,
    solve_schedule,
)

DAYS = 7
INTERVAL_MINUTES = 30
SOLVE_SECONDS = 10.0
SOLVE_GAP = 0.02
QUEUE = "support"
# Handle times of a small B2B desk: long emails with research, chats two at a time.
DEMO_TARGETS: dict[Channel, ChannelTargets] = {
    Channel.EMAIL: ChannelTargets(StaffingModel.DEFERRED, aht_seconds=1500, response_target_seconds=2 * 3600),
    Channel.WEB: ChannelTargets(StaffingModel.DEFERRED, aht_seconds=1500, response_target_seconds=2 * 3600),
    Channel.API: ChannelTargets(StaffingModel.DEFERRED, aht_seconds=1200, response_target_seconds=4 * 3600),
    Channel.CHAT: ChannelTargets(
        StaffingModel.CHAT, aht_seconds=900, service_level=0.8, threshold_seconds=60, concurrency=2
    ),
}
_LUNCH = BreakRule("lunch", timedelta(minutes=30), timedelta(hours=3), timedelta(hours=5), paid=False)
_BREAK = BreakRule("break", timedelta(minutes=15), timedelta(hours=1, minutes=30), timedelta(hours=2, minutes=30))
TEMPLATES = (
    ShiftTemplate("Full day 8h30", timedelta(hours=8, minutes=30), time(6), time(14), breaks=(_BREAK, _LUNCH)),
    ShiftTemplate("Half day 4h", timedelta(hours=4), time(7), time(17), breaks=()),
)
SHIFT_HANDLERS = (Role.AGENT, Role.TEAM_LEAD)
HANDLING_SHARE = 0.7
PART_TIME_EVERY = 5  # one agent in five works half days
PART_TIME_HOURS = (16.0, 20.0)
FULL_TIME_HOURS = (32.0, 40.0)


@dataclass(frozen=True, slots=True)
class WorkforceSummary:
    schedule_id: int | None
    shifts: int
    presence_changes: int
    note: str


def load_workforce(session: Session, *, now: datetime, seed: int) -> WorkforceSummary:
    """Solve, save and publish this week's schedule (Monday 00:00 UTC onwards) and record presence."""
    system = Actor.system()
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    horizon = Horizon(start=monday, days=DAYS, interval_minutes=INTERVAL_MINUTES)
    required = [0.0] * horizon.intervals
    for channel, targets in DEMO_TARGETS.items():
        week = service.plan_week(
            session,
            actor=system,
            now=now,
            channel=channel,
            monday=monday.date(),
            zone=ZoneInfo("UTC"),
            targets=targets,
            interval_minutes=INTERVAL_MINUTES,
        )
        if week.plan is not None:
            required = [total + agents for total, agents in zip(required, week.plan.agents_required, strict=True)]
    staff = list(session.scalars(select(User).where(User.role.in_(SHIFT_HANDLERS), User.is_active).order_by(User.id)))
    agents = tuple(
        Agent(
            agent_id=user.email,
            time_zone=user.timezone,
            templates=(TEMPLATES[1].name,) if part_time else (TEMPLATES[0].name,),
            min_hours_per_week=PART_TIME_HOURS[0] if part_time else FULL_TIME_HOURS[0],
            max_hours_per_week=PART_TIME_HOURS[1] if part_time else FULL_TIME_HOURS[1],
        )
        for index, user in enumerate(staff)
        for part_time in (index % PART_TIME_EVERY == PART_TIME_EVERY - 1,)
    )
    problem = SchedulingProblem(
        horizon=horizon, requirements={QUEUE: tuple(required)}, templates=TEMPLATES, agents=agents
    )
    try:
        result = solve_schedule(problem, relative_gap=SOLVE_GAP, time_limit_seconds=SOLVE_SECONDS, random_seed=seed)
    except ScheduleNotFound as exc:
        return WorkforceSummary(None, 0, 0, f"no schedule: {exc}")
    schedule_id = service.save_solved_schedule(
        session, actor=system, now=now, name=f"Week of {monday:%d %b %Y}", result=result, publish=True
    )
    changes = _todays_presence(session, now=now, seed=seed)
    shifts = sum(len(agent.shifts) for agent in result.schedules)
    return WorkforceSummary(schedule_id, shifts, changes, f"gap {result.report.gap:.1%}, {result.report.status.value}")


def _todays_presence(session: Session, *, now: datetime, seed: int) -> int:
    """Presence for every shift that has started today: on time mostly, late or on a long break
    sometimes, handling and available in turns, so adherence and occupancy have something to show."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    system = Actor.system()
    shifts = queries.published_shifts(session, user_ids=None, starts_at=now - timedelta(hours=12), ends_at=now)
    recorded = 0
    started = [shift for shift in shifts if shift.starts_at <= now]
    for index, shift in enumerate(started):
        # Late for the start of the shift now and then; the first one always, so the
        # adherence page has an exception to show.
        delay = timedelta(minutes=25 if index == 0 else rng.choice((0, 0, 0, 2, 5, 25)))
        moments: list[tuple[datetime, PresenceState]] = []
        for segment in queries.segments_of(shift):
            start = segment.starts_at + delay
            if segment.activity is ScheduledActivity.WORK:
                cursor = start
                while cursor < min(segment.ends_at, now):
                    state = PresenceState.HANDLING if rng.random() < HANDLING_SHARE else PresenceState.AVAILABLE
                    moments.append((cursor, state))
                    cursor += timedelta(minutes=rng.randint(6, 20))
                delay = timedelta(0)
            else:
                away = PresenceState.LUNCH if segment.activity is ScheduledActivity.LUNCH else PresenceState.BREAK
                moments.append((start, away))
                delay = timedelta(minutes=rng.choice((0, 0, 0, 10)))  # back late from the break
        moments.append((shift.ends_at, PresenceState.OFFLINE))
        for at, state in moments:
            if at > now or at < now - actions.PRESENCE_BACKDATE_LIMIT:
                continue
            actions.record_presence(
                session, actor=system, now=now, user_id=shift.user_id, state=state, source="demo", at=at
            )
            recorded += 1
    return recorded
