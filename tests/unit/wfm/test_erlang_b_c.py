"""Erlang B and Erlang C against published figures, exact rational sums, and their own monotonicity."""

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from switchboard.wfm.erlang import InvalidQueueInput, erlang_b, erlang_c, erlang_c_metrics
from switchboard.wfm.erlang.erlang_b_c import erlang_b_by_poisson_tail, erlang_b_by_recursion

LOADS = st.floats(min_value=0.01, max_value=10_000.0, allow_nan=False)


def exact_erlang_b(load: Fraction, agents: int) -> Fraction:
    """Erlang's loss formula summed in exact rationals: (A^n/n!) / Σ_{k<=n} A^k/k!."""
    terms = [Fraction(1)]
    for servers in range(1, agents + 1):
        terms.append(terms[-1] * load / servers)
    return terms[-1] / sum(terms)


def exact_erlang_c(load: Fraction, agents: int) -> Fraction:
    """Erlang's delay formula in exact rationals, written without Erlang B (so it checks the identity)."""
    terms = [Fraction(1)]
    for servers in range(1, agents + 1):
        terms.append(terms[-1] * load / servers)
    waiting_term = terms[-1] * agents / (agents - load)
    return waiting_term / (sum(terms[:-1]) + waiting_term)


def test_erlang_b_ten_erlangs_on_ten_lines_is_0_2146() -> None:
    # The value quoted in Erlang B tables to 4 decimals; checked here against the exact rational sum.
    assert round(erlang_b(10.0, 10), 4) == 0.2146
    assert erlang_b(10.0, 10) == pytest.approx(float(exact_erlang_b(Fraction(10), 10)), rel=1e-14)


def test_erlang_b_matches_the_westbay_calculator_manual_example() -> None:
    # erlang.com calculator manual, "How much traffic can a trunk group handle?": 15 lines at 1%
    # blocking carry at most 8.108 Erlangs (to the 3 decimals the calculator shows).
    assert erlang_b(8.108, 15) <= 0.01 < erlang_b(8.109, 15)


@pytest.mark.parametrize(
    ("load", "agents"),
    [(0.01, 1), (0.5, 3), (2.0, 4), (10.0, 10), (7.3, 12), (25.0, 30), (48.0, 55), (120.5, 130), (300.0, 280)],
)
def test_erlang_b_and_c_equal_exact_rational_sums(load: float, agents: int) -> None:
    exact_load = Fraction(str(load))
    assert erlang_b(load, agents) == pytest.approx(float(exact_erlang_b(exact_load, agents)), rel=1e-12)
    if load < agents:
        assert erlang_c(load, agents) == pytest.approx(float(exact_erlang_c(exact_load, agents)), rel=1e-12)


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(load=LOADS, offset=st.floats(min_value=-0.5, max_value=0.5))
def test_the_poisson_tail_form_agrees_with_the_recursion(load: float, offset: float) -> None:
    agents = max(65, round(load * (1 + offset) + 40 * offset * math.sqrt(load)))
    closed_form = erlang_b_by_poisson_tail(load, agents)
    recursion = erlang_b_by_recursion(load, agents)
    if closed_form is not None:  # None only where the Poisson tail would underflow
        assert closed_form == pytest.approx(recursion, rel=1e-10, abs=1e-300)


def test_pyworkforce_readme_erlang_c_example() -> None:
    # pyworkforce README (rodrigo-arenas/pyworkforce), Erlang C: 100 calls in 30 min, AHT 3 min, 14 agents
    # → service level 0.8884 (20 s), occupancy 0.7143, waiting probability 0.1741. (pyworkforce's example
    # script says the scenario comes from Call Centre Helper's Erlang C worked example; not retrieved here.)
    metrics = erlang_c_metrics(agents=14, arrival_rate=100 / 1800, aht_seconds=180, threshold_seconds=20)
    assert metrics.load_erlangs == pytest.approx(10.0)
    assert round(metrics.service_level, 4) == 0.8884
    assert round(metrics.occupancy, 4) == 0.7143
    assert round(metrics.probability_wait, 4) == 0.1741
    assert metrics.asa_seconds == pytest.approx(metrics.probability_wait * 180 / (14 - 10))


def test_service_level_formula() -> None:
    # SL(T) = 1 − C·exp(−(n − A)·T/AHT) (Gans, Koole & Mandelbaum 2003, Erlang C section).
    metrics = erlang_c_metrics(agents=55, arrival_rate=360 / 1800, aht_seconds=240, threshold_seconds=15)
    expected = 1 - erlang_c(48.0, 55) * math.exp(-(55 - 48) * 15 / 240)
    assert metrics.service_level == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize(("load", "agents"), [(10.0, 10), (10.0, 9), (10_000.0, 9_999), (5.0, 0)])
