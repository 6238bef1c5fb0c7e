"""A scheduling problem as a JSON file (what `switchboard wfm schedule --problem` reads), and a
solved schedule as JSON. Pure: text in, values out.

    {
      "start": "2026-11-23T00:00:00Z", "days": 7, "interval_minutes": 30,
      "requirements": {"support": [0, 0, …, 3.2, …]},            one value per interval
      "templates": [{"name": "8h30", "length_minutes": 510,
                     "earliest_start": "07:00", "latest_start": "12:00", "start_step_minutes": 30,
                     "breaks": [{"name": "lunch", "minutes": 30, "earliest_minutes": 180,
                                 "latest_minutes": 300, "paid": false}]}],
      "agents": [{"id": "amara@example.com", "time_zone": "Europe/Paris", "templates": ["8h30"],
                  "min_hours_per_week": 30, "max_hours_per_week": 40, "days_off_per_week": 2,
                  "availability": [{"weekday": 0, "start": "08:00", "end": "18:00"}],
                  "unavailable_dates": ["2026-11-25"], "skills": ["support"]}],
      "weights": {"under_staffing": 5, "over_staffing": 1}
    }

Unknown fields are refused (a typo must not be silently ignored), and sizes are bounded so a
hostile file cannot make the solver run for ever or exhaust memory.
"""

from __future__ import annotations

import json
from datetime import date, time, timedelta
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from switchboard.wfm.schedule import (
    Agent,
    AvailabilityWindow,
    BreakRule,
    CoverageWeights,
    Horizon,
    InvalidScheduleInput,
    ScheduleResult,
    SchedulingProblem,
    ShiftTemplate,
)

MAX_AGENTS = 2_000
MAX_TEMPLATES = 50
MAX_BREAKS = 6
MAX_QUEUES = 20
MAX_DAYS = 31
MAX_FILE_CHARACTERS = 20_000_000
MINUTES_PER_DAY = 24 * 60

