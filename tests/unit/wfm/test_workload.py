"""Chat with concurrency and deferred work, each against an independent computation.

Chat: the slots model must equal Erlang C/A on agents × concurrency servers; the state-dependent model
is checked against its Markov chain built and solved directly (numpy.linalg.solve on the generator,
scipy.linalg.expm for the waiting-time tail). Deferred work: every item is finished by its deadline in
a first-in-first-out simulation of the plan's capacity, and the plan's peak equals the smallest constant
staffing that a brute-force search finds feasible.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import expm

from switchboard.wfm.erlang import (
    InvalidQueueInput,
    QueueMetrics,
    ServiceLevelDefinition,
    StaffingTargets,
    erlang_a_metrics,
    erlang_c_metrics,
)
from switchboard.wfm.workload import DeferredPlan, chat_metrics, deferred_work_requirement, required_chat_agents

COMPARED_FIELDS = ("probability_wait", "service_level", "asa_seconds", "mean_wait_all_seconds", "abandon_rate")


# --- chat ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("patience_seconds", [None, 90.0])
@pytest.mark.parametrize(("agents", "concurrency"), [(1, 1), (4, 1), (4, 3), (10, 2)])
def test_one_handle_time_is_erlang_on_agent_times_concurrency_slots(
    agents: int, concurrency: int, patience_seconds: float | None
) -> None:
    arrival_rate, handle = 0.025 * concurrency * agents, 30.0
    chat = chat_metrics(
        agents=agents,
        arrival_rate=arrival_rate,
        chat_handle_seconds=handle,
        concurrency=concurrency,
        threshold_seconds=20,
        patience_seconds=patience_seconds,
    )
    slots = agents * concurrency
    if patience_seconds is None:
        phone = erlang_c_metrics(agents=slots, arrival_rate=arrival_rate, aht_seconds=handle, threshold_seconds=20)
    else:
        phone = erlang_a_metrics(
            agents=slots,
            arrival_rate=arrival_rate,
            aht_seconds=handle,
            patience_seconds=patience_seconds,
            threshold_seconds=20,
        )
    for field in COMPARED_FIELDS:
        assert getattr(chat, field) == pytest.approx(getattr(phone, field), rel=1e-9, abs=1e-12), field
    assert chat.occupancy == pytest.approx(phone.occupancy, rel=1e-9)
    assert chat.model == ("chat_erlang_c" if patience_seconds is None else "chat_erlang_a")


def chat_departure_rate(chats: int, agents: int, handle_times: list[float]) -> float:
    """Chats handed one at a time to the least busy agent; each agent finishes c chats at rate c/h(c)."""
    loads = [0] * agents
    for _ in range(chats):
        loads[loads.index(min(loads))] += 1
    return sum(load / handle_times[load - 1] for load in loads if load)


def brute_force_chat(
    *, agents: int, arrival_rate: float, handle_times: list[float], patience_seconds: float, threshold_seconds: float
) -> dict[str, float]:
    slots = agents * len(handle_times)
    full_rate = chat_departure_rate(slots, agents, handle_times)
    abandonment = 1 / patience_seconds
    waiting_room = int(arrival_rate / abandonment + 12 * math.sqrt(arrival_rate / abandonment) + 40)
    states = slots + waiting_room + 1
    generator = np.zeros((states, states))
    for state in range(states):
        if state + 1 < states:
            generator[state, state + 1] = arrival_rate
        if state > 0:
            in_service = min(state, slots)
            rate = chat_departure_rate(in_service, agents, handle_times)
            generator[state, state - 1] = rate + max(state - slots, 0) * abandonment
        generator[state, state] = -generator[state].sum()
    system = generator.T.copy()
    system[-1] = 1.0
    right = np.zeros(states)
    right[-1] = 1.0
    stationary = np.linalg.solve(system, right)
    waiting = stationary[slots:-1]
    ahead = waiting.size
    transient = np.zeros((ahead, ahead))
    to_answer = np.zeros(ahead)
    for position in range(ahead):
        transient[position, position] = -(full_rate + position * abandonment + abandonment)
        if position == 0:
            to_answer[0] = full_rate
        else:
            transient[position, position - 1] = full_rate + position * abandonment
    answered_eventually = np.linalg.solve(-transient, to_answer)
    answered_by_threshold = answered_eventually - expm(transient * threshold_seconds) @ answered_eventually
    in_service = stationary @ np.minimum(np.arange(states), slots)
    return {
        "probability_wait": float(stationary[slots:].sum()),
        "abandon_rate": float(1 - stationary[:slots].sum() - waiting @ answered_eventually),
        "service_level": float(stationary[:slots].sum() + waiting @ answered_by_threshold),
        "occupancy": float(in_service / slots),
    }


@pytest.mark.parametrize(
    ("agents", "handle_times", "arrival_rate"),
    [
        (3, [200.0, 300.0, 420.0], 0.02),  # durations stretch as an agent takes on more chats
        (2, [240.0, 300.0], 0.012),
        (5, [180.0, 250.0, 330.0, 450.0], 0.03),
        (4, [200.0, 280.0, 300.0], 0.03),  # not concave: the search must scan
    ],
)
def test_state_dependent_chat_matches_its_markov_chain(
    agents: int, handle_times: list[float], arrival_rate: float
) -> None:
    chat = chat_metrics(
        agents=agents,
        arrival_rate=arrival_rate,
        chat_handle_seconds=handle_times,
        concurrency=len(handle_times),
        threshold_seconds=30,
        patience_seconds=120,
    )
    reference = brute_force_chat(
        agents=agents,
        arrival_rate=arrival_rate,
        handle_times=handle_times,
        patience_seconds=120,
        threshold_seconds=30,
    )
    for field, value in reference.items():
        assert getattr(chat, field) == pytest.approx(value, rel=1e-8, abs=1e-12), field


def chat_meets(metrics: QueueMetrics, targets: StaffingTargets) -> bool:
    return (
        metrics.stable
        and (targets.service_level is None or metrics.service_level >= targets.service_level)
        and (targets.asa_seconds is None or metrics.asa_seconds <= targets.asa_seconds)
        and (targets.max_occupancy is None or metrics.occupancy <= targets.max_occupancy)
        and (targets.max_abandon_rate is None or metrics.abandon_rate <= targets.max_abandon_rate)
    )


@settings(max_examples=30, deadline=None, derandomize=True, database=None)
@given(
    arrival_rate=st.floats(min_value=0.001, max_value=0.5),
    handle_times=st.sampled_from([[300.0], [240.0, 330.0], [200.0, 300.0, 420.0], [200.0, 280.0, 300.0], [600.0] * 3]),
    patience=st.one_of(st.none(), st.floats(min_value=30.0, max_value=900.0)),
    service_level=st.floats(min_value=0.5, max_value=0.95),
    max_abandon_rate=st.one_of(st.none(), st.floats(min_value=0.01, max_value=0.2)),
    definition=st.sampled_from(ServiceLevelDefinition),
)
def test_required_chat_agents_is_minimal(
    arrival_rate: float,
    handle_times: list[float],
    patience: float | None,
    service_level: float,
    max_abandon_rate: float | None,
    definition: ServiceLevelDefinition,
) -> None:
    targets = StaffingTargets(
        service_level=service_level,
        threshold_seconds=60,
        service_level_definition=definition,
        max_abandon_rate=max_abandon_rate,
    )
    result = required_chat_agents(
        arrival_rate=arrival_rate,
        chat_handle_seconds=handle_times,
        concurrency=len(handle_times),
        targets=targets,
        patience_seconds=patience,
    )

    def at(agents: int) -> QueueMetrics:
        return chat_metrics(
            agents=agents,
            arrival_rate=arrival_rate,
            chat_handle_seconds=handle_times,
            concurrency=len(handle_times),
            threshold_seconds=60,
            patience_seconds=patience,
            service_level_definition=definition,
        )

    assert chat_meets(at(result.agents), targets)
    assert result.agents == 1 or not chat_meets(at(result.agents - 1), targets)


def test_chat_staffing_example() -> None:
    # 72 chats an hour, chats last 200 s alone, 300 s two at a time, 420 s three at a time, 80% in 30 s.
    targets = StaffingTargets(service_level=0.8, threshold_seconds=30)
    result = required_chat_agents(
        arrival_rate=0.02, chat_handle_seconds=[200, 300, 420], concurrency=3, targets=targets
    )
    assert result.agents == 4
    assert result.binding_target == "service_level"
    assert result.metrics.aht_seconds == 420
    assert required_chat_agents(arrival_rate=0.0, chat_handle_seconds=300, concurrency=2, targets=targets).agents == 0


def test_invalid_chat_inputs() -> None:
    targets = StaffingTargets(service_level=0.8, threshold_seconds=30)
    with pytest.raises(InvalidQueueInput, match="one chat handle time per concurrency level"):
        required_chat_agents(arrival_rate=0.02, chat_handle_seconds=[200, 300], concurrency=3, targets=targets)
    with pytest.raises(InvalidQueueInput, match="concurrency"):
        required_chat_agents(arrival_rate=0.02, chat_handle_seconds=200, concurrency=0, targets=targets)
    with pytest.raises(InvalidQueueInput, match="chat_handle_seconds"):
        chat_metrics(agents=2, arrival_rate=0.02, chat_handle_seconds=[200, -1], concurrency=2, threshold_seconds=20)


# --- deferred work -------------------------------------------------------------------------------


def deadlines(open_intervals: list[bool], target_intervals: int) -> list[int | None]:
    """For an item arriving in each interval, the interval whose end is its deadline (None: after horizon)."""
    result: list[int | None] = []
    for arrival in range(len(open_intervals)):
        counted, deadline = 0, None
        for index in range(arrival, len(open_intervals)):
            counted += open_intervals[index]
            if counted == target_intervals:
                deadline = index
                break
        result.append(deadline)
    return result


def finishes_in_time(
    capacity: list[float], arrivals: list[float], open_intervals: list[bool], target_intervals: int, backlog: float
) -> bool:
    """First-in-first-out with `capacity` items per interval: is every cohort finished by its deadline?"""
    cohorts = [[backlog, deadlines(open_intervals, target_intervals)[0]]] if backlog else []
    due_at = deadlines(open_intervals, target_intervals)
    for index, amount in enumerate(arrivals):
        cohorts.append([amount, due_at[index]])
        room = capacity[index]
        for cohort in cohorts:
            served = min(room, cohort[0])
            cohort[0] -= served
            room -= served
        if any(left > 1e-7 and due is not None and due <= index for left, due in cohorts):
            return False
    return True


def fewest_constant_agents(
    arrivals: list[float], open_intervals: list[bool], target_intervals: int, per_agent: float, backlog: float
) -> int:
    agents = 0
    while not finishes_in_time(
        [agents * per_agent * is_open for is_open in open_intervals],
        arrivals,
        open_intervals,
        target_intervals,
        backlog,
    ):
        agents += 1
    return agents


def check_plan(
    plan: DeferredPlan, arrivals: list[float], open_intervals: list[bool], per_agent: float, backlog: float = 0.0
) -> None:
    target = plan.response_target_intervals
    capacity = [agents * per_agent for agents in plan.agents_required]
    assert finishes_in_time(capacity, arrivals, open_intervals, target, backlog)
    assert plan.peak_agents == fewest_constant_agents(arrivals, open_intervals, target, per_agent, backlog)
    assert all(agents == 0 for agents, is_open in zip(plan.agents_required, open_intervals, strict=True) if not is_open)
    assert sum(plan.work_done_items) + plan.backlog_past_horizon == pytest.approx(sum(arrivals) + backlog)
    assert all(
        done <= agents * per_agent + 1e-9
        for done, agents in zip(plan.work_done_items, plan.agents_required, strict=True)
    )


def test_a_batch_is_spread_over_its_response_target() -> None:
    # 100 emails at 9:00, 6 minutes each, answered within 4 hours: 2.5 agents a half hour → 3 agents.
    arrivals = [100.0] + [0.0] * 11
    plan = deferred_work_requirement(
        arrivals_per_interval=arrivals, handle_seconds=360, interval_seconds=1800, response_target_seconds=4 * 3600
    )
    assert plan.response_target_intervals == 8
    assert plan.peak_agents == 3
    assert plan.due_items[7] == 100.0
    assert plan.backlog_past_horizon == 0.0
    assert plan.backlog_items[0] == 85.0
    check_plan(plan, arrivals, [True] * 12, per_agent=5.0)


def test_zero_volume_needs_nobody() -> None:
    plan = deferred_work_requirement(
        arrivals_per_interval=[0.0] * 6, handle_seconds=300, interval_seconds=1800, response_target_seconds=7200
    )
    assert plan.agents_required == (0,) * 6
    assert plan.backlog_past_horizon == 0.0
    empty = deferred_work_requirement(
        arrivals_per_interval=[], handle_seconds=300, interval_seconds=1800, response_target_seconds=7200
    )
    assert empty.peak_agents == 0 and empty.agents_required == ()


def test_closed_intervals_stop_the_clock_and_carry_the_backlog() -> None:
    arrivals = [10.0, 20.0, 30.0, 40.0, 30.0, 20.0, 10.0, 5.0, 0.0, 0.0]
    open_intervals = [False, False, True, True, True, True, False, True, True, True]
    plan = deferred_work_requirement(
        arrivals_per_interval=arrivals,
        handle_seconds=600,
        interval_seconds=1800,
        response_target_seconds=7200,
        open_intervals=open_intervals,
    )
    assert plan.agents_required[:2] == (0, 0) and plan.agents_required[6] == 0
    assert plan.backlog_items[:2] == (10.0, 30.0)
    # Overnight email (intervals 0-1) and interval 2's are due at the end of the 4th open interval: interval 5.
    assert plan.due_items[5] == 60.0
    check_plan(plan, arrivals, open_intervals, per_agent=3.0)


def test_work_due_after_the_horizon_is_reported_as_spill() -> None:
    arrivals = [0.0, 0.0, 0.0, 12.0]
    plan = deferred_work_requirement(
        arrivals_per_interval=arrivals, handle_seconds=600, interval_seconds=1800, response_target_seconds=7200
    )
    assert plan.agents_required == (0, 0, 0, 0)
    assert plan.backlog_past_horizon == 12.0
    assert sum(plan.due_items) == 0.0


def test_opening_backlog_and_occupancy() -> None:
    arrivals = [10.0, 20.0, 30.0, 40.0, 30.0, 20.0, 10.0, 5.0, 0.0, 0.0, 0.0, 0.0]
    plan = deferred_work_requirement(
        arrivals_per_interval=arrivals,
        handle_seconds=600,
        interval_seconds=1800,
        response_target_seconds=7200,
        opening_backlog=15,
        max_occupancy=0.8,
    )
    check_plan(plan, arrivals, [True] * 12, per_agent=1800 * 0.8 / 600, backlog=15.0)


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(
    data=st.lists(st.tuples(st.integers(min_value=0, max_value=40), st.booleans()), min_size=1, max_size=30),
    target_intervals=st.integers(min_value=1, max_value=9),
    handle_minutes=st.sampled_from([3, 5, 10, 12, 30]),
    backlog=st.sampled_from([0.0, 7.0, 25.0]),
)
def test_plans_meet_every_deadline_with_the_smallest_peak(
    data: list[tuple[int, bool]], target_intervals: int, handle_minutes: int, backlog: float
) -> None:
    arrivals = [float(volume) for volume, _ in data]
    open_intervals = [is_open or index % 5 == 0 for index, (_, is_open) in enumerate(data)]
    plan = deferred_work_requirement(
        arrivals_per_interval=arrivals,
        handle_seconds=handle_minutes * 60,
        interval_seconds=1800,
        response_target_seconds=target_intervals * 1800 + 600,  # a partial interval does not count
        opening_backlog=backlog,
        open_intervals=open_intervals,
    )
    assert plan.response_target_intervals == target_intervals
    check_plan(plan, arrivals, open_intervals, per_agent=30 / handle_minutes, backlog=backlog)


@pytest.mark.parametrize(
    "arguments",
    [
        {"arrivals_per_interval": [-1.0]},
        {"arrivals_per_interval": [math.nan]},
        {"handle_seconds": 0},
        {"interval_seconds": 0},
        {"response_target_seconds": 0},
        {"max_occupancy": 0.0},
        {"max_occupancy": 1.5},
        {"opening_backlog": -2.0},
        {"open_intervals": [True]},
    ],
)
def test_invalid_deferred_inputs(arguments: dict[str, object]) -> None:
    valid: dict[str, object] = {
        "arrivals_per_interval": [1.0, 2.0],
        "handle_seconds": 300,
        "interval_seconds": 1800,
        "response_target_seconds": 3600,
    }
    with pytest.raises(InvalidQueueInput):
        deferred_work_requirement(**{**valid, **arguments})  # type: ignore[arg-type]
