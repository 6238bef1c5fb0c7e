"""Erlang C staffing for many intervals at once: the same answers as `required_agents`, vectorised.

A staffing plan or a forecast backtest asks the same question for hundreds or thousands of
intervals (a week of half-hours is 336). Asked one interval at a time, each answer costs a Python
call, validation and the full metrics (10-20 µs); here every interval steps up together in numpy
arrays and only the agent counts come back.

The maths is `staffing._erlang_c_agents` element-wise: start at the stability floor ⌊A⌋ + 1 (or
the occupancy floor), Erlang B there by the recursion B(n) = A·B(n−1) / (n + A·B(n−1)) up to
`RECURSION_MAX_AGENTS` agents and by the truncated Poisson ratio p(n) / P(N <= n) above
(Jagerman 1974, as in `erlang_b_c`), then step n up, one recursion step at a time, until every
target holds: P(wait) C = B / (1 − ρ(1 − B)), SL(T) = 1 − C·e^{−(nμ − λ)T}, ASA = C / (nμ − λ)
(Gans, Koole & Mandelbaum 2003). The tests hold every answer to `required_agents`' on random
inputs across 0.01 to 10,000 Erlangs.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammaincc

from switchboard.wfm.erlang.erlang_b_c import (
    HALF_LOG_TWO_PI,
    RECURSION_MAX_AGENTS,
    SMALLEST_POISSON_TAIL,
    STIRLING_COEFFICIENTS,
    erlang_b_by_recursion,
)
from switchboard.wfm.erlang.errors import MAX_AGENTS, MAX_LOAD_ERLANGS, SHORTEST_DURATION_SECONDS, InvalidQueueInput
from switchboard.wfm.erlang.results import StaffingTargets
from switchboard.wfm.erlang.staffing import SEARCH_LIMIT_DEVIATIONS, SEARCH_LIMIT_MARGIN

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def _as_array(name: str, values: ArrayLike, *, shape: tuple[int, ...] | None = None) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim > 1:
        raise InvalidQueueInput(f"{name} must be a number or a one-dimensional sequence of numbers")
    if shape is not None:
        array = np.broadcast_to(array, shape) if array.ndim == 0 else array
        if array.shape != shape:
            raise InvalidQueueInput(f"{name} must have one value per interval ({shape[0]}), got {array.shape[0]}")
    return array


def _validated(arrival_rates: ArrayLike, aht_seconds: ArrayLike) -> tuple[FloatArray, FloatArray]:
    rates = _as_array("arrival_rates", arrival_rates)
    rates = rates.reshape(-1) if rates.ndim == 0 else rates
    handle = _as_array("aht_seconds", aht_seconds, shape=rates.shape)
    bad_rate = ~np.isfinite(rates) | (rates < 0)
    if bad_rate.any():
        index = int(np.argmax(bad_rate))
        raise InvalidQueueInput(f"arrival_rates[{index}] must be a finite number >= 0, got {rates[index]!r}")
    bad_handle = ~np.isfinite(handle) | (handle < SHORTEST_DURATION_SECONDS)
    if bad_handle.any():
        index = int(np.argmax(bad_handle))
        raise InvalidQueueInput(
            f"aht_seconds[{index}] must be a finite number of seconds of at least {SHORTEST_DURATION_SECONDS:g},"
            f" got {handle[index]!r}"
        )
    loads = rates * handle
    too_large = ~(loads <= MAX_LOAD_ERLANGS)
    if too_large.any():
        index = int(np.argmax(too_large))
        raise InvalidQueueInput(
            f"interval {index} offers {loads[index]:,.0f} Erlangs; staffing is computed up to {MAX_LOAD_ERLANGS:,.0f}"
            " (check the volume, interval and handle time)"
        )
    return rates, np.ascontiguousarray(handle)


def _occupancy_floor(loads: FloatArray, max_occupancy: float) -> IntArray:
    # The fewest n with load/n <= max_occupancy, tested with the floating expression the scalar
    # search uses (`staffing._fewest_for_occupancy`): start at the ceiling and correct by one.
    agents = np.maximum(1, np.ceil(loads / max_occupancy)).astype(np.int64)
    lower = agents > 1
    while True:
        step_down = lower & (loads / np.maximum(agents - 1, 1) <= max_occupancy)
        if not step_down.any():
            break
        agents = agents - step_down
        lower = agents > 1
    while True:
        step_up = loads / agents > max_occupancy
        if not step_up.any():
            return agents
        agents = agents + step_up


def _log_poisson_large(shapes: FloatArray, means: FloatArray) -> FloatArray:
    """`erlang_b_c.log_poisson_density` element-wise for shapes above its Stirling threshold
    (every shape here exceeds `RECURSION_MAX_AGENTS`), with the same cancellation-free form."""
    relative_gap = (means - shapes) / shapes
    result: FloatArray = (
        shapes * (np.log1p(relative_gap) - relative_gap)
        - HALF_LOG_TWO_PI
        - 0.5 * np.log(shapes)
        - _stirling_corrections(shapes)
    )
    return result


def _stirling_corrections(shapes: FloatArray) -> FloatArray:
    inverse_square = 1.0 / (shapes * shapes)
    total = np.zeros_like(shapes)
    power = 1.0 / shapes
    for coefficient in STIRLING_COEFFICIENTS:
        total += coefficient * power
        power = power * inverse_square
    return total


def _erlang_b_many(loads: FloatArray, agents: IntArray) -> FloatArray:
    """Erlang B at each (load, agents), agents >= 1, as `erlang_b_c.erlang_b` computes it."""
    blocking = np.empty_like(loads)
    small = agents <= RECURSION_MAX_AGENTS
    if small.any():
        small_loads, small_agents = loads[small], agents[small]
        running = np.ones_like(small_loads)
        result = np.empty_like(small_loads)
        for servers in range(1, int(small_agents.max()) + 1):
            running = small_loads * running / (servers + small_loads * running)
            reached = small_agents == servers
            result[reached] = running[reached]
        blocking[small] = result
    large = ~small
    if large.any():
        large_loads, large_agents = loads[large], agents[large].astype(np.float64)
        tails = gammaincc(large_agents + 1.0, large_loads)
        usable = tails >= SMALLEST_POISSON_TAIL
        closed = np.empty_like(large_loads)
        closed[usable] = np.exp(_log_poisson_large(large_agents[usable], large_loads[usable]) - np.log(tails[usable]))
        for index in np.flatnonzero(~usable):  # P(N <= n) near underflow: the recursion, as the scalar path
            closed[index] = erlang_b_by_recursion(float(large_loads[index]), int(large_agents[index]))
        blocking[large] = closed
    return blocking


def erlang_c_agents_many(*, arrival_rates: ArrayLike, aht_seconds: ArrayLike, targets: StaffingTargets) -> IntArray:
    """For each interval, the fewest agents meeting every target under Erlang C: what
    `required_agents(...).agents` answers without a patience, for all intervals in one call.

    `arrival_rates` per second, one per interval; `aht_seconds` one per interval or one for all.
    Nothing arriving needs 0 agents. Raises `InvalidQueueInput` naming the first bad interval,
    for no target, or when some interval's targets cannot be met."""
    rates, handle = _validated(arrival_rates, aht_seconds)
    if targets.is_empty:
        raise InvalidQueueInput("give at least one target: service level, ASA, occupancy or abandonment")
    answers = np.zeros(rates.shape, dtype=np.int64)
    busy = np.flatnonzero(rates > 0)
    if busy.size == 0:
        return answers
    rate, handle = rates[busy], handle[busy]
    load = rate * handle
    threshold = targets.threshold_seconds or 0.0
    agents = np.floor(load).astype(np.int64) + 1
    if targets.max_occupancy is not None:
        if not (load / targets.max_occupancy <= MAX_AGENTS).all():
            raise InvalidQueueInput(
                f"a maximum occupancy of {targets.max_occupancy:g} would need more than {MAX_AGENTS:,} agents; raise it"
            )
        agents = np.maximum(agents, _occupancy_floor(load, targets.max_occupancy))
    limit = np.ceil(load + SEARCH_LIMIT_DEVIATIONS * np.sqrt(load)).astype(np.int64) + SEARCH_LIMIT_MARGIN
    if targets.max_occupancy is not None:
        limit = np.maximum(limit, np.ceil(load / targets.max_occupancy).astype(np.int64) + 1)
    blocking = _erlang_b_many(load, agents)
    pending = np.arange(busy.size)
    while pending.size:
        departure = agents / handle
        stable = rate < departure
        spare = np.where(stable, departure - rate, 1.0)
        utilisation = rate / departure
        probability_wait = np.clip(blocking / (1.0 - utilisation * (1.0 - blocking)), 0.0, 1.0)
        met = stable
        if targets.service_level is not None:
            service_level = np.clip(1.0 - probability_wait * np.exp(-spare * threshold), 0.0, 1.0)
            met = met & (service_level >= targets.service_level)
        if targets.asa_seconds is not None:
            met = met & (probability_wait / spare <= targets.asa_seconds)
        if targets.max_occupancy is not None:
            met = met & (load / agents <= targets.max_occupancy)
        answers[busy[pending[met]]] = agents[met]
        unmet = ~met
        if (agents[unmet] >= limit[unmet]).any():
            stuck = int(np.argmax(unmet & (agents >= limit)))
            raise InvalidQueueInput(
                f"interval {int(busy[pending[stuck]])}: no number of agents up to {int(limit[stuck])} meets these"
                " targets; loosen them"
            )
        pending, rate, handle, load, limit = pending[unmet], rate[unmet], handle[unmet], load[unmet], limit[unmet]
        agents, blocking = agents[unmet] + 1, blocking[unmet]
        blocking = load * blocking / (agents + load * blocking)  # Erlang B recursion, one step
    return answers
