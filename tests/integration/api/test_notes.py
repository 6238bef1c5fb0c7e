"""`POST /tickets/{id}/notes`, with and without `email_to`, and what each caller reads back."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from switchboard.accounts.roles import Role
from switchboard.channels.models import Channel
from switchboard.storage.engine import Database
from switchboard.storage.outbox import OutboxItem
from tests.factories import Factory


def _outbox_items(database: Database) -> int:
    with database.read() as session:
        return session.scalar(select(func.count(OutboxItem.id))) or 0


def test_a_note_with_email_to_is_queued_for_email_and_shows_its_recipients(
    client: TestClient, make: Factory, database: Database
) -> None:
    agent = make.user(Role.AGENT)
    ticket = make.ticket(channel=Channel.CHAT)  # any channel: notes are emailed from an email inbox
    headers = make.auth(agent)
    before = _outbox_items(database)

    created = client.post(
        f"/api/v1/tickets/{ticket.id}/notes",
        headers=headers,
        json={"body": "Can you check the logs?", "email_to": ["Dev@Vendor.test", "ops@example.test"]},
    )

    assert created.status_code == 201, created.text
    note = created.json()
    assert note["kind"] == "note" and note["channel"] == "email"
    assert note["delivery_state"] == "queued"
    assert note["email_recipients"] == ["dev@vendor.test", "ops@example.test"]
    assert _outbox_items(database) == before + 1
    thread = client.get(f"/api/v1/tickets/{ticket.id}", headers=headers).json()["messages"]
    assert thread[-1]["email_recipients"] == ["dev@vendor.test", "ops@example.test"]


def test_a_note_without_email_to_is_unchanged(client: TestClient, make: Factory, database: Database) -> None:
    agent = make.user(Role.AGENT)
    ticket = make.ticket()
    before = _outbox_items(database)
    created = client.post(f"/api/v1/tickets/{ticket.id}/notes", headers=make.auth(agent), json={"body": "Just us."})
    assert created.status_code == 201, created.text
    note = created.json()
    assert note["delivery_state"] == "not_applicable" and note["email_recipients"] is None
    assert _outbox_items(database) == before


def test_customers_see_neither_emailed_notes_nor_their_recipients(client: TestClient, make: Factory) -> None:
    customer = make.customer()
    ticket = make.ticket(customer)
    agent = make.user(Role.AGENT)
    noted = client.post(
        f"/api/v1/tickets/{ticket.id}/notes",
        headers=make.auth(agent),
        json={"body": "Vendor bug 4711", "email_to": ["dev@vendor.test"]},
    )
    assert noted.status_code == 201, noted.text
    seen = client.get(f"/api/v1/tickets/{ticket.id}", headers=make.auth(make.customer_user(customer)))
    assert seen.status_code == 200
    assert [m["kind"] for m in seen.json()["messages"]] == ["inbound"]
    assert all(m["email_recipients"] is None for m in seen.json()["messages"])
    assert "vendor.test" not in seen.text and "4711" not in seen.text


def test_the_openapi_document_describes_email_to(client: TestClient) -> None:
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    email_to = schema["NoteCreate"]["properties"]["email_to"]
    assert email_to["maxItems"] == 10 and email_to["items"]["maxLength"] == 320
    assert "email_recipients" in schema["MessageOut"]["properties"]
