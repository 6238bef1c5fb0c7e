"""The background processor: a backlog parsed in a worker process one batch ahead, written in
arrival order, so replies still find the tickets of messages stored before them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from switchboard.channels.email import processor as processor_module
from switchboard.channels.email.models import InboundEmail, InboundState, IntakeSource
from switchboard.channels.email.processor import EmailProcessor
from switchboard.channels.email.service import EmailChannel
from switchboard.channels.models import Inbox
from switchboard.storage.engine import Database
from tests.integration.email.conftest import mail


@pytest.mark.parametrize("parse_workers", [0, 1])
def test_a_backlog_is_processed_in_order_with_or_without_parse_workers(
    channel: EmailChannel, database: Database, inbox: Inbox, monkeypatch: pytest.MonkeyPatch, parse_workers: int
) -> None:
    monkeypatch.setattr(processor_module, "BATCH_SIZE", 5)
    monkeypatch.setattr(processor_module, "PARALLEL_BATCH", 5)
    for number in range(12):
        channel.store(
            mail(subject=f"question {number}", message_id=f"<p{number}@customer.test>"),
            source=IntakeSource.SMTP,
            inbox_id=inbox.id,
        )
        channel.store(  # each reply stored right after its question, often in the next batch
            mail(subject=f"Re: question {number}", in_reply_to=f"<p{number}@customer.test>", body="any news?"),
            source=IntakeSource.SMTP,
            inbox_id=inbox.id,
        )
    background = EmailProcessor(channel.pipeline, parse_workers=parse_workers)
    try:
        assert background.run_once() == 24
        assert background.run_once() == 0
    finally:
        background.stop()
    with database.read() as session:
        assert session.scalar(select(func.count()).where(InboundEmail.state == InboundState.STORED)) == 0
        ticket_of = dict(session.execute(select(InboundEmail.subject, InboundEmail.ticket_id)).all())
    assert len(set(ticket_of.values())) == 12
    for number in range(12):
        assert ticket_of[f"Re: question {number}"] == ticket_of[f"question {number}"]
