"""Agent replies leave through the outbox over real SMTP, with threading headers."""

from __future__ import annotations

import email
from collections.abc import Iterator
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import select

from switchboard.accounts.actions import actor_for
from switchboard.channels.email.models import InboundOutcome
from switchboard.channels.email.pipeline import PipelineConfig
from switchboard.channels.email.service import EmailChannel, EmailChannelConfig
from switchboard.channels.email.smtp_client import SmtpRelay
from switchboard.channels.email.tokens import read_reply_token, split_plus_address
from switchboard.channels.models import Inbox
from switchboard.core.clock import FixedClock
from switchboard.storage.engine import Database
from switchboard.storage.outbox import MAX_ATTEMPTS, OutboxDispatcher, OutboxItem
from switchboard.tickets import actions
from switchboard.tickets.models import DeliveryState, Message, TicketEvent
from tests.factories import Factory
from tests.integration.email.conftest import SECRET, deliver, mail
from tests.smtp_sink import SmtpSink


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink(rcpt_replies={"gone@customer.test": "550 5.1.1 No such user", "busy@customer.test": "450 busy"}) as s:
        yield s


@pytest.fixture
def outbox(database: Database, clock: FixedClock) -> OutboxDispatcher:
    return OutboxDispatcher(database, clock)


@pytest.fixture
def sending(
    database: Database, clock: FixedClock, tmp_path: Path, sink: SmtpSink, outbox: OutboxDispatcher
) -> Iterator[EmailChannel]:
    config = EmailChannelConfig(
        pipeline=PipelineConfig(secret_key=SECRET),
        blob_dir=tmp_path / "blobs",
        smtp_enabled=False,
        imap_enabled=False,
        relay=SmtpRelay(host=sink.host, port=sink.port, timeout_seconds=5),
    )
    channel = EmailChannel(database, clock, config, outbox=outbox)
    yield channel
    channel.stop()


def _reply(database: Database, clock: FixedClock, make: Factory, ticket_id: int, text: str = "We are on it") -> int:
    agent = make.user()
    with database.write() as session:
        return actions.reply(session, actor=actor_for(agent), now=clock.now(), ticket_id=ticket_id, body_text=text).id


def _message(database: Database, message_id: int) -> Message:
    with database.read() as session:
        message = session.get(Message, message_id)
        assert message is not None
        return message


def test_a_reply_is_sent_with_threading_headers_and_a_signed_reply_to(
    sending: EmailChannel,
    database: Database,
    clock: FixedClock,
    make: Factory,
    sink: SmtpSink,
    outbox: OutboxDispatcher,
    inbox: Inbox,
) -> None:
    first = deliver(sending, database, mail(message_id="<q1@customer.test>", cc="bob@customer.test"), inbox=inbox)
    assert first.ticket is not None
    reply_id = _reply(database, clock, make, first.ticket.id)

    assert outbox.dispatch_pending() == 1
    assert len(sink.messages) == 1
    envelope_from, recipients, data = sink.messages[0]
    assert envelope_from == "support@example.test"
    assert set(recipients) == {"ada@customer.test", "bob@customer.test"}
    sent = email.message_from_bytes(data, policy=policy.default)
    assert sent["In-Reply-To"] == "<q1@customer.test>"
    assert "<q1@customer.test>" in sent["References"]
    assert f"[#{first.ticket.number}]" in sent["Subject"]
    assert sent["From"].addresses[0].display_name.startswith("Agent ")
    base, token = split_plus_address(sent["Reply-To"].addresses[0].addr_spec)
    assert base == "support@example.test" and token is not None
    assert read_reply_token(SECRET, token) == first.ticket.id

    message = _message(database, reply_id)
    assert message.delivery_state is DeliveryState.SENT
    assert message.external_id is not None and sent["Message-ID"] == f"<{message.external_id}>"

    # The customer's answer to what we sent threads back, by In-Reply-To or the token.
    answer = deliver(sending, database, mail(subject="Re: thanks", in_reply_to=sent["Message-ID"]), inbox=inbox)
    assert answer.ticket is not None and answer.ticket.id == first.ticket.id
    # Dispatching again sends nothing twice.
    assert outbox.dispatch_pending() == 0 and len(sink.messages) == 1


def test_a_permanent_refusal_marks_the_reply_failed_with_the_reason(
    sending: EmailChannel, database: Database, clock: FixedClock, make: Factory, outbox: OutboxDispatcher, inbox: Inbox
) -> None:
    first = deliver(sending, database, mail(sender="gone@customer.test"), inbox=inbox)
    assert first.ticket is not None
    reply_id = _reply(database, clock, make, first.ticket.id)
    outbox.dispatch_pending()
    message = _message(database, reply_id)
    assert message.delivery_state is DeliveryState.FAILED
    assert message.delivery_error is not None and "550" in message.delivery_error
    with database.read() as session:
        types = list(session.scalars(select(TicketEvent.type).where(TicketEvent.ticket_id == first.ticket.id)))
    assert "ticket.delivery_failed" in types


def test_a_temporary_refusal_is_retried_with_backoff_then_given_up(
    sending: EmailChannel, database: Database, clock: FixedClock, make: Factory, outbox: OutboxDispatcher, inbox: Inbox
) -> None:
    first = deliver(sending, database, mail(sender="busy@customer.test"), inbox=inbox)
    assert first.ticket is not None
    reply_id = _reply(database, clock, make, first.ticket.id)
    outbox.dispatch_pending()
    assert _message(database, reply_id).delivery_state is DeliveryState.QUEUED
    with database.read() as session:
        item = session.scalars(select(OutboxItem)).one()
        assert item.attempts == 1 and item.last_error and "450" in item.last_error and item.dispatched_at is None
    for _ in range(MAX_ATTEMPTS):
        clock.advance(timedelta(hours=2))
        outbox.dispatch_pending()
    message = _message(database, reply_id)
    assert message.delivery_state is DeliveryState.FAILED
    assert message.delivery_error is not None and "gave up" in message.delivery_error


def test_a_bounce_marks_the_outgoing_message_failed(
    sending: EmailChannel,
    database: Database,
    clock: FixedClock,
    make: Factory,
    sink: SmtpSink,
    outbox: OutboxDispatcher,
    inbox: Inbox,
) -> None:
    first = deliver(sending, database, mail(), inbox=inbox)
    assert first.ticket is not None
    reply_id = _reply(database, clock, make, first.ticket.id)
    outbox.dispatch_pending()
    sent_id = _message(database, reply_id).external_id
    dsn = (
        "From: MAILER-DAEMON@mx.customer.test\r\n"
        "To: support@example.test\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce1@mx.customer.test>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n'
        "\r\n--b\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.customer.test\r\n\r\n"
        "Final-Recipient: rfc822; ada@customer.test\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
        "--b\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: <{sent_id}>\r\nSubject: Re: x\r\n"
        "--b--\r\n"
    ).encode()
    bounce = deliver(sending, database, dsn, inbox=inbox)
    assert bounce.inbound.outcome is InboundOutcome.BOUNCE
    assert bounce.inbound.ticket_id == first.ticket.id
    message = _message(database, reply_id)
    assert message.delivery_state is DeliveryState.FAILED
    assert message.delivery_error is not None and "5.1.1" in message.delivery_error
