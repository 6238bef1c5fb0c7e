"""The history a forecast learns from: one channel's volume (and handle time) per interval.

An interval with no row is *closed*: the contact centre did not take contacts then. That is
different from an open interval with zero contacts, and the models keep the two apart.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

SUPPORTED_INTERVAL_MINUTES = (15, 30, 60)
SECONDS_PER_MINUTE = 60
# Every real time zone's offset is a whole number of quarter hours, so a grid of interval
# starts may sit at any quarter hour (an hourly grid on :30 serves a centre in India).
GRID_PHASE_SECONDS = 15 * SECONDS_PER_MINUTE


class InvalidHistory(ValueError):
    """The rows cannot form a history: misaligned, duplicated, negative, naive times..."""


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One interval as read from a source: any time zone, not yet checked."""

    interval_start: datetime
    volume: float
    aht_seconds: float | None = None


@dataclass(frozen=True, slots=True)
class IntervalHistory:
    """Volume (and optionally average handle time) per interval for one channel.

    Promises, checked on construction: starts are timezone-aware UTC, strictly increasing,
    all on one grid of `interval_minutes` whose phase is a whole quarter hour; volumes are
    finite and >= 0; handle times are finite and > 0, or None where unknown (a handle time of
    0 is accepted only for an interval with no contacts, and read as unknown).
    `aht_seconds` is None when the source had no handle-time column at all.
    """

    interval_minutes: int
    interval_starts: tuple[datetime, ...]
    volumes: tuple[float, ...]
    aht_seconds: tuple[float | None, ...] | None = None

    def __post_init__(self) -> None:
        if self.interval_minutes not in SUPPORTED_INTERVAL_MINUTES:
            raise InvalidHistory(
                f"interval of {self.interval_minutes} minutes is not supported; use one of {SUPPORTED_INTERVAL_MINUTES}"
            )
        if len(self.volumes) != len(self.interval_starts):
            raise InvalidHistory("one volume is needed per interval start")
        if self.aht_seconds is not None and len(self.aht_seconds) != len(self.interval_starts):
            raise InvalidHistory("one handle time (or None) is needed per interval start")
        _check_starts(self.interval_starts, self.interval_seconds)
        for start, volume in zip(self.interval_starts, self.volumes, strict=True):
            if not math.isfinite(volume) or volume < 0:
                raise InvalidHistory(f"volume at {start.isoformat()} must be a finite number >= 0, got {volume}")
        if self.aht_seconds is not None:
            # Normalising here keeps one meaning for "unknown" (None) everywhere downstream.
            object.__setattr__(
                self, "aht_seconds", _normalised_handle_times(self.interval_starts, self.volumes, self.aht_seconds)
            )

    @property
    def interval_seconds(self) -> int:
        return self.interval_minutes * SECONDS_PER_MINUTE

    @property
    def interval(self) -> timedelta:
        return timedelta(minutes=self.interval_minutes)

    def __len__(self) -> int:
        return len(self.interval_starts)


def history_from_rows(rows: Iterable[HistoryRow], *, interval_minutes: int) -> IntervalHistory:
    """Build a history from rows in any order and any UTC offset.

    Rows are converted to UTC and sorted; naive times and two rows for one interval raise
    `InvalidHistory`. Handle times are kept only if at least one row has one.
    """
    materialised = list(rows)
    for row in materialised:
        if row.interval_start.tzinfo is None or row.interval_start.utcoffset() is None:
            raise InvalidHistory(f"interval start {row.interval_start.isoformat()} has no UTC offset")
    ordered = sorted(materialised, key=lambda row: row.interval_start)
    starts = tuple(row.interval_start.astimezone(UTC) for row in ordered)
    for earlier, later in itertools.pairwise(starts):
        if earlier == later:
            raise InvalidHistory(f"two rows for the interval starting {later.isoformat()}")
    has_handle_time = any(row.aht_seconds is not None for row in ordered)
    return IntervalHistory(
        interval_minutes=interval_minutes,
        interval_starts=starts,
        volumes=tuple(float(row.volume) for row in ordered),
        aht_seconds=tuple(row.aht_seconds for row in ordered) if has_handle_time else None,
    )


def grid_problem(start: datetime, *, phase_seconds: int, interval_seconds: int) -> str | None:
    """Why `start` is off the grid of interval starts with the given phase, or None if it is on it."""
    offset = int(start.timestamp()) % interval_seconds
    if start.second or start.microsecond or offset != phase_seconds:
        minutes = interval_seconds // SECONDS_PER_MINUTE
        return f"{start.astimezone(UTC).isoformat()} is not aligned to the {minutes}-minute grid of the other intervals"
    return None


def grid_phase(start: datetime, *, interval_seconds: int) -> int:
    """Seconds past the UTC interval grid at which `start` sits; raises if not a whole quarter hour."""
    phase = int(start.timestamp()) % interval_seconds
    if start.second or start.microsecond or phase % GRID_PHASE_SECONDS:
        raise InvalidHistory(
            f"{start.astimezone(UTC).isoformat()} is not aligned to the interval: starts must fall on a quarter hour"
        )
    return phase


def _check_starts(starts: Sequence[datetime], interval_seconds: int) -> None:
    if not starts:
        return
    phase = grid_phase(starts[0], interval_seconds=interval_seconds)
    previous: datetime | None = None
    for start in starts:
        if start.tzinfo is None or start.utcoffset() != timedelta(0):
            raise InvalidHistory(f"interval start {start.isoformat()} must be timezone-aware UTC")
        problem = grid_problem(start, phase_seconds=phase, interval_seconds=interval_seconds)
        if problem is not None:
            raise InvalidHistory(problem)
        if previous is not None and start <= previous:
            raise InvalidHistory(f"interval starts must increase: {start.isoformat()} follows {previous.isoformat()}")
        previous = start


def _normalised_handle_times(
    starts: Sequence[datetime], volumes: Sequence[float], handle_times: Sequence[float | None]
) -> tuple[float | None, ...]:
    normalised: list[float | None] = []
    for start, volume, aht in zip(starts, volumes, handle_times, strict=True):
        if aht is None or (aht == 0 and volume == 0):
            normalised.append(None)
        elif not math.isfinite(aht) or aht <= 0:
            raise InvalidHistory(f"handle time at {start.isoformat()} must be a finite number > 0, got {aht}")
        else:
            normalised.append(float(aht))
    return tuple(normalised)
