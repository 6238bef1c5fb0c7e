"""Workforce manager's pages: Erlang calculator, schedules (Gantt), adherence; and every
agent's own schedule page with presence and an iCalendar feed."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BeforeValidator, Field
from sqlalchemy.orm import Session

from switchboard.accounts.roles import Permission
from switchboard.channels.models import Channel
from switchboard.core.errors import PermissionDenied, ValidationFailed
from switchboard.web.api.schemas import MAX_BIG_ID
from switchboard.web.deps import Caller, Context, SessionCaller
from switchboard.web.ui.charts import GanttItem, Series, gantt_chart, line_chart
from switchboard.web.ui.redirects import login_redirect
from switchboard.web.ui.rendering import PageRoute, render
from switchboard.web.ui.security import session_csrf_matches
from switchboard.wfm import actions, queries, service
from switchboard.wfm.adherence import PresenceState, ScheduledActivity
from switchboard.wfm.erlang import (
    QueueMetrics,
    StaffingTargets,
    erlang_a_metrics,
    erlang_c_metrics,
    required_agents,
    scheduled_agents,
)
from switchboard.wfm.ics import shifts_to_icalendar
from switchboard.wfm.models import ScheduleStatus, Shift
from switchboard.wfm.planning import ChannelTargets, StaffingModel

router = APIRouter(route_class=PageRoute, include_in_schema=False)

SECONDS_PER_MINUTE = 60
PERCENT = 100
WHAT_IF_BELOW = 3
WHAT_IF_ABOVE = 6
CURVE_POINTS = 40
MAX_CALCULATOR_VOLUME = 1_000_000.0
MAX_HANDLE_SECONDS = 86_400.0
MY_SCHEDULE_DAYS = 14
ICS_DAYS_BACK = 7
MAX_CHAT_CONCURRENCY = 10
MAX_RESPONSE_HOURS = 24 * 14
SECONDS_PER_HOUR = 3600
ICS_DAYS_AHEAD = 54  # with the week back, inside the 62-day window a query may cover


def _blank_is_none(value: object) -> object:
    return None if value == "" else value


# A form's empty field arrives as "" and means "not given". The bounds sit on the number inside
# the union: on the optional as a whole they would be applied to None and fail as a server error.
OptionalSeconds = Annotated[
    Annotated[float, Field(gt=0, le=MAX_HANDLE_SECONDS)] | None, BeforeValidator(_blank_is_none), Query()
]
OptionalPercent = Annotated[Annotated[float, Field(gt=0, le=100)] | None, BeforeValidator(_blank_is_none), Query()]
OptionalShrinkage = Annotated[Annotated[float, Field(ge=0, lt=100)] | None, BeforeValidator(_blank_is_none), Query()]


def _require(caller: Caller, permission: Permission) -> None:
    caller.actor.require(permission)


@dataclass(frozen=True, slots=True)
class WhatIfRow:
    agents: int
    metrics: QueueMetrics
    chosen: bool
    meets: bool


def _metrics(*, agents: int, arrival_rate: float, aht: float, threshold: float, patience: float | None) -> QueueMetrics:
    if patience is None:
        return erlang_c_metrics(agents=agents, arrival_rate=arrival_rate, aht_seconds=aht, threshold_seconds=threshold)
    return erlang_a_metrics(
        agents=agents,
        arrival_rate=arrival_rate,
        aht_seconds=aht,
        patience_seconds=patience,
        threshold_seconds=threshold,
    )


@router.get("/wfm/erlang")
def erlang_calculator(  # noqa: PLR0917 - FastAPI reads query parameters from parameters
    request: Request,
    current_user: SessionCaller,
    volume: Annotated[float, Query(ge=0, le=MAX_CALCULATOR_VOLUME)] = 100.0,
    interval_minutes: Annotated[int, Query(ge=5, le=1440)] = 30,
    aht: Annotated[float, Query(gt=0, le=MAX_HANDLE_SECONDS)] = 180.0,
    service_level: Annotated[float, Query(gt=0, le=100)] = 80.0,
    threshold: Annotated[float, Query(ge=0, le=MAX_HANDLE_SECONDS)] = 20.0,
    patience: OptionalSeconds = None,
    max_occupancy: OptionalPercent = None,
    shrinkage: OptionalShrinkage = None,
) -> Response:
    """An interactive Erlang C/A calculator: the answer, and what one agent more or less does."""
    if current_user is None:
        return login_redirect(request)
    _require(current_user, Permission.WFM_VIEW)
    arrival_rate = volume / (interval_minutes * SECONDS_PER_MINUTE)
    targets = StaffingTargets(
        service_level=service_level / PERCENT,
        threshold_seconds=threshold,
        max_occupancy=max_occupancy / PERCENT if max_occupancy is not None else None,
    )
    result = required_agents(arrival_rate=arrival_rate, aht_seconds=aht, targets=targets, patience_seconds=patience)
    low = max(1, result.agents - WHAT_IF_BELOW)
    rows = []
    for agents in range(low, max(result.agents, 1) + WHAT_IF_ABOVE + 1):
        metrics = _metrics(agents=agents, arrival_rate=arrival_rate, aht=aht, threshold=threshold, patience=patience)
        meets = metrics.stable and metrics.service_level >= targets.service_level if targets.service_level else True
        rows.append(WhatIfRow(agents, metrics, agents == result.agents, bool(meets)))
    curve_low = max(1, math.floor(result.metrics.load_erlangs * 0.8))
    curve_high = max(curve_low + 2, math.ceil(result.agents * 1.25) + 1)
    stride = max(1, (curve_high - curve_low) // CURVE_POINTS)
    curve_agents = list(range(curve_low, curve_high + 1, stride))
    curve = [
        _metrics(agents=n, arrival_rate=arrival_rate, aht=aht, threshold=threshold, patience=patience)
        for n in curve_agents
    ]
    series = [Series("Service level %", [m.service_level * PERCENT for m in curve], "series-level")]
    if patience is not None:
        series.append(Series("Abandonment %", [m.abandon_rate * PERCENT for m in curve], "series-abandon"))
    chart = line_chart(
        title="Service level by number of agents", series=series, x_labels=[str(n) for n in curve_agents]
    )
    return render(
        request,
        "wfm/erlang.html",
        current_user=current_user,
        nav="wfm",
        subnav="erlang",
        form={
            "volume": volume,
            "interval_minutes": interval_minutes,
            "aht": aht,
            "service_level": service_level,
            "threshold": threshold,
            "patience": patience,
            "max_occupancy": max_occupancy,
            "shrinkage": shrinkage,
        },
        result=result,
        scheduled=scheduled_agents(result.agents, shrinkage / PERCENT) if shrinkage is not None else None,
        rows=rows,
        chart=chart,
    )


@router.get("/wfm")
def workforce_home(request: Request, current_user: SessionCaller) -> Response:
    if current_user is None:
        return login_redirect(request)
    _require(current_user, Permission.WFM_VIEW)
    return RedirectResponse("/wfm/forecast", status_code=303)


def _day_start(day: str | None, now: datetime) -> datetime:
    if not day:
        return now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    try:
        parsed = datetime.fromisoformat(day)
    except ValueError as exc:
        raise ValidationFailed("day must be a date such as 2026-11-23") from exc
    return datetime(parsed.year, parsed.month, parsed.day, tzinfo=UTC)


@router.get("/wfm/adherence")
def adherence_page(
    request: Request,
    context: Context,
    current_user: SessionCaller,
    day: Annotated[str | None, Query(max_length=10)] = None,
    team: Annotated[int | None, Query(ge=1, le=MAX_BIG_ID)] = None,
) -> Response:
    """Who is out of adherence now, and each agent's adherence and occupancy for the day (UTC)."""
    if current_user is None:
        return login_redirect(request)
    now = context.clock.now()
    starts_at = _day_start(day, now)
    with context.database.read() as session:
        report = queries.adherence_report(
            session,
            actor=current_user.actor,
            now=now,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(days=1),
            team_id=team,
        )
    out_now = [row for row in report if row.adherent_now is False]
    return render(
        request,
        "wfm/adherence.html",
        current_user=current_user,
        nav="wfm",
        subnav="adherence",
        report=report,
        out_now=out_now,
        day=starts_at.date().isoformat(),
        now=now,
    )


