"""CSV in and out: `interval_start,volume[,aht_seconds]`, one row per open interval.

Reading takes the text (the caller opens the file) and refuses anything it would have to guess
at, naming the line: a wrong header, a time it cannot parse or without a UTC offset, a time off
the interval grid, two rows for one interval, a volume that is negative, NaN or infinite, a
file over the row limit, or no rows at all. Rows may come in any order. A missing interval
means the centre was closed. A time without offset is refused unless the caller names the zone
to read it in (`assumed_zone`); then an ambiguous autumn wall-clock time is read as its first
occurrence, so prefer exports with offsets.

Writing gives the same columns, times in UTC with a `Z`, volumes to 3 decimals, handle times to
1 decimal, and leaves closed intervals out (the reader's convention), so the output reads back.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from switchboard.wfm.forecast.forecasting import Forecast
from switchboard.wfm.forecast.history import (
    SECONDS_PER_MINUTE,
    SUPPORTED_INTERVAL_MINUTES,
    HistoryRow,
    IntervalHistory,
    InvalidHistory,
    grid_phase,
    grid_problem,
)

if TYPE_CHECKING:
    from _csv import Reader as CsvReader

VOLUME_DECIMALS = 3
HANDLE_TIME_DECIMALS = 1
# Five years of 15-minute intervals (366-day years): a generous bound on honest input that
# still stops a runaway export before it fills memory.
DEFAULT_MAX_ROWS = 5 * 366 * 24 * 4
HEADER = ("interval_start", "volume")
HEADER_WITH_HANDLE_TIME = (*HEADER, "aht_seconds")
HEADER_LINE = 1


class HistoryCsvError(ValueError):
    """Malformed history CSV; `line` is the 1-based line number (the header is line 1)."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


