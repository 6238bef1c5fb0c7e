"""`switchboard wfm …`: staffing, forecasting, scheduling and simulation from the command line.

These commands are calculators: they read their inputs from options and files and touch
no database (except `schedule --save`), so a workforce manager can use them on data from
another system.
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from switchboard.accounts.actor import Actor
from switchboard.cli.common import _database, _settings, err
from switchboard.core.errors import DomainError
from switchboard.wfm.erlang import (
    InvalidQueueInput,
    QueueMetrics,
    ServiceLevelDefinition,
    StaffingResult,
    StaffingTargets,
    required_agents,
    scheduled_agents,
)
from switchboard.wfm.forecast import (
    FloatArray,
    Forecast,
    ForecastModel,
    HistoryCsvError,
    InsufficientHistory,
    IntArray,
    InvalidHistory,
    forecast_best,
    forecast_with,
    format_forecast_csv,
    parse_history_csv,
)
from switchboard.wfm.planning import ChannelTargets, StaffingModel, agents_for_intervals
from switchboard.wfm.schedule import (
    InvalidScheduleInput,
    ScheduleNotFound,
    ScheduleResult,
    example_problem,
    solve_schedule,
)
from switchboard.wfm.schedule_file import parse_problem, result_json
from switchboard.wfm.service import save_solved_schedule
from switchboard.wfm.simulate import DurationDistribution, InvalidScenario, Scenario, compare_with_erlang

wfm_app = typer.Typer(help="Workforce management: staffing, forecasts, schedules, simulation.", no_args_is_help=True)

SECONDS_PER_MINUTE = 60
MINUTES_PER_DAY = 24 * 60
PERCENT = 100
MAX_SIMULATED_INTERVALS = 7 * 96
MAX_REPLICATIONS = 1000
MAX_HORIZON_DAYS = 62
MAX_SOLVE_SECONDS = 3600.0
MAX_EXAMPLE_AGENTS = 2000
MAX_EXAMPLE_DAYS = 31
MAX_INPUT_BYTES = 256 * 1024 * 1024  # five years of 15-minute rows is about 10 MB
_SERVICE_LEVEL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%?\s*/\s*(\d+(?:\.\d+)?)\s*s?\s*$")


class UsageProblem(ValueError):
    """An option that cannot describe a real contact centre; printed as is."""


def parse_service_level(text: str) -> tuple[float, float]:
    """`80/20` (percent answered / within seconds) as (0.8, 20.0)."""
    match = _SERVICE_LEVEL.match(text)
    if match is None:
        raise UsageProblem(f"service level {text!r} is not PERCENT/SECONDS, e.g. 80/20")
    percent, threshold = float(match.group(1)), float(match.group(2))
    if not 0 < percent <= PERCENT:
        raise UsageProblem(f"a service level target must be above 0% and at most 100%, not {percent:g}%")
    return percent / PERCENT, threshold


def parse_fraction(name: str, value: float | None, *, allow_one: bool = True) -> float | None:
    """A share given as 0.85 or as 85 (percent)."""
    if value is None:
        return None
    if not math.isfinite(value) or value < 0:
        raise UsageProblem(f"{name} must be a share between 0 and 1 (or a percentage), not {value:g}")
    share = value / PERCENT if value > 1 else value
    if share > 1 or (share == 1 and not allow_one):
        raise UsageProblem(f"{name} must be below 100%, not {value:g}")
    return share


def metrics_json(metrics: QueueMetrics) -> dict[str, Any]:
    """The fields every consumer of `--json` relies on, with the model's own names."""

    def finite(value: float) -> float | None:
        return value if math.isfinite(value) else None  # JSON has no infinity

    payload: dict[str, Any] = {
        "model": metrics.model,
        "agents": metrics.agents,
        "load_erlangs": metrics.load_erlangs,
        "stable": metrics.stable,
        "service_level": metrics.service_level,
        "service_level_definition": metrics.service_level_definition.value,
        "service_levels": {definition.value: value for definition, value in metrics.service_levels.items()},
        "threshold_seconds": metrics.threshold_seconds,
        "probability_wait": metrics.probability_wait,
        "asa_seconds": finite(metrics.asa_seconds),
        "occupancy": metrics.occupancy,
    }
    if metrics.patience_seconds is not None:
        payload["abandon_rate"] = metrics.abandon_rate
        payload["mean_wait_all_seconds"] = finite(metrics.mean_wait_all_seconds)
        payload["patience_seconds"] = metrics.patience_seconds
    return payload


