"""Staffing plan: forecast volume per interval → agents required per interval per channel → agents
to schedule after shrinkage. Pure.

Each channel is staffed by the model that fits how its work arrives:
- **voice** (and anything answered live with one contact per agent): Erlang C for all intervals at
  once (`switchboard.wfm.erlang.erlang_c_agents_many`), or Erlang A when a mean patience is given
  (`switchboard.wfm.erlang.required_agents`), interval by interval;
- **chat**: agents holding up to `concurrency` chats (`switchboard.wfm.workload.required_chat_agents`);
- **email, web form, API, marketplace**: deferred work that must be done within a response target,
  planned over the whole horizon with backlog carried between intervals
  (`switchboard.wfm.workload.deferred_work_requirement`).
Intervals the forecast marks closed need no one (deferred work's clock stops there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray

from switchboard.wfm.erlang import StaffingTargets, erlang_c_agents_many, required_agents, scheduled_agents
from switchboard.wfm.workload import deferred_work_requirement, required_chat_agents

SECONDS_PER_HOUR = 3600


class StaffingModel(StrEnum):
    LIVE = "live"  # Erlang C / A
    CHAT = "chat"  # concurrency
    DEFERRED = "deferred"  # response target, backlog carried


@dataclass(frozen=True, slots=True)
class ChannelTargets:
    """What a channel must achieve, and how its work behaves."""

    model: StaffingModel
    aht_seconds: float
    service_level: float | None = None
    threshold_seconds: float | None = None
    asa_seconds: float | None = None
    max_occupancy: float | None = None
    patience_seconds: float | None = None
    concurrency: int = 1
    response_target_seconds: int = 4 * SECONDS_PER_HOUR
    shrinkage: float = 0.0

    def staffing_targets(self) -> StaffingTargets:
        return StaffingTargets(
            service_level=self.service_level,
            threshold_seconds=self.threshold_seconds,
            asa_seconds=self.asa_seconds,
            max_occupancy=self.max_occupancy,
        )


@dataclass(frozen=True, slots=True)
class StaffingPlan:
    model: StaffingModel
    agents_required: tuple[int, ...]  # on contacts, per interval
    agents_to_schedule: tuple[int, ...]  # after shrinkage
    backlog_past_horizon: float  # deferred work only: items left for after the horizon


def agents_for_interval(targets: ChannelTargets, *, volume: float, interval_seconds: int, aht_seconds: float) -> int:
    """Agents one interval needs on its own. For deferred work this is the workload with no backlog
    and the whole interval to do it in (used to score forecasts interval by interval)."""
    if volume <= 0:
        return 0
    rate = volume / interval_seconds
    if targets.model is StaffingModel.LIVE:
        return required_agents(
            arrival_rate=rate,
            aht_seconds=aht_seconds,
            targets=targets.staffing_targets(),
            patience_seconds=targets.patience_seconds,
        ).agents
    if targets.model is StaffingModel.CHAT:
        return required_chat_agents(
            arrival_rate=rate,
            chat_handle_seconds=aht_seconds,
            concurrency=targets.concurrency,
            targets=targets.staffing_targets(),
            patience_seconds=targets.patience_seconds,
        ).agents
    return deferred_work_requirement(
        arrivals_per_interval=[volume],
        handle_seconds=aht_seconds,
        interval_seconds=interval_seconds,
        response_target_seconds=interval_seconds,
        max_occupancy=targets.max_occupancy or 1.0,
    ).peak_agents


def agents_for_intervals(
    targets: ChannelTargets, *, volumes: ArrayLike, interval_seconds: int, aht_seconds: ArrayLike
) -> NDArray[np.int64]:
    """`agents_for_interval` for many intervals (volumes, and handle times one per interval or one
    for all); Erlang C voice is answered for all of them in one vectorised pass."""
    volume_array = np.asarray(volumes, dtype=np.float64)
    handle_array = np.broadcast_to(np.asarray(aht_seconds, dtype=np.float64), volume_array.shape)
    if targets.model is StaffingModel.LIVE and targets.patience_seconds is None:
        return erlang_c_agents_many(
            arrival_rates=np.maximum(volume_array, 0.0) / interval_seconds,
            aht_seconds=handle_array,
            targets=targets.staffing_targets(),
        )
    return np.array(
        [
            agents_for_interval(
                targets, volume=float(volume), interval_seconds=interval_seconds, aht_seconds=float(aht)
            )
            for volume, aht in zip(volume_array, handle_array, strict=True)
        ],
        dtype=np.int64,
    )


def staffing_plan(
    targets: ChannelTargets,
    *,
    volumes: Sequence[float],
    closed: Sequence[bool],
    interval_seconds: int,
    aht_seconds: Sequence[float] | None = None,
) -> StaffingPlan:
    """Agents required and to schedule for every interval of a forecast."""
    if len(closed) != len(volumes) or (aht_seconds is not None and len(aht_seconds) != len(volumes)):
        raise ValueError("volumes, closed flags and handle times must cover the same intervals")
    handle = list(aht_seconds) if aht_seconds is not None else [targets.aht_seconds] * len(volumes)
    backlog_left = 0.0
    if targets.model is StaffingModel.DEFERRED:
        work = sum(v * h for v, h in zip(volumes, handle, strict=True))
        total = sum(volumes)
        mean_handle = work / total if total > 0 else targets.aht_seconds
        deferred = deferred_work_requirement(
            arrivals_per_interval=[0.0 if shut else v for v, shut in zip(volumes, closed, strict=True)],
            handle_seconds=mean_handle,
            interval_seconds=interval_seconds,
            response_target_seconds=targets.response_target_seconds,
            max_occupancy=targets.max_occupancy or 1.0,
            open_intervals=[not shut for shut in closed],
        )
        required = deferred.agents_required
        backlog_left = deferred.backlog_past_horizon
    else:
        open_volumes = [0.0 if shut else volume for volume, shut in zip(volumes, closed, strict=True)]
        required = tuple(
            int(agents)
            for agents in agents_for_intervals(
                targets, volumes=open_volumes, interval_seconds=interval_seconds, aht_seconds=handle
            )
        )
    return StaffingPlan(
        model=targets.model,
        agents_required=required,
        agents_to_schedule=tuple(scheduled_agents(agents, targets.shrinkage) for agents in required),
        backlog_past_horizon=backlog_left,
    )
