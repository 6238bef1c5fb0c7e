"""Forecast → agents per interval per channel → agents to schedule."""

from __future__ import annotations

import math

import pytest

from switchboard.wfm.erlang import StaffingTargets, required_agents
from switchboard.wfm.planning import ChannelTargets, StaffingModel, agents_for_interval, staffing_plan

HALF_HOUR = 1800
VOICE = ChannelTargets(StaffingModel.LIVE, aht_seconds=180, service_level=0.8, threshold_seconds=20, shrinkage=0.3)


def test_live_channel_is_erlang_c_interval_by_interval() -> None:
    volumes = [0.0, 40.0, 100.0, 250.0]
    plan = staffing_plan(VOICE, volumes=volumes, closed=[False] * 4, interval_seconds=HALF_HOUR)
    expected = [
        0
        if v == 0
        else required_agents(
            arrival_rate=v / HALF_HOUR,
            aht_seconds=180,
            targets=StaffingTargets(service_level=0.8, threshold_seconds=20),
        ).agents
        for v in volumes
    ]
    assert list(plan.agents_required) == expected
    assert plan.agents_required[2] == 14
    assert plan.agents_to_schedule[2] == 20  # 14 / 0.7 exactly


def test_closed_intervals_need_nobody() -> None:
    plan = staffing_plan(VOICE, volumes=[100.0, 100.0], closed=[True, False], interval_seconds=HALF_HOUR)
    assert plan.agents_required == (0, 14)


def test_chat_with_one_chat_per_agent_is_erlang_c() -> None:
    chat = ChannelTargets(StaffingModel.CHAT, aht_seconds=180, service_level=0.8, threshold_seconds=20, concurrency=1)
    assert agents_for_interval(chat, volume=100, interval_seconds=HALF_HOUR, aht_seconds=180) == 14
    three = ChannelTargets(StaffingModel.CHAT, aht_seconds=180, service_level=0.8, threshold_seconds=20, concurrency=3)
    assert agents_for_interval(three, volume=100, interval_seconds=HALF_HOUR, aht_seconds=180) < 14


def test_deferred_work_is_done_within_target_with_backlog_carried() -> None:
    email = ChannelTargets(StaffingModel.DEFERRED, aht_seconds=360, response_target_seconds=4 * 3600)
    volumes = [50.0] + [0.0] * 15  # a morning burst: 300 agent-minutes of work, due within 8 intervals
    plan = staffing_plan(email, volumes=volumes, closed=[False] * 16, interval_seconds=HALF_HOUR)
    capacity_by_deadline = sum(plan.agents_required[:8]) * HALF_HOUR
    assert capacity_by_deadline >= 50 * 360
    assert max(plan.agents_required) == math.ceil(50 * 360 / (8 * HALF_HOUR))  # spread evenly: the smallest peak
    assert plan.backlog_past_horizon == pytest.approx(0.0)


def test_lengths_must_agree() -> None:
    with pytest.raises(ValueError, match="same intervals"):
        staffing_plan(VOICE, volumes=[1.0, 2.0], closed=[False], interval_seconds=HALF_HOUR)
