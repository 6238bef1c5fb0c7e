"""What the ticket page shows, copied out of the rows while the database session is open.

Plain values and ready-made labels, so the template only lays them out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from switchboard.channels.email import quoting
from switchboard.channels.email.models import ThreadRule
from switchboard.channels.email.queries import EmailDetails
from switchboard.channels.models import Channel
from switchboard.tickets.models import Attachment, DeliveryState, Message, MessageKind, Ticket
from switchboard.tickets.queries import AuthorNames
from switchboard.tickets.states import Priority, TicketStatus

THREAD_RULE_LABELS = {
    ThreadRule.NOTE_TOKEN.value: "Answer to an emailed note",
    ThreadRule.REPLY_TOKEN.value: "Threaded by reply token",
    ThreadRule.REFERENCES.value: "Threaded by References",
    ThreadRule.IN_REPLY_TO.value: "Threaded by In-Reply-To",
    ThreadRule.SUBJECT_NUMBER.value: "Threaded by ticket number in subject",
    ThreadRule.NEW_TICKET.value: "New ticket",
}
# Delivery is news only for what we send; received and not-applicable go without saying.
DELIVERY_LABELS = {DeliveryState.QUEUED: "Queued", DeliveryState.SENT: "Sent", DeliveryState.FAILED: "Delivery failed"}
_KILO = 1024
_ONE_DECIMAL_BELOW = 10


def size_label(size_bytes: int) -> str:
    """`512 bytes`, `1.5 KB`, `12 MB`: binary units, one decimal below ten."""
    if size_bytes < _KILO:
        return "1 byte" if size_bytes == 1 else f"{size_bytes} bytes"
    size, unit = size_bytes / _KILO, "KB"
    for larger in ("MB", "GB"):
        if size < _KILO:
            break
        size, unit = size / _KILO, larger
    return f"{size:.1f} {unit}" if size < _ONE_DECIMAL_BELOW else f"{size:.0f} {unit}"


@dataclass(frozen=True, slots=True)
class AttachmentView:
    id: int
    filename: str
    size: str

    @classmethod
    def of(cls, attachment: Attachment) -> AttachmentView:
        return cls(id=attachment.id, filename=attachment.filename, size=size_label(attachment.size_bytes))


@dataclass(frozen=True, slots=True)
class MessageView:
    id: int
    kind: MessageKind
    kind_label: str
    author: str
    created_at: datetime
    delivery_label: str | None
    delivery_failed: bool
    delivery_error: str | None
    thread_rule_label: str | None
    emailed_to: str | None  # an internal note emailed to colleagues or vendors
    text: str  # what the sender wrote, quoted history and signature folded away
    folded_text: str
    has_html: bool
    has_original: bool
    warnings: list[str]
    attachments: list[AttachmentView]

    @classmethod
    def of(cls, message: Message, *, email: EmailDetails | None, names: AuthorNames) -> MessageView:
        folded = quoting.fold_text(message.body_text)
        return cls(
            id=message.id,
            kind=message.kind,
            kind_label=_kind_label(message),
            author=_author(message, names),
            created_at=message.created_at,
            delivery_label=DELIVERY_LABELS.get(message.delivery_state),
            delivery_failed=message.delivery_state is DeliveryState.FAILED,
            delivery_error=message.delivery_error,
            thread_rule_label=THREAD_RULE_LABELS.get(message.thread_rule or ""),
            emailed_to=", ".join(message.email_recipients) if message.email_recipients else None,
            text=folded.visible,
            folded_text=folded.folded or "",
            has_html=bool(message.body_html),
            has_original=email is not None,
            warnings=list(email.warnings) if email is not None else [],
            attachments=[AttachmentView.of(a) for a in message.attachments],
        )


@dataclass(frozen=True, slots=True)
class TicketView:
    number: int
    subject: str
    status: TicketStatus
    priority: Priority
    channel: Channel
    customer: str
    created_at: datetime
    messages: list[MessageView]

    @classmethod
    def of(
        cls,
        ticket: Ticket,
        *,
        messages: Sequence[Message],
        emails: Mapping[int, EmailDetails],
        names: AuthorNames,
    ) -> TicketView:
        return cls(
            number=ticket.number,
            subject=ticket.subject,
            status=ticket.status,
            priority=ticket.priority,
            channel=ticket.channel,
            customer=names.customers.get(ticket.customer_id, "Unknown customer"),
            created_at=ticket.created_at,
            messages=[MessageView.of(m, email=emails.get(m.id), names=names) for m in messages],
        )


def _kind_label(message: Message) -> str:
    if message.kind is MessageKind.NOTE:
        return "Internal note"
    if message.kind is MessageKind.OUTBOUND:
        return "Automatic reply" if message.is_automatic else "Reply"
    return "Automatic message" if message.is_automatic else "Customer message"


def _author(message: Message, names: AuthorNames) -> str:
    if message.author_customer_id is not None:
        return names.customers.get(message.author_customer_id, "Unknown customer")
    if message.author_user_id is not None:
        return names.users.get(message.author_user_id, "Unknown agent")
    if message.kind is MessageKind.NOTE and message.external_id is not None:
        return "Received by email"  # from someone not on the staff; the note's first line names them
    return "Switchboard" if message.kind is not MessageKind.INBOUND else "Unknown customer"
