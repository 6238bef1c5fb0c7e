"""Each model's forecast on series whose answer is known by construction.

No published figures exist for these synthetic series; every expected value follows from how
the series was built (exact periodicity, cancelling offsets, hand-computed weighted means).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from switchboard.wfm.forecast import (
    Forecast,
    ForecastModel,
    InsufficientHistory,
    forecast_best,
    forecast_with,
)
from tests.unit.wfm.test_forecast_synthetic import PARIS, VolumeRule, office_profile, synthetic_history

MONDAY = date(2024, 1, 1)
BASELINES = (ForecastModel.SEASONAL_NAIVE, ForecastModel.WEEKLY_AVERAGE, ForecastModel.WEEKLY_MEDIAN)


def by_local_time(forecast: Forecast, zone: tzinfo = UTC) -> dict[tuple[date, int], float]:
    """Forecast volume keyed by (local date, local minute of day)."""
    keyed = {}
    for start, volume in zip(forecast.interval_starts, forecast.volumes, strict=True):
        local = start.astimezone(zone)
        keyed[(local.date(), local.hour * 60 + local.minute)] = volume
    return keyed


def periodic(day: date, minute: int) -> float | None:
    return office_profile(day.weekday(), minute)


@pytest.mark.parametrize("model", list(ForecastModel))
def test_an_exactly_weekly_series_is_reproduced(model: ForecastModel) -> None:
    history = synthetic_history(first_day=MONDAY, days=6 * 7, volume=periodic)
    forecast = forecast_with(model, history, horizon_days=14)
    # The last row is Friday 17:30 (the weekend has no rows), so the horizon starts on Saturday.
    assert forecast.interval_starts[0] == datetime(2024, 2, 10, tzinfo=UTC)
    assert len(forecast.interval_starts) == 14 * 48
    tolerance = 1e-9 if model in BASELINES else 1e-3  # the smoother is fitted numerically
    for start, volume, closed in zip(forecast.interval_starts, forecast.volumes, forecast.closed, strict=True):
        expected = periodic(start.date(), start.hour * 60 + start.minute)
        assert closed == (expected is None)
        assert volume == pytest.approx(expected or 0.0, rel=tolerance, abs=tolerance)


def test_weekly_average_and_median_recover_the_profile_under_cancelling_noise() -> None:
    # Week k adds +3 or −3 alternately, so any four consecutive weeks average (and have a
    # median equal) to the profile, while the seasonal naive carries last week's −3.
    def offset(day: date, minute: int) -> float | None:
        base = periodic(day, minute)
        week = (day - MONDAY).days // 7
        return None if base is None else base + (3.0 if week % 2 == 0 else -3.0)

    history = synthetic_history(first_day=MONDAY, days=8 * 7, volume=offset)
    for model in (ForecastModel.WEEKLY_AVERAGE, ForecastModel.WEEKLY_MEDIAN):
        forecast = forecast_with(model, history, horizon_days=7)
        for (day, minute), volume in by_local_time(forecast).items():
            assert volume == pytest.approx(periodic(day, minute) or 0.0, abs=1e-9)
    naive = forecast_with(ForecastModel.SEASONAL_NAIVE, history, horizon_days=7)
    monday_ten = by_local_time(naive)[(date(2024, 2, 26), 600)]
    assert monday_ten == pytest.approx((office_profile(0, 600) or 0.0) - 3.0)


@pytest.mark.parametrize("model", list(ForecastModel))
def test_closed_hours_and_weekends_are_forecast_zero(model: ForecastModel) -> None:
    history = synthetic_history(first_day=MONDAY, days=6 * 7, volume=periodic)
    forecast = forecast_with(model, history, horizon_days=7)
    for start, volume, closed in zip(forecast.interval_starts, forecast.volumes, forecast.closed, strict=True):
        open_now = start.weekday() < 5 and 8 <= start.hour < 18
        assert closed is not open_now
        assert (volume > 0) is open_now


def test_an_interval_is_closed_only_after_being_closed_in_each_of_the_last_weeks() -> None:
    # The history runs to Friday of week 5, so its Saturdays and Sundays are weeks 0-4 and
    # "the last 4 weeks" are weeks 1-4. Saturday 09:00 was open in week 0 only: closed.
    # Sunday 09:00 was open in weeks 0-2: still open, at its last open week's value (7 + 2);
    # with a memory of 2 weeks (weeks 3-4, both closed) it is closed.
    def rule(day: date, minute: int) -> float | None:
        week = (day - MONDAY).days // 7
        if minute != 9 * 60:
            return None
        if day.weekday() == 5:
            return 5.0 if week == 0 else None
        if day.weekday() == 6:
            return 7.0 + week if week <= 2 else None
        return 10.0

    history = synthetic_history(first_day=MONDAY, days=6 * 7, volume=rule)
    forecast = by_local_time(forecast_with(ForecastModel.SEASONAL_NAIVE, history, horizon_days=7))
    # The history's last row is Friday 9 February; the horizon starts on Saturday the 10th.
    assert forecast[(date(2024, 2, 10), 540)] == 0.0
    assert forecast[(date(2024, 2, 11), 540)] == 9.0
    shorter_memory = forecast_with(ForecastModel.SEASONAL_NAIVE, history, horizon_days=7, closed_after_weeks=2)
    assert by_local_time(shorter_memory)[(date(2024, 2, 11), 540)] == 0.0


def mondays_rule(levels: dict[int, float | None]) -> VolumeRule:
    """Open 09:00–10:00 every day; Monday of week k has volume levels[k] (None: no rows), others 10."""

    def rule(day: date, minute: int) -> float | None:
        if minute != 9 * 60:
            return None
        if day.weekday() == 0:
            return levels.get((day - MONDAY).days // 7, 10.0)
        return 10.0

    return rule


@pytest.mark.parametrize("listed", [True, False])
def test_the_monday_after_a_holiday_monday_comes_from_the_last_open_monday(listed: bool) -> None:
    levels: dict[int, float | None] = {0: 11.0, 1: 12.0, 2: 13.0, 3: 14.0, 4: 15.0, 5: None}
    holiday = MONDAY + timedelta(weeks=5)
    history = synthetic_history(first_day=MONDAY, days=6 * 7, volume=mondays_rule(levels))
    holidays = [holiday] if listed else []
    next_monday = (MONDAY + timedelta(weeks=6), 540)
    naive = by_local_time(forecast_with(ForecastModel.SEASONAL_NAIVE, history, horizon_days=7, holidays=holidays))
    assert naive[next_monday] == 15.0  # not 0: the holiday is a gap, not zero demand
    average = by_local_time(forecast_with(ForecastModel.WEEKLY_AVERAGE, history, horizon_days=7, holidays=holidays))
    assert average[next_monday] == pytest.approx((12 + 13 + 14 + 15) / 4)
    median = by_local_time(forecast_with(ForecastModel.WEEKLY_MEDIAN, history, horizon_days=7, holidays=holidays))
    assert median[next_monday] == pytest.approx(13.5)


def test_a_listed_holiday_with_rows_is_ignored_and_a_holiday_in_the_horizon_is_closed() -> None:
    # The holiday Monday had a trickle of 1 contact: listed, it must not lower the forecast.
    levels: dict[int, float | None] = {3: 20.0, 4: 1.0}
    history = synthetic_history(first_day=MONDAY, days=5 * 7, volume=mondays_rule(levels))
    holidays = [MONDAY + timedelta(weeks=4), MONDAY + timedelta(weeks=5, days=2)]
    forecast = forecast_with(ForecastModel.SEASONAL_NAIVE, history, horizon_days=7, holidays=holidays)
    keyed = by_local_time(forecast)
    assert keyed[(MONDAY + timedelta(weeks=5), 540)] == 20.0
    wednesday = [
        closed
        for start, closed in zip(forecast.interval_starts, forecast.closed, strict=True)
        if start.date() == holidays[1]
    ]
    assert all(wednesday) and keyed[(holidays[1], 540)] == 0.0
    assert keyed[(MONDAY + timedelta(weeks=5, days=1), 540)] == 10.0


def test_the_daily_model_does_not_read_a_holiday_as_zero_demand() -> None:
    # Flat 100 per day, one listed holiday Monday with no rows: the smoother must still see 100.
    def rule(day: date, minute: int) -> float | None:
        return 100.0 if minute == 12 * 60 and day != MONDAY + timedelta(weeks=5) else None

    history = synthetic_history(first_day=MONDAY, days=7 * 7, volume=rule)
    forecast = forecast_with(ForecastModel.DAILY_ETS, history, horizon_days=7, holidays=[MONDAY + timedelta(weeks=5)])
    open_volumes = [volume for volume, closed in zip(forecast.volumes, forecast.closed, strict=True) if not closed]
    assert open_volumes == pytest.approx([100.0] * 7, rel=1e-3)


def paris_office(day: date, minute: int) -> float | None:
    return office_profile(day.weekday(), minute)


def test_the_daily_profile_stays_on_local_time_across_the_spring_switch() -> None:
    # Four weeks of Paris winter time (UTC+1); the horizon crosses 31 March 2024 into UTC+2.
    history = synthetic_history(first_day=date(2024, 2, 26), days=4 * 7, volume=paris_office, zone=PARIS)
    for model in ForecastModel:
        forecast = forecast_with(model, history, horizon_days=14, zone=PARIS)
        tolerance = 1e-9 if model in BASELINES else 1e-3
        for (day, minute), volume in by_local_time(forecast, PARIS).items():
            assert volume == pytest.approx(paris_office(day, minute) or 0.0, rel=tolerance, abs=tolerance)
        peaks = {
            start: volume for start, volume in zip(forecast.interval_starts, forecast.volumes, strict=True) if volume
        }
        # Monday 10:00 local, the day's peak, is 09:00 UTC in winter and 08:00 UTC in summer.
        assert max(peaks, key=lambda start: (start.date() == date(2024, 3, 25), peaks[start])) == datetime(
            2024, 3, 25, 9, 0, tzinfo=UTC
        )
        assert max(peaks, key=lambda start: (start.date() == date(2024, 4, 1), peaks[start])) == datetime(
            2024, 4, 1, 8, 0, tzinfo=UTC
        )


def test_a_history_that_spans_the_switch_keeps_the_profile_aligned() -> None:
    history = synthetic_history(first_day=date(2024, 3, 11), days=5 * 7, volume=paris_office, zone=PARIS)
    for model in BASELINES:
        forecast = forecast_with(model, history, horizon_days=7, zone=PARIS)
        for (day, minute), volume in by_local_time(forecast, PARIS).items():
            assert volume == pytest.approx(paris_office(day, minute) or 0.0)


def test_switch_days_have_23_and_25_hours_of_intervals() -> None:
    def around_the_clock(day: date, minute: int) -> float:
        return 1.0 + minute / 60

    spring = synthetic_history(first_day=date(2024, 3, 4), days=3 * 7, volume=around_the_clock, zone=PARIS)
    spring_forecast = forecast_with(ForecastModel.SEASONAL_NAIVE, spring, horizon_days=7, zone=PARIS)
    assert len(spring_forecast.interval_starts) == 7 * 48 - 2
    autumn = synthetic_history(first_day=date(2024, 9, 30), days=3 * 7, volume=around_the_clock, zone=PARIS)
    autumn_forecast = forecast_with(ForecastModel.SEASONAL_NAIVE, autumn, horizon_days=7, zone=PARIS)
    assert len(autumn_forecast.interval_starts) == 7 * 48 + 2
    repeated = [
        volume
        for start, volume in zip(autumn_forecast.interval_starts, autumn_forecast.volumes, strict=True)
        if start.astimezone(PARIS).date() == date(2024, 10, 27) and start.astimezone(PARIS).hour == 2
    ]
    assert repeated == [3.0, 3.5, 3.0, 3.5]  # 02:00 and 02:30, once in summer time, once in winter time


def test_handle_time_is_volume_weighted_and_falls_back_to_the_overall_average() -> None:
    # 09:00: weeks alternate (10 contacts, 100 s) and (30 contacts, 200 s): weighted 175 s, not 150.
    # 10:00 has contacts but never a known handle time: the overall weighted average applies.
    def volume(day: date, minute: int) -> float | None:
        week = (day - MONDAY).days // 7
        if minute == 9 * 60:
            return 10.0 if week % 2 == 0 else 30.0
        return 5.0 if minute == 10 * 60 else None

    def handle_time(day: date, minute: int) -> float | None:
        week = (day - MONDAY).days // 7
        if minute == 9 * 60:
            return 100.0 if week % 2 == 0 else 200.0
        return None

    history = synthetic_history(first_day=MONDAY, days=4 * 7, volume=volume, aht=handle_time)
    forecast = forecast_with(ForecastModel.WEEKLY_AVERAGE, history, horizon_days=1)
    assert forecast.aht_seconds is not None
    by_start = dict(zip(forecast.interval_starts, forecast.aht_seconds, strict=True))
    assert by_start[datetime(2024, 1, 29, 9, tzinfo=UTC)] == pytest.approx(175.0)
    assert by_start[datetime(2024, 1, 29, 10, tzinfo=UTC)] == pytest.approx(175.0)
    no_handle_time = synthetic_history(first_day=MONDAY, days=4 * 7, volume=volume)
    assert forecast_with(ForecastModel.WEEKLY_AVERAGE, no_handle_time, horizon_days=1).aht_seconds is None


def test_short_histories_are_refused_or_forecast_without_backtest() -> None:
    with pytest.raises(InsufficientHistory, match="at least 7"):
        forecast_with(
            ForecastModel.SEASONAL_NAIVE, synthetic_history(first_day=MONDAY, days=6, volume=periodic), horizon_days=7
        )
    ten_days = synthetic_history(first_day=MONDAY, days=10, volume=periodic)
    forecast = forecast_best(ten_days, horizon_days=7)
    assert forecast.model is ForecastModel.WEEKLY_AVERAGE
    assert forecast.backtest is None
    assert any("too few to backtest" in note for note in forecast.notes)
    daily = forecast_with(ForecastModel.DAILY_ETS, ten_days, horizon_days=7)
    assert any("weekday means" in note for note in daily.notes)


def test_a_partly_covered_last_day_is_noted() -> None:
    def until_friday_noon(day: date, minute: int) -> float | None:
        if day == MONDAY + timedelta(weeks=3, days=4) and minute >= 12 * 60:
            return None
        return periodic(day, minute)

    history = synthetic_history(first_day=MONDAY, days=3 * 7 + 5, volume=until_friday_noon)
    forecast = forecast_with(ForecastModel.SEASONAL_NAIVE, history, horizon_days=3)
    assert forecast.interval_starts[0] == datetime(2024, 1, 27, tzinfo=UTC)  # the next local midnight
    assert any("partly covered" in note for note in forecast.notes)


@settings(max_examples=25, deadline=None)
@given(
    weeks=st.integers(min_value=2, max_value=6),
    scale=st.floats(min_value=0.5, max_value=20.0),
    seed=st.integers(min_value=0, max_value=2**16),
)
def test_baselines_are_non_negative_bounded_and_scale_with_the_history(weeks: int, scale: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = {(day, slot): float(rng.integers(0, 50)) for day in range(weeks * 7) for slot in range(8)}
    open_cells = {key for key in values if rng.random() < 0.8}

    def rule(factor: float) -> VolumeRule:
        def volume(day: date, minute: int) -> float | None:
            key = ((day - MONDAY).days, minute // 180)
            return values[key] * factor if key in open_cells else None

        return volume

    history = synthetic_history(first_day=MONDAY, days=weeks * 7, volume=rule(1.0), interval_minutes=60)
    scaled = synthetic_history(first_day=MONDAY, days=weeks * 7, volume=rule(scale), interval_minutes=60)
    for model in BASELINES:
        forecast = forecast_with(model, history, horizon_days=7)
        assert all(volume >= 0 for volume in forecast.volumes)
        assert all(volume == 0 for volume, closed in zip(forecast.volumes, forecast.closed, strict=True) if closed)
        assert max(forecast.volumes) <= max(history.volumes)
        scaled_forecast = forecast_with(model, scaled, horizon_days=7)
        assert scaled_forecast.closed == forecast.closed
        assert scaled_forecast.volumes == pytest.approx([volume * scale for volume in forecast.volumes])


def test_a_later_horizon_start_reads_the_days_between_as_closed() -> None:
    # The rows end on Friday 9 February (nobody works weekends); the plan is for the next week.
    history = synthetic_history(first_day=MONDAY, days=6 * 7, volume=periodic)
    for model in ForecastModel:
        forecast = forecast_with(model, history, horizon_days=7, horizon_start=date(2024, 2, 12))
        assert forecast.interval_starts[0] == datetime(2024, 2, 12, tzinfo=UTC)
        assert forecast.interval_starts[-1] == datetime(2024, 2, 18, 23, 30, tzinfo=UTC)
        tolerance = 1e-9 if model in BASELINES else 1e-3
        for (day, minute), volume in by_local_time(forecast).items():
            assert volume == pytest.approx(periodic(day, minute) or 0.0, rel=tolerance, abs=tolerance)
    with pytest.raises(ValueError, match="cannot start on 2024-02-09"):
        forecast_with(ForecastModel.SEASONAL_NAIVE, history, horizon_days=7, horizon_start=date(2024, 2, 9))


def test_an_unknown_model_name_lists_the_known_ones() -> None:
    history = synthetic_history(first_day=MONDAY, days=9, volume=periodic)
    assert forecast_with("weekly_median", history, horizon_days=1).model is ForecastModel.WEEKLY_MEDIAN
    with pytest.raises(ValueError, match="choose one of seasonal_naive, weekly_average"):
        forecast_with("prophet", history, horizon_days=1)
