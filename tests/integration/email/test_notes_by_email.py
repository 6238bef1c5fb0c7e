"""Notes by email: an internal note emailed to a vendor over real SMTP, and the vendor's
answer coming back through the pipeline as an internal note the customer never sees."""

from __future__ import annotations

import email
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from switchboard.accounts.actions import actor_for
from switchboard.accounts.models import User
from switchboard.accounts.roles import Role
from switchboard.channels.email.models import InboundOutcome, ThreadRule
from switchboard.channels.email.pipeline import PipelineConfig
from switchboard.channels.email.service import EmailChannel, EmailChannelConfig
from switchboard.channels.email.smtp_client import SmtpRelay
from switchboard.channels.email.tokens import (
    make_note_token,
    make_reply_token,
    read_note_token,
    read_reply_token,
    reply_address,
    split_plus_address,
)
from switchboard.channels.models import Channel, Inbox
from switchboard.core.clock import FixedClock
from switchboard.core.errors import PermissionDenied, ValidationFailed
from switchboard.customers.models import Customer, CustomerIdentity
from switchboard.storage.engine import Database
from switchboard.storage.outbox import OutboxDispatcher, OutboxItem
from switchboard.tickets import actions
from switchboard.tickets.models import DeliveryState, Message, MessageKind, Ticket, TicketEvent
from switchboard.tickets.states import TicketStatus
from tests.conftest import START
from tests.factories import Factory
from tests.integration.email.conftest import SECRET, SUPPORT, deliver, mail
from tests.integration.ui.conftest import submit_login
from tests.smtp_sink import SinkMessage, SmtpSink

VENDOR = "dev@vendor.test"


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink(
        rcpt_replies={"gone@vendor.test": "550 5.1.1 No such user", "busy@vendor.test": "450 4.2.1 Mailbox busy"}
    ) as running:
        yield running


@pytest.fixture
def outbox(database: Database, clock: FixedClock) -> OutboxDispatcher:
    return OutboxDispatcher(database, clock)


def _channel(
    database: Database, clock: FixedClock, tmp_path: Path, sink: SmtpSink, outbox: OutboxDispatcher, **pipeline: bool
) -> EmailChannel:
    config = EmailChannelConfig(
        pipeline=PipelineConfig(secret_key=SECRET, **pipeline),
        blob_dir=tmp_path / "blobs",
        smtp_enabled=False,
        imap_enabled=False,
        relay=SmtpRelay(host=sink.host, port=sink.port, timeout_seconds=5),
    )
    return EmailChannel(database, clock, config, outbox=outbox)


@pytest.fixture
def sending(
    database: Database, clock: FixedClock, tmp_path: Path, sink: SmtpSink, outbox: OutboxDispatcher
) -> Iterator[EmailChannel]:
    channel = _channel(database, clock, tmp_path, sink, outbox)
    yield channel
    channel.stop()


@dataclass
class Conversation:
    ticket: Ticket
    agent: User
    reply_id: int  # a public reply, sent before the note


@pytest.fixture
def conversation(
    sending: EmailChannel, database: Database, clock: FixedClock, make: Factory, outbox: OutboxDispatcher, inbox: Inbox
) -> Conversation:
    """A customer's email (Bob copied) and an agent's reply to it, already sent."""
    first = deliver(sending, database, mail(message_id="<q1@customer.test>", cc="bob@customer.test"), inbox=inbox)
    assert first.ticket is not None
    agent = make.user()
    with database.write() as session:
        reply_id = actions.reply(
            session, actor=actor_for(agent), now=clock.now(), ticket_id=first.ticket.id, body_text="On it."
        ).id
    assert outbox.dispatch_pending() == 1
    return Conversation(ticket=first.ticket, agent=agent, reply_id=reply_id)


def _note(
    database: Database, clock: FixedClock, agent: User, ticket_id: int, *email_to: str, text: str = "Vendor, see?"
) -> int:
    with database.write() as session:
        return actions.add_note(
            session, actor=actor_for(agent), now=clock.now(), ticket_id=ticket_id, body_text=text, email_to=email_to
        ).id


def _message(database: Database, message_id: int) -> Message:
    with database.read() as session:
        message = session.get(Message, message_id)
        assert message is not None
        return message


