"""Weekly profiles: the simple baselines, the closed-hours rule and the handle-time profile.

Each function looks at one weekday at a time, over that weekday's days in the training matrix
that are not holidays, and per interval of the day skips the weeks in which that interval was
closed. So a holiday or a closed afternoon is never read as zero demand: the seasonal naive for
the Monday after a holiday Monday is the last *open* Monday's value.

Sources: the seasonal naive and the average of past seasons are the benchmark methods of
Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed. (2021), §5.2; that a
plain historical average of past weeks is hard to beat beyond two or three days ahead on
call-centre arrivals is the finding of Taylor, "A comparison of univariate time series methods
for forecasting intraday arrivals at a call center", Management Science 54(2), 2008, 253–265.
"""

from __future__ import annotations

import numpy as np

from switchboard.wfm.forecast.local_days import DAYS_PER_WEEK, BoolArray, DayMatrix, FloatArray, IntArray


def weekday_rows(train: DayMatrix, weekday: int) -> IntArray:
    """Indices of the training days that fall on `weekday` and are not holidays, oldest first."""
    weekdays = train.weekdays(0, train.days)
    holidays = train.holiday
    return np.flatnonzero((weekdays == weekday) & ~holidays).astype(np.int64)


def last_open_mask(values: FloatArray, weeks: int) -> BoolArray:
    """Per column, True on the last `weeks` rows whose value is not NaN (the last open weeks)."""
    open_cells = ~np.isnan(values)
    newest_first_count = np.cumsum(open_cells[::-1], axis=0)[::-1]
    return open_cells & (newest_first_count <= weeks)


def closed_slots(train: DayMatrix, *, weeks: int) -> BoolArray:
    """(7 × intervals) True where the interval of the week was closed in each of its last `weeks` weeks.

    Holidays do not count as weeks. A weekday the history never saw open is closed.
    """
    closed = np.ones((DAYS_PER_WEEK, train.slots_per_day), dtype=np.bool_)
    for weekday in range(DAYS_PER_WEEK):
        recent = train.volume[weekday_rows(train, weekday)[-weeks:]]
        closed[weekday] = np.isnan(recent).all(axis=0)
    return closed


def seasonal_naive_profile(train: DayMatrix) -> FloatArray:
    """(7 × intervals) the value of each interval on its last open week; NaN if never open."""
    profile = np.full((DAYS_PER_WEEK, train.slots_per_day), np.nan)
    for weekday in range(DAYS_PER_WEEK):
        values = train.volume[weekday_rows(train, weekday)]
        last = last_open_mask(values, 1)
        seen = last.any(axis=0)
        profile[weekday, seen] = values[last.argmax(axis=0)[seen], np.flatnonzero(seen)]
    return profile


def weekly_mean_profile(train: DayMatrix, *, weeks: int) -> FloatArray:
    """(7 × intervals) mean of each interval over its last `weeks` open weeks; NaN if never open."""
    profile = np.full((DAYS_PER_WEEK, train.slots_per_day), np.nan)
    for weekday in range(DAYS_PER_WEEK):
        values = train.volume[weekday_rows(train, weekday)]
        chosen = last_open_mask(values, weeks)
        counts = chosen.sum(axis=0)
        seen = counts > 0
        totals = np.where(chosen, values, 0.0).sum(axis=0)
        profile[weekday, seen] = totals[seen] / counts[seen]
    return profile


def weekly_median_profile(train: DayMatrix, *, weeks: int) -> FloatArray:
    """(7 × intervals) median of each interval over its last `weeks` open weeks; NaN if never open."""
    profile = np.full((DAYS_PER_WEEK, train.slots_per_day), np.nan)
    for weekday in range(DAYS_PER_WEEK):
        values = train.volume[weekday_rows(train, weekday)]
        chosen = last_open_mask(values, weeks)
        seen = chosen.any(axis=0)
        if seen.any():
            # Only columns with at least one value: nanmedian warns on an all-NaN column.
            profile[weekday, seen] = np.nanmedian(np.where(chosen, values, np.nan)[:, seen], axis=0)
    return profile


def handle_time_profile(train: DayMatrix, *, weeks: int) -> FloatArray | None:
    """(7 × intervals) volume-weighted average handle time per interval of the week, or None.

    Per interval: total handle seconds over total contacts, over its last `weeks` weeks with
    contacts of known handle time (a ratio of sums, so a quiet interval with one long contact
    does not weigh like a busy one). Intervals without any fall back to the training history's
    overall volume-weighted average. None when no handle time is known at all.
    """
    total_volume = float(train.handled_volume.sum())
    if not train.has_handle_time or total_volume <= 0:
        return None
    overall = float(train.handle_seconds.sum()) / total_volume
    profile = np.full((DAYS_PER_WEEK, train.slots_per_day), overall)
    for weekday in range(DAYS_PER_WEEK):
        rows = weekday_rows(train, weekday)
        volume = train.handled_volume[rows]
        chosen = last_open_mask(np.where(volume > 0, volume, np.nan), weeks)
        weighted_volume = np.where(chosen, volume, 0.0).sum(axis=0)
        seconds = np.where(chosen, train.handle_seconds[rows], 0.0).sum(axis=0)
        seen = weighted_volume > 0
        profile[weekday, seen] = seconds[seen] / weighted_volume[seen]
    return profile