Name = Annotated[str, Field(min_length=1, max_length=120)]
Minutes = Annotated[int, Field(ge=0, le=MINUTES_PER_DAY)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BreakIn(_Strict):
    name: Name
    minutes: Annotated[int, Field(gt=0, le=240)]
    earliest_minutes: Minutes
    latest_minutes: Minutes
    paid: bool = True
    step_minutes: Annotated[int, Field(gt=0, le=120)] = 15


class TemplateIn(_Strict):
    name: Name
    length_minutes: Annotated[int, Field(gt=0, le=MINUTES_PER_DAY)]
    earliest_start: time
    latest_start: time
    start_step_minutes: Annotated[int, Field(gt=0, le=MINUTES_PER_DAY)] = 30
    breaks: Annotated[list[BreakIn], Field(max_length=MAX_BREAKS)] = []


class WindowIn(_Strict):
    weekday: Annotated[int, Field(ge=0, le=6)]
    start: time
    end: time


class AgentIn(_Strict):
    id: Annotated[str, Field(min_length=1, max_length=254)]
    time_zone: Annotated[str, Field(min_length=1, max_length=64)] = "UTC"
    templates: Annotated[list[Name], Field(min_length=1, max_length=MAX_TEMPLATES)]
    min_hours_per_week: Annotated[float, Field(ge=0, le=168)] = 0.0
    max_hours_per_week: Annotated[float, Field(ge=0, le=168)] = 48.0
    days_off_per_week: Annotated[int, Field(ge=0, le=7)] = 2
    max_shifts: Annotated[int | None, Field(ge=0, le=MAX_DAYS)] = None
    availability: Annotated[list[WindowIn] | None, Field(max_length=50)] = None
    unavailable_dates: Annotated[list[date], Field(max_length=366)] = []
    skills: Annotated[list[Name] | None, Field(max_length=MAX_QUEUES)] = None
    minimum_rest_hours: Annotated[float, Field(ge=0, le=48)] = 11.0


class WeightsIn(_Strict):
    under_staffing: Annotated[float, Field(ge=0, le=1_000)] = 5.0
    over_staffing: Annotated[float, Field(ge=0, le=1_000)] = 1.0


class ProblemIn(_Strict):
    start: AwareDatetime
    days: Annotated[int, Field(ge=1, le=MAX_DAYS)] = 7
    interval_minutes: Annotated[int, Field(ge=15, le=60)] = 30
    requirements: Annotated[
        dict[Name, Annotated[list[Annotated[float, Field(ge=0, le=100_000)]], Field(max_length=MAX_DAYS * 96)]],
        Field(min_length=1, max_length=MAX_QUEUES),
    ]
    templates: Annotated[list[TemplateIn], Field(min_length=1, max_length=MAX_TEMPLATES)]
    agents: Annotated[list[AgentIn], Field(min_length=1, max_length=MAX_AGENTS)]
    weights: WeightsIn = WeightsIn()


def _problem(parsed: ProblemIn) -> SchedulingProblem:
    return SchedulingProblem(
        horizon=Horizon(start=parsed.start, days=parsed.days, interval_minutes=parsed.interval_minutes),
        requirements={queue: tuple(values) for queue, values in parsed.requirements.items()},
        templates=tuple(
            ShiftTemplate(
                name=template.name,
                length=timedelta(minutes=template.length_minutes),
                earliest_start=template.earliest_start,
                latest_start=template.latest_start,
                start_step=timedelta(minutes=template.start_step_minutes),
                breaks=tuple(
                    BreakRule(
                        name=rule.name,
                        duration=timedelta(minutes=rule.minutes),
                        earliest_start=timedelta(minutes=rule.earliest_minutes),
                        latest_start=timedelta(minutes=rule.latest_minutes),
                        paid=rule.paid,
                        step=timedelta(minutes=rule.step_minutes),
                    )
                    for rule in template.breaks
                ),
            )
            for template in parsed.templates
        ),
        agents=tuple(
            Agent(
                agent_id=agent.id,
                time_zone=agent.time_zone,
                templates=tuple(agent.templates),
                min_hours_per_week=agent.min_hours_per_week,
                max_hours_per_week=agent.max_hours_per_week,
                days_off_per_week=agent.days_off_per_week,
                max_shifts=agent.max_shifts,
                availability=(
                    None
                    if agent.availability is None
                    else tuple(AvailabilityWindow(w.weekday, w.start, w.end) for w in agent.availability)
                ),
                unavailable_dates=frozenset(agent.unavailable_dates),
                skills=None if agent.skills is None else frozenset(agent.skills),
                minimum_rest=timedelta(hours=agent.minimum_rest_hours),
            )
            for agent in parsed.agents
        ),
        weights=CoverageWeights(
            under_staffing=parsed.weights.under_staffing, over_staffing=parsed.weights.over_staffing
        ),
    )


def parse_problem(text: str) -> SchedulingProblem:
    """The problem in `text`, or `InvalidScheduleInput` saying where the file is wrong."""
    if len(text) > MAX_FILE_CHARACTERS:
        raise InvalidScheduleInput(f"the problem file is over {MAX_FILE_CHARACTERS:,} characters")
    try:
        parsed = ProblemIn.model_validate_json(text)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or "the file"
        raise InvalidScheduleInput(f"{where}: {problem['msg']}") from exc
    return _problem(parsed)


def result_json(result: ScheduleResult) -> str:
    """The solved schedule: per agent and shift, UTC and local times, breaks; coverage; report."""
    payload: dict[str, Any] = {
        "start": result.horizon.start.isoformat(),
        "days": result.horizon.days,
        "interval_minutes": result.horizon.interval_minutes,
        "report": {
            "status": result.report.status.value,
            "objective": result.report.objective,
            "bound": result.report.bound,
            "gap": result.report.gap,
            "solve_seconds": result.report.solve_seconds,
            "build_seconds": result.report.build_seconds,
        },
        "under_staffed_agent_intervals": result.total_under,
        "over_staffed_agent_intervals": result.total_over,
        "agents": [
            {
                "id": schedule.agent_id,
                "time_zone": schedule.time_zone,
                "paid_hours": schedule.paid_hours,
                "shifts": [
                    {
                        "template": shift.template,
                        "start": shift.start.isoformat(),
                        "end": shift.end.isoformat(),
                        "local_start": shift.local_start.isoformat(),
                        "local_end": shift.local_end.isoformat(),
                        "breaks": [
                            {"name": rule.name, "start": rule.start.isoformat(), "end": rule.end.isoformat()}
                            for rule in shift.breaks
                        ],
                    }
                    for shift in schedule.shifts
                ],
            }
            for schedule in result.schedules
        ],
        "unschedulable": [{"id": agent.agent_id, "reason": agent.reason} for agent in result.unschedulable],
        "coverage": {
            queue.queue: {"required": list(queue.required), "covered": list(queue.covered)} for queue in result.coverage
        },
    }
    return json.dumps(payload, indent=1)
