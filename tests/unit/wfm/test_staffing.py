"""The inverse problem (fewest agents meeting targets) and exact shrinkage rounding."""

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from switchboard.wfm.erlang import (
    LARGE_ABANDON_RATE,
    InvalidQueueInput,
    QueueMetrics,
    ServiceLevelDefinition,
    StaffingTargets,
    erlang_a_metrics,
    erlang_c_metrics,
    required_agents,
    scheduled_agents,
)
from switchboard.wfm.workload import required_chat_agents

EIGHTY_TWENTY = StaffingTargets(service_level=0.8, threshold_seconds=20)


def meets(metrics: QueueMetrics, targets: StaffingTargets) -> bool:
    """The targets, checked from the public metrics (independently of the search's own check)."""
    return (
        metrics.stable
        and (targets.service_level is None or metrics.service_level >= targets.service_level)
        and (targets.asa_seconds is None or metrics.asa_seconds <= targets.asa_seconds)
        and (targets.max_occupancy is None or metrics.occupancy <= targets.max_occupancy)
        and (targets.max_abandon_rate is None or metrics.abandon_rate <= targets.max_abandon_rate)
    )


def metrics_at(
    agents: int, *, arrival_rate: float, aht_seconds: float, targets: StaffingTargets, patience_seconds: float | None
) -> QueueMetrics:
    common = {
        "agents": agents,
        "arrival_rate": arrival_rate,
        "aht_seconds": aht_seconds,
        "threshold_seconds": targets.threshold_seconds or 0.0,
        "service_level_definition": targets.service_level_definition,
    }
    if patience_seconds is None:
        return erlang_c_metrics(**common)  # type: ignore[arg-type]
    return erlang_a_metrics(patience_seconds=patience_seconds, **common)  # type: ignore[arg-type]


def assert_fewest(
    *, arrival_rate: float, aht_seconds: float, targets: StaffingTargets, patience_seconds: float | None = None
) -> int:
    result = required_agents(
        arrival_rate=arrival_rate, aht_seconds=aht_seconds, targets=targets, patience_seconds=patience_seconds
    )
    context = {"arrival_rate": arrival_rate, "aht_seconds": aht_seconds, "targets": targets}
    assert meets(metrics_at(result.agents, patience_seconds=patience_seconds, **context), targets)  # type: ignore[arg-type]
    if result.agents > 1:
        assert not meets(metrics_at(result.agents - 1, patience_seconds=patience_seconds, **context), targets)  # type: ignore[arg-type]
    assert result.metrics.agents == result.agents
    return result.agents


def test_pyworkforce_readme_staffing_examples() -> None:
    # pyworkforce README (rodrigo-arenas/pyworkforce): 100 calls per 30 min, AHT 3 min, 80/20 with max
    # occupancy 0.85 → 14 raw positions, 20 after 30% shrinkage; the scenario table gives 20, 20 and 22
    # positions for service levels 0.80, 0.85 and 0.90.
    expected = {0.80: (14, 20), 0.85: (14, 20), 0.90: (15, 22)}
    for service_level, (raw, scheduled) in expected.items():
        targets = StaffingTargets(service_level=service_level, threshold_seconds=20, max_occupancy=0.85)
        result = required_agents(arrival_rate=100 / 1800, aht_seconds=180, targets=targets)
        assert (result.agents, scheduled_agents(result.agents, 0.3)) == (raw, scheduled)
        assert result.binding_target == "service_level"


def test_the_issues_example_staffs_827_and_warns_about_17_percent_abandoning() -> None:
    # Issue 6: at 1,000 Erlangs with 60 s patience, 827 agents meet 80/20 while 17% hang up (AHT 300 s).
    result = required_agents(arrival_rate=1000 / 300, aht_seconds=300, targets=EIGHTY_TWENTY, patience_seconds=60)
    assert result.agents == 827
    assert result.metrics.service_level_definition is ServiceLevelDefinition.ANSWERED_WITHIN_OVER_OFFERED
    assert round(result.metrics.abandon_rate, 2) == 0.17
    assert any("17.3%" in warning and "abandon" in warning for warning in result.warnings)