def _shift_items(shift: Shift, zone: ZoneInfo) -> list[GanttItem]:
    items = []
    for segment in queries.segments_of(shift):
        local_start, local_end = segment.starts_at.astimezone(zone), segment.ends_at.astimezone(zone)
        label = f"{segment.activity.value} {local_start:%a %H:%M}–{local_end:%H:%M} {zone.key} ({shift.template})"
        items.append(GanttItem(segment.starts_at, segment.ends_at, f"gantt-{segment.activity.value}", label))
    return items


def _viewer_zone(session: Session, caller: Caller) -> ZoneInfo:
    """The logged-in user's own time zone: their schedule and charts read in local time."""
    return _zone(queries.staff_names(session, user_ids={caller.user_id}).get(caller.user_id, ("", "UTC"))[1])


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


@router.get("/wfm/schedules")
def schedule_list(request: Request, context: Context, current_user: SessionCaller) -> Response:
    if current_user is None:
        return login_redirect(request)
    with context.database.read() as session:
        schedules = queries.list_schedules(session, actor=current_user.actor)
        rows = [
            {
                "id": s.id,
                "name": s.name,
                "status": s.status,
                "starts_at": s.starts_at,
                "ends_at": s.ends_at,
                "gap": s.optimality_gap,
            }
            for s in schedules
        ]
    return render(
        request, "wfm/schedules.html", current_user=current_user, nav="wfm", subnav="schedules", schedules=rows
    )


