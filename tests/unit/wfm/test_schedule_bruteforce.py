"""The optimiser's optimum equals an exhaustive enumeration of every schedule of tiny problems.

No published worked example fits this model (named agents, time zones, breaks, V-shaped
staffing cost), so the reference is computed independently: every combination of each agent's
shift and break choices on each day is enumerated, the rules (rest, shift limit, minimum paid
hours) are checked directly and coverage is counted minute by minute with zoneinfo, sharing no
code with the model.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from switchboard.wfm.schedule import (
    Agent,
    BreakRule,
    CoverageWeights,
    Horizon,
    SchedulingProblem,
    ShiftTemplate,
    SolveStatus,
    solve_schedule,
)

START = datetime(2025, 1, 6, tzinfo=UTC)  # a Monday, no daylight saving anywhere near
DAYS = 2
INTERVAL = 30
INTERVALS = DAYS * 24 * 60 // INTERVAL
LENGTH = timedelta(hours=4)
STARTS = (time(8), time(9), time(10))


def _template(*, break_minutes: int, break_step: int) -> ShiftTemplate:
    return ShiftTemplate(
        name="four hours",
        length=LENGTH,
        earliest_start=STARTS[0],
        latest_start=STARTS[-1],
        start_step=timedelta(hours=1),
        breaks=(
            BreakRule(
                name="rest",
                duration=timedelta(minutes=break_minutes),
                earliest_start=timedelta(hours=1),
                latest_start=timedelta(hours=1, minutes=30),
                step=timedelta(minutes=break_step),
                paid=False,
            ),
        ),
    )


# Agent "a" (UTC) must work at least one shift and needs 20 hours between shifts, so a 10:00
# start on Monday rules out an 08:00 start on Tuesday; agent "b" (Berlin, UTC+1 in January)
# may work one shift at most.
AGENTS = (
    Agent(
        agent_id="a",
        time_zone="UTC",
        templates=("four hours",),
        min_hours_per_week=10.0,
        minimum_rest=timedelta(hours=20),
    ),
    Agent(agent_id="b", time_zone="Europe/Berlin", templates=("four hours",), max_shifts=1),
)


def _weeks(agent: Agent, template: ShiftTemplate) -> list[list[tuple[datetime, datetime, datetime, datetime]]]:
    """Every week the agent may work, as (start, end, break start, break end) per shift, UTC."""
    zone = ZoneInfo(agent.time_zone)
    rule = template.breaks[0]
    offsets = []
    offset = rule.earliest_start
    while offset <= rule.latest_start:
        offsets.append(offset)
        offset += rule.step
    per_day: list[list[tuple[datetime, datetime, datetime, datetime] | None]] = []
    for day in (date(2025, 1, 6), date(2025, 1, 7)):
        options: list[tuple[datetime, datetime, datetime, datetime] | None] = [None]
        for start_time, offset in itertools.product(STARTS, offsets):
            start = datetime.combine(day, start_time, tzinfo=zone).astimezone(UTC)
            options.append((start, start + LENGTH, start + offset, start + offset + rule.duration))
        per_day.append(options)
    weeks = []
    paid_hours = (LENGTH - rule.duration) / timedelta(hours=1)
    for combination in itertools.product(*per_day):
        shifts = [shift for shift in combination if shift is not None]
        if len(shifts) == 2 and shifts[1][0] - shifts[0][1] < agent.minimum_rest:
            continue
        if agent.max_shifts is not None and len(shifts) > agent.max_shifts:
            continue
        if len(shifts) * paid_hours < agent.min_hours_per_week * DAYS / 7:
            continue
        weeks.append(shifts)
    return weeks


def _minute(moment: datetime) -> int:
    return int((moment - START) / timedelta(minutes=1))


def _coverage(shifts: list[tuple[datetime, datetime, datetime, datetime]]) -> np.ndarray:
    minutes = np.zeros(DAYS * 24 * 60)
    for start, end, break_start, break_end in shifts:
        minutes[_minute(start) : _minute(end)] += 1
        minutes[_minute(break_start) : _minute(break_end)] -= 1
    return minutes.reshape(INTERVALS, INTERVAL).mean(axis=1)


def _cost(coverage: np.ndarray, required: np.ndarray, weights: CoverageWeights) -> np.ndarray:
    gap = required - coverage
    return (weights.under_staffing * np.maximum(gap, 0) + weights.over_staffing * np.maximum(-gap, 0)).sum(axis=-1)


def _brute_force(problem: SchedulingProblem) -> float:
    template = problem.templates[0]
    required = np.array(problem.requirements["phone"])
    per_agent = [np.array([_coverage(week) for week in _weeks(agent, template)]) for agent in problem.agents]
    total = per_agent[0][:, None, :] + per_agent[1][None, :, :]
    return float(_cost(total, required, problem.weights).min())


requirements = st.lists(st.integers(min_value=0, max_value=2), min_size=2 * 16, max_size=2 * 16)


@pytest.mark.parametrize(("break_minutes", "break_step"), [(30, 30), (15, 15)])
@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(daytime=requirements, weights=st.sampled_from([CoverageWeights(), CoverageWeights(1.0, 1.0)]))
def test_optimum_matches_exhaustive_enumeration(
    break_minutes: int, break_step: int, daytime: list[int], weights: CoverageWeights
) -> None:
    # Requirement from 06:00 to 14:00 UTC on both days (where shifts can fall), none elsewhere.
    required = [0.0] * INTERVALS
    for day in range(DAYS):
        for index, value in enumerate(daytime[day * 16 : (day + 1) * 16]):
            required[day * 48 + 12 + index] = float(value)
    problem = SchedulingProblem(
        horizon=Horizon(start=START, days=DAYS, interval_minutes=INTERVAL),
        requirements={"phone": tuple(required)},
        templates=(_template(break_minutes=break_minutes, break_step=break_step),),
        agents=AGENTS,
        weights=weights,
    )
    result = solve_schedule(problem, relative_gap=0.0, time_limit_seconds=30)
    expected = _brute_force(problem)
    assert result.report.status is SolveStatus.OPTIMAL
    assert result.report.objective == pytest.approx(expected, abs=1e-6)
    assert result.cost == pytest.approx(expected, abs=1e-6)
    # The returned schedule is one of the enumerated weeks of each agent, costing the optimum.
    weeks = [
        [(shift.start, shift.end, shift.breaks[0].start, shift.breaks[0].end) for shift in schedule.shifts]
        for schedule in result.schedules
    ]
    for agent, week in zip(AGENTS, weeks, strict=True):
        assert week in _weeks(agent, problem.templates[0])
    coverage = _coverage(weeks[0]) + _coverage(weeks[1])
    assert float(_cost(coverage, np.array(required), weights)) == pytest.approx(expected, abs=1e-6)
