"""History CSV: every malformed input named with its line, and text that reads back as written."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from switchboard.wfm.forecast import (
    ForecastModel,
    HistoryCsvError,
    HistoryRow,
    IntervalHistory,
    InvalidHistory,
    forecast_with,
    format_forecast_csv,
    format_history_csv,
    history_from_rows,
    parse_history_csv,
)
from tests.unit.wfm.test_forecast_synthetic import office_profile, synthetic_history

HEADER = "interval_start,volume\n"


def test_rows_in_any_order_and_offset_are_read_as_sorted_utc() -> None:
    text = (
        "\ufeffInterval_Start , Volume , AHT_seconds\r\n"
        "2024-01-01T10:30:00+01:00,4,\r\n"
        "2024-01-01T09:00:00Z,2.5,180\r\n"
        "\r\n"
        "2024-01-01 08:30:00+00:00,0,0\r\n"
    )
    history = parse_history_csv(text, interval_minutes=30)
    assert history.interval_starts == (
        datetime(2024, 1, 1, 8, 30, tzinfo=UTC),
        datetime(2024, 1, 1, 9, 0, tzinfo=UTC),
        datetime(2024, 1, 1, 9, 30, tzinfo=UTC),
    )
    assert history.volumes == (0.0, 2.5, 4.0)
    assert history.aht_seconds == (None, 180.0, None)  # an AHT of 0 with no contacts reads as unknown


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("", 1, "empty file"),
        ("\n\n", 1, "empty file"),
        (HEADER, 2, "no data rows"),
        ("start,volume\n2024-01-01T09:00Z,1\n", 1, "header must be"),
        ("interval_start,volume,aht_seconds,queue\n", 1, "header must be"),
        (HEADER + "2024-01-01T09:00Z,1\nyesterday,2\n", 3, "not an ISO 8601 time"),
        (HEADER + "2024-01-01T09:00Z,1\n2024-01-01T09:30,2\n", 3, "no UTC offset"),
        (HEADER + "2024-01-01T09:00Z,1\n2024-01-01T09:10Z,2\n", 3, "not aligned"),
        (HEADER + "2024-01-01T09:10Z,1\n", 2, "quarter hour"),
        (HEADER + "2024-01-01T09:00:30Z,1\n", 2, "quarter hour"),
        (HEADER + "2024-01-01T09:00Z,1\n2024-01-01T09:30Z,1\n2024-01-01T10:00+01:00,2\n", 4, "first on line 2"),
        (HEADER + "2024-01-01T09:00Z,-1\n", 2, "finite number >= 0"),
        (HEADER + "2024-01-01T09:00Z,1\n2024-01-01T09:30Z,nan\n", 3, "finite number >= 0"),
        (HEADER + "2024-01-01T09:00Z,inf\n", 2, "finite number >= 0"),
        (HEADER + "2024-01-01T09:00Z,many\n", 2, "is not a number"),
        (HEADER + "2024-01-01T09:00Z,1,2\n", 2, "expected 2 fields"),
        ("interval_start,volume,aht_seconds\n2024-01-01T09:00Z,1,-5\n", 2, "finite number >= 0"),
        ("interval_start,volume,aht_seconds\n2024-01-01T09:00Z,3,0\n", 2, "aht_seconds must be > 0"),
        (HEADER + '2024-01-01T09:00Z,"1\n', 2, "not valid CSV"),
        (HEADER + '2024-01-01T09:00Z,1\n2024-01-01T09:30Z,"2"x\n', 3, "not valid CSV"),
    ],
)
def test_malformed_input_names_its_line(text: str, line: int, reason: str) -> None:
    with pytest.raises(HistoryCsvError, match=reason) as raised:
        parse_history_csv(text, interval_minutes=30)
    assert raised.value.line == line
    assert str(raised.value).startswith(f"line {line}: ")


def test_too_many_rows_stops_at_the_first_row_over_the_limit() -> None:
    text = HEADER + "".join(f"2024-01-01T{hour:02d}:00Z,1\n" for hour in range(5))
    with pytest.raises(HistoryCsvError, match="more than 3 rows") as raised:
        parse_history_csv(text, interval_minutes=60, max_rows=3)
    assert raised.value.line == 5
    assert len(parse_history_csv(text, interval_minutes=60, max_rows=5)) == 5


def test_naive_times_are_read_in_an_assumed_zone_when_one_is_named() -> None:
    text = HEADER + "2024-07-01T09:00:00,3\n"
    history = parse_history_csv(text, interval_minutes=15, assumed_zone=ZoneInfo("Europe/Paris"))
    assert history.interval_starts == (datetime(2024, 7, 1, 7, 0, tzinfo=UTC),)


def test_an_hourly_grid_may_sit_on_the_half_hour() -> None:
    # A centre in India (UTC+05:30) with hourly intervals starts them at :30 UTC.
    text = HEADER + "2024-01-01T09:00+05:30,1\n2024-01-01T10:00+05:30,2\n"
    history = parse_history_csv(text, interval_minutes=60)
    assert history.interval_starts[0] == datetime(2024, 1, 1, 3, 30, tzinfo=UTC)
    forecast = forecast_with(
        ForecastModel.SEASONAL_NAIVE,
        synthetic_history(
            first_day=date(2024, 1, 1),
            days=7,
            volume=lambda day, minute: 5.0 if minute == 9 * 60 else None,
            zone=ZoneInfo("Asia/Kolkata"),
            interval_minutes=60,
        ),
        horizon_days=1,
        zone=ZoneInfo("Asia/Kolkata"),
    )
    open_starts = [start for start, closed in zip(forecast.interval_starts, forecast.closed, strict=True) if not closed]
    assert open_starts == [datetime(2024, 1, 8, 3, 30, tzinfo=UTC)]


def test_an_unsupported_interval_length_is_refused() -> None:
    with pytest.raises(InvalidHistory, match="interval_minutes"):
        parse_history_csv(HEADER + "2024-01-01T09:00Z,1\n", interval_minutes=20)


def test_a_forecast_reads_back_as_a_history() -> None:
    history = synthetic_history(
        first_day=date(2024, 1, 1),
        days=3 * 7,
        volume=lambda day, minute: office_profile(day.weekday(), minute),
        aht=lambda day, minute: 240.0 + minute / 7,
    )
    forecast = forecast_with(ForecastModel.WEEKLY_AVERAGE, history, horizon_days=7)
    text = format_forecast_csv(forecast)
    assert text.splitlines()[0] == "interval_start,volume,aht_seconds"
    assert text.splitlines()[1].startswith("2024-01-22T08:00:00Z,")
    back = parse_history_csv(text, interval_minutes=30)
    open_intervals = [index for index, closed in enumerate(forecast.closed) if not closed]
    assert back.interval_starts == tuple(forecast.interval_starts[index] for index in open_intervals)
    assert back.volumes == pytest.approx([forecast.volumes[index] for index in open_intervals], abs=5e-4)
    assert forecast.aht_seconds is not None and back.aht_seconds is not None
    assert back.aht_seconds == pytest.approx([forecast.aht_seconds[index] for index in open_intervals], abs=0.05)
    with_closed = parse_history_csv(format_forecast_csv(forecast, include_closed=True), interval_minutes=30)
    assert len(with_closed) == len(forecast.interval_starts)
    assert sum(with_closed.volumes) == pytest.approx(sum(back.volumes))


def test_without_handle_time_the_forecast_has_two_columns() -> None:
    history = synthetic_history(
        first_day=date(2024, 1, 1), days=7, volume=lambda day, minute: 1.0 if minute == 0 else None
    )
    text = format_forecast_csv(forecast_with(ForecastModel.SEASONAL_NAIVE, history, horizon_days=2))
    assert text == "interval_start,volume\n2024-01-08T00:00:00Z,1.000\n2024-01-09T00:00:00Z,1.000\n"


@settings(max_examples=40, deadline=None)
@given(
    interval_minutes=st.sampled_from([15, 30, 60]),
    cells=st.dictionaries(
        st.integers(min_value=0, max_value=2000),
        st.tuples(
            st.integers(min_value=0, max_value=10**7).map(lambda milli: milli / 1000),
            st.one_of(st.none(), st.integers(min_value=1, max_value=36_000).map(lambda tenth: tenth / 10)),
        ),
        min_size=1,
        max_size=60,
    ),
    with_handle_time=st.booleans(),
)
def test_history_round_trips_through_csv(
    interval_minutes: int, cells: dict[int, tuple[float, float | None]], with_handle_time: bool
) -> None:
    origin = datetime(2023, 12, 31, 23, 0, tzinfo=UTC)
    rows = [
        HistoryRow(
            interval_start=origin + timedelta(minutes=interval_minutes * index),
            volume=volume,
            aht_seconds=aht if with_handle_time and volume > 0 else None,
        )
        for index, (volume, aht) in cells.items()
    ]
    history = history_from_rows(rows, interval_minutes=interval_minutes)
    assert parse_history_csv(format_history_csv(history), interval_minutes=interval_minutes) == history


def test_a_history_refuses_what_it_cannot_mean() -> None:
    start = datetime(2024, 1, 1, 9, tzinfo=UTC)
    with pytest.raises(InvalidHistory, match="timezone-aware UTC"):
        IntervalHistory(
            interval_minutes=30, interval_starts=(start, start.replace(hour=10, tzinfo=None)), volumes=(1, 1)
        )
    with pytest.raises(InvalidHistory, match="must increase"):
        IntervalHistory(interval_minutes=30, interval_starts=(start, start - timedelta(minutes=30)), volumes=(1, 1))
    with pytest.raises(InvalidHistory, match="not aligned"):
        IntervalHistory(interval_minutes=30, interval_starts=(start, start + timedelta(minutes=45)), volumes=(1, 1))
    with pytest.raises(InvalidHistory, match="not supported"):
        IntervalHistory(interval_minutes=20, interval_starts=(start,), volumes=(1,))
    with pytest.raises(InvalidHistory, match="finite number >= 0"):
        IntervalHistory(interval_minutes=30, interval_starts=(start,), volumes=(float("nan"),))
    with pytest.raises(InvalidHistory, match="handle time"):
        IntervalHistory(interval_minutes=30, interval_starts=(start,), volumes=(1,), aht_seconds=(0.0,))
    with pytest.raises(InvalidHistory, match="two rows"):
        history_from_rows(
            [HistoryRow(start, 1), HistoryRow(start.astimezone(timezone(timedelta(hours=2))), 2)], interval_minutes=30
        )
    with pytest.raises(InvalidHistory, match="no UTC offset"):
        history_from_rows([HistoryRow(start.replace(tzinfo=None), 1)], interval_minutes=30)