@router.get("/wfm/schedules/{schedule_id}")
def schedule_page(
    request: Request,
    context: Context,
    current_user: SessionCaller,
    schedule_id: Annotated[int, Path(ge=1, le=MAX_BIG_ID)],
) -> Response:
    """The schedule as a Gantt by agent (local time zone beside each name) and its coverage."""
    if current_user is None:
        return login_redirect(request)
    with context.database.read() as session:
        schedule = queries.schedule_with_shifts(session, actor=current_user.actor, schedule_id=schedule_id)
        people = queries.staff_names(session, user_ids={shift.user_id for shift in schedule.shifts})
        by_user: dict[int, list[GanttItem]] = {}
        for shift in schedule.shifts:
            zone_name = people.get(shift.user_id, ("", "UTC"))[1]
            by_user.setdefault(shift.user_id, []).extend(_shift_items(shift, _zone(zone_name)))
        rows = sorted(
            (
                (people.get(uid, (f"user {uid}", "UTC"))[0], people.get(uid, ("", "UTC"))[1], items)
                for uid, items in by_user.items()
            ),
            key=lambda row: (row[1], row[0]),
        )
        interval = timedelta(minutes=schedule.interval_minutes)
        coverage = queries.coverage(
            schedule.shifts, starts_at=schedule.starts_at, ends_at=schedule.ends_at, interval=interval
        )
        labels = [
            (schedule.starts_at + i * interval).strftime("%a %H:%M") for i in range(len(schedule.required_agents))
        ]
        coverage_chart = line_chart(
            title="Agents required and scheduled per interval (UTC)",
            series=[
                Series("Required", list(schedule.required_agents), "series-required"),
                Series("Scheduled", [float(value) for value in coverage], "series-scheduled"),
            ],
            x_labels=labels,
            step=True,
        )
        days = max(1, round((schedule.ends_at - schedule.starts_at) / timedelta(days=1)))
        gantt = gantt_chart(
            title=f"Shifts of {schedule.name} by agent (UTC axis)",
            rows=rows,
            starts_at=schedule.starts_at,
            ends_at=schedule.ends_at,
            tick_every=timedelta(days=1) if days > 2 else timedelta(hours=6 if days > 1 else 2),  # noqa: PLR2004 - readable ticks
            tick_format="%a %H:%M" if days > 1 else "%H:%M",
        )
        under = sum(max(0.0, r - c) for r, c in zip(schedule.required_agents, coverage, strict=False))
        over = sum(max(0.0, c - r) for r, c in zip(schedule.required_agents, coverage, strict=False))
        summary = {
            "id": schedule.id,
            "name": schedule.name,
            "status": schedule.status,
            "starts_at": schedule.starts_at,
            "ends_at": schedule.ends_at,
            "report": dict(schedule.solve_report),
            "gap": schedule.optimality_gap,
            "shifts": len(schedule.shifts),
            "agents": len(by_user),
            "under_hours": under * schedule.interval_minutes / SECONDS_PER_MINUTE,
            "over_hours": over * schedule.interval_minutes / SECONDS_PER_MINUTE,
        }
    return render(
        request,
        "wfm/schedule.html",
        current_user=current_user,
        nav="wfm",
        subnav="schedules",
        schedule=summary,
        shift_chart=gantt,
        coverage_chart=coverage_chart,
        can_publish=current_user.actor.can(Permission.WFM_MANAGE) and summary["status"] is ScheduleStatus.DRAFT,
    )