def parse_history_csv(
    text: str,
    *,
    interval_minutes: int,
    assumed_zone: ZoneInfo | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> IntervalHistory:
    """Read `interval_start,volume[,aht_seconds]` rows into a history (sorted, UTC).

    An empty handle-time cell means unknown. Raises `HistoryCsvError` for malformed input.
    """
    if interval_minutes not in SUPPORTED_INTERVAL_MINUTES:
        raise InvalidHistory(f"interval_minutes must be one of {SUPPORTED_INTERVAL_MINUTES}, got {interval_minutes}")
    interval_seconds = interval_minutes * SECONDS_PER_MINUTE
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")), strict=True)
    with_handle_time = _read_header(reader)
    rows: list[HistoryRow] = []
    line_of: dict[datetime, int] = {}
    phase: int | None = None
    while (cells := _next_record(reader)) is not None:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= max_rows:
            raise HistoryCsvError(line, f"more than {max_rows} rows; split the history or raise the limit")
        row = _parse_row(cells, line=line, with_handle_time=with_handle_time, assumed_zone=assumed_zone)
        phase = _check_grid(row.interval_start, line=line, phase=phase, interval_seconds=interval_seconds)
        first_line = line_of.get(row.interval_start)
        if first_line is not None:
            when = _format_time(row.interval_start)
            raise HistoryCsvError(line, f"duplicate interval {when} (first on line {first_line})")
        line_of[row.interval_start] = line
        rows.append(row)
    if not rows:
        raise HistoryCsvError(reader.line_num + 1, "no data rows after the header")
    rows.sort(key=lambda row: row.interval_start)
    try:
        return IntervalHistory(
            interval_minutes=interval_minutes,
            interval_starts=tuple(row.interval_start for row in rows),
            volumes=tuple(row.volume for row in rows),
            aht_seconds=tuple(row.aht_seconds for row in rows) if with_handle_time else None,
        )
    except InvalidHistory as error:
        raise HistoryCsvError(HEADER_LINE, str(error)) from error


def format_forecast_csv(forecast: Forecast, *, include_closed: bool = False) -> str:
    """The forecast as CSV text; closed intervals are left out unless `include_closed` (then volume 0)."""
    rows = [
        (start, volume, None if forecast.aht_seconds is None else forecast.aht_seconds[index])
        for index, (start, volume, closed) in enumerate(
            zip(forecast.interval_starts, forecast.volumes, forecast.closed, strict=True)
        )
        if include_closed or not closed
    ]
    return _format_rows(rows, with_handle_time=forecast.aht_seconds is not None)


def format_history_csv(history: IntervalHistory) -> str:
    """The history as CSV text in the same format `parse_history_csv` reads."""
    handle_times = history.aht_seconds or (None,) * len(history)
    rows = list(zip(history.interval_starts, history.volumes, handle_times, strict=True))
    return _format_rows(rows, with_handle_time=history.aht_seconds is not None)


def _format_rows(rows: Sequence[tuple[datetime, float, float | None]], *, with_handle_time: bool) -> str:
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\n")
    writer.writerow(HEADER_WITH_HANDLE_TIME if with_handle_time else HEADER)
    for start, volume, handle_time in rows:
        cells = [_format_time(start), f"{volume:.{VOLUME_DECIMALS}f}"]
        if with_handle_time:
            cells.append("" if handle_time is None else f"{handle_time:.{HANDLE_TIME_DECIMALS}f}")
        writer.writerow(cells)
    return output.getvalue()


def _read_header(reader: CsvReader) -> bool:
    """Check the header; True when it has the handle-time column."""
    header = _next_record(reader)
    if header is None or not any(cell.strip() for cell in header):
        raise HistoryCsvError(HEADER_LINE, "empty file: expected the header interval_start,volume[,aht_seconds]")
    columns = tuple(cell.strip().lower() for cell in header)
    if columns not in {HEADER, HEADER_WITH_HANDLE_TIME}:
        got = ",".join(header)
        raise HistoryCsvError(HEADER_LINE, f"header must be interval_start,volume[,aht_seconds], got {got}")
    return columns == HEADER_WITH_HANDLE_TIME


def _parse_row(cells: list[str], *, line: int, with_handle_time: bool, assumed_zone: ZoneInfo | None) -> HistoryRow:
    expected = len(HEADER_WITH_HANDLE_TIME) if with_handle_time else len(HEADER)
    if len(cells) != expected:
        raise HistoryCsvError(line, f"expected {expected} fields, got {len(cells)}")
    start = _parse_time(cells[0].strip(), line=line, assumed_zone=assumed_zone)
    volume = _parse_number(cells[1], line=line, what="volume")
    handle_time = None
    if with_handle_time and cells[2].strip():
        handle_time = _parse_number(cells[2], line=line, what="aht_seconds")
        if handle_time == 0 and volume > 0:
            raise HistoryCsvError(line, "aht_seconds must be > 0 where there is volume")
    return HistoryRow(interval_start=start, volume=volume, aht_seconds=handle_time)


def _check_grid(start: datetime, *, line: int, phase: int | None, interval_seconds: int) -> int:
    """The grid phase (set by the first row), after checking `start` is on it."""
    if phase is None:
        try:
            phase = grid_phase(start, interval_seconds=interval_seconds)
        except InvalidHistory as error:
            raise HistoryCsvError(line, str(error)) from error
    problem = grid_problem(start, phase_seconds=phase, interval_seconds=interval_seconds)
    if problem is not None:
        raise HistoryCsvError(line, problem)
    return phase


def _next_record(reader: CsvReader) -> list[str] | None:
    try:
        return next(reader, None)
    except csv.Error as error:
        raise HistoryCsvError(reader.line_num, f"not valid CSV: {error}") from None


def _format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(cell: str, *, line: int, assumed_zone: ZoneInfo | None) -> datetime:
    try:
        moment = datetime.fromisoformat(cell)
    except ValueError:
        raise HistoryCsvError(line, f"interval_start {cell!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        if assumed_zone is None:
            raise HistoryCsvError(
                line, f"interval_start {cell!r} has no UTC offset; add one (e.g. Z or +01:00) or name the zone"
            )
        moment = moment.replace(tzinfo=assumed_zone)
    return moment.astimezone(UTC)


def _parse_number(cell: str, *, line: int, what: str) -> float:
    try:
        value = float(cell.strip())
    except ValueError:
        raise HistoryCsvError(line, f"{what} {cell.strip()!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise HistoryCsvError(line, f"{what} must be a finite number >= 0, got {cell.strip()}")
    return value