def test_an_abandonment_target_then_decides_and_silences_the_warning() -> None:
    targets = StaffingTargets(service_level=0.8, threshold_seconds=20, max_abandon_rate=LARGE_ABANDON_RATE)
    result = required_agents(arrival_rate=1000 / 300, aht_seconds=300, targets=targets, patience_seconds=60)
    assert result.agents > 827
    assert result.binding_target == "abandon_rate"
    assert result.metrics.abandon_rate <= LARGE_ABANDON_RATE
    assert result.warnings == ()
    assert_fewest(arrival_rate=1000 / 300, aht_seconds=300, targets=targets, patience_seconds=60)


def test_erlang_c_never_staffs_an_unstable_queue() -> None:
    result = required_agents(
        arrival_rate=10 / 180,
        aht_seconds=180,
        targets=StaffingTargets(service_level=0.01, threshold_seconds=600),
    )
    assert result.agents == 11
    assert result.metrics.stable
    assert result.binding_target == "stability"


def test_occupancy_can_bind() -> None:
    targets = StaffingTargets(service_level=0.5, threshold_seconds=60, max_occupancy=0.7)
    result = required_agents(arrival_rate=70 / 180, aht_seconds=180, targets=targets)
    assert result.agents == 100
    assert result.binding_target == "occupancy"


def test_asa_target() -> None:
    targets = StaffingTargets(asa_seconds=15)
    assert assert_fewest(arrival_rate=50 / 180, aht_seconds=180, targets=targets) > 50
    assert assert_fewest(arrival_rate=50 / 180, aht_seconds=180, targets=targets, patience_seconds=120) > 0


def test_nothing_arriving_needs_no_agents() -> None:
    result = required_agents(arrival_rate=0.0, aht_seconds=180, targets=EIGHTY_TWENTY, patience_seconds=60)
    assert result.agents == 0
    assert result.binding_target == "no_demand"
    assert result.metrics.service_level == 1.0


def test_abandonment_target_without_patience_is_flagged() -> None:
    targets = StaffingTargets(service_level=0.8, threshold_seconds=20, max_abandon_rate=0.05)
    result = required_agents(arrival_rate=10 / 180, aht_seconds=180, targets=targets)
    assert result.agents == 14
    assert any("Erlang C" in warning for warning in result.warnings)


@pytest.mark.parametrize("load", [0.01, 1.0, 100.0, 1_000.0, 10_000.0])
def test_fewest_agents_across_the_range(load: float) -> None:
    for patience in (None, 30.0, 600.0):
        assert_fewest(arrival_rate=load / 180, aht_seconds=180, targets=EIGHTY_TWENTY, patience_seconds=patience)


TARGETS = st.builds(
    StaffingTargets,
    service_level=st.one_of(st.none(), st.floats(min_value=0.05, max_value=0.99)),
    threshold_seconds=st.floats(min_value=0.0, max_value=120.0),
    service_level_definition=st.sampled_from(ServiceLevelDefinition),
    asa_seconds=st.one_of(st.none(), st.floats(min_value=0.5, max_value=120.0)),
    max_occupancy=st.one_of(st.none(), st.floats(min_value=0.5, max_value=1.0)),
    max_abandon_rate=st.one_of(st.none(), st.floats(min_value=0.005, max_value=0.5)),
).filter(lambda targets: not targets.is_empty)


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(
    load=st.floats(min_value=0.01, max_value=5_000.0),
    aht_seconds=st.floats(min_value=10.0, max_value=1_200.0),
    patience_ratio=st.one_of(st.none(), st.floats(min_value=0.05, max_value=10.0)),
    targets=TARGETS,
)
def test_required_agents_is_minimal(
    load: float, aht_seconds: float, patience_ratio: float | None, targets: StaffingTargets
) -> None:
    patience = None if patience_ratio is None else patience_ratio * aht_seconds
    agents = assert_fewest(
        arrival_rate=load / aht_seconds, aht_seconds=aht_seconds, targets=targets, patience_seconds=patience
    )
    if patience is None:
        assert agents > load


