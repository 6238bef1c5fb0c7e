"""The inbound email pipeline, the same for SMTP, IMAP and import.

Input: `inbound_emails` rows in state `stored` (raw bytes already durable). For each:
parse (pure, never raises), then in one savepoint: deduplicate, recognise loops and
bounces, find or create the customer and participants, thread onto a ticket or open
one, store attachments by hash, and maybe acknowledge. Messages are processed in
batches for speed, but each in isolation: one that fails is rolled back to its
savepoint, and then becomes a fallback ticket showing what could be read, with the
original attached, so that nothing a customer sent is lost or blocks the others.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape as escape_html
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from switchboard.accounts.actor import Actor
from switchboard.accounts.models import User
from switchboard.accounts.roles import STAFF_ROLES
from switchboard.channels.email import batch
from switchboard.channels.email.intake import email_inbox_addresses, inbox_for_recipient
from switchboard.channels.email.message import Address, ParsedEmail
from switchboard.channels.email.models import InboundEmail, InboundOutcome, InboundState, ThreadRule
from switchboard.channels.email.parse import parse_email
from switchboard.channels.email.reading import (
    ORIGINAL_FILENAME,
    SUBJECT_NUMBER,
    UNKNOWN_SENDER,
    PreparedEmail,
    content_fingerprint,
    copied_identities,
    customer_identity,
    read_bodies,
    recipients_of,
    sender_of,
    store_attachments,
    ticket_subject,
)
from switchboard.channels.email.tokens import note_ticket_from_addresses, ticket_from_addresses
from switchboard.channels.models import Channel, Inbox
from switchboard.core.clock import Clock
from switchboard.customers.actions import find_or_create_customer
from switchboard.customers.models import Customer, IdentityKind
from switchboard.storage.blobs import BlobStore
from switchboard.storage.engine import Database
from switchboard.tickets import actions as ticket_actions
from switchboard.tickets.models import (
    Attachment,
    Message,
    MessageKind,
    ParticipantRole,
    Ticket,
    TicketParticipant,
)
from switchboard.tickets.states import TicketStatus
from switchboard.tickets.validation import MAX_BODY_LENGTH

log = logging.getLogger(__name__)

MAX_MERGE_HOPS = 10
__all__ = [
    "UNKNOWN_SENDER",
    "AttachmentLimits",
    "BatchResult",
    "EmailPipeline",
    "PipelineConfig",
    "StoredRecord",
    "content_fingerprint",
    "prepare_emails",
]


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    secret_key: str
    follow_up_after_days: int = 7
    max_attachment_bytes: int = 20 * 1024 * 1024
    max_attachments: int = 50
    auto_replies_per_hour: int = 3
    # Ordinary messages written in bulk (`batch`); off, every message takes the
    # per-message path (the definition the bulk path is tested against).
    bulk_writes: bool = True


_Prepared = PreparedEmail


@dataclass(slots=True)
class BatchResult:
    processed: int = 0
    failed: list[int] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """A stored inbound message waiting to be parsed: plain values, so a worker process can take it."""

    record_id: int
    sha256: str
    inbox_id: int | None
    envelope_sender: str | None
    envelope_recipients: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AttachmentLimits:
    max_attachments: int
    max_attachment_bytes: int


def prepare_emails(
    blob_root: Path, records: Sequence[StoredRecord], attachments: AttachmentLimits | None = None
) -> list[PreparedEmail]:
    """Read and parse stored messages: CPU and files, no database, so an import or a backlog can
    run it in a worker process while the parent writes the previous batch.

    With `attachments`, the attachments the write will keep (within those limits) are written to
    the blob store here, not durably (they can be cut from the raw message again): creating a
    file is most of an attachment's cost, and the write then finds each one already stored."""
    blobs = BlobStore(blob_root)
    prepared = []
    for record in records:
        raw = blobs.get(record.sha256)
        parsed = parse_email(raw)
        if attachments is not None:
            kept = [a for a in parsed.attachments if len(a.content) <= attachments.max_attachment_bytes]
            for attachment in kept[: attachments.max_attachments]:
                blobs.put(attachment.content, durable=False)
        prepared.append(
            PreparedEmail(
                record_id=record.record_id,
                sha256=record.sha256,
                raw=raw,
                parsed=parsed,
                fingerprint=content_fingerprint(raw, parsed),
                inbox_id=record.inbox_id,
                envelope_sender=record.envelope_sender,
                envelope_recipients=record.envelope_recipients,
            )
        )
    return prepared


