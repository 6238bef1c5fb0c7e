"""The simulation against queueing theory.

Where Erlang's assumptions hold (Poisson arrivals at a constant rate, exponential handle times, no or
exponential patience, steady state after a discarded warm-up), the simulated metrics must contain the
theoretical values in their 95 % confidence intervals: the M/M/1 and M/M/n closed forms (computed here,
from the textbook formulas), the M/M/n+M birth-death chain (solved here with numpy), and the
`switchboard.wfm.erlang` module. Where the assumptions break, the simulation must move the way theory
says, by more than its confidence interval. Seeds are fixed, so every run sees the same numbers.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from switchboard.wfm.erlang import ServiceLevelDefinition, StaffingTargets, required_agents
from switchboard.wfm.simulate import (
    Comparison,
    DurationDistribution,
    Estimate,
    Scenario,
    compare_with_erlang,
    simulate,
)

HALF_HOUR = 1800.0
HOUR = 3600.0
OFFERED = ServiceLevelDefinition.ANSWERED_WITHIN_OVER_OFFERED
OVER_ANSWERED = ServiceLevelDefinition.ANSWERED_WITHIN_OVER_ANSWERED


def defined(value: Estimate | None) -> Estimate:
    assert value is not None
    return value


def erlang_c_closed_form(
    *, arrival_rate: float, aht_seconds: float, agents: int, threshold_seconds: float
) -> dict[str, float]:
    """M/M/n from the textbook formulas (Gross, Shortle, Thompson & Harris, Fundamentals of Queueing Theory,
    4th ed., 2008, §2.3): P(wait) = (a^n/n!)(n/(n-a)) / (Σ_{k<n} a^k/k! + (a^n/n!)(n/(n-a))),
    P(W > t) = P(wait)·exp(-(nμ - λ)t), Wq = P(wait)/(nμ - λ), occupancy a/n. Evaluated in log space."""
    load = arrival_rate * aht_seconds
    log_terms = [k * math.log(load) - math.lgamma(k + 1) for k in range(agents)]
    log_last = agents * math.log(load) - math.lgamma(agents + 1) + math.log(agents / (agents - load))
    largest = max([*log_terms, log_last])
    probability_wait = math.exp(log_last - largest) / (
        sum(math.exp(t - largest) for t in log_terms) + math.exp(log_last - largest)
    )
    drain_rate = agents / aht_seconds - arrival_rate
    return {
        "probability_wait": probability_wait,
        "service_level": 1 - probability_wait * math.exp(-drain_rate * threshold_seconds),
        "asa_seconds": probability_wait / drain_rate,
        "occupancy": load / agents,
    }


def erlang_a_birth_death(
    *, arrival_rate: float, aht_seconds: float, patience_seconds: float, agents: int
) -> dict[str, float]:
    """M/M/n+M solved as a birth-death chain (Garnett, Mandelbaum & Reiman 2002, "Designing a call center
    with impatient customers", MSOM 4(3):208-227, §2): birth rate λ, death rate min(k, n)μ + (k - n)⁺θ.
    P(wait) is the chance an arrival finds k >= n (PASTA); abandonment is θ·E[queue]/λ and the mean wait of
    all offered E[queue]/λ (Little's law). Truncated where the tail is below 1e-300."""
    states = agents + 2000
    death = (
        np.minimum(np.arange(1, states + 1), agents) / aht_seconds
        + np.maximum(np.arange(1, states + 1) - agents, 0) / patience_seconds
    )
    log_weights = np.concatenate(([0.0], np.cumsum(np.log(arrival_rate) - np.log(death))))
    weights = np.exp(log_weights - log_weights.max())
    probabilities = weights / weights.sum()
    queue = np.maximum(np.arange(states + 1) - agents, 0)
    mean_queue = float(queue @ probabilities)
    abandon_rate = mean_queue / patience_seconds / arrival_rate
    return {
        "probability_wait": float(probabilities[agents:].sum()),
        "abandon_rate": abandon_rate,
        "mean_wait_all_seconds": mean_queue / arrival_rate,
        "occupancy": (1 - abandon_rate) * arrival_rate * aht_seconds / agents,
    }


def test_mm1_mean_wait_is_rho_over_mu_minus_lambda() -> None:
    # M/M/1: Wq = ρ/(μ - λ) (Kleinrock, Queueing Systems vol. 1, 1975, §3.2; Gross et al. 2008, §2.2).
    # λ = 0.006/s, μ = 0.01/s: ρ = 0.6, Wq = 0.6 / 0.004 = 150 s; P(wait) = occupancy = ρ.
    scenario = Scenario.steady(
        arrival_rate=0.006,
        agents=1,
        handle_time=DurationDistribution.exponential(100),
        threshold_seconds=20,
        intervals=201,
        interval_seconds=HOUR,
        warm_up_intervals=1,
    )
    day = simulate(scenario, replications=20, seed=20260301).day
    assert defined(day.asa_seconds).contains(150.0)
    assert defined(day.probability_wait).contains(0.6)
    assert defined(day.occupancy).contains(0.6)
    assert defined(day.asa_seconds).half_width < 15  # the check has teeth: ±10 % at most


def _steady(
    *,
    agents: int,
    handle_time: DurationDistribution | None = None,
    patience: DurationDistribution | None = None,
    threshold_seconds: float = 20,
    intervals: int = 25,
) -> Scenario:
    """300 contacts per half hour (1/6 per second), 240 s mean handle time: 40 Erlangs."""
    return Scenario.steady(
        arrival_rate=300 / HALF_HOUR,
        agents=agents,
        handle_time=handle_time or DurationDistribution.exponential(240),
        patience=patience,
        threshold_seconds=threshold_seconds,
        intervals=intervals,
        interval_seconds=HALF_HOUR,
        warm_up_intervals=1,
    )


def test_mmn_matches_the_erlang_c_closed_form() -> None:
    day = simulate(_steady(agents=46), replications=20, seed=20260302).day
    expected = erlang_c_closed_form(arrival_rate=300 / HALF_HOUR, aht_seconds=240, agents=46, threshold_seconds=20)
    assert defined(day.probability_wait).contains(expected["probability_wait"])
    for definition in ServiceLevelDefinition:  # no abandonment: the three definitions coincide
        assert defined(day.service_levels[definition]).contains(expected["service_level"])
    assert defined(day.asa_seconds).contains(expected["asa_seconds"])
    assert defined(day.occupancy).contains(expected["occupancy"])
    assert defined(day.abandon_rate).mean == 0


def test_mmn_plus_m_matches_the_birth_death_chain() -> None:
    patience = 120.0
    day = simulate(
        _steady(agents=42, patience=DurationDistribution.exponential(patience)), replications=20, seed=20260303
    ).day
    expected = erlang_a_birth_death(arrival_rate=300 / HALF_HOUR, aht_seconds=240, patience_seconds=patience, agents=42)
    assert defined(day.probability_wait).contains(expected["probability_wait"])
    assert defined(day.abandon_rate).contains(expected["abandon_rate"])
    assert defined(day.mean_wait_all_seconds).contains(expected["mean_wait_all_seconds"])
    assert defined(day.occupancy).contains(expected["occupancy"])
    assert expected["abandon_rate"] > 0.01  # abandonment matters at this staffing


@pytest.mark.parametrize(
    ("agents", "patience", "model"),
    [(46, None, "erlang_c"), (42, DurationDistribution.exponential(120), "erlang_a")],
)
def test_where_the_assumptions_hold_the_formula_lies_inside_every_interval(
    agents: int, patience: DurationDistribution | None, model: str
) -> None:
    comparison = compare_with_erlang(_steady(agents=agents, patience=patience), replications=20, seed=20260304)
    assert comparison.model == model
    assert comparison.assumptions_hold, comparison.departures
    assert {metric.name for metric in comparison.day} >= {
        "probability_wait",
        *(definition.value for definition in ServiceLevelDefinition),
        "asa_seconds",
        "mean_wait_all_seconds",
        "abandon_rate",
        "occupancy",
    }
    assert comparison.agrees, [m for m in comparison.day if not m.within_confidence_interval]
    assert len(comparison.intervals) == 25


def _formula_outside(comparison: Comparison, name: str) -> tuple[float, Estimate]:
    metric = comparison.metric(name)
    assert not metric.within_confidence_interval
    return metric.formula, metric.simulated


def test_handle_time_variance_worsens_service_level_and_regularity_improves_it() -> None:
    # M/G/n waits grow with the handle-time variance: (1 + CV²)/2 in the Lee-Longton approximation (Lee &
    # Longton 1959; Whitt 1993, "Approximations for the GI/G/m queue", POM 2(2):114-161). A lognormal with
    # CV 2 at the same mean must answer fewer calls within the threshold than Erlang C says; fixed handle
    # times more. Staffed to 80 % within 60 s by Erlang C, where the threshold makes the tail matter.
    staffing = required_agents(
        arrival_rate=300 / HALF_HOUR,
        aht_seconds=240,
        targets=StaffingTargets(service_level=0.8, threshold_seconds=60),
    ).agents
    variable = compare_with_erlang(
        _steady(
            agents=staffing,
            threshold_seconds=60,
            handle_time=DurationDistribution.lognormal(mean_seconds=240, coefficient_of_variation=2),
            intervals=49,
        ),
        # Heavy tails make days differ (one day's service level has a standard deviation near 0.09), so
        # 60 days: the interval's half-width (about 0.025) stays well below the effect (about 0.07).
        replications=60,
        seed=20260305,
    )
    assert any("lognormal" in departure for departure in variable.departures)
    formula, simulated = _formula_outside(variable, OFFERED.value)
    assert simulated.high < formula
    formula, simulated = _formula_outside(variable, "asa_seconds")
    assert simulated.low > formula
    regular = compare_with_erlang(
        _steady(agents=staffing, threshold_seconds=60, handle_time=DurationDistribution.deterministic(240)),
        replications=20,
        seed=20260305,
    )
    formula, simulated = _formula_outside(regular, OFFERED.value)
    assert simulated.low > formula


def test_abandonment_under_erlang_c_staffing_flatters_the_answered_and_loses_callers() -> None:
    # Callers who give up leave the queue to those who stay: a better service level for the answered than
    # Erlang C predicts, paid for by abandonment (Garnett, Mandelbaum & Reiman 2002, §1; Erlang C ignores it).
    staffing = required_agents(
        arrival_rate=300 / HALF_HOUR, aht_seconds=240, targets=StaffingTargets(service_level=0.8, threshold_seconds=20)
    )
    result = simulate(
        _steady(agents=staffing.agents, patience=DurationDistribution.exponential(120)),
        replications=20,
        seed=20260306,
    )
    over_answered = defined(result.day.service_levels[OVER_ANSWERED])
    assert over_answered.low > staffing.metrics.service_level
    assert defined(result.day.abandon_rate).low > 0


def test_arrivals_ramping_inside_the_interval_worsen_service_level() -> None:
    # Same volume per interval, but the rate climbs from 50 % to 150 % of the mean across every half hour:
    # Erlang C sees the mean rate; the queue sees the peak, and waiting time is convex in load.
    staffing = required_agents(
        arrival_rate=300 / HALF_HOUR, aht_seconds=240, targets=StaffingTargets(service_level=0.8, threshold_seconds=20)
    ).agents
    constant = _steady(agents=staffing)
    ramped = Scenario(
        interval_seconds=constant.interval_seconds,
        contacts_per_interval=constant.contacts_per_interval,
        agents_per_interval=constant.agents_per_interval,
        handle_time=constant.handle_time,
        threshold_seconds=constant.threshold_seconds,
        within_interval_ramp=0.5,
        warm_up_intervals=1,
    )
    comparison = compare_with_erlang(ramped, replications=20, seed=20260307)
    assert any("ramp" in departure for departure in comparison.departures)
    formula, simulated = _formula_outside(comparison, OFFERED.value)
    assert simulated.high < formula
    # The offered volume is the planned one: the ramp moves contacts inside the interval, not out of it.
    assert defined(comparison.simulation.day.offered).contains(300 * 24)


def test_a_day_with_a_changing_plan_is_compared_interval_by_interval() -> None:
    volumes = (60.0, 180.0, 320.0, 300.0, 150.0, 40.0)
    agents = tuple(
        required_agents(
            arrival_rate=volume / HALF_HOUR,
            aht_seconds=240,
            targets=StaffingTargets(service_level=0.8, threshold_seconds=20),
        ).agents
        for volume in volumes
    )
    scenario = Scenario(
        interval_seconds=HALF_HOUR,
        contacts_per_interval=volumes,
        agents_per_interval=agents,
        handle_time=DurationDistribution.exponential(240),
        threshold_seconds=20,
        patience=DurationDistribution.exponential(180),
    )
    comparison = compare_with_erlang(scenario, replications=10, seed=20260308)
    assert comparison.model == "erlang_a"
    assert not comparison.assumptions_hold  # the day starts empty and the plan changes
    assert [interval.formula.agents for interval in comparison.intervals] == list(agents)
    # The day's formula value is the offered-weighted mean of the intervals' values.
    day_formula = comparison.metric(OFFERED.value).formula
    interval_formulas = [interval.formula.service_levels[OFFERED] for interval in comparison.intervals]
    assert day_formula == pytest.approx(np.average(interval_formulas, weights=volumes))