def test_unstable_queue_is_reported_not_raised(load: float, agents: int) -> None:
    assert erlang_c(load, agents) == 1.0
    metrics = erlang_c_metrics(agents=agents, arrival_rate=load / 100, aht_seconds=100, threshold_seconds=20)
    assert not metrics.stable
    assert metrics.probability_wait == 1.0
    assert metrics.service_level == 0.0
    assert metrics.asa_seconds == math.inf
    assert metrics.occupancy == 1.0


def test_no_arrivals_means_no_waiting() -> None:
    assert erlang_b(0.0, 3) == 0.0
    assert erlang_c(0.0, 3) == 0.0
    metrics = erlang_c_metrics(agents=0, arrival_rate=0.0, aht_seconds=100, threshold_seconds=20)
    assert metrics.stable and metrics.service_level == 1.0 and metrics.occupancy == 0.0


@pytest.mark.parametrize("load", [0.01, 0.1, 1.0, 10.0, 100.0, 1_000.0, 10_000.0])
def test_stable_and_finite_from_0_01_to_10_000_erlangs(load: float) -> None:
    for agents in {1, math.floor(load) + 1, math.ceil(load + 3 * math.sqrt(load)), 12_000}:
        metrics = erlang_c_metrics(agents=agents, arrival_rate=load / 180, aht_seconds=180, threshold_seconds=20)
        for value in (metrics.probability_wait, metrics.service_level, metrics.occupancy):
            assert 0.0 <= value <= 1.0
        assert not math.isnan(metrics.asa_seconds)
        assert metrics.stable == (load < agents)
        assert 0.0 <= erlang_b(load, agents) <= 1.0


@settings(max_examples=80, deadline=None, derandomize=True, database=None)
@given(load=LOADS, spare=st.floats(min_value=0.0, max_value=4.0), threshold=st.floats(0.0, 600.0))
def test_more_agents_never_hurt(load: float, spare: float, threshold: float) -> None:
    agents = math.floor(load + spare * math.sqrt(load)) + 1
    fewer = erlang_c_metrics(agents=agents, arrival_rate=load / 300, aht_seconds=300, threshold_seconds=threshold)
    more = erlang_c_metrics(agents=agents + 1, arrival_rate=load / 300, aht_seconds=300, threshold_seconds=threshold)
    assert more.probability_wait <= fewer.probability_wait + 1e-12
    assert more.service_level >= fewer.service_level - 1e-12
    assert more.asa_seconds <= fewer.asa_seconds * (1 + 1e-12)
    assert more.occupancy <= fewer.occupancy
    assert erlang_b(load, agents + 1) <= erlang_b(load, agents)


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(load=LOADS, growth=st.floats(min_value=1.0001, max_value=1.2))
def test_more_load_never_helps(load: float, growth: float) -> None:
    agents = math.ceil(load * growth) + 1
    lighter = erlang_c_metrics(agents=agents, arrival_rate=load / 60, aht_seconds=60, threshold_seconds=20)
    heavier = erlang_c_metrics(agents=agents, arrival_rate=load * growth / 60, aht_seconds=60, threshold_seconds=20)
    assert heavier.probability_wait >= lighter.probability_wait - 1e-12
    assert heavier.service_level <= lighter.service_level + 1e-12
    assert erlang_b(load * growth, agents) >= erlang_b(load, agents)


@pytest.mark.parametrize(
    ("load", "agents"), [(-1.0, 3), (math.nan, 3), (math.inf, 3), (1.0, -1), (1.0, True), (1.0, 2.5)]
)
def test_invalid_inputs_raise_a_clear_error(load: float, agents: int) -> None:
    with pytest.raises(InvalidQueueInput, match=r"load_erlangs|agents"):
        erlang_b(load, agents)
    with pytest.raises(ValueError, match=r"load_erlangs|agents"):
        erlang_c(load, agents)


def test_invalid_metrics_inputs() -> None:
    with pytest.raises(InvalidQueueInput, match="aht_seconds"):
        erlang_c_metrics(agents=3, arrival_rate=1.0, aht_seconds=0, threshold_seconds=20)
    with pytest.raises(InvalidQueueInput, match="arrival_rate"):
        erlang_c_metrics(agents=3, arrival_rate=-1.0, aht_seconds=10, threshold_seconds=20)
    with pytest.raises(InvalidQueueInput, match="threshold_seconds"):
        erlang_c_metrics(agents=3, arrival_rate=1.0, aht_seconds=10, threshold_seconds=-1)
