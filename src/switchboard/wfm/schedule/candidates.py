"""Every shift an agent could work: template × local date × local start time, placed in UTC.

Wall-clock start times are turned into instants in the agent's time zone, so a week that
crosses a daylight-saving change is handled: a start time that does not exist that day (the
clocks jump over it) is skipped, an ambiguous one (the clocks repeat it) means its first
occurrence, and a shift's length is elapsed time. A candidate must lie wholly inside the
horizon and inside one availability window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from switchboard.wfm.schedule.model import Agent, AvailabilityWindow, Horizon, SchedulingProblem, ShiftTemplate

MINUTES_PER_DAY = 24 * 60
ONE_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class CandidateShift:
    """One shift an agent may work. Minutes count from the start of the horizon."""

    agent_index: int
    local_date: date
    template_index: int
    start_minute: int
    end_minute: int
    paid_minutes: int


@dataclass(frozen=True, slots=True)
class AgentCandidates:
    """The candidate shifts of one agent and the local dates they start on, in order."""

    agent: Agent
    local_dates: tuple[date, ...]
    shifts: tuple[CandidateShift, ...]


def enumerate_candidates(problem: SchedulingProblem) -> tuple[AgentCandidates, ...]:
    """List every shift each agent could work, in the order of `problem.agents`.

    Precondition: `problem` passed `validate_problem`."""
    template_index = {template.name: index for index, template in enumerate(problem.templates)}
    return tuple(
        _agent_candidates(
            agent_index=index,
            agent=agent,
            horizon=problem.horizon,
            templates=[(template_index[name], problem.templates[template_index[name]]) for name in agent.templates],
        )
        for index, agent in enumerate(problem.agents)
    )


def _agent_candidates(
    *, agent_index: int, agent: Agent, horizon: Horizon, templates: list[tuple[int, ShiftTemplate]]
) -> AgentCandidates:
    zone = ZoneInfo(agent.time_zone)
    # A shift starting the local evening before the horizon's first local date can still end
    # inside the horizon only if it starts inside it, so that earlier day is scanned too.
    first = horizon.start.astimezone(zone).date() - timedelta(days=1)
    last = horizon.end.astimezone(zone).date()
    local_dates = tuple(first + timedelta(days=offset) for offset in range((last - first).days + 1))
    windows = _windows_by_weekday(agent.availability)
    shifts = []
    for local_date in local_dates:
        if local_date in agent.unavailable_dates:
            continue
        for index, template in templates:
            length = template.length // ONE_MINUTE
            paid = template.paid_length // ONE_MINUTE
            for wall_minute in _start_wall_minutes(template):
                start = _utc_minute(zone=zone, horizon_start=horizon.start, local_date=local_date, wall=wall_minute)
                if start is None or start < 0 or start + length > horizon.minutes:
                    continue
                end_wall = _wall_minute_after(zone=zone, local_date=local_date, instant=horizon.instant(start + length))
                if windows is not None and not _fits(windows, local_date=local_date, start=wall_minute, end=end_wall):
                    continue
                shifts.append(
                    CandidateShift(
                        agent_index=agent_index,
                        local_date=local_date,
                        template_index=index,
                        start_minute=start,
                        end_minute=start + length,
                        paid_minutes=paid,
                    )
                )
    return AgentCandidates(agent=agent, local_dates=local_dates, shifts=tuple(shifts))


def _start_wall_minutes(template: ShiftTemplate) -> range:
    earliest = template.earliest_start.hour * 60 + template.earliest_start.minute
    latest = template.latest_start.hour * 60 + template.latest_start.minute
    return range(earliest, latest + 1, template.start_step // ONE_MINUTE)


@lru_cache(maxsize=65536)
def _utc_minute(*, zone: ZoneInfo, horizon_start: datetime, local_date: date, wall: int) -> int | None:
    """Minutes from the horizon start to `wall` minutes past local midnight, or None when that
    wall-clock time does not exist on `local_date` (skipped by a daylight-saving change)."""
    hour, minute = divmod(wall, 60)
    local = datetime.combine(local_date, time(hour, minute), tzinfo=zone)
    round_trip = local.astimezone(UTC).astimezone(zone)
    if (round_trip.date(), round_trip.hour, round_trip.minute) != (local_date, hour, minute):
        return None
    return (local - horizon_start) // ONE_MINUTE


def _wall_minute_after(*, zone: ZoneInfo, local_date: date, instant: datetime) -> int:
    """Wall-clock minutes from local midnight of `local_date` to `instant` (may exceed a day)."""
    local = instant.astimezone(zone)
    return (local.date() - local_date).days * MINUTES_PER_DAY + local.hour * 60 + local.minute


WallWindows = dict[int, list[tuple[int, int]]]


def _windows_by_weekday(availability: tuple[AvailabilityWindow, ...] | None) -> WallWindows | None:
    if availability is None:
        return None
    windows: WallWindows = {}
    for window in availability:
        start = window.start.hour * 60 + window.start.minute
        end = window.end.hour * 60 + window.end.minute
        if end <= start:
            end += MINUTES_PER_DAY  # ends the next day
        windows.setdefault(window.weekday, []).append((start, end))
    return windows


def _fits(windows: WallWindows, *, local_date: date, start: int, end: int) -> bool:
    """True when the wall-clock span [start, end) of a shift starting on `local_date` lies
    inside one window of that weekday or inside an overnight window of the day before."""
    weekday = local_date.weekday()
    previous = (weekday - 1) % 7
    same_day = windows.get(weekday, [])
    overnight = [(low - MINUTES_PER_DAY, high - MINUTES_PER_DAY) for low, high in windows.get(previous, [])]
    return any(low <= start and end <= high for low, high in same_day + overnight)
