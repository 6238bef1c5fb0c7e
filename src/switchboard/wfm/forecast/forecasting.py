"""Entry points: forecast with a named model, backtest every model, or forecast with the backtest's pick."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from switchboard.wfm.forecast.backtest import (
    DEFAULT_BACKTEST_WEEKS,
    MINIMUM_TRAINING_DAYS,
    AgentsFor,
    BacktestReport,
    backtest_history,
    staffing_check,
)
from switchboard.wfm.forecast.history import IntervalHistory
from switchboard.wfm.forecast.local_days import (
    DAYS_PER_WEEK,
    LaidOutHistory,
    horizon_intervals,
    lay_out_history,
)
from switchboard.wfm.forecast.models import (
    DEFAULT_CLOSED_AFTER_WEEKS,
    DEFAULT_PROFILE_WEEKS,
    ForecastModel,
    ModelSettings,
    forecast_days,
)
from switchboard.wfm.forecast.scoring import (
    DEFAULT_OVER_STAFFING_WEIGHT,
    DEFAULT_UNDER_STAFFING_WEIGHT,
    StaffingWeights,
)

UTC_ZONE = ZoneInfo("UTC")
# Every weekday must have been seen once before its profile can be forecast.
MINIMUM_HISTORY_DAYS = DAYS_PER_WEEK
MAXIMUM_HORIZON_DAYS = 366
FALLBACK_MODEL = ForecastModel.WEEKLY_AVERAGE


class InsufficientHistory(ValueError):
    """The history is too short for what was asked (a forecast needs a week, a backtest more)."""


@dataclass(frozen=True, slots=True)
class Forecast:
    """Volume (and handle time, if the history had it) for every interval of the horizon.

    The horizon is `horizon_days` whole local days starting at the local midnight after the
    history's last interval; `interval_starts` are UTC. A closed interval has volume 0 and
    `closed` True. `backtest` is the report that chose `model`, if one was run; `notes` say
    what the forecast could not do as asked (short history, fallbacks).
    """

    model: ForecastModel
    interval_minutes: int
    zone: str
    interval_starts: tuple[datetime, ...]
    volumes: tuple[float, ...]
    aht_seconds: tuple[float, ...] | None
    closed: tuple[bool, ...]
    backtest: BacktestReport | None = None
    notes: tuple[str, ...] = ()


def forecast_with(
    model: ForecastModel | str,
    history: IntervalHistory,
    *,
    horizon_days: int,
    zone: ZoneInfo = UTC_ZONE,
    holidays: Collection[date] = (),
    horizon_start: date | None = None,
    closed_after_weeks: int = DEFAULT_CLOSED_AFTER_WEEKS,
    profile_weeks: int = DEFAULT_PROFILE_WEEKS,
) -> Forecast:
    """Forecast the horizon after `history` with one model, without a backtest.

    `zone` is the contact centre's time zone, where days and hours of the week are counted;
    `holidays` are local dates forecast closed and ignored in the history. The horizon starts at
    local midnight of `horizon_start`, by default the day after the last row; a later start
    says the days in between were closed (e.g. a weekend after an export that ran to Sunday).
    """
    laid_out = _lay_out(history, horizon_days=horizon_days, zone=zone, holidays=holidays, horizon_start=horizon_start)
    settings = ModelSettings(closed_after_weeks=closed_after_weeks, profile_weeks=profile_weeks)
    return _forecast(_model_named(model), history, laid_out, horizon_days=horizon_days, zone=zone, settings=settings)


def backtest(
    history: IntervalHistory,
    *,
    horizon_days: int,
    zone: ZoneInfo = UTC_ZONE,
    holidays: Collection[date] = (),
    horizon_start: date | None = None,
    backtest_weeks: int = DEFAULT_BACKTEST_WEEKS,
    models: Sequence[ForecastModel] = tuple(ForecastModel),
    agents_for: AgentsFor | None = None,
    under_staffing_weight: float = DEFAULT_UNDER_STAFFING_WEIGHT,
    over_staffing_weight: float = DEFAULT_OVER_STAFFING_WEIGHT,
    assumed_aht_seconds: float | None = None,
    closed_after_weeks: int = DEFAULT_CLOSED_AFTER_WEEKS,
    profile_weeks: int = DEFAULT_PROFILE_WEEKS,
) -> BacktestReport:
    """Rolling-origin backtest of `models` from origins 7 days apart over the last `backtest_weeks` weeks.

    `zone`, `holidays` and `horizon_start` mean what they mean for `forecast_with`; the last
    origin's horizon ends where the forecast's would begin. Each origin's forecast sees only the
    days before it. With `agents_for` (volume per interval, handle time in seconds, interval
    length in seconds → agents, e.g. Erlang C), each model's staffing error is scored too and
    decides the pick; handle time comes from the history, or `assumed_aht_seconds` when it has
    none. Raises `InsufficientHistory` when no origin has two weeks of history before it and a
    whole horizon after it.
    """
    laid_out = _lay_out(history, horizon_days=horizon_days, zone=zone, holidays=holidays, horizon_start=horizon_start)
    settings = ModelSettings(closed_after_weeks=closed_after_weeks, profile_weeks=profile_weeks)
    weights = StaffingWeights(under=under_staffing_weight, over=over_staffing_weight)
    report = _scored_backtest(
        history,
        laid_out,
        horizon_days=horizon_days,
        zone=zone,
        weeks=backtest_weeks,
        models=models,
        settings=settings,
        agents_for=agents_for,
        weights=weights,
        assumed_aht_seconds=assumed_aht_seconds,
    )
    if report is None:
        raise InsufficientHistory(_too_short_for_backtest(laid_out, horizon_days))
    return report


def forecast_best(
    history: IntervalHistory,
    *,
    horizon_days: int,
    zone: ZoneInfo = UTC_ZONE,
    holidays: Collection[date] = (),
    horizon_start: date | None = None,
    backtest_weeks: int = DEFAULT_BACKTEST_WEEKS,
    models: Sequence[ForecastModel] = tuple(ForecastModel),
    agents_for: AgentsFor | None = None,
    under_staffing_weight: float = DEFAULT_UNDER_STAFFING_WEIGHT,
    over_staffing_weight: float = DEFAULT_OVER_STAFFING_WEIGHT,
    assumed_aht_seconds: float | None = None,
    closed_after_weeks: int = DEFAULT_CLOSED_AFTER_WEEKS,
    profile_weeks: int = DEFAULT_PROFILE_WEEKS,
) -> Forecast:
    """Backtest (see `backtest`), then forecast with the model it picks, carrying the report.

    If the history is too short to backtest, forecasts with the weekly average instead and says
    so in `notes` (`backtest` is then None).
    """
    laid_out = _lay_out(history, horizon_days=horizon_days, zone=zone, holidays=holidays, horizon_start=horizon_start)
    settings = ModelSettings(closed_after_weeks=closed_after_weeks, profile_weeks=profile_weeks)
    weights = StaffingWeights(under=under_staffing_weight, over=over_staffing_weight)
    report = _scored_backtest(
        history,
        laid_out,
        horizon_days=horizon_days,
        zone=zone,
        weeks=backtest_weeks,
        models=models,
        settings=settings,
        agents_for=agents_for,
        weights=weights,
        assumed_aht_seconds=assumed_aht_seconds,
    )
    if report is None:
        note = f"{_too_short_for_backtest(laid_out, horizon_days)}; {FALLBACK_MODEL} used without a backtest"
        forecast = _forecast(FALLBACK_MODEL, history, laid_out, horizon_days=horizon_days, zone=zone, settings=settings)
        return replace(forecast, notes=(note, *forecast.notes))
    forecast = _forecast(report.chosen, history, laid_out, horizon_days=horizon_days, zone=zone, settings=settings)
    return replace(forecast, backtest=report)


def _scored_backtest(
    history: IntervalHistory,
    laid_out: LaidOutHistory,
    *,
    horizon_days: int,
    zone: ZoneInfo,
    weeks: int,
    models: Sequence[ForecastModel],
    settings: ModelSettings,
    agents_for: AgentsFor | None,
    weights: StaffingWeights,
    assumed_aht_seconds: float | None,
) -> BacktestReport | None:
    """The backtest both entry points run, staffing error included when `agents_for` is given."""
    staffing = staffing_check(history, agents_for=agents_for, weights=weights, assumed_aht_seconds=assumed_aht_seconds)
    return backtest_history(
        history,
        laid_out,
        horizon_days=horizon_days,
        zone=zone,
        weeks=weeks,
        models=models,
        settings=settings,
        staffing=staffing,
    )


def _model_named(model: ForecastModel | str) -> ForecastModel:
    try:
        return ForecastModel(model)
    except ValueError:
        names = ", ".join(known.value for known in ForecastModel)
        raise ValueError(f"unknown forecast model {model!r}; choose one of {names}") from None


def _lay_out(
    history: IntervalHistory,
    *,
    horizon_days: int,
    zone: ZoneInfo,
    holidays: Collection[date],
    horizon_start: date | None,
) -> LaidOutHistory:
    if not 1 <= horizon_days <= MAXIMUM_HORIZON_DAYS:
        raise ValueError(f"horizon_days must be between 1 and {MAXIMUM_HORIZON_DAYS}, got {horizon_days}")
    if not history.interval_starts:
        raise InsufficientHistory("the history has no intervals")
    laid_out = lay_out_history(history, zone=zone, holidays=holidays, ends_before=horizon_start)
    if laid_out.matrix.days < MINIMUM_HISTORY_DAYS:
        raise InsufficientHistory(
            f"the history covers {laid_out.matrix.days} local days; a forecast needs at least {MINIMUM_HISTORY_DAYS} "
            "(if the centre was closed on the days after the last row, say so with horizon_start)"
        )
    return laid_out


def _forecast(
    model: ForecastModel,
    history: IntervalHistory,
    laid_out: LaidOutHistory,
    *,
    horizon_days: int,
    zone: ZoneInfo,
    settings: ModelSettings,
) -> Forecast:
    matrix = laid_out.matrix
    day_forecast = forecast_days(model, matrix, horizon_days=horizon_days, settings=settings)
    horizon = horizon_intervals(
        first_day=matrix.date_of(matrix.days),
        days=horizon_days,
        zone=zone,
        interval_minutes=history.interval_minutes,
        phase_seconds=int(history.interval_starts[0].timestamp()) % history.interval_seconds,
    )
    where = (horizon.placement.day, horizon.placement.slot)
    notes = day_forecast.notes
    if not matrix.complete[laid_out.last_row_day]:
        last_day = matrix.date_of(laid_out.last_row_day)
        notes = (f"the last day with rows ({last_day}) looks partly covered; it is left out of daily totals", *notes)
    aht = day_forecast.aht_seconds
    return Forecast(
        model=model,
        interval_minutes=history.interval_minutes,
        zone=zone.key,
        interval_starts=horizon.starts,
        volumes=tuple(float(volume) for volume in day_forecast.volume[where]),
        aht_seconds=None if aht is None else tuple(float(seconds) for seconds in aht[where]),
        closed=tuple(bool(flag) for flag in day_forecast.closed[where]),
        notes=notes,
    )


def _too_short_for_backtest(laid_out: LaidOutHistory, horizon_days: int) -> str:
    return (
        f"the history covers {laid_out.matrix.days} local days, too few to backtest a {horizon_days}-day horizon "
        f"(needs {MINIMUM_TRAINING_DAYS + horizon_days})"
    )
