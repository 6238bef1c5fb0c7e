"""Turn a MIP solution into per-agent shifts with breaks, and recompute coverage from them.

Break offsets come out of the model as counts per shift type (see `formulation`); they are
handed to the agents on that shift type in agent order, earliest offset first. Coverage is then
computed from the resulting shifts, not read back from the solver, so what is reported is what
the published schedule delivers.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from switchboard.wfm.schedule.candidates import ONE_MINUTE, AgentCandidates, CandidateShift
from switchboard.wfm.schedule.formulation import ScheduleModel, interval_overlaps
from switchboard.wfm.schedule.model import SchedulingProblem
from switchboard.wfm.schedule.results import AgentSchedule, QueueCoverage, ScheduledBreak, ScheduledShift

# Binaries come back within the solver's integrality tolerance (1e-6) of 0 or 1.
CHOSEN = 0.5


@dataclass(frozen=True, slots=True)
class ExtractedSchedule:
    schedules: tuple[AgentSchedule, ...]
    coverage: tuple[QueueCoverage, ...]
    on_duty: tuple[float, ...]
    cost: float


def extract_schedule(
    *,
    problem: SchedulingProblem,
    candidates: tuple[AgentCandidates, ...],
    model: ScheduleModel,
    values: npt.NDArray[np.float64],
) -> ExtractedSchedule:
    """Schedules, coverage and cost of the solution `values` of `model`."""
    chosen = [
        [shift for shift, column in zip(each.shifts, columns, strict=True) if values[column] > CHOSEN]
        for each, columns in zip(candidates, model.agent_columns, strict=True)
    ]
    offsets = _break_offsets(problem=problem, model=model, chosen=chosen, values=values)
    horizon = problem.horizon
    intervals = horizon.intervals
    duty = np.zeros((len(model.groups), intervals))
    schedules = []
    for position, (each, shifts) in enumerate(zip(candidates, chosen, strict=True)):
        zone = ZoneInfo(each.agent.time_zone)
        scheduled = []
        for shift in shifts:
            template = problem.templates[shift.template_index]
            taken = offsets[(position, shift.start_minute)]
            durations = [rule.duration // ONE_MINUTE for rule in template.breaks]
            on_duty = _on_duty_minutes(shift, breaks=list(zip(taken, durations, strict=True)))
            for span_start, span_end in on_duty:
                spans = interval_overlaps(start=span_start, end=span_end, interval=horizon.interval_minutes)
                for index, fraction in spans:
                    duty[model.agent_groups[position], index] += fraction
            breaks = []
            for offset, rule in zip(taken, template.breaks, strict=True):
                break_start = horizon.instant(shift.start_minute + offset)
                break_end = break_start + rule.duration
                breaks.append(
                    ScheduledBreak(
                        name=rule.name,
                        start=break_start,
                        end=break_end,
                        local_start=break_start.astimezone(zone),
                        local_end=break_end.astimezone(zone),
                        paid=rule.paid,
                    )
                )
            start, end = horizon.instant(shift.start_minute), horizon.instant(shift.end_minute)
            scheduled.append(
                ScheduledShift(
                    template=template.name,
                    local_date=shift.local_date,
                    start=start,
                    end=end,
                    local_start=start.astimezone(zone),
                    local_end=end.astimezone(zone),
                    breaks=tuple(breaks),
                    paid=timedelta(minutes=shift.paid_minutes),
                )
            )
        schedules.append(AgentSchedule(each.agent.agent_id, each.agent.time_zone, tuple(scheduled)))
    coverage = _coverage(problem=problem, model=model, duty=duty, values=values)
    weights = problem.weights
    cost = sum(
        weights.under_staffing * queue.total_under + weights.over_staffing * queue.total_over for queue in coverage
    )
    return ExtractedSchedule(tuple(schedules), coverage, tuple(float(value) for value in duty.sum(axis=0)), cost)


def _break_offsets(
    *,
    problem: SchedulingProblem,
    model: ScheduleModel,
    chosen: list[list[CandidateShift]],
    values: npt.NDArray[np.float64],
) -> dict[tuple[int, int], list[int]]:
    """Offset of each break of each chosen shift, keyed by (agent position, start minute)."""
    members: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    offsets: dict[tuple[int, int], list[int]] = {}
    for position, shifts in enumerate(chosen):
        for shift in shifts:
            members[(model.agent_groups[position], shift.start_minute, shift.template_index)].append(position)
            # Agents who serve no queue have no break columns; their breaks go at the earliest time.
            breaks = problem.templates[shift.template_index].breaks
            offsets[(position, shift.start_minute)] = [rule.earliest_start // ONE_MINUTE for rule in breaks]
    for columns in model.break_columns:
        counts = [(offset, round(float(values[column]))) for offset, column in columns.offsets]
        handed_out = [offset for offset, count in counts for _ in range(count)]
        agents = members.get(columns.shift_type, [])
        if len(handed_out) != len(agents):
            raise RuntimeError(f"solver break counts {handed_out} do not match {len(agents)} agents on a shift type")
        start = columns.shift_type[1]
        for position, offset in zip(agents, handed_out, strict=True):
            offsets[(position, start)][columns.break_index] = offset
    return offsets


def _on_duty_minutes(shift: CandidateShift, *, breaks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The minute spans of `shift` not spent on a break, given (offset, duration) of each break
    in minutes (breaks are in order and do not overlap)."""
    spans = []
    cursor = shift.start_minute
    for offset, duration in breaks:
        begin = shift.start_minute + offset
        spans.append((cursor, begin))
        cursor = begin + duration
    spans.append((cursor, shift.end_minute))
    return [(begin, end) for begin, end in spans if end > begin]


def _coverage(
    *,
    problem: SchedulingProblem,
    model: ScheduleModel,
    duty: npt.NDArray[np.float64],
    values: npt.NDArray[np.float64],
) -> tuple[QueueCoverage, ...]:
    """Split each group's agents on duty among its queues (by the solver's shares for
    multi-skilled groups), then compare with the requirement."""
    covered = {queue: np.zeros(problem.horizon.intervals) for queue in model.queues}
    for group_index, group in enumerate(model.groups):
        if len(group) == 1:
            covered[group[0]] += duty[group_index]
            continue
        for index in np.nonzero(duty[group_index])[0]:
            shares = np.array([values[model.allocation_columns[(group_index, queue, int(index))]] for queue in group])
            shares = np.clip(shares, 0.0, None)
            total = shares.sum()
            shares = shares / total if total > 0 else np.full(len(group), 1.0 / len(group))
            for queue, share in zip(group, shares, strict=True):
                covered[queue][index] += duty[group_index, index] * share
    result = []
    for queue in model.queues:
        required = np.asarray(problem.requirements[queue], dtype=np.float64)
        gap = required - covered[queue]
        result.append(
            QueueCoverage(
                queue=queue,
                required=tuple(float(value) for value in required),
                covered=tuple(float(value) for value in covered[queue]),
                under=tuple(float(value) for value in np.maximum(gap, 0.0)),
                over=tuple(float(value) for value in np.maximum(-gap, 0.0)),
            )
        )
    return tuple(result)