@router.post("/wfm/schedules/{schedule_id}/publish")
def publish(
    request: Request,
    context: Context,
    current_user: SessionCaller,
    schedule_id: Annotated[int, Path(ge=1, le=MAX_BIG_ID)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    if current_user is None:
        return login_redirect(request)
    if not session_csrf_matches(current_user.csrf_token, csrf_token):
        raise PermissionDenied("the form expired; reload the page and try again")
    with context.database.write() as session:
        actions.publish_schedule(session, actor=current_user.actor, now=context.clock.now(), schedule_id=schedule_id)
    return RedirectResponse(f"/wfm/schedules/{schedule_id}", status_code=303)


@router.get("/schedule")
def my_schedule(request: Request, context: Context, current_user: SessionCaller) -> Response:
    """The logged-in agent's published shifts for the next two weeks, in their time zone."""
    if current_user is None:
        return login_redirect(request)
    now = context.clock.now()
    with context.database.read() as session:
        zone = _viewer_zone(session, current_user)
        shifts = queries.my_shifts(
            session,
            actor=current_user.actor,
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=MY_SCHEDULE_DAYS),
        )
        days = [
            {
                "template": shift.template,
                "starts_at": shift.starts_at.astimezone(zone),
                "ends_at": shift.ends_at.astimezone(zone),
                "activities": [
                    (segment.activity, segment.starts_at.astimezone(zone), segment.ends_at.astimezone(zone))
                    for segment in queries.segments_of(shift)
                    if segment.activity is not ScheduledActivity.WORK
                ],
            }
            for shift in shifts
        ]
        presence = queries.presence_changes(
            session, user_ids=[current_user.user_id], starts_at=now, ends_at=now + timedelta(seconds=1)
        )[current_user.user_id]
    state = presence[-1].state if presence else PresenceState.OFFLINE
    return render(
        request,
        "wfm/my_schedule.html",
        current_user=current_user,
        nav="schedule",
        shifts=days,
        zone=zone.key,
        state=state,
        states=list(PresenceState),
    )


@router.get("/schedule.ics")
def my_schedule_calendar(request: Request, context: Context, current_user: SessionCaller) -> Response:
    """The agent's published shifts as an iCalendar file (RFC 5545) for their own calendar."""
    if current_user is None:
        return login_redirect(request)
    now = context.clock.now()
    with context.database.read() as session:
        shifts = queries.my_shifts(
            session,
            actor=current_user.actor,
            starts_at=now - timedelta(days=ICS_DAYS_BACK),
            ends_at=now + timedelta(days=ICS_DAYS_AHEAD),
        )
        calendar = shifts_to_icalendar(shifts, now=now, host=request.url.hostname or "switchboard")
    return Response(
        calendar,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="schedule.ics"', "Cache-Control": "no-store"},
    )


@router.post("/presence")
def set_presence(
    request: Request,
    context: Context,
    current_user: SessionCaller,
    state: Annotated[PresenceState, Form()],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    if current_user is None:
        return login_redirect(request)
    if not session_csrf_matches(current_user.csrf_token, csrf_token):
        raise PermissionDenied("the form expired; reload the page and try again")
    with context.database.write() as session:
        actions.record_presence(
            session,
            actor=current_user.actor,
            now=context.clock.now(),
            user_id=current_user.user_id,
            state=state,
            source="web",
        )
    return RedirectResponse("/schedule", status_code=303)


@router.get("/wfm/forecast")
def forecast_page(  # noqa: PLR0917 - FastAPI reads query parameters from parameters
    request: Request,
    context: Context,
    current_user: SessionCaller,
    channel: Annotated[Channel, Query()] = Channel.EMAIL,
    week: Annotated[str | None, Query(max_length=10)] = None,
    aht: Annotated[float, Query(gt=0, le=MAX_HANDLE_SECONDS)] = 300.0,
    service_level: Annotated[float, Query(gt=0, le=100)] = 80.0,
    threshold: Annotated[float, Query(ge=0, le=MAX_HANDLE_SECONDS)] = 20.0,
    patience: OptionalSeconds = None,
    concurrency: Annotated[int, Query(ge=1, le=MAX_CHAT_CONCURRENCY)] = 2,
    response_hours: Annotated[float, Query(gt=0, le=MAX_RESPONSE_HOURS)] = 4.0,
    shrinkage: Annotated[float, Query(ge=0, lt=100)] = 30.0,
) -> Response:
    """Forecast vs actual by interval, and agents required vs scheduled, for one channel and week."""
    if current_user is None:
        return login_redirect(request)
    _require(current_user, Permission.WFM_VIEW)
    now = context.clock.now()
    with context.database.read() as session:
        zone = _viewer_zone(session, current_user)
        day = _day_start(week, now).date() if week else now.astimezone(zone).date()
        targets = _channel_targets(
            channel,
            aht=aht,
            service_level=service_level,
            threshold=threshold,
            patience=patience,
            concurrency=concurrency,
            response_hours=response_hours,
            shrinkage=shrinkage,
        )
        plan = service.plan_week(
            session, actor=current_user.actor, now=now, channel=channel, monday=day, zone=zone, targets=targets
        )
    labels = [start.astimezone(zone).strftime("%a %H:%M") for start in plan.interval_starts]
    volume_chart = line_chart(
        title=f"{channel.value.capitalize()} contacts per half hour: forecast and actual ({zone.key})",
        series=[
            Series("Forecast", list(plan.forecast), "series-forecast"),
            Series("Actual", list(plan.actual), "series-actual"),
        ],
        x_labels=labels,
    )
    staffing_series = [Series("Scheduled (all published shifts)", list(plan.scheduled), "series-scheduled")]
    if plan.plan is not None:
        staffing_series.insert(
            0, Series("Required after shrinkage", [float(n) for n in plan.plan.agents_to_schedule], "series-required")
        )
    staffing_chart = line_chart(
        title="Agents required and scheduled per half hour", series=staffing_series, x_labels=labels, step=True
    )
    monday = plan.interval_starts[0].astimezone(zone).date()
    return render(
        request,
        "wfm/forecast.html",
        current_user=current_user,
        nav="wfm",
        subnav="forecast",
        plan=plan,
        volume_chart=volume_chart,
        staffing_chart=staffing_chart,
        channels=list(Channel),
        zone=zone.key,
        form={
            "channel": channel,
            "week": monday.isoformat(),
            "previous_week": (monday - timedelta(days=7)).isoformat(),
            "next_week": (monday + timedelta(days=7)).isoformat(),
            "aht": aht,
            "service_level": service_level,
            "threshold": threshold,
            "patience": patience,
            "concurrency": concurrency,
            "response_hours": response_hours,
            "shrinkage": shrinkage,
        },
        totals={
            "forecast": sum(plan.forecast),
            "actual": sum(value for value in plan.actual if value is not None),
            "agent_hours": (
                sum(plan.plan.agents_to_schedule) * plan.interval_minutes / SECONDS_PER_MINUTE if plan.plan else 0
            ),
        },
    )


def _channel_targets(
    channel: Channel,
    *,
    aht: float,
    service_level: float,
    threshold: float,
    patience: float | None,
    concurrency: int,
    response_hours: float,
    shrinkage: float,
) -> ChannelTargets:
    """Voice is answered live (Erlang C/A), chat with concurrency, everything else is deferred work."""
    if channel is Channel.VOICE or channel is Channel.CHAT:
        return ChannelTargets(
            StaffingModel.LIVE if channel is Channel.VOICE else StaffingModel.CHAT,
            aht_seconds=aht,
            service_level=service_level / PERCENT,
            threshold_seconds=threshold,
            patience_seconds=patience,
            concurrency=concurrency if channel is Channel.CHAT else 1,
            shrinkage=shrinkage / PERCENT,
        )
    return ChannelTargets(
        StaffingModel.DEFERRED,
        aht_seconds=aht,
        response_target_seconds=round(response_hours * SECONDS_PER_HOUR),
        shrinkage=shrinkage / PERCENT,
    )
