"""Forecast and staffing for one channel and one week, from the ticket history in the database.

The forecast for a week is made only from the history before that week, so for a week that has
passed, "forecast vs actual" is what the plan would have said beforehand, not a fit after the fact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from switchboard.accounts.actor import Actor
from switchboard.accounts.models import User
from switchboard.accounts.roles import Permission
from switchboard.channels.models import Channel
from switchboard.core.errors import ValidationFailed
from switchboard.wfm import queries
from switchboard.wfm.actions import PlannedActivity, PlannedShift, publish_schedule, save_schedule
from switchboard.wfm.adherence import ScheduledActivity
from switchboard.wfm.forecast import (
    BacktestReport,
    FloatArray,
    HistoryRow,
    InsufficientHistory,
    IntArray,
    forecast_best,
    history_from_rows,
)
from switchboard.wfm.planning import ChannelTargets, StaffingPlan, agents_for_intervals, staffing_plan
from switchboard.wfm.schedule import ScheduleResult

DAYS_PER_WEEK = 7
HISTORY_WEEKS = 26
BACKTEST_WEEKS = 6


@dataclass(frozen=True, slots=True)
class WeekPlan:
    """Per interval of the week (UTC starts): forecast, actual so far, agents required and scheduled."""

    channel: Channel
    interval_minutes: int
    interval_starts: tuple[datetime, ...]
    forecast: tuple[float, ...]
    actual: tuple[float | None, ...]  # None for intervals that have not ended yet
    plan: StaffingPlan | None
    scheduled: tuple[float, ...]
    model: str | None
    backtest: BacktestReport | None
    notes: tuple[str, ...]


def week_start(day: date, zone: ZoneInfo) -> datetime:
    """Local midnight of the Monday of `day`'s week, in UTC."""
    monday = day - timedelta(days=day.weekday())
    return datetime.combine(monday, time(0), tzinfo=zone).astimezone(UTC)


def plan_week(
    session: Session,
    *,
    actor: Actor,
    now: datetime,
    channel: Channel,
    monday: date,
    zone: ZoneInfo,
    targets: ChannelTargets,
    interval_minutes: int = 30,
) -> WeekPlan:
    actor.require(Permission.WFM_VIEW)
    monday = monday - timedelta(days=monday.weekday())
    begins = week_start(monday, zone)
    ends = week_start(monday + timedelta(days=DAYS_PER_WEEK), zone)  # 167 or 169 hours across DST
    interval = timedelta(minutes=interval_minutes)
    history_from = begins - timedelta(weeks=HISTORY_WEEKS)
    counts = queries.ticket_volume(
        session, actor=actor, channel=channel, starts_at=history_from, ends_at=begins, interval_minutes=interval_minutes
    )
    # Every interval of the history is a row: a quiet half hour with no ticket is zero demand,
    # not a closed desk (the database knows no opening hours; a business-hours calendar would).
    first = min(counts, default=None)
    rows = []
    if first is not None:
        moment = first
        while moment < begins:
            rows.append(HistoryRow(moment, float(counts.get(moment, 0))))
            moment += interval
    starts = []
    moment = begins
    while moment < ends:
        starts.append(moment)
        moment += interval
    notes: list[str] = []
    forecast_values = [0.0] * len(starts)
    closed = [False] * len(starts)
    model: str | None = None
    report: BacktestReport | None = None
    if rows:

        def agents_for(volumes: FloatArray, aht_seconds: FloatArray, interval_seconds: int) -> IntArray:
            return agents_for_intervals(
                targets, volumes=volumes, interval_seconds=interval_seconds, aht_seconds=aht_seconds
            )

        try:
            result = forecast_best(
                history_from_rows(rows, interval_minutes=interval_minutes),
                horizon_days=DAYS_PER_WEEK,
                zone=zone,
                horizon_start=monday,
                backtest_weeks=BACKTEST_WEEKS,
                agents_for=agents_for,
                assumed_aht_seconds=targets.aht_seconds,
            )
        except InsufficientHistory as exc:
            notes.append(str(exc))
        else:
            by_start = dict(zip(result.interval_starts, zip(result.volumes, result.closed, strict=True), strict=True))
            for index, start in enumerate(starts):
                volume, shut = by_start.get(start, (0.0, True))
                forecast_values[index], closed[index] = volume, shut
            model, report = result.model.value, result.backtest
            notes.extend(result.notes)
    else:
        notes.append(f"no {channel.value} tickets in the {HISTORY_WEEKS} weeks before this week")
    actual_counts = queries.ticket_volume(
        session, actor=actor, channel=channel, starts_at=begins, ends_at=ends, interval_minutes=interval_minutes
    )
    actual = tuple(float(actual_counts.get(start, 0)) if start + interval <= now else None for start in starts)
    plan = (
        staffing_plan(targets, volumes=forecast_values, closed=closed, interval_seconds=interval_minutes * 60)
        if model is not None
        else None
    )
    shifts = queries.published_shifts(session, user_ids=None, starts_at=begins, ends_at=ends)
    scheduled = queries.coverage(shifts, starts_at=begins, ends_at=ends, interval=interval)
    return WeekPlan(
        channel=channel,
        interval_minutes=interval_minutes,
        interval_starts=tuple(starts),
        forecast=tuple(forecast_values),
        actual=actual,
        plan=plan,
        scheduled=tuple(scheduled),
        model=model,
        backtest=report,
        notes=tuple(notes),
    )


