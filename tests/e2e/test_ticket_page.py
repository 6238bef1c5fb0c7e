"""An agent opens an email ticket in a real browser: the email's HTML shows in its sandboxed
frame, and nothing the sender wrote runs."""

from __future__ import annotations

import base64

import pytest
from playwright.sync_api import ConsoleMessage, Dialog, Frame, Page, expect

from switchboard.accounts.roles import Role
from switchboard.config import Settings
from switchboard.storage.blobs import BlobStore
from switchboard.storage.engine import Database
from switchboard.tickets.models import Ticket
from tests.factories import PASSWORD, Factory
from tests.integration.stored_email import put_attachment, set_stored_html

# A valid 1×1 PNG, so that the browser really decodes the inline image.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)
# Stored as it is, as if it had slipped past the sanitiser when it was received.
HOSTILE_HTML = (
    '<p onmouseover="window.__pwned = true">Hello from <b>Alice</b></p>'
    "<script>window.__pwned = true; alert('pwned')</script>"
    '<img src="cid:logo@example.test" alt="Logo" onerror="window.__pwned = true">'
    '<img src="https://tracker.example/pixel.gif" alt="tracker">'
    '<p><a href="javascript:window.__pwned = true">click me</a></p>'
)
PWNED = "() => window.__pwned"
ALL_IMAGES_SETTLED = "() => Array.from(document.images).every((image) => image.complete)"
IMAGES = "() => Array.from(document.images, (image) => [image.getAttribute('src'), image.naturalWidth])"


@pytest.mark.e2e
def test_the_email_frame_renders_and_nothing_in_it_runs(
    live_server: str, page: Page, make: Factory, database: Database, settings: Settings
) -> None:
    agent = make.user(Role.AGENT)
    ticket = make.ticket(make.customer("Alice Example"), subject="Printer on fire", thread_rule="new_ticket")
    with database.read() as session:
        message_id = session.get_one(Ticket, ticket.id).messages[0].id
    set_stored_html(database, message_id=message_id, html=HOSTILE_HTML)
    logo = put_attachment(
        database,
        BlobStore(settings.blob_dir),
        message_id=message_id,
        data=PIXEL,
        filename="logo.png",
        content_type="image/png",
        content_id="logo@example.test",
    )
    problems: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda message: _collect_errors(problems, message))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("dialog", lambda dialog: _dismiss(dialogs, dialog))

    page.goto(f"{live_server}/login?next=/tickets/{ticket.number}")
    page.get_by_label("Email").fill(agent.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(f"{live_server}/tickets/{ticket.number}")
    expect(page.get_by_role("heading", name="Printer on fire")).to_be_visible()
    frame = page.frame_locator('iframe[title="Email content"]')
    greeting = frame.get_by_text("Hello from Alice")
    expect(greeting).to_be_visible()
    greeting.hover()
    frame.get_by_text("click me").click()

    email = _frame(page, f"/messages/{message_id}/html")
    email.wait_for_function(ALL_IMAGES_SETTLED)
    images = email.evaluate(IMAGES)
    assert images[0][0].startswith(f"/attachments/{logo}/inline?grant=")
    assert [width for _, width in images] == [1, 0]  # the inline image loaded; the tracker was never asked for
    assert images[1][0] is None
    assert email.evaluate(PWNED) is None
    assert page.evaluate(PWNED) is None
    assert dialogs == []
    assert problems == []  # no CSP violation: nothing blocked was even asked for


def _frame(page: Page, path: str) -> Frame:
    for frame in page.frames:
        if frame.url.endswith(path):
            return frame
    raise AssertionError(f"no frame shows {path}: {[f.url for f in page.frames]}")


def _dismiss(dialogs: list[str], dialog: Dialog) -> None:
    dialogs.append(dialog.message)
    dialog.dismiss()


def _collect_errors(problems: list[str], message: ConsoleMessage) -> None:
    if message.type == "error":
        problems.append(message.text)
