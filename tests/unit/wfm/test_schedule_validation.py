"""Impossible or malformed scheduling problems give clear errors, or name the agent left out."""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime, time, timedelta

import pytest

from switchboard.core.errors import ValidationFailed
from switchboard.wfm.schedule import (
    Agent,
    AvailabilityWindow,
    BreakRule,
    Horizon,
    InvalidScheduleInput,
    SchedulingProblem,
    ShiftTemplate,
    solve_schedule,
    validate_problem,
)

START = datetime(2025, 6, 2, tzinfo=UTC)
LUNCH = BreakRule(
    name="lunch",
    duration=timedelta(minutes=30),
    earliest_start=timedelta(hours=3),
    latest_start=timedelta(hours=4),
    paid=False,
)
EIGHT_HOURS = ShiftTemplate(
    name="day",
    length=timedelta(hours=8, minutes=30),
    earliest_start=time(8),
    latest_start=time(10),
    breaks=(LUNCH,),
)


def _problem(**changes: object) -> SchedulingProblem:
    problem = SchedulingProblem(
        horizon=Horizon(start=START, days=2, interval_minutes=30),
        requirements={"phone": (1.0,) * 96},
        templates=(EIGHT_HOURS,),
        agents=(Agent(agent_id="ada", time_zone="Europe/London", templates=("day",)),),
    )
    return dataclasses.replace(problem, **changes)  # type: ignore[arg-type]


def _template(**changes: object) -> ShiftTemplate:
    return dataclasses.replace(EIGHT_HOURS, **changes)  # type: ignore[arg-type]


def _agent(**changes: object) -> Agent:
    return dataclasses.replace(_problem().agents[0], **changes)  # type: ignore[arg-type]


def test_a_sound_problem_passes() -> None:
    validate_problem(_problem())


@pytest.mark.parametrize(
    ("problem", "message"),
    [
        (_problem(templates=(_template(length=timedelta(hours=25)),)), "longer than a day"),
        (
            _problem(
                templates=(
                    _template(breaks=(dataclasses.replace(LUNCH, latest_start=timedelta(hours=8, minutes=15)),)),
                )
            ),
            "outside the shift",
        ),
        (
            _problem(templates=(_template(breaks=(LUNCH, dataclasses.replace(LUNCH, name="coffee"))),)),
            "windows of breaks 'lunch' and 'coffee' overlap",
        ),
        (_problem(templates=(_template(latest_start=time(7)),)), "before earliest start"),
        (_problem(requirements={"phone": (1.0,) * 95}), "has 95 intervals, the horizon has 96"),
        (_problem(requirements={"phone": (1.0,) * 5 + (-1.0,) + (1.0,) * 90}), "negative or not finite at interval 5"),
        (_problem(requirements={"phone": (math.nan,) * 96}), "negative or not finite at interval 0"),
        (_problem(requirements={}), "at least one queue"),
        (_problem(horizon=Horizon(start=datetime(2025, 6, 2), days=2)), "timezone-aware"),  # noqa: DTZ001
        (_problem(horizon=Horizon(start=START, days=2, interval_minutes=7)), "does not divide a day"),
        (_problem(horizon=Horizon(start=START, days=0)), "at least one day"),
        (_problem(agents=(_agent(time_zone="Mars/Olympus_Mons"),)), "unknown IANA time zone"),
        (_problem(agents=(_agent(templates=("night",)),)), "unknown shift templates ['night']"),
        (_problem(agents=(_agent(min_hours_per_week=40, max_hours_per_week=30),)), "0 <= minimum <= maximum"),
        (_problem(agents=(_agent(), _agent())), "agent ids must be unique"),
        (_problem(agents=(_agent(days_off_per_week=8),)), "days off per week"),
        (
            _problem(agents=(_agent(availability=(AvailabilityWindow(weekday=7, start=time(8), end=time(18)),)),)),
            "weekday 7",
        ),
    ],
)
def test_malformed_problems_are_refused_with_a_reason(problem: SchedulingProblem, message: str) -> None:
    with pytest.raises(InvalidScheduleInput) as raised:
        validate_problem(problem)
    assert message in str(raised.value)
    # One error type that the CLI (ValueError) and the web layer (ValidationFailed) both know.
    assert isinstance(raised.value, ValueError)
    assert isinstance(raised.value, ValidationFailed)


def test_every_problem_is_reported_at_once() -> None:
    problem = _problem(
        templates=(_template(length=timedelta(hours=25)),),
        agents=(_agent(time_zone="Nowhere/Land"),),
    )
    with pytest.raises(InvalidScheduleInput) as raised:
        validate_problem(problem)
    assert "longer than a day" in str(raised.value)
    assert "unknown IANA time zone" in str(raised.value)


def test_solver_options_are_checked() -> None:
    with pytest.raises(InvalidScheduleInput, match="relative gap"):
        solve_schedule(_problem(), relative_gap=1.5)
    with pytest.raises(InvalidScheduleInput, match="time limit"):
        solve_schedule(_problem(), time_limit_seconds=0)


def test_agents_who_cannot_be_scheduled_are_named_and_the_rest_scheduled() -> None:
    # "nights" is only available at night, when no template may start: no shift fits.
    # "two days" must work 40 h a week (80/7 h over this 2-day horizon... 11.4 h) but is
    # available on Monday only, where one 8-hour shift fits.
    problem = _problem(
        agents=(
            _agent(),
            _agent(
                agent_id="nights",
                availability=tuple(AvailabilityWindow(weekday=day, start=time(22), end=time(6)) for day in range(7)),
            ),
            _agent(
                agent_id="two days",
                min_hours_per_week=40,
                availability=(AvailabilityWindow(weekday=0, start=time(0), end=time(0)),),
            ),
        )
    )
    result = solve_schedule(problem, time_limit_seconds=20)
    reasons = {entry.agent_id: entry.reason for entry in result.unschedulable}
    assert set(reasons) == {"nights", "two days"}
    assert "no allowed shift template fits" in reasons["nights"]
    assert "minimum contracted hours cannot be met" in reasons["two days"]
    assert "11.4286 h needed" in reasons["two days"]
    assert "at most 8 h fit" in reasons["two days"]
    assert [schedule.agent_id for schedule in result.schedules] == ["ada"]
