"""Delivers agent replies on email tickets, and internal notes emailed to colleagues or
vendors: the outbox handler for `message.deliver.email`.

Runs after commit, outside any transaction, at least once per message. Idempotent: a
message already sent or failed is left alone, and its Message-ID is written before the
first attempt so a retry re-sends the same message (and the answer threads whichever
copy it replies to). Temporary SMTP failures raise, so the outbox retries with backoff;
a permanent failure, or the last attempt, marks the message failed with the reason
shown on it.

A reply goes to the customer and everyone copied, threaded onto the conversation, with
the reply token in its Reply-To. An emailed note goes to its own recipients only, marked
as internal in its subject, outside the customer's thread (no In-Reply-To/References),
with a note token in its Reply-To so that answers come back as internal notes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from switchboard.accounts.actor import Actor
from switchboard.accounts.models import User
from switchboard.channels.email.compose import (
    OutgoingAttachment,
    OutgoingEmail,
    build_message,
    make_message_id,
    note_subject,
    reply_subject,
)
from switchboard.channels.email.smtp_client import DeliveryError, SmtpRelay, send_message
from switchboard.channels.email.tokens import make_note_token, make_reply_token, reply_address
from switchboard.channels.models import Channel, Inbox
from switchboard.core.clock import Clock
from switchboard.customers.models import CustomerIdentity, IdentityKind
from switchboard.storage.blobs import BlobStore
from switchboard.storage.engine import Database
from switchboard.storage.outbox import MAX_ATTEMPTS, OutboxItem
from switchboard.tickets import actions as ticket_actions
from switchboard.tickets.models import (
    Attachment,
    DeliveryState,
    Message,
    MessageKind,
    ParticipantRole,
    Ticket,
    TicketParticipant,
)

log = logging.getLogger(__name__)

MAX_REFERENCES = 30


@dataclass(frozen=True, slots=True)
class OutboundConfig:
    relay: SmtpRelay
    secret_key: str


class PermanentFailure(Exception):
    """The message cannot be sent however often we try (no address, no inbox)."""


class EmailDelivery:
    def __init__(self, database: Database, blobs: BlobStore, clock: Clock, config: OutboundConfig) -> None:
        self._database = database
        self._blobs = blobs
        self._clock = clock
        self._config = config
        self._actor = Actor.system()

    def __call__(self, item: OutboxItem) -> None:
        message_id = int(item.payload["message_id"])
        try:
            prepared = self._prepare(message_id)
            if prepared is None:
                return
            envelope_from, recipients, raw = prepared
            report = send_message(self._config.relay, envelope_from=envelope_from, recipients=recipients, message=raw)
        except PermanentFailure as exc:
            self._fail(message_id, str(exc))
            return
        except DeliveryError as exc:
            last_attempt = item.attempts + 1 >= MAX_ATTEMPTS
            if exc.permanent or last_attempt:
                reason = exc.reason if exc.permanent else f"gave up after {MAX_ATTEMPTS} attempts: {exc.reason}"
                self._fail(message_id, reason)
                return
            raise
        if report.refused:
            refused = "; ".join(f"{address}: {reply}" for address, reply in report.refused.items())
            log.warning("message %s: some recipients refused: %s", message_id, refused)
        with self._database.write() as session:
            ticket_actions.mark_delivered(session, actor=self._actor, now=self._clock.now(), message_id=message_id)

    def _fail(self, message_id: int, reason: str) -> None:
        log.warning("message %s could not be delivered: %s", message_id, reason)
        with self._database.write() as session:
            ticket_actions.mark_delivery_failed(
                session, actor=self._actor, now=self._clock.now(), message_id=message_id, reason=reason
            )

    def _prepare(self, message_id: int) -> tuple[str, list[str], bytes] | None:
        with self._database.read() as session:
            message = session.get(Message, message_id)
            if message is None or message.delivery_state in (DeliveryState.SENT, DeliveryState.FAILED):
                return None
            is_note = message.kind is MessageKind.NOTE
            if is_note and not message.email_recipients:
                return None  # an internal note nobody asked to email
            ticket = session.get(Ticket, message.ticket_id)
            if ticket is None:
                return None
            inbox = session.get(Inbox, ticket.inbox_id) if ticket.inbox_id is not None else None
            if inbox is None or inbox.channel is not Channel.EMAIL or not inbox.address:
                inbox = session.scalars(
                    select(Inbox)
                    .where(Inbox.channel == Channel.EMAIL, Inbox.is_active.is_(True), Inbox.address.is_not(None))
                    .order_by(Inbox.id)
                ).first()
            if inbox is None or not inbox.address:
                raise PermanentFailure("there is no email inbox to send from")
            to: list[str]
            copied: list[str]
            references: tuple[str, ...]
            if is_note:
                # Its own recipients only: never the customer, never anyone copied.
                to, copied, references = list(message.email_recipients or ()), [], ()
            else:
                to, copied = _customer_recipients(session, ticket)
                references = _thread_references(session, ticket.id, message.id)
            attachments = list(session.scalars(select(Attachment).where(Attachment.message_id == message.id)))
            author = session.get(User, message.author_user_id) if message.author_user_id is not None else None
            inbox_settings = dict(inbox.settings)
            inbox_address = inbox.address
            inbox_name = inbox.name
            domain = inbox_address.rpartition("@")[2] or "switchboard.invalid"
            header_id = message.external_id
            subject = (note_subject if is_note else reply_subject)(ticket.subject, ticket.number)
            body_text, body_html = message.body_text, message.body_html
            is_automatic = message.is_automatic
            ticket_id, ticket_number, created_at = ticket.id, ticket.number, message.created_at
            author_name = author.name if author is not None else None

        if header_id is None:
            header_id = make_message_id(domain=domain, unique=f"{ticket_number}.{message_id}")
            with self._database.write() as session:
                ticket_actions.set_external_id(session, message_id=message_id, external_id=header_id)

        token = (make_note_token if is_note else make_reply_token)(self._config.secret_key, ticket_id)
        from_name = str(inbox_settings.get("from_name") or inbox_name)
        if author_name and inbox_settings.get("from_name_with_agent", True) and not is_automatic:
            from_name = f"{author_name} ({from_name})"
        outgoing = OutgoingEmail(
            from_address=inbox_address,
            from_name=from_name,
            to=tuple(to),
            cc=tuple(copied),
            reply_to=reply_address(inbox_address, token),
            subject=subject,
            text_body=body_text,
            html_body=body_html,
            signature_text=str(inbox_settings.get("signature_text") or ""),
            message_id=header_id,
            in_reply_to=references[-1] if references else None,
            references=references[-MAX_REFERENCES:],
            attachments=tuple(
                OutgoingAttachment(
                    filename=a.filename,
                    content_type=a.content_type,
                    content=self._blobs.get(a.sha256),
                    content_id=a.content_id,
                )
                for a in attachments
            ),
            auto_submitted="auto-replied" if is_automatic else None,
            extra_headers=(("X-Switchboard-Ticket", str(ticket_number)),),
            date=created_at,
        )
        return inbox_address, [*to, *copied], build_message(outgoing)


def _customer_recipients(session: Session, ticket: Ticket) -> tuple[list[str], list[str]]:
    """([the customer's address], [the addresses of everyone copied]) for a reply."""
    to = _email_of(session, ticket.customer_id)
    if to is None:
        raise PermanentFailure("the customer has no email address")
    copied = [
        address
        for customer_id in session.scalars(
            select(TicketParticipant.customer_id).where(
                TicketParticipant.ticket_id == ticket.id, TicketParticipant.role == ParticipantRole.CC
            )
        )
        if (address := _email_of(session, customer_id)) is not None and address != to
    ]
    return [to], copied


def _thread_references(session: Session, ticket_id: int, message_id: int) -> tuple[str, ...]:
    """The Message-IDs of the customer's conversation before `message_id`, oldest first.

    Internal notes are left out: an emailed note's id, or a vendor's answer to one, must
    not reach the customer (nor let the customer's answer thread as if it were theirs).
    """
    return tuple(
        session.scalars(
            select(Message.external_id)
            .where(
                Message.ticket_id == ticket_id,
                Message.id < message_id,
                Message.external_id.is_not(None),
                Message.kind != MessageKind.NOTE,
            )
            .order_by(Message.id)
        )
    )


def _email_of(session: Session, customer_id: int) -> str | None:
    return session.scalars(
        select(CustomerIdentity.value)
        .where(CustomerIdentity.customer_id == customer_id, CustomerIdentity.kind == IdentityKind.EMAIL)
        .order_by(CustomerIdentity.id)
    ).first()
