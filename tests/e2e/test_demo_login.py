"""The README promise: log in to the demo workspace in a real browser and see its tickets."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import Page, expect
from rich.console import Console
from sqlalchemy import select

from switchboard.core.clock import FixedClock
from switchboard.demo.loader import DEMO_LOGINS, load_demo
from switchboard.storage.engine import Database
from switchboard.tickets.models import Ticket

pytestmark = pytest.mark.e2e


def test_demo_agent_logs_in_and_sees_the_demo_tickets(
    live_server: str, page: Page, database: Database, clock: FixedClock
) -> None:
    load_demo(database, clock=clock, console=Console(file=io.StringIO()), demo_tickets=300)
    with database.read() as session:
        newest = list(
            session.scalars(select(Ticket.subject).order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(3))
        )
    agent_email = dict(DEMO_LOGINS.by_role)["agent"]

    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(agent_email)
    page.get_by_label("Password").fill(DEMO_LOGINS.password)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(f"{live_server}/tickets")
    for subject in newest:
        expect(page.get_by_role("cell", name=subject, exact=True).first).to_be_visible()
