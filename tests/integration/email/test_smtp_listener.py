"""The inbound SMTP listener with a real smtplib client on loopback."""

from __future__ import annotations

import smtplib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from switchboard.channels.email.models import InboundEmail
from switchboard.channels.email.pipeline import PipelineConfig
from switchboard.channels.email.service import EmailChannel, EmailChannelConfig
from switchboard.channels.models import Inbox
from switchboard.core.clock import FixedClock
from switchboard.storage.blobs import BlobStore
from switchboard.storage.engine import Database
from switchboard.tickets.models import Ticket
from tests.factories import Factory
from tests.integration.email.conftest import SECRET, SUPPORT, mail

MAX_BYTES = 64 * 1024


@pytest.fixture
def max_message_bytes() -> int:
    return MAX_BYTES


@pytest.fixture
def listening(
    database: Database, clock: FixedClock, tmp_path: Path, inbox: Inbox, max_message_bytes: int
) -> Iterator[EmailChannel]:
    config = EmailChannelConfig(
        pipeline=PipelineConfig(secret_key=SECRET),
        blob_dir=tmp_path / "blobs",
        smtp_enabled=True,
        smtp_host="127.0.0.1",
        smtp_port=0,
        max_message_bytes=max_message_bytes,
        imap_enabled=False,
    )
    channel = EmailChannel(database, clock, config)
    channel.start()
    yield channel
    channel.stop()


def _client(channel: EmailChannel) -> smtplib.SMTP:
    assert channel.smtp_port is not None
    return smtplib.SMTP("127.0.0.1", channel.smtp_port, timeout=10)


def _wait_for(predicate: object, *, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def _tickets(database: Database) -> int:
    with database.read() as session:
        return session.scalar(select(func.count(Ticket.id))) or 0


def test_accepted_mail_is_stored_then_becomes_a_ticket_visible_in_the_api(
    listening: EmailChannel, database: Database, client: TestClient, make: Factory
) -> None:
    with _client(listening) as smtp:
        refused = smtp.sendmail("ada@customer.test", ["support+anything@example.test"], mail())
    assert refused == {}
    _wait_for(lambda: _tickets(database) == 1)

    headers = make.auth(make.user())
    listing = client.get("/api/v1/tickets", headers=headers).json()["items"]
    assert listing[0]["channel"] == "email"
    detail = client.get(f"/api/v1/tickets/{listing[0]['id']}", headers=headers).json()
    assert detail["messages"][0]["body_text"].startswith("Hello, my printer is on fire.")


def test_unknown_recipients_are_refused_at_rcpt(listening: EmailChannel) -> None:
    with _client(listening) as smtp:
        smtp.ehlo()
        smtp.mail("ada@customer.test")
        code, _ = smtp.rcpt("nobody@example.test")
        assert code == 550
        code, _ = smtp.rcpt(SUPPORT.upper())
        assert code == 250


def test_oversized_mail_is_refused_with_552(listening: EmailChannel, database: Database) -> None:
    big = mail(body="x" * (MAX_BYTES + 1000))
    # A client that announces the size (ESMTP SIZE) is refused at MAIL FROM ...
    with _client(listening) as smtp, pytest.raises(smtplib.SMTPSenderRefused) as refused_early:
        smtp.sendmail("ada@customer.test", [SUPPORT], big)
    assert refused_early.value.smtp_code == 552
    # ... and one that does not, after DATA.
    with _client(listening) as smtp:
        smtp.ehlo()
        assert smtp.mail("ada@customer.test")[0] == 250
        assert smtp.rcpt(SUPPORT)[0] == 250
        code, _ = smtp.data(big)
    assert code == 552
    with database.read() as session:
        assert session.scalar(select(func.count(InboundEmail.id))) == 0


def test_a_storage_failure_answers_451_so_the_sender_keeps_the_message(
    listening: EmailChannel, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(BlobStore, "put", broken)
    with _client(listening) as smtp, pytest.raises(smtplib.SMTPDataError) as refused:
        smtp.sendmail("ada@customer.test", [SUPPORT], mail())
    assert refused.value.smtp_code == 451
    monkeypatch.undo()
    with _client(listening) as smtp:
        assert smtp.sendmail("ada@customer.test", [SUPPORT], mail(message_id="<retry@customer.test>")) == {}
    _wait_for(lambda: _tickets(database) == 1)


def test_a_retried_delivery_and_two_of_our_addresses_make_one_ticket(
    listening: EmailChannel, database: Database, make: Factory
) -> None:
    make.inbox(address="billing@example.test")
    raw = mail(to="support@example.test, billing@example.test")
    with _client(listening) as smtp:
        smtp.sendmail("ada@customer.test", [SUPPORT, "billing@example.test"], raw)
        smtp.sendmail("ada@customer.test", [SUPPORT], raw)  # an SMTP retry after a lost 250
        smtp.sendmail("ada@customer.test", ["billing@example.test"], raw)
    _wait_for(lambda: _tickets(database) == 1)
    time.sleep(0.3)
    assert _tickets(database) == 1


def test_concurrent_senders_lose_nothing(listening: EmailChannel, database: Database) -> None:
    import threading

    def send(worker: int) -> None:
        with _client(listening) as smtp:
            for n in range(10):
                smtp.sendmail("ada@customer.test", [SUPPORT], mail(subject=f"w{worker} n{n}"))

    threads = [threading.Thread(target=send, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    _wait_for(lambda: _tickets(database) == 40, seconds=30)


def test_lines_longer_than_rfc_5321_allows_are_accepted_byte_for_byte(
    listening: EmailChannel, database: Database
) -> None:
    raw = mail(html="<p>" + "long " * 2000 + "</p>")
    raw = raw.replace(b"\r\n\r\n", b"\r\nX-Long: " + b"y" * 5000 + b"\r\n\r\n", 1)
    with _client(listening) as smtp:
        assert smtp.sendmail("ada@customer.test", [SUPPORT], raw) == {}
    _wait_for(lambda: _tickets(database) == 1)
    with database.read() as session:
        stored = session.scalars(select(InboundEmail)).one()
    assert listening.blobs.get(stored.sha256) == raw


@pytest.mark.parametrize("max_message_bytes", [4 * 1024 * 1024])
def test_a_large_message_with_bare_lf_line_ends_is_accepted(listening: EmailChannel, database: Database) -> None:
    """smtplib sends bytes as they are: a message with LF line ends is one "line" to
    aiosmtpd, which refused one over 1 MiB with 500 (found by bench/email_ingest.py)."""
    raw = mail(body="A line of an old mailer's message.\n" * 40_000).replace(b"\r\n", b"\n")
    assert 1024 * 1024 < len(raw) < 4 * 1024 * 1024 and b"\r" not in raw
    with _client(listening) as smtp:
        assert smtp.sendmail("ada@customer.test", [SUPPORT], raw) == {}
    _wait_for(lambda: _tickets(database) == 1)
    with database.read() as session:
        stored = session.scalars(select(InboundEmail)).one()
    # As sent, but for the CRLF that smtplib adds before the final dot.
    assert listening.blobs.get(stored.sha256).replace(b"\r\n", b"\n").rstrip(b"\n") == raw.rstrip(b"\n")
