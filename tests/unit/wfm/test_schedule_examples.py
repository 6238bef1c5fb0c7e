"""The example problem used by the benchmark and the demo is deterministic, valid and realistic."""

from __future__ import annotations

import numpy as np

from switchboard.wfm.schedule import example_problem, validate_problem


def test_same_arguments_same_problem() -> None:
    assert example_problem(seed=7) == example_problem(seed=7)
    assert example_problem(seed=7) != example_problem(seed=8)


def test_benchmark_problem_shape() -> None:
    problem = example_problem()
    validate_problem(problem)
    assert len(problem.agents) == 200
    assert problem.horizon.days == 7 and problem.horizon.interval_minutes == 30
    assert len(problem.requirements["support"]) == 7 * 48
    assert len({agent.time_zone for agent in problem.agents}) == 4
    assert {template.name for template in problem.templates} == {"full 8h", "part 6h", "part 4h"}
    assert all(template.breaks for template in problem.templates)
    assert len({agent.availability for agent in problem.agents}) > 1, "availability varies"


def test_requirement_has_a_daily_double_peak_and_quiet_weekends() -> None:
    required = np.array(example_problem().requirements["support"]).reshape(7, 48)
    assert np.all(required >= 2) and np.all(required == np.round(required)), "whole agents, never below two"
    monday = required[0]
    morning, midday, afternoon, night = monday[16:24].max(), monday[24:26].min(), monday[28:34].max(), monday[0:8].max()
    assert morning > midday < afternoon, "two peaks with a dip between"
    assert min(morning, afternoon) > 3 * night
    assert required[5:].sum() < 0.6 * required[:2].sum(), "weekends are quieter"


def test_two_queues_share_the_volume_and_some_agents_hold_both_skills() -> None:
    problem = example_problem(agents=100, queues=("support", "billing"))
    validate_problem(problem)
    support, billing = (sum(problem.requirements[queue]) for queue in ("support", "billing"))
    assert 0.15 < billing / (support + billing) < 0.35
    both = [agent for agent in problem.agents if agent.skills == frozenset({"support", "billing"})]
    assert 10 < len(both) < 60


def test_requirement_scales_with_the_supply_ratio() -> None:
    balanced = sum(example_problem(agents=50).requirements["support"])
    short_staffed = sum(example_problem(agents=50, requirement_to_supply=1.15).requirements["support"])
    assert short_staffed > balanced * 1.1
