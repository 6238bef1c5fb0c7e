"""One replication: contacts served first come, first served by a staffing plan that changes per interval."""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from switchboard.wfm.simulate.arrivals import arrival_times
from switchboard.wfm.simulate.scenario import Scenario

RANDOM_STREAMS_PER_REPLICATION = 3  # arrivals, handle times, patience


@dataclass(frozen=True, slots=True)
class ReplicationRecord:
    """What happened to every contact of one simulated day, in arrival order (times in seconds from the start).

    A contact is answered (finite `answer_seconds`), abandoned (finite `abandon_seconds`) or unresolved
    (both infinite: no agent was left and the caller never gives up). `overtime_starts`/`overtime_ends`
    are spans an agent spent finishing a contact after their shift ended.
    """

    arrival_seconds: NDArray[np.float64]
    handle_seconds: NDArray[np.float64]
    answer_seconds: NDArray[np.float64]
    abandon_seconds: NDArray[np.float64]
    overtime_starts: NDArray[np.float64]
    overtime_ends: NDArray[np.float64]


def run_replication(scenario: Scenario, seed: np.random.SeedSequence) -> ReplicationRecord:
    """Simulate the scenario once from an empty system; the same seed gives the same record."""
    # Separate streams give common random numbers: two scenarios that differ only in handle time see the
    # same arrivals and the same patience, so their difference is not drowned in arrival noise.
    arrival_stream, handle_stream, patience_stream = (
        np.random.default_rng(child) for child in seed.spawn(RANDOM_STREAMS_PER_REPLICATION)
    )
    arrivals = arrival_times(scenario, arrival_stream)
    handles = scenario.handle_time.sample(handle_stream, arrivals.size)
    if scenario.patience is None:
        deadlines = np.full(arrivals.size, math.inf)
    else:
        deadlines = arrivals + scenario.patience.sample(patience_stream, arrivals.size)
    answers, overtime = serve_in_order(
        arrival_seconds=arrivals.tolist(),
        deadline_seconds=deadlines.tolist(),
        handle_seconds=handles.tolist(),
        interval_seconds=scenario.interval_seconds,
        agents_per_interval=scenario.agents_per_interval,
    )
    answer_seconds = np.asarray(answers, dtype=np.float64)
    spans = np.asarray(overtime, dtype=np.float64).reshape(-1, 2)
    return ReplicationRecord(
        arrival_seconds=arrivals,
        handle_seconds=handles,
        answer_seconds=answer_seconds,
        abandon_seconds=np.where(np.isfinite(answer_seconds), math.inf, deadlines),
        overtime_starts=spans[:, 0],
        overtime_ends=spans[:, 1],
    )


def serve_in_order(
    *,
    arrival_seconds: Sequence[float],
    deadline_seconds: Sequence[float],
    handle_seconds: Sequence[float],
    interval_seconds: float,
    agents_per_interval: Sequence[int],
) -> tuple[list[float], list[tuple[float, float]]]:
    """When each contact is answered (inf if never) and the agents' overtime spans.

    Contacts must be in arrival order; contact i gives up at `deadline_seconds[i]` if not answered by
    then. Agents come on shift at the start of an interval whose staffing rises. When staffing falls by d,
    the d agents who are next free go off shift: idle agents at once, busy agents when they finish the
    contact in hand (no contact is cut off). After the last interval its agents stay on until the queue
    is empty, so every contact's outcome is known.
    """
    # The event list holds the next-free time of every agent on shift (a heap). Under first come, first
    # served, contact i is answered at max(arrival, earliest free time) unless it gives up first; this is the
    # workload recursion of Kiefer & Wolfowitz (1955), "On the theory of queues with many servers", Trans.
    # AMS 78:1-18. A caller who abandons never takes an agent, so an agent freed at time f takes the
    # earliest caller still waiting at f, and abandonment needs no event of its own: it is decided when the
    # caller reaches the head of the queue (Baccelli & Hebuterne 1981, "On queues with impatient customers").
    free_at = [0.0] * agents_per_interval[0]  # equal values already form a heap
    answers = [math.inf] * len(arrival_seconds)
    overtime: list[tuple[float, float]] = []
    intervals = len(agents_per_interval)
    next_interval = 1
    change_at = interval_seconds if intervals > 1 else math.inf
    replace, push, pop, inf = heapq.heapreplace, heapq.heappush, heapq.heappop, math.inf

    def change_staffing() -> None:
        nonlocal next_interval, change_at
        change = agents_per_interval[next_interval] - agents_per_interval[next_interval - 1]
        for _ in range(change):
            push(free_at, change_at)
        for _ in range(-change):
            leaves_at = pop(free_at)
            if leaves_at > change_at:
                overtime.append((change_at, leaves_at))
        next_interval += 1
        change_at = next_interval * interval_seconds

    for contact, arrival in enumerate(arrival_seconds):
        start = max(free_at[0] if free_at else inf, arrival)
        # Staffing changes that happen before this contact could be answered are applied first.
        while next_interval < intervals and start >= change_at:
            change_staffing()
            start = max(free_at[0] if free_at else inf, arrival)
        if start <= deadline_seconds[contact] and start < inf:
            replace(free_at, start + handle_seconds[contact])
            answers[contact] = start
    # Changes after the last contact still send busy agents off shift late: that overtime counts.
    while next_interval < intervals:
        change_staffing()
    return answers, overtime
