"""A connected mailbox end to end: Dovecot → watcher → blob store → pipeline → ticket, with health."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from switchboard.accounts.actor import Actor
from switchboard.channels.email.credentials import CredentialUnreadable, is_sealed
from switchboard.channels.email.imap import ImapSecurity
from switchboard.channels.email.mailboxes import account_of, connect_mailbox, mailbox_health
from switchboard.channels.email.models import ImapMailbox, InboundEmail, IntakeSource
from switchboard.channels.email.pipeline import PipelineConfig
from switchboard.channels.email.service import EmailChannel, EmailChannelConfig
from switchboard.core.clock import SystemClock
from switchboard.storage.engine import Database
from switchboard.tickets.models import Ticket
from tests.factories import Factory
from tests.integration.email.conftest import SUPPORT, mail
from tests.integration.email_imap.conftest import HOST, Dovecot


def _wait_for(predicate: Callable[[], bool], *, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_a_connected_mailbox_feeds_the_pipeline_and_reports_its_health(
    dovecot: Dovecot, database: Database, make: Factory, tmp_path: Path
) -> None:
    user = dovecot.new_user()
    dovecot.deliver(user, mail(subject="Already waiting", message_id="<w1@customer.test>"), flags=[b"\\Seen"])
    inbox = make.inbox(address=SUPPORT)
    with database.write() as session:
        connect_mailbox(
            session,
            actor=Actor.system(),
            now=SystemClock().now(),
            inbox_id=inbox.id,
            host=HOST,
            port=dovecot.port,
            username=user.username,
            password=user.password,
            secret_key="k" * 40,
            security=ImapSecurity.NONE,
        )
    config = EmailChannelConfig(
        pipeline=PipelineConfig(secret_key="k" * 40), blob_dir=tmp_path / "blobs", smtp_enabled=False
    )
    channel = EmailChannel(database, SystemClock(), config)

    def tickets() -> int:
        with database.read() as session:
            return session.scalar(select(func.count(Ticket.id))) or 0

    channel.start()
    try:
        _wait_for(lambda: tickets() == 1)  # read even though another client marked it \Seen
        dovecot.deliver(user, mail(subject="Re: Already waiting", in_reply_to="<w1@customer.test>"))
        dovecot.deliver(user, mail(subject="A new one"))
        _wait_for(lambda: tickets() == 2)
    finally:
        channel.stop()

    with database.read() as session:
        sources = set(session.scalars(select(InboundEmail.source)))
        assert session.scalar(select(func.count(InboundEmail.id))) == 3
        health = mailbox_health(session)
    assert sources == {IntakeSource.IMAP}
    assert len(health) == 1 and health[0].last_sync_at is not None and health[0].last_error is None
    with dovecot.client(user, readonly=True) as client:
        assert len(client.search()) == 3  # nothing deleted or moved


def test_passwords_are_sealed_in_the_database_and_old_plain_ones_sealed_at_start(
    database: Database, make: Factory, tmp_path: Path
) -> None:
    first, second = make.inbox(address=SUPPORT), make.inbox(address="billing@example.test")
    with database.write() as session:
        sealed = connect_mailbox(
            session,
            actor=Actor.system(),
            now=SystemClock().now(),
            inbox_id=first.id,
            host=HOST,
            port=1,
            username="ada",
            password="correct horse",
            secret_key="k" * 40,
            security=ImapSecurity.NONE,
        )
        assert "correct horse" not in sealed.password
        assert account_of(sealed, secret_key="k" * 40).password == "correct horse"
        legacy = connect_mailbox(
            session,
            actor=Actor.system(),
            now=SystemClock().now(),
            inbox_id=second.id,
            host=HOST,
            port=1,
            username="bob",
            password="x",
            secret_key="k" * 40,
            security=ImapSecurity.NONE,
        )
        legacy.password = "stored in plain text by an older version"
        legacy.is_active = False  # nothing listens on port 1: sealing must not need a login
        sealed.is_active = False
    config = EmailChannelConfig(
        pipeline=PipelineConfig(secret_key="k" * 40), blob_dir=tmp_path / "blobs", smtp_enabled=False
    )
    channel = EmailChannel(database, SystemClock(), config)
    channel.start()
    channel.stop()
    with database.read() as session:
        stored = session.get_one(ImapMailbox, legacy.id)
        assert is_sealed(stored.password)
        assert account_of(stored, secret_key="k" * 40).password == "stored in plain text by an older version"
    with database.read() as session, pytest.raises(CredentialUnreadable):
        account_of(session.get_one(ImapMailbox, legacy.id), secret_key="another key" * 4)
