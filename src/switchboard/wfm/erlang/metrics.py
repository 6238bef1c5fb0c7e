"""Erlang C and Erlang A performance of a given number of agents: the forward problem."""

from __future__ import annotations

from switchboard.wfm.erlang.erlang_b_c import erlang_b
from switchboard.wfm.erlang.errors import (
    require_agents,
    require_duration,
    require_patience,
    require_rate,
    require_threshold,
)
from switchboard.wfm.erlang.results import QueueMetrics, ServiceLevelDefinition
from switchboard.wfm.erlang.waiting import WaitingMeasures, waiting_with_abandonment, waiting_without_abandonment

HEADLINE_DEFINITION = ServiceLevelDefinition.ANSWERED_WITHIN_OVER_OFFERED


def occupancy_of(*, agents: int, load_erlangs: float, measures: WaitingMeasures) -> float:
    """Carried load per agent: (1 − abandon rate)·load / agents (Little's law on the agents), at most 1.

    With no agents but some arrivals it is 1.0, the convention of an unstable Erlang C queue.
    """
    if load_erlangs == 0:
        return 0.0
    if agents == 0 or not measures.stable:
        return 1.0
    return min(1.0, (1.0 - measures.abandon_rate) * load_erlangs / agents)


def build_metrics(
    *,
    model: str,
    agents: int,
    arrival_rate: float,
    aht_seconds: float,
    patience_seconds: float | None,
    threshold_seconds: float,
    load_erlangs: float,
    measures: WaitingMeasures,
    occupancy: float,
    service_level_definition: ServiceLevelDefinition,
) -> QueueMetrics:
    """Wrap waiting measures into the public `QueueMetrics`, with the named service level in front."""
    return QueueMetrics(
        model=model,
        agents=agents,
        arrival_rate=arrival_rate,
        aht_seconds=aht_seconds,
        patience_seconds=patience_seconds,
        threshold_seconds=threshold_seconds,
        load_erlangs=load_erlangs,
        stable=measures.stable,
        probability_wait=measures.probability_wait,
        service_level=measures.service_levels[service_level_definition],
        service_level_definition=service_level_definition,
        service_levels=dict(measures.service_levels),
        asa_seconds=measures.asa_seconds,
        mean_wait_all_seconds=measures.mean_wait_all_seconds,
        occupancy=occupancy,
        abandon_rate=measures.abandon_rate,
    )


def erlang_c_metrics(
    *,
    agents: int,
    arrival_rate: float,
    aht_seconds: float,
    threshold_seconds: float,
    service_level_definition: ServiceLevelDefinition = HEADLINE_DEFINITION,
) -> QueueMetrics:
    """M/M/n: P(wait), service level within `threshold_seconds`, ASA and occupancy for `agents` agents.

    Rates are per second, times in seconds. When load >= agents the queue is unstable and the metrics
    say so (stable=False, P(wait) 1, service level 0, ASA ∞, occupancy 1) instead of raising.
    """
    servers = require_agents("agents", agents)
    rate = require_rate("arrival_rate", arrival_rate)
    handle = require_duration("aht_seconds", aht_seconds)
    threshold = require_threshold("threshold_seconds", threshold_seconds)
    load = rate * handle
    measures = waiting_without_abandonment(
        arrival_rate=rate,
        blocking=erlang_b(load, servers),
        full_departure_rate=servers / handle,
        threshold_seconds=threshold,
    )
    return build_metrics(
        model="erlang_c",
        agents=servers,
        arrival_rate=rate,
        aht_seconds=handle,
        patience_seconds=None,
        threshold_seconds=threshold,
        load_erlangs=load,
        measures=measures,
        occupancy=occupancy_of(agents=servers, load_erlangs=load, measures=measures),
        service_level_definition=service_level_definition,
    )


def erlang_a_metrics(
    *,
    agents: int,
    arrival_rate: float,
    aht_seconds: float,
    patience_seconds: float,
    threshold_seconds: float,
    service_level_definition: ServiceLevelDefinition = HEADLINE_DEFINITION,
) -> QueueMetrics:
    """M/M/n+M (Erlang A): callers abandon after an exponential patience of mean `patience_seconds`.

    Reports P(wait), P(abandon), all three service-level definitions (headline: answered within the
    threshold over offered), ASA of answered callers and mean wait of all. Always stable.
    """
    servers = require_agents("agents", agents)
    rate = require_rate("arrival_rate", arrival_rate)
    handle = require_duration("aht_seconds", aht_seconds)
    patience = require_patience(patience_seconds, handle_seconds=handle)
    threshold = require_threshold("threshold_seconds", threshold_seconds)
    load = rate * handle
    measures = waiting_with_abandonment(
        arrival_rate=rate,
        blocking=erlang_b(load, servers),
        full_departure_rate=servers / handle,
        patience_seconds=patience,
        threshold_seconds=threshold,
    )
    return build_metrics(
        model="erlang_a",
        agents=servers,
        arrival_rate=rate,
        aht_seconds=handle,
        patience_seconds=patience,
        threshold_seconds=threshold,
        load_erlangs=load,
        measures=measures,
        occupancy=occupancy_of(agents=servers, load_erlangs=load, measures=measures),
        service_level_definition=service_level_definition,
    )
