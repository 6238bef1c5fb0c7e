"""The workforce pages: who sees them, what they show, and forms that change things."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from switchboard.accounts.actor import Actor
from switchboard.accounts.roles import Role
from switchboard.channels.models import Channel
from switchboard.core.clock import FixedClock
from switchboard.storage.engine import Database
from switchboard.wfm import actions, queries
from switchboard.wfm.adherence import PresenceState
from tests.factories import Factory
from tests.integration.ui.conftest import csrf_field, submit_login
from tests.integration.wfm.test_api import publish_day


def logged_in(client: TestClient, make: Factory, role: Role) -> int:
    user = make.user(role)
    assert submit_login(client, email=user.email).status_code == 303
    return user.id


def test_calculator_shows_the_answer_and_the_what_if(client: TestClient, make: Factory) -> None:
    logged_in(client, make, Role.WORKFORCE_MANAGER)
    page = client.get("/wfm/erlang", params={"volume": 100, "aht": 180, "service_level": 80, "threshold": 20})
    assert page.status_code == 200, page.text
    assert '<span class="figure-value" id="agents-required">14</span>' in page.text
    assert page.text.count('class="row-chosen"') == 1
    assert "<svg" in page.text and "polyline" in page.text
    patient = client.get("/wfm/erlang", params={"volume": 100, "aht": 180, "patience": 60, "shrinkage": 30})
    assert "abandon" in patient.text and "to schedule after shrinkage" in patient.text


@pytest.mark.parametrize(
    "params",
    [{"volume": -5}, {"aht": 0}, {"service_level": 120}, {"patience": "<script>"}, {"interval_minutes": 10**9}],
)
def test_calculator_refuses_nonsense_with_a_page(client: TestClient, make: Factory, params: dict[str, object]) -> None:
    logged_in(client, make, Role.WORKFORCE_MANAGER)
    page = client.get("/wfm/erlang", params=params)
    assert page.status_code == 422
    assert "<script>" not in page.text


@pytest.mark.parametrize("path", ["/wfm/erlang", "/wfm/adherence", "/wfm/schedules", "/wfm/forecast"])
def test_agents_do_not_see_planning_pages(client: TestClient, make: Factory, path: str) -> None:
    logged_in(client, make, Role.AGENT)
    assert client.get(path).status_code == 403
    assert 'href="/wfm/forecast"' not in client.get("/schedule").text


def test_schedule_page_publish_and_my_schedule(
    client: TestClient, make: Factory, database: Database, clock: FixedClock
) -> None:
    agent = make.user(Role.AGENT, timezone="Europe/Paris")
    day = clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
    start = day + timedelta(hours=8)
    with database.write() as session:
        schedule_id = actions.save_schedule(
            session,
            actor=Actor.system(),
            now=clock.now(),
            name="Draft week",
            starts_at=day,
            ends_at=day + timedelta(days=1),
            interval_minutes=30,
            required_agents=[0.0] * 16 + [1.0] * 16 + [0.0] * 16,
            solve_report={"status": "optimal", "gap": 0.0},
            shifts=[actions.PlannedShift(agent.id, "8h", start, start + timedelta(hours=8))],
        ).id
    logged_in(client, make, Role.WORKFORCE_MANAGER)
    page = client.get(f"/wfm/schedules/{schedule_id}")
    assert page.status_code == 200, page.text
    assert "Europe/Paris" in page.text and "gantt-work" in page.text
    assert "work Mon 09:00–17:00 Europe/Paris" in page.text  # local times in the bar's tooltip
    refused = client.post(f"/wfm/schedules/{schedule_id}/publish", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    published = client.post(
        f"/wfm/schedules/{schedule_id}/publish", data={"csrf_token": csrf_field(page.text)}, follow_redirects=False
    )
    assert published.status_code == 303
    assert "Publish to agents" not in client.get(f"/wfm/schedules/{schedule_id}").text

    client.cookies.clear()
    assert submit_login(client, email=agent.email).status_code == 303
    mine = client.get("/schedule")
    assert mine.status_code == 200
    assert "09:00–17:00" in mine.text and "Europe/Paris" in mine.text
    ics = client.get("/schedule.ics")
    assert ics.status_code == 200, ics.text[:3000]
    assert ics.headers["content-type"].startswith("text/calendar") and b"BEGIN:VEVENT" in ics.content


def test_presence_form_and_adherence_page(
    client: TestClient, make: Factory, database: Database, clock: FixedClock
) -> None:
    agent = make.user(Role.AGENT)
    publish_day(database, clock, agent.id)
    assert submit_login(client, email=agent.email).status_code == 303
    form = client.get("/schedule")
    response = client.post(
        "/presence", data={"state": "break", "csrf_token": csrf_field(form.text)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert client.post("/presence", data={"state": "nap", "csrf_token": csrf_field(form.text)}).status_code == 422
    with database.read() as session:
        (change,) = queries.presence_changes(
            session, user_ids=[agent.id], starts_at=clock.now(), ends_at=clock.now() + timedelta(seconds=1)
        )[agent.id]
    assert change.state is PresenceState.BREAK

    client.cookies.clear()
    logged_in(client, make, Role.TEAM_LEAD)
    page = client.get("/wfm/adherence")
    assert page.status_code == 200
    assert "scheduled work, is break" in page.text  # out of adherence now


def test_forecast_page_learns_from_ticket_history(
    client: TestClient, make: Factory, database: Database, clock: FixedClock
) -> None:
    customer = make.customer()
    now = clock.now()  # a Monday, 09:00 UTC
    for week in range(1, 5):
        for weekday in range(5):
            for hour in (9, 9, 10, 14):
                clock.set(now - timedelta(weeks=week) + timedelta(days=weekday, hours=hour - 9))
                make.ticket(customer, channel=Channel.EMAIL)
    clock.set(now)
    logged_in(client, make, Role.WORKFORCE_MANAGER)
    page = client.get("/wfm/forecast", params={"channel": "email"})
    assert page.status_code == 200, page.text
    assert "series-forecast" in page.text and "series-required" in page.text
    total = re.search(r'id="forecast-total">(\d+)<', page.text)
    assert total is not None and int(total.group(1)) == 4 * 5  # the same four a day, five days a week
    empty = client.get("/wfm/forecast", params={"channel": "voice"})
    assert "No voice tickets in the 26 weeks" in empty.text
    assert client.get("/wfm/forecast", params={"channel": "pigeon"}).status_code == 422
    assert client.get("/wfm/forecast", params={"week": "next tuesday"}).status_code == 422


def test_calculator_form_as_a_browser_sends_it_with_blank_optional_fields(client: TestClient, make: Factory) -> None:
    """A browser submits every field; empty ones arrive as "" (found in the browser test: a 500)."""
    logged_in(client, make, Role.WORKFORCE_MANAGER)
    form = {"volume": "100", "interval_minutes": "30", "aht": "180", "service_level": "80", "threshold": "20"}
    page = client.get("/wfm/erlang", params={**form, "patience": "", "max_occupancy": "", "shrinkage": ""})
    assert page.status_code == 200, page.text
    assert '<span class="figure-value" id="agents-required">14</span>' in page.text
    bad = client.get("/wfm/erlang", params={**form, "patience": "-4", "max_occupancy": "", "shrinkage": ""})
    assert bad.status_code == 422
    forecast = client.get("/wfm/forecast", params={"channel": "voice", "patience": ""})
    assert forecast.status_code == 200, forecast.text
