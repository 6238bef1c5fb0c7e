"""Downloads through the API, and what the thread says about each message's email."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from switchboard.accounts.actor import Actor
from switchboard.accounts.roles import Role
from switchboard.channels.email.models import InboundOutcome
from switchboard.channels.models import Channel
from switchboard.core.clock import FixedClock
from switchboard.storage.blobs import BlobStore
from switchboard.storage.engine import Database
from switchboard.tickets import actions
from switchboard.tickets.models import Attachment, Ticket
from tests.factories import Factory
from tests.integration.stored_email import PNG, put_attachment, put_inbound_email

RAW_EMAIL = b"From: Alice <alice@example.test>\r\nMessage-ID: <first@example.test>\r\nSubject: Help\r\n\r\nHello"


@dataclass(frozen=True)
class World:
    ticket: Ticket
    agent_headers: dict[str, str]
    owner_headers: dict[str, str]
    stranger_headers: dict[str, str]
    first_id: int  # the customer's email
    reply_id: int
    note_id: int


@pytest.fixture
def world(make: Factory, database: Database, clock: FixedClock) -> World:
    customer = make.customer("Alice")
    agent = make.user(Role.AGENT)
    ticket = make.ticket(customer, external_id="<first@example.test>", thread_rule="new_ticket")
    actor = Actor(user_id=agent.id, role=agent.role)
    with database.write() as session:
        first_id = session.get_one(Ticket, ticket.id).messages[0].id
        reply = actions.reply(session, actor=actor, now=clock.now(), ticket_id=ticket.id, body_text="On it.")
        note = actions.add_note(session, actor=actor, now=clock.now(), ticket_id=ticket.id, body_text="Internal.")
        reply_id, note_id = reply.id, note.id
    return World(
        ticket=ticket,
        agent_headers=make.auth(agent),
        owner_headers=make.auth(make.customer_user(customer)),
        stranger_headers=make.auth(make.customer_user(make.customer("Mallory"))),
        first_id=first_id,
        reply_id=reply_id,
        note_id=note_id,
    )


def blobs_of(client: TestClient) -> BlobStore:
    blobs: BlobStore = client.app.state.context.email.blobs  # type: ignore[attr-defined]
    return blobs


def test_a_download_is_a_file_to_save_never_a_page(client: TestClient, world: World, database: Database) -> None:
    attachment_id = put_attachment(
        database,
        blobs_of(client),
        message_id=world.first_id,
        data=b"<script>alert(1)</script>",
        filename="../../etc/passwd",
        content_type="text/html",
    )

    response = client.get(f"/api/v1/attachments/{attachment_id}", headers=world.agent_headers)

    assert response.status_code == 200
    assert response.content == b"<script>alert(1)</script>"
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"] == "attachment; filename=\"passwd\"; filename*=UTF-8''passwd"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert response.headers["cache-control"] == "private, no-store"


@pytest.mark.parametrize(
    ("declared", "sent"),
    [
        ("image/svg+xml", "application/octet-stream"),
        ("text/html; charset=utf-8", "application/octet-stream"),
        ("application/javascript", "application/octet-stream"),
        ("image/png", "image/png"),
        ("application/pdf", "application/pdf"),
    ],
)
def test_only_safe_types_keep_their_content_type(
    client: TestClient, world: World, database: Database, declared: str, sent: str
) -> None:
    attachment_id = put_attachment(
        database, blobs_of(client), message_id=world.first_id, data=PNG, filename="f", content_type=declared
    )

    response = client.get(f"/api/v1/attachments/{attachment_id}", headers=world.agent_headers)

    assert response.headers["content-type"] == sent
    assert response.headers["content-disposition"].startswith("attachment;")


def test_a_hostile_filename_cannot_add_a_header(client: TestClient, world: World, database: Database) -> None:
    attachment_id = put_attachment(
        database,
        blobs_of(client),
        message_id=world.first_id,
        data=b"x",
        filename='a"b\r\nX-Injected: 1.html',
        content_type="text/html",
    )

    response = client.get(f"/api/v1/attachments/{attachment_id}", headers=world.agent_headers)

    assert "x-injected" not in response.headers
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"a_bX-Injected: 1.html\"; filename*=UTF-8''a%22bX-Injected%3A%201.html"
    )


def test_a_non_ascii_name_is_sent_in_utf8_with_an_ascii_fallback(
    client: TestClient, world: World, database: Database
) -> None:
    attachment_id = put_attachment(
        database, blobs_of(client), message_id=world.first_id, data=b"x", filename="Rechnung März.pdf", content_type=""
    )

    response = client.get(f"/api/v1/attachments/{attachment_id}", headers=world.agent_headers)

    assert response.headers["content-disposition"] == (
        "attachment; filename=\"Rechnung M_rz.pdf\"; filename*=UTF-8''Rechnung%20M%C3%A4rz.pdf"
    )


def test_only_those_who_may_see_the_message_may_download(client: TestClient, world: World, database: Database) -> None:
    blobs = blobs_of(client)
    public = put_attachment(database, blobs, message_id=world.first_id, data=b"p", filename="p", content_type="")
    internal = put_attachment(database, blobs, message_id=world.note_id, data=b"i", filename="i", content_type="")

    def status(attachment_id: int, headers: dict[str, str]) -> int:
        return client.get(f"/api/v1/attachments/{attachment_id}", headers=headers).status_code

    assert status(public, world.agent_headers) == 200
    assert status(public, world.owner_headers) == 200
    assert status(public, world.stranger_headers) == 404
    assert status(internal, world.agent_headers) == 200
    assert status(internal, world.owner_headers) == 404
    assert status(internal, world.stranger_headers) == 404
    assert client.get(f"/api/v1/attachments/{public}").status_code == 401


def test_an_attachment_of_a_deleted_ticket_is_gone(
    client: TestClient, world: World, database: Database, clock: FixedClock
) -> None:
    attachment_id = put_attachment(
        database, blobs_of(client), message_id=world.first_id, data=b"x", filename="x", content_type=""
    )
    with database.write() as session:
        actions.delete_ticket(session, actor=Actor.system(), now=clock.now(), ticket_id=world.ticket.id)

    assert client.get(f"/api/v1/attachments/{attachment_id}", headers=world.agent_headers).status_code == 404


def test_missing_bytes_are_a_404_not_a_server_error(client: TestClient, world: World, database: Database) -> None:
    blobs = blobs_of(client)
    attachment_id = put_attachment(
        database, blobs, message_id=world.first_id, data=b"soon gone", filename="x", content_type=""
    )
    with database.read() as session:
        blobs.path_for(session.get_one(Attachment, attachment_id).sha256).unlink()

    response = client.get(f"/api/v1/attachments/{attachment_id}", headers=world.agent_headers)

    assert response.status_code == 404
    assert response.json()["error"]["message"] == "the stored file is missing"


def test_the_original_email_downloads_as_eml(
    client: TestClient, world: World, database: Database, clock: FixedClock
) -> None:
    put_inbound_email(database, blobs_of(client), message_id=world.first_id, raw=RAW_EMAIL, now=clock.now())

    response = client.get(f"/api/v1/messages/{world.first_id}/original", headers=world.agent_headers)

    assert response.status_code == 200
    assert response.content == RAW_EMAIL
    assert response.headers["content-type"] == "message/rfc822"
    assert response.headers["content-disposition"] == (
        f"attachment; filename=\"message-{world.first_id}.eml\"; filename*=UTF-8''message-{world.first_id}.eml"
    )
    assert response.headers["x-content-type-options"] == "nosniff"


def test_only_an_email_message_visible_to_the_caller_has_an_original(
    client: TestClient, world: World, database: Database, clock: FixedClock
) -> None:
    put_inbound_email(database, blobs_of(client), message_id=world.first_id, raw=RAW_EMAIL, now=clock.now())

    def status(message_id: int, headers: dict[str, str]) -> int:
        return client.get(f"/api/v1/messages/{message_id}/original", headers=headers).status_code

    assert status(world.first_id, world.owner_headers) == 200
    assert status(world.first_id, world.stranger_headers) == 404
    assert status(world.reply_id, world.agent_headers) == 404  # a reply was never received by email
    assert status(world.note_id, world.agent_headers) == 404
    assert status(999_999, world.agent_headers) == 404


def test_a_duplicate_delivery_does_not_replace_the_original(
    client: TestClient, world: World, database: Database, clock: FixedClock
) -> None:
    blobs = blobs_of(client)
    put_inbound_email(database, blobs, message_id=world.first_id, raw=RAW_EMAIL, now=clock.now())
    put_inbound_email(
        database,
        blobs,
        message_id=world.first_id,
        raw=RAW_EMAIL + b"\r\n",
        now=clock.now(),
        outcome=InboundOutcome.DUPLICATE,
        warnings=["a warning about the copy"],
    )

    original = client.get(f"/api/v1/messages/{world.first_id}/original", headers=world.agent_headers)
    thread = client.get(f"/api/v1/tickets/{world.ticket.id}", headers=world.agent_headers).json()

    assert original.content == RAW_EMAIL
    assert thread["messages"][0]["parse_warnings"] == []


def test_the_thread_says_how_each_message_came_and_where_its_files_are(
    client: TestClient, world: World, database: Database, clock: FixedClock
) -> None:
    blobs = blobs_of(client)
    put_inbound_email(
        database,
        blobs,
        message_id=world.first_id,
        raw=RAW_EMAIL,
        now=clock.now(),
        warnings=["charset 'x-unknown' not known; read as UTF-8"],
    )
    attachment_id = put_attachment(
        database, blobs, message_id=world.first_id, data=PNG, filename="photo.png", content_type="image/png"
    )
    with database.write() as session:
        actions.mark_delivery_failed(
            session, actor=Actor.system(), now=clock.now(), message_id=world.reply_id, reason="550 no such user"
        )

    response = client.get(f"/api/v1/tickets/{world.ticket.id}", headers=world.agent_headers)

    assert response.status_code == 200
    first, reply, note = response.json()["messages"]
    assert first["channel"] == Channel.EMAIL
    assert first["external_id"] == "<first@example.test>"
    assert first["thread_rule"] == "new_ticket"
    assert first["parse_warnings"] == ["charset 'x-unknown' not known; read as UTF-8"]
    assert first["delivery_error"] is None
    assert first["attachments"] == [
        {
            "id": attachment_id,
            "filename": "photo.png",
            "content_type": "image/png",
            "size_bytes": len(PNG),
            "sha256": first["attachments"][0]["sha256"],
            "download_url": f"/api/v1/attachments/{attachment_id}",
        }
    ]
    assert client.get(first["attachments"][0]["download_url"], headers=world.agent_headers).content == PNG
    assert reply["delivery_state"] == "failed"
    assert reply["delivery_error"] == "550 no such user"
    assert reply["thread_rule"] is None
    assert reply["parse_warnings"] == []
    assert note["kind"] == "note"


def test_new_fields_are_documented(client: TestClient) -> None:
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]

    message = schemas["MessageOut"]["properties"]
    assert message["external_id"]["description"] == "email Message-ID"
    assert {"thread_rule", "delivery_error", "parse_warnings"} <= message.keys()
    assert "download_url" in schemas["AttachmentOut"]["properties"]