class EmailPipeline:
    def __init__(self, database: Database, blobs: BlobStore, clock: Clock, config: PipelineConfig) -> None:
        self._database = database
        self._blobs = blobs
        self._clock = clock
        self._config = config
        self._actor = Actor.system()

    @property
    def blob_root(self) -> Path:
        return self._blobs.root

    def pending_ids(self, *, limit: int, after_id: int = 0) -> list[int]:
        """Stored, unprocessed messages in arrival order, from after `after_id`."""
        with self._database.read() as session:
            return list(
                session.scalars(
                    select(InboundEmail.id)
                    .where(InboundEmail.state == InboundState.STORED, InboundEmail.id > after_id)
                    .order_by(InboundEmail.id)
                    .limit(limit)
                )
            )

    def process_pending(self, *, batch_size: int = 25, max_batches: int | None = None) -> int:
        """Process stored messages in arrival order until none are left; returns how many."""
        total = 0
        batches = 0
        while max_batches is None or batches < max_batches:
            ids = self.pending_ids(limit=batch_size)
            if not ids:
                break
            total += self.process(ids).processed
            batches += 1
        return total

    def process(self, inbound_ids: Sequence[int]) -> BatchResult:
        return self.write(prepare_emails(self._blobs.root, self.stored_records(inbound_ids)))

    @property
    def attachment_limits(self) -> AttachmentLimits:
        return AttachmentLimits(
            max_attachments=self._config.max_attachments, max_attachment_bytes=self._config.max_attachment_bytes
        )

    def stored_records(self, inbound_ids: Sequence[int]) -> list[StoredRecord]:
        """What parsing needs of each still-unprocessed record, in the order given, once each."""
        with self._database.read() as session:
            rows = {
                row.id: row
                for row in session.execute(
                    select(
                        InboundEmail.id,
                        InboundEmail.sha256,
                        InboundEmail.inbox_id,
                        InboundEmail.envelope_sender,
                        InboundEmail.envelope_recipients,
                    ).where(InboundEmail.id.in_(list(inbound_ids)), InboundEmail.state == InboundState.STORED)
                )
            }
        return [
            StoredRecord(
                record_id=record_id,
                sha256=rows[record_id].sha256,
                inbox_id=rows[record_id].inbox_id,
                envelope_sender=rows[record_id].envelope_sender,
                envelope_recipients=tuple(rows[record_id].envelope_recipients or ()),
            )
            for record_id in dict.fromkeys(inbound_ids)
            if record_id in rows
        ]

    def write(self, prepared: list[PreparedEmail]) -> BatchResult:
        """Thread parsed messages onto tickets in one write transaction; a message that fails
        there falls back on its own (a ticket showing what could be read)."""
        result = BatchResult()
        errors: dict[int, str] = {}
        with self._database.write() as session:
            # Inactive inboxes too: mail from any address of ours is a loop, never a customer.
            addresses = email_inbox_addresses(session, active_only=False)
            if self._config.bulk_writes:
                self._process_in_runs(session, prepared, addresses, result, errors)
            else:
                for item in prepared:
                    self._process_isolated(session, item, addresses, result, errors)
        for item in prepared:
            if item.record_id in errors:
                self._fall_back(item, errors[item.record_id])
                result.failed.append(item.record_id)
        return result

    def _process_in_runs(
        self,
        session: Session,
        items: list[PreparedEmail],
        addresses: dict[str, int],
        result: BatchResult,
        errors: dict[int, str],
    ) -> None:
        """Runs of ordinary messages in bulk, each other message on its own, in arrival order."""
        limits = batch.BatchLimits(
            secret_key=self._config.secret_key,
            follow_up_after_days=self._config.follow_up_after_days,
            max_attachment_bytes=self._config.max_attachment_bytes,
            max_attachments=self._config.max_attachments,
        )
        acknowledging = batch.acknowledging_inboxes(session)
        pending = items
        while pending:
            now = self._clock.now()
            plan = batch.plan(
                session, pending, addresses=addresses, acknowledging_inboxes=acknowledging, limits=limits, now=now
            )
            if plan.run:
                try:
                    with session.begin_nested():
                        batch.write(session, plan.run, actor=self._actor, now=now, blobs=self._blobs, limits=limits)
                    result.processed += len(plan.run)
                except Exception:  # e.g. a customer created meanwhile by another intake
                    log.warning(
                        "bulk write of %d inbound emails failed; one by one instead", len(plan.run), exc_info=True
                    )
                    for planned in plan.run:
                        self._process_isolated(session, planned.item, addresses, result, errors)
            if plan.slow is not None:
                self._process_isolated(session, plan.slow, addresses, result, errors)
            pending = plan.rest

    def _process_isolated(
        self,
        session: Session,
        item: PreparedEmail,
        addresses: dict[str, int],
        result: BatchResult,
        errors: dict[int, str],
    ) -> None:
        record = session.get(InboundEmail, item.record_id)
        if record is None or record.state is not InboundState.STORED:
            return
        try:
            with session.begin_nested():
                self._process_one(session, record, item, addresses)
            result.processed += 1
        except Exception as exc:  # one bad message must not block the others
            log.exception("inbound email %s failed in the pipeline", item.record_id)
            errors[item.record_id] = f"{type(exc).__name__}: {exc}"[:2000]

    def reprocess(self, inbound_id: int) -> None:
        """Run a failed (or fallback) message through the pipeline again, e.g. after an upgrade."""
        with self._database.write() as session:
            record = session.get(InboundEmail, inbound_id)
            if record is None:
                raise ValueError(f"inbound email {inbound_id} does not exist")
            if record.state is InboundState.PROCESSED and record.outcome is not InboundOutcome.FALLBACK:
                raise ValueError(f"inbound email {inbound_id} was processed ({record.outcome}); nothing to redo")
            record.state = InboundState.STORED
            record.outcome = None
            record.ticket_id = None
            record.message_id = None
        self.process([inbound_id])

    # -- one message -------------------------------------------------------------

    def _process_one(self, session: Session, record: InboundEmail, item: _Prepared, addresses: dict[str, int]) -> None:
        parsed = item.parsed
        now = self._clock.now()
        record.header_message_id = parsed.message_id[:998] if parsed.message_id else None
        record.fingerprint = item.fingerprint
        record.subject = parsed.subject[:500] or None
        record.sender = parsed.sender.address[:320] if parsed.sender else None
        record.warnings = list(parsed.warnings)
        record.state = InboundState.PROCESSED
        record.processed_at = now
        record.attempts += 1

        if item.fingerprint is not None:
            earlier = session.execute(
                select(InboundEmail.ticket_id, InboundEmail.message_id)
                .where(
                    InboundEmail.fingerprint == item.fingerprint,
                    InboundEmail.state == InboundState.PROCESSED,
                    InboundEmail.id != record.id,
                )
                .limit(1)
            ).first()
            if earlier is not None:
                record.outcome = InboundOutcome.DUPLICATE
                record.ticket_id, record.message_id = earlier
                return

        sender_address = _sender_address(parsed, record)
        if sender_address is not None and inbox_for_recipient(addresses, sender_address) is not None:
            record.outcome = InboundOutcome.LOOP
            return
        if parsed.bounce is not None:
            self._record_bounce(session, record, parsed, now)
            return
        if self._add_emailed_note(session, record, item, addresses, sender_address):
            return

        customer = self._customer_for(session, parsed.sender, sender_address, record, now)
        ticket, rule = self._find_thread(session, item, customer, addresses)
        body_text, body_html = _bodies(parsed, record)
        automatic = parsed.is_automatic

        if ticket is not None and self._needs_follow_up(ticket, now):
            if automatic:
                # An out-of-office answering a closed conversation starts nothing.
                record.outcome = InboundOutcome.AUTOMATIC
                record.ticket_id = ticket.id
                return
            ticket = self._open_ticket(
                session, parsed, record, customer, body_text, body_html, now, rule=rule, follow_up_of=ticket
            )
            record.outcome = InboundOutcome.FOLLOW_UP
            message_id = self._first_message_id(session, ticket.id)
        elif ticket is not None:
            self._ensure_participant(session, ticket.id, customer.id, now)
            message = ticket_actions.add_customer_message(
                session,
                actor=self._actor,
                now=now,
                ticket_id=ticket.id,
                body_text=body_text,
                body_html=body_html,
                channel=Channel.EMAIL,
                external_id=parsed.message_id,
                is_automatic=automatic,
                author_customer_id=customer.id,
                thread_rule=rule.value,
            )
            record.outcome = InboundOutcome.THREADED
            message_id = message.id
        else:
            ticket = self._open_ticket(session, parsed, record, customer, body_text, body_html, now, rule=None)
            record.outcome = InboundOutcome.NEW_TICKET
            message_id = self._first_message_id(session, ticket.id)
            self._copy_participants(session, ticket.id, parsed, customer.id, addresses, now)
            if not automatic and sender_address is not None:
                self._maybe_acknowledge(session, ticket, customer.id, now)

        record.ticket_id = ticket.id
        record.message_id = message_id
        self._store_attachments(session, message_id, item, record)

    def _open_ticket(  # noqa: PLR0917 - private helper; the call sites read clearly
        self,
        session: Session,
        parsed: ParsedEmail,
        record: InboundEmail,
        customer: Customer,
        body_text: str,
        body_html: str | None,
        now: datetime,
        *,
        rule: ThreadRule | None,
        follow_up_of: Ticket | None = None,
    ) -> Ticket:
        subject = ticket_subject(parsed)
        return ticket_actions.create_ticket(
            session,
            actor=self._actor,
            now=now,
            subject=subject,
            body_text=body_text,
            body_html=body_html,
            customer_id=customer.id,
            channel=Channel.EMAIL,
            inbox_id=record.inbox_id,
            external_id=parsed.message_id,
            follow_up_of_id=follow_up_of.id if follow_up_of is not None else None,
            thread_rule=(rule or ThreadRule.NEW_TICKET).value,
        )

    def _first_message_id(self, session: Session, ticket_id: int) -> int:
        return session.scalars(select(Message.id).where(Message.ticket_id == ticket_id).order_by(Message.id)).one()

    def _needs_follow_up(self, ticket: Ticket, now: datetime) -> bool:
        if ticket.status is TicketStatus.CLOSED:
            return True
        if ticket.status is TicketStatus.SOLVED and ticket.solved_at is not None:
            return now - ticket.solved_at > timedelta(days=self._config.follow_up_after_days)
        return False

    def _customer_for(
        self,
        session: Session,
        sender: Address | None,
        sender_address: str | None,
        record: InboundEmail,
        now: datetime,
    ) -> Customer:
        value, name, warning = customer_identity(sender, sender_address)
        if warning is not None:
            record.warnings = [*record.warnings, warning]
        return find_or_create_customer(
            session, actor=self._actor, now=now, kind=IdentityKind.EMAIL, value=value, name=name
        )

    def _find_thread(
        self,
        session: Session,
        item: PreparedEmail,
        customer: Customer,
        addresses: dict[str, int],
    ) -> tuple[Ticket | None, ThreadRule]:
        parsed = item.parsed
        recipients = recipients_of(item)
        ticket_id = ticket_from_addresses(self._config.secret_key, recipients, frozenset(addresses))
        if ticket_id is not None:
            ticket = _live_ticket(session, ticket_id)
            if ticket is not None:
                return ticket, ThreadRule.REPLY_TOKEN

        wanted = [*reversed(parsed.references), *parsed.in_reply_to]
        if wanted:
            rows = session.execute(
                select(Message.external_id, Message.ticket_id)
                .where(Message.external_id.in_(set(wanted)))
                .order_by(Message.id.desc())
            ).all()
            found: dict[str | None, int] = dict(rows)
            for rule, ids in (
                (ThreadRule.REFERENCES, reversed(parsed.references)),
                (ThreadRule.IN_REPLY_TO, parsed.in_reply_to),
            ):
                for message_id in ids:
                    if message_id in found:
                        ticket = _live_ticket(session, found[message_id])
                        if ticket is not None:
                            return ticket, rule

        match = SUBJECT_NUMBER.search(parsed.subject)
        if match is not None:
            ticket = session.scalars(select(Ticket).where(Ticket.number == int(match.group(1)))).first()
            if ticket is not None:
                ticket = _live_ticket(session, ticket.id)
            if ticket is not None and _is_participant(session, ticket, customer.id):
                return ticket, ThreadRule.SUBJECT_NUMBER
        return None, ThreadRule.NEW_TICKET

    def _ensure_participant(self, session: Session, ticket_id: int, customer_id: int, now: datetime) -> None:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None or ticket.customer_id == customer_id:
            return
        if session.get(TicketParticipant, (ticket_id, customer_id)) is None:
            ticket_actions.add_participant(
                session,
                actor=self._actor,
                now=now,
                ticket_id=ticket_id,
                customer_id=customer_id,
                role=ParticipantRole.CC,
            )

    def _copy_participants(  # noqa: PLR0917 - private helper
        self,
        session: Session,
        ticket_id: int,
        parsed: ParsedEmail,
        requester_id: int,
        addresses: dict[str, int],
        now: datetime,
    ) -> None:
        seen = {requester_id}
        for value, name in copied_identities(parsed, addresses):
            customer = find_or_create_customer(
                session, actor=self._actor, now=now, kind=IdentityKind.EMAIL, value=value, name=name
            )
            if customer.id in seen:
                continue
            seen.add(customer.id)
            self._ensure_participant(session, ticket_id, customer.id, now)

    def _maybe_acknowledge(self, session: Session, ticket: Ticket, customer_id: int, now: datetime) -> None:
        inbox = session.get(Inbox, ticket.inbox_id) if ticket.inbox_id is not None else None
        if inbox is None or not inbox.settings.get("auto_acknowledge"):
            return
        since = now - timedelta(hours=1)
        sent_lately = session.scalar(
            select(func.count(Message.id))
            .join(Ticket, Ticket.id == Message.ticket_id)
            .where(
                Ticket.customer_id == customer_id,
                Message.kind == MessageKind.OUTBOUND,
                Message.is_automatic.is_(True),
                Message.created_at >= since,
            )
        )
        if (sent_lately or 0) >= self._config.auto_replies_per_hour:
            log.info("auto-acknowledgement to customer %s skipped: rate limit reached", customer_id)
            return
        text = str(inbox.settings.get("auto_acknowledge_text") or DEFAULT_ACKNOWLEDGEMENT).replace(
            "{number}", str(ticket.number)
        )
        ticket_actions.reply(
            session,
            actor=self._actor,
            now=now,
            ticket_id=ticket.id,
            body_text=text,
            status=ticket.status,
            is_automatic=True,
        )

    def _record_bounce(self, session: Session, record: InboundEmail, parsed: ParsedEmail, now: datetime) -> None:
        record.outcome = InboundOutcome.BOUNCE
        bounce = parsed.bounce
        if bounce is None or bounce.original_message_id is None:
            return
        original = session.scalars(
            select(Message)
            .where(
                Message.external_id == bounce.original_message_id,
                Message.kind.in_((MessageKind.OUTBOUND, MessageKind.NOTE)),  # replies and emailed notes
            )
            .order_by(Message.id.desc())
        ).first()
        if original is None:
            return
        record.ticket_id = original.ticket_id
        if bounce.is_permanent:
            detail = " ".join(p for p in (bounce.status, bounce.diagnostic) if p).strip()
            who = ", ".join(bounce.recipients)
            reason = f"bounced{f' for {who}' if who else ''}: {detail or bounce.action}"
            ticket_actions.mark_delivery_failed(
                session, actor=self._actor, now=now, message_id=original.id, reason=reason
            )

    def _store_attachments(self, session: Session, message_id: int, item: _Prepared, record: InboundEmail) -> None:
        warnings = list(record.warnings)
        for row in store_attachments(
            item,
            self._blobs,
            warnings,
            max_attachments=self._config.max_attachments,
            max_attachment_bytes=self._config.max_attachment_bytes,
        ):
            session.add(
                Attachment(
                    message_id=message_id,
                    filename=row.filename,
                    content_type=row.content_type,
                    size_bytes=row.size_bytes,
                    sha256=row.sha256,
                    content_id=row.content_id,
                )
            )
        record.warnings = warnings

    def _fall_back(self, item: _Prepared, error: str) -> None:
        """The pipeline failed on this message: open a ticket with what could be read."""
        now = self._clock.now()
        try:
            with self._database.write() as session:
                record = session.get(InboundEmail, item.record_id)
                if record is None:
                    return
                parsed = item.parsed
                customer = self._customer_for(session, parsed.sender, _sender_address(parsed, record), record, now)
                text, _ = _bodies(parsed, record)
                notice = (
                    f"[Switchboard could not process this message automatically ({error}). The original is attached.]"
                )
                body = f"{notice}\n\n{text}"[:MAX_BODY_LENGTH]
                ticket = self._open_ticket(session, parsed, record, customer, body, None, now, rule=None)
                message_id = self._first_message_id(session, ticket.id)
                session.add(
                    Attachment(
                        message_id=message_id,
                        filename=ORIGINAL_FILENAME,
                        content_type="message/rfc822",
                        size_bytes=len(item.raw),
                        sha256=record.sha256,
                        content_id=None,
                    )
                )
                record.state = InboundState.FAILED
                record.outcome = InboundOutcome.FALLBACK
                record.attempts += 1
                record.last_error = error
                record.processed_at = now
                record.ticket_id = ticket.id
                record.message_id = message_id
                record.warnings = [*parsed.warnings, f"processing failed: {error}"]
        except Exception:
            log.exception(
                "inbound email %s: even the fallback ticket failed; it stays for reprocessing", item.record_id
            )
            with self._database.write() as session:
                record = session.get(InboundEmail, item.record_id)
                if record is not None:
                    record.state = InboundState.FAILED
                    record.attempts += 1
                    record.last_error = error

    # -- notes by email ------------------------------------------------------------

    def _add_emailed_note(
        self,
        session: Session,
        record: InboundEmail,
        item: _Prepared,
        addresses: dict[str, int],
        sender_address: str | None,
    ) -> bool:
        """Keep an answer to an internal note we emailed as an internal note; False if it is none.

        An answer is mail to a genuine note token of a live ticket, or mail whose
        References or In-Reply-To name an internal note (someone answered our plain
        address): either way it stays internal. It changes no status, creates no
        customer and is never acknowledged. Its author is the active staff user with the
        sender's address; anyone else is named in a first line of the note.
        """
        parsed = item.parsed
        recipients = recipients_of(item)
        ticket_id = note_ticket_from_addresses(self._config.secret_key, recipients, frozenset(addresses))
        ticket = _live_ticket(session, ticket_id) if ticket_id is not None else None
        rule = ThreadRule.NOTE_TOKEN
        wanted = [*reversed(parsed.references), *parsed.in_reply_to]
        if ticket is None and wanted:
            notes: dict[str | None, int] = dict(
                session.execute(
                    select(Message.external_id, Message.ticket_id).where(
                        Message.external_id.in_(set(wanted)), Message.kind == MessageKind.NOTE
                    )
                ).all()
            )
            for index, header_id in enumerate(wanted):
                if header_id in notes and (ticket := _live_ticket(session, notes[header_id])) is not None:
                    rule = ThreadRule.REFERENCES if index < len(parsed.references) else ThreadRule.IN_REPLY_TO
                    break
        if ticket is None:
            return False

        body_text, body_html = _bodies(parsed, record)
        author_user_id = (
            session.scalars(
                select(User.id).where(
                    User.email == sender_address, User.is_active.is_(True), User.role.in_(sorted(STAFF_ROLES))
                )
            ).first()
            if sender_address is not None
            else None
        )
        if author_user_id is None:
            name = " ".join(parsed.sender.name.split())[:200] if parsed.sender is not None else ""
            sender = f"{name} <{sender_address}>" if name else f"<{sender_address or 'unknown sender'}>"
            body_text = f"From: {sender}\n\n{body_text}"[:MAX_BODY_LENGTH]
            if body_html is not None:
                body_html = f"<p>From: {escape_html(sender)}</p>\n{body_html}"
        message = ticket_actions.add_emailed_note(
            session,
            actor=self._actor,
            now=self._clock.now(),
            ticket_id=ticket.id,
            body_text=body_text,
            body_html=body_html,
            external_id=parsed.message_id,
            thread_rule=rule.value,
            author_user_id=author_user_id,
            is_automatic=parsed.is_automatic,
        )
        record.outcome = InboundOutcome.THREADED
        record.ticket_id = ticket.id
        record.message_id = message.id
        self._store_attachments(session, message.id, item, record)
        return True