def _print_staffing(result: StaffingResult, scheduled: int | None) -> None:
    metrics = result.metrics
    typer.echo(f"agents required      {result.agents}  (decided by {result.binding_target})")
    if scheduled is not None:
        typer.echo(f"agents to schedule   {scheduled}  (after shrinkage)")
    typer.echo(f"offered load         {metrics.load_erlangs:.2f} Erlangs  ({metrics.model.replace('_', ' ')})")
    typer.echo(
        f"service level        {metrics.service_level:.1%} within {metrics.threshold_seconds:g} s"
        f"  [{metrics.service_level_definition.value.replace('_', ' ')}]"
    )
    typer.echo(f"ASA                  {metrics.asa_seconds:.1f} s  (answered contacts)")
    typer.echo(f"probability of wait  {metrics.probability_wait:.1%}")
    typer.echo(f"occupancy            {metrics.occupancy:.1%}")
    if metrics.patience_seconds is not None:
        typer.echo(f"abandonment          {metrics.abandon_rate:.1%}  (mean patience {metrics.patience_seconds:g} s)")
    for warning in result.warnings:
        err.print(f"[yellow]warning:[/yellow] {warning}")


@wfm_app.command("staff")
def staff(  # noqa: PLR0917 - Typer reads options from parameters
    volume: Annotated[float, typer.Option(help="Contacts offered per interval.")],
    aht: Annotated[float, typer.Option(help="Average handle time, seconds.")],
    interval_minutes: Annotated[int, typer.Option(help="Interval length, minutes.")] = 30,
    service_level: Annotated[str | None, typer.Option(help="Target PERCENT/SECONDS, e.g. 80/20.")] = None,
    asa: Annotated[float | None, typer.Option(help="Target average speed of answer, seconds.")] = None,
    patience: Annotated[
        float | None, typer.Option(help="Mean caller patience, seconds: Erlang A (abandonment) instead of C.")
    ] = None,
    max_occupancy: Annotated[float | None, typer.Option(help="Highest occupancy, e.g. 0.85 or 85.")] = None,
    max_abandon: Annotated[
        float | None, typer.Option(help="Highest abandonment, e.g. 0.05 (needs --patience).")
    ] = None,
    shrinkage: Annotated[float | None, typer.Option(help="Share of paid time not on contacts, e.g. 0.3.")] = None,
    definition: Annotated[
        ServiceLevelDefinition, typer.Option(help="Service level definition when callers abandon.")
    ] = ServiceLevelDefinition.ANSWERED_WITHIN_OVER_OFFERED,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Fewest agents on the phones that meet every target, with what they achieve."""
    try:
        result, scheduled = _staff(
            volume=volume,
            aht=aht,
            interval_minutes=interval_minutes,
            service_level=service_level,
            asa=asa,
            patience=patience,
            max_occupancy=max_occupancy,
            max_abandon=max_abandon,
            shrinkage=shrinkage,
            definition=definition,
        )
    except (UsageProblem, InvalidQueueInput) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if as_json:
        payload = metrics_json(result.metrics)
        payload.update(
            agents=result.agents,
            binding_target=result.binding_target,
            warnings=list(result.warnings),
            volume=volume,
            interval_minutes=interval_minutes,
            aht_seconds=aht,
        )
        if scheduled is not None:
            payload.update(scheduled_agents=scheduled, shrinkage=shrinkage)
        typer.echo(json.dumps(payload, indent=2))
    else:
        _print_staffing(result, scheduled)


def _staff(
    *,
    volume: float,
    aht: float,
    interval_minutes: int,
    service_level: str | None,
    asa: float | None,
    patience: float | None,
    max_occupancy: float | None,
    max_abandon: float | None,
    shrinkage: float | None,
    definition: ServiceLevelDefinition,
) -> tuple[StaffingResult, int | None]:
    if not math.isfinite(volume) or volume < 0:
        raise UsageProblem(f"volume must be zero or more contacts per interval, not {volume:g}")
    if not math.isfinite(aht) or aht <= 0:
        raise UsageProblem(f"handle time must be more than zero seconds, not {aht:g}")
    if not 0 < interval_minutes <= MINUTES_PER_DAY:
        raise UsageProblem(f"interval must be 1 to {MINUTES_PER_DAY} minutes, not {interval_minutes}")
    if patience is not None and (not math.isfinite(patience) or patience <= 0):
        raise UsageProblem(f"patience must be more than zero seconds, not {patience:g}")
    if asa is not None and (not math.isfinite(asa) or asa < 0):
        raise UsageProblem(f"an ASA target must be zero or more seconds, not {asa:g}")
    if max_abandon is not None and patience is None:
        raise UsageProblem("--max-abandon needs --patience: without abandonment nobody hangs up")
    target_share, threshold = parse_service_level(service_level) if service_level else (None, None)
    targets = StaffingTargets(
        service_level=target_share,
        threshold_seconds=threshold,
        service_level_definition=definition,
        asa_seconds=asa,
        max_occupancy=parse_fraction("maximum occupancy", max_occupancy),
        max_abandon_rate=parse_fraction("maximum abandonment", max_abandon),
    )
    if all(
        value is None
        for value in (targets.service_level, targets.asa_seconds, targets.max_occupancy, targets.max_abandon_rate)
    ):
        raise UsageProblem("give at least one target: --service-level, --asa, --max-occupancy or --max-abandon")
    share = parse_fraction("shrinkage", shrinkage, allow_one=False)
    result = required_agents(
        arrival_rate=volume / (interval_minutes * SECONDS_PER_MINUTE),
        aht_seconds=aht,
        targets=targets,
        patience_seconds=patience,
    )
    return result, (scheduled_agents(result.agents, share) if share is not None else None)


class HandleTimeShape(StrEnum):
    EXPONENTIAL = "exponential"
    LOGNORMAL = "lognormal"
    FIXED = "fixed"


def _duration(shape: HandleTimeShape, mean: float, variation: float) -> DurationDistribution:
    if shape is HandleTimeShape.EXPONENTIAL:
        return DurationDistribution.exponential(mean)
    if shape is HandleTimeShape.FIXED:
        return DurationDistribution.deterministic(mean)
    return DurationDistribution.lognormal(mean_seconds=mean, coefficient_of_variation=variation)


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


@wfm_app.command("simulate")
def simulate_plan(  # noqa: PLR0917 - Typer reads options from parameters
    volume: Annotated[float, typer.Option(help="Contacts offered per interval (on average, Poisson).")],
    aht: Annotated[float, typer.Option(help="Average handle time, seconds.")],
    agents: Annotated[int, typer.Option(help="Agents on the phones in every interval.")],
    interval_minutes: Annotated[int, typer.Option(help="Interval length, minutes.")] = 30,
    intervals: Annotated[int, typer.Option(help="Intervals in the simulated day.")] = 16,
    threshold: Annotated[float, typer.Option(help="Service level threshold, seconds.")] = 20.0,
    patience: Annotated[float | None, typer.Option(help="Mean patience, seconds (exponential).")] = None,
    handle_time: Annotated[HandleTimeShape, typer.Option(help="Handle time distribution.")] = (
        HandleTimeShape.EXPONENTIAL
    ),
    handle_cv: Annotated[float, typer.Option(help="Coefficient of variation for lognormal handle times.")] = 1.0,
    ramp: Annotated[float, typer.Option(help="Arrival ramp inside each interval, -1..1 (0: constant rate).")] = 0.0,
    warm_up: Annotated[int, typer.Option(help="Leading intervals left out of the day's figures.")] = 0,
    replications: Annotated[int, typer.Option(help="Simulated days.")] = 20,
    seed: Annotated[int, typer.Option(help="Random seed, for repeatable runs.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """What-if: simulate a plan (discrete-event) beside the Erlang formula, and say where they part."""
    try:
        if not 0 < interval_minutes <= MINUTES_PER_DAY:
            raise UsageProblem(f"interval must be 1 to {MINUTES_PER_DAY} minutes, not {interval_minutes}")
        if not 1 <= intervals <= MAX_SIMULATED_INTERVALS:
            raise UsageProblem(f"simulate 1 to {MAX_SIMULATED_INTERVALS} intervals, not {intervals}")
        if not 2 <= replications <= MAX_REPLICATIONS:  # noqa: PLR2004 - a confidence interval needs two days
            raise UsageProblem(f"replications must be 2 to {MAX_REPLICATIONS}, not {replications}")
        if not math.isfinite(aht) or aht <= 0:
            raise UsageProblem(f"handle time must be more than zero seconds, not {aht:g}")
        scenario = Scenario(
            interval_seconds=interval_minutes * SECONDS_PER_MINUTE,
            contacts_per_interval=(volume,) * intervals,
            agents_per_interval=(agents,) * intervals,
            handle_time=_duration(handle_time, aht, handle_cv),
            threshold_seconds=threshold,
            patience=DurationDistribution.exponential(patience) if patience is not None else None,
            within_interval_ramp=ramp,
            warm_up_intervals=warm_up,
        )
        comparison = compare_with_erlang(scenario, replications=replications, seed=seed)
    except (UsageProblem, InvalidScenario, InvalidQueueInput) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    rows = [
        {
            "metric": metric.name,
            "formula": _finite_or_none(metric.formula),
            "simulated": _finite_or_none(metric.simulated.mean),
            "low": _finite_or_none(metric.simulated.low),
            "high": _finite_or_none(metric.simulated.high),
            "formula_within_interval": metric.within_confidence_interval,
        }
        for metric in comparison.day
    ]
    if as_json:
        payload = {
            "model": comparison.model,
            "assumptions_hold": comparison.assumptions_hold,
            "departures": list(comparison.departures),
            "agrees": comparison.agrees,
            "replications": replications,
            "seed": seed,
            "metrics": rows,
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    typer.echo(f"{'metric':<52} {comparison.model:>10} {'simulated':>10}  95% interval")
    for row in rows:
        formula, simulated = row["formula"], row["simulated"]
        typer.echo(
            f"{row['metric']:<52} {_fmt(formula):>10} {_fmt(simulated):>10}  "
            f"[{_fmt(row['low'])}, {_fmt(row['high'])}]{'' if row['formula_within_interval'] else '  <- differs'}"
        )
    if comparison.departures:
        typer.echo("\nWhere this plan breaks the formula's assumptions:")
        for departure in comparison.departures:
            typer.echo(f"  - {departure}")
    else:
        typer.echo("\nThe formula's assumptions hold here; differences are sampling noise.")


def _fmt(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else "–"


def _zone_option(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UsageProblem(f"unknown time zone {name!r}; use an IANA name such as Europe/Paris") from exc


def _holiday_dates(values: list[str]) -> list[date]:
    days = []
    for value in values:
        try:
            days.append(date.fromisoformat(value))
        except ValueError as exc:
            raise UsageProblem(f"holiday {value!r} is not a date such as 2026-12-25") from exc
    return days


def _read_input(path: Path) -> str:
    """The whole file as text, refusing what is too big or not text before parsing anything."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UsageProblem(f"cannot read {path}: {exc.strerror}") from exc
    if size > MAX_INPUT_BYTES:
        raise UsageProblem(f"{path} is {size:,} bytes; the limit is {MAX_INPUT_BYTES:,}")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageProblem(f"{path} is not UTF-8 text (byte {exc.start})") from exc
    except OSError as exc:
        raise UsageProblem(f"cannot read {path}: {exc.strerror}") from exc


def _print_backtest(forecast: Forecast) -> None:
    report = forecast.backtest
    if report is None:
        for note in forecast.notes:
            err.print(f"note: {note}")
        return
    err.print(
        f"backtest: {len(report.origins)} origins, horizon {report.horizon_days} days; "
        f"chosen {report.chosen.value} (decided by {report.decided_by})"
    )
    err.print(f"{'model':<16} {'MAE':>9} {'WAPE':>8} {'bias':>8} {'staffing error':>15}")
    for score in report.scores:
        staffing_text = "–" if score.staffing_error is None else f"{score.staffing_error:.3f}"
        mark = " *" if score.model is report.chosen else ""
        err.print(
            f"{score.model.value:<16} {score.mean_absolute_error:>9.3f} {score.wape:>8.1%} "
            f"{score.bias:>+8.1%} {staffing_text:>15}{mark}"
        )


@wfm_app.command("forecast")
def forecast_command(  # noqa: PLR0917 - Typer reads options from parameters
    input_path: Annotated[Path, typer.Option("--input", help="CSV: interval_start,volume[,aht_seconds].")],
    horizon_days: Annotated[int, typer.Option(help="Days to forecast after the history.")] = 7,
    interval_minutes: Annotated[int, typer.Option(help="Interval length of the history: 15, 30 or 60.")] = 30,
    output: Annotated[Path | None, typer.Option(help="Write the forecast CSV here (default: stdout).")] = None,
    backtest: Annotated[bool, typer.Option("--backtest", help="Print each model's backtest scores.")] = False,
    timezone: Annotated[str, typer.Option(help="The centre's time zone, for daily and weekly patterns.")] = "UTC",
    holiday: Annotated[list[str] | None, typer.Option(help="A closed day (repeatable), e.g. 2026-12-25.")] = None,
    aht: Annotated[float, typer.Option(help="Handle time for the staffing error when the CSV has none.")] = 300.0,
    service_level: Annotated[str, typer.Option(help="Target used to score staffing error.")] = "80/20",
    model: Annotated[ForecastModel | None, typer.Option(help="Skip the backtest's choice and use this model.")] = None,
    naive_times_in: Annotated[
        str | None, typer.Option(help="Read times without a UTC offset as local times of this zone.")
    ] = None,
) -> None:
    """Forecast volume (and handle time) per interval; the model is the one the backtest picks."""
    try:
        if horizon_days < 1 or horizon_days > MAX_HORIZON_DAYS:
            raise UsageProblem(f"horizon must be 1 to {MAX_HORIZON_DAYS} days, not {horizon_days}")
        zone = _zone_option(timezone)
        holidays = _holiday_dates(holiday or [])
        share, threshold = parse_service_level(service_level)
        history = parse_history_csv(
            _read_input(input_path),
            interval_minutes=interval_minutes,
            assumed_zone=_zone_option(naive_times_in) if naive_times_in else None,
        )
        voice = ChannelTargets(StaffingModel.LIVE, aht_seconds=aht, service_level=share, threshold_seconds=threshold)

        def agents_for(volumes: FloatArray, handle_seconds: FloatArray, interval_seconds: int) -> IntArray:
            return agents_for_intervals(
                voice, volumes=volumes, interval_seconds=interval_seconds, aht_seconds=handle_seconds
            )

        if model is not None:
            result = forecast_with(model, history, horizon_days=horizon_days, zone=zone, holidays=holidays)
        else:
            result = forecast_best(
                history,
                horizon_days=horizon_days,
                zone=zone,
                holidays=holidays,
                agents_for=agents_for,
                assumed_aht_seconds=aht,
            )
    except (UsageProblem, HistoryCsvError, InvalidHistory, InsufficientHistory, InvalidQueueInput) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    text = format_forecast_csv(result)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        rows = sum(not closed for closed in result.closed)
        err.print(f"wrote {rows} open intervals to {output} (model {result.model.value})")
    if backtest:
        _print_backtest(result)


@contextmanager
def _quiet_native_stdout() -> Iterator[None]:
    """HiGHS writes a copyright banner straight to file descriptor 1 the first time it starts, before
    any option can silence it; keep it out of this command's output (scripts parse stdout)."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with Path(os.devnull).open("wb") as sink:
            os.dup2(sink.fileno(), 1)
            yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


@wfm_app.command("schedule")
def schedule_command(  # noqa: PLR0917 - Typer reads options from parameters
    problem: Annotated[Path | None, typer.Option(help="Problem JSON (see docs/wfm.md).")] = None,
    example: Annotated[int | None, typer.Option(help="Solve a generated example with this many agents.")] = None,
    days: Annotated[int, typer.Option(help="Days of the generated example.")] = 7,
    gap: Annotated[float, typer.Option(help="Stop within this relative gap of optimal, e.g. 0.01.")] = 0.01,
    time_limit: Annotated[float, typer.Option(help="Seconds the solver may search.")] = 60.0,
    output: Annotated[Path | None, typer.Option(help="Write the schedule as JSON here.")] = None,
    save: Annotated[
        str | None, typer.Option(help="Store it under this name (agent ids are staff emails), as a draft.")
    ] = None,
    publish: Annotated[bool, typer.Option("--publish", help="With --save: publish it to the agents.")] = False,
) -> None:
    """Build shifts that cover the requirement with least weighted under- and over-staffing (HiGHS)."""
    try:
        if (problem is None) == (example is None):
            raise UsageProblem("give either --problem FILE or --example AGENTS")
        if publish and save is None:
            raise UsageProblem("--publish needs --save NAME")
        if not 0 <= gap < 1:
            raise UsageProblem(f"the gap is a fraction below 1, e.g. 0.01, not {gap:g}")
        if not 0 < time_limit <= MAX_SOLVE_SECONDS:
            raise UsageProblem(f"the time limit must be 0 to {MAX_SOLVE_SECONDS:g} seconds")
        if problem is not None:
            stated = parse_problem(_read_input(problem))
        else:
            assert example is not None  # noqa: S101 - narrowed by the check above
            if not 1 <= example <= MAX_EXAMPLE_AGENTS or not 1 <= days <= MAX_EXAMPLE_DAYS:
                raise UsageProblem(f"examples have 1–{MAX_EXAMPLE_AGENTS} agents and 1–{MAX_EXAMPLE_DAYS} days")
            stated = example_problem(agents=example, days=days)
        with _quiet_native_stdout():
            result = solve_schedule(stated, relative_gap=gap, time_limit_seconds=time_limit)
    except (UsageProblem, InvalidScheduleInput, ScheduleNotFound) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    report = result.report
    shifts = sum(len(schedule.shifts) for schedule in result.schedules)
    typer.echo(
        f"{len(result.schedules)} agents, {shifts} shifts; status {report.status.value}, "
        f"gap {report.gap:.2%} (objective {report.objective:.1f}, bound {report.bound:.1f}); "
        f"solved in {report.solve_seconds:.1f} s after {report.build_seconds:.1f} s building"
    )
    typer.echo(
        f"under-staffed {result.total_under:.1f} and over-staffed {result.total_over:.1f} agent-intervals "
        f"of {result.horizon.interval_minutes} minutes"
    )
    for agent in result.unschedulable:
        err.print(f"[yellow]not scheduled:[/yellow] {agent.agent_id}: {agent.reason}")
    if output is not None:
        output.write_text(result_json(result), encoding="utf-8")
        err.print(f"wrote {output}")
    if save is not None:
        _save_schedule(save, result, publish=publish)


def _save_schedule(name: str, result: ScheduleResult, *, publish: bool) -> None:
    from switchboard.core.clock import SystemClock

    settings = _settings()
    try:
        with _database(settings) as database, database.write() as session:
            schedule_id = save_solved_schedule(
                session, actor=Actor.system(), now=SystemClock().now(), name=name, result=result, publish=publish
            )
    except DomainError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from exc
    typer.echo(f"saved schedule {schedule_id} {'(published)' if publish else '(draft)'}")
