"""The pipeline's bulk path: a run of ordinary messages planned together, written together.

Most inbound mail is ordinary: a new request, or a customer's reply to a ticket that is
new or open. For those the per-message path spends nearly all its time on ORM round
trips (some twenty statements a message). Here a run of them is planned from a few
queries for the whole batch (fingerprints, Message-IDs, tickets, customers) and written
with a few multi-row statements (`tickets.bulk`, `customers.bulk`).

Anything that needs a decision the plan cannot make from those queries ends the run and
goes through the per-message path, after the run is written, so the order of events is
the order of arrival: bounces, loops through a token we cannot read, follow-ups of closed
tickets, replies that change a ticket's status, subject-number threading, inboxes that
acknowledge, senders whose address is unusable, and any message that depends on an
earlier one of the same batch (a reply to it, or a second copy of it). The per-message
path remains the definition: tests/integration/email/test_batch_equivalence.py runs the
same mail through both and compares every row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from switchboard.accounts.actor import Actor
from switchboard.channels.email.intake import inbox_for_recipient
from switchboard.channels.email.models import InboundEmail, InboundOutcome, InboundState, ThreadRule
from switchboard.channels.email.reading import (
    SUBJECT_NUMBER,
    PreparedEmail,
    copied_identities,
    customer_identity,
    read_bodies,
    recipients_of,
    sender_of,
    store_attachments,
    ticket_subject,
)
from switchboard.channels.email.tokens import split_plus_address, ticket_from_addresses
from switchboard.channels.models import Channel, Inbox
from switchboard.customers.bulk import find_or_create_email_customers
from switchboard.storage.blobs import BlobStore
from switchboard.tickets.bulk import (
    STATUSES_KEPT_BY_CUSTOMER_MESSAGE,
    NewInboundMessage,
    NewInboundTicket,
    add_inbound_messages,
    open_inbound_tickets,
)
from switchboard.tickets.models import Attachment, Message, MessageKind, Ticket
from switchboard.tickets.states import TicketStatus


@dataclass(frozen=True, slots=True)
class BatchLimits:
    secret_key: str
    follow_up_after_days: int
    max_attachment_bytes: int
    max_attachments: int


class _Kind(Enum):
    DUPLICATE = "duplicate"
    LOOP = "loop"
    NEW = "new"
    THREADED = "threaded"


@dataclass(slots=True)
class _Planned:
    item: PreparedEmail
    kind: _Kind
    customer: str = ""  # NEW, THREADED: the identity the author is filed under
    customer_name: str | None = None
    warnings: list[str] = field(default_factory=list)  # about the sender, before the body's
    ticket_id: int | None = None  # THREADED: where it goes; DUPLICATE: the earlier copy's
    message_id: int | None = None  # DUPLICATE: the earlier copy's
    # THREADED onto, or DUPLICATE of, a message earlier in the run (ids known once written)
    earlier: _Planned | None = None
    rule: ThreadRule = ThreadRule.NEW_TICKET
    copied: list[tuple[str, str | None]] = field(default_factory=list)  # NEW: (address, name)

    def resolve(self) -> None:
        """Take the ticket (and, for a copy, the message) of the earlier run message."""
        if self.earlier is None:
            return
        self.ticket_id = self.earlier.ticket_id
        if self.kind is _Kind.DUPLICATE:
            self.message_id = self.earlier.message_id


@dataclass(slots=True)
class _RunSoFar:
    """Messages planned earlier in the run, as the per-message path would find them in
    the database by then: by content fingerprint and by Message-ID (first one wins)."""

    by_fingerprint: dict[str, _Planned] = field(default_factory=dict)
    by_message_id: dict[str, _Planned] = field(default_factory=dict)

    def add(self, planned: _Planned) -> None:
        item = planned.item
        if item.fingerprint is not None and planned.kind is not _Kind.DUPLICATE:
            self.by_fingerprint.setdefault(item.fingerprint, planned)
        if item.parsed.message_id is not None and planned.kind in (_Kind.NEW, _Kind.THREADED):
            self.by_message_id.setdefault(item.parsed.message_id, planned)


@dataclass(frozen=True, slots=True)
class Plan:
    run: list[_Planned]  # written in bulk, in this order
    slow: PreparedEmail | None  # then this one, through the per-message path
    rest: list[PreparedEmail]  # then these, planned again


@dataclass(frozen=True, slots=True)
class _TicketState:
    status: TicketStatus
    solved_at: datetime | None
    merged_into_id: int | None
    deleted_at: datetime | None


class _Lookups:
    """What the database knows that decides where each message of the batch goes."""

    def __init__(self, session: Session, items: Sequence[PreparedEmail]) -> None:
        ids = [item.record_id for item in items]
        fingerprints = {item.fingerprint for item in items if item.fingerprint is not None}
        self.earlier_copies: dict[str, tuple[int | None, int | None]] = {}
        if fingerprints:
            for fingerprint, ticket_id, message_id in session.execute(
                select(InboundEmail.fingerprint, InboundEmail.ticket_id, InboundEmail.message_id)
                .where(
                    InboundEmail.fingerprint.in_(fingerprints),
                    InboundEmail.state == InboundState.PROCESSED,
                    InboundEmail.id.not_in(ids),
                )
                .order_by(InboundEmail.id.desc())
            ):
                if fingerprint is not None:
                    self.earlier_copies[fingerprint] = (ticket_id, message_id)
        wanted = {m for item in items for m in (*item.parsed.references, *item.parsed.in_reply_to)}
        # Rows newest first into a dict: the oldest message with an id wins, as in the
        # per-message path. Answers to internal notes take that path: they stay internal.
        self.by_message_id: dict[str | None, int] = {}
        self.note_message_ids: set[str] = set()
        if wanted:
            for external_id, ticket_id, kind in session.execute(
                select(Message.external_id, Message.ticket_id, Message.kind)
                .where(Message.external_id.in_(wanted))
                .order_by(Message.id.desc())
            ):
                self.by_message_id[external_id] = ticket_id
                if kind is MessageKind.NOTE and external_id is not None:
                    self.note_message_ids.add(external_id)
        self.tickets: dict[int, _TicketState] = {}

    def load_tickets(self, session: Session, token_tickets: set[int]) -> None:
        ids = set(self.by_message_id.values()) | token_tickets
        if ids:
            self.tickets = {
                row.id: _TicketState(row.status, row.solved_at, row.merged_into_id, row.deleted_at)
                for row in session.execute(
                    select(Ticket.id, Ticket.status, Ticket.solved_at, Ticket.merged_into_id, Ticket.deleted_at).where(
                        Ticket.id.in_(ids)
                    )
                )
            }


def plan(
    session: Session,
    items: Sequence[PreparedEmail],
    *,
    addresses: dict[str, int],
    acknowledging_inboxes: frozenset[int],
    limits: BatchLimits,
    now: datetime,
) -> Plan:
    """Plan messages from the start of `items` until the first that needs the slow path."""
    lookups = _Lookups(session, items)
    own = frozenset(addresses)
    tokens: dict[int, int | None] = {}
    for item in items:
        tokens[item.record_id] = ticket_from_addresses(limits.secret_key, recipients_of(item), own)
    lookups.load_tickets(session, {t for t in tokens.values() if t is not None})

    run: list[_Planned] = []
    so_far = _RunSoFar()
    for index, item in enumerate(items):
        planned = _plan_one(
            item, tokens[item.record_id], lookups, so_far, addresses, acknowledging_inboxes, limits, now
        )
        if planned is None:
            return Plan(run=run, slow=item, rest=list(items[index + 1 :]))
        run.append(planned)
        so_far.add(planned)
    return Plan(run=run, slow=None, rest=[])


def _plan_one(  # noqa: PLR0912, PLR0917 - one decision per return, read top to bottom
    item: PreparedEmail,
    token_ticket: int | None,
    lookups: _Lookups,
    so_far: _RunSoFar,
    addresses: dict[str, int],
    acknowledging_inboxes: frozenset[int],
    limits: BatchLimits,
    now: datetime,
) -> _Planned | None:
    """How this message is written in bulk, or None when it needs the per-message path."""
    parsed = item.parsed
    if item.fingerprint is not None:
        if item.fingerprint in lookups.earlier_copies:
            ticket_id, message_id = lookups.earlier_copies[item.fingerprint]
            return _Planned(item, _Kind.DUPLICATE, ticket_id=ticket_id, message_id=message_id)
        if item.fingerprint in so_far.by_fingerprint:
            return _Planned(item, _Kind.DUPLICATE, earlier=so_far.by_fingerprint[item.fingerprint])
    sender = sender_of(parsed, item.envelope_sender)
    if sender is not None and inbox_for_recipient(addresses, sender) is not None:
        return _Planned(item, _Kind.LOOP)
    if parsed.bounce is not None:
        return None
    if token_ticket is None and any(
        tag is not None and base in addresses for base, tag in map(split_plus_address, recipients_of(item))
    ):
        return None  # a plus-address of ours that is no reply token: the per-message path reads it
    if any(m in lookups.note_message_ids for m in (*parsed.references, *parsed.in_reply_to)):
        return None  # an answer to an internal note we emailed
    customer, name, warning = customer_identity(parsed.sender, sender)
    planned = _Planned(
        item, _Kind.NEW, customer=customer, customer_name=name, warnings=[warning] if warning is not None else []
    )

    thread = _thread(parsed.references, parsed.in_reply_to, token_ticket, lookups, so_far)
    if thread is None:
        return None
    target, rule = thread
    if isinstance(target, _Planned):
        # A reply to a message earlier in this run: its ticket is new or open, and stays so.
        planned.kind, planned.rule = _Kind.THREADED, rule
        planned.ticket_id, planned.earlier = (
            target.ticket_id,
            target.earlier if target.kind is _Kind.THREADED else target,
        )
        return planned
    if target is not None:
        ticket = lookups.tickets[target]
        if ticket.status is TicketStatus.CLOSED:
            return None
        if ticket.status is TicketStatus.SOLVED and (
            ticket.solved_at is None or now - ticket.solved_at > timedelta(days=limits.follow_up_after_days)
        ):
            return None
        if not parsed.is_automatic and ticket.status not in STATUSES_KEPT_BY_CUSTOMER_MESSAGE:
            return None
        planned.kind, planned.rule, planned.ticket_id = _Kind.THREADED, rule, target
        return planned

    if SUBJECT_NUMBER.search(parsed.subject) or item.inbox_id in acknowledging_inboxes:
        return None
    planned.copied = copied_identities(parsed, addresses)
    return planned


def _thread(
    references: Sequence[str],
    in_reply_to: Sequence[str],
    token_ticket: int | None,
    lookups: _Lookups,
    so_far: _RunSoFar,
) -> tuple[int | _Planned | None, ThreadRule] | None:
    """The live ticket a message continues (an id, or an earlier message of the run whose
    ticket it is; None for a new ticket), by the per-message path's rules. None overall
    when deciding takes more than the lookups (a merged ticket to follow)."""
    candidates: list[tuple[int | _Planned, ThreadRule]] = []
    if token_ticket is not None:
        candidates.append((token_ticket, ThreadRule.REPLY_TOKEN))
    for rule, ids in ((ThreadRule.REFERENCES, list(reversed(references))), (ThreadRule.IN_REPLY_TO, in_reply_to)):
        for message_id in ids:
            # The database's messages are older than the run's: they win, as the oldest does.
            if message_id in lookups.by_message_id:
                candidates.append((lookups.by_message_id[message_id], rule))
            elif message_id in so_far.by_message_id:
                candidates.append((so_far.by_message_id[message_id], rule))
    for target, rule in candidates:
        if isinstance(target, _Planned):
            return target, rule
        ticket = lookups.tickets.get(target)
        if ticket is None or ticket.deleted_at is not None:
            continue
        if ticket.merged_into_id is not None:
            return None
        return target, rule
    return None, ThreadRule.NEW_TICKET


def acknowledging_inboxes(session: Session) -> frozenset[int]:
    return frozenset(
        inbox_id
        for inbox_id, settings in session.execute(
            select(Inbox.id, Inbox.settings).where(Inbox.channel == Channel.EMAIL)
        )
        if settings and settings.get("auto_acknowledge")
    )


def write(
    session: Session,
    run: Sequence[_Planned],
    *,
    actor: Actor,
    now: datetime,
    blobs: BlobStore,
    limits: BatchLimits,
) -> None:
    """Write a planned run: customers, tickets, messages, attachments, intake records."""
    names: dict[str, str | None] = {}
    for planned in run:
        if planned.kind in (_Kind.NEW, _Kind.THREADED):
            names.setdefault(planned.customer, planned.customer_name)
            for address, name in planned.copied:
                names.setdefault(address, name)
    customers = find_or_create_email_customers(session, actor=actor, now=now, names=names)

    bodies = {p.item.record_id: read_bodies(p.item.parsed) for p in run if p.kind in (_Kind.NEW, _Kind.THREADED)}
    new = [p for p in run if p.kind is _Kind.NEW]
    opened = open_inbound_tickets(
        session,
        actor=actor,
        now=now,
        requests=[
            NewInboundTicket(
                subject=ticket_subject(p.item.parsed),
                body_text=bodies[p.item.record_id][0],
                body_html=bodies[p.item.record_id][1],
                customer_id=customers[p.customer],
                channel=Channel.EMAIL,
                inbox_id=p.item.inbox_id,
                external_id=p.item.parsed.message_id,
                thread_rule=ThreadRule.NEW_TICKET.value,
                copied_customer_ids=[customers[address] for address, _ in p.copied],
            )
            for p in new
        ],
    )
    for p, ticket in zip(new, opened, strict=True):
        p.ticket_id, p.message_id = ticket.ticket_id, ticket.message_id
    threaded = [p for p in run if p.kind is _Kind.THREADED]
    for p in threaded:
        p.resolve()
    message_ids = add_inbound_messages(
        session,
        actor=actor,
        now=now,
        requests=[
            NewInboundMessage(
                ticket_id=p.ticket_id or 0,
                author_customer_id=customers[p.customer],
                body_text=bodies[p.item.record_id][0],
                body_html=bodies[p.item.record_id][1],
                channel=Channel.EMAIL,
                external_id=p.item.parsed.message_id,
                is_automatic=p.item.parsed.is_automatic,
                thread_rule=p.rule.value,
            )
            for p in threaded
        ],
    )
    for p, message_id in zip(threaded, message_ids, strict=True):
        p.message_id = message_id

    attachment_rows: list[dict[str, object]] = []
    record_rows: list[dict[str, object]] = []
    for p in run:
        if p.kind is _Kind.DUPLICATE:
            p.resolve()
        parsed = p.item.parsed
        warnings = [*parsed.warnings, *p.warnings]
        if p.kind in (_Kind.NEW, _Kind.THREADED):
            warnings.extend(bodies[p.item.record_id][2])
            stored = store_attachments(
                p.item,
                blobs,
                warnings,
                max_attachments=limits.max_attachments,
                max_attachment_bytes=limits.max_attachment_bytes,
            )
            attachment_rows.extend(
                {
                    "message_id": p.message_id,
                    "filename": row.filename,
                    "content_type": row.content_type,
                    "size_bytes": row.size_bytes,
                    "sha256": row.sha256,
                    "content_id": row.content_id,
                }
                for row in stored
            )
        record_rows.append(
            {
                "record_id": p.item.record_id,
                "header_message_id": parsed.message_id[:998] if parsed.message_id else None,
                "fingerprint": p.item.fingerprint,
                "subject": parsed.subject[:500] or None,
                "sender": parsed.sender.address[:320] if parsed.sender else None,
                "warnings": warnings,
                "state": InboundState.PROCESSED,
                "processed_at": now,
                "outcome": _OUTCOMES[p.kind],
                "ticket_id": p.ticket_id,
                "message_id": p.message_id,
            }
        )
    if attachment_rows:
        # render_nulls: one executemany, not one INSERT per run of rows with the same None keys.
        session.execute(insert(Attachment).execution_options(render_nulls=True), attachment_rows)
    session.connection().execute(
        update(InboundEmail)
        .where(InboundEmail.id == bindparam("record_id"))
        .values(
            {
                InboundEmail.header_message_id: bindparam("header_message_id"),
                InboundEmail.fingerprint: bindparam("fingerprint"),
                InboundEmail.subject: bindparam("subject"),
                InboundEmail.sender: bindparam("sender"),
                InboundEmail.warnings: bindparam("warnings", type_=InboundEmail.warnings.type),
                InboundEmail.state: bindparam("state", type_=InboundEmail.state.type),
                InboundEmail.processed_at: bindparam("processed_at", type_=InboundEmail.processed_at.type),
                InboundEmail.outcome: bindparam("outcome", type_=InboundEmail.outcome.type),
                InboundEmail.ticket_id: bindparam("ticket_id"),
                InboundEmail.message_id: bindparam("message_id"),
                InboundEmail.attempts: InboundEmail.attempts + 1,
            }
        ),
        record_rows,
    )


_OUTCOMES = {
    _Kind.DUPLICATE: InboundOutcome.DUPLICATE,
    _Kind.LOOP: InboundOutcome.LOOP,
    _Kind.NEW: InboundOutcome.NEW_TICKET,
    _Kind.THREADED: InboundOutcome.THREADED,
}
