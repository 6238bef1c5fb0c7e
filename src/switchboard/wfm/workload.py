"""Workload of channels that are not phone calls: chat with concurrency, and deferred work (email, back office).

Chat with concurrency
---------------------
An agent may hold up to k chats at once. The model is a birth–death chain on the number of chats in
the system, in the spirit of Tezcan & Zhang (2014), "Routing and staffing in customer service chat
systems with impatient customers", Operations Research 62(4):943-956:

- chats arrive as a Poisson stream and are routed to the least busy agent, so the c chats in service
  are spread as evenly as possible over the n agents;
- an agent holding c chats finishes each of them at rate 1/h(c), where h(c) is the mean duration of a
  chat while its agent handles c at once (so its throughput is c/h(c) chats per second); with a single
  handle time, h is the same at every c and the model is exactly M/M/(n·k): each agent is k "slots";
- when all n·k slots are taken, chats wait first come first served (and, given a patience, leave after
  an exponential patience), and the queue drains at the constant rate n·k/h(k); the waiting-time
  formulas of Erlang C and Erlang A (`switchboard.wfm.erlang.waiting`) then apply unchanged.

Limits: durations are exponential and chats independent (customers typing in bursts are not); h(c)
must be measured at each concurrency (durations measured at full concurrency give the slots model);
agents are identical; an agent's throughput is assumed to grow with each extra chat at a decreasing
pace (concave) for the fast staffing search; otherwise it scans every staffing level from a lower
bound, which is exact but slower. Occupancy is the share of chat slots in use.

Deferred work (email, back office)
----------------------------------
Items arriving in an interval must be finished within the response target, which runs while the desk
is open (as business-hours SLAs do): an item that arrives in interval i is due by the end of the L-th
open interval counting from the first open interval at or after i, L = ⌊target / interval⌋ (at least 1).
Counting from the start of the arrival interval is the safe side: an item arriving late in the
interval still gets its full target. Work is fluid (items may be split across intervals), is done
first in first out, and cannot start before the item arrives.

Rule for the agents required per interval: the cumulative work done must stay between the cumulative
work due (below) and the cumulative work arrived (above). Among all such curves the "taut string"
(the shortest path between the two) has the smallest peak and the smallest value of every convex cost
of the per-interval capacity — the same critical-interval optimum as Yao, Demers & Shenker (1995),
"A scheduling model for reduced CPU energy", FOCS, for jobs whose deadlines follow their arrivals.
Each open interval, the first slope of the taut string from the work done so far is rounded up to
whole agents, the agents work as far ahead as that capacity and the arrived work allow, and the rest
is re-planned from there. Every item is then done by its deadline, and the peak is the smallest any
plan can have. Work not due before the horizon ends is left as backlog and reported.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from switchboard.wfm.erlang.errors import (
    InvalidQueueInput,
    require_agents,
    require_duration,
    require_load,
    require_patience,
    require_rate,
    require_threshold,
    require_whole,
)
from switchboard.wfm.erlang.metrics import HEADLINE_DEFINITION, build_metrics
from switchboard.wfm.erlang.results import QueueMetrics, ServiceLevelDefinition, StaffingResult, StaffingTargets
from switchboard.wfm.erlang.staffing import fewest_meeting, search_limit, staffing_warnings, unmet_targets
from switchboard.wfm.erlang.waiting import WaitingMeasures, waiting_with_abandonment, waiting_without_abandonment

# Agents needed in an interval are rounded up, after forgiving float noise this small (in agents).
ROUNDING_SLACK_AGENTS = 1e-9


# --- chat with concurrency -------------------------------------------------------------------------


def _chat_handle_times(chat_handle_seconds: float | Sequence[float], concurrency: int) -> tuple[float, ...]:
    slots = require_whole("concurrency", concurrency, unit="chats per agent")
    if slots < 1:
        raise InvalidQueueInput("concurrency must be at least 1 chat per agent")
    if isinstance(chat_handle_seconds, int | float):
        return (require_duration("chat_handle_seconds", chat_handle_seconds),) * slots
    handle_times = tuple(require_duration("chat_handle_seconds", value) for value in chat_handle_seconds)
    if len(handle_times) != slots:
        raise InvalidQueueInput(
            f"give one chat handle time per concurrency level 1..{slots}, got {len(handle_times)} values"
        )
    return handle_times


def _throughput_per_agent(handle_times: tuple[float, ...]) -> NDArray[np.float64]:
    """f(c) = c / h(c) for c = 0..k, padded with one unused entry (for the balanced-routing formula)."""
    chats = np.arange(len(handle_times) + 1, dtype=np.float64)
    return np.concatenate(([0.0], chats[1:] / np.asarray(handle_times, dtype=np.float64), [0.0]))


def _has_diminishing_returns(handle_times: tuple[float, ...]) -> bool:
    """Non-decreasing, concave throughput: spreading chats over more agents never slows them down."""
    gains = np.diff(_throughput_per_agent(handle_times)[:-1])
    slack = 1e-12 * float(np.abs(gains).max())
    return bool(np.all(gains >= -slack) and np.all(np.diff(gains) <= slack))


def _chat_measures(
    *,
    agents: int,
    arrival_rate: float,
    handle_times: tuple[float, ...],
    patience_seconds: float | None,
    threshold_seconds: float,
    with_asa: bool = True,
) -> tuple[WaitingMeasures, float]:
    """Waiting measures and slot occupancy of the chat chain (see module docstring)."""
    slots = agents * len(handle_times)
    if arrival_rate == 0 or slots == 0:
        blocking, full_rate, mean_below = 1.0, 0.0, 0.0
    else:
        throughput = _throughput_per_agent(handle_times)
        chats = np.arange(1, slots + 1)
        level, extra = np.divmod(chats, agents)  # `extra` agents hold level+1 chats, the others `level`
        rates = extra * throughput[level + 1] + (agents - extra) * throughput[level]
        log_weights = np.concatenate(([0.0], np.cumsum(math.log(arrival_rate) - np.log(rates))))
        weights = np.exp(log_weights - log_weights.max())
        below = float(weights[:-1].sum())
        blocking = float(weights[-1]) / (below + float(weights[-1]))
        mean_below = float(np.dot(np.arange(slots, dtype=np.float64), weights[:-1])) / below if below > 0 else 0.0
        full_rate = float(rates[-1])
    if patience_seconds is None:
        measures = waiting_without_abandonment(
            arrival_rate=arrival_rate,
            blocking=blocking,
            full_departure_rate=full_rate,
            threshold_seconds=threshold_seconds,
        )
    else:
        measures = waiting_with_abandonment(
            arrival_rate=arrival_rate,
            blocking=blocking,
            full_departure_rate=full_rate,
            patience_seconds=patience_seconds,
            threshold_seconds=threshold_seconds,
            with_asa=with_asa,
        )
    if arrival_rate == 0:
        return measures, 0.0
    if slots == 0 or not measures.stable:
        return measures, 1.0
    in_service = (1.0 - measures.probability_wait) * mean_below + measures.probability_wait * slots
    return measures, min(1.0, in_service / slots)


def chat_metrics(
    *,
    agents: int,
    arrival_rate: float,
    chat_handle_seconds: float | Sequence[float],
    concurrency: int,
    threshold_seconds: float,
    patience_seconds: float | None = None,
    service_level_definition: ServiceLevelDefinition = HEADLINE_DEFINITION,
) -> QueueMetrics:
    """Performance of `agents` agents each handling up to `concurrency` chats at once.

    `chat_handle_seconds` is one duration (measured at full concurrency: the slots model) or one per
    concurrency level 1..k. Reported `aht_seconds` is h(k) and `load_erlangs` = arrival_rate·h(k), in
    chats; occupancy is the share of the agents·k slots in use. Patience given: abandonment (Erlang A).
    """
    servers = require_agents("agents", agents)
    rate = require_rate("arrival_rate", arrival_rate)
    handle_times = _chat_handle_times(chat_handle_seconds, concurrency)
    threshold = require_threshold("threshold_seconds", threshold_seconds)
    patience = None if patience_seconds is None else require_patience(patience_seconds, handle_seconds=handle_times[-1])
    measures, occupancy = _chat_measures(
        agents=servers,
        arrival_rate=rate,
        handle_times=handle_times,
        patience_seconds=patience,
        threshold_seconds=threshold,
    )
    return build_metrics(
        model="chat_erlang_c" if patience is None else "chat_erlang_a",
        agents=servers,
        arrival_rate=rate,
        aht_seconds=handle_times[-1],
        patience_seconds=patience,
        threshold_seconds=threshold,
        load_erlangs=rate * handle_times[-1],
        measures=measures,
        occupancy=occupancy,
        service_level_definition=service_level_definition,
    )


def _chat_floor(
    *, arrival_rate: float, handle_times: tuple[float, ...], targets: StaffingTargets, with_patience: bool
) -> int:
    """Agents below which the targets are provably unmet (throughput per agent is at most max f(c))."""
    agents_at_best_pace = arrival_rate / float(_throughput_per_agent(handle_times).max())
    if not with_patience:
        return math.floor(agents_at_best_pace) + 1  # fewer cannot keep up: the queue would grow forever
    served_share = 0.0  # answered within T over offered, and 1 − abandonment, cannot exceed capacity / demand
    if targets.service_level is not None and targets.service_level_definition is HEADLINE_DEFINITION:
        served_share = targets.service_level
    if targets.max_abandon_rate is not None:
        served_share = max(served_share, 1.0 - targets.max_abandon_rate)
    return max(1, math.floor(served_share * agents_at_best_pace))


def required_chat_agents(
    *,
    arrival_rate: float,
    chat_handle_seconds: float | Sequence[float],
    concurrency: int,
    targets: StaffingTargets,
    patience_seconds: float | None = None,
) -> StaffingResult:
    """Fewest chat agents (each up to `concurrency` chats) meeting every target; see `chat_metrics`."""
    rate = require_rate("arrival_rate", arrival_rate)
    handle_times = _chat_handle_times(chat_handle_seconds, concurrency)
    patience = None if patience_seconds is None else require_patience(patience_seconds, handle_seconds=handle_times[-1])
    if targets.is_empty:
        raise InvalidQueueInput("give at least one target: service level, ASA, occupancy or abandonment")
    require_load(rate * handle_times[0])  # chats in progress at once, whatever the concurrency
    threshold = targets.threshold_seconds or 0.0

    def unmet_at(agents: int) -> tuple[str, ...]:
        measures, occupancy = _chat_measures(
            agents=agents,
            arrival_rate=rate,
            handle_times=handle_times,
            patience_seconds=patience,
            threshold_seconds=threshold,
            with_asa=targets.asa_seconds is not None,
        )
        if not measures.stable:
            return ("stability",)
        return unmet_targets(
            targets,
            service_levels=measures.service_levels,
            asa_seconds=measures.asa_seconds,
            occupancy=occupancy,
            abandon_rate=measures.abandon_rate,
        )

    if rate == 0:
        agents, binding = 0, "no_demand"
    else:
        floor = _chat_floor(
            arrival_rate=rate, handle_times=handle_times, targets=targets, with_patience=patience is not None
        )
        limit = search_limit(rate * handle_times[-1], targets)
        agents = _fewest_agents(
            lambda n: not unmet_at(n), floor=floor, limit=max(limit, floor), handle_times=handle_times
        )
        before = unmet_at(agents - 1) if agents > 1 else ("at_least_one_agent",)
        binding = before[0] if before else "stability"
    metrics = chat_metrics(
        agents=agents,
        arrival_rate=rate,
        chat_handle_seconds=handle_times,
        concurrency=len(handle_times),
        threshold_seconds=threshold,
        patience_seconds=patience,
        service_level_definition=targets.service_level_definition,
    )
    warnings = staffing_warnings(metrics, targets, with_patience=patience is not None)
    return StaffingResult(agents=agents, metrics=metrics, binding_target=binding, warnings=warnings)


def _fewest_agents(meets: Callable[[int], bool], *, floor: int, limit: int, handle_times: tuple[float, ...]) -> int:
    """Smallest n >= floor meeting the targets: gallop and bisect when measures are monotone in n
    (throughput with diminishing returns), else scan every n, which is exact without that assumption."""
    if _has_diminishing_returns(handle_times):
        return fewest_meeting(meets, start=floor, floor=floor, limit=limit)
    for agents in range(floor, limit + 1):
        if meets(agents):
            return agents
    raise InvalidQueueInput(f"no number of chat agents up to {limit} meets these targets; loosen them")


# --- deferred work (email, back office) ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeferredPlan:
    """Agents per interval for deferred work, and where the work stands after each interval.

    Counts are items (fractional: work is fluid). `backlog_items[i]` is carried into interval i + 1;
    `backlog_past_horizon` is left when the horizon ends — none of it is overdue yet.
    """

    agents_required: tuple[int, ...]
    work_done_items: tuple[float, ...]
    backlog_items: tuple[float, ...]
    due_items: tuple[float, ...]
    backlog_past_horizon: float
    response_target_intervals: int

    @property
    def peak_agents(self) -> int:
        """Most agents any interval needs (0 for an empty horizon)."""
        return max(self.agents_required, default=0)

    @property
    def agent_intervals(self) -> int:
        """Sum of agents over intervals: the staffed time, in intervals."""
        return sum(self.agents_required)


def _first_slope(done: float, due: NDArray[np.float64], arrived: NDArray[np.float64]) -> float:
    """First slope of the taut string from `done` through the tube [due, arrived], ending on `due`.

    `due`/`arrived` are cumulative amounts at the ends of the remaining open intervals. Scanning ahead,
    the feasible slopes from here to interval d are [max over d' <= d of (due − done)/d',
    min over d' <= d of (arrived − done)/d']; where that range first empties, the string bends at the
    boundary that closed it, and the slope so far is the one on that side.
    """
    if done >= due[-1]:
        return 0.0
    steps = np.arange(1, due.size + 1, dtype=np.float64)
    lowest = np.maximum.accumulate((due - done) / steps)
    ceiling = np.concatenate(((arrived[:-1] - done), [due[-1] - done])) / steps
    highest = np.minimum.accumulate(ceiling)
    conflicts = np.flatnonzero(lowest > highest)
    if conflicts.size == 0:
        return max(0.0, float(lowest[-1]))
    first = int(conflicts[0])
    if first == 0:  # only reachable through float noise: due ≈ arrived at the next interval
        return max(0.0, float(lowest[0]))
    bends_on_arrivals = (due[first] - done) / steps[first] > highest[first - 1]
    return max(0.0, float(highest[first - 1] if bends_on_arrivals else lowest[first - 1]))


def deferred_work_requirement(
    *,
    arrivals_per_interval: Sequence[float],
    handle_seconds: float,
    interval_seconds: int,
    response_target_seconds: int,
    opening_backlog: float = 0.0,
    max_occupancy: float = 1.0,
    open_intervals: Sequence[bool] | None = None,
) -> DeferredPlan:
    """Agents per interval so every deferred item is done within its response target (rule: module docstring).

    `arrivals_per_interval[i]` items arrive in interval i; each takes `handle_seconds` of work; an agent
    works at most `max_occupancy` of an interval. `open_intervals[i]` False means nobody works then (and
    the response clock stops); default: always open. `opening_backlog` is treated as arriving at the start
    of the horizon. The plan meets every deadline and needs the smallest possible peak of agents.
    """
    arrivals = np.asarray(
        [require_rate("arrivals_per_interval", value) for value in arrivals_per_interval], dtype=np.float64
    )
    handle = require_duration("handle_seconds", handle_seconds)
    interval = require_whole("interval_seconds", interval_seconds, unit="seconds")
    target = require_whole("response_target_seconds", response_target_seconds, unit="seconds")
    if interval == 0 or target == 0:
        raise InvalidQueueInput("interval_seconds and response_target_seconds must be > 0")
    backlog = require_rate("opening_backlog", opening_backlog)
    if not (0 < max_occupancy <= 1):
        raise InvalidQueueInput(f"max_occupancy must be a fraction in (0, 1], got {max_occupancy!r}")
    is_open = np.ones(arrivals.size, dtype=bool) if open_intervals is None else np.asarray(open_intervals, dtype=bool)
    if is_open.size != arrivals.size:
        raise InvalidQueueInput("open_intervals must have one entry per interval of arrivals_per_interval")
    target_intervals = max(1, target // interval)
    items_per_agent = interval * max_occupancy / handle

    # Work on the clock of open intervals only: position k is the k-th open interval.
    open_positions = np.flatnonzero(is_open)
    first_open_position = np.searchsorted(open_positions, np.arange(arrivals.size))  # at or after each interval
    deadline_position = first_open_position + target_intervals - 1
    open_count = open_positions.size
    arrived_at_position = np.bincount(first_open_position, weights=arrivals, minlength=open_count + 1)
    arrived: NDArray[np.float64] = backlog + np.cumsum(arrived_at_position[:open_count], dtype=np.float64)
    due_at_position = np.zeros(open_count, dtype=np.float64)
    in_horizon = deadline_position < open_count
    np.add.at(due_at_position, deadline_position[in_horizon], arrivals[in_horizon])
    if target_intervals <= open_count:
        due_at_position[target_intervals - 1] += backlog
    due: NDArray[np.float64] = np.cumsum(due_at_position, dtype=np.float64)

    agents = np.zeros(arrivals.size, dtype=np.int64)
    work = np.zeros(arrivals.size)
    done = 0.0
    for position, interval_index in enumerate(open_positions):
        slope = _first_slope(done, due[position:], arrived[position:])
        needed = math.ceil(slope / items_per_agent - ROUNDING_SLACK_AGENTS) if slope > 0 else 0
        worked = min(needed * items_per_agent, float(arrived[position]) - done)
        done = max(done + worked, float(due[position]))  # never below due: float noise only
        agents[interval_index], work[interval_index] = needed, worked

    calendar_due = np.zeros(arrivals.size, dtype=np.float64)
    calendar_due[open_positions] = due_at_position
    carried = backlog + np.cumsum(arrivals) - np.cumsum(work)
    return DeferredPlan(
        agents_required=tuple(int(count) for count in agents),
        work_done_items=tuple(float(amount) for amount in work),
        backlog_items=tuple(max(0.0, float(amount)) for amount in carried),
        due_items=tuple(float(amount) for amount in calendar_due),
        backlog_past_horizon=max(0.0, float(carried[-1])) if carried.size else backlog,
        response_target_intervals=target_intervals,
    )
