"""Read side of the email channel: what a thread shows about the emails behind its messages."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from switchboard.accounts.actor import Actor
from switchboard.channels.email.models import InboundEmail
from switchboard.core.errors import NotFound
from switchboard.tickets import queries as tickets_queries


@dataclass(frozen=True, slots=True)
class EmailDetails:
    """The raw email a message came from: its parse warnings and where its bytes are."""

    inbound_email_id: int
    warnings: list[str]
    sha256: str  # names the raw original in the blob store
    size_bytes: int


def email_details(session: Session, message_ids: Collection[int]) -> dict[int, EmailDetails]:
    """Details by message id, for those of `message_ids` that came in by email; one query.

    No permission check: the caller passes only ids of messages the actor may see.
    When several raw emails name one message (a duplicate delivery records the message
    its twin became), the first received is the original.
    """
    if not message_ids:
        return {}
    rows = session.execute(
        select(
            InboundEmail.id,
            InboundEmail.message_id,
            InboundEmail.warnings,
            InboundEmail.sha256,
            InboundEmail.size_bytes,
        )
        .where(InboundEmail.message_id.in_(set(message_ids)))
        .order_by(InboundEmail.id)
    )
    details: dict[int, EmailDetails] = {}
    for inbound_email_id, message_id, warnings, sha256, size_bytes in rows:
        if message_id is not None and message_id not in details:
            details[message_id] = EmailDetails(
                inbound_email_id=inbound_email_id, warnings=list(warnings or ()), sha256=sha256, size_bytes=size_bytes
            )
    return details


def original_email_for(session: Session, *, actor: Actor, message_id: int) -> EmailDetails:
    """The raw email behind a message the actor may see; NotFound if it did not come by email."""
    message = tickets_queries.message_for(session, actor=actor, message_id=message_id)
    details = email_details(session, [message.id]).get(message.id)
    if details is None:
        raise NotFound(f"message {message_id} did not come by email")
    return details