DEFAULT_ACKNOWLEDGEMENT = (
    "Thank you for writing to us. Your request has been received as ticket #{number} "
    "and a member of our team will reply soon. To add information, reply to this email."
)


def _sender_address(parsed: ParsedEmail, record: InboundEmail) -> str | None:
    return sender_of(parsed, record.envelope_sender)


def _bodies(parsed: ParsedEmail, record: InboundEmail) -> tuple[str, str | None]:
    text, html, warnings = read_bodies(parsed)
    if warnings:
        record.warnings = [*record.warnings, *warnings]
    return text, html


def _live_ticket(session: Session, ticket_id: int) -> Ticket | None:
    """The ticket a conversation continues on: follows merges, skips deleted tickets."""
    ticket = session.get(Ticket, ticket_id)
    hops = 0
    while ticket is not None and ticket.merged_into_id is not None and hops < MAX_MERGE_HOPS:
        ticket = session.get(Ticket, ticket.merged_into_id)
        hops += 1
    if ticket is None or ticket.deleted_at is not None or ticket.merged_into_id is not None:
        return None
    return ticket


def _is_participant(session: Session, ticket: Ticket, customer_id: int) -> bool:
    return ticket.customer_id == customer_id or session.get(TicketParticipant, (ticket.id, customer_id)) is not None
