"""What the optimiser returns: per-agent schedules, coverage per queue and interval, the solve report.

Instants are UTC unless the field name says local (then they carry the agent's time zone).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from switchboard.wfm.schedule.model import Horizon

SECONDS_PER_HOUR = 3600


class SolveStatus(StrEnum):
    OPTIMAL = "optimal"  # proven within the requested relative gap of the optimum
    TIME_LIMIT = "time_limit"  # stopped by the time limit with a schedule; `gap` says how good it is


@dataclass(frozen=True, slots=True)
class SolveReport:
    """How the solve went. `gap` is HiGHS's relative gap (objective − bound) / |objective|:
    no schedule can cost less than `bound`, so `objective` is within `gap` of the optimum."""

    status: SolveStatus
    solver: str
    objective: float
    bound: float
    gap: float
    requested_gap: float
    time_limit_seconds: float
    solve_seconds: float
    build_seconds: float
    columns: int
    integer_columns: int
    rows: int
    nonzeros: int
    nodes: int


@dataclass(frozen=True, slots=True)
class ScheduledBreak:
    name: str
    start: datetime
    end: datetime
    local_start: datetime
    local_end: datetime
    paid: bool


@dataclass(frozen=True, slots=True)
class ScheduledShift:
    """One shift of one agent; `local_date` is the agent's date on which it starts."""

    template: str
    local_date: date
    start: datetime
    end: datetime
    local_start: datetime
    local_end: datetime
    breaks: tuple[ScheduledBreak, ...]
    paid: timedelta

    @property
    def paid_hours(self) -> float:
        return self.paid.total_seconds() / SECONDS_PER_HOUR


@dataclass(frozen=True, slots=True)
class AgentSchedule:
    agent_id: str
    time_zone: str
    shifts: tuple[ScheduledShift, ...]

    @property
    def paid_hours(self) -> float:
        return sum(shift.paid_hours for shift in self.shifts)


@dataclass(frozen=True, slots=True)
class QueueCoverage:
    """Per interval: agents required, agents covering (a fraction when someone is on duty for
    part of the interval), and the shortfall and surplus: under = max(0, required − covered),
    over = max(0, covered − required)."""

    queue: str
    required: tuple[float, ...]
    covered: tuple[float, ...]
    under: tuple[float, ...]
    over: tuple[float, ...]

    @property
    def total_under(self) -> float:
        return sum(self.under)

    @property
    def total_over(self) -> float:
        return sum(self.over)


@dataclass(frozen=True, slots=True)
class UnschedulableAgent:
    """An agent left out of the schedule, and why (in words a manager can act on)."""

    agent_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ScheduleResult:
    """The schedule and its quality. `on_duty` counts agents on duty per interval, all queues;
    `cost` is the weighted under- and over-staffing recomputed from the schedule itself."""

    horizon: Horizon
    schedules: tuple[AgentSchedule, ...]
    coverage: tuple[QueueCoverage, ...]
    on_duty: tuple[float, ...]
    unschedulable: tuple[UnschedulableAgent, ...]
    cost: float
    report: SolveReport

    @property
    def total_under(self) -> float:
        return sum(queue.total_under for queue in self.coverage)

    @property
    def total_over(self) -> float:
        return sum(queue.total_over for queue in self.coverage)
