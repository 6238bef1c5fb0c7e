"""The simulation engine against a slow, obvious event-by-event simulation, and its basic invariants.

`ReferenceDesk` below keeps one state per agent, an explicit queue and an abandonment event per caller,
and steps from event to event; `serve_in_order` (the fast engine) must give the same answer times and the
same overtime on the same random numbers, including when staffing changes between intervals.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import stats

from switchboard.wfm.simulate import DurationDistribution, InvalidScenario, Scenario, simulate
from switchboard.wfm.simulate.arrivals import arrival_times
from switchboard.wfm.simulate.engine import ReplicationRecord, run_replication, serve_in_order
from switchboard.wfm.simulate.tally import tally


class ReferenceDesk:
    """Event-by-event FCFS queue with the engine's documented staffing rule, written for clarity, not speed."""

    def __init__(
        self, *, arrivals: list[float], deadlines: list[float], handles: list[float], interval_seconds: float
    ) -> None:
        self.arrivals, self.deadlines, self.handles = arrivals, deadlines, handles
        self.interval_seconds = interval_seconds
        self.answers = [math.inf] * len(arrivals)
        self.overtime: list[tuple[float, float]] = []
        self.busy_until: list[float | None] = []  # one entry per agent on shift; None: idle
        self.queue: list[int] = []  # contacts waiting, in arrival order

    def run(self, agents_per_interval: list[int]) -> tuple[list[float], list[tuple[float, float]]]:
        self.busy_until = [None] * agents_per_interval[0]
        next_arrival, next_change = 0, 1
        while True:
            events: list[tuple[float, str]] = []
            if next_arrival < len(self.arrivals):
                events.append((self.arrivals[next_arrival], "arrival"))
            if next_change < len(agents_per_interval):
                events.append((next_change * self.interval_seconds, "change"))
            busy = [(until, agent) for agent, until in enumerate(self.busy_until) if until is not None]
            if busy:
                events.append((min(busy)[0], "completion"))
            if self.queue:
                events.append((min(self.deadlines[c] for c in self.queue), "abandonment"))
            events = [event for event in events if event[0] < math.inf]
            if not events:
                return self.answers, self.overtime
            now, kind = min(events)
            if kind == "arrival":
                self.queue.append(next_arrival)
                next_arrival += 1
                idle = [agent for agent, until in enumerate(self.busy_until) if until is None]
                if idle:
                    self.take_from_queue(idle[0], now)
            elif kind == "completion":
                self.take_from_queue(min(busy)[1], now)
            elif kind == "abandonment":
                self.queue.remove(min(self.queue, key=lambda c: self.deadlines[c]))
            else:
                self.change_staffing(agents_per_interval[next_change] - agents_per_interval[next_change - 1], now)
                next_change += 1

    def take_from_queue(self, agent: int, now: float) -> None:
        if self.queue:
            contact = self.queue.pop(0)
            self.answers[contact] = now
            self.busy_until[agent] = now + self.handles[contact]
        else:
            self.busy_until[agent] = None

    def change_staffing(self, change: int, now: float) -> None:
        for _ in range(change):
            self.busy_until.append(None)
            self.take_from_queue(len(self.busy_until) - 1, now)
        for _ in range(-change):
            # Documented rule: the agent who would be free soonest goes off shift (idle ones first).
            idle = [agent for agent, until in enumerate(self.busy_until) if until is None]
            if idle:
                self.busy_until.pop(idle[0])
                continue
            soonest = min(range(len(self.busy_until)), key=lambda agent: self.busy_until[agent] or 0.0)
            finish = self.busy_until.pop(soonest)
            assert finish is not None
            self.overtime.append((now, finish))


_handle_means = st.floats(min_value=5, max_value=300)


