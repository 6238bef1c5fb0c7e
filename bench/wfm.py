"""Workforce-management benchmark: staffing against pyworkforce, shift scheduling, forecast backtests.

    uv run python bench/wfm.py [--quick] [--skip-peer] [--json] [--parts sweep,schedule,forecast]

1. Staffing sweep. Offered loads from 1 to 10,000 Erlangs (the issue quotes pyworkforce at 850
   and 4,200), AHT 180 s, 30-minute intervals, target 80 % answered within 20 s; Erlang C, and
   Erlang A with a mean patience of 120 s (service level: answered within 20 s over all offered,
   the definition pyworkforce's ErlangA uses too). For each load and both systems: time per
   staffing answer (median of repeated calls), agents required, and whether that number is the
   fewest meeting the target, judged by evaluating n and n − 1 agents with Switchboard's exact
   formulas (`erlang_c_metrics`, `erlang_a_metrics`); pyworkforce's own service level at its
   answer is compared with ours at the same n as a cross-check of the formulas. pyworkforce is
   installed into a throwaway virtualenv (cached under $TMPDIR, keyed by the pinned
   requirements) and timed by bench/wfm_peer.py inside it. Its Erlang A slows down with the
   load, so a load is skipped (and said so) once one call took, or is predicted to take, more
   than --peer-cap-seconds. Then shrinkage: 21 agents at 30 %.
2. Schedule: `switchboard.wfm.schedule.example_problem` (7 days × 48 half-hours × 200 agents
   in four time zones) solved by `solve_schedule` (HiGHS, 1 % requested gap, 60 s limit): build
   and solve time, HiGHS's optimality gap, under- and over-staffing.
3. Forecast: a synthetic year of half-hour volumes and handle times (London, open Monday to
   Saturday daytime, closed nights, Sundays and bank holidays, a daily double peak, a weekly
   pattern, annual seasonality, a mild trend, Poisson noise; fixed seed), then the rolling-origin
   backtest `forecast_best` runs (12 weekly origins, 7-day horizon, Erlang C staffing error) and
   one over every weekly origin of the year: time, chosen model, each model's errors beside the
   seasonal naive baseline.

Targets (issue 6, item 10): Erlang C staffing at least 10 × faster than pyworkforce, Erlang A at
least 100 × faster, all answers exact (minimal); a schedule within 1 % of optimal in under 60 s.
Prints tables (progress goes to stderr), writes bench/results/wfm-*.json; --json prints that
JSON document to stdout instead of the tables. Needs no network except pip for the peer.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

import numpy as np

from peers.peer_venv import clean_environment, ensure_virtualenv
from switchboard.wfm.erlang import (
    StaffingTargets,
    erlang_a_metrics,
    erlang_c_agents_many,
    erlang_c_metrics,
    required_agents,
    scheduled_agents,
)
from switchboard.wfm.forecast import (
    BacktestReport,
    FloatArray,
    ForecastModel,
    HistoryRow,
    IntArray,
    IntervalHistory,
    backtest,
    forecast_best,
    history_from_rows,
)
from switchboard.wfm.schedule import example_problem, solve_schedule

RESULTS = Path(__file__).parent / "results"
PEER_SCRIPT = Path(__file__).parent / "wfm_peer.py"
CACHE_DIR = Path(tempfile.gettempdir()) / "switchboard-bench-pyworkforce"

# -- the staffing question --------------------------------------------------------------
AHT_SECONDS = 180.0
INTERVAL_SECONDS = 1800
THRESHOLD_SECONDS = 20.0
SERVICE_LEVEL = 0.8
PATIENCE_SECONDS = 120.0
TARGETS = StaffingTargets(service_level=SERVICE_LEVEL, threshold_seconds=THRESHOLD_SECONDS)
LOADS = (1, 3, 10, 30, 100, 300, 850, 1000, 3000, 4200, 10000)
QUICK_LOADS = (1, 10, 100, 850)
SHRINKAGE_AGENTS, SHRINKAGE = 21, 0.3
C_SPEED_TARGET, A_SPEED_TARGET = 10.0, 100.0
WEEK_INTERVALS = 7 * 48  # a staffing plan's week of half-hours, answered in one call

# -- timing -----------------------------------------------------------------------------
OURS_MIN_SECONDS, OURS_MIN_CALLS, OURS_MAX_CALLS = 0.3, 25, 20_000
PEER_MIN_SECONDS = {"erlang_c": 0.5, "erlang_a": 2.0}
PEER_MAX_CALLS = {"erlang_c": 500, "erlang_a": 5}
PEER_CAP_SECONDS = 60.0
PEER_STOP_FACTOR = 3.0  # a call this many caps long is killed, so the bench always stops

# -- pyworkforce, pinned (what pip resolved on 2026-11-23). 0.5.2 and later need Python >= 3.12
# and only they have Erlang A; on an older interpreter the bench falls back to 0.5.1 (Erlang C only).
PEER_REQUIREMENTS = (
    "pyworkforce==0.5.4",
    "numpy==2.5.5",
    "pandas==3.1.1",
    "joblib==1.6.0",
    "ortools==9.15.6755",
    "protobuf==6.33.6",
    "absl-py==2.5.1",
    "immutabledict==4.3.1",
    "python-dateutil==4.0.0",
    "typing_extensions==4.16.0",
    "tzdata==2026.6",
    "cloudpickle==3.1.2",
)
PEER_MIN_PYTHON = (3, 12)
FALLBACK_REQUIREMENTS = (
    "pyworkforce==0.5.1",
    "numpy==2.4.6",
    "pandas==3.1.1",
    "joblib==1.6.0",
    "ortools==9.15.6755",
    "protobuf==6.33.6",
    "absl-py==2.5.1",
    "immutabledict==4.3.1",
    "python-dateutil==4.0.0",
    "typing_extensions==4.16.0",
    "tzdata==2026.6",
    "cloudpickle==3.1.2",
)

# -- schedule and forecast --------------------------------------------------------------
SCHEDULE_AGENTS, QUICK_SCHEDULE_AGENTS = 200, 30
SCHEDULE_GAP, SCHEDULE_TIME_LIMIT_SECONDS = 0.01, 60.0
QUICK_SCHEDULE_TIME_LIMIT_SECONDS = 15.0  # a smoke run checks that it solves, not how well
FORECAST_ZONE = ZoneInfo("Europe/London")
FORECAST_FIRST_DAY = date(2025, 1, 6)  # a Monday
FORECAST_DAYS, QUICK_FORECAST_DAYS = 364, 70
FORECAST_HORIZON_DAYS = 7
ALL_ORIGINS_WEEKS = 53  # more than a year has: every weekly origin with two weeks of history before it
# England and Wales bank holidays, 2025 and early 2026 (gov.uk/bank-holidays).
BANK_HOLIDAYS = frozenset(
    date(2025, month, day) for month, day in ((1, 1), (4, 18), (4, 21), (5, 5), (5, 26), (8, 25), (12, 25), (12, 26))
) | {date(2026, 1, 1)}
WEEKDAY_LEVEL = (1.15, 1.05, 1.0, 0.97, 0.92, 0.55)  # Monday .. Saturday; closed on Sunday
OPEN_HOURS = {5: (9, 17)}  # Saturday; other open days 08:00-20:00
WEEKDAY_HOURS = (8, 20)
PEAK_CONTACTS = 110.0  # contacts in the busiest half hour of an average Monday
PEAKS = ((10.5, 1.7, 1.0), (14.5, 1.9, 0.75))  # local hour, width, height: the daily double peak
BASE_SHAPE = 0.18
TREND_PER_YEAR = 0.10
SEASON_AMPLITUDE = 0.08  # busier in January, quieter in July
DAY_NOISE = 0.06
AFTER_HOLIDAY = 1.25
AHT_MEAN_SECONDS, AHT_SPREAD = 300.0, 0.3


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def times(ratio: float) -> str:
    """A speed ratio: one decimal below 10, whole numbers above."""
    return f"{ratio:.1f}" if ratio < 10 else f"{ratio:.0f}"  # a decimal matters below 10


def duration(seconds: float | None) -> str:
    if seconds is None or math.isnan(seconds):
        return "-"
    if seconds < 1e-5:
        return f"{seconds * 1e6:.2f} µs"  # per-answer times of a week answered at once
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


# == the peer ===========================================================================


@dataclass(frozen=True, slots=True)
class Peer:
    python: Path
    pyworkforce: str
    python_version: str
    erlang_a: bool
    install_seconds: float


def _peer_environment() -> dict[str, str]:
    """This environment without our virtualenv, so the peer's interpreter sees only its own packages."""
    return clean_environment()


