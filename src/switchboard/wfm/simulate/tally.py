"""Per-interval tallies of simulated days: counts of contacts and seconds of agent time.

A contact belongs to the interval in which it arrived (as contact-centre reports count "offered"); agent
time is split at interval boundaries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray

from switchboard.wfm.simulate.engine import ReplicationRecord
from switchboard.wfm.simulate.scenario import Scenario


@dataclass(frozen=True, slots=True)
class Tallies:
    """Counts and sums, each an array whose last axis is the interval (first axis: the replication, once stacked)."""

    offered: NDArray[np.float64]
    answered: NDArray[np.float64]
    abandoned: NDArray[np.float64]
    unresolved: NDArray[np.float64]
    answered_within_threshold: NDArray[np.float64]
    abandoned_within_threshold: NDArray[np.float64]
    waited: NDArray[np.float64]  # answered after a wait, abandoned or unresolved: everyone who found no free agent
    answered_wait_seconds: NDArray[np.float64]
    resolved_wait_seconds: NDArray[np.float64]  # waits of answered and abandoned contacts
    busy_seconds: NDArray[np.float64]
    staffed_seconds: NDArray[np.float64]  # planned agent time plus overtime spent finishing contacts

    @classmethod
    def stack(cls, days: Sequence[Tallies]) -> Tallies:
        """One Tallies whose first axis is the replication."""
        return cls(**{f.name: np.stack([getattr(day, f.name) for day in days]) for f in fields(cls)})

    def over(self, intervals: slice) -> Tallies:
        """Summed over the selected intervals (the last axis disappears)."""
        return Tallies(**{f.name: getattr(self, f.name)[..., intervals].sum(axis=-1) for f in fields(self)})

    def at(self, interval: int) -> Tallies:
        """The one interval's values (the last axis disappears)."""
        return Tallies(**{f.name: getattr(self, f.name)[..., interval] for f in fields(self)})


def tally(record: ReplicationRecord, scenario: Scenario) -> Tallies:
    """The replication's counts per interval of arrival, and agent time per interval of the day."""
    intervals, interval_seconds = scenario.intervals, scenario.interval_seconds
    arrival = record.arrival_seconds
    interval_of = np.minimum((arrival // interval_seconds).astype(np.intp), intervals - 1)
    answered = np.isfinite(record.answer_seconds)
    abandoned = np.isfinite(record.abandon_seconds)
    answer_wait = record.answer_seconds[answered] - arrival[answered]
    abandon_wait = record.abandon_seconds[abandoned] - arrival[abandoned]
    threshold = scenario.threshold_seconds

    def per_interval(mask: NDArray[np.bool_], weights: NDArray[np.float64] | None = None) -> NDArray[np.float64]:
        return np.bincount(interval_of[mask], weights=weights, minlength=intervals).astype(np.float64)

    answered_wait_seconds = per_interval(answered, answer_wait)
    answered_at = record.answer_seconds[answered]
    overtime = _seconds_per_interval(
        starts=record.overtime_starts,
        ends=record.overtime_ends,
        intervals=intervals,
        interval_seconds=interval_seconds,
    )
    return Tallies(
        offered=np.bincount(interval_of, minlength=intervals).astype(np.float64),
        answered=per_interval(answered),
        abandoned=per_interval(abandoned),
        unresolved=per_interval(~answered & ~abandoned),
        answered_within_threshold=per_interval(answered, (answer_wait <= threshold).astype(np.float64)),
        abandoned_within_threshold=per_interval(abandoned, (abandon_wait <= threshold).astype(np.float64)),
        # Exact zero: an agent who was free answers at the arrival time itself (max(arrival, free time)).
        waited=per_interval(~answered | (record.answer_seconds > arrival)),
        answered_wait_seconds=answered_wait_seconds,
        resolved_wait_seconds=answered_wait_seconds + per_interval(abandoned, abandon_wait),
        busy_seconds=_seconds_per_interval(
            starts=answered_at,
            ends=answered_at + record.handle_seconds[answered],
            intervals=intervals,
            interval_seconds=interval_seconds,
        ),
        staffed_seconds=np.asarray(scenario.agents_per_interval, dtype=np.float64) * interval_seconds + overtime,
    )


def _seconds_per_interval(
    *, starts: NDArray[np.float64], ends: NDArray[np.float64], intervals: int, interval_seconds: float
) -> NDArray[np.float64]:
    """Seconds of the spans [start, end) falling in each interval (spans after the close are dropped)."""
    boundaries = np.arange(intervals + 1, dtype=np.float64) * interval_seconds

    def elapsed_since(points: NDArray[np.float64]) -> NDArray[np.float64]:
        # Sum over points p below each boundary x of (x - p), from sorted points and prefix sums: O(n log n).
        ordered = np.sort(points)
        prefix = np.concatenate(([0.0], np.cumsum(ordered)))
        below = np.searchsorted(ordered, boundaries, side="left")
        return below * boundaries - prefix[below]

    # Time a span [s, e) covers before x is (x - s)⁺ - (x - e)⁺; summed over spans and differenced per interval.
    return np.diff(elapsed_since(starts) - elapsed_since(ends))
