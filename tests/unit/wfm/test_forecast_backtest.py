"""Error measures checked by hand, the rolling-origin backtest's honesty, and the model it picks.

The hand-checked figures are worked out in the comments beside them; no published values are
used because the measures are definitions (MAE, WAPE as the MAD/mean ratio, bias) rather than
results, and the staffing error is this project's own weighting.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import partial

import numpy as np
import pytest

from switchboard.wfm.forecast import (
    FloatArray,
    ForecastModel,
    InsufficientHistory,
    IntArray,
    ModelScore,
    StaffingWeights,
    backtest,
    bias,
    forecast_best,
    mean_absolute_error,
    staffing_error,
    weighted_absolute_percentage_error,
)
from switchboard.wfm.forecast.backtest import choose_model
from tests.unit.wfm.test_forecast_synthetic import (
    PARIS,
    VolumeRule,
    noisy_office,
    office_profile,
    synthetic_history,
)

MONDAY = date(2024, 1, 1)
BASELINES = (ForecastModel.SEASONAL_NAIVE, ForecastModel.WEEKLY_AVERAGE, ForecastModel.WEEKLY_MEDIAN)


def agents_by_workload(volumes: FloatArray, aht_seconds: FloatArray, interval_seconds: int) -> IntArray:
    """Stand-in for Erlang C: enough agents to carry the offered workload at 100% occupancy."""
    return np.ceil(volumes * aht_seconds / interval_seconds - 1e-9).astype(np.int64)


def staffing(score: ModelScore) -> float:
    assert score.staffing_error is not None
    return score.staffing_error


def test_measures_on_a_hand_checked_example() -> None:
    actual = np.array([10.0, 0.0, 5.0, 5.0])
    forecast = np.array([8.0, 2.0, 5.0, 9.0])
    # |errors| = 2, 2, 0, 4 → sum 8, mean 2; sum actual 20, sum forecast 24.
    assert mean_absolute_error(actual, forecast) == 2.0
    assert weighted_absolute_percentage_error(actual, forecast) == 8 / 20
    assert bias(actual, forecast) == (24 - 20) / 20
    # Needed 3, 0, 2, 2 against planned 2, 1, 2, 4: one missing agent, three spare.
    needed, planned = np.array([3, 0, 2, 2]), np.array([2, 1, 2, 4])
    assert staffing_error(needed_agents=needed, planned_agents=planned, weights=StaffingWeights()) == (2 * 1 + 3) / 4
    assert (
        staffing_error(needed_agents=needed, planned_agents=planned, weights=StaffingWeights(under=5, over=0.5))
        == (5 * 1 + 0.5 * 3) / 4
    )


def test_measures_with_no_actual_volume() -> None:
    zeros = np.zeros(3)
    assert weighted_absolute_percentage_error(zeros, zeros) == 0.0
    assert bias(zeros, zeros) == 0.0
    assert weighted_absolute_percentage_error(zeros, np.array([0.0, 1.0, 0.0])) == math.inf
    assert mean_absolute_error(np.array([]), np.array([])) == 0.0


def test_under_staffing_costs_more_than_the_same_over_staffing() -> None:
    needed = np.array([3])
    short = staffing_error(needed_agents=needed, planned_agents=np.array([2]), weights=StaffingWeights())
    spare = staffing_error(needed_agents=needed, planned_agents=np.array([4]), weights=StaffingWeights())
    assert (short, spare) == (2.0, 1.0)
    with pytest.raises(ValueError, match="weights"):
        StaffingWeights(under=-1)


def three_weeks(actual_week_two: list[float]) -> VolumeRule:
    """One open hour a day (09:00 UTC): week 0 all 10, week 1 all 20, week 2 as given."""

    def rule(day: date, minute: int) -> float | None:
        if minute != 9 * 60:
            return None
        week, weekday = divmod((day - MONDAY).days, 7)
        return (10.0, 20.0)[week] if week < 2 else actual_week_two[weekday]

    return rule


def test_backtest_scores_match_a_hand_computation() -> None:
    week_two = [30.0, 20.0, 10.0, 40.0, 20.0, 20.0, 20.0]  # sum 160
    history = synthetic_history(first_day=MONDAY, days=21, volume=three_weeks(week_two), interval_minutes=60)
    report = backtest(
        history,
        horizon_days=7,
        backtest_weeks=1,
        models=BASELINES,
        agents_for=agents_by_workload,
        assumed_aht_seconds=360,  # agents = ceil(volume / 10) for an hour
    )
    assert report.origins == (datetime(2024, 1, 15, tzinfo=UTC),)
    naive = report.score(ForecastModel.SEASONAL_NAIVE)
    # Forecast 20 a day: |errors| 10, 0, 10, 20, 0, 0, 0 = 40; sum forecast 140.
    # Agents needed 3, 2, 1, 4, 2, 2, 2 against 2 planned: 3 missing, 1 spare → (2·3 + 1)/7 = 1.
    assert (naive.intervals, naive.total_actual, naive.total_forecast) == (7, 160.0, 140.0)
    assert naive.mean_absolute_error == pytest.approx(40 / 7)
    assert naive.wape == pytest.approx(0.25)
    assert naive.bias == pytest.approx(-0.125)
    assert naive.staffing_error == pytest.approx(1.0)
    assert (naive.understaffed_agent_intervals, naive.overstaffed_agent_intervals) == (3, 1)
    average = report.score(ForecastModel.WEEKLY_AVERAGE)
    # Forecast 15 a day (mean of 10 and 20): |errors| 15, 5, 5, 25, 5, 5, 5 = 65; sum forecast 105.
    # ceil(1.5) = 2 agents planned, as for the naive, so the staffing error ties at 1.
    assert average.mean_absolute_error == pytest.approx(65 / 7)
    assert average.wape == pytest.approx(65 / 160)
    assert average.bias == pytest.approx((105 - 160) / 160)
    assert average.staffing_error == pytest.approx(1.0)
    assert report.score(ForecastModel.WEEKLY_MEDIAN).total_forecast == pytest.approx(105.0)
    # Tie on staffing error, so WAPE decides.
    assert (report.chosen, report.decided_by) == (ForecastModel.SEASONAL_NAIVE, "wape")


def test_without_agents_for_the_pick_is_by_wape() -> None:
    week_two = [30.0, 20.0, 10.0, 40.0, 20.0, 20.0, 20.0]
    history = synthetic_history(first_day=MONDAY, days=21, volume=three_weeks(week_two), interval_minutes=60)
    report = backtest(history, horizon_days=7, backtest_weeks=1, models=BASELINES)
    assert report.score(ForecastModel.SEASONAL_NAIVE).staffing_error is None
    assert (report.chosen, report.decided_by) == (ForecastModel.SEASONAL_NAIVE, "wape")


def test_choose_model_orders_staffing_error_then_wape_then_simplicity() -> None:
    base = ModelScore(
        model=ForecastModel.DAILY_ETS,
        intervals=1,
        total_actual=1,
        total_forecast=1,
        total_absolute_error=0,
        mean_absolute_error=0,
        wape=0.2,
        bias=0,
        staffing_error=1.0,
    )
    naive = replace(base, model=ForecastModel.SEASONAL_NAIVE, wape=0.1, staffing_error=1.5)
    assert choose_model([naive, base]) == (ForecastModel.DAILY_ETS, "staffing_error")
    assert choose_model([replace(naive, staffing_error=1.0), base]) == (ForecastModel.SEASONAL_NAIVE, "wape")
    tied = replace(naive, staffing_error=1.0, wape=0.2 + 1e-13)
    assert choose_model([base, tied]) == (ForecastModel.SEASONAL_NAIVE, "simplicity")


def test_the_backtest_never_sees_past_its_origin() -> None:
    # Two histories that differ only by spikes in the last week, which lies after the last
    # origin. Every origin's forecasts must be identical; only the actual volume differs.
    first_day = MONDAY
    rule = noisy_office(seed=3, first_day=first_day)
    last_week = first_day + timedelta(weeks=9)

    def spiked(day: date, minute: int) -> float | None:
        value = rule(day, minute)
        return value * 50 if value is not None and day >= last_week else value

    quiet = synthetic_history(first_day=first_day, days=10 * 7, volume=rule)
    loud = synthetic_history(first_day=first_day, days=10 * 7, volume=spiked)
    run = partial(backtest, horizon_days=7, backtest_weeks=6, agents_for=agents_by_workload, assumed_aht_seconds=300)
    quiet_report, loud_report = run(quiet), run(loud)
    # The rows end on Friday 8 March, so the last 7-day horizon starts Saturday 2 March, before the spikes.
    assert loud_report.origins[-1] == datetime(2024, 3, 2, tzinfo=UTC)
    last_week_volume = sum(
        v for s, v in zip(quiet.interval_starts, quiet.volumes, strict=True) if s.date() >= last_week
    )
    for model in ForecastModel:
        quiet_score, loud_score = quiet_report.score(model), loud_report.score(model)
        assert loud_score.total_forecast == quiet_score.total_forecast
        assert loud_score.total_actual == pytest.approx(quiet_score.total_actual + 49 * last_week_volume)


def growing_office(weekly_growth: float, seed: int) -> VolumeRule:
    return noisy_office(seed=seed, weekly_growth=weekly_growth, noise=0.05, first_day=MONDAY)


def test_the_daily_model_beats_the_baselines_on_a_trend_and_is_picked() -> None:
    history = synthetic_history(first_day=MONDAY, days=16 * 7, volume=growing_office(0.04, seed=11))
    report = backtest(history, horizon_days=7, backtest_weeks=6, agents_for=agents_by_workload, assumed_aht_seconds=600)
    ets = report.score(ForecastModel.DAILY_ETS)
    for baseline in BASELINES:
        assert staffing(ets) < staffing(report.score(baseline))
        assert ets.wape < report.score(baseline).wape
        assert report.score(baseline).bias < -0.03  # the baselines lag the growth
    assert (report.chosen, report.decided_by) == (ForecastModel.DAILY_ETS, "staffing_error")
    forecast = forecast_best(
        history, horizon_days=7, backtest_weeks=6, agents_for=agents_by_workload, assumed_aht_seconds=600
    )
    assert forecast.model is ForecastModel.DAILY_ETS
    assert forecast.backtest == report


def test_on_noise_free_weekly_data_the_baselines_are_not_beaten_and_the_simplest_wins() -> None:
    history = synthetic_history(
        first_day=MONDAY, days=8 * 7, volume=lambda day, minute: office_profile(day.weekday(), minute)
    )
    report = backtest(history, horizon_days=7, backtest_weeks=4, agents_for=agents_by_workload, assumed_aht_seconds=300)
    naive = report.score(ForecastModel.SEASONAL_NAIVE)
    assert (naive.total_absolute_error, naive.staffing_error) == (0.0, 0.0)
    for score in report.scores:
        assert staffing(score) >= staffing(naive)
        assert score.wape >= 0.0
    assert report.chosen is ForecastModel.SEASONAL_NAIVE
    tie = backtest(
        history, horizon_days=7, backtest_weeks=4, models=(ForecastModel.WEEKLY_AVERAGE, ForecastModel.SEASONAL_NAIVE)
    )
    assert (tie.chosen, tie.decided_by) == (ForecastModel.SEASONAL_NAIVE, "simplicity")


def test_origins_are_local_midnights_a_week_apart() -> None:
    history = synthetic_history(
        first_day=date(2024, 1, 1),
        days=6 * 7,
        volume=lambda day, minute: office_profile(day.weekday(), minute),
        zone=PARIS,
    )
    report = backtest(history, horizon_days=5, zone=PARIS, backtest_weeks=10, models=BASELINES)
    # The history runs to Friday 9 February; the last whole 5-day horizon starts Monday 5 February.
    # Paris midnight is 23:00 UTC the day before in winter; origins need two weeks of history.
    assert report.origins == tuple(datetime(2024, 1, 14, 23, tzinfo=UTC) + timedelta(weeks=week) for week in range(4))


def test_handle_time_from_the_history_feeds_the_staffing_error() -> None:
    def handle_time(day: date, minute: int) -> float:
        return 1800.0 if (day - MONDAY).days >= 14 else 360.0  # handle time jumps in week 2

    history = synthetic_history(
        first_day=MONDAY,
        days=21,
        volume=three_weeks([20.0] * 7),
        interval_minutes=60,
        aht=handle_time,
    )
    report = backtest(
        history, horizon_days=7, backtest_weeks=1, models=(ForecastModel.SEASONAL_NAIVE,), agents_for=agents_by_workload
    )
    # Volume is forecast exactly (20), but planned on 360 s (2 agents) when 1800 s needed 10.
    naive = report.score(ForecastModel.SEASONAL_NAIVE)
    assert naive.total_absolute_error == 0.0
    assert naive.understaffed_agent_intervals == 7 * 8
    assert naive.staffing_error == pytest.approx(2 * 8)


def test_backtest_preconditions() -> None:
    history = synthetic_history(first_day=MONDAY, days=20, volume=three_weeks([20.0] * 7), interval_minutes=60)
    with pytest.raises(InsufficientHistory, match="needs 21"):
        backtest(history, horizon_days=7)
    longer = synthetic_history(first_day=MONDAY, days=21, volume=three_weeks([20.0] * 7), interval_minutes=60)
    with pytest.raises(ValueError, match="assumed_aht_seconds"):
        backtest(longer, horizon_days=7, agents_for=agents_by_workload)
    with pytest.raises(ValueError, match="horizon_days"):
        backtest(longer, horizon_days=0)


def poisson_rate(day: date, minute: int) -> float:
    hour = minute / 60
    return 20 + 120 * math.exp(-(((hour - 11) / 3) ** 2)) * (1.0 if day.weekday() < 5 else 0.5)


def test_backtest_errors_on_poisson_arrivals_match_theory() -> None:
    # Independent check of the backtest's arithmetic. Arrivals are Poisson with a known mean μ
    # per interval (20 to 140, near-normal). The oracle forecasting μ has mean absolute error
    # E|X − μ| ≈ σ√(2/π) (mean absolute deviation of the normal distribution: Johnson, Kotz &
    # Balakrishnan, *Continuous Univariate Distributions* vol. 1, 2nd ed., 1994, ch. 13). A
    # forecast that is itself one past week's count has error variance 2σ², so its MAE is √2
    # times the oracle's; the mean of 4 past weeks has variance σ²(1 + 1/4): √1.25 ≈ 1.118 times.
    rng = np.random.default_rng(0)
    history = synthetic_history(
        first_day=MONDAY, days=20 * 7, volume=lambda day, minute: float(rng.poisson(poisson_rate(day, minute)))
    )
    report = backtest(history, horizon_days=7, backtest_weeks=12)
    scored = [
        (start, volume)
        for start, volume in zip(history.interval_starts, history.volumes, strict=True)
        if start >= report.origins[0]
    ]
    assert len(scored) == report.score(ForecastModel.SEASONAL_NAIVE).intervals == 12 * 7 * 48
    oracle = sum(abs(volume - poisson_rate(start.date(), start.hour * 60 + start.minute)) for start, volume in scored)
    ratio = {score.model: score.total_absolute_error / oracle for score in report.scores}
    assert ratio[ForecastModel.SEASONAL_NAIVE] == pytest.approx(math.sqrt(2), rel=0.04)
    assert ratio[ForecastModel.WEEKLY_AVERAGE] == pytest.approx(math.sqrt(1.25), rel=0.03)
    assert ratio[report.chosen] <= ratio[ForecastModel.WEEKLY_AVERAGE]