@settings(max_examples=80, deadline=None)
# Found by hypothesis: staffing that falls after the last contact arrived must still count the
# busy agent's overtime.
@example(
    intervals=4,
    interval_seconds=60.0,
    volumes=[0.0, 0.0, 14.0, 0.0],
    agents=[0, 0, 1, 0],
    handle_mean=5.0,
    handle_shape="lognormal",
    patience_mean=None,
    ramp=0.0,
    seed=0,
)
@given(
    intervals=st.integers(min_value=1, max_value=4),
    interval_seconds=st.sampled_from([60.0, 300.0, 900.0]),
    volumes=st.lists(st.floats(min_value=0, max_value=40), min_size=4, max_size=4),
    agents=st.lists(st.integers(min_value=0, max_value=4), min_size=4, max_size=4),
    handle_mean=_handle_means,
    handle_shape=st.sampled_from(["exponential", "lognormal"]),
    patience_mean=st.none() | st.floats(min_value=1, max_value=200),
    ramp=st.floats(min_value=-1, max_value=1),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_engine_matches_the_event_by_event_reference(
    intervals: int,
    interval_seconds: float,
    volumes: list[float],
    agents: list[int],
    handle_mean: float,
    handle_shape: str,
    patience_mean: float | None,
    ramp: float,
    seed: int,
) -> None:
    handle_time = (
        DurationDistribution.exponential(handle_mean)
        if handle_shape == "exponential"
        else DurationDistribution.lognormal(mean_seconds=handle_mean, coefficient_of_variation=1.5)
    )
    scenario = Scenario(
        interval_seconds=interval_seconds,
        contacts_per_interval=tuple(volumes[:intervals]),
        agents_per_interval=tuple(agents[:intervals]),
        handle_time=handle_time,
        threshold_seconds=20,
        patience=None if patience_mean is None else DurationDistribution.exponential(patience_mean),
        within_interval_ramp=ramp,
    )
    generator = np.random.default_rng(seed)
    arrivals = arrival_times(scenario, generator)
    handles = handle_time.sample(generator, arrivals.size)
    deadlines = arrivals + (math.inf if patience_mean is None else generator.exponential(patience_mean, arrivals.size))
    answers, overtime = serve_in_order(
        arrival_seconds=arrivals.tolist(),
        deadline_seconds=deadlines.tolist(),
        handle_seconds=handles.tolist(),
        interval_seconds=interval_seconds,
        agents_per_interval=scenario.agents_per_interval,
    )
    expected_answers, expected_overtime = ReferenceDesk(
        arrivals=arrivals.tolist(),
        deadlines=deadlines.tolist(),
        handles=handles.tolist(),
        interval_seconds=interval_seconds,
    ).run(list(scenario.agents_per_interval))
    assert answers == expected_answers
    assert sorted(overtime) == sorted(expected_overtime)
    answer_seconds = np.asarray(answers, dtype=np.float64)
    spans = np.asarray(overtime, dtype=np.float64).reshape(-1, 2)
    record = ReplicationRecord(
        arrival_seconds=arrivals,
        handle_seconds=handles,
        answer_seconds=answer_seconds,
        abandon_seconds=np.where(np.isfinite(answer_seconds), math.inf, deadlines),
        overtime_starts=spans[:, 0],
        overtime_ends=spans[:, 1],
    )
    # Conservation: every contact is answered, abandoned or unresolved, exactly one of them.
    answered = np.isfinite(record.answer_seconds)
    abandoned = np.isfinite(record.abandon_seconds)
    assert not np.any(answered & abandoned)
    unresolved = ~answered & ~abandoned
    if patience_mean is not None:
        assert not np.any(unresolved)
    # Busy seconds per interval against a direct overlap sum.
    tallies = tally(record, scenario)
    starts = record.answer_seconds[answered]
    ends = starts + record.handle_seconds[answered]
    for k in range(intervals):
        low, high = k * interval_seconds, (k + 1) * interval_seconds
        overlap = np.clip(np.minimum(ends, high) - np.maximum(starts, low), 0, None).sum()
        assert tallies.busy_seconds[k] == pytest.approx(overlap, abs=1e-6)
        assert tallies.busy_seconds[k] <= tallies.staffed_seconds[k] + 1e-6
    counted = tallies.answered + tallies.abandoned + tallies.unresolved
    assert counted.tolist() == tallies.offered.tolist()


def test_a_fall_in_staffing_lets_busy_agents_finish_their_contact() -> None:
    answers, overtime = serve_in_order(
        arrival_seconds=[10.0, 20.0, 30.0],
        deadline_seconds=[math.inf] * 3,
        handle_seconds=[200.0, 50.0, 10.0],
        interval_seconds=100.0,
        agents_per_interval=[2, 1],
    )
    # Agents free at 210 and 70 (then idle); at 100 the idle one leaves, the busy one stays on.
    assert answers == [10.0, 20.0, 30.0 + 40.0]  # contact 3 waits for the agent freed at 70
    assert overtime == []
    answers, overtime = serve_in_order(
        arrival_seconds=[10.0, 20.0, 150.0],
        deadline_seconds=[math.inf] * 3,
        handle_seconds=[200.0, 120.0, 10.0],
        interval_seconds=100.0,
        agents_per_interval=[2, 1],
    )
    # At 100 both are busy (until 210 and 140): the one free at 140 goes off shift after its contact.
    assert overtime == [(100.0, 140.0)]
    assert answers == [10.0, 20.0, 210.0]


def test_the_last_intervals_agents_stay_until_the_queue_is_empty() -> None:
    answers, _ = serve_in_order(
        arrival_seconds=[90.0, 95.0],
        deadline_seconds=[math.inf] * 2,
        handle_seconds=[60.0, 60.0],
        interval_seconds=100.0,
        agents_per_interval=[1],
    )
    assert answers == [90.0, 150.0]


def _scenario(**overrides: object) -> Scenario:
    settings_: dict[str, object] = {
        "interval_seconds": 1800.0,
        "contacts_per_interval": (100.0, 150.0, 80.0),
        "agents_per_interval": (10, 14, 8),
        "handle_time": DurationDistribution.exponential(180),
        "threshold_seconds": 20.0,
    }
    settings_.update(overrides)
    return Scenario(**settings_)  # type: ignore[arg-type]


def test_no_arrivals_means_no_contacts() -> None:
    result = simulate(_scenario(contacts_per_interval=(0.0, 0.0, 0.0)), replications=3, seed=1)
    assert result.day.offered.mean == 0
    assert result.day.service_level is None
    assert result.day.asa_seconds is None
    assert result.day.occupancy is not None
    assert result.day.occupancy.mean == 0


def test_without_agents_every_patient_caller_abandons() -> None:
    result = simulate(
        _scenario(agents_per_interval=(0, 0, 0), patience=DurationDistribution.exponential(60)),
        replications=3,
        seed=2,
    )
    assert result.day.offered.mean > 0
    assert result.day.abandoned.mean == result.day.offered.mean
    assert result.day.abandon_rate is not None
    assert result.day.abandon_rate.mean == 1.0
    assert result.day.answered.mean == 0
    assert result.day.occupancy is None  # no agent time to be busy in


def test_without_agents_or_patience_callers_stay_unresolved() -> None:
    result = simulate(_scenario(agents_per_interval=(0, 0, 0)), replications=2, seed=3)
    assert result.day.unresolved.mean == result.day.offered.mean > 0
    assert result.waiting_at_close.mean == result.day.offered.mean
    sl = result.day.service_level
    assert sl is not None
    assert sl.mean == 0.0


def test_at_the_close_every_contact_is_answered_abandoned_or_still_waiting() -> None:
    # Understaffed last interval: a queue is left at the close, and its agents stay on to clear it.
    scenario = _scenario(agents_per_interval=(10, 14, 4), patience=DurationDistribution.exponential(600))
    record = run_replication(scenario, np.random.SeedSequence(8).spawn(1)[0])  # replication 0 of seed 8
    close = scenario.close_seconds
    answered_by_close = np.count_nonzero(record.answer_seconds <= close)
    abandoned_by_close = np.count_nonzero(record.abandon_seconds <= close)
    waiting = np.count_nonzero((record.answer_seconds > close) & (record.abandon_seconds > close))
    assert waiting > 0
    assert answered_by_close + abandoned_by_close + waiting == record.arrival_seconds.size
    assert simulate(scenario, replications=1, seed=8).waiting_at_close.mean == waiting
    # Drained after the close: every contact ends answered or abandoned.
    assert np.all(np.isfinite(record.answer_seconds) | np.isfinite(record.abandon_seconds))


def test_the_same_seed_gives_the_same_result_and_another_seed_differs() -> None:
    scenario = _scenario(patience=DurationDistribution.exponential(90))
    first = simulate(scenario, replications=4, seed=11)
    assert simulate(scenario, replications=4, seed=11) == first
    assert simulate(scenario, replications=4, seed=12).day != first.day
    # Adding replications keeps the earlier ones: replication r depends only on (seed, r).
    assert simulate(scenario, replications=1, seed=11).intervals[0].metrics.offered.mean == pytest.approx(
        run_offered(scenario, seed=11)
    )


def run_offered(scenario: Scenario, *, seed: int) -> float:
    record = run_replication(scenario, np.random.SeedSequence(seed).spawn(1)[0])
    return float(np.count_nonzero(record.arrival_seconds < scenario.interval_seconds))


def test_warm_up_intervals_are_left_out_of_the_day() -> None:
    result = simulate(_scenario(warm_up_intervals=1), replications=3, seed=4)
    assert result.intervals[0].warm_up
    assert not result.intervals[1].warm_up
    reported = sum(interval.metrics.offered.mean for interval in result.intervals[1:])
    assert result.day.offered.mean == pytest.approx(reported)


@pytest.mark.parametrize("ramp", [0.0, 0.6, -1.0])
def test_thinning_gives_poisson_counts_with_the_ramped_shape(ramp: float) -> None:
    volume = 200.0
    scenario = _scenario(
        contacts_per_interval=(volume,) * 400,
        agents_per_interval=(1,) * 400,
        interval_seconds=100.0,
        within_interval_ramp=ramp,
    )
    times = arrival_times(scenario, np.random.default_rng(20260101))
    counts = np.bincount((times // 100).astype(int), minlength=400)
    # Poisson: mean and variance equal the volume (loose bounds: 400 samples).
    assert counts.mean() == pytest.approx(volume, rel=0.02)
    assert counts.var(ddof=1) == pytest.approx(volume, rel=0.2)
    # Inside the interval the density is 1 + r(2u - 1), so the CDF is u + r(u² - u).
    elapsed = (times % 100) / 100
    result = stats.kstest(elapsed, lambda u: u + ramp * (u * u - u))
    assert result.pvalue > 0.01


def test_lognormal_handle_times_have_the_requested_mean_and_variation() -> None:
    distribution = DurationDistribution.lognormal(mean_seconds=240, coefficient_of_variation=1.5)
    sample = distribution.sample(np.random.default_rng(5), 400_000)
    assert sample.mean() == pytest.approx(240, rel=0.01)
    assert sample.std() / sample.mean() == pytest.approx(1.5, rel=0.05)


@pytest.mark.parametrize(
    "overrides",
    [
        {"interval_seconds": 0.0},
        {"contacts_per_interval": (1.0, -1.0, 1.0)},
        {"agents_per_interval": (1, 2)},
        {"agents_per_interval": (1, -2, 1)},
        {"agents_per_interval": (1, 2.5, 1)},
        {"threshold_seconds": -1.0},
        {"within_interval_ramp": 1.5},
        {"warm_up_intervals": 3},
        {"contacts_per_interval": (), "agents_per_interval": ()},
    ],
)
def test_impossible_scenarios_are_refused(overrides: dict[str, object]) -> None:
    with pytest.raises(InvalidScenario):
        _scenario(**overrides)


def test_impossible_durations_are_refused() -> None:
    with pytest.raises(InvalidScenario):
        DurationDistribution.exponential(0)
    with pytest.raises(InvalidScenario):
        DurationDistribution.lognormal(mean_seconds=100, coefficient_of_variation=0)
    with pytest.raises(InvalidScenario):
        simulate(_scenario(), replications=0, seed=1)
