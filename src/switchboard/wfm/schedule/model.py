"""Inputs of the shift-scheduling problem: horizon, shift templates, agents, requirement, weights.

Every instant is timezone-aware; wall-clock times (template start windows, availability) are read
in each agent's own IANA time zone. Durations are whole minutes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from switchboard.core.errors import ValidationFailed

# EU Working Time Directive 2003/88/EC, Article 3: "a minimum daily rest period of 11
# consecutive hours per 24-hour period".
MINIMUM_DAILY_REST = timedelta(hours=11)
# Directive 2003/88/EC, Article 6(b): average working time must not exceed 48 hours a week.
MAXIMUM_WEEKLY_HOURS = 48.0
DAYS_PER_WEEK = 7
DEFAULT_DAYS_OFF_PER_WEEK = 2
DEFAULT_START_STEP = timedelta(minutes=30)
DEFAULT_BREAK_STEP = timedelta(minutes=15)
# Under-staffing costs five times over-staffing by default: a missing agent loses service
# level and callers, a spare agent costs only wages. The ratio is a policy, not a law: change it.
DEFAULT_UNDER_STAFFING_WEIGHT = 5.0
DEFAULT_OVER_STAFFING_WEIGHT = 1.0


class InvalidScheduleInput(ValidationFailed, ValueError):
    """The problem cannot be scheduled as stated; the message says what to fix."""

    code = "invalid_schedule_input"


@dataclass(frozen=True, slots=True)
class Horizon:
    """`days` days cut into intervals of `interval_minutes`, starting at the instant `start`."""

    start: datetime
    days: int
    interval_minutes: int = 30

    @property
    def intervals(self) -> int:
        return self.days * 24 * 60 // self.interval_minutes

    @property
    def minutes(self) -> int:
        return self.days * 24 * 60

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=self.days)

    def interval_start(self, index: int) -> datetime:
        """The UTC instant at which interval `index` (0-based) begins."""
        return (self.start + timedelta(minutes=index * self.interval_minutes)).astimezone(UTC)

    def instant(self, minute: int) -> datetime:
        """The UTC instant `minute` minutes after the start of the horizon."""
        return (self.start + timedelta(minutes=minute)).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class BreakRule:
    """A break or lunch of `duration`, starting between `earliest_start` and `latest_start`
    after the shift starts, on a grid of `step`. Unpaid breaks do not count as paid hours."""

    name: str
    duration: timedelta
    earliest_start: timedelta
    latest_start: timedelta
    paid: bool = True
    step: timedelta = DEFAULT_BREAK_STEP


@dataclass(frozen=True, slots=True)
class ShiftTemplate:
    """A shift of elapsed `length` (breaks included) starting, in the agent's local time, at
    `earliest_start`, `earliest_start + start_step`, … up to `latest_start`.

    Breaks must be listed in the order they are taken and their windows must not overlap
    (each break's latest end is no later than the next break's earliest start)."""

    name: str
    length: timedelta
    earliest_start: time
    latest_start: time
    start_step: timedelta = DEFAULT_START_STEP
    breaks: tuple[BreakRule, ...] = ()

    @property
    def paid_length(self) -> timedelta:
        unpaid = sum((rule.duration for rule in self.breaks if not rule.paid), timedelta())
        return self.length - unpaid


@dataclass(frozen=True, slots=True)
class AvailabilityWindow:
    """On local `weekday` (Monday is 0), the agent can work from `start` to `end`.

    An `end` at or before `start` means the window ends the next day (`time(0)` is midnight)."""

    weekday: int
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class Agent:
    """Someone to schedule. Hours and days off are per week, prorated over the horizon.

    `availability` None means available at any time; otherwise every shift must fit inside one
    window. `skills` None means the agent can serve every queue. `max_shifts` counts shifts in
    the whole horizon."""

    agent_id: str
    time_zone: str
    templates: tuple[str, ...]
    min_hours_per_week: float = 0.0
    max_hours_per_week: float = MAXIMUM_WEEKLY_HOURS
    days_off_per_week: int = DEFAULT_DAYS_OFF_PER_WEEK
    max_shifts: int | None = None
    availability: tuple[AvailabilityWindow, ...] | None = None
    unavailable_dates: frozenset[date] = frozenset()
    skills: frozenset[str] | None = None
    minimum_rest: timedelta = MINIMUM_DAILY_REST


@dataclass(frozen=True, slots=True)
class CoverageWeights:
    """Cost of one agent short (under) or spare (over) for one interval, per queue."""

    under_staffing: float = DEFAULT_UNDER_STAFFING_WEIGHT
    over_staffing: float = DEFAULT_OVER_STAFFING_WEIGHT


@dataclass(frozen=True, slots=True)
class SchedulingProblem:
    """Agents required per interval for each queue (skill), and the people and shapes to cover it.

    Requirements are used as given, fractions included (they are not rounded up): round them
    up before calling if whole agents are wanted. An agent covers a queue only if it has the
    skill of that name (or `skills` is None)."""

    horizon: Horizon
    requirements: Mapping[str, tuple[float, ...]]
    templates: tuple[ShiftTemplate, ...]
    agents: tuple[Agent, ...]
    weights: CoverageWeights = field(default_factory=CoverageWeights)