def planned_shifts(result: ScheduleResult, *, user_ids: Mapping[str, int]) -> list[PlannedShift]:
    """A solved schedule's shifts for storage; agent ids are mapped to users by `user_ids`.
    Unpaid breaks are stored as lunches, paid ones as breaks (the usual contract terms)."""
    missing = sorted({schedule.agent_id for schedule in result.schedules if schedule.shifts} - set(user_ids))
    if missing:
        raise ValidationFailed(f"no active staff member for agent {', '.join(missing[:5])}")
    return [
        PlannedShift(
            user_id=user_ids[schedule.agent_id],
            template=shift.template,
            starts_at=shift.start,
            ends_at=shift.end,
            activities=tuple(
                PlannedActivity(ScheduledActivity.BREAK if rule.paid else ScheduledActivity.LUNCH, rule.start, rule.end)
                for rule in shift.breaks
            ),
        )
        for schedule in result.schedules
        for shift in schedule.shifts
    ]


def save_solved_schedule(
    session: Session,
    *,
    actor: Actor,
    now: datetime,
    name: str,
    result: ScheduleResult,
    agent_emails: bool = True,
    team_id: int | None = None,
    publish: bool = False,
) -> int:
    """Store a solved schedule whose agent ids are staff emails (or user ids); publish it if asked."""
    if agent_emails:
        emails = {schedule.agent_id.strip().lower() for schedule in result.schedules}
        rows = session.execute(select(User.email, User.id).where(User.email.in_(emails), User.is_active))
        by_email: dict[str, int] = {email: user_id for email, user_id in rows}  # noqa: C416 - typed rows
        user_ids = {
            s.agent_id: by_email[s.agent_id.strip().lower()]
            for s in result.schedules
            if s.agent_id.strip().lower() in by_email
        }
    else:
        user_ids = {s.agent_id: int(s.agent_id) for s in result.schedules if s.agent_id.isdigit()}
    required = [sum(values) for values in zip(*(queue.required for queue in result.coverage), strict=True)]
    report = result.report
    schedule = save_schedule(
        session,
        actor=actor,
        now=now,
        name=name,
        starts_at=result.horizon.start,
        ends_at=result.horizon.end,
        interval_minutes=result.horizon.interval_minutes,
        required_agents=required,
        solve_report={
            "status": report.status.value,
            "solver": report.solver,
            "objective": report.objective,
            "bound": report.bound,
            "gap": report.gap,
            "requested_gap": report.requested_gap,
            "solve_seconds": round(report.solve_seconds, 3),
            "build_seconds": round(report.build_seconds, 3),
            "columns": report.columns,
            "rows": report.rows,
            "unschedulable": [f"{agent.agent_id}: {agent.reason}" for agent in result.unschedulable],
        },
        shifts=planned_shifts(result, user_ids=user_ids),
        team_id=team_id,
    )
    if publish:
        publish_schedule(session, actor=actor, now=now, schedule_id=schedule.id)
    return schedule.id
