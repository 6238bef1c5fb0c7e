"""Chart geometry for server-rendered SVG: line and step charts, and a schedule Gantt.

The pages draw their charts as inline SVG from these numbers (templates/wfm/_chart.html,
_gantt.html): nothing to download, nothing executed in the browser, and the page's
content security policy (no inline script or style) holds. Colours come from CSS classes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

CHART_WIDTH = 960
CHART_HEIGHT = 260
MARGIN_LEFT = 48
MARGIN_RIGHT = 12
MARGIN_TOP = 12
MARGIN_BOTTOM = 28
TARGET_Y_TICKS = 5
TARGET_X_TICKS = 14
GANTT_ROW_HEIGHT = 22
GANTT_LABEL_WIDTH = 220
GANTT_AXIS_HEIGHT = 24
MINIMUM_BAR_WIDTH = 0.5  # a five-minute break on a week-long axis must still show


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: Sequence[float | None]  # None: no value (closed, not yet happened)
    css_class: str


@dataclass(frozen=True, slots=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True, slots=True)
class DrawnSeries:
    name: str
    css_class: str
    paths: tuple[str, ...]  # SVG polyline point lists, one per unbroken run of values


@dataclass(frozen=True, slots=True)
class LineChart:
    width: int
    height: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    series: tuple[DrawnSeries, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    title: str


def nice_step(span: float, target_ticks: int = TARGET_Y_TICKS) -> float:
    """A 1-2-5 step giving about `target_ticks` ticks over `span`."""
    if span <= 0:
        return 1.0
    raw = span / target_ticks
    magnitude: float = 10.0 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if raw <= multiple * magnitude:
            return multiple * magnitude
    return 10 * magnitude


def _format_number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 or value == int(value) else f"{value:.1f}"  # noqa: PLR2004 - readable axis labels


def line_chart(
    *,
    title: str,
    series: Sequence[Series],
    x_labels: Sequence[str],
    step: bool = False,
    width: int = CHART_WIDTH,
    height: int = CHART_HEIGHT,
) -> LineChart:
    """Series drawn over the same x positions (one per label); `step` draws a staircase,
    the honest shape for per-interval figures such as agents required."""
    count = max([len(x_labels), *(len(s.values) for s in series)], default=0)
    left, right = float(MARGIN_LEFT), float(width - MARGIN_RIGHT)
    top, bottom = float(MARGIN_TOP), float(height - MARGIN_BOTTOM)
    highest = max((v for s in series for v in s.values if v is not None and math.isfinite(v)), default=0.0)
    tick = nice_step(highest)
    ceiling = max(tick, math.ceil(highest / tick) * tick)
    slots = count if step else max(count - 1, 1)

    def x_at(index: float) -> float:
        return left + (right - left) * index / slots

    def y_at(value: float) -> float:
        return bottom - (bottom - top) * value / ceiling

    drawn: list[DrawnSeries] = []
    for one in series:
        runs: list[list[str]] = [[]]
        for index, value in enumerate(one.values):
            if value is None or not math.isfinite(value):
                runs.append([])
                continue
            y = y_at(value)
            if step:
                runs[-1].extend([f"{x_at(index):.1f},{y:.1f}", f"{x_at(index + 1):.1f},{y:.1f}"])
            else:
                runs[-1].append(f"{x_at(index):.1f},{y:.1f}")
        drawn.append(DrawnSeries(one.name, one.css_class, tuple(" ".join(run) for run in runs if run)))
    every = max(1, math.ceil(count / TARGET_X_TICKS))
    x_ticks = tuple(Tick(x_at(i + (0.5 if step else 0)), x_labels[i]) for i in range(0, len(x_labels), every))
    y_ticks = tuple(Tick(y_at(tick * i), _format_number(tick * i)) for i in range(round(ceiling / tick) + 1))
    return LineChart(width, height, left, right, top, bottom, tuple(drawn), x_ticks, y_ticks, title)


@dataclass(frozen=True, slots=True)
class GanttBar:
    x: float
    width: float
    css_class: str
    label: str  # for the tooltip and screen readers


@dataclass(frozen=True, slots=True)
class GanttRow:
    y: float
    label: str
    sublabel: str
    bars: tuple[GanttBar, ...]


@dataclass(frozen=True, slots=True)
class GanttChart:
    width: int
    height: int
    plot_left: float
    plot_right: float
    rows: tuple[GanttRow, ...]
    x_ticks: tuple[Tick, ...]
    row_height: int
    title: str


@dataclass(frozen=True, slots=True)
class GanttItem:
    starts_at: datetime
    ends_at: datetime
    css_class: str
    label: str


def gantt_chart(
    *,
    title: str,
    rows: Sequence[tuple[str, str, Sequence[GanttItem]]],
    starts_at: datetime,
    ends_at: datetime,
    tick_every: timedelta,
    tick_format: str = "%a %H:%M",
    width: int = CHART_WIDTH,
) -> GanttChart:
    """One row per agent (label, sublabel such as the time zone, items), time across."""
    left, right = float(GANTT_LABEL_WIDTH), float(width - MARGIN_RIGHT)
    span = (ends_at - starts_at).total_seconds()

    def x_at(moment: datetime) -> float:
        seconds = min(max((moment - starts_at).total_seconds(), 0.0), span)
        return left + (right - left) * seconds / span

    drawn_rows = []
    for index, (label, sublabel, items) in enumerate(rows):
        bars = tuple(
            GanttBar(
                x_at(item.starts_at),
                max(x_at(item.ends_at) - x_at(item.starts_at), MINIMUM_BAR_WIDTH),
                item.css_class,
                item.label,
            )
            for item in items
            if item.ends_at > starts_at and item.starts_at < ends_at
        )
        drawn_rows.append(GanttRow(GANTT_AXIS_HEIGHT + index * GANTT_ROW_HEIGHT, label, sublabel, bars))
    ticks: list[Tick] = []
    moment = starts_at
    while moment <= ends_at:
        ticks.append(Tick(x_at(moment), moment.strftime(tick_format)))
        moment += tick_every
    height = GANTT_AXIS_HEIGHT + max(len(rows), 1) * GANTT_ROW_HEIGHT + MARGIN_TOP
    return GanttChart(width, height, left, right, tuple(drawn_rows), tuple(ticks), GANTT_ROW_HEIGHT, title)
