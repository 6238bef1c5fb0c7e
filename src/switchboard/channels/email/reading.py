"""What the pipeline reads out of one parsed message, shared by its two writers: the
per-message path (`pipeline.EmailPipeline`) and the bulk path (`batch`). No database."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from dataclasses import dataclass

from switchboard.channels.email.message import Address, ParsedEmail
from switchboard.channels.email.tokens import split_plus_address
from switchboard.core.errors import DomainError
from switchboard.customers.actions import normalise_identity
from switchboard.customers.models import IdentityKind
from switchboard.storage.blobs import BlobStore
from switchboard.tickets.validation import MAX_BODY_LENGTH, MAX_SUBJECT_LENGTH

UNKNOWN_SENDER = "unknown-sender@unknown.invalid"  # RFC 6761: .invalid never resolves
UNKNOWN_SENDER_NAME = "Unknown sender"
MAX_HTML_CHARS = 2_000_000
NO_SUBJECT = "(no subject)"
MAX_COPIED_PARTICIPANTS = 20
SUBJECT_NUMBER = re.compile(r"\[#(\d{1,18})\]")
ORIGINAL_FILENAME = "original.eml"
_HEADER_END = re.compile(rb"\r?\n\r?\n")


@dataclass(frozen=True, slots=True)
class PreparedEmail:
    """A stored inbound message, read from the blob store and parsed."""

    record_id: int
    sha256: str
    raw: bytes
    parsed: ParsedEmail
    fingerprint: str | None
    inbox_id: int | None = None
    envelope_sender: str | None = None
    envelope_recipients: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AttachmentRow:
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    content_id: str | None


def content_fingerprint(raw: bytes, parsed: ParsedEmail) -> str | None:
    """Identity of a message regardless of the trace headers each hop adds.

    Two deliveries of one message (IMAP copy and SMTP copy, say) differ in Received and
    Delivered-To lines but share Message-ID, From, Date, Subject and body bytes. A
    different message that reuses a Message-ID differs in one of those, so it is kept.
    """
    if parsed.message_id is None:
        return None
    match = _HEADER_END.search(raw)
    body = raw[match.end() :] if match else b""
    digest = hashlib.sha256()
    for part in (
        parsed.message_id,
        parsed.sender.address if parsed.sender else "",
        parsed.date.isoformat() if parsed.date else "",
        parsed.subject,
    ):
        digest.update(part.encode("utf-8", "replace") + b"\x00")
    digest.update(body.replace(b"\r\n", b"\n"))
    return digest.hexdigest()


def recipients_of(item: PreparedEmail) -> list[str]:
    """Every address the message was sent to: envelope first, then To and Cc."""
    parsed = item.parsed
    return [*item.envelope_recipients, *(a.address for a in parsed.to), *(a.address for a in parsed.cc)]


def ticket_subject(parsed: ParsedEmail) -> str:
    return " ".join(parsed.subject.split())[:MAX_SUBJECT_LENGTH] or NO_SUBJECT


def copied_identities(parsed: ParsedEmail, own_addresses: Collection[str]) -> list[tuple[str, str | None]]:
    """(identity, display name) of the people a new request copies, ours left out. An
    unusable address loses nothing: it stays in the raw message."""
    copied: list[tuple[str, str | None]] = []
    others = [a for a in (*parsed.to, *parsed.cc) if split_plus_address(a.address)[0] not in own_addresses]
    for address in others[:MAX_COPIED_PARTICIPANTS]:
        try:
            value = normalise_identity(IdentityKind.EMAIL, address.address)
        except DomainError:
            continue
        copied.append((value, " ".join(address.name.split())[:200] or None))
    return copied


def sender_of(parsed: ParsedEmail, envelope_sender: str | None) -> str | None:
    """The address a message is from: its From header, else the SMTP envelope sender."""
    if parsed.sender is not None and parsed.sender.address:
        return parsed.sender.address.lower()
    if envelope_sender:
        return envelope_sender.strip().strip("<>").lower() or None
    return None


def customer_identity(sender: Address | None, sender_address: str | None) -> tuple[str, str | None, str | None]:
    """(email identity the message is filed under, display name, warning or None).

    Mail without a usable sender address is filed under one "Unknown sender" customer,
    with a warning saying why, rather than refused."""
    if sender_address is not None:
        try:
            value = normalise_identity(IdentityKind.EMAIL, sender_address)
        except DomainError as exc:
            return UNKNOWN_SENDER, UNKNOWN_SENDER_NAME, f"sender address not usable ({exc}); filed as unknown sender"
        name = " ".join(sender.name.split())[:200] or None if sender is not None else None
        return value, name, None
    return UNKNOWN_SENDER, UNKNOWN_SENDER_NAME, None


def read_bodies(parsed: ParsedEmail) -> tuple[str, str | None, list[str]]:
    """(text to store, HTML to store or None, warnings about what was cut)."""
    warnings: list[str] = []
    text = parsed.text_body.replace("\x00", "")
    if len(text) > MAX_BODY_LENGTH:
        text = text[: MAX_BODY_LENGTH - 200] + "\n\n[… the text was cut here; the full message is attached]"
        warnings.append("text longer than the limit; cut, with the original attached")
    if not text.strip():
        text = "(this message has no text)" if not parsed.attachments else "(no text; see the attachments)"
    html = parsed.html_body
    if html is not None and len(html) > MAX_HTML_CHARS:
        warnings.append("HTML part too large to show; the text part is shown")
        html = None
    return text, html, warnings


def store_attachments(
    item: PreparedEmail,
    blobs: BlobStore,
    warnings: list[str],
    *,
    max_attachments: int,
    max_attachment_bytes: int,
) -> list[AttachmentRow]:
    """Store the message's attachments by hash; returns their rows and adds to `warnings`
    what was left out. A message read with any warning carries its original, one click away."""
    rows: list[AttachmentRow] = []
    for attachment in item.parsed.attachments:
        if len(rows) >= max_attachments:
            warnings.append(f"more than {max_attachments} attachments; the rest are in the original message")
            break
        if len(attachment.content) > max_attachment_bytes:
            warnings.append(
                f"attachment {attachment.filename or '(unnamed)'} is over the size limit "
                f"({len(attachment.content)} bytes); it is in the original message"
            )
            continue
        # Attachments are derived from the raw message, which is already durable.
        blob = blobs.put(attachment.content, durable=False)
        rows.append(
            AttachmentRow(
                filename=(attachment.filename or "attachment")[:255],
                content_type=attachment.content_type[:255],
                size_bytes=blob.size_bytes,
                sha256=blob.sha256,
                content_id=attachment.content_id[:255] if attachment.content_id else None,
            )
        )
    if warnings:
        rows.append(
            AttachmentRow(
                filename=ORIGINAL_FILENAME,
                content_type="message/rfc822",
                size_bytes=len(item.raw),
                sha256=item.sha256,
                content_id=None,
            )
        )
    return rows
