"""Erlang C staffing for many intervals at once: the scalar search's answers, and its refusals."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from switchboard.wfm.erlang import InvalidQueueInput, StaffingTargets, erlang_c_agents_many, required_agents
from switchboard.wfm.erlang.erlang_b_c import RECURSION_MAX_AGENTS, STIRLING_MIN_ARGUMENT

EIGHTY_TWENTY = StaffingTargets(service_level=0.8, threshold_seconds=20)
TARGET_MIXES = (
    EIGHTY_TWENTY,
    StaffingTargets(service_level=0.95, threshold_seconds=10),
    StaffingTargets(asa_seconds=15),
    StaffingTargets(max_occupancy=0.85),
    StaffingTargets(service_level=0.9, threshold_seconds=30, asa_seconds=10, max_occupancy=0.9),
    StaffingTargets(service_level=1.0, threshold_seconds=0),
)


def scalar_answers(rates: np.ndarray, handle: np.ndarray, targets: StaffingTargets) -> list[int]:
    return [
        required_agents(arrival_rate=float(rate), aht_seconds=float(aht), targets=targets).agents
        for rate, aht in zip(rates, handle, strict=True)
    ]


def test_the_closed_form_only_sees_shapes_on_its_stirling_branch() -> None:
    assert STIRLING_MIN_ARGUMENT < RECURSION_MAX_AGENTS


@pytest.mark.parametrize("targets", TARGET_MIXES, ids=lambda targets: repr(targets)[16:60])
def test_agrees_with_the_scalar_search_from_a_hundredth_to_ten_thousand_erlangs(targets: StaffingTargets) -> None:
    generator = np.random.default_rng(7)
    loads = np.exp(generator.uniform(math.log(0.01), math.log(10_000), 600))
    handle = generator.uniform(20, 900, loads.size)
    rates = loads / handle
    assert erlang_c_agents_many(arrival_rates=rates, aht_seconds=handle, targets=targets).tolist() == scalar_answers(
        rates, handle, targets
    )


@settings(max_examples=150, deadline=None)
@given(
    loads=st.lists(st.floats(min_value=0.0, max_value=12_000.0), min_size=1, max_size=12),
    aht=st.floats(min_value=1.0, max_value=3_600.0),
    share=st.floats(min_value=0.05, max_value=1.0),
    threshold=st.floats(min_value=0.0, max_value=600.0),
)
def test_every_answer_is_the_scalar_one(loads: list[float], aht: float, share: float, threshold: float) -> None:
    targets = StaffingTargets(service_level=share, threshold_seconds=threshold)
    rates = np.array(loads) / aht
    handle = np.full(rates.size, aht)
    assert erlang_c_agents_many(arrival_rates=rates, aht_seconds=aht, targets=targets).tolist() == scalar_answers(
        rates, handle, targets
    )


def test_no_arrivals_need_no_agents_and_one_handle_time_serves_every_interval() -> None:
    answers = erlang_c_agents_many(arrival_rates=[0.0, 10 / 180, 0.0], aht_seconds=180, targets=EIGHTY_TWENTY)
    assert answers.tolist() == [0, 14, 0]
    assert erlang_c_agents_many(arrival_rates=[], aht_seconds=180, targets=EIGHTY_TWENTY).tolist() == []
    assert erlang_c_agents_many(arrival_rates=1 / 180, aht_seconds=180, targets=EIGHTY_TWENTY).tolist() == [3]


@pytest.mark.parametrize(
    ("rates", "aht", "message"),
    [
        ([0.1, -0.1], 180, r"arrival_rates\[1\] must be a finite number >= 0"),
        ([0.1, math.nan], 180, r"arrival_rates\[1\]"),
        ([math.inf], 180, r"arrival_rates\[0\]"),
        ([0.1, 0.1], [180, 0], r"aht_seconds\[1\] must be a finite number of seconds"),
        ([0.1, 0.1], [180, math.nan], r"aht_seconds\[1\]"),
        ([0.1, 0.1], [180, 180, 180], r"one value per interval \(2\), got 3"),
        ([[0.1]], 180, "one-dimensional"),
        ([0.1, 1_000.0], 180, r"interval 1 offers 180,000 Erlangs"),
    ],
)
def test_bad_intervals_are_refused_by_position(rates: object, aht: object, message: str) -> None:
    with pytest.raises(InvalidQueueInput, match=message):
        erlang_c_agents_many(arrival_rates=rates, aht_seconds=aht, targets=EIGHTY_TWENTY)  # type: ignore[arg-type]


def test_no_target_and_an_unreachable_occupancy_are_refused() -> None:
    with pytest.raises(InvalidQueueInput, match="at least one target"):
        erlang_c_agents_many(arrival_rates=[0.1], aht_seconds=180, targets=StaffingTargets())
    with pytest.raises(InvalidQueueInput, match="maximum occupancy"):
        erlang_c_agents_many(arrival_rates=[500 / 180], aht_seconds=180, targets=StaffingTargets(max_occupancy=1e-6))
