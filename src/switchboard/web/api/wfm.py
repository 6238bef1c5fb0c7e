"""Workforce: presence (from agents, telephony and chat systems), staffing, schedules, adherence."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import AwareDatetime, Field

from switchboard.accounts.roles import Permission
from switchboard.core.errors import ValidationFailed
from switchboard.web.api.schemas import ERROR_RESPONSES, Id, Input, Output
from switchboard.web.deps import ApiCaller, Context
from switchboard.wfm import actions, queries
from switchboard.wfm.adherence import PresenceState, ScheduledActivity
from switchboard.wfm.erlang import ServiceLevelDefinition, StaffingTargets, required_agents
from switchboard.wfm.ics import shifts_to_icalendar

router = APIRouter(tags=["workforce"], responses=ERROR_RESPONSES)

MAX_SOURCE_LENGTH = actions.MAX_SOURCE_LENGTH
DEFAULT_ADHERENCE_WINDOW = timedelta(days=1)
SECONDS_PER_MINUTE = 60


class PresenceIn(Input):
    state: PresenceState
    source: str = Field(default="api", min_length=1, max_length=MAX_SOURCE_LENGTH)
    at: AwareDatetime | None = Field(default=None, description="When the state began (default: now); ≤ 24 h ago.")


class PresenceOut(Output):
    user_id: int
    state: PresenceState
    started_at: datetime
    source: str


def _presence(context: Context, caller: ApiCaller, user_id: int, body: PresenceIn) -> PresenceOut:
    with context.database.write() as session:
        change = actions.record_presence(
            session,
            actor=caller.actor,
            now=context.clock.now(),
            user_id=user_id,
            state=body.state,
            source=body.source,
            at=body.at,
        )
        return PresenceOut.model_validate(change)


@router.put("/presence", response_model=PresenceOut, summary="Set my presence")
def set_my_presence(context: Context, caller: ApiCaller, body: PresenceIn) -> PresenceOut:
    """Repeating the state already held is harmless: it returns the change that holds."""
    return _presence(context, caller, caller.user_id, body)


@router.put("/users/{user_id}/presence", response_model=PresenceOut, summary="Set an agent's presence")
def set_presence(context: Context, caller: ApiCaller, user_id: Id, body: PresenceIn) -> PresenceOut:
    """For telephony and chat systems reporting agents' states; needs `wfm.manage`."""
    return _presence(context, caller, user_id, body)


class StaffingIn(Input):
    volume: float = Field(ge=0, le=1_000_000, description="Contacts offered per interval.")
    interval_minutes: int = Field(default=30, ge=1, le=1440)
    aht_seconds: float = Field(ge=1, le=86_400)
    service_level: float | None = Field(default=None, gt=0, le=1, description="e.g. 0.8")
    threshold_seconds: float | None = Field(default=None, ge=0, le=86_400)
    service_level_definition: ServiceLevelDefinition = ServiceLevelDefinition.ANSWERED_WITHIN_OVER_OFFERED
    asa_seconds: float | None = Field(default=None, ge=0, le=86_400)
    max_occupancy: float | None = Field(default=None, ge=0.01, le=1)
    max_abandon_rate: float | None = Field(default=None, gt=0, le=1)
    patience_seconds: float | None = Field(default=None, ge=1, le=86_400)


class StaffingOut(Output):
    agents: int
    binding_target: str
    warnings: list[str]
    model: str
    load_erlangs: float
    service_level: float
    service_level_definition: ServiceLevelDefinition
    service_levels: dict[str, float]
    probability_wait: float
    asa_seconds: float | None
    occupancy: float
    abandon_rate: float | None


