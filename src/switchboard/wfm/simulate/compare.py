"""What-if: a scenario simulated and priced by the matching Erlang formula, side by side.

The matching formula is Erlang C without patience and Erlang A (M/M/n+M) with it, fed each interval's mean
arrival rate, agents, mean handle time and mean patience, exactly as a planner would. The day's formula
values weight the intervals the way contact-centre reports do: by expected offered contacts (answered
contacts for ASA and service level over answered, agents for occupancy).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from switchboard.wfm.erlang import QueueMetrics, ServiceLevelDefinition, erlang_a_metrics, erlang_c_metrics
from switchboard.wfm.simulate.results import SimulatedMetrics, SimulationResult, simulate
from switchboard.wfm.simulate.scenario import DurationShape, Scenario
from switchboard.wfm.simulate.statistics import Estimate


class _Weight(StrEnum):
    """What the day's formula value of a metric averages its intervals by."""

    OFFERED = "offered"
    ANSWERED = "answered"
    AGENTS = "agents"


@dataclass(frozen=True, slots=True)
class _Metric:
    name: str
    formula: Callable[[QueueMetrics], float]
    simulated: Callable[[SimulatedMetrics], Estimate | None]
    weight: _Weight


def _service_level(definition: ServiceLevelDefinition) -> _Metric:
    answered_only = definition is ServiceLevelDefinition.ANSWERED_WITHIN_OVER_ANSWERED
    return _Metric(
        name=definition.value,
        formula=lambda formula: formula.service_levels[definition],
        simulated=lambda simulated: simulated.service_levels[definition],
        weight=_Weight.ANSWERED if answered_only else _Weight.OFFERED,
    )


_METRICS = (
    _Metric("probability_wait", lambda f: f.probability_wait, lambda s: s.probability_wait, _Weight.OFFERED),
    *(_service_level(definition) for definition in ServiceLevelDefinition),
    _Metric("asa_seconds", lambda f: f.asa_seconds, lambda s: s.asa_seconds, _Weight.ANSWERED),
    _Metric(
        "mean_wait_all_seconds", lambda f: f.mean_wait_all_seconds, lambda s: s.mean_wait_all_seconds, _Weight.OFFERED
    ),
    _Metric("abandon_rate", lambda f: f.abandon_rate, lambda s: s.abandon_rate, _Weight.OFFERED),
    _Metric("occupancy", lambda f: f.occupancy, lambda s: s.occupancy, _Weight.AGENTS),
)


@dataclass(frozen=True, slots=True)
class MetricComparison:
    name: str  # a QueueMetrics field name, or a ServiceLevelDefinition value for a service level
    formula: float
    simulated: Estimate
    within_confidence_interval: bool  # the formula's value lies inside the simulation's 95 % interval


@dataclass(frozen=True, slots=True)
class IntervalComparison:
    interval: int
    formula: QueueMetrics
    metrics: tuple[MetricComparison, ...]  # only metrics the simulation could measure in this interval


@dataclass(frozen=True, slots=True)
class Comparison:
    """Simulation and formula for a scenario, side by side.

    `departures` lists where the scenario breaks the formula's assumptions. When it is empty the two
    should agree: each formula value then falls inside its 95 % interval 19 times in 20, so with eight
    metrics one of them just outside is chance, while several far outside point to an error.
    """

    model: str  # "erlang_c" or "erlang_a"
    departures: tuple[str, ...]
    day: tuple[MetricComparison, ...]  # intervals after the warm-up
    intervals: tuple[IntervalComparison, ...]
    simulation: SimulationResult

    @property
    def assumptions_hold(self) -> bool:
        return not self.departures

    @property
    def agrees(self) -> bool:
        """Whether every day-level formula value lies inside the simulation's confidence interval."""
        return all(metric.within_confidence_interval for metric in self.day)

    def metric(self, name: str) -> MetricComparison:
        """The day-level comparison of one metric, by name."""
        for metric in self.day:
            if metric.name == name:
                return metric
        raise KeyError(name)


