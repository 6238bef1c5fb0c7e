"""Forecast error measures, in contacts and in the agents the error would cost.

MAE: mean absolute error per interval. WAPE: sum |forecast − actual| / sum actual, the MAD/mean
ratio of Kolassa & Schütz, "Advantages of the MAD/Mean ratio over the MAPE", Foresight 6,
2007, 40–43 (it stays defined when single intervals have no contacts, unlike MAPE; Hyndman &
Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed. (2021), §5.8). Bias: (sum forecast
− sum actual) / sum actual; positive means over-forecast.

Staffing error: for each interval, the agents the forecast would have planned against the
agents the actual volume needed; a missing agent weighs `under` (default 2), a spare one `over`
(default 1), and the weighted sum is divided by the number of intervals. Under-staffing weighs
more because a short interval costs service level, abandons and overtime, while a spare agent
costs one agent-interval of wages; 2 : 1 is a convention, not a law — set the weights to your
own cost of a missed service level against an idle agent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from switchboard.wfm.forecast.local_days import FloatArray, IntArray
from switchboard.wfm.forecast.models import ForecastModel

DEFAULT_UNDER_STAFFING_WEIGHT = 2.0
DEFAULT_OVER_STAFFING_WEIGHT = 1.0


@dataclass(frozen=True, slots=True)
class StaffingWeights:
    """Cost of one missing agent (`under`) and of one spare agent (`over`) for one interval."""

    under: float = DEFAULT_UNDER_STAFFING_WEIGHT
    over: float = DEFAULT_OVER_STAFFING_WEIGHT

    def __post_init__(self) -> None:
        if not (math.isfinite(self.under) and math.isfinite(self.over)) or self.under < 0 or self.over < 0:
            raise ValueError("staffing weights must be finite and >= 0")


@dataclass(frozen=True, slots=True)
class ModelScore:
    """One model's errors over every backtest interval pooled.

    The staffing fields are None when no agents_for function was given.
    """

    model: ForecastModel
    intervals: int
    total_actual: float
    total_forecast: float
    total_absolute_error: float
    mean_absolute_error: float
    wape: float
    bias: float
    staffing_error: float | None = None
    understaffed_agent_intervals: int | None = None
    overstaffed_agent_intervals: int | None = None


def mean_absolute_error(actual: FloatArray, forecast: FloatArray) -> float:
    """Mean |forecast − actual|; 0 for no intervals."""
    return float(np.abs(forecast - actual).mean()) if actual.size else 0.0


def weighted_absolute_percentage_error(actual: FloatArray, forecast: FloatArray) -> float:
    """sum |forecast − actual| / sum actual; with no actual volume, 0 if the forecast is 0 too, else inf."""
    return _ratio(float(np.abs(forecast - actual).sum()), float(actual.sum()))


def bias(actual: FloatArray, forecast: FloatArray) -> float:
    """(sum forecast − sum actual) / sum actual; with no actual volume, 0 if the forecast is 0 too, else inf."""
    return _ratio(float(forecast.sum() - actual.sum()), float(actual.sum()))


def staffing_error(*, needed_agents: IntArray, planned_agents: IntArray, weights: StaffingWeights) -> float:
    """Weighted missing and spare agents per interval: (under × missing + over × spare) / intervals."""
    if needed_agents.size == 0:
        return 0.0
    missing = np.maximum(needed_agents - planned_agents, 0).sum()
    spare = np.maximum(planned_agents - needed_agents, 0).sum()
    return float(weights.under * missing + weights.over * spare) / needed_agents.size


def score_forecast(
    *,
    model: ForecastModel,
    actual: FloatArray,
    forecast: FloatArray,
    needed_agents: IntArray | None = None,
    planned_agents: IntArray | None = None,
    weights: StaffingWeights | None = None,
) -> ModelScore:
    """All measures for one model; the staffing ones only if agents and weights are given."""
    score = ModelScore(
        model=model,
        intervals=int(actual.size),
        total_actual=float(actual.sum()),
        total_forecast=float(forecast.sum()),
        total_absolute_error=float(np.abs(forecast - actual).sum()),
        mean_absolute_error=mean_absolute_error(actual, forecast),
        wape=weighted_absolute_percentage_error(actual, forecast),
        bias=bias(actual, forecast),
    )
    if needed_agents is None or planned_agents is None or weights is None:
        return score
    return replace(
        score,
        staffing_error=staffing_error(needed_agents=needed_agents, planned_agents=planned_agents, weights=weights),
        understaffed_agent_intervals=int(np.maximum(needed_agents - planned_agents, 0).sum()),
        overstaffed_agent_intervals=int(np.maximum(planned_agents - needed_agents, 0).sum()),
    )


def _ratio(numerator: float, denominator: float) -> float:
    if denominator > 0:
        return numerator / denominator
    return 0.0 if numerator == 0 else math.inf
