"""Checks that a scheduling problem is well formed before any model is built.

Every problem found is reported at once, each naming the template, agent or queue at fault.
"""

from __future__ import annotations

import math
from datetime import time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from switchboard.wfm.schedule.model import (
    DAYS_PER_WEEK,
    Agent,
    BreakRule,
    Horizon,
    InvalidScheduleInput,
    SchedulingProblem,
    ShiftTemplate,
)

MINUTES_PER_DAY = 24 * 60
ONE_DAY = timedelta(days=1)
ONE_MINUTE = timedelta(minutes=1)
# A message listing hundreds of broken agents helps nobody; the first few show the pattern.
MAX_REPORTED_PROBLEMS = 20


def validate_problem(problem: SchedulingProblem) -> None:
    """Raise `InvalidScheduleInput` listing everything wrong with `problem`; return if it is sound."""
    problems = _horizon_problems(problem.horizon)
    if not problems:
        problems += _requirement_problems(problem)
    template_names = [template.name for template in problem.templates]
    if len(set(template_names)) != len(template_names):
        problems.append("shift template names must be unique")
    for template in problem.templates:
        problems += _template_problems(template)
    agent_ids = [agent.agent_id for agent in problem.agents]
    if len(set(agent_ids)) != len(agent_ids):
        problems.append("agent ids must be unique")
    for agent in problem.agents:
        problems += _agent_problems(agent, known_templates=set(template_names))
    weights = problem.weights
    if not (_finite_non_negative(weights.under_staffing) and _finite_non_negative(weights.over_staffing)):
        problems.append("under- and over-staffing weights must be finite and non-negative")
    if problems:
        shown = problems[:MAX_REPORTED_PROBLEMS]
        more = len(problems) - len(shown)
        suffix = f"; and {more} more" if more else ""
        raise InvalidScheduleInput("; ".join(shown) + suffix)


def _finite_non_negative(value: float) -> bool:
    return math.isfinite(value) and value >= 0


def _whole_minutes(duration: timedelta) -> bool:
    return duration % ONE_MINUTE == timedelta()


def _naive_whole_minute(moment: time) -> bool:
    return moment.tzinfo is None and moment.second == 0 and moment.microsecond == 0


def _horizon_problems(horizon: Horizon) -> list[str]:
    problems = []
    if horizon.start.tzinfo is None or horizon.start.utcoffset() is None:
        problems.append("the horizon start must be a timezone-aware instant")
    elif horizon.start.second or horizon.start.microsecond:
        problems.append("the horizon must start on a whole minute")
    if horizon.days < 1:
        problems.append("the horizon must last at least one day")
    if horizon.interval_minutes < 1 or MINUTES_PER_DAY % horizon.interval_minutes:
        problems.append(f"interval length {horizon.interval_minutes} min does not divide a day")
    return problems


def _requirement_problems(problem: SchedulingProblem) -> list[str]:
    expected = problem.horizon.intervals
    if not problem.requirements:
        return ["at least one queue requirement is needed"]
    problems = []
    for queue, required in problem.requirements.items():
        if len(required) != expected:
            problems.append(
                f"requirement for queue {queue!r} has {len(required)} intervals, the horizon has {expected}"
            )
        bad = [index for index, value in enumerate(required) if not _finite_non_negative(value)]
        if bad:
            problems.append(f"requirement for queue {queue!r} is negative or not finite at interval {bad[0]}")
    return problems


def _template_problems(template: ShiftTemplate) -> list[str]:
    name = f"shift template {template.name!r}"
    problems = []
    if not _whole_minutes(template.length) or template.length <= timedelta():
        problems.append(f"{name}: length must be a positive whole number of minutes")
    if template.length > ONE_DAY:
        problems.append(f"{name}: length {template.length} is longer than a day")
    if not (_naive_whole_minute(template.earliest_start) and _naive_whole_minute(template.latest_start)):
        problems.append(f"{name}: start window must be local wall-clock times on whole minutes, without tzinfo")
    elif template.latest_start < template.earliest_start:
        problems.append(f"{name}: latest start {template.latest_start} is before earliest start")
    if not _whole_minutes(template.start_step) or template.start_step <= timedelta():
        problems.append(f"{name}: start step must be a positive whole number of minutes")
    previous: BreakRule | None = None
    for rule in template.breaks:
        problems += _break_problems(template, rule)
        if previous is not None and previous.latest_start + previous.duration > rule.earliest_start:
            problems.append(
                f"{name}: the windows of breaks {previous.name!r} and {rule.name!r} overlap "
                "(list breaks in order, each ending before the next may start)"
            )
        previous = rule
    if template.paid_length <= timedelta():
        problems.append(f"{name}: no paid time is left after unpaid breaks")
    return problems


def _break_problems(template: ShiftTemplate, rule: BreakRule) -> list[str]:
    name = f"break {rule.name!r} of shift template {template.name!r}"
    durations = (rule.duration, rule.earliest_start, rule.latest_start, rule.step)
    if not all(_whole_minutes(duration) for duration in durations):
        return [f"{name}: durations must be whole minutes"]
    if rule.duration <= timedelta() or rule.step <= timedelta():
        return [f"{name}: duration and step must be positive"]
    if rule.earliest_start < timedelta() or rule.latest_start < rule.earliest_start:
        return [f"{name}: window must satisfy 0 <= earliest start <= latest start"]
    if rule.latest_start + rule.duration > template.length:
        return [f"{name}: window ends {rule.latest_start + rule.duration} after the start, outside the shift"]
    return []


def _agent_problems(agent: Agent, *, known_templates: set[str]) -> list[str]:
    name = f"agent {agent.agent_id!r}"
    problems = []
    try:
        ZoneInfo(agent.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"{name}: unknown IANA time zone {agent.time_zone!r}")
    if not agent.templates:
        problems.append(f"{name}: no shift template allowed")
    unknown = sorted(set(agent.templates) - known_templates)
    if unknown:
        problems.append(f"{name}: unknown shift templates {unknown}")
    if not (0 <= agent.min_hours_per_week <= agent.max_hours_per_week) or not math.isfinite(agent.max_hours_per_week):
        problems.append(f"{name}: contracted hours must satisfy 0 <= minimum <= maximum")
    if not 0 <= agent.days_off_per_week <= DAYS_PER_WEEK:
        problems.append(f"{name}: days off per week must be between 0 and {DAYS_PER_WEEK}")
    if agent.max_shifts is not None and agent.max_shifts < 0:
        problems.append(f"{name}: maximum shifts cannot be negative")
    if agent.minimum_rest < timedelta() or not _whole_minutes(agent.minimum_rest):
        problems.append(f"{name}: minimum rest must be a non-negative whole number of minutes")
    for window in agent.availability or ():
        if not 0 <= window.weekday < DAYS_PER_WEEK:
            problems.append(f"{name}: availability weekday {window.weekday} is not 0 (Monday) to 6 (Sunday)")
        if not (_naive_whole_minute(window.start) and _naive_whole_minute(window.end)):
            problems.append(f"{name}: availability times must be wall-clock times on whole minutes, without tzinfo")
    return problems
