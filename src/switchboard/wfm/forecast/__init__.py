"""Forecasting contact volume and handle time per interval, with rolling-origin backtests.

**Input.** One channel's history per call: volume (and optionally average handle time) per 15,
30 or 60-minute interval, UTC starts, read from `interval_start,volume[,aht_seconds]` CSV text or
built in code. An interval with no row was *closed*. Days, hours and weekdays are counted in the
contact centre's time zone, so 09:00 stays 09:00 across daylight-saving switches. The forecast
covers whole local days from the midnight after the last row (or from `horizon_start`, when the
days after the last row were closed, e.g. a weekend after an export that ran to Sunday).

**Closed hours and holidays.** An interval of the week that was closed in each of its last 4
(non-holiday) weeks is forecast closed (zero), and so is every interval of a listed holiday.
Closed intervals and holidays are *gaps*, never zero demand: the models skip them, so the week
after a holiday is forecast from the last open week, and averages leave closed weeks out.

**Models** (simplest first; the backtest's last tie-break prefers the simpler):

- `seasonal_naive`: each interval's value on its last open week. Exact for a pattern that
  repeats week to week; carries last week's noise and one-off events straight into next week.
- `weekly_average` / `weekly_median`: each interval's mean (median) over its last 4 open weeks.
  Smooths noise (the median also one-off spikes); lags a trend by about two weeks. For call-centre
  arrivals beyond two or three days ahead such historical averages are hard to beat (Taylor,
  Management Science 54(2), 2008).
- `daily_ets`: daily totals forecast by Holt-Winters exponential smoothing with a damped
  additive trend and an additive weekly cycle (statsmodels), split across the day by each
  weekday's intraday profile over its last 8 open days (each week older weighing 0.7 times as
  much). Follows growth or decline, though the damped trend still lags steep growth a little;
  needs 4 weeks for a trend and 2 for the weekly cycle (it falls back to weekday means below
  that, and says so).

Handle time, when the history has it, is forecast as a volume-weighted average per interval of
the week over the last 4 weeks with contacts, falling back to the overall average.

**Choosing.** The backtest forecasts from origins one week apart over the last 12 weeks, each
model seeing only the days before its origin, and scores MAE, WAPE, bias and — given an
`agents_for(volumes, aht_seconds, interval_seconds)` function (per-interval arrays in, agents per
interval out) such as Erlang C — the staffing
error: missing agents weigh 2, spare agents 1 (both configurable). The lowest staffing error
wins, then the lowest WAPE, then the simpler model; `forecast_best` uses the winner. A history
shorter than two weeks plus the horizon is not backtested: the weekly average is used and the
forecast says so.

**When to distrust the forecast.** None of the models knows about events (campaigns, outages,
billing runs, weather) or holidays it was not told about: a spike in the last week goes straight
into the seasonal naive, and an unlisted holiday reads as a closed day. A change of opening hours
takes up to 4 weeks to be learned as closed. The daily model assumes the intraday shape of a
weekday is stable; it is not around holidays and on daylight-saving days (the skipped hour
is dropped, the repeated one forecast twice). A backtest over 12 weeks judges those 12 weeks;
a model that won on a quiet summer can lose in the run-up to Christmas. Check `backtest.scores`
and `notes`, and compare forecast with actual as the weeks come in.
"""

from switchboard.wfm.forecast.backtest import DEFAULT_BACKTEST_WEEKS, MINIMUM_TRAINING_DAYS, AgentsFor, BacktestReport
from switchboard.wfm.forecast.csv_format import (
    DEFAULT_MAX_ROWS,
    HistoryCsvError,
    format_forecast_csv,
    format_history_csv,
    parse_history_csv,
)
from switchboard.wfm.forecast.forecasting import (
    Forecast,
    InsufficientHistory,
    backtest,
    forecast_best,
    forecast_with,
)
from switchboard.wfm.forecast.history import HistoryRow, IntervalHistory, InvalidHistory, history_from_rows
from switchboard.wfm.forecast.local_days import FloatArray, IntArray
from switchboard.wfm.forecast.models import ForecastModel
from switchboard.wfm.forecast.scoring import (
    ModelScore,
    StaffingWeights,
    bias,
    mean_absolute_error,
    staffing_error,
    weighted_absolute_percentage_error,
)

__all__ = [
    "DEFAULT_BACKTEST_WEEKS",
    "DEFAULT_MAX_ROWS",
    "MINIMUM_TRAINING_DAYS",
    "AgentsFor",
    "BacktestReport",
    "FloatArray",
    "Forecast",
    "ForecastModel",
    "HistoryCsvError",
    "HistoryRow",
    "InsufficientHistory",
    "IntArray",
    "IntervalHistory",
    "InvalidHistory",
    "ModelScore",
    "StaffingWeights",
    "backtest",
    "bias",
    "forecast_best",
    "forecast_with",
    "format_forecast_csv",
    "format_history_csv",
    "history_from_rows",
    "mean_absolute_error",
    "parse_history_csv",
    "staffing_error",
    "weighted_absolute_percentage_error",
]