def _status(database: Database, ticket_id: int) -> TicketStatus:
    with database.read() as session:
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket.status


def _parse(sent: SinkMessage) -> EmailMessage:
    parsed = email.message_from_bytes(sent.data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _emailed_note(
    database: Database, clock: FixedClock, sink: SmtpSink, outbox: OutboxDispatcher, conversation: Conversation
) -> tuple[int, EmailMessage]:
    note_id = _note(database, clock, conversation.agent, conversation.ticket.id, VENDOR)
    sent_before = len(sink.messages)
    assert outbox.dispatch_pending() == 1
    assert len(sink.messages) == sent_before + 1
    return note_id, _parse(sink.messages[-1])


def _answer(
    note: EmailMessage,
    *,
    sender: str = f"Dev Person <{VENDOR}>",
    body: str = "Fixed in 2.3.1.\n",
    to: str | None = None,
    headers: dict[str, str] | None = None,
    attachment: bytes | None = None,
) -> bytes:
    """The vendor's answer to the note email, sent to its Reply-To as mail programs do."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to or note["Reply-To"].addresses[0].addr_spec
    message["Subject"] = f"Re: {note['Subject']}"
    message["Date"] = format_datetime(START)
    message["Message-ID"] = make_msgid(domain="vendor.test")
    message["In-Reply-To"] = note["Message-ID"]
    message["References"] = note["Message-ID"]
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if attachment is not None:
        message.add_attachment(attachment, maintype="text", subtype="plain", filename="crash.log")
    return message.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


# --- sending --------------------------------------------------------------------------


def test_a_note_emailed_to_a_vendor_reaches_the_vendor_only(
    sending: EmailChannel,
    database: Database,
    clock: FixedClock,
    sink: SmtpSink,
    outbox: OutboxDispatcher,
    conversation: Conversation,
) -> None:
    note_id = _note(database, clock, conversation.agent, conversation.ticket.id, " Dev@Vendor.TEST ")
    queued = _message(database, note_id)
    assert queued.kind is MessageKind.NOTE and queued.delivery_state is DeliveryState.QUEUED
    assert queued.email_recipients == [VENDOR]
    with database.read() as session:
        item = session.scalars(select(OutboxItem).order_by(OutboxItem.id.desc())).first()
        assert item is not None and item.topic == "message.deliver.email"
        assert item.payload == {"message_id": note_id, "ticket_id": conversation.ticket.id, "channel": "email"}

    assert outbox.dispatch_pending() == 1
    assert len(sink.messages) == 2  # the reply before, and the note
    envelope_from, recipients, _ = sink.messages[-1]
    assert envelope_from == SUPPORT
    assert recipients == (VENDOR,)  # neither Ada (the customer) nor Bob (copied)
    sent = _parse(sink.messages[-1])
    assert [a.addr_spec for a in sent["To"].addresses] == [VENDOR]
    assert sent["Cc"] is None
    assert sent["Subject"] == f"[#{conversation.ticket.number}] Internal note: Printer on fire"
    assert sent["From"].addresses[0].addr_spec == SUPPORT
    assert sent["From"].addresses[0].display_name.startswith(f"{conversation.agent.name} (")
    assert sent["In-Reply-To"] is None and sent["References"] is None  # not the customer's thread
    assert sent["X-Switchboard-Ticket"] == str(conversation.ticket.number)
    base, token = split_plus_address(sent["Reply-To"].addresses[0].addr_spec)
    assert base == SUPPORT and token is not None
    assert read_note_token(SECRET, token) == conversation.ticket.id
    assert read_reply_token(SECRET, token) is None
    assert "Vendor, see?" in sent.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    delivered = _message(database, note_id)
    assert delivered.delivery_state is DeliveryState.SENT
    assert sent["Message-ID"] == f"<{delivered.external_id}>"
    assert outbox.dispatch_pending() == 0 and len(sink.messages) == 2  # nothing twice


def test_a_plain_note_is_not_sent_and_later_replies_never_reference_a_note(
    sending: EmailChannel,
    database: Database,
    clock: FixedClock,
    sink: SmtpSink,
    outbox: OutboxDispatcher,
    conversation: Conversation,
    inbox: Inbox,
) -> None:
    plain = _message(database, _note(database, clock, conversation.agent, conversation.ticket.id))
    assert plain.delivery_state is DeliveryState.NOT_APPLICABLE and plain.email_recipients is None
    assert outbox.dispatch_pending() == 0

    note_id, note = _emailed_note(database, clock, sink, outbox, conversation)
    answer = deliver(sending, database, _answer(note), inbox=inbox)
    assert answer.message is not None and answer.message.kind is MessageKind.NOTE
    with database.write() as session:
        actions.reply(
            session,
            actor=actor_for(conversation.agent),
            now=clock.now(),
            ticket_id=conversation.ticket.id,
            body_text="Fixed now.",
        )
    assert outbox.dispatch_pending() == 1
    reply = _parse(sink.messages[-1])
    note_header_id = _message(database, note_id).external_id
    assert note_header_id is not None and answer.message.external_id is not None
    threading = f"{reply['In-Reply-To']} {reply['References']}"
    assert "q1@customer.test" in threading
    assert note_header_id not in threading  # neither the note we sent
    assert answer.message.external_id not in threading  # nor the vendor's answer


def test_a_permanent_refusal_marks_the_note_failed_with_the_reason(
    sending: EmailChannel, database: Database, clock: FixedClock, outbox: OutboxDispatcher, conversation: Conversation
) -> None:
    note_id = _note(database, clock, conversation.agent, conversation.ticket.id, "gone@vendor.test")
    outbox.dispatch_pending()
    note = _message(database, note_id)
    assert note.delivery_state is DeliveryState.FAILED
    assert note.delivery_error is not None and "550" in note.delivery_error
    with database.read() as session:
        failed = session.scalars(
            select(TicketEvent).where(
                TicketEvent.ticket_id == conversation.ticket.id, TicketEvent.type == "ticket.delivery_failed"
            )
        ).one()
    assert failed.data["message_id"] == note_id and failed.audience.value == "internal"


def test_a_bounce_of_an_emailed_note_marks_it_failed(
    sending: EmailChannel,
    database: Database,
    clock: FixedClock,
    sink: SmtpSink,
    outbox: OutboxDispatcher,
    conversation: Conversation,
    inbox: Inbox,
) -> None:
    note_id, sent = _emailed_note(database, clock, sink, outbox, conversation)
    dsn = (
        "From: MAILER-DAEMON@mx.vendor.test\r\n"
        "To: support@example.test\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <note-bounce@mx.vendor.test>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n'
        "\r\n--b\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.vendor.test\r\n\r\n"
        f"Final-Recipient: rfc822; {VENDOR}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
        "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {sent['Message-ID']}\r\nSubject: x\r\n"
        "--b--\r\n"
    ).encode()
    bounce = deliver(sending, database, dsn, inbox=inbox)
    assert bounce.inbound.outcome is InboundOutcome.BOUNCE
    note = _message(database, note_id)
    assert note.delivery_state is DeliveryState.FAILED
    assert note.delivery_error is not None and "5.1.1" in note.delivery_error


def test_a_temporary_refusal_is_retried_as_a_reply_is(
    sending: EmailChannel, database: Database, clock: FixedClock, outbox: OutboxDispatcher, conversation: Conversation
) -> None:
    note_id = _note(database, clock, conversation.agent, conversation.ticket.id, "busy@vendor.test")
    outbox.dispatch_pending()
    assert _message(database, note_id).delivery_state is DeliveryState.QUEUED
    with database.read() as session:
        item = session.scalars(select(OutboxItem).order_by(OutboxItem.id.desc())).first()
        assert item is not None and item.attempts == 1 and item.dispatched_at is None
        assert item.last_error is not None and "450" in item.last_error


# --- answers --------------------------------------------------------------------------


def test_the_vendors_answer_becomes_an_internal_note_the_customer_never_sees(
    sending: EmailChannel,
    database: Database,
    clock: FixedClock,
    sink: SmtpSink,
    outbox: OutboxDispatcher,
    conversation: Conversation,
    inbox: Inbox,
    make: Factory,
    client: TestClient,
) -> None:
    with database.write() as session:
        stored = session.get(Inbox, inbox.id)
        assert stored is not None
        stored.settings = {"auto_acknowledge": True}
    _, note = _emailed_note(database, clock, sink, outbox, conversation)
    with database.write() as session:
        actions.update_ticket(
            session,
            actor=actor_for(conversation.agent),
            now=clock.now(),
            ticket_id=conversation.ticket.id,
            changes=actions.TicketChanges(status=TicketStatus.SOLVED),
        )
    sent_so_far = len(sink.messages)

    answer = deliver(sending, database, _answer(note, attachment=b"Traceback: ..."), inbox=inbox)

    assert answer.inbound.outcome is InboundOutcome.THREADED
    assert answer.ticket is not None and answer.ticket.id == conversation.ticket.id
    message = answer.message
    assert message is not None
    assert message.kind is MessageKind.NOTE and message.thread_rule == ThreadRule.NOTE_TOKEN
    assert message.external_id is not None and message.external_id.endswith("@vendor.test")
    assert message.author_user_id is None and message.author_customer_id is None
    assert message.body_text.startswith(f"From: Dev Person <{VENDOR}>\n\n")
    assert "Fixed in 2.3.1." in message.body_text
    assert [a.filename for a in message.attachments] == ["crash.log"]
    assert _status(database, conversation.ticket.id) is TicketStatus.SOLVED  # not reopened
    outbox.dispatch_pending()
    assert len(sink.messages) == sent_so_far  # no acknowledgement, nothing sent
    with database.read() as session:
        assert session.scalar(select(func.count()).where(CustomerIdentity.value == VENDOR)) == 0
        types = list(session.scalars(select(TicketEvent.type).where(TicketEvent.ticket_id == conversation.ticket.id)))
    assert types.count("ticket.note_added") == 2  # the note, and the answer

    customer_user = make.customer_user(_customer(database, conversation.ticket))
    seen = client.get(f"/api/v1/tickets/{conversation.ticket.id}", headers=make.auth(customer_user))
    assert seen.status_code == 200, seen.text
    assert {m["kind"] for m in seen.json()["messages"]} == {"inbound", "outbound"}
    assert "2.3.1" not in seen.text and "vendor.test" not in seen.text
    events = client.get(f"/api/v1/tickets/{conversation.ticket.id}/events", headers=make.auth(customer_user))
    assert events.status_code == 403 or (events.status_code == 200 and "note_added" not in events.text)

    staff = client.get(f"/api/v1/tickets/{conversation.ticket.id}", headers=make.auth(conversation.agent))
    notes = [m for m in staff.json()["messages"] if m["kind"] == "note"]
    assert [n["email_recipients"] for n in notes] == [[VENDOR], None]
    assert notes[1]["thread_rule"] == "note_token" and notes[1]["delivery_state"] == "received"


def test_an_answer_from_a_colleague_is_written_by_them(
    sending: EmailChannel,
    database: Database,
    clock: FixedClock,
    sink: SmtpSink,
    outbox: OutboxDispatcher,
    conversation: Conversation,
    inbox: Inbox,
    make: Factory,
) -> None:
    colleague = make.user(Role.AGENT, email="linus@example.test")
    _, note = _emailed_note(database, clock, sink, outbox, conversation)
    answer = deliver(sending, database, _answer(note, sender="Linus <LINUS@example.test>"), inbox=inbox)
    assert answer.message is not None and answer.message.kind is MessageKind.NOTE
    assert answer.message.author_user_id == colleague.id
    assert answer.message.body_text.startswith("Fixed in 2.3.1.")  # no "From:" line: the author says who


def test_an_auto_reply_to_a_note_is_an_automatic_note(
    sending: EmailChannel,
    database: Database,
    clock: FixedClock,
    sink: SmtpSink,
    outbox: OutboxDispatcher,
    conversation: Conversation,
    inbox: Inbox,
) -> None:
    _, note = _emailed_note(database, clock, sink, outbox, conversation)
    status = _status(database, conversation.ticket.id)
    raw = _answer(note, body="I am out of the office.\n", headers={"Auto-Submitted": "auto-replied"})
    answer = deliver(sending, database, raw, inbox=inbox)
    assert answer.inbound.outcome is InboundOutcome.THREADED
    assert answer.message is not None
    assert answer.message.kind is MessageKind.NOTE and answer.message.is_automatic
    assert _status(database, conversation.ticket.id) is status


def test_an_answer_to_a_closed_or_merged_ticket_is_still_a_note(
    sending: EmailChannel,
    database: Database,
    clock: FixedClock,
    sink: SmtpSink,
    outbox: OutboxDispatcher,
    conversation: Conversation,
    inbox: Inbox,
    make: Factory,
) -> None:
    _, note = _emailed_note(database, clock, sink, outbox, conversation)
    survivor = make.ticket(subject="The same printer")
    with database.write() as session:
        actions.merge_tickets(
            session,
            actor=actor_for(conversation.agent),
            now=clock.now(),
            source_ticket_id=conversation.ticket.id,
            target_ticket_id=survivor.id,
        )
    answer = deliver(sending, database, _answer(note), inbox=inbox)
    assert answer.ticket is not None and answer.ticket.id == survivor.id  # followed to the surviving ticket
    assert answer.message is not None and answer.message.kind is MessageKind.NOTE
    assert _status(database, survivor.id) is TicketStatus.NEW


@pytest.mark.parametrize("bulk_writes", [True, False], ids=["bulk path", "per-message path"])
def test_an_answer_to_our_plain_address_naming_the_note_stays_internal(
    database: Database,
    clock: FixedClock,
    tmp_path: Path,
    sink: SmtpSink,
    outbox: OutboxDispatcher,
    conversation: Conversation,
    inbox: Inbox,
    bulk_writes: bool,
) -> None:
    """Without the token (the vendor wrote to support@), In-Reply-To naming the note decides."""
    _, note = _emailed_note(database, clock, sink, outbox, conversation)
    channel = _channel(database, clock, tmp_path, sink, outbox, bulk_writes=bulk_writes)
    try:
        answer = deliver(channel, database, _answer(note, to=SUPPORT), inbox=inbox)
    finally:
        channel.stop()
    assert answer.ticket is not None and answer.ticket.id == conversation.ticket.id
    assert answer.message is not None and answer.message.kind is MessageKind.NOTE
    assert answer.message.thread_rule == ThreadRule.REFERENCES
    with database.read() as session:
        assert session.scalar(select(func.count()).where(CustomerIdentity.value == VENDOR)) == 0


def test_a_forged_or_altered_note_token_is_not_one(
    sending: EmailChannel, database: Database, conversation: Conversation, inbox: Inbox
) -> None:
    ticket_id = conversation.ticket.id
    genuine = make_note_token(SECRET, ticket_id)
    prefix, signature = genuine.rsplit(".", 1)
    altered = f"{prefix}.{'a' if signature[0] != 'a' else 'b'}{signature[1:]}"
    other_secret = make_note_token("a-secret-of-another-installation-0000000", ticket_id)
    from_reply_token = f"note.{make_reply_token(SECRET, ticket_id)}"  # right ticket, signed for replies
    for n, token in enumerate((altered, other_secret, from_reply_token)):
        raw = mail(
            sender="eve@evil.test",
            to=reply_address(SUPPORT, token),
            subject=f"Re: [#{conversation.ticket.number}] Internal note: Printer on fire",
            message_id=f"<forged.{n}@evil.test>",
        )
        forged = deliver(sending, database, raw, inbox=inbox)
        assert forged.inbound.outcome is InboundOutcome.NEW_TICKET, token
        assert forged.ticket is not None and forged.ticket.id != ticket_id
        assert forged.message is not None and forged.message.kind is MessageKind.INBOUND
    assert _notes(database, ticket_id) == 0


def test_a_reply_token_is_not_a_note_token(
    sending: EmailChannel, database: Database, conversation: Conversation, inbox: Inbox
) -> None:
    """The customer answering our reply is the customer writing, not a note."""
    reply_to = reply_address(SUPPORT, make_reply_token(SECRET, conversation.ticket.id))
    answer = deliver(sending, database, mail(to=reply_to, subject="Re: thanks", body="Still broken"), inbox=inbox)
    assert answer.ticket is not None and answer.ticket.id == conversation.ticket.id
    assert answer.message is not None
    assert answer.message.kind is MessageKind.INBOUND and answer.message.thread_rule == ThreadRule.REPLY_TOKEN
    assert _notes(database, conversation.ticket.id) == 0


def _notes(database: Database, ticket_id: int) -> int:
    with database.read() as session:
        return (
            session.scalar(
                select(func.count(Message.id)).where(Message.ticket_id == ticket_id, Message.kind == MessageKind.NOTE)
            )
            or 0
        )


def _customer(database: Database, ticket: Ticket) -> Customer:
    with database.read() as session:
        customer = session.get(Customer, ticket.customer_id)
        assert customer is not None
        return customer


# --- what may be asked ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("email_to", "message"),
    [
        (["not-an-address"], "'not-an-address' is not a valid email address"),
        (["a,b@vendor.test"], "unsupported local part"),
        ([f"v{n}@vendor.test" for n in range(11)], "at most 10"),
        (["dev@vendor.test", " DEV@vendor.test"], "listed more than once"),
        (["x" * 310 + "@vendor.test"], "at most 320 characters"),
        ([""], "at least 1 character"),
        ("dev@vendor.test", "valid list"),
        ([42], "valid string"),
        (["ada@customer.test"], "never emailed to the customer"),
        (["bob@customer.test"], "never emailed to the customer"),
        (["Support+team@example.test"], "one of our own inboxes"),
    ],
)
def test_bad_recipients_are_refused_with_a_clear_message(
    sending: EmailChannel,
    database: Database,
    outbox: OutboxDispatcher,
    conversation: Conversation,
    make: Factory,
    client: TestClient,
    email_to: object,
    message: str,
) -> None:
    response = client.post(
        f"/api/v1/tickets/{conversation.ticket.id}/notes",
        headers=make.auth(conversation.agent),
        json={"body": "FYI", "email_to": email_to},
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert message in error["message"]
    assert _notes(database, conversation.ticket.id) == 0
    assert outbox.dispatch_pending() == 0


def test_only_staff_email_notes_and_only_intake_writes_their_answers(
    database: Database, clock: FixedClock, make: Factory, client: TestClient
) -> None:
    customer = make.customer(email="ada@customer.test")
    ticket = make.ticket(customer)
    customer_user = make.customer_user(customer)
    refused = client.post(
        f"/api/v1/tickets/{ticket.id}/notes",
        headers=make.auth(customer_user),
        json={"body": "psst", "email_to": [VENDOR]},
    )
    assert refused.status_code == 403
    agent = make.user()
    with database.write() as session, pytest.raises(PermissionDenied):
        actions.add_emailed_note(
            session, actor=actor_for(agent), now=clock.now(), ticket_id=ticket.id, body_text="forged answer"
        )
    with database.write() as session, pytest.raises(ValidationFailed):
        actions.add_note(
            session,
            actor=actor_for(agent),
            now=clock.now(),
            ticket_id=ticket.id,
            body_text="x",
            email_to=["Ada@Customer.test"],
        )


def test_the_ticket_page_shows_who_a_note_was_emailed_to_and_where_answers_came_from(
    sending: EmailChannel,
    database: Database,
    clock: FixedClock,
    sink: SmtpSink,
    outbox: OutboxDispatcher,
    conversation: Conversation,
    inbox: Inbox,
    client: TestClient,
) -> None:
    _, note = _emailed_note(database, clock, sink, outbox, conversation)
    deliver(sending, database, _answer(note), inbox=inbox)
    assert submit_login(client, email=conversation.agent.email).status_code == 303
    page = client.get(f"/tickets/{conversation.ticket.number}")
    assert page.status_code == 200
    assert f"Emailed to {VENDOR}" in page.text
    assert "Answer to an emailed note" in page.text
    assert "Received by email" in page.text


def test_a_note_on_a_ticket_of_another_channel_is_emailed_from_an_email_inbox(
    sending: EmailChannel,
    database: Database,
    clock: FixedClock,
    sink: SmtpSink,
    outbox: OutboxDispatcher,
    inbox: Inbox,
    make: Factory,
) -> None:
    ticket = make.ticket(channel=Channel.CHAT)
    agent = make.user()
    note_id = _note(database, clock, agent, ticket.id, VENDOR)
    assert outbox.dispatch_pending() == 1
    assert [(m.envelope_from, m.rcpt_tos) for m in sink.messages] == [(SUPPORT, (VENDOR,))]
    assert _message(database, note_id).delivery_state is DeliveryState.SENT
