"""The inverse problem: the fewest agents meeting every target, and why that many.

Every measure is monotone in the number of agents (more agents: more callers answered in time,
shorter waits, fewer hang-ups, lower occupancy), so "meets all targets" is false up to some n and true
from there on; the search looks for that n and checks it exactly (n meets every target, n − 1 does not).

- Erlang C starts at the first stable staffing, ⌊load⌋ + 1, or the occupancy bound if higher, and
  steps up one agent at a time, updating Erlang B by its recursion (O(1) per step; the answer lies
  a few √load above the start).
- Erlang A can need fewer agents than the load (callers who hang up free the line), so it gallops
  from n = load up or down by doubling steps and then bisects: about 2·log2(gap) evaluations.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from switchboard.wfm.erlang.erlang_b_c import erlang_b, probability_wait_from_blocking
from switchboard.wfm.erlang.errors import (
    MAX_AGENTS,
    InvalidQueueInput,
    require_duration,
    require_load,
    require_patience,
    require_rate,
)
from switchboard.wfm.erlang.metrics import erlang_a_metrics, erlang_c_metrics
from switchboard.wfm.erlang.results import QueueMetrics, ServiceLevelDefinition, StaffingResult, StaffingTargets
from switchboard.wfm.erlang.waiting import waiting_with_abandonment

# "Large" abandonment: above this share of callers hanging up, a staffing that meets its service level
# is reported with a warning (the example: 80/20 met at 1,000 Erlangs while 17 % abandon).
# 5 % is a common ceiling in call-centre practice (Gans, Koole & Mandelbaum 2003 report 5-10 % as typical).
LARGE_ABANDON_RATE = 0.05
# No valid target needs more than this many standard deviations of load above the load: by then
# P(wait) is below e^−800 and every probability has rounded to 0 or 1.
SEARCH_LIMIT_DEVIATIONS = 40.0
SEARCH_LIMIT_MARGIN = 100
# Below this load the Erlang A search starts from Erlang C's answer (see _erlang_a_search_start).
SMALL_LOAD_ERLANGS = 10.0


def unmet_targets(
    targets: StaffingTargets,
    *,
    service_levels: Mapping[ServiceLevelDefinition, float],
    asa_seconds: float,
    occupancy: float,
    abandon_rate: float,
) -> tuple[str, ...]:
    """Names of the targets these measures miss, in a fixed order; empty when all are met."""
    unmet: list[str] = []
    if targets.service_level is not None and service_levels[targets.service_level_definition] < targets.service_level:
        unmet.append("service_level")
    if targets.asa_seconds is not None and not asa_seconds <= targets.asa_seconds:
        unmet.append("asa")
    if targets.max_occupancy is not None and occupancy > targets.max_occupancy:
        unmet.append("occupancy")
    if targets.max_abandon_rate is not None and abandon_rate > targets.max_abandon_rate:
        unmet.append("abandon_rate")
    return tuple(unmet)


def staffing_warnings(metrics: QueueMetrics, targets: StaffingTargets, *, with_patience: bool) -> tuple[str, ...]:
    """Warnings a workforce manager must see next to the number of agents."""
    warnings: list[str] = []
    if not with_patience and targets.max_abandon_rate is not None:
        warnings.append("max_abandon_rate is ignored without a patience: Erlang C assumes nobody hangs up")
    abandon_ceiling = targets.max_abandon_rate if targets.max_abandon_rate is not None else math.inf
    if with_patience and metrics.abandon_rate > min(LARGE_ABANDON_RATE, abandon_ceiling):
        warnings.append(
            f"{metrics.abandon_rate:.1%} of contacts abandon at {metrics.agents} agents although the targets are met;"
            f" do not staff on service level alone: add a max_abandon_rate target (e.g. {LARGE_ABANDON_RATE:g})"
        )
    return tuple(warnings)


def search_limit(load_erlangs: float, targets: StaffingTargets) -> int:
    """An agent count every valid set of targets is met by (or else the targets are impossible)."""
    limit = math.ceil(load_erlangs + SEARCH_LIMIT_DEVIATIONS * math.sqrt(load_erlangs)) + SEARCH_LIMIT_MARGIN
    if targets.max_occupancy is not None:
        limit = max(limit, math.ceil(load_erlangs / targets.max_occupancy) + 1)
    return limit


def _impossible(limit: int) -> InvalidQueueInput:
    return InvalidQueueInput(f"no number of agents up to {limit} meets these targets; loosen them")


def _fewest_for_occupancy(load_erlangs: float, max_occupancy: float) -> int:
    # load/n <= max_occupancy, tested with the same floating expression the metrics use.
    bound = load_erlangs / max_occupancy
    if not bound <= MAX_AGENTS:  # a tiny occupancy cap: also catches an infinite quotient
        raise InvalidQueueInput(
            f"a maximum occupancy of {max_occupancy:g} would need more than {MAX_AGENTS:,} agents; raise it"
        )
    agents = max(1, math.ceil(bound))
    while agents > 1 and load_erlangs / (agents - 1) <= max_occupancy:
        agents -= 1
    while load_erlangs / agents > max_occupancy:
        agents += 1
    return agents


def _erlang_c_agents(*, arrival_rate: float, aht_seconds: float, targets: StaffingTargets) -> tuple[int, str]:
    """Fewest Erlang C agents and the binding target, stepping n up from the stability (or
    occupancy) floor. The measures are those of `waiting_without_abandonment`, written out with
    the same floating expressions (so the answers agree to the bit) because this loop is the hot
    path of every staffing plan: building the full measures per candidate cost 4× more."""
    load = arrival_rate * aht_seconds
    threshold = targets.threshold_seconds or 0.0
    service_level_target = targets.service_level
    asa_target = targets.asa_seconds
    occupancy_target = targets.max_occupancy
    agents, binding = math.floor(load) + 1, "stability"
    if occupancy_target is not None:
        occupancy_floor = _fewest_for_occupancy(load, occupancy_target)
        if occupancy_floor > agents:
            agents, binding = occupancy_floor, "occupancy"
    limit = search_limit(load, targets)
    blocking = erlang_b(load, agents)
    while True:
        departure_rate = agents / aht_seconds
        unmet = ""
        if arrival_rate >= departure_rate:  # only at the floor, if rounding put load/agents at exactly 1
            unmet = "stability"
        else:
            spare_rate = departure_rate - arrival_rate
            probability_wait = min(
                1.0,
                max(
                    0.0,
                    probability_wait_from_blocking(utilisation=arrival_rate / departure_rate, blocking=blocking),
                ),
            )
            if service_level_target is not None:
                service_level = min(1.0, max(0.0, 1.0 - probability_wait * math.exp(-spare_rate * threshold)))
                if service_level < service_level_target:
                    unmet = "service_level"
            if not unmet and asa_target is not None and not probability_wait / spare_rate <= asa_target:
                unmet = "asa"
            if not unmet and occupancy_target is not None and load / agents > occupancy_target:
                unmet = "occupancy"
        if not unmet:
            return agents, binding
        if agents >= limit:
            raise _impossible(limit)
        binding = unmet
        agents += 1
        blocking = load * blocking / (agents + load * blocking)  # Erlang B recursion, one step


def _erlang_a_agents(
    *, arrival_rate: float, aht_seconds: float, patience_seconds: float, targets: StaffingTargets
) -> tuple[int, str]:
    load = arrival_rate * aht_seconds
    threshold = targets.threshold_seconds or 0.0
    cache: dict[int, tuple[str, ...]] = {}

    def unmet_at(agents: int) -> tuple[str, ...]:
        if agents not in cache:
            measures = waiting_with_abandonment(
                arrival_rate=arrival_rate,
                blocking=erlang_b(load, agents),
                full_departure_rate=agents / aht_seconds,
                patience_seconds=patience_seconds,
                threshold_seconds=threshold,
                with_asa=targets.asa_seconds is not None,
            )
            cache[agents] = unmet_targets(
                targets,
                service_levels=measures.service_levels,
                asa_seconds=measures.asa_seconds,
                occupancy=min(1.0, (1.0 - measures.abandon_rate) * load / agents),
                abandon_rate=measures.abandon_rate,
            )
        return cache[agents]

    agents = fewest_meeting(
        lambda n: not unmet_at(n),
        start=_erlang_a_search_start(arrival_rate=arrival_rate, aht_seconds=aht_seconds, targets=targets),
        floor=1,
        limit=search_limit(load, targets),
    )
    if agents == 1:
        return agents, "at_least_one_agent"
    return agents, unmet_at(agents - 1)[0]


def _erlang_a_search_start(*, arrival_rate: float, aht_seconds: float, targets: StaffingTargets) -> int:
    """Where the Erlang A search starts: the load, except at small loads, where the answer is a
    few agents above the load (the safety margin dominates) and Erlang C's answer for the same
    targets is within an agent of it: there the search needs 2 Erlang A evaluations instead of 4
    (measured over the bench sweep; from 10 Erlangs up, the load is as near or nearer)."""
    load = arrival_rate * aht_seconds
    if load >= SMALL_LOAD_ERLANGS or (targets.service_level is None and targets.asa_seconds is None):
        return round(load)
    try:
        agents, _ = _erlang_c_agents(arrival_rate=arrival_rate, aht_seconds=aht_seconds, targets=targets)
    except InvalidQueueInput:
        return round(load)
    return agents


def fewest_meeting(meets: Callable[[int], bool], *, start: int, floor: int, limit: int) -> int:
    """Smallest n in [floor, limit] with meets(n), for a predicate false then true as n grows.

    Gallops from `start` by doubling steps (down if it meets, up if not), then bisects:
    about 2·log2(distance) calls. Raises `InvalidQueueInput` if even `limit` does not meet.
    """
    failing, meeting = floor - 1, None  # largest n known to fail, smallest n known to meet
    start = min(max(start, floor), limit)
    if meets(start):
        meeting, step = start, 1
        while meeting - step > failing:
            if meets(meeting - step):
                meeting, step = meeting - step, step * 2
            else:
                failing = meeting - step
    else:
        failing, step = start, 1
        while meeting is None:
            candidate = min(failing + step, limit)
            if meets(candidate):
                meeting = candidate
            elif candidate >= limit:
                raise _impossible(limit)
            else:
                failing, step = candidate, step * 2
    while meeting - failing > 1:
        middle = (failing + meeting) // 2
        if meets(middle):
            meeting = middle
        else:
            failing = middle
    return meeting


def required_agents(
    *,
    arrival_rate: float,
    aht_seconds: float,
    targets: StaffingTargets,
    patience_seconds: float | None = None,
) -> StaffingResult:
    """Fewest agents on the phone meeting every target: Erlang A if a patience is given, else Erlang C.

    Rates per second, times in seconds. Nothing arriving needs 0 agents. Erlang C never returns an
    unstable staffing. Raises `InvalidQueueInput` for invalid inputs, no target, or impossible targets.
    """
    rate = require_rate("arrival_rate", arrival_rate)
    handle = require_duration("aht_seconds", aht_seconds)
    patience = None if patience_seconds is None else require_patience(patience_seconds, handle_seconds=handle)
    if targets.is_empty:
        raise InvalidQueueInput("give at least one target: service level, ASA, occupancy or abandonment")
    require_load(rate * handle)
    threshold = targets.threshold_seconds or 0.0
    if rate == 0:
        agents, binding = 0, "no_demand"
    elif patience is None:
        agents, binding = _erlang_c_agents(arrival_rate=rate, aht_seconds=handle, targets=targets)
    else:
        agents, binding = _erlang_a_agents(
            arrival_rate=rate, aht_seconds=handle, patience_seconds=patience, targets=targets
        )
    if patience is None:
        metrics = erlang_c_metrics(
            agents=agents,
            arrival_rate=rate,
            aht_seconds=handle,
            threshold_seconds=threshold,
            service_level_definition=targets.service_level_definition,
        )
    else:
        metrics = erlang_a_metrics(
            agents=agents,
            arrival_rate=rate,
            aht_seconds=handle,
            patience_seconds=patience,
            threshold_seconds=threshold,
            service_level_definition=targets.service_level_definition,
        )
    warnings = staffing_warnings(metrics, targets, with_patience=patience is not None)
    return StaffingResult(agents=agents, metrics=metrics, binding_target=binding, warnings=warnings)
