"""An agent logs in with a real browser, sees the ticket list and logs out."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from switchboard.accounts.actor import Actor
from switchboard.accounts.roles import Role
from switchboard.channels.models import Channel
from switchboard.core.clock import FixedClock
from switchboard.storage.engine import Database
from switchboard.tickets import actions
from switchboard.tickets.states import Priority, TicketStatus
from tests.factories import PASSWORD, Factory

DOCS = Path(__file__).resolve().parents[2] / "docs"

TICKETS = [
    ("Invoice shows the wrong VAT number", Priority.NORMAL, Channel.EMAIL, TicketStatus.OPEN),
    ("Cannot reset my password", Priority.HIGH, Channel.CHAT, TicketStatus.NEW),
    ("Order #4411 arrived damaged", Priority.URGENT, Channel.WEB, TicketStatus.PENDING),
    ("How do I export my data?", Priority.LOW, Channel.EMAIL, TicketStatus.SOLVED),
    ("Courier says address is incomplete", Priority.NORMAL, Channel.VOICE, TicketStatus.ON_HOLD),
]

UNLABELLED_CONTROLS = """() => Array.from(document.querySelectorAll("input, select, textarea"))
    .filter((control) => control.type !== "hidden")
    .filter((control) => control.labels.length === 0
        && !control.getAttribute("aria-label") && !control.getAttribute("aria-labelledby"))
    .map((control) => control.outerHTML)"""

FOCUS_OUTLINE = """() => {
    const style = getComputedStyle(document.activeElement);
    return {style: style.outlineStyle, width: style.outlineWidth};
}"""


def create_tickets(make: Factory, database: Database, clock: FixedClock) -> None:
    for subject, priority, channel, status in TICKETS:
        ticket = make.ticket(subject=subject, priority=priority, channel=channel)
        if status is not TicketStatus.NEW:
            with database.write() as session:
                actions.update_ticket(
                    session,
                    actor=Actor.system(),
                    now=clock.now(),
                    ticket_id=ticket.id,
                    changes=actions.TicketChanges(status=status),
                )
        clock.advance(timedelta(minutes=17))


def unlabelled_controls(page: Page) -> list[str]:
    controls: list[str] = page.evaluate(UNLABELLED_CONTROLS)
    return controls


@pytest.mark.e2e
def test_agent_logs_in_sees_the_tickets_and_logs_out(
    live_server: str, page: Page, make: Factory, database: Database, clock: FixedClock
) -> None:
    agent = make.user(Role.AGENT)
    create_tickets(make, database, clock)
    problems: list[str] = []
    page.on("console", lambda message: _collect_errors(problems, message))
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(f"{live_server}/tickets")
    expect(page).to_have_url(f"{live_server}/login?next=/tickets")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    assert unlabelled_controls(page) == []
    email = page.get_by_label("Email")
    email.focus()
    assert page.evaluate(FOCUS_OUTLINE) == {"style": "solid", "width": "3px"}
    page.screenshot(path=DOCS / "screenshot-login.png")

    email.fill(agent.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(f"{live_server}/tickets")
    expect(page.get_by_role("heading", name="Tickets")).to_be_visible()
    for subject, *_ in TICKETS:
        expect(page.get_by_role("cell", name=subject, exact=True)).to_be_visible()
    expect(page.get_by_text(agent.name, exact=True)).to_be_visible()
    assert unlabelled_controls(page) == []
    page.screenshot(path=DOCS / "screenshot-tickets.png", full_page=True)

    page.get_by_role("button", name="Log out").click()

    expect(page).to_have_url(f"{live_server}/login")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.goto(f"{live_server}/tickets")
    expect(page).to_have_url(re.compile(r"/login\?next=/tickets$"))
    assert problems == []  # no CSP violations, missing files or script errors


@pytest.mark.e2e
def test_a_wrong_password_is_explained_on_the_form(live_server: str, page: Page, make: Factory) -> None:
    agent = make.user(Role.AGENT)

    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(agent.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("alert")).to_have_text("Email or password is wrong.")
    expect(page.get_by_label("Email")).to_have_value(agent.email)
    expect(page.get_by_label("Password")).to_be_focused()


def _collect_errors(problems: list[str], message: ConsoleMessage) -> None:
    if message.type == "error":
        problems.append(message.text)
