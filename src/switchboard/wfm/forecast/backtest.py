"""Rolling-origin backtest: how each model would have done, and the staffing error it would have caused.

From each origin (a local midnight, one week apart, over the last W weeks) every model sees only
the days before the origin and forecasts the horizon after it; its forecasts are scored against
the intervals that were actually open. Rolling-origin evaluation: Tashman, "Out-of-sample tests
of forecasting accuracy: an analysis and review", Int. J. Forecasting 16(4), 2000, 437–450;
Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed. (2021), §5.10.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from switchboard.wfm.forecast.history import IntervalHistory
from switchboard.wfm.forecast.local_days import (
    DAYS_PER_WEEK,
    DayMatrix,
    FloatArray,
    IntArray,
    LaidOutHistory,
    Placement,
    local_midnight_utc,
)
from switchboard.wfm.forecast.models import DayForecast, ForecastModel, ModelSettings, forecast_days
from switchboard.wfm.forecast.scoring import ModelScore, StaffingWeights, score_forecast

AgentsFor = Callable[[FloatArray, FloatArray, int], IntArray]
"""agents_for(volumes per interval, aht_seconds per interval, interval_seconds) -> agents required
per interval (e.g. by Erlang C: `planning.agents_for_intervals`); called with many intervals at once."""

DEFAULT_BACKTEST_WEEKS = 12
# A weekly profile needs two weeks to average, and a backtest forecast from less is not a test.
MINIMUM_TRAINING_DAYS = 2 * DAYS_PER_WEEK


@dataclass(frozen=True, slots=True)
class BacktestReport:
    """Per-model scores over every origin pooled, and the model they pick.

    `decided_by` says which comparison separated the winner from the runner-up: "staffing_error",
    "wape", or "simplicity" (a tie on both, won by the simpler model).
    """

    horizon_days: int
    origins: tuple[datetime, ...]
    scores: tuple[ModelScore, ...]
    chosen: ForecastModel
    decided_by: str
    staffing_weights: StaffingWeights | None

    def score(self, model: ForecastModel) -> ModelScore:
        return next(score for score in self.scores if score.model is model)


@dataclass(frozen=True, slots=True, eq=False)
class ObservedRows:
    """The history's rows as arrays: where each sits in the day matrix, its volume and handle time (NaN if unknown)."""

    placement: Placement
    volume: FloatArray
    aht_seconds: FloatArray


@dataclass(frozen=True, slots=True)
class StaffingCheck:
    """How to turn volumes into agents for the staffing error, and how to weigh its two sides."""

    agents_for: AgentsFor
    weights: StaffingWeights
    interval_seconds: int
    assumed_aht_seconds: float | None


def backtest_origins(matrix: DayMatrix, *, horizon_days: int, weeks: int) -> list[int]:
    """Origin day indices, oldest first: every 7 days back from the last whole horizon in the history."""
    last = matrix.days - horizon_days
    candidates = (last - DAYS_PER_WEEK * week for week in range(weeks))
    return sorted(origin for origin in candidates if origin >= MINIMUM_TRAINING_DAYS)


def run_backtest(
    matrix: DayMatrix,
    rows: ObservedRows,
    *,
    origins: Sequence[int],
    horizon_days: int,
    models: Sequence[ForecastModel],
    settings: ModelSettings,
    staffing: StaffingCheck | None,
    origin_instants: Sequence[datetime],
) -> BacktestReport:
    """Score every model from every origin on the open, non-holiday intervals of its horizon."""
    pooled: dict[ForecastModel, list[FloatArray]] = {model: [] for model in models}
    pooled_agents: dict[ForecastModel, list[IntArray]] = {model: [] for model in models}
    actual_parts: list[FloatArray] = []
    needed_parts: list[IntArray] = []
    day = rows.placement.day
    # Holidays are left out of the score: every model forecasts them closed alike.
    on_holiday = matrix.holiday[day]
    for origin in origins:
        train = matrix.head(origin)
        window = (day >= origin) & (day < origin + horizon_days) & ~on_holiday
        days, slots = day[window] - origin, rows.placement.slot[window]
        actual = rows.volume[window]
        actual_parts.append(actual)
        forecasts = {
            model: forecast_days(model, train, horizon_days=horizon_days, settings=settings) for model in models
        }
        for model, forecast in forecasts.items():
            pooled[model].append(forecast.volume[days, slots])
        if staffing is not None:
            plan_aht = _planned_aht(next(iter(forecasts.values())), days, slots, rows.aht_seconds[window], staffing)
            need_aht = np.where(np.isnan(rows.aht_seconds[window]), plan_aht, rows.aht_seconds[window])
            needed_parts.append(_agents(staffing, actual, need_aht))
            for model, forecast in forecasts.items():
                pooled_agents[model].append(_agents(staffing, forecast.volume[days, slots], plan_aht))
    actual_all = np.concatenate(actual_parts)
    scores = tuple(
        score_forecast(
            model=model,
            actual=actual_all,
            forecast=np.concatenate(pooled[model]),
            needed_agents=np.concatenate(needed_parts) if staffing is not None else None,
            planned_agents=np.concatenate(pooled_agents[model]) if staffing is not None else None,
            weights=staffing.weights if staffing is not None else None,
        )
        for model in models
    )
    chosen, decided_by = choose_model(scores)
    return BacktestReport(
        horizon_days=horizon_days,
        origins=tuple(origin_instants),
        scores=scores,
        chosen=chosen,
        decided_by=decided_by,
        staffing_weights=staffing.weights if staffing is not None else None,
    )


