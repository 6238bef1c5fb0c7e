"""When demo customers write and when demo staff work.

Arrivals follow the weekly and daily rhythm of a business-hours help desk, in each
customer's own time zone: busy weekday mornings and early afternoons, quiet nights and
weekends, with a gentle upward trend. Staff answer during their local office hours.
"""

from __future__ import annotations

import bisect
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

HOUR = timedelta(hours=1)

# Relative contact volume per local hour of day (0-23) and per weekday (Monday first),
# shaped like the intraday curves of business-to-business support desks.
HOURLY_WEIGHTS = (
    0.15,
    0.10,
    0.08,
    0.07,
    0.08,
    0.15,
    0.35,
    0.70,
    1.20,
    1.60,
    1.75,
    1.70,
    1.40,
    1.50,
    1.65,
    1.60,
    1.45,
    1.20,
    0.90,
    0.75,
    0.60,
    0.50,
    0.35,
    0.25,
)
WEEKDAY_WEIGHTS = (1.25, 1.15, 1.10, 1.05, 0.95, 0.45, 0.40)
TREND_OVER_WINDOW = 0.10  # volume grows by this share from the first to the last day

OFFICE_OPENS_AT = 8
OFFICE_CLOSES_AT = 18
SATURDAY = 5  # datetime.weekday(): Monday is 0


class ArrivalSampler:
    """Draws ticket creation moments in [start, end) for customers in given time zones.

    For each time zone the window is cut into UTC hours, each weighted by the local hour
    and weekday it falls on; a draw picks an hour by weight, then a moment within it.
    """

    def __init__(self, *, start: datetime, end: datetime, timezones: set[str]) -> None:
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("arrival windows need timezone-aware bounds")
        if end <= start:
            raise ValueError("the arrival window is empty")
        self.start = start.astimezone(UTC)
        self.end = end.astimezone(UTC)
        self._hours: dict[str, list[datetime]] = {}
        self._cumulative: dict[str, list[float]] = {}
        for timezone in timezones:
            self._build(timezone)

    def _build(self, timezone: str) -> None:
        zone = ZoneInfo(timezone)
        window = (self.end - self.start).total_seconds()
        hours: list[datetime] = []
        cumulative: list[float] = []
        total = 0.0
        moment = self.start
        while moment < self.end:
            local = moment.astimezone(zone)
            progress = (moment - self.start).total_seconds() / window
            weight = HOURLY_WEIGHTS[local.hour] * WEEKDAY_WEIGHTS[local.weekday()]
            weight *= 1.0 + TREND_OVER_WINDOW * progress
            # The last hour may be cut short by the end of the window.
            weight *= min(1.0, (self.end - moment) / HOUR)
            total += weight
            hours.append(moment)
            cumulative.append(total)
            moment += HOUR
        self._hours[timezone] = hours
        self._cumulative[timezone] = cumulative

    def draw(self, rng: random.Random, timezone: str) -> datetime:
        cumulative = self._cumulative[timezone]
        index = bisect.bisect_right(cumulative, rng.random() * cumulative[-1])
        index = min(index, len(cumulative) - 1)
        hour_start = self._hours[timezone][index]
        moment = hour_start + timedelta(seconds=rng.random() * 3600)
        return min(moment, self.end - timedelta(seconds=1))


class OfficeHours:
    """Monday to Friday, 08:00-18:00 in one time zone.

    Opening and closing moments are computed once per local day and searched by
    bisection: plots ask "is anyone on shift" for every ticket and every agent, and a
    time zone conversion per question would dominate a million-ticket run.
    """

    _MARGIN = timedelta(days=21)  # long enough to always hold the next working day

    def __init__(self, timezone: str) -> None:
        self.zone = ZoneInfo(timezone)
        self._opens: list[datetime] = []
        self._closes: list[datetime] = []
        self._first_day: date | None = None
        self._last_day: date | None = None
        self._covered_from = datetime.max.replace(tzinfo=UTC)
        self._covered_until = datetime.min.replace(tzinfo=UTC)

    def is_open(self, moment: datetime) -> bool:
        index = self._interval_at_or_before(moment)
        return index >= 0 and moment < self._closes[index]

    def next_opening(self, moment: datetime) -> datetime:
        """`moment` if the office is open then, else when it next opens."""
        index = self._interval_at_or_before(moment)
        if index >= 0 and moment < self._closes[index]:
            return moment
        return self._opens[index + 1]

    def after_working(self, moment: datetime, work: timedelta) -> datetime:
        """When `work` of office time after `moment` is done (work spills into the next days)."""
        index = self._interval_at_or_before(moment)
        if index >= 0 and moment < self._closes[index]:
            current = moment
        else:
            index += 1
            current = self._opens[index]
        remaining = work
        while True:
            available = self._closes[index] - current
            if remaining <= available:
                return current + remaining
            remaining -= available
            index = self._interval_at_or_before(self._closes[index]) + 1
            current = self._opens[index]

    def _interval_at_or_before(self, moment: datetime) -> int:
        """Index of the last opening at or before `moment` (-1 if none); covers what follows it."""
        if not (self._covered_from <= moment and moment + self._MARGIN <= self._covered_until):
            self._cover(moment)
        return bisect.bisect_right(self._opens, moment) - 1

    def _cover(self, moment: datetime) -> None:
        local_day = moment.astimezone(self.zone).date()
        first = local_day - timedelta(days=2)
        last = local_day + timedelta(days=90)
        if self._first_day is not None and self._last_day is not None:
            first, last = min(first, self._first_day), max(last, self._last_day)
        opens: list[datetime] = []
        closes: list[datetime] = []
        day = first
        while day <= last:
            if day.weekday() < SATURDAY:
                opens.append(self._at(day, OFFICE_OPENS_AT))
                closes.append(self._at(day, OFFICE_CLOSES_AT))
            day += timedelta(days=1)
        self._opens, self._closes = opens, closes
        self._first_day, self._last_day = first, last
        self._covered_from = self._at(first + timedelta(days=1), 0)
        self._covered_until = self._at(last, 0)

    def _at(self, day: date, hour: int) -> datetime:
        return datetime(day.year, day.month, day.day, hour, tzinfo=self.zone).astimezone(UTC)