@pytest.mark.parametrize(
    "make_targets",
    [
        lambda: StaffingTargets(service_level=1.2, threshold_seconds=20),
        lambda: StaffingTargets(service_level=0.0, threshold_seconds=20),
        lambda: StaffingTargets(service_level=0.8),
        lambda: StaffingTargets(service_level=0.8, threshold_seconds=-1),
        lambda: StaffingTargets(asa_seconds=0),
        lambda: StaffingTargets(max_occupancy=0),
        lambda: StaffingTargets(max_abandon_rate=1.5),
        lambda: StaffingTargets(service_level=math.nan, threshold_seconds=20),
    ],
)
def test_impossible_targets_are_refused(make_targets) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidQueueInput):
        make_targets()


def test_invalid_staffing_inputs() -> None:
    with pytest.raises(InvalidQueueInput, match="at least one target"):
        required_agents(arrival_rate=1.0, aht_seconds=180, targets=StaffingTargets())
    with pytest.raises(InvalidQueueInput, match="aht_seconds"):
        required_agents(arrival_rate=1.0, aht_seconds=0, targets=EIGHTY_TWENTY)
    with pytest.raises(InvalidQueueInput, match="arrival_rate"):
        required_agents(arrival_rate=-3.0, aht_seconds=180, targets=EIGHTY_TWENTY)
    with pytest.raises(InvalidQueueInput, match="patience_seconds"):
        required_agents(arrival_rate=1.0, aht_seconds=180, targets=EIGHTY_TWENTY, patience_seconds=-5)


@pytest.mark.parametrize(
    ("agents", "shrinkage", "scheduled"),
    [(21, 0.3, 30), (14, 0.3, 20), (15, 0.3, 22), (7, 0.3, 10), (10, 0.0, 10), (0, 0.5, 0), (1, 0.99, 100)],
)
def test_shrinkage_rounds_exactly(agents: int, shrinkage: float, scheduled: int) -> None:
    # 21 / (1 − 0.3) is 30.000000000000004 in floating point: pyworkforce schedules 31 (issue 6).
    assert scheduled_agents(agents, shrinkage) == scheduled
    assert scheduled_agents(agents, Decimal(str(shrinkage))) == scheduled


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(agents=st.integers(min_value=0, max_value=20_000), percent=st.integers(min_value=0, max_value=99))
def test_shrinkage_matches_integer_arithmetic(agents: int, percent: int) -> None:
    scheduled = scheduled_agents(agents, percent / 100)
    assert scheduled == -(-agents * 100 // (100 - percent))
    assert scheduled == scheduled_agents(agents, Fraction(percent, 100))
    assert scheduled * (100 - percent) >= agents * 100 > (scheduled - 1) * (100 - percent) or agents == 0


@pytest.mark.parametrize("shrinkage", [1.0, -0.1, math.nan, math.inf, 1.5])
def test_invalid_shrinkage_is_refused(shrinkage: float) -> None:
    with pytest.raises(InvalidQueueInput, match="shrinkage"):
        scheduled_agents(10, shrinkage)


def test_absurd_loads_and_occupancy_caps_are_refused_quickly() -> None:
    """Found by schemathesis through the API: a tiny occupancy cap overflowed, and a huge load
    would have stepped through a billion agents."""
    with pytest.raises(InvalidQueueInput, match="more than 1,000,000 agents"):
        required_agents(arrival_rate=1.0, aht_seconds=10.0, targets=StaffingTargets(max_occupancy=5e-324))
    with pytest.raises(InvalidQueueInput, match="up to 100,000"):
        required_agents(
            arrival_rate=1e6 / 60,
            aht_seconds=86_400.0,
            targets=StaffingTargets(service_level=0.8, threshold_seconds=20),
        )
    with pytest.raises(InvalidQueueInput, match="up to 100,000"):
        required_chat_agents(
            arrival_rate=1e4, chat_handle_seconds=1e5, concurrency=3, targets=StaffingTargets(max_occupancy=0.9)
        )
