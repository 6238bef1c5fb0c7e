"""A good first schedule to start branch and bound from: each agent in turn takes its best week.

Agent by agent, against what the others already cover, each agent's shifts are chosen by a
small exact MIP over its own rules, maximising the reduction of the weighted under- and
over-staffing. The gain of a week is the sum of its shifts' gains, because one agent's shifts
never overlap; each candidate shift's gain is taken with its breaks at their best offsets,
one break after the other. Further passes let every agent revise its week against the others'
(a best-response, or coordinate-descent, local search). The same small MIP proves whether an
agent's own rules can be met at all.

The result only seeds the exact solver (HiGHS completes it with break placements and slack);
it never replaces the solver's proof of the gap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from switchboard.wfm.schedule.candidates import ONE_MINUTE, AgentCandidates, CandidateShift
from switchboard.wfm.schedule.formulation import MixedIntegerProgram, ScheduleModel, ShiftType, interval_overlaps
from switchboard.wfm.schedule.highs import solve_program
from switchboard.wfm.schedule.model import DAYS_PER_WEEK, CoverageWeights, SchedulingProblem, ShiftTemplate
from switchboard.wfm.schedule.rows import RowBuilder, agent_rows

PASSES = 3
CHOSEN = 0.5
# Each small agent MIP is tiny; this only guards against a pathological one.
AGENT_TIME_LIMIT_SECONDS = 5.0

Footprint = tuple[tuple[int, float], ...]  # (interval relative to the shift's first, fraction)
# One agent's contribution: (first interval, agents on duty per interval from there) per shift.
Week = list[tuple[int, list[float]]]
# LP values below this are zero for building the fractional weeks.
NEGLIGIBLE = 1e-9


@dataclass(frozen=True, slots=True)
class _Shape:
    """Agents on duty per interval for a shift without breaks, and each break's footprints."""

    on_shift: tuple[float, ...]
    breaks: tuple[tuple[Footprint, ...], ...]


def _shape(template: ShiftTemplate, *, offset: int, interval: int) -> _Shape:
    length = template.length // ONE_MINUTE
    on_shift = tuple(
        fraction for _, fraction in interval_overlaps(start=offset, end=offset + length, interval=interval)
    )
    breaks = []
    for rule in template.breaks:
        footprints = {
            tuple(
                interval_overlaps(
                    start=offset + start, end=offset + start + rule.duration // ONE_MINUTE, interval=interval
                )
            )
            for start in range(
                rule.earliest_start // ONE_MINUTE, rule.latest_start // ONE_MINUTE + 1, rule.step // ONE_MINUTE
            )
        }
        breaks.append(tuple(sorted(footprints)))
    return _Shape(on_shift, tuple(breaks))


def _cost(gap: float, weights: CoverageWeights) -> float:
    return weights.under_staffing * gap if gap > 0 else -weights.over_staffing * gap


def _covered(shape: _Shape, *, need: list[float], first: int, weights: CoverageWeights) -> tuple[float, list[float]]:
    """The cost saved by working a shift of `shape` from interval `first` against `need`, with
    each break at its cheapest footprint in turn, and the agents on duty per interval it gives."""
    on_duty = list(shape.on_shift)
    after = [need[first + index] - value for index, value in enumerate(on_duty)]
    before = sum(_cost(need[first + index], weights) for index in range(len(on_duty)))
    for footprints in shape.breaks:
        best = min(
            footprints,
            key=lambda footprint: sum(
                _cost(after[index] + fraction, weights) - _cost(after[index], weights) for index, fraction in footprint
            ),
        )
        for index, fraction in best:
            after[index] += fraction
            on_duty[index] -= fraction
    return before - sum(_cost(value, weights) for value in after), on_duty


def agent_program(
    problem: SchedulingProblem, each: AgentCandidates, *, gains: npt.NDArray[np.float64]
) -> MixedIntegerProgram:
    """max Σ gains·x over one agent's shifts, subject to that agent's own rules (as a minimisation)."""
    rows = RowBuilder()
    count = len(each.shifts)
    days = problem.horizon.days
    agent_rows(rows, agent_candidates=each, columns=range(count), prorate=days / DAYS_PER_WEEK, horizon_days=days)
    return MixedIntegerProgram(
        costs=-gains,
        column_lower=np.zeros(count),
        column_upper=np.ones(count),
        integrality=np.ones(count, dtype=np.int32),
        row_lower=np.array(rows.lower),
        row_upper=np.array(rows.upper),
        matrix=rows.matrix(columns=count),
    )


