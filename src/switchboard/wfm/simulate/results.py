"""Run replications of a scenario and summarise every metric with its confidence interval."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from switchboard.wfm.erlang import ServiceLevelDefinition
from switchboard.wfm.simulate.engine import run_replication
from switchboard.wfm.simulate.scenario import InvalidScenario, Scenario
from switchboard.wfm.simulate.statistics import Estimate, estimate, estimate_count
from switchboard.wfm.simulate.tally import Tallies, tally


@dataclass(frozen=True, slots=True)
class SimulatedMetrics:
    """Metrics over a span of intervals, each a mean over replications with its 95 % confidence interval.

    Ratios are computed per replication, then averaged. A ratio is None when no replication had anything
    to measure (no contact offered, none answered, no agent staffed). Unresolved contacts (no agent left,
    no patience) count as offered and not within the threshold, and are left out of mean waits.
    """

    offered: Estimate
    answered: Estimate
    abandoned: Estimate
    unresolved: Estimate
    service_level_definition: ServiceLevelDefinition
    service_level: Estimate | None  # by `service_level_definition`
    service_levels: Mapping[ServiceLevelDefinition, Estimate | None]
    probability_wait: Estimate | None  # found every agent busy
    asa_seconds: Estimate | None  # mean wait of answered contacts
    mean_wait_all_seconds: Estimate | None  # mean wait of answered and abandoned contacts
    abandon_rate: Estimate | None  # abandoned over offered
    occupancy: Estimate | None  # agent time busy over agent time staffed, within the intervals


@dataclass(frozen=True, slots=True)
class IntervalResult:
    interval: int
    start_seconds: float
    agents: int
    expected_contacts: float
    warm_up: bool  # left out of the day's totals
    metrics: SimulatedMetrics


@dataclass(frozen=True, slots=True)
class SimulationResult:
    scenario: Scenario
    replications: int
    seed: int
    day: SimulatedMetrics  # every interval after the warm-up
    intervals: tuple[IntervalResult, ...]
    waiting_at_close: Estimate  # contacts still queued when the last interval ends (the day's agents stay on)


def simulate(scenario: Scenario, *, replications: int, seed: int) -> SimulationResult:
    """Simulate `replications` independent days of the scenario, each starting empty.

    Replication r draws from the r-th child of `numpy.random.SeedSequence(seed)`, so a seed gives the same
    result on every machine and adding replications keeps the earlier ones.
    """
    if replications < 1:
        raise InvalidScenario(f"at least one replication is needed, got {replications}")
    days = []
    waiting_at_close = np.empty(replications)
    for index, child in enumerate(np.random.SeedSequence(seed).spawn(replications)):
        record = run_replication(scenario, child)
        days.append(tally(record, scenario))
        close = scenario.close_seconds
        still_waiting = (record.answer_seconds > close) & (record.abandon_seconds > close)
        waiting_at_close[index] = float(np.count_nonzero(still_waiting))
    tallies = Tallies.stack(days)
    definition = scenario.service_level_definition
    intervals = tuple(
        IntervalResult(
            interval=k,
            start_seconds=k * scenario.interval_seconds,
            agents=scenario.agents_per_interval[k],
            expected_contacts=scenario.contacts_per_interval[k],
            warm_up=k < scenario.warm_up_intervals,
            metrics=summarise(tallies.at(k), definition),
        )
        for k in range(scenario.intervals)
    )
    return SimulationResult(
        scenario=scenario,
        replications=replications,
        seed=seed,
        day=summarise(tallies.over(slice(scenario.warm_up_intervals, None)), definition),
        intervals=intervals,
        waiting_at_close=estimate_count(waiting_at_close),
    )


def summarise(tallies: Tallies, definition: ServiceLevelDefinition) -> SimulatedMetrics:
    """Metrics from per-replication totals (arrays with one value per replication)."""
    offered = tallies.offered
    resolved = tallies.answered + tallies.abandoned
    service_levels = {
        ServiceLevelDefinition.ANSWERED_WITHIN_OVER_OFFERED: estimate(
            _ratio(tallies.answered_within_threshold, offered)
        ),
        ServiceLevelDefinition.ANSWERED_WITHIN_OVER_ANSWERED: estimate(
            _ratio(tallies.answered_within_threshold, tallies.answered)
        ),
        ServiceLevelDefinition.SHORT_ABANDONS_MET: estimate(
            _ratio(tallies.answered_within_threshold + tallies.abandoned_within_threshold, offered)
        ),
    }
    return SimulatedMetrics(
        offered=estimate_count(offered),
        answered=estimate_count(tallies.answered),
        abandoned=estimate_count(tallies.abandoned),
        unresolved=estimate_count(tallies.unresolved),
        service_level_definition=definition,
        service_level=service_levels[definition],
        service_levels=service_levels,
        probability_wait=estimate(_ratio(tallies.waited, offered)),
        asa_seconds=estimate(_ratio(tallies.answered_wait_seconds, tallies.answered)),
        mean_wait_all_seconds=estimate(_ratio(tallies.resolved_wait_seconds, resolved)),
        abandon_rate=estimate(_ratio(tallies.abandoned, offered)),
        occupancy=estimate(_ratio(tallies.busy_seconds, tallies.staffed_seconds)),
    )


def _ratio(numerator: NDArray[np.float64], denominator: NDArray[np.float64]) -> NDArray[np.float64]:
    """numerator / denominator, NaN where the denominator is zero (without a division warning)."""
    quotient: NDArray[np.float64] = np.divide(
        numerator, denominator, out=np.full(numerator.shape, np.nan), where=denominator > 0
    )
    return quotient
