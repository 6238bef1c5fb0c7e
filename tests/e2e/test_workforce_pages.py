"""The workforce manager's pages in a real browser, on the demo: the schedule Gantt, the
adherence table, and the Erlang calculator answering a changed question."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import Page, expect
from rich.console import Console

from switchboard.core.clock import FixedClock
from switchboard.demo.loader import DEMO_LOGINS, load_demo
from switchboard.storage.engine import Database

pytestmark = pytest.mark.e2e


def test_workforce_manager_reads_the_schedule_and_uses_the_calculator(
    live_server: str, page: Page, database: Database, clock: FixedClock
) -> None:
    load_demo(database, clock=clock, console=Console(file=io.StringIO()), demo_tickets=300)
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(dict(DEMO_LOGINS.by_role)["workforce_manager"])
    page.get_by_label("Password").fill(DEMO_LOGINS.password)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("link", name="Workforce").click()
    expect(page.get_by_role("heading", name="Forecast and staffing")).to_be_visible()
    expect(page.get_by_role("img", name="Agents required and scheduled per half hour")).to_be_visible()

    page.get_by_role("navigation", name="Workforce").get_by_role("link", name="Schedules").click()
    page.get_by_role("link", name="Week of").first.click()
    gantt = page.get_by_role("img", name="Shifts of Week of")
    expect(gantt).to_be_visible()
    assert gantt.locator("rect.gantt-work").count() > 20
    expect(page.get_by_text("Published", exact=True)).to_be_visible()

    page.get_by_role("link", name="Adherence").click()
    expect(page.locator("#adherence-table tbody tr").first).to_be_visible()

    page.get_by_role("link", name="Erlang calculator").click()
    page.get_by_label("Contacts per interval").fill("100")
    page.get_by_label("Average handle time (s)").fill("180")
    page.get_by_role("button", name="Calculate").click()
    expect(page.locator("#agents-required")).to_have_text("14")
    page.get_by_label("Contacts per interval").fill("200")
    page.get_by_role("button", name="Calculate").click()
    expect(page.locator("#agents-required")).to_have_text("24")
