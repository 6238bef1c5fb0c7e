"""The workforce API: presence from agents and integrations, staffing, own shifts, adherence."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest
from fastapi.testclient import TestClient

from switchboard.accounts.actor import Actor
from switchboard.accounts.roles import Role
from switchboard.core.clock import FixedClock
from switchboard.storage.engine import Database
from switchboard.wfm import actions
from switchboard.wfm.adherence import ScheduledActivity
from tests.factories import Factory


def publish_day(database: Database, clock: FixedClock, user_id: int) -> None:
    day = clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
    start = day + timedelta(hours=8)
    shift = actions.PlannedShift(
        user_id=user_id,
        template="8h30 with lunch",
        starts_at=start,
        ends_at=start + timedelta(hours=8.5),
        activities=(
            actions.PlannedActivity(ScheduledActivity.LUNCH, start + timedelta(hours=4), start + timedelta(hours=4.5)),
        ),
    )
    with database.write() as session:
        schedule = actions.save_schedule(
            session,
            actor=Actor.system(),
            now=clock.now(),
            name="Today",
            starts_at=day,
            ends_at=day + timedelta(days=1),
            interval_minutes=30,
            required_agents=[1.0] * 48,
            solve_report={"status": "optimal", "gap": 0.0},
            shifts=[shift],
        )
        actions.publish_schedule(session, actor=Actor.system(), now=clock.now(), schedule_id=schedule.id)


def test_agent_sets_presence_idempotently(client: TestClient, make: Factory) -> None:
    agent = make.user(Role.AGENT)
    headers = make.auth(agent)
    first = client.put("/api/v1/presence", headers=headers, json={"state": "available", "source": "softphone"})
    assert first.status_code == 200, first.text
    again = client.put("/api/v1/presence", headers=headers, json={"state": "available"})
    assert again.json()["started_at"] == first.json()["started_at"]
    assert again.json()["source"] == "softphone"


@pytest.mark.parametrize(
    "body",
    [
        {"state": "asleep"},
        {"state": "available", "at": "2026-03-02T08:00:00"},  # no time zone
        {"state": "available", "at": "2026-03-03T08:00:00Z"},  # tomorrow
        {"state": "available", "at": "2026-02-01T08:00:00Z"},  # a month ago
        {"state": "available", "source": "x" * 33},
        {"state": "available", "source": ""},
        {"state": "available", "extra": 1},
        {},
    ],
)
def test_bad_presence_is_refused(client: TestClient, make: Factory, body: dict[str, object]) -> None:
    response = client.put("/api/v1/presence", headers=make.auth(make.user(Role.AGENT)), json=body)
    assert response.status_code == 422, response.text


def test_integrations_set_agents_presence_only_with_wfm_manage(client: TestClient, make: Factory) -> None:
    agent = make.user(Role.AGENT)
    url = f"/api/v1/users/{agent.id}/presence"
    assert client.put(url, headers=make.auth(make.user(Role.AGENT)), json={"state": "handling"}).status_code == 403
    planner = make.auth(make.user(Role.WORKFORCE_MANAGER))
    response = client.put(url, headers=planner, json={"state": "handling", "source": "voice"})
    assert response.status_code == 200
    assert response.json()["user_id"] == agent.id
    assert client.put("/api/v1/users/999999/presence", headers=planner, json={"state": "break"}).status_code == 404


def test_staffing_answers_the_textbook_case(client: TestClient, make: Factory) -> None:
    headers = make.auth(make.user(Role.WORKFORCE_MANAGER))
    body = {"volume": 100, "interval_minutes": 30, "aht_seconds": 180, "service_level": 0.8, "threshold_seconds": 20}
    response = client.post("/api/v1/wfm/staffing", headers=headers, json=body)
    assert response.status_code == 200, response.text
    payload = response.json()
    assert payload["agents"] == 14  # 10 Erlangs, 80/20: the classic worked example
    assert payload["model"] == "erlang_c"
    assert payload["abandon_rate"] is None
    with_patience = client.post("/api/v1/wfm/staffing", headers=headers, json={**body, "patience_seconds": 120})
    assert with_patience.json()["abandon_rate"] > 0


@pytest.mark.parametrize(
    "change",
    [
        {"volume": -1},
        {"aht_seconds": 0},
        {"service_level": 1.2},
        {"threshold_seconds": None},
        {"max_abandon_rate": 0.05},  # without patience
        {"service_level": None, "threshold_seconds": None},  # no target
        {"volume": "lots"},
        {"volume": 1e300},
    ],
)
def test_impossible_staffing_questions_get_clear_errors(
    client: TestClient, make: Factory, change: dict[str, object]
) -> None:
    body = {"volume": 100, "interval_minutes": 30, "aht_seconds": 180, "service_level": 0.8, "threshold_seconds": 20}
    response = client.post("/api/v1/wfm/staffing", headers=make.auth(make.user(Role.ADMIN)), json={**body, **change})
    assert response.status_code == 422, response.text


def test_agents_may_not_use_the_planning_api(client: TestClient, make: Factory) -> None:
    headers = make.auth(make.user(Role.AGENT))
    body = {"volume": 100, "aht_seconds": 180, "service_level": 0.8, "threshold_seconds": 20}
    assert client.post("/api/v1/wfm/staffing", headers=headers, json=body).status_code == 403
    assert client.get("/api/v1/wfm/adherence", headers=headers).status_code == 403


def test_own_shifts_as_json_and_icalendar(
    client: TestClient, make: Factory, database: Database, clock: FixedClock
) -> None:
    agent = make.user(Role.AGENT)
    publish_day(database, clock, agent.id)
    params = {"starts_at": "2026-03-01T00:00:00Z", "ends_at": "2026-03-04T00:00:00Z"}
    shifts = client.get("/api/v1/me/shifts", headers=make.auth(agent), params=params).json()
    assert [(s["template"], [a["activity"] for a in s["activities"]]) for s in shifts] == [
        ("8h30 with lunch", ["lunch"])
    ]
    response = client.get("/api/v1/me/shifts.ics", headers=make.auth(agent), params=params)
    assert response.headers["content-type"].startswith("text/calendar")
    assert b"\r\n" in response.content
    calendar = icalendar.Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("dtstart").isoformat() == "2026-03-02T08:00:00+00:00"
    assert "Lunch: 12:00–12:30 UTC" in str(event.get("description"))
    other = client.get("/api/v1/me/shifts", headers=make.auth(make.user(Role.AGENT)), params=params).json()
    assert other == []


def test_adherence_for_leads(client: TestClient, make: Factory, database: Database, clock: FixedClock) -> None:
    agent = make.user(Role.AGENT)
    publish_day(database, clock, agent.id)  # the clock stands at 09:00; the shift began at 08:00
    client.put("/api/v1/presence", headers=make.auth(agent), json={"state": "available"})
    clock.advance(timedelta(hours=1))
    response = client.get("/api/v1/wfm/adherence", headers=make.auth(make.user(Role.TEAM_LEAD)))
    assert response.status_code == 200, response.text
    (row,) = response.json()
    assert row["scheduled_seconds"] == 2 * 3600
    assert row["adherence"] == pytest.approx(0.5)
    assert row["adherent_now"] is True