def _interpreter_version(command: str) -> tuple[Path, tuple[int, int]] | None:
    """The real executable behind `command` (pyenv shims resolved) and its version, if it runs."""
    try:
        probe = subprocess.run(  # noqa: S603 - a Python interpreter we look for
            [command, "-c", "import sys; print(sys.executable); print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            env=_peer_environment(),
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if probe.returncode != 0:
        return None
    executable, version = probe.stdout.split("\n")[:2]
    major, minor = (int(part) for part in version.split())
    return Path(executable), (major, minor)


def find_peer_python(explicit: str | None) -> tuple[Path, tuple[str, ...]]:
    """An interpreter for the peer and the requirements it can take: pyworkforce 0.5.4 on Python >= 3.12
    (python3.12, python3.13 or a pyenv version), else 0.5.1 on python3."""
    candidates = [explicit] if explicit else ["python3.12", "python3.13"]
    if not explicit:
        candidates += [str(path) for path in sorted(Path.home().glob(".pyenv/versions/3.1[2-9]*/bin/python3"))]
    for command in candidates:
        found = _interpreter_version(command)
        if found and found[1] >= PEER_MIN_PYTHON:
            return found[0], PEER_REQUIREMENTS
    fallback = _interpreter_version(explicit or "python3")
    if fallback is None:
        raise RuntimeError(f"no Python interpreter for pyworkforce ({explicit or 'python3'} does not run)")
    say(f"[pyworkforce] no Python >= {PEER_MIN_PYTHON[0]}.{PEER_MIN_PYTHON[1]}: 0.5.1, which has no Erlang A")
    return fallback[0], FALLBACK_REQUIREMENTS


def ensure_peer(cache_dir: Path, explicit_python: str | None) -> Peer:
    """pyworkforce in a virtualenv under `cache_dir`, reused while interpreter and pins stay the same."""
    interpreter, requirements = find_peer_python(explicit_python)
    say(f"[pyworkforce] {requirements[0]} in a virtualenv under {cache_dir} (installed on first use) ...")
    python, install_seconds = ensure_virtualenv(
        cache_dir, python=str(interpreter), requirements=requirements, environment=_peer_environment()
    )
    info = json.loads(_run_peer(python, ["info"], request=None, stop_after_seconds=120.0)[0])
    return Peer(
        python=python,
        pyworkforce=info["pyworkforce"],
        python_version=info["python"],
        erlang_a=info["erlang_a"],
        install_seconds=install_seconds,
    )


def _run_peer(python: Path, arguments: list[str], *, request: Any, stop_after_seconds: float) -> list[str]:
    """The JSON lines bench/wfm_peer.py prints; kills it if no line comes for `stop_after_seconds`
    (the lines before are kept, and a last line {"stopped": seconds} says so)."""
    process = subprocess.Popen(  # noqa: S603 - the peer venv's interpreter and our own script
        [str(python), str(PEER_SCRIPT), *arguments],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=_peer_environment(),
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read(stream: IO[str]) -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    if process.stdin is None or process.stdout is None:
        raise RuntimeError("the peer's pipes were not opened")
    threading.Thread(target=read, args=(process.stdout,), daemon=True).start()
    if request is not None:
        process.stdin.write(json.dumps(request))
    process.stdin.close()
    received: list[str] = []
    while True:
        try:
            line = lines.get(timeout=stop_after_seconds)
        except queue.Empty:
            process.kill()
            process.wait()
            received.append(json.dumps({"stopped": stop_after_seconds}))
            return received
        if line is None:
            break
        received.append(line)
    if process.wait() != 0:
        raise RuntimeError(f"bench/wfm_peer.py {' '.join(arguments)} exited with {process.returncode}")
    return received


def _peer_request(model: str, loads: tuple[int, ...], cap_seconds: float) -> dict[str, Any]:
    return {
        "model": model,
        "loads": list(loads),
        "aht_minutes": AHT_SECONDS / 60,
        "interval_minutes": INTERVAL_SECONDS / 60,
        "threshold_minutes": THRESHOLD_SECONDS / 60,
        "patience_minutes": PATIENCE_SECONDS / 60,
        "service_level": SERVICE_LEVEL,
        "cap_seconds": cap_seconds,
        "min_seconds": PEER_MIN_SECONDS[model],
        "max_repetitions": PEER_MAX_CALLS[model],
    }


def peer_sweep(peer: Peer, model: str, loads: tuple[int, ...], cap_seconds: float) -> dict[float, dict[str, Any]]:
    """pyworkforce's answer and time per load; loads it did not reach carry a "skipped" reason."""
    if model == "erlang_a" and not peer.erlang_a:
        return {load: {"skipped": f"pyworkforce {peer.pyworkforce} has no Erlang A"} for load in loads}
    stop = PEER_STOP_FACTOR * cap_seconds
    lines = _run_peer(peer.python, ["sweep"], request=_peer_request(model, loads, cap_seconds), stop_after_seconds=stop)
    answers: dict[float, dict[str, Any]] = {}
    for line in lines:
        record = json.loads(line)
        if "stopped" in record:
            break
        answers[record["load"]] = record
        say(f"[pyworkforce] {model} {record['load']:>6g} E: {record.get('agents', record.get('skipped'))}")
    for load in loads:
        answers.setdefault(load, {"skipped": f"killed: no answer within {stop:g} s"})
    return answers


def peer_shrinkage(peer: Peer) -> dict[str, Any]:
    arguments = ["shrinkage", "--agents", str(SHRINKAGE_AGENTS), "--shrinkage", str(SHRINKAGE)]
    request = _peer_request("erlang_c", (), PEER_CAP_SECONDS)
    result: dict[str, Any] = json.loads(_run_peer(peer.python, arguments, request=request, stop_after_seconds=120)[0])
    return result


# == ours ===============================================================================


def _arrival_rate(load: float) -> float:
    return load / AHT_SECONDS


def our_answer(model: str, load: float) -> int:
    patience = PATIENCE_SECONDS if model == "erlang_a" else None
    return required_agents(
        arrival_rate=_arrival_rate(load), aht_seconds=AHT_SECONDS, targets=TARGETS, patience_seconds=patience
    ).agents


def our_service_level(model: str, load: float, agents: int) -> float:
    """Service level with `agents` by our exact formulas; 0 with no agents (nobody is answered)."""
    if agents < 1:
        return 0.0
    if model == "erlang_a":
        metrics = erlang_a_metrics(
            agents=agents,
            arrival_rate=_arrival_rate(load),
            aht_seconds=AHT_SECONDS,
            patience_seconds=PATIENCE_SECONDS,
            threshold_seconds=THRESHOLD_SECONDS,
        )
    else:
        metrics = erlang_c_metrics(
            agents=agents,
            arrival_rate=_arrival_rate(load),
            aht_seconds=AHT_SECONDS,
            threshold_seconds=THRESHOLD_SECONDS,
        )
    return metrics.service_level


def our_abandon_rate(load: float, agents: int) -> float:
    return erlang_a_metrics(
        agents=agents,
        arrival_rate=_arrival_rate(load),
        aht_seconds=AHT_SECONDS,
        patience_seconds=PATIENCE_SECONDS,
        threshold_seconds=THRESHOLD_SECONDS,
    ).abandon_rate


def time_calls(call: Callable[[], object], *, min_seconds: float, min_calls: int, max_calls: int) -> list[float]:
    """Seconds of each of repeated calls: at least `min_calls`, until `min_seconds` or `max_calls`."""
    call()  # warm caches, untimed
    seconds: list[float] = []
    while len(seconds) < min_calls or (sum(seconds) < min_seconds and len(seconds) < max_calls):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return seconds


def sweep_point(model: str, load: float, peer_answer: dict[str, Any] | None) -> dict[str, Any]:
    """Our time and answer at one load, both answers judged with our formulas at n and n − 1."""
    seconds = time_calls(
        lambda: our_answer(model, load),
        min_seconds=OURS_MIN_SECONDS,
        min_calls=OURS_MIN_CALLS,
        max_calls=OURS_MAX_CALLS,
    )
    agents = our_answer(model, load)
    level = our_service_level(model, load, agents)
    below = our_service_level(model, load, agents - 1)
    row: dict[str, Any] = {
        "model": model,
        "load": load,
        "agents": agents,
        "service_level": level,
        "service_level_one_fewer": below,
        "minimal": level >= SERVICE_LEVEL > below,
        "calls": len(seconds),
        "median_seconds": statistics.median(seconds),
    }
    if model == "erlang_a":
        row["abandon_rate"] = our_abandon_rate(load, agents)
    else:
        row.update(_week_at_once(load, agents))
    if peer_answer is None:
        return row
    row["peer"] = peer_answer
    if "agents" not in peer_answer:
        return row
    theirs = int(peer_answer["agents"])
    theirs_level = our_service_level(model, load, theirs)
    theirs_below = our_service_level(model, load, theirs - 1)
    row["peer_meets"] = theirs_level >= SERVICE_LEVEL
    row["peer_minimal"] = theirs_level >= SERVICE_LEVEL > theirs_below
    row["peer_service_level_difference"] = abs(theirs_level - float(peer_answer["service_level"]))
    row["speed_ratio"] = float(peer_answer["median_seconds"]) / row["median_seconds"]
    if "week_seconds_per_answer" in row:
        row["week_speed_ratio"] = float(peer_answer["median_seconds"]) / row["week_seconds_per_answer"]
    row["verdict"] = _verdict(row, theirs=theirs, theirs_level=theirs_level, theirs_below=theirs_below)
    return row


def _week_at_once(load: float, agents: int) -> dict[str, Any]:
    """Erlang C as a staffing plan asks it: a week of half-hours (336 intervals, here all at this
    load) answered in one `erlang_c_agents_many` call; seconds per answer, and whether every
    answer is the single call's."""
    rates = np.full(WEEK_INTERVALS, _arrival_rate(load))
    answers = erlang_c_agents_many(arrival_rates=rates, aht_seconds=AHT_SECONDS, targets=TARGETS)
    seconds = time_calls(
        lambda: erlang_c_agents_many(arrival_rates=rates, aht_seconds=AHT_SECONDS, targets=TARGETS),
        min_seconds=OURS_MIN_SECONDS,
        min_calls=OURS_MIN_CALLS,
        max_calls=OURS_MAX_CALLS,
    )
    return {
        "week_seconds_per_answer": statistics.median(seconds) / WEEK_INTERVALS,
        "week_answers_agree": bool((answers == agents).all()),
    }


def _verdict(row: dict[str, Any], *, theirs: int, theirs_level: float, theirs_below: float) -> str:
    ours = row["agents"]
    if theirs == ours:
        return "same, minimal" if row["minimal"] else "same, NOT minimal"
    who = "Switchboard right" if row["minimal"] else "Switchboard NOT minimal"
    if theirs > ours:
        return f"{who}: pyworkforce +{theirs - ours} ({theirs - 1} agents already give {theirs_below:.2%})"
    return f"{who}: pyworkforce {theirs - ours} (its {theirs} agents give {theirs_level:.2%})"


def float_rounding_extra_heads() -> dict[str, Any]:
    """How often ⌈n / (1 − s)⌉ in floating point (pyworkforce's erlang.py and abandonment.py) schedules
    one more agent than the exact ceiling, for n = 1..1000 and s = 5 %..50 % typed as decimals."""
    cases = extra = 0
    examples: list[str] = []
    for percent in range(5, 55, 5):
        share = percent / 100
        for agents in range(1, 1001):
            cases += 1
            if math.ceil(agents / (1 - share)) != scheduled_agents(agents, share):
                extra += 1
                if len(examples) < 5:  # a few are enough to print
                    examples.append(f"{agents}@{percent}%")
    return {"cases": cases, "extra_head": extra, "examples": examples}


def run_sweep(args: argparse.Namespace, peer: Peer | None) -> dict[str, Any]:
    loads = QUICK_LOADS if args.quick else LOADS
    result: dict[str, Any] = {"loads": list(loads), "models": {}}
    for model in ("erlang_c", "erlang_a"):
        answers = peer_sweep(peer, model, loads, args.peer_cap_seconds) if peer else {}
        rows = []
        for load in loads:
            rows.append(sweep_point(model, load, answers.get(load) if peer else None))
            say(f"[switchboard] {model} {load:>6g} E: {rows[-1]['agents']} in {duration(rows[-1]['median_seconds'])}")
        result["models"][model] = rows
    ours = scheduled_agents(SHRINKAGE_AGENTS, SHRINKAGE)
    result["shrinkage"] = {
        "agents": SHRINKAGE_AGENTS,
        "shrinkage": SHRINKAGE,
        "switchboard": ours,
        "pyworkforce": peer_shrinkage(peer) if peer else None,
        "float_rounding": float_rounding_extra_heads(),
    }
    return result


# == schedule ===========================================================================


@contextlib.contextmanager
def stdout_to_stderr(active: bool) -> Iterator[None]:
    """Send what C libraries print to file descriptor 1 (HiGHS's banner) to stderr, when active."""
    if not active:
        yield
        return
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def run_schedule(args: argparse.Namespace) -> dict[str, Any]:
    agents = QUICK_SCHEDULE_AGENTS if args.quick else SCHEDULE_AGENTS
    time_limit = QUICK_SCHEDULE_TIME_LIMIT_SECONDS if args.quick else SCHEDULE_TIME_LIMIT_SECONDS
    started = time.perf_counter()
    problem = example_problem(agents=agents, days=7, interval_minutes=30, seed=args.seed)
    generated = time.perf_counter()
    say(f"[schedule] {agents} agents, {problem.horizon.intervals} intervals: solving ...")
    with stdout_to_stderr(args.json):
        result = solve_schedule(
            problem, relative_gap=SCHEDULE_GAP, time_limit_seconds=time_limit, random_seed=args.seed
        )
    finished = time.perf_counter()
    report = result.report
    required = sum(sum(queue.required) for queue in result.coverage)
    return {
        "agents": agents,
        "days": problem.horizon.days,
        "intervals": problem.horizon.intervals,
        "generate_seconds": generated - started,
        "wall_seconds": finished - generated,
        "build_seconds": report.build_seconds,
        "solve_seconds": report.solve_seconds,
        "status": str(report.status),
        "objective": report.objective,
        "bound": report.bound,
        "gap": report.gap,
        "cost": result.cost,
        "required_agent_intervals": required,
        "under_agent_intervals": result.total_under,
        "over_agent_intervals": result.total_over,
        "unschedulable": len(result.unschedulable),
        "scheduled_agents": sum(1 for schedule in result.schedules if schedule.shifts),
        "columns": report.columns,
        "integer_columns": report.integer_columns,
        "rows": report.rows,
        "nonzeros": report.nonzeros,
        "nodes": report.nodes,
        "meets_target": report.gap <= SCHEDULE_GAP and finished - generated < SCHEDULE_TIME_LIMIT_SECONDS,
    }


# == forecast ===========================================================================


def _open_hours(day: date) -> tuple[int, int] | None:
    if day.weekday() == 6 or day in BANK_HOLIDAYS:  # Sunday
        return None
    return OPEN_HOURS.get(day.weekday(), WEEKDAY_HOURS)


def _intraday_shape(hour: float) -> float:
    return BASE_SHAPE + sum(height * math.exp(-(((hour - centre) / width) ** 2)) for centre, width, height in PEAKS)


def synthetic_year(*, days: int, seed: int) -> IntervalHistory:
    """Half-hour volumes and handle times of a London help desk over `days` local days; a missing
    interval is a closed one (nights, Sundays, bank holidays). Same seed, same history."""
    generator = np.random.default_rng(seed)
    peak_shape = max(_intraday_shape(hour / 2) for hour in range(48))
    day_level = {}
    for offset in range(days):
        day = FORECAST_FIRST_DAY + timedelta(days=offset)
        hours = _open_hours(day)
        if hours is None:
            continue
        season = 1 + SEASON_AMPLITUDE * math.cos(2 * math.pi * (day.timetuple().tm_yday - 15) / 365.25)
        trend = 1 + TREND_PER_YEAR * offset / 365.25
        bump = AFTER_HOLIDAY if day - timedelta(days=1) in BANK_HOLIDAYS else 1.0
        noise = math.exp(generator.normal(0, DAY_NOISE))
        day_level[day] = PEAK_CONTACTS / peak_shape * WEEKDAY_LEVEL[day.weekday()] * season * trend * bump * noise
    first = datetime(FORECAST_FIRST_DAY.year, FORECAST_FIRST_DAY.month, FORECAST_FIRST_DAY.day, tzinfo=FORECAST_ZONE)
    last_day = FORECAST_FIRST_DAY + timedelta(days=days)
    end = datetime(last_day.year, last_day.month, last_day.day, tzinfo=FORECAST_ZONE).astimezone(UTC)
    moment = first.astimezone(UTC)
    rows = []
    while moment < end:
        local = moment.astimezone(FORECAST_ZONE)
        hours = _open_hours(local.date())
        hour = local.hour + local.minute / 60
        if hours is not None and hours[0] <= hour < hours[1]:
            volume = int(generator.poisson(day_level[local.date()] * _intraday_shape(hour)))
            # Mean handle time of `volume` contacts: longer in the afternoon, spread shrinking as 1/√volume.
            mean_aht = AHT_MEAN_SECONDS * (1 + 0.08 * math.sin(math.pi * (hour - 8) / 12))
            aht = mean_aht * math.exp(generator.normal(0, AHT_SPREAD / math.sqrt(volume))) if volume else None
            rows.append(HistoryRow(interval_start=moment, volume=float(volume), aht_seconds=aht))
        moment += timedelta(seconds=INTERVAL_SECONDS)
    return history_from_rows(rows, interval_minutes=INTERVAL_SECONDS // 60)


class CountingStaffing:
    """Erlang C agents for the backtest's staffing error (80/20), counting calls and their time."""

    def __init__(self) -> None:
        self.calls = 0
        self.seconds = 0.0

    def __call__(self, volumes: FloatArray, aht_seconds: FloatArray, interval_seconds: int) -> IntArray:
        started = time.perf_counter()
        rates = volumes / interval_seconds
        agents = erlang_c_agents_many(arrival_rates=rates, aht_seconds=aht_seconds, targets=TARGETS)
        self.calls += len(volumes)
        self.seconds += time.perf_counter() - started
        return agents


def _report_figures(report: BacktestReport) -> dict[str, Any]:
    baseline = report.score(ForecastModel.SEASONAL_NAIVE)
    scores = []
    for score in report.scores:
        staffing = score.staffing_error
        scores.append(
            {
                "model": str(score.model),
                "intervals": score.intervals,
                "mae": score.mean_absolute_error,
                "wape": score.wape,
                "bias": score.bias,
                "staffing_error": staffing,
                "under_agent_intervals": score.understaffed_agent_intervals,
                "over_agent_intervals": score.overstaffed_agent_intervals,
                "wape_vs_naive": score.wape / baseline.wape if baseline.wape else math.nan,
                "staffing_vs_naive": (
                    staffing / baseline.staffing_error if staffing is not None and baseline.staffing_error else math.nan
                ),
            }
        )
    return {
        "origins": len(report.origins),
        "first_origin": report.origins[0].isoformat(),
        "chosen": str(report.chosen),
        "decided_by": report.decided_by,
        "scores": scores,
    }


def run_forecast(args: argparse.Namespace) -> dict[str, Any]:
    days = QUICK_FORECAST_DAYS if args.quick else FORECAST_DAYS
    started = time.perf_counter()
    history = synthetic_year(days=days, seed=args.seed)
    generated = time.perf_counter()
    say(f"[forecast] {len(history)} open half-hours over {days} days: backtesting ...")
    common: dict[str, Any] = {"horizon_days": FORECAST_HORIZON_DAYS, "zone": FORECAST_ZONE, "holidays": BANK_HOLIDAYS}
    runs: dict[str, Any] = {}
    for name, weeks in (("forecast_best", None), ("every_origin", ALL_ORIGINS_WEEKS)):
        staffing = CountingStaffing()
        begun = time.perf_counter()
        if weeks is None:
            forecast = forecast_best(history, agents_for=staffing, **common)
            report = forecast.backtest
            if report is None:
                raise RuntimeError(f"forecast_best ran no backtest: {forecast.notes}")
        else:
            report = backtest(history, agents_for=staffing, backtest_weeks=weeks, **common)
        runs[name] = {
            "seconds": time.perf_counter() - begun,
            "staffing_calls": staffing.calls,
            "staffing_seconds": staffing.seconds,
            **_report_figures(report),
        }
        say(f"[forecast] {name}: {runs[name]['seconds']:.2f} s, chose {runs[name]['chosen']}")
    return {
        "days": days,
        "open_intervals": len(history),
        "contacts": sum(history.volumes),
        "generate_seconds": generated - started,
        "horizon_days": FORECAST_HORIZON_DAYS,
        "runs": runs,
    }


# == output =============================================================================


def print_sweep(sweep: dict[str, Any], peer: dict[str, Any] | None) -> None:
    titles = {
        "erlang_c": "Erlang C",
        "erlang_a": f"Erlang A, mean patience {PATIENCE_SECONDS:g} s, SL = answered in time / offered",
    }
    peer_name = f"pyworkforce {peer['pyworkforce']}" if peer else "pyworkforce"
    target = f"{SERVICE_LEVEL:.0%}/{THRESHOLD_SECONDS:g} s"
    for model, rows in sweep["models"].items():
        print()
        print(f"{titles[model]}: target {target}, AHT {AHT_SECONDS:g} s, 30-minute intervals")
        extra = f" {'aband.':>6}" if model == "erlang_a" else ""
        week = f" {'ours/ans wk':>11} {'× wk':>6}" if model == "erlang_c" else ""
        print(
            f"{'Erlangs':>8} {'agents':>7} {'pwf':>6} {'SL':>7}{extra} {'ours/call':>10} {'pwf/call':>10}"
            f" {'× faster':>9}{week}  verdict (our formulas at n and n − 1)"
        )
        for row in rows:
            their = row.get("peer") or {}
            their_agents = their.get("agents", "-")
            abandon = f" {row['abandon_rate']:>6.1%}" if model == "erlang_a" else ""
            ratio = times(row["speed_ratio"]) if "speed_ratio" in row else "-"
            verdict = row.get("verdict") or their.get("skipped") or ("minimal" if row["minimal"] else "NOT minimal")
            ours, theirs = duration(row["median_seconds"]), duration(their.get("median_seconds"))
            week = ""
            if "week_seconds_per_answer" in row:
                week_ratio = times(row["week_speed_ratio"]) if "week_speed_ratio" in row else "-"
                agree = "" if row["week_answers_agree"] else " (DIFFERS)"
                week = f" {duration(row['week_seconds_per_answer']):>11} {week_ratio:>6}{agree}"
            print(
                f"{row['load']:>8g} {row['agents']:>7} {their_agents!s:>6} {row['service_level']:>7.2%}{abandon}"
                f" {ours:>10} {theirs:>10} {ratio:>9}{week}  {verdict}"
            )
    _print_sweep_summary(sweep, peer_name)


def _print_sweep_summary(sweep: dict[str, Any], peer_name: str) -> None:
    print()
    for model, target in (("erlang_c", C_SPEED_TARGET), ("erlang_a", A_SPEED_TARGET)):
        rows = sweep["models"][model]
        exact = sum(row["minimal"] for row in rows)
        line = f"{model}: Switchboard minimal at {exact}/{len(rows)} loads"
        compared = [row for row in rows if "speed_ratio" in row]
        if compared:
            ratios = [row["speed_ratio"] for row in compared]
            slowest = min(compared, key=lambda row: row["speed_ratio"])
            met = sum(ratio >= target for ratio in ratios)
            geometric = math.exp(statistics.fmean(math.log(ratio) for ratio in ratios))
            theirs_exact = sum(row["peer_minimal"] for row in compared)
            worst_difference = max(row["peer_service_level_difference"] for row in compared)
            verdict = "met" if met == len(compared) else "NOT met"
            line += (
                f"; {peer_name} minimal at {theirs_exact}/{len(compared)}."
                f" Speed ×{times(min(ratios))}–×{times(max(ratios))}, geometric mean ×{times(geometric)};"
                f" target ≥ {target:.0f}× {verdict} ({met}/{len(compared)} loads, slowest at {slowest['load']:g} E)."
                f" pyworkforce's service level at its n vs ours: |Δ| ≤ {worst_difference:.1e}"
            )
            skipped = len(rows) - len(compared)
            if skipped:
                line += f"; {skipped} load(s) not measured for {peer_name}"
            weekly = [row["week_speed_ratio"] for row in compared if "week_speed_ratio" in row]
            if weekly:
                week_met = sum(ratio >= target for ratio in weekly)
                agree = all(row["week_answers_agree"] for row in rows)
                line += (
                    f"\n  a week of 336 intervals in one call (staffing plans, backtests):"
                    f" ×{times(min(weekly))}–×{times(max(weekly))} per answer;"
                    f" target {'met' if week_met == len(weekly) else 'NOT met'} ({week_met}/{len(weekly)} loads);"
                    f" answers {'identical to' if agree else 'DIFFERENT from'} the single call's"
                )
        print(line)
    shrink = sweep["shrinkage"]
    theirs = shrink["pyworkforce"]
    their_text = f"{peer_name} {theirs['positions']}" if theirs and "positions" in theirs else f"{peer_name} -"
    rounding = shrink["float_rounding"]
    print(
        f"shrinkage: {shrink['agents']} agents at {shrink['shrinkage']:.0%}: {their_text}, Switchboard"
        f" {shrink['switchboard']} (exact ⌈{shrink['agents']} / (1 − {shrink['shrinkage']:g})⌉);"
        f" float ⌈n / (1 − s)⌉ adds a head in {rounding['extra_head']} of {rounding['cases']:,} cases"
        f" (n ≤ 1,000, s = 5 %…50 %), e.g. {', '.join(rounding['examples'])}"
    )


def print_schedule(figures: dict[str, Any]) -> None:
    f = figures
    print()
    print(f"Schedule: {f['days']} days × {f['intervals'] // f['days']} half-hours × {f['agents']} agents")
    print(
        f"  wall {f['wall_seconds']:.1f} s (build {f['build_seconds']:.1f} s, HiGHS {f['solve_seconds']:.1f} s;"
        f" problem generated in {f['generate_seconds']:.1f} s); status {f['status']},"
        f" gap {f['gap']:.3%} (objective {f['objective']:.1f}, bound {f['bound']:.1f})"
    )
    print(
        f"  required {f['required_agent_intervals']:.0f} agent-intervals; under {f['under_agent_intervals']:.1f},"
        f" over {f['over_agent_intervals']:.1f}; {f['scheduled_agents']} agents with shifts,"
        f" {f['unschedulable']} unschedulable; {f['columns']:,} columns ({f['integer_columns']:,} integer),"
        f" {f['rows']:,} rows, {f['nonzeros']:,} nonzeros, {f['nodes']:,} nodes"
    )
    verdict = "met" if f["meets_target"] else "NOT met"
    print(f"  target: within {SCHEDULE_GAP:.0%} of optimal in under {SCHEDULE_TIME_LIMIT_SECONDS:.0f} s: {verdict}")


def print_forecast(figures: dict[str, Any]) -> None:
    print()
    print(
        f"Forecast: {figures['days']} days, {figures['open_intervals']:,} open half-hours, {figures['contacts']:,.0f}"
        f" contacts (generated in {figures['generate_seconds']:.1f} s); horizon {figures['horizon_days']} days"
    )
    for name, run in figures["runs"].items():
        print(
            f"  {name}: {run['origins']} weekly origins from {run['first_origin'][:10]}, {run['seconds']:.2f} s"
            f" (Erlang C staffing: {run['staffing_calls']:,} calls, {run['staffing_seconds']:.2f} s);"
            f" chose {run['chosen']} (by {run['decided_by']})"
        )
        print(
            f"    {'model':<16} {'MAE':>7} {'WAPE':>7} {'bias':>7} {'staffing':>9} {'under':>7} {'over':>7}"
            f" {'WAPE/naive':>11} {'staff/naive':>12}"
        )
        for score in run["scores"]:
            under, over = score["under_agent_intervals"], score["over_agent_intervals"]
            print(
                f"    {score['model']:<16} {score['mae']:>7.2f} {score['wape']:>7.2%} {score['bias']:>+7.2%}"
                f" {score['staffing_error']:>9.3f} {under:>7} {over:>7}"
                f" {score['wape_vs_naive']:>11.2f} {score['staffing_vs_naive']:>12.2f}"
            )


# == main ===============================================================================


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a few loads, 30 agents, 10 weeks: a smoke run")
    parser.add_argument("--skip-peer", action="store_true", help="do not install or run pyworkforce")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of tables")
    parser.add_argument("--parts", default="sweep,schedule,forecast", help="comma-separated parts to run")
    parser.add_argument("--peer-python", default=None, help="interpreter for pyworkforce's virtualenv")
    parser.add_argument("--peer-cap-seconds", type=float, default=PEER_CAP_SECONDS, help="skip slower peer calls")
    parser.add_argument("--cache-dir", type=Path, default=CACHE_DIR, help=f"venv cache (default: {CACHE_DIR})")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    parts = {part.strip() for part in args.parts.split(",") if part.strip()}

    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": os.uname().nodename,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "quick": args.quick,
    }
    peer: Peer | None = None
    if "sweep" in parts:
        if not args.skip_peer:
            peer = ensure_peer(args.cache_dir, args.peer_python)
            results["peer"] = {
                "pyworkforce": peer.pyworkforce,
                "python": peer.python_version,
                "erlang_a": peer.erlang_a,
                "install_seconds": peer.install_seconds,
                "cap_seconds": args.peer_cap_seconds,
            }
            say(f"[pyworkforce] {peer.pyworkforce} on Python {peer.python_version} ({peer.python.parent.parent})")
        results["sweep"] = run_sweep(args, peer)
    if "schedule" in parts:
        results["schedule"] = run_schedule(args)
    if "forecast" in parts:
        results["forecast"] = run_forecast(args)

    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    document = json.dumps(results, indent=2, default=str) + "\n"
    (RESULTS / f"wfm-{stamp}.json").write_text(document)
    if args.json:
        sys.stdout.write(document)
        return 0
    print(
        f"\n{results['date']}, {results['cpus']} CPUs, Switchboard on Python {results['python']}"
        + (f", pyworkforce {peer.pyworkforce} on Python {peer.python_version}" if peer else "")
    )
    if "sweep" in results:
        print_sweep(results["sweep"], results.get("peer"))
    if "schedule" in results:
        print_schedule(results["schedule"])
    if "forecast" in results:
        print_forecast(results["forecast"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
