"""Top-down model: exponential smoothing of daily totals, split by each weekday's intraday profile.

Daily totals are far less noisy than half-hour counts, so a trend and a weekly cycle can be
estimated on them; the split inside the day is stable from week to week and is taken from the
recent weeks. Holt-Winters additive seasonal method with a damped additive trend: Hyndman &
Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed. (2021), §8.3 ("Holt-Winters'
damped method"), damped trend after Gardner & McKenzie, "Forecasting trends in time series",
Management Science 31(10), 1985, 1237–1246; fitted by statsmodels' `ExponentialSmoothing`.
Splitting a day's total across its intervals by fixed proportions is the multinomial model of
arrivals given the daily total in Avramidis, Deslauriers & L'Ecuyer, "Modeling daily arrivals to
a telephone call center", Management Science 50(7), 2004, 896–908.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from switchboard.wfm.forecast.local_days import DAYS_PER_WEEK, BoolArray, DayMatrix, FloatArray
from switchboard.wfm.forecast.profiles import weekday_rows

# Two years of daily totals is plenty to estimate a weekly cycle, and bounds the fit's cost.
TRAINING_DAYS = 2 * 52 * DAYS_PER_WEEK
# A damped trend needs several weekly cycles to be told apart from the seasonal pattern;
# with fewer weeks the model keeps the weekly cycle only, and below two it cannot fit one.
TREND_MINIMUM_DAYS = 4 * DAYS_PER_WEEK
SEASONAL_MINIMUM_DAYS = 2 * DAYS_PER_WEEK
# The intraday profile is a weighted mean of the shares of the last open days of the same
# weekday, each week older weighing 0.7 times as much: recent enough to follow a change of
# opening hours within a month, long enough to smooth one odd day.
PROFILE_DAYS = 8
PROFILE_DECAY = 0.7


@dataclass(frozen=True, slots=True, eq=False)
class TopDownForecast:
    volume: FloatArray  # (horizon days × intervals of the day)
    notes: tuple[str, ...]


def top_down_forecast(
    train: DayMatrix, *, horizon_days: int, closed: BoolArray, closed_after_weeks: int, profile_weeks: int
) -> TopDownForecast:
    """Volume per interval for the `horizon_days` days that follow `train`; 0 where `closed` (7 × intervals)."""
    totals = daily_totals(train, closed_after_weeks=closed_after_weeks, impute_weeks=profile_weeks)
    daily, notes = _forecast_daily_totals(totals[-TRAINING_DAYS:], horizon_days=horizon_days)
    profile = intraday_profile(train, closed=closed)
    weekdays = train.weekdays(train.days, horizon_days)
    return TopDownForecast(volume=daily[:, None] * profile[weekdays], notes=notes)


def daily_totals(train: DayMatrix, *, closed_after_weeks: int, impute_weeks: int) -> FloatArray:
    """Total volume per training day, with no gap left for the smoother to read as zero demand.

    A day with no rows counts 0 only if the same weekday was closed in each of its previous
    `closed_after_weeks` weeks (the centre does not open then); a holiday, a partly covered edge
    day or an unexpectedly closed day is filled with the mean of the nearest `impute_weeks` open
    totals of its weekday, preferring earlier weeks.
    """
    open_day: BoolArray = np.logical_not(np.isnan(train.volume).all(axis=1))
    totals = np.where(open_day & train.complete, np.nansum(train.volume, axis=1), np.nan)
    holidays = train.holiday
    weekdays = train.weekdays(0, train.days)
    for weekday in range(DAYS_PER_WEEK):
        ordinary = np.flatnonzero((weekdays == weekday) & ~holidays)
        for position, day in enumerate(ordinary):
            recently_open = open_day[ordinary[max(0, position - closed_after_weeks) : position]].any()
            if not open_day[day] and not recently_open:
                totals[day] = 0.0
        same_weekday = np.flatnonzero(weekdays == weekday)
        known = same_weekday[~np.isnan(totals[same_weekday])]
        for day in same_weekday[np.isnan(totals[same_weekday])]:
            earlier = known[known < day][-impute_weeks:]
            later = known[known > day][:impute_weeks]
            donors = earlier if earlier.size else later
            totals[day] = totals[donors].mean() if donors.size else 0.0
    return totals


def intraday_profile(train: DayMatrix, *, closed: BoolArray) -> FloatArray:
    """(7 × intervals) share of the day's volume in each interval; each open weekday's row sums to 1."""
    profile = np.zeros((DAYS_PER_WEEK, train.slots_per_day))
    for weekday in range(DAYS_PER_WEEK):
        rows = weekday_rows(train, weekday)
        volume = np.nan_to_num(train.volume[rows], nan=0.0)
        day_totals = volume.sum(axis=1)
        usable = rows[(day_totals > 0) & train.complete[rows]][-PROFILE_DAYS:]
        if usable.size == 0:
            continue
        shares = np.nan_to_num(train.volume[usable], nan=0.0)
        shares /= shares.sum(axis=1, keepdims=True)
        weights = PROFILE_DECAY ** np.arange(usable.size)[::-1]
        weighted = (weights[:, None] * shares).sum(axis=0) / weights.sum()
        weighted[closed[weekday]] = 0.0
        # Renormalise after removing closed intervals so the daily total is kept whole.
        if weighted.sum() > 0:
            profile[weekday] = weighted / weighted.sum()
    return profile


def _forecast_daily_totals(totals: FloatArray, *, horizon_days: int) -> tuple[FloatArray, tuple[str, ...]]:
    if totals.size >= TREND_MINIMUM_DAYS:
        trend: str | None = "add"
        notes: tuple[str, ...] = ()
    elif totals.size >= SEASONAL_MINIMUM_DAYS:
        trend = None
        notes = (f"daily_ets: {totals.size} days of history, too few for a trend; weekly cycle only",)
    else:
        return _same_weekday_mean(totals, horizon_days), (
            f"daily_ets: {totals.size} days of history, too few for exponential smoothing; weekday means used",
        )
    # Imported here, not at the top: statsmodels takes about 1.5 s to import, and every CLI
    # command (mail import, user create...) and the web app import this module.
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    try:
        with warnings.catch_warnings():
            # statsmodels warns when the optimiser stops early on short or flat series; the
            # backtest judges the forecast on its errors, and a failed fit falls back below.
            warnings.simplefilter("ignore")
            model = ExponentialSmoothing(
                totals,
                trend=trend,
                damped_trend=trend is not None,
                seasonal="add",
                seasonal_periods=DAYS_PER_WEEK,
                initialization_method="estimated",
            )
            # Least squares reached a lower sum of squared errors than the default L-BFGS-B in a
            # quarter of the time on a year of daily totals, and its cost does not balloon when
            # BLAS threads contend on a busy two-core machine; brute-force starting values
            # cost four times the fit and changed nothing measurable on weekly cycles.
            fitted = model.fit(method="least_squares", use_brute=False)
            daily = np.asarray(fitted.forecast(horizon_days), dtype=np.float64)
    except (ValueError, np.linalg.LinAlgError) as error:
        return _same_weekday_mean(totals, horizon_days), (f"daily_ets: fit failed ({error}); weekday means used",)
    if not np.isfinite(daily).all():
        return _same_weekday_mean(totals, horizon_days), ("daily_ets: fit diverged; weekday means used",)
    return np.maximum(daily, 0.0), notes


def _same_weekday_mean(totals: FloatArray, horizon_days: int) -> FloatArray:
    """Fallback: each horizon day gets the mean total of its weekday in the history."""
    positions = np.arange(totals.size, totals.size + horizon_days)
    forecast = np.zeros(horizon_days)
    for index, position in enumerate(positions):
        same = totals[position % DAYS_PER_WEEK :: DAYS_PER_WEEK]
        forecast[index] = same.mean() if same.size else 0.0
    return forecast
