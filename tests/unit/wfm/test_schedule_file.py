"""The scheduling problem file: what it accepts, and clear errors for everything else."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from switchboard.wfm import schedule_file
from switchboard.wfm.schedule import InvalidScheduleInput, solve_schedule
from switchboard.wfm.schedule_file import parse_problem, result_json


def problem(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "start": "2026-11-23T00:00:00Z",
        "days": 1,
        "interval_minutes": 60,
        "requirements": {"support": [0] * 8 + [1] * 8 + [0] * 8},
        "templates": [
            {
                "name": "8h",
                "length_minutes": 480,
                "earliest_start": "07:00",
                "latest_start": "10:00",
                "start_step_minutes": 60,
                "breaks": [
                    {
                        "name": "lunch",
                        "minutes": 60,
                        "earliest_minutes": 180,
                        "latest_minutes": 300,
                        "paid": False,
                        "step_minutes": 60,
                    }
                ],
            }
        ],
        # Weekly hours are prorated over the horizon: 100 h a week allows 14.3 h on one day.
        "agents": [
            {"id": "amara@example.test", "templates": ["8h"], "days_off_per_week": 0, "max_hours_per_week": 100}
        ],
    }
    base.update(changes)
    return base


def test_a_valid_file_becomes_a_problem_and_solves() -> None:
    stated = parse_problem(json.dumps(problem()))
    assert stated.horizon.intervals == 24
    assert stated.templates[0].breaks[0].duration == timedelta(hours=1)
    result = solve_schedule(stated, time_limit_seconds=10)
    payload = json.loads(result_json(result))
    (agent,) = payload["agents"]
    (shift,) = agent["shifts"]
    assert shift["start"] == "2026-11-23T08:00:00+00:00"  # covers 08–16 exactly
    assert [b["name"] for b in shift["breaks"]] == ["lunch"]
    assert payload["report"]["gap"] <= 0.01


@pytest.mark.parametrize(
    ("changes", "where"),
    [
        ({"colour": "blue"}, "colour"),
        ({"start": "2026-11-23T00:00:00"}, "start"),  # no time zone
        ({"days": 0}, "days"),
        ({"requirements": {"support": [-1]}}, "requirements"),
        ({"requirements": {}}, "requirements"),
        ({"agents": []}, "agents"),
        ({"agents": [{"id": "a", "templates": ["8h"], "days_off_per_week": 9}]}, "days_off_per_week"),
        (
            {"templates": [{"name": "x", "length_minutes": 0, "earliest_start": "07:00", "latest_start": "08:00"}]},
            "length_minutes",
        ),
        ({"interval_minutes": 7}, "interval_minutes"),
    ],
)
def test_bad_files_say_where(changes: dict[str, Any], where: str) -> None:
    with pytest.raises(InvalidScheduleInput, match=where):
        parse_problem(json.dumps(problem(**changes)))


def test_not_json_and_oversized_files_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InvalidScheduleInput):
        parse_problem("{not json")
    monkeypatch.setattr(schedule_file, "MAX_FILE_CHARACTERS", 100)
    with pytest.raises(InvalidScheduleInput, match="over 100 characters"):
        parse_problem(json.dumps(problem()))


def test_too_many_agents_is_refused_before_solving() -> None:
    agents = [{"id": f"a{n}", "templates": ["8h"]} for n in range(schedule_file.MAX_AGENTS + 1)]
    with pytest.raises(InvalidScheduleInput, match="agents"):
        parse_problem(json.dumps(problem(agents=agents)))
