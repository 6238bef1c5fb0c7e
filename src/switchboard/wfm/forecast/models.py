"""The forecasting models by name, and the one path every forecast takes through the closed rule."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from switchboard.wfm.forecast.local_days import BoolArray, DayMatrix, FloatArray
from switchboard.wfm.forecast.profiles import (
    closed_slots,
    handle_time_profile,
    seasonal_naive_profile,
    weekly_mean_profile,
    weekly_median_profile,
)
from switchboard.wfm.forecast.top_down import top_down_forecast


class ForecastModel(StrEnum):
    """The models, simplest first: the backtest's last tie-break picks the earlier one."""

    SEASONAL_NAIVE = "seasonal_naive"
    WEEKLY_AVERAGE = "weekly_average"
    WEEKLY_MEDIAN = "weekly_median"
    DAILY_ETS = "daily_ets"

    @property
    def simplicity_rank(self) -> int:
        return list(ForecastModel).index(self)


DEFAULT_CLOSED_AFTER_WEEKS = 4
DEFAULT_PROFILE_WEEKS = 4


@dataclass(frozen=True, slots=True)
class ModelSettings:
    """Tuning shared by all models.

    `closed_after_weeks`: an interval of the week closed in each of its last N (non-holiday)
    weeks is forecast closed. `profile_weeks`: K, the open weeks the weekly average and median
    (and the handle-time profile) look back over.
    """

    closed_after_weeks: int = DEFAULT_CLOSED_AFTER_WEEKS
    profile_weeks: int = DEFAULT_PROFILE_WEEKS

    def __post_init__(self) -> None:
        if self.closed_after_weeks < 1 or self.profile_weeks < 1:
            raise ValueError("closed_after_weeks and profile_weeks must be at least 1")


@dataclass(frozen=True, slots=True, eq=False)
class DayForecast:
    """A forecast laid out like the history: (horizon days × intervals of the day)."""

    volume: FloatArray  # 0 where closed
    closed: BoolArray
    aht_seconds: FloatArray | None
    notes: tuple[str, ...]


def forecast_days(model: ForecastModel, train: DayMatrix, *, horizon_days: int, settings: ModelSettings) -> DayForecast:
    """Forecast the `horizon_days` local days that follow the last day of `train`.

    Only `train` is read, so a backtest that passes the history up to an origin cannot leak
    what came after it. An interval is closed (volume 0) when the closed rule says so, when
    its day is a listed holiday, or when the model has never seen it open.
    """
    closed_rule = closed_slots(train, weeks=settings.closed_after_weeks)
    weekdays = train.weekdays(train.days, horizon_days)
    notes: tuple[str, ...] = ()
    if model is ForecastModel.DAILY_ETS:
        top_down = top_down_forecast(
            train,
            horizon_days=horizon_days,
            closed=closed_rule,
            closed_after_weeks=settings.closed_after_weeks,
            profile_weeks=settings.profile_weeks,
        )
        volume, notes = top_down.volume, top_down.notes
    else:
        volume = _weekly_profile(model, train, settings)[weekdays]
    closed = closed_rule[weekdays] | np.isnan(volume) | train.holiday_mask(train.days, horizon_days)[:, None]
    handle_times = handle_time_profile(train, weeks=settings.profile_weeks)
    return DayForecast(
        volume=np.where(closed, 0.0, np.nan_to_num(volume, nan=0.0)),
        closed=closed,
        aht_seconds=None if handle_times is None else handle_times[weekdays],
        notes=notes,
    )


def _weekly_profile(model: ForecastModel, train: DayMatrix, settings: ModelSettings) -> FloatArray:
    if model is ForecastModel.SEASONAL_NAIVE:
        return seasonal_naive_profile(train)
    if model is ForecastModel.WEEKLY_AVERAGE:
        return weekly_mean_profile(train, weeks=settings.profile_weeks)
    return weekly_median_profile(train, weeks=settings.profile_weeks)