def backtest_history(
    history: IntervalHistory,
    laid_out: LaidOutHistory,
    *,
    horizon_days: int,
    zone: ZoneInfo,
    weeks: int,
    models: Sequence[ForecastModel],
    settings: ModelSettings,
    staffing: StaffingCheck | None,
) -> BacktestReport | None:
    """Backtest a laid-out history; None when no origin has two weeks before it and a horizon after."""
    if weeks < 1 or not models:
        raise ValueError("a backtest needs at least one week and one model")
    matrix = laid_out.matrix
    origins = backtest_origins(matrix, horizon_days=horizon_days, weeks=weeks)
    if not origins:
        return None
    handle_times = history.aht_seconds or (None,) * len(history)
    rows = ObservedRows(
        placement=laid_out.placement,
        volume=np.asarray(history.volumes, dtype=np.float64),
        aht_seconds=np.array([np.nan if aht is None else aht for aht in handle_times], dtype=np.float64),
    )
    return run_backtest(
        matrix,
        rows,
        origins=origins,
        horizon_days=horizon_days,
        models=tuple(dict.fromkeys(models)),
        settings=settings,
        staffing=staffing,
        origin_instants=[local_midnight_utc(matrix.date_of(origin), zone) for origin in origins],
    )


def staffing_check(
    history: IntervalHistory,
    *,
    agents_for: AgentsFor | None,
    weights: StaffingWeights,
    assumed_aht_seconds: float | None,
) -> StaffingCheck | None:
    """The staffing-error settings, or None without `agents_for`; refuses a check with no handle time."""
    if agents_for is None:
        return None
    if assumed_aht_seconds is not None and not assumed_aht_seconds > 0:
        raise ValueError(f"assumed_aht_seconds must be > 0, got {assumed_aht_seconds}")
    known_handle_time = history.aht_seconds is not None and any(aht is not None for aht in history.aht_seconds)
    if not known_handle_time and assumed_aht_seconds is None:
        raise ValueError("the staffing error needs a handle time: the history has none, so pass assumed_aht_seconds")
    return StaffingCheck(
        agents_for=agents_for,
        weights=weights,
        interval_seconds=history.interval_seconds,
        assumed_aht_seconds=assumed_aht_seconds,
    )


# Scores equal to nine decimals are a tie: exact periodic data gives baselines an error of
# exactly 0 and a fitted model one of 1e-12, which is no reason to prefer the fitted model.
TIE_DECIMALS = 9


def choose_model(scores: Sequence[ModelScore]) -> tuple[ForecastModel, str]:
    """Lowest weighted staffing error, then lowest WAPE, then the simpler model."""

    def key(score: ModelScore) -> tuple[float, float, int]:
        staffing = score.staffing_error if score.staffing_error is not None else 0.0
        return (round(staffing, TIE_DECIMALS), round(score.wape, TIE_DECIMALS), score.model.simplicity_rank)

    ranked = sorted(scores, key=key)
    if len(ranked) == 1:
        return ranked[0].model, "only model"
    best, runner_up = key(ranked[0]), key(ranked[1])
    if best[0] != runner_up[0]:
        return ranked[0].model, "staffing_error"
    if best[1] != runner_up[1]:
        return ranked[0].model, "wape"
    return ranked[0].model, "simplicity"


def _planned_aht(
    forecast: DayForecast, days: IntArray, slots: IntArray, observed: FloatArray, staffing: StaffingCheck
) -> FloatArray:
    # Plan on the handle-time forecast (the same for every model); without one, on the caller's
    # assumed handle time; failing both, on what was observed (the volume error is still scored).
    if forecast.aht_seconds is not None:
        planned = forecast.aht_seconds[days, slots]
    elif staffing.assumed_aht_seconds is not None:
        planned = np.full(days.shape, staffing.assumed_aht_seconds)
    else:
        planned = observed.copy()
    if np.isnan(planned).any():
        known = observed[~np.isnan(observed)]
        fallback = staffing.assumed_aht_seconds or (float(known.mean()) if known.size else math.nan)
        planned = np.where(np.isnan(planned), fallback, planned)
    return planned


def _agents(staffing: StaffingCheck, volume: FloatArray, aht_seconds: FloatArray) -> IntArray:
    agents = np.asarray(staffing.agents_for(volume, aht_seconds, staffing.interval_seconds), dtype=np.int64)
    if agents.shape != volume.shape:
        raise ValueError(f"agents_for returned {agents.shape} answers for {volume.shape} intervals")
    return agents
