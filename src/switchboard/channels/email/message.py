"""What the pipeline knows about one email after parsing: plain values, no I/O.

`parse.parse_email(raw)` produces a `ParsedEmail` for any input bytes; it never raises.
What it could not read is listed in `warnings`, so a broken message still becomes a
ticket that shows what could be read, with a visible parse warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Address:
    """One mailbox from an address header; `address` is lower-cased and stripped."""

    address: str
    name: str = ""


class AutomaticKind(StrEnum):
    """Why a message is machine-sent (RFC 3834 and the common de-facto headers)."""

    AUTO_REPLY = "auto_reply"  # Auto-Submitted: auto-replied, X-Autoreply, X-Autorespond
    AUTO_GENERATED = "auto_generated"  # Auto-Submitted: auto-generated / auto-notified
    BULK = "bulk"  # Precedence: bulk / junk / list, List-Id, List-Unsubscribe
    NULL_SENDER = "null_sender"  # Return-Path: <> (bounces and other notifications)
    BOUNCE = "bounce"  # a delivery status notification (RFC 3464) or a known bounce shape


@dataclass(frozen=True, slots=True)
class BounceReport:
    """A delivery status notification about a message we (or someone) sent."""

    original_message_id: str | None  # Message-ID of the message that bounced, without <>
    recipients: tuple[str, ...]  # Final-Recipient / Original-Recipient addresses
    action: str  # failed / delayed / delivered / relayed / expanded ("failed" if unknown)
    status: str  # RFC 3463 status code such as "5.1.1", or "" if absent
    diagnostic: str  # Diagnostic-Code text, or a short human summary; may be ""

    @property
    def is_permanent(self) -> bool:
        return self.action == "failed" or self.status.startswith("5")


@dataclass(frozen=True, slots=True)
class ParsedAttachment:
    filename: str  # display only, never used as a path; "" when absent; sanitised
    content_type: str  # lower-case maintype/subtype; "application/octet-stream" if unknown
    content: bytes
    content_id: str | None = None  # without <>; set for parts referenced by cid: in HTML
    inline: bool = False  # Content-Disposition inline, or referenced by cid:


@dataclass(frozen=True, slots=True)
class ParsedEmail:
    message_id: str | None  # without <>; None when absent or unreadable
    in_reply_to: tuple[str, ...]  # Message-IDs without <>
    references: tuple[str, ...]  # Message-IDs without <>, oldest first
    subject: str  # decoded (RFC 2047), whitespace-collapsed; "" when absent
    sender: Address | None  # From (first mailbox); None when absent/unreadable
    reply_to: tuple[Address, ...]
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    date: datetime | None  # timezone-aware, from the Date header; None when absent/bad
    return_path: str | None  # "" for the null sender <>, None when the header is absent
    text_body: str  # best text: the text/plain part, or text derived from HTML; may be ""
    html_body: str | None  # raw (unsanitised) HTML body when there is one
    attachments: tuple[ParsedAttachment, ...]
    automatic: frozenset[AutomaticKind] = frozenset()
    bounce: BounceReport | None = None
    warnings: tuple[str, ...] = field(default=())  # human-readable, e.g. "unknown charset x-foo; read as latin-1"

    @property
    def is_automatic(self) -> bool:
        return bool(self.automatic)
