"""Every rule holds in the schedules the optimiser returns, and what it reports is what they give.

The checks re-derive everything from the returned shifts with their own arithmetic (zoneinfo
for local times, minute-by-minute coverage), so they share no code with the model. Solves are
small and time-limited: the assertions are invariants that hold for any schedule returned,
optimal or not.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from switchboard.wfm.schedule import (
    Agent,
    AgentSchedule,
    AvailabilityWindow,
    BreakRule,
    Horizon,
    ScheduledShift,
    ScheduleResult,
    SchedulingProblem,
    ShiftTemplate,
    SolveStatus,
    example_problem,
    solve_schedule,
)
from switchboard.wfm.schedule.candidates import enumerate_candidates

ONE_MINUTE = timedelta(minutes=1)
TOLERANCE = 1e-6


def _wall_minutes(moment: datetime, *, since: date) -> int:
    """Wall-clock minutes from local midnight of `since` to the (local) `moment`."""
    return (moment.date() - since).days * 24 * 60 + moment.hour * 60 + moment.minute


def _fits_availability(agent: Agent, *, local_start: datetime, local_end: datetime) -> bool:
    if agent.availability is None:
        return True
    day = local_start.date()
    start, end = _wall_minutes(local_start, since=day), _wall_minutes(local_end, since=day)
    for window in agent.availability:
        low = window.start.hour * 60 + window.start.minute
        high = window.end.hour * 60 + window.end.minute
        high += 24 * 60 if high <= low else 0
        for shift_days in (0, -1):  # a window of the start's weekday, or an overnight one from the day before
            if (day.weekday() + shift_days) % 7 == window.weekday:
                offset = shift_days * 24 * 60
                if low + offset <= start and end <= high + offset:
                    return True
    return False


def check_schedule(problem: SchedulingProblem, result: ScheduleResult) -> None:
    """Assert every rule of `problem` holds in `result` and its figures add up."""
    agents = {agent.agent_id: agent for agent in problem.agents}
    left_out = {entry.agent_id for entry in result.unschedulable}
    assert [schedule.agent_id for schedule in result.schedules] == [
        agent.agent_id for agent in problem.agents if agent.agent_id not in left_out
    ]
    on_duty = {queue: np.zeros(problem.horizon.days * 24 * 60) for queue in problem.requirements}
    for schedule in result.schedules:
        agent = agents[schedule.agent_id]
        assert schedule.time_zone == agent.time_zone
        _check_agent_rules(problem, agent, schedule)
        queue = next(name for name in problem.requirements if agent.skills is None or name in agent.skills)
        for shift in schedule.shifts:
            on_duty[queue] += _check_shift(problem, agent, shift)
    _check_coverage(problem, result, on_duty)
    _check_report(result)


def _check_shift(problem: SchedulingProblem, agent: Agent, shift: ScheduledShift) -> np.ndarray:
    """Check one shift against its template, the horizon and the agent's availability; return
    the agent's presence (1 on duty, 0 otherwise) minute by minute over the horizon."""
    horizon = problem.horizon
    template = next(template for template in problem.templates if template.name == shift.template)
    zone = ZoneInfo(agent.time_zone)
    assert shift.template in agent.templates
    assert shift.start.tzinfo == UTC and shift.end.tzinfo == UTC
    assert shift.end - shift.start == template.length, "lengths are elapsed time"
    assert horizon.start <= shift.start and shift.end <= horizon.end
    assert shift.local_start == shift.start and shift.local_start.tzinfo == zone
    assert shift.local_end == shift.end.astimezone(zone)
    assert shift.local_date == shift.local_start.date()
    assert shift.local_date not in agent.unavailable_dates
    wall = shift.local_start.hour * 60 + shift.local_start.minute
    earliest = template.earliest_start.hour * 60 + template.earliest_start.minute
    latest = template.latest_start.hour * 60 + template.latest_start.minute
    assert earliest <= wall <= latest
    assert (wall - earliest) % (template.start_step // ONE_MINUTE) == 0
    assert _fits_availability(agent, local_start=shift.local_start, local_end=shift.local_end)
    assert len(shift.breaks) == len(template.breaks)
    previous_end = shift.start
    unpaid = timedelta()
    presence = np.zeros(horizon.days * 24 * 60)
    first = int((shift.start - horizon.start) / ONE_MINUTE)
    presence[first : first + template.length // ONE_MINUTE] = 1
    for taken, rule in zip(shift.breaks, template.breaks, strict=True):
        offset = taken.start - shift.start
        assert rule.earliest_start <= offset <= rule.latest_start
        assert (offset - rule.earliest_start) % rule.step == timedelta()
        assert taken.end - taken.start == rule.duration
        assert previous_end <= taken.start and taken.end <= shift.end
        assert taken.local_start == taken.start and taken.paid == rule.paid
        previous_end = taken.end
        unpaid += timedelta() if rule.paid else rule.duration
        begin = int((taken.start - horizon.start) / ONE_MINUTE)
        presence[begin : begin + rule.duration // ONE_MINUTE] = 0
    assert shift.paid == template.length - unpaid
    return presence


def _check_agent_rules(problem: SchedulingProblem, agent: Agent, schedule: AgentSchedule) -> None:
    """One shift per local date, rest, days off, shift limit and contracted hours."""
    horizon = problem.horizon
    dates = [shift.local_date for shift in schedule.shifts]
    assert len(set(dates)) == len(dates), "one shift per local date"
    for earlier, later in zip(schedule.shifts, schedule.shifts[1:], strict=False):
        assert later.start - earlier.end >= agent.minimum_rest
    run = min(7, horizon.days)
    limit = run - agent.days_off_per_week * run // 7
    for first_day in dates:
        assert len([day for day in dates if first_day <= day < first_day + timedelta(days=run)]) <= limit, "days off"
    if agent.max_shifts is not None:
        assert len(schedule.shifts) <= agent.max_shifts
    prorate = horizon.days / 7
    assert agent.min_hours_per_week * prorate - TOLERANCE <= schedule.paid_hours
    assert schedule.paid_hours <= agent.max_hours_per_week * prorate + TOLERANCE


def _check_coverage(problem: SchedulingProblem, result: ScheduleResult, on_duty: dict[str, np.ndarray]) -> None:
    """Coverage recomputed minute by minute equals the reported coverage; under/over and cost follow."""
    interval = problem.horizon.interval_minutes
    total = sum(on_duty.values())
    assert np.allclose(total.reshape(-1, interval).mean(axis=1), result.on_duty, atol=1e-9)
    cost = 0.0
    for coverage in result.coverage:
        required = np.array(problem.requirements[coverage.queue])
        covered = np.array(coverage.covered)
        if len(problem.requirements) == 1:
            assert np.allclose(covered, on_duty[coverage.queue].reshape(-1, interval).mean(axis=1), atol=1e-9)
        assert np.allclose(coverage.required, required)
        assert np.allclose(coverage.under, np.maximum(0, required - covered), atol=1e-9)
        assert np.allclose(coverage.over, np.maximum(0, covered - required), atol=1e-9)
        cost += problem.weights.under_staffing * sum(coverage.under) + problem.weights.over_staffing * sum(
            coverage.over
        )
    assert result.cost == pytest.approx(cost, abs=1e-6)


def _check_report(result: ScheduleResult) -> None:
    report = result.report
    assert report.objective == pytest.approx(result.cost, rel=1e-6, abs=1e-4)
    assert report.bound <= report.objective + TOLERANCE
    expected_gap = 0.0 if report.objective == 0 else (report.objective - report.bound) / report.objective
    assert report.gap == pytest.approx(expected_gap, abs=1e-9)
    if report.status is SolveStatus.OPTIMAL:
        assert report.gap <= report.requested_gap + 1e-9
    assert report.columns > 0 and report.rows > 0 and report.nonzeros > 0
    assert report.integer_columns <= report.columns


@pytest.fixture(scope="module")
def week() -> tuple[SchedulingProblem, ScheduleResult]:
    problem = example_problem(agents=16, days=7, seed=5)
    return problem, solve_schedule(problem, time_limit_seconds=6)


def test_every_rule_holds_in_a_week_of_the_example(week: tuple[SchedulingProblem, ScheduleResult]) -> None:
    problem, result = week
    check_schedule(problem, result)
    assert sum(len(schedule.shifts) for schedule in result.schedules) > len(problem.agents) * 2


def test_time_zones_place_local_starts_in_utc(week: tuple[SchedulingProblem, ScheduleResult]) -> None:
    _, result = week
    zones = {schedule.time_zone for schedule in result.schedules}
    assert len(zones) >= 3
    for schedule in result.schedules:
        for shift in schedule.shifts:
            # Wall-clock start from the agent's zone, converted back, is the UTC start.
            local = datetime.combine(shift.local_date, shift.local_start.time(), tzinfo=ZoneInfo(schedule.time_zone))
            assert local.astimezone(UTC) == shift.start


def test_a_daylight_saving_week_honours_local_rules() -> None:
    # Europe changes clocks on Sunday 30 March 2025 at 01:00 UTC; New York did on 9 March.
    night = ShiftTemplate(
        name="night",
        length=timedelta(hours=6),
        earliest_start=time(0),
        latest_start=time(3),
        breaks=(
            BreakRule(
                name="break",
                duration=timedelta(minutes=15),
                earliest_start=timedelta(hours=2),
                latest_start=timedelta(hours=3),
            ),
        ),
    )
    day = ShiftTemplate(
        name="day",
        length=timedelta(hours=8, minutes=30),
        earliest_start=time(7),
        latest_start=time(12),
        breaks=(
            BreakRule(
                name="lunch",
                duration=timedelta(minutes=30),
                earliest_start=timedelta(hours=3),
                latest_start=timedelta(hours=5),
                paid=False,
            ),
        ),
    )
    horizon = Horizon(start=datetime(2025, 3, 24, tzinfo=UTC), days=7, interval_minutes=30)
    hours = np.arange(horizon.intervals) * 0.5 % 24
    required = tuple(float(value) for value in np.where((hours >= 6) & (hours < 18), 3.0, 1.0))
    agents = (
        Agent(agent_id="london", time_zone="Europe/London", templates=("day", "night"), min_hours_per_week=24),
        Agent(
            agent_id="berlin",
            time_zone="Europe/Berlin",
            templates=("night", "day"),
            min_hours_per_week=20,
            availability=tuple(AvailabilityWindow(weekday=d, start=time(0), end=time(14)) for d in range(7)),
        ),
        Agent(
            agent_id="new york",
            time_zone="America/New_York",
            templates=("day",),
            availability=tuple(AvailabilityWindow(weekday=d, start=time(9), end=time(19)) for d in range(5)),
            unavailable_dates=frozenset({date(2025, 3, 26)}),
        ),
        Agent(agent_id="kolkata", time_zone="Asia/Kolkata", templates=("day",), days_off_per_week=3),
    )
    problem = SchedulingProblem(
        horizon=horizon, requirements={"phone": required}, templates=(day, night), agents=agents
    )
    # 02:00 and 02:30 do not exist in Berlin on 30 March (01:00 in London): never offered.
    by_agent = {each.agent.agent_id: each for each in enumerate_candidates(problem)}
    berlin = ZoneInfo("Europe/Berlin")
    starts = {
        horizon.instant(shift.start_minute).astimezone(berlin).time()
        for shift in by_agent["berlin"].shifts
        if shift.local_date == date(2025, 3, 30) and shift.template_index == 1
    }
    assert starts == {time(0), time(0, 30), time(1), time(1, 30), time(3)}
    # A 6-hour night shift from 01:30 that Sunday ends at 08:30 on the wall clock.
    result = solve_schedule(problem, time_limit_seconds=6)
    check_schedule(problem, result)
    for schedule in result.schedules:
        for shift in schedule.shifts:
            wall_length = _wall_minutes(shift.local_end, since=shift.local_date) - _wall_minutes(
                shift.local_start, since=shift.local_date
            )
            clock_change = shift.local_end.utcoffset() - shift.local_start.utcoffset()  # type: ignore[operator]
            assert wall_length == (shift.end - shift.start + clock_change) // ONE_MINUTE


def test_skills_split_coverage_between_queues() -> None:
    problem = example_problem(agents=12, days=2, seed=2, queues=("support", "billing"))
    result = solve_schedule(problem, time_limit_seconds=5)
    support, billing = result.coverage
    assert np.allclose(np.add(support.covered, billing.covered), result.on_duty, atol=1e-6)
    # Billing is covered only by agents who hold the billing skill.
    skilled = {agent.agent_id for agent in problem.agents if agent.skills and "billing" in agent.skills}
    interval = problem.horizon.interval_minutes
    skilled_on_duty = np.zeros(problem.horizon.intervals * interval)
    for schedule in result.schedules:
        if schedule.agent_id not in skilled:
            continue
        for shift in schedule.shifts:
            first = int((shift.start - problem.horizon.start) / ONE_MINUTE)
            skilled_on_duty[first : first + int((shift.end - shift.start) / ONE_MINUTE)] += 1
            for taken in shift.breaks:
                begin = int((taken.start - problem.horizon.start) / ONE_MINUTE)
                skilled_on_duty[begin : begin + int((taken.end - taken.start) / ONE_MINUTE)] -= 1
    assert np.all(np.array(billing.covered) <= skilled_on_duty.reshape(-1, interval).mean(axis=1) + 1e-6)
    for coverage in result.coverage:
        required, covered = np.array(coverage.required), np.array(coverage.covered)
        assert np.allclose(coverage.under, np.maximum(0, required - covered), atol=1e-9)
        assert np.allclose(coverage.over, np.maximum(0, covered - required), atol=1e-9)
    weights = problem.weights
    expected = sum(weights.under_staffing * sum(c.under) + weights.over_staffing * sum(c.over) for c in result.coverage)
    assert result.cost == pytest.approx(expected)
    assert result.report.objective == pytest.approx(result.cost, rel=1e-6, abs=1e-4)
    assert math.isfinite(result.report.gap)


def test_without_agents_every_interval_is_short() -> None:
    problem = example_problem(agents=3, days=2)
    empty = SchedulingProblem(
        horizon=problem.horizon, requirements=problem.requirements, templates=problem.templates, agents=()
    )
    result = solve_schedule(empty, time_limit_seconds=5)
    required = sum(problem.requirements["support"])
    assert result.cost == pytest.approx(problem.weights.under_staffing * required)
    assert result.report.status is SolveStatus.OPTIMAL and result.report.gap == 0.0
    assert result.schedules == () and result.unschedulable == ()