def relaxation_weeks(
    problem: SchedulingProblem,
    candidates: tuple[AgentCandidates, ...],
    *,
    model: ScheduleModel,
    values: npt.NDArray[np.float64],
) -> list[Week]:
    """Each agent's share of the coverage in a solution of the LP relaxation: its fractional
    shifts, with the breaks of each shift type spread as the relaxation spread them."""
    interval = problem.horizon.interval_minutes
    holes: dict[ShiftType, dict[int, float]] = {}
    for entry in model.break_columns:
        _, start, template_index = entry.shift_type
        duration = problem.templates[template_index].breaks[entry.break_index].duration // ONE_MINUTE
        total = sum(values[column] for _, column in entry.offsets)
        per_shift = holes.setdefault(entry.shift_type, {})
        for offset, column in entry.offsets:
            if total > NEGLIGIBLE and values[column] > NEGLIGIBLE:
                share = values[column] / total
                for index, fraction in interval_overlaps(
                    start=start + offset, end=start + offset + duration, interval=interval
                ):
                    per_shift[index] = per_shift.get(index, 0.0) + fraction * share
    weeks = []
    for position, (each, columns) in enumerate(zip(candidates, model.agent_columns, strict=True)):
        week: Week = []
        for shift, column in zip(each.shifts, columns, strict=True):
            worked = values[column]
            if worked <= NEGLIGIBLE:
                continue
            spans = interval_overlaps(start=shift.start_minute, end=shift.end_minute, interval=interval)
            first = spans[0][0]
            on_duty = [fraction for _, fraction in spans]
            key = (model.agent_groups[position], shift.start_minute, shift.template_index)
            for index, fraction in holes.get(key, {}).items():
                on_duty[index - first] -= fraction
            week.append((first, [worked * value for value in on_duty]))
        weeks.append(week)
    return weeks


def best_response_start(
    problem: SchedulingProblem,
    candidates: tuple[AgentCandidates, ...],
    *,
    initial_weeks: list[Week],
    passes: int = PASSES,
) -> list[npt.NDArray[np.float64]]:
    """Chosen shifts (0/1 per candidate) for each agent, improving on `initial_weeks` (for
    example the LP relaxation's fractional weeks) one agent at a time.

    Precondition: every agent's own rules admit at least one week."""
    interval = problem.horizon.interval_minutes
    weights = problem.weights
    queues = tuple(problem.requirements)
    need = {queue: [float(value) for value in problem.requirements[queue]] for queue in queues}
    shapes: dict[tuple[int, int], _Shape] = {}
    # The start lets each agent serve one queue, its first skill among the queues (only an
    # approximation: the exact model lets multi-skilled agents split their time).
    served = [
        next((name for name in queues if each.agent.skills is None or name in each.agent.skills), None)
        for each in candidates
    ]
    weeks = [list(week) for week in initial_weeks]
    for queue, week in zip(served, weeks, strict=True):
        _add(need, queue=queue, week=week, sign=-1.0)
    choices = [np.zeros(len(each.shifts)) for each in candidates]

    def shape_of(shift: CandidateShift) -> _Shape:
        key = (shift.template_index, shift.start_minute % interval)
        if key not in shapes:
            shapes[key] = _shape(problem.templates[key[0]], offset=key[1], interval=interval)
        return shapes[key]

    for _ in range(passes):
        for position, each in enumerate(candidates):
            queue = served[position]
            _add(need, queue=queue, week=weeks[position], sign=1.0)  # revise the agent's week
            gains = np.zeros(len(each.shifts))
            duties: Week = []
            if queue is not None:
                for index, shift in enumerate(each.shifts):
                    first = shift.start_minute // interval
                    gains[index], on_duty = _covered(shape_of(shift), need=need[queue], first=first, weights=weights)
                    duties.append((first, on_duty))
            solution = solve_program(
                agent_program(problem, each, gains=gains),
                relative_gap=0.0,
                time_limit_seconds=AGENT_TIME_LIMIT_SECONDS,
                random_seed=0,
            )
            if solution is not None:
                choices[position] = np.round(solution.values)
                weeks[position] = [
                    duty for duty, chosen in zip(duties, choices[position], strict=False) if chosen > CHOSEN
                ]
            _add(need, queue=queue, week=weeks[position], sign=-1.0)
    return choices


def _add(need: dict[str, list[float]], *, queue: str | None, week: Week, sign: float) -> None:
    """Add (sign 1) or remove (sign −1) a week's agents on duty to the queue's unmet need."""
    if queue is None:
        return
    residual = need[queue]
    for first, on_duty in week:
        for index, value in enumerate(on_duty):
            residual[first + index] += sign * value
