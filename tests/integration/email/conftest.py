"""Fixtures for the email channel: an email inbox, a channel, and a way to write mail."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest
from sqlalchemy import select

from switchboard.channels.email.models import InboundEmail, IntakeSource
from switchboard.channels.email.pipeline import EmailPipeline, PipelineConfig
from switchboard.channels.email.service import EmailChannel, EmailChannelConfig
from switchboard.channels.models import Inbox
from switchboard.core.clock import FixedClock
from switchboard.storage.engine import Database
from switchboard.tickets.models import Message, Ticket
from tests.conftest import START
from tests.factories import Factory

SECRET = "test-secret-key-for-reply-tokens-000000"
SUPPORT = "support@example.test"


@pytest.fixture
def inbox(make: Factory) -> Inbox:
    return make.inbox(address=SUPPORT)


@pytest.fixture
def channel_config(tmp_path: Path) -> EmailChannelConfig:
    return EmailChannelConfig(
        pipeline=PipelineConfig(secret_key=SECRET, max_attachments=5, max_attachment_bytes=200_000),
        blob_dir=tmp_path / "blobs",
        smtp_enabled=False,
        imap_enabled=False,
    )


@pytest.fixture
def channel(database: Database, clock: FixedClock, channel_config: EmailChannelConfig) -> Iterator[EmailChannel]:
    channel = EmailChannel(database, clock, channel_config)
    yield channel
    channel.stop()


@pytest.fixture
def pipeline(channel: EmailChannel) -> EmailPipeline:
    return channel.pipeline


def mail(
    *,
    sender: str = "Ada Lovelace <ada@customer.test>",
    to: str = SUPPORT,
    subject: str = "Printer on fire",
    body: str = "Hello, my printer is on fire.\n",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    cc: str | None = None,
    headers: dict[str, str] | None = None,
    html: str | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    message["Date"] = format_datetime(START)
    message["Message-ID"] = message_id or make_msgid(domain="customer.test")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = " ".join(references)
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


@dataclass
class Delivered:
    inbound: InboundEmail
    ticket: Ticket | None
    message: Message | None


def deliver(channel: EmailChannel, database: Database, raw: bytes, *, inbox: Inbox | None = None) -> Delivered:
    """Store and process one message as an intake would; returns what it became."""
    stored = channel.store(raw, source=IntakeSource.SMTP, inbox_id=inbox.id if inbox else None)
    channel.pipeline.process_pending()
    with database.read() as session:
        inbound = session.scalars(select(InboundEmail).where(InboundEmail.id == stored.inbound_id)).one()
        ticket = session.get(Ticket, inbound.ticket_id) if inbound.ticket_id else None
        message = session.get(Message, inbound.message_id) if inbound.message_id else None
        if message is not None:
            _ = message.attachments
        return Delivered(inbound=inbound, ticket=ticket, message=message)
