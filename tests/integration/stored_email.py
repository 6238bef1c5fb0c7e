"""Rows the email pipeline writes, written directly: attachments, raw emails, stored HTML.

For tests of what the pages and the API show and serve, not of the pipeline itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from switchboard.channels.email.models import InboundEmail, InboundOutcome, InboundState, IntakeSource
from switchboard.storage.blobs import BlobStore
from switchboard.storage.engine import Database
from switchboard.tickets.models import Attachment, Message

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def put_attachment(
    database: Database,
    blobs: BlobStore,
    *,
    message_id: int,
    data: bytes,
    filename: str,
    content_type: str,
    content_id: str | None = None,
) -> int:
    stored = blobs.put(data, durable=False)
    with database.write() as session:
        attachment = Attachment(
            message_id=message_id,
            filename=filename,
            content_type=content_type,
            size_bytes=stored.size_bytes,
            sha256=stored.sha256,
            content_id=content_id,
        )
        session.add(attachment)
        session.flush()
        return attachment.id


def put_inbound_email(
    database: Database,
    blobs: BlobStore,
    *,
    message_id: int,
    raw: bytes,
    now: datetime,
    warnings: Sequence[str] = (),
    outcome: InboundOutcome = InboundOutcome.NEW_TICKET,
) -> int:
    stored = blobs.put(raw, durable=False)
    with database.write() as session:
        message = session.get(Message, message_id)
        assert message is not None
        record = InboundEmail(
            sha256=stored.sha256,
            size_bytes=stored.size_bytes,
            source=IntakeSource.SMTP,
            envelope_recipients=["support@example.test"],
            received_at=now,
            state=InboundState.PROCESSED,
            outcome=outcome,
            processed_at=now,
            warnings=list(warnings),
            ticket_id=message.ticket_id,
            message_id=message_id,
        )
        session.add(record)
        session.flush()
        return record.id


def set_stored_html(database: Database, *, message_id: int, html: str | None) -> None:
    """Store `html` as it is, as a row from before a sanitiser fix would hold it."""
    with database.write() as session:
        message = session.get(Message, message_id)
        assert message is not None
        message.body_html = html
