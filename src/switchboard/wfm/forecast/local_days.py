"""The history laid out by local day and interval of the day, where seasonality lives.

Demand follows the customers' clock, not UTC: 09:00 in Paris is busy in winter (08:00 UTC) and in
summer (07:00 UTC). So every interval is placed by its wall-clock time in the contact centre's
zone: row = local date, column = local minute of the day // interval length. On the spring
switch a day loses its skipped hour's columns (they stay empty, read as closed); on the autumn
switch the repeated hour's two intervals share a column, which holds their mean.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from switchboard.wfm.forecast.history import SECONDS_PER_MINUTE, IntervalHistory

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

MINUTES_PER_DAY = 24 * 60
DAYS_PER_WEEK = 7


@dataclass(frozen=True, slots=True, eq=False)
class Placement:
    """Where each interval start falls: its local day (counted from `first_day`) and column."""

    day: IntArray
    slot: IntArray


@dataclass(frozen=True, slots=True, eq=False)
class DayMatrix:
    """Per-interval history as (local days × intervals of the day) arrays.

    `volume` is NaN where the centre was closed (no row), on a listed holiday, or where the
    wall-clock time did not exist; an open interval with no contacts is 0. `handled_volume` and
    `handle_seconds` are the contacts whose handle time is known and their total handle time,
    so that average handle time can be volume-weighted. `complete[d]` is False for an edge day
    the history only partly covers; `holiday[d]` is True on a listed holiday (a local date in
    `holidays`). Row 0 is local date `first_day`.
    """

    first_day: date
    interval_minutes: int
    volume: FloatArray
    handled_volume: FloatArray
    handle_seconds: FloatArray
    complete: BoolArray
    holiday: BoolArray
    holidays: frozenset[date] = field(default_factory=frozenset)
    has_handle_time: bool = False

    @property
    def days(self) -> int:
        return int(self.volume.shape[0])

    @property
    def slots_per_day(self) -> int:
        return int(self.volume.shape[1])

    def date_of(self, day: int) -> date:
        return self.first_day + timedelta(days=day)

    def weekdays(self, start: int, count: int) -> IntArray:
        """Weekday (Monday = 0) of `count` consecutive days from day index `start`."""
        first = (self.first_day.weekday() + start) % DAYS_PER_WEEK
        return (np.arange(count, dtype=np.int64) + first) % DAYS_PER_WEEK

    def holiday_mask(self, start: int, count: int) -> BoolArray:
        """Holiday flags of `count` days from day index `start`, which may run past the history."""
        if start + count <= self.days:
            return self.holiday[start : start + count]
        return np.array([self.date_of(start + offset) in self.holidays for offset in range(count)], dtype=np.bool_)

    def head(self, days: int) -> DayMatrix:
        """The first `days` days only: what a forecast made at the start of day `days` may see."""
        return replace(
            self,
            volume=self.volume[:days],
            handled_volume=self.handled_volume[:days],
            handle_seconds=self.handle_seconds[:days],
            complete=self.complete[:days],
            holiday=self.holiday[:days],
        )


def place_intervals(starts: Sequence[datetime], *, zone: ZoneInfo, interval_minutes: int, first_day: date) -> Placement:
    """Local day index and column of each start, by wall-clock time in `zone`."""
    days = np.empty(len(starts), dtype=np.int64)
    slots = np.empty(len(starts), dtype=np.int64)
    first_ordinal = first_day.toordinal()
    for index, start in enumerate(starts):
        local = start.astimezone(zone)
        days[index] = local.toordinal() - first_ordinal
        slots[index] = (local.hour * 60 + local.minute) // interval_minutes
    return Placement(day=days, slot=slots)


@dataclass(frozen=True, slots=True, eq=False)
class LaidOutHistory:
    """The day matrix, and where each history row sits in it (for scoring forecasts row by row).

    `last_row_day` is the matrix index of the last day with a row; later days were closed.
    """

    matrix: DayMatrix
    placement: Placement
    last_row_day: int


def lay_out_history(
    history: IntervalHistory, *, zone: ZoneInfo, holidays: Collection[date] = (), ends_before: date | None = None
) -> LaidOutHistory:
    """Lay the history out by local day; holidays are blanked so no model learns from them.

    The matrix ends with the last row's local day, or, if `ends_before` is given, with the day
    before it: the days after the last row are then closed days of the history (a centre closed
    at weekends whose export ran to Sunday). `ends_before` must come after the last row's day.
    """
    if not history.interval_starts:
        raise ValueError("the history has no intervals")
    first_day = history.interval_starts[0].astimezone(zone).date()
    placement = place_intervals(
        history.interval_starts, zone=zone, interval_minutes=history.interval_minutes, first_day=first_day
    )
    last_row_day = int(placement.day[-1])
    days = last_row_day + 1
    if ends_before is not None:
        if ends_before <= first_day + timedelta(days=last_row_day):
            raise ValueError(
                f"the forecast cannot start on {ends_before}: the history has rows on "
                f"{first_day + timedelta(days=last_row_day)}"
            )
        days = (ends_before - first_day).days
    shape = (days, MINUTES_PER_DAY // history.interval_minutes)
    holiday_set = frozenset(holidays)
    holiday_rows = np.array([first_day + timedelta(days=day) in holiday_set for day in range(days)], dtype=np.bool_)
    kept = ~holiday_rows[placement.day]
    where = (placement.day[kept], placement.slot[kept])
    volumes = np.asarray(history.volumes, dtype=np.float64)[kept]
    # The autumn switch's repeated hour puts two intervals in one column: each column holds
    # the mean of its rows (sums divided by the row count).
    row_count = np.zeros(shape)
    np.add.at(row_count, where, 1.0)
    divisor = np.maximum(row_count, 1.0)
    volume_sum = np.zeros(shape)
    np.add.at(volume_sum, where, volumes)
    volume = np.where(row_count > 0, volume_sum / divisor, np.nan)
    handled_volume = np.zeros(shape)
    handle_seconds = np.zeros(shape)
    if history.aht_seconds is not None:
        handle_times = np.array([np.nan if aht is None else aht for aht in history.aht_seconds], dtype=np.float64)
        known = ~np.isnan(handle_times[kept])
        known_where = (where[0][known], where[1][known])
        np.add.at(handled_volume, known_where, volumes[known])
        np.add.at(handle_seconds, known_where, volumes[known] * handle_times[kept][known])
    complete = np.ones(days, dtype=np.bool_)
    complete[0] = _edge_day_complete(volume, day=0, step=DAYS_PER_WEEK, edge_slot=int(placement.slot[0]))
    complete[last_row_day] &= _edge_day_complete(
        volume, day=last_row_day, step=-DAYS_PER_WEEK, edge_slot=int(placement.slot[-1])
    )
    matrix = DayMatrix(
        first_day=first_day,
        interval_minutes=history.interval_minutes,
        volume=volume,
        handled_volume=handled_volume / divisor,
        handle_seconds=handle_seconds / divisor,
        complete=complete,
        holiday=holiday_rows,
        holidays=holiday_set,
        has_handle_time=history.aht_seconds is not None,
    )
    return LaidOutHistory(matrix=matrix, placement=placement, last_row_day=last_row_day)


def _edge_day_complete(volume: FloatArray, *, day: int, step: int, edge_slot: int) -> bool:
    """Whether the first (step > 0) or last (step < 0) day is whole.

    It is whole if its first/last row is where the same weekday's nearest other open day starts
    or ends (the centre opens or closes then), or at the very edge of the day.
    """
    last_slot = volume.shape[1] - 1
    if (step > 0 and edge_slot == 0) or (step < 0 and edge_slot == last_slot):
        return True
    other = day + step
    while 0 <= other < volume.shape[0]:
        open_slots = np.flatnonzero(~np.isnan(volume[other]))
        if open_slots.size:
            return bool(edge_slot <= open_slots[0]) if step > 0 else bool(edge_slot >= open_slots[-1])
        other += step
    return False


@dataclass(frozen=True, slots=True, eq=False)
class HorizonIntervals:
    """The UTC interval starts covering whole local days, and where each falls in the day grid."""

    starts: tuple[datetime, ...]
    placement: Placement


def horizon_intervals(
    *, first_day: date, days: int, zone: ZoneInfo, interval_minutes: int, phase_seconds: int
) -> HorizonIntervals:
    """Every interval start on the history's UTC grid from local midnight of `first_day` for `days` days.

    Day indices in the placement count from `first_day`. A local day has 23 or 25 hours of
    intervals on a daylight-saving switch.
    """
    interval = timedelta(minutes=interval_minutes)
    begin = local_midnight_utc(first_day, zone)
    end = local_midnight_utc(first_day + timedelta(days=days), zone)
    # Round the first start up onto the history's grid (phase seconds past the UTC interval grid).
    interval_seconds = interval_minutes * SECONDS_PER_MINUTE
    shift = (phase_seconds - int(begin.timestamp())) % interval_seconds
    starts = tuple(_steps(begin + timedelta(seconds=shift), end, interval))
    return HorizonIntervals(
        starts=starts,
        placement=place_intervals(starts, zone=zone, interval_minutes=interval_minutes, first_day=first_day),
    )


def local_midnight_utc(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant the local day starts (the first instant after a switch that skips midnight)."""
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def _steps(begin: datetime, end: datetime, step: timedelta) -> Iterator[datetime]:
    moment = begin
    while moment < end:
        yield moment
        moment += step
