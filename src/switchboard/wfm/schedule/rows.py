"""Constraint rows: a sparse row builder and each agent's own rules.

Per agent: at most one shift per local date; days off in every run of consecutive local dates;
a maximum number of shifts; paid hours within the prorated contract; and minimum rest between
shifts, written as clique inequalities (sets of shifts of which at most one can be worked),
which are tighter in the LP relaxation than one row per conflicting pair (Padberg 1973, "On the
facial structure of set packing polyhedra", Mathematical Programming 5:199–215).
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from datetime import date, timedelta

import numpy as np
from scipy import sparse

from switchboard.wfm.schedule.candidates import AgentCandidates, CandidateShift
from switchboard.wfm.schedule.model import DAYS_PER_WEEK

ONE_MINUTE = timedelta(minutes=1)
MINUTES_PER_HOUR = 60
# Prorated contract minutes are floats (hours × days / 7); counts derived from them must not
# lose a shift to the last bit of rounding.
ROUNDING_TOLERANCE = 1e-9


class RowBuilder:
    """Collects rows lower <= Σ value·column <= upper and hands them over as one sparse matrix."""

    def __init__(self) -> None:
        self.lower: list[float] = []
        self.upper: list[float] = []
        self._rows: list[int] = []
        self._columns: list[int] = []
        self._values: list[float] = []

    def add(self, *, columns: list[int], values: list[float], lower: float, upper: float) -> None:
        row = len(self.lower)
        self.lower.append(lower)
        self.upper.append(upper)
        self._rows.extend([row] * len(columns))
        self._columns.extend(columns)
        self._values.extend(values)

    def matrix(self, *, columns: int) -> sparse.csc_array:
        shape = (len(self.lower), columns)
        return sparse.csc_array((self._values, (self._rows, self._columns)), shape=shape)


def agent_rows(
    rows: RowBuilder, *, agent_candidates: AgentCandidates, columns: range, prorate: float, horizon_days: int
) -> None:
    """Add the rows that keep one agent's shifts within its contract, days off and rest."""
    agent = agent_candidates.agent
    shifts = agent_candidates.shifts
    by_date: dict[date, list[tuple[CandidateShift, int]]] = defaultdict(list)
    for shift, column in zip(shifts, columns, strict=True):
        by_date[shift.local_date].append((shift, column))
    for on_date in by_date.values():
        if len(on_date) > 1:
            rows.add(columns=[column for _, column in on_date], values=[1.0] * len(on_date), lower=0.0, upper=1.0)

    # Contracted paid minutes, and the shift counts they imply: at least ⌈minimum / longest
    # shift⌉ and at most ⌊maximum / shortest shift⌋ shifts. With one paid length the count row
    # is the hours row, and it is a tighter row for the LP relaxation.
    minimum = agent.min_hours_per_week * MINUTES_PER_HOUR * prorate
    maximum = agent.max_hours_per_week * MINUTES_PER_HOUR * prorate
    paid = [shift.paid_minutes for shift in shifts]
    fewest = math.ceil(minimum / max(paid) - ROUNDING_TOLERANCE) if minimum > 0 else 0
    most = min(len(by_date), math.floor(maximum / min(paid) + ROUNDING_TOLERANCE))
    if agent.max_shifts is not None:
        most = min(most, agent.max_shifts)
    # Days off, prorated (rounded down) for horizons shorter than a week, in every run of
    # min(7, horizon days) consecutive local dates; implied when the count limit is lower.
    run = min(DAYS_PER_WEEK, horizon_days)
    working_limit = run - agent.days_off_per_week * run // DAYS_PER_WEEK
    dates = agent_candidates.local_dates
    for first in range(len(dates) - run + 1):
        window = [entry for day in dates[first : first + run] for entry in by_date.get(day, [])]
        if min(most, len({shift.local_date for shift, _ in window})) > working_limit:
            rows.add(
                columns=[column for _, column in window], values=[1.0] * len(window), lower=0.0, upper=working_limit
            )
    if fewest > 0 or most < len(by_date):
        rows.add(columns=list(columns), values=[1.0] * len(columns), lower=fewest, upper=most)
    best = sum(max(shift.paid_minutes for shift, _ in on_date) for on_date in by_date.values())
    if len(set(paid)) > 1 and (minimum > 0 or maximum < best):
        rows.add(columns=list(columns), values=[float(minutes) for minutes in paid], lower=minimum, upper=maximum)

    rest = agent.minimum_rest // ONE_MINUTE
    ordered = sorted(by_date)
    for position, earlier in enumerate(ordered):
        for later in ordered[position + 1 :]:
            _rest_rows(rows, earlier=by_date[earlier], later=by_date[later], rest=rest)


def _rest_rows(
    rows: RowBuilder, *, earlier: list[tuple[CandidateShift, int]], later: list[tuple[CandidateShift, int]], rest: int
) -> None:
    """Forbid working two shifts on different dates less than `rest` minutes apart.

    When each conflict is "the later date's shift starts before the earlier one ends plus the
    rest", the conflict graph between the two dates is a threshold graph: for each end time e,
    {earlier shifts ending at or after e} ∪ {later shifts starting before e + rest} is a clique,
    and these cliques cover every conflict. Otherwise (start windows wider than a day) one row
    per conflicting pair is written."""
    early_start = np.array([shift.start_minute for shift, _ in earlier])
    early_end = np.array([shift.end_minute for shift, _ in earlier])
    late_start = np.array([shift.start_minute for shift, _ in later])
    late_end = np.array([shift.end_minute for shift, _ in later])
    forward = late_start[None, :] < early_end[:, None] + rest
    if not forward.any():
        return
    backward = early_start[:, None] < late_end[None, :] + rest
    if not (forward & ~backward).any():
        late_sorted = sorted(later, key=lambda entry: entry[0].start_minute)
        starts = [shift.start_minute for shift, _ in late_sorted]
        covered = 0
        for end in sorted({shift.end_minute for shift, _ in earlier}):
            count = bisect.bisect_left(starts, end + rest)
            if count > covered:
                covered = count
                clique = [column for shift, column in earlier if shift.end_minute >= end]
                clique += [column for _, column in late_sorted[:count]]
                rows.add(columns=clique, values=[1.0] * len(clique), lower=0.0, upper=1.0)
        return
    conflicts = forward & backward
    for first, second in zip(*np.nonzero(conflicts), strict=True):
        pair = [earlier[int(first)][1], later[int(second)][1]]
        rows.add(columns=pair, values=[1.0, 1.0], lower=0.0, upper=1.0)
