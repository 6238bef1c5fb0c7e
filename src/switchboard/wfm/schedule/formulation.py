"""The mixed-integer program: columns, rows and the maps that decode a solution.

Columns, in this order:
  x[agent, shift]          binary: the agent works that candidate shift;
  y[group, shift type]     agents of a skill group on a shift type (UTC start, template), = Σ x;
  z[group, type, break, o] integer: how many of them take that break at offset o (offsets
                           covering the same parts of the same intervals share one column);
  w[group, queue, t]       agent-intervals a multi-skilled group gives a queue in interval t;
  under[queue, t], over[queue, t]  staffing slack, the only columns with a cost.

Breaks are placed implicitly per shift type, not per agent, as in Aykin (1996), "Optimal shift
scheduling with multiple break windows", Management Science 42(4):591–602 (one break-count
variable per shift type, break and start time): Σ_o z[type, break, o] = y[type] for each break.
The idea of aggregating interchangeable breaks is Bechtold & Jacobs (1990), "Implicit modeling
of flexible break assignments in optimal shift scheduling", Management Science 36(11):1339–1351.
It is exact because agents on the same shift type are interchangeable for coverage and break
windows of one template do not overlap, so any agent can take any of the counted offsets.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse

from switchboard.wfm.schedule.candidates import ONE_MINUTE, AgentCandidates
from switchboard.wfm.schedule.model import DAYS_PER_WEEK, SchedulingProblem
from switchboard.wfm.schedule.rows import RowBuilder, agent_rows

ShiftType = tuple[int, int, int]  # (group, start minute, template index)
Group = tuple[str, ...]  # the queues an agent can serve


@dataclass(frozen=True, slots=True)
class BreakColumns:
    """For one shift type and one break of its template: (offset minutes, column) pairs."""

    shift_type: ShiftType
    break_index: int
    offsets: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class MixedIntegerProgram:
    """min costs·v subject to row_lower <= matrix·v <= row_upper, column bounds, integrality
    (1 = integer), with the matrix column-wise as HiGHS takes it."""

    costs: npt.NDArray[np.float64]
    column_lower: npt.NDArray[np.float64]
    column_upper: npt.NDArray[np.float64]
    integrality: npt.NDArray[np.int32]
    row_lower: npt.NDArray[np.float64]
    row_upper: npt.NDArray[np.float64]
    matrix: sparse.csc_array


@dataclass(frozen=True)
class ScheduleModel:
    """The scheduling MIP with the maps that turn its solution into shifts."""

    program: MixedIntegerProgram
    agent_columns: tuple[range, ...]
    groups: tuple[Group, ...]
    agent_groups: tuple[int, ...]
    break_columns: tuple[BreakColumns, ...]
    allocation_columns: dict[tuple[int, str, int], int]
    queues: tuple[str, ...]
    under_columns: npt.NDArray[np.int64]
    over_columns: npt.NDArray[np.int64]


def interval_overlaps(*, start: int, end: int, interval: int) -> list[tuple[int, float]]:
    """The intervals that the minutes [start, end) touch, with the fraction of each covered."""
    overlaps = []
    for index in range(start // interval, math.ceil(end / interval)):
        low, high = max(start, index * interval), min(end, (index + 1) * interval)
        if high > low:
            overlaps.append((index, (high - low) / interval))
    return overlaps


class _ColumnBuilder:
    """Hands out column indices with their bounds and integrality."""

    def __init__(self) -> None:
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.integer: list[int] = []

    def add(self, count: int, *, high: float, is_integer: bool) -> range:
        first = len(self.lower)
        self.lower.extend([0.0] * count)
        self.upper.extend([high] * count)
        self.integer.extend([int(is_integer)] * count)
        return range(first, first + count)


# For each skill group, interval → {column: agents on duty per unit of that column}.
DutyTerms = dict[int, dict[int, dict[int, float]]]


def build_model(problem: SchedulingProblem, candidates: tuple[AgentCandidates, ...]) -> ScheduleModel:
    """The MIP whose optimum is a least-cost schedule for the agents in `candidates`."""
    horizon = problem.horizon
    queues = tuple(problem.requirements)
    columns = _ColumnBuilder()
    rows = RowBuilder()
    agent_columns = tuple(columns.add(len(each.shifts), high=1.0, is_integer=True) for each in candidates)
    groups: list[Group] = []
    agent_groups = []
    for each in candidates:
        skills = each.agent.skills
        group = tuple(queue for queue in queues if skills is None or queue in skills)
        if group not in groups:
            groups.append(group)
        agent_groups.append(groups.index(group))

    members: dict[ShiftType, list[int]] = defaultdict(list)
    for each, agent_range, group_index in zip(candidates, agent_columns, agent_groups, strict=True):
        if groups[group_index]:  # agents serving no queue cover nothing; their shifts need no type
            for shift, column in zip(each.shifts, agent_range, strict=True):
                members[(group_index, shift.start_minute, shift.template_index)].append(column)
    duty: DutyTerms = defaultdict(lambda: defaultdict(dict))
    break_columns = [
        entry
        for shift_type, shift_columns in members.items()
        for entry in _shift_type(
            problem, shift_type=shift_type, shift_columns=shift_columns, columns=columns, rows=rows, duty=duty
        )
    ]
    allocation_columns, under, over = _coverage_rows(problem, groups=groups, duty=duty, columns=columns, rows=rows)

    prorate = horizon.days / DAYS_PER_WEEK
    for each, agent_range in zip(candidates, agent_columns, strict=True):
        agent_rows(rows, agent_candidates=each, columns=agent_range, prorate=prorate, horizon_days=horizon.days)

    costs = np.zeros(len(columns.lower))
    costs[under] = problem.weights.under_staffing
    costs[over] = problem.weights.over_staffing
    program = MixedIntegerProgram(
        costs=costs,
        column_lower=np.array(columns.lower),
        column_upper=np.array(columns.upper),
        integrality=np.array(columns.integer, dtype=np.int32),
        row_lower=np.array(rows.lower),
        row_upper=np.array(rows.upper),
        matrix=rows.matrix(columns=len(columns.lower)),
    )
    return ScheduleModel(
        program=program,
        agent_columns=agent_columns,
        groups=tuple(groups),
        agent_groups=tuple(agent_groups),
        break_columns=tuple(break_columns),
        allocation_columns=allocation_columns,
        queues=queues,
        under_columns=under,
        over_columns=over,
    )


def _shift_type(
    problem: SchedulingProblem,
    *,
    shift_type: ShiftType,
    shift_columns: list[int],
    columns: _ColumnBuilder,
    rows: RowBuilder,
    duty: DutyTerms,
) -> list[BreakColumns]:
    """Add y = Σ x for one shift type and, per break, Σ_o z = y (Aykin 1996);
    record how y and each z change the group's agents on duty per interval."""
    group, start, template_index = shift_type
    template = problem.templates[template_index]
    interval = problem.horizon.interval_minutes
    count = float(len(shift_columns))
    y = columns.add(1, high=count, is_integer=False)[0]
    rows.add(columns=[*shift_columns, y], values=[1.0] * len(shift_columns) + [-1.0], lower=0.0, upper=0.0)
    for index, fraction in interval_overlaps(start=start, end=start + template.length // ONE_MINUTE, interval=interval):
        duty[group][index][y] = fraction
    break_columns = []
    for break_index, rule in enumerate(template.breaks):
        duration = rule.duration // ONE_MINUTE
        # Offsets whose break covers the same parts of the same intervals are interchangeable
        # for coverage: one column stands for all of them (its earliest offset is used).
        footprints: dict[tuple[tuple[int, float], ...], int] = {}
        for offset in range(
            rule.earliest_start // ONE_MINUTE, rule.latest_start // ONE_MINUTE + 1, rule.step // ONE_MINUTE
        ):
            footprint = tuple(interval_overlaps(start=start + offset, end=start + offset + duration, interval=interval))
            footprints.setdefault(footprint, offset)
        z = columns.add(len(footprints), high=count, is_integer=True)
        rows.add(columns=[*z, y], values=[1.0] * len(z) + [-1.0], lower=0.0, upper=0.0)
        break_columns.append(BreakColumns(shift_type, break_index, tuple(zip(footprints.values(), z, strict=True))))
        for footprint, column in zip(footprints, z, strict=True):
            for index, fraction in footprint:
                duty[group][index][column] = -fraction
    return break_columns


def _coverage_rows(
    problem: SchedulingProblem, *, groups: list[Group], duty: DutyTerms, columns: _ColumnBuilder, rows: RowBuilder
) -> tuple[dict[tuple[int, str, int], int], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Per queue and interval: covered + under − over = required. Single-queue groups count
    directly towards their queue; a multi-skilled group splits its agents on duty among its
    queues through w with Σ_q w = on duty (a fluid allocation within the interval)."""
    queues = tuple(problem.requirements)
    intervals = problem.horizon.intervals
    allocation_columns: dict[tuple[int, str, int], int] = {}
    queue_terms: dict[tuple[str, int], dict[int, float]] = defaultdict(dict)
    for group_index, group in enumerate(groups):
        for index, terms in duty[group_index].items():
            if len(group) == 1:
                queue_terms[(group[0], index)].update(terms)
                continue
            shares = columns.add(len(group), high=math.inf, is_integer=False)
            for queue, column in zip(group, shares, strict=True):
                allocation_columns[(group_index, queue, index)] = column
                queue_terms[(queue, index)][column] = 1.0
            rows.add(
                columns=[*shares, *terms],
                values=[1.0] * len(shares) + [-value for value in terms.values()],
                lower=0.0,
                upper=0.0,
            )
    under = np.array(columns.add(len(queues) * intervals, high=math.inf, is_integer=False), dtype=np.int64)
    over = np.array(columns.add(len(queues) * intervals, high=math.inf, is_integer=False), dtype=np.int64)
    for queue_index, queue in enumerate(queues):
        for index, required in enumerate(problem.requirements[queue]):
            slot = queue_index * intervals + index
            terms = queue_terms.get((queue, index), {})
            rows.add(
                columns=[*terms, int(under[slot]), int(over[slot])],
                values=[*terms.values(), 1.0, -1.0],
                lower=float(required),
                upper=float(required),
            )
    return allocation_columns, under, over