def compare_with_erlang(scenario: Scenario, *, replications: int, seed: int) -> Comparison:
    """Simulate the scenario and evaluate Erlang C (no patience) or Erlang A (patience) for every interval."""
    simulation = simulate(scenario, replications=replications, seed=seed)
    formulas = [_formula(scenario, k) for k in range(scenario.intervals)]
    intervals = tuple(
        IntervalComparison(interval=k, formula=formula, metrics=_compare(formula_values(formula), result.metrics))
        for k, (formula, result) in enumerate(zip(formulas, simulation.intervals, strict=True))
    )
    reported = range(scenario.warm_up_intervals, scenario.intervals)
    day_formula = {
        metric.name: _weighted(
            [metric.formula(formulas[k]) for k in reported],
            [_weight(formulas[k], scenario.contacts_per_interval[k], metric.weight) for k in reported],
        )
        for metric in _METRICS
    }
    return Comparison(
        model=formulas[0].model,
        departures=departures(scenario),
        day=_compare(day_formula, simulation.day),
        intervals=intervals,
        simulation=simulation,
    )


def formula_values(formula: QueueMetrics) -> dict[str, float]:
    """Every compared metric of a formula result, by name."""
    return {metric.name: metric.formula(formula) for metric in _METRICS}


def departures(scenario: Scenario) -> tuple[str, ...]:
    """Where the scenario breaks the assumptions of Erlang C / Erlang A, in words for the planner."""
    found = []
    handle_time = scenario.handle_time
    if handle_time.shape is not DurationShape.EXPONENTIAL:
        found.append(
            f"handle times are {handle_time.shape} (coefficient of variation "
            f"{handle_time.coefficient_of_variation:g}); the formula assumes exponential"
        )
    if scenario.patience is not None and scenario.patience.shape is not DurationShape.EXPONENTIAL:
        found.append(f"patience is {scenario.patience.shape}; Erlang A assumes exponential patience of the same mean")
    if scenario.within_interval_ramp:
        found.append(
            f"arrivals ramp by ±{abs(scenario.within_interval_ramp):.0%} inside each interval; "
            "the formula assumes a constant rate"
        )
    if len(set(scenario.contacts_per_interval)) > 1 or len(set(scenario.agents_per_interval)) > 1:
        found.append(
            "volume or staffing changes between intervals; the formula treats each interval as its own "
            "steady state, while queues carry over"
        )
    if scenario.warm_up_intervals == 0:
        found.append("the day starts empty and no warm-up is discarded; the formula describes a steady state")
    return tuple(found)


def _formula(scenario: Scenario, interval: int) -> QueueMetrics:
    if scenario.patience is None:
        return erlang_c_metrics(
            agents=scenario.agents_per_interval[interval],
            arrival_rate=scenario.arrival_rate(interval),
            aht_seconds=scenario.handle_time.mean_seconds,
            threshold_seconds=scenario.threshold_seconds,
            service_level_definition=scenario.service_level_definition,
        )
    return erlang_a_metrics(
        agents=scenario.agents_per_interval[interval],
        arrival_rate=scenario.arrival_rate(interval),
        aht_seconds=scenario.handle_time.mean_seconds,
        patience_seconds=scenario.patience.mean_seconds,
        threshold_seconds=scenario.threshold_seconds,
        service_level_definition=scenario.service_level_definition,
    )


def _weight(formula: QueueMetrics, expected_contacts: float, kind: _Weight) -> float:
    if kind is _Weight.AGENTS:
        return float(formula.agents)
    if kind is _Weight.ANSWERED:
        return expected_contacts * (1.0 - formula.abandon_rate)
    return expected_contacts


def _weighted(values: Sequence[float], weights: Sequence[float]) -> float:
    """Weighted mean over the intervals with positive weight; NaN if none has any."""
    pairs = [(value, weight) for value, weight in zip(values, weights, strict=True) if weight > 0]
    total = math.fsum(weight for _, weight in pairs)
    if total == 0:
        return math.nan
    return math.fsum(value * weight for value, weight in pairs) / total


def _compare(formula: dict[str, float], simulated: SimulatedMetrics) -> tuple[MetricComparison, ...]:
    compared = []
    for metric in _METRICS:
        estimate, value = metric.simulated(simulated), formula[metric.name]
        if estimate is None or math.isnan(value):  # nothing measured, or no interval to weigh
            continue
        compared.append(
            MetricComparison(
                name=metric.name,
                formula=value,
                simulated=estimate,
                within_confidence_interval=estimate.contains(value),
            )
        )
    return tuple(compared)