@router.post("/wfm/staffing", response_model=StaffingOut, summary="Agents required for one interval")
def staffing(caller: ApiCaller, body: StaffingIn) -> StaffingOut:
    """Erlang C, or Erlang A when `patience_seconds` is given. A calculator: nothing is stored."""
    caller.actor.require(Permission.WFM_VIEW)
    if body.max_abandon_rate is not None and body.patience_seconds is None:
        raise ValidationFailed("max_abandon_rate needs patience_seconds")
    targets = StaffingTargets(
        service_level=body.service_level,
        threshold_seconds=body.threshold_seconds,
        service_level_definition=body.service_level_definition,
        asa_seconds=body.asa_seconds,
        max_occupancy=body.max_occupancy,
        max_abandon_rate=body.max_abandon_rate,
    )
    # Missing or contradictory targets raise InvalidQueueInput, a ValidationFailed: a 422 with its message.
    result = required_agents(
        arrival_rate=body.volume / (body.interval_minutes * SECONDS_PER_MINUTE),
        aht_seconds=body.aht_seconds,
        targets=targets,
        patience_seconds=body.patience_seconds,
    )
    metrics = result.metrics
    return StaffingOut(
        agents=result.agents,
        binding_target=result.binding_target,
        warnings=list(result.warnings),
        model=metrics.model,
        load_erlangs=metrics.load_erlangs,
        service_level=metrics.service_level,
        service_level_definition=metrics.service_level_definition,
        service_levels={k.value: v for k, v in metrics.service_levels.items()},
        probability_wait=metrics.probability_wait,
        asa_seconds=metrics.asa_seconds if math.isfinite(metrics.asa_seconds) else None,
        occupancy=metrics.occupancy,
        abandon_rate=metrics.abandon_rate if metrics.patience_seconds is not None else None,
    )


class ActivityOut(Output):
    activity: ScheduledActivity
    starts_at: datetime
    ends_at: datetime


class ShiftOut(Output):
    id: int
    schedule_id: int
    user_id: int
    template: str
    starts_at: datetime
    ends_at: datetime
    activities: list[ActivityOut]


@router.get("/me/shifts", response_model=list[ShiftOut], summary="My published shifts")
def my_shifts(
    context: Context,
    caller: ApiCaller,
    starts_at: Annotated[AwareDatetime, Query()],
    ends_at: Annotated[AwareDatetime, Query()],
) -> list[ShiftOut]:
    with context.database.read() as session:
        shifts = queries.my_shifts(session, actor=caller.actor, starts_at=starts_at, ends_at=ends_at)
        return [ShiftOut.model_validate(shift) for shift in shifts]


@router.get("/me/shifts.ics", summary="My published shifts as iCalendar", response_class=Response)
def my_shifts_calendar(
    context: Context,
    caller: ApiCaller,
    starts_at: Annotated[AwareDatetime, Query()],
    ends_at: Annotated[AwareDatetime, Query()],
) -> Response:
    with context.database.read() as session:
        shifts = queries.my_shifts(session, actor=caller.actor, starts_at=starts_at, ends_at=ends_at)
        body = shifts_to_icalendar(shifts, now=context.clock.now(), host="switchboard")
    return Response(body, media_type="text/calendar; charset=utf-8")


class AdherenceRowOut(Output):
    user_id: int
    name: str
    timezone: str
    scheduled_seconds: float
    in_adherence_seconds: float
    adherence: float | None
    handling_seconds: float
    staffed_seconds: float
    occupancy: float | None
    scheduled_now: ScheduledActivity | None
    state_now: PresenceState
    adherent_now: bool | None


@router.get("/wfm/adherence", response_model=list[AdherenceRowOut], summary="Adherence and occupancy per agent")
def adherence(
    context: Context,
    caller: ApiCaller,
    starts_at: Annotated[AwareDatetime | None, Query()] = None,
    ends_at: Annotated[AwareDatetime | None, Query()] = None,
    team_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> list[AdherenceRowOut]:
    """Measured up to now; `adherent_now` is null for agents not scheduled at this moment."""
    now = context.clock.now()
    ends = ends_at or now
    starts = starts_at or ends - DEFAULT_ADHERENCE_WINDOW
    with context.database.read() as session:
        rows = queries.adherence_report(
            session, actor=caller.actor, now=now, starts_at=starts, ends_at=ends, team_id=team_id
        )
    return [
        AdherenceRowOut(
            user_id=row.user_id,
            name=row.name,
            timezone=row.timezone,
            scheduled_seconds=row.summary.scheduled_seconds,
            in_adherence_seconds=row.summary.in_adherence_seconds,
            adherence=row.summary.adherence,
            handling_seconds=row.summary.handling_seconds,
            staffed_seconds=row.summary.staffed_seconds,
            occupancy=row.summary.occupancy,
            scheduled_now=row.scheduled_now,
            state_now=row.state_now,
            adherent_now=row.adherent_now,
        )
        for row in rows
    ]
