"""Delivery status notifications: RFC 3464 reports and the common non-standard bounces.

Pure functions over text that `parse.py` has already pulled out of the message; they
never raise.
"""

from __future__ import annotations

import re

from switchboard.channels.email.message import BounceReport

_ACTIONS = frozenset({"failed", "delayed", "delivered", "relayed", "expanded"})
# When several recipients are reported, the one shown is the most serious.
_SEVERITY = {"failed": 0, "delayed": 1, "relayed": 2, "expanded": 3, "delivered": 4}
_STATUS = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
_BLOCK_SPLIT = re.compile(r"\n[ \t]*\n")
_FIELD = re.compile(r"^([!-9;-~]+)[ \t]*:(.*)$")
_DIAGNOSTIC_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,30}[ \t]*;")
_MAX_DIAGNOSTIC = 1000
_MAX_RECIPIENTS = 100
_MAX_SCAN = 20_000

_DAEMONS = frozenset({"mailer-daemon", "mailerdaemon", "mail-daemon", "postmaster", "mail.delivery.system"})
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery status notification|returned mail|delivery fail|failure notice"
    r"|mail delivery failed|delivery has failed|could not be delivered|delayed mail|delivery delay",
    re.IGNORECASE,
)
_DELAY_SUBJECT = re.compile(r"delay|still being retried|warning", re.IGNORECASE)
_INLINE_MESSAGE_ID = re.compile(r"^[ \t]*message-id[ \t]*:[ \t]*(\S.*)$", re.IGNORECASE | re.MULTILINE)


def _fields(block: str) -> dict[str, str]:
    """The header-style fields of one DSN block; continuation lines are unfolded."""
    fields: dict[str, str] = {}
    name = ""
    for line in block.split("\n"):
        if line[:1] in (" ", "\t") and name:
            fields[name] += " " + line.strip()
            continue
        match = _FIELD.match(line)
        if match is None:
            name = ""
            continue
        name = match.group(1).lower()
        if name in fields:
            name = ""  # the first occurrence of a field is the one that counts
            continue
        fields[name] = match.group(2).strip()
    return fields


def _recipient(value: str) -> str:
    # "rfc822; <user@example.com>" — the address type comes first.
    _kind, sep, address = value.partition(";")
    address = (address if sep else value).strip().strip("<>").strip()
    return address.lower()


def _diagnostic(value: str) -> str:
    text = _DIAGNOSTIC_TYPE.sub("", value, count=1)
    return " ".join(text.split())[:_MAX_DIAGNOSTIC]


def _status(value: str) -> str:
    match = _STATUS.search(value)
    return match.group(1) if match else ""


def parse_delivery_status(status_text: str, original_message_id: str | None) -> BounceReport:
    """The report in a message/delivery-status body (RFC 3464); partial input gives a partial report."""
    text = status_text.replace("\r\n", "\n").replace("\r", "\n")
    recipient_blocks = [
        fields
        for fields in map(_fields, _BLOCK_SPLIT.split(text))
        if "final-recipient" in fields or "original-recipient" in fields or "action" in fields
    ]
    recipients: list[str] = []
    for fields in recipient_blocks:
        for key in ("final-recipient", "original-recipient"):
            address = _recipient(fields.get(key, ""))
            if address and address not in recipients and len(recipients) < _MAX_RECIPIENTS:
                recipients.append(address)

    def action_of(fields: dict[str, str]) -> str:
        words = fields.get("action", "").lower().split()
        word = words[0] if words else ""
        return word if word in _ACTIONS else "failed"

    if not recipient_blocks:
        return BounceReport(
            original_message_id=original_message_id, recipients=(), action="failed", status="", diagnostic=""
        )
    primary = min(recipient_blocks, key=lambda fields: _SEVERITY[action_of(fields)])
    return BounceReport(
        original_message_id=original_message_id,
        recipients=tuple(recipients),
        action=action_of(primary),
        status=_status(primary.get("status", "")),
        diagnostic=_diagnostic(primary.get("diagnostic-code", "")),
    )


def is_daemon_address(address: str | None) -> bool:
    """Whether a sender address is a mail system's own (MAILER-DAEMON, postmaster)."""
    if not address:
        return False
    return address.lower().partition("@")[0] in _DAEMONS


def inline_original_message_id(text_body: str) -> str | None:
    """The raw Message-ID value quoted in a bounce's text (the returned message's headers)."""
    match = _INLINE_MESSAGE_ID.search(text_body[:_MAX_SCAN])
    return match.group(1).strip() if match else None


def guess_bounce(
    *,
    sender: str | None,
    subject: str,
    failed_recipients: str | None,
    text_body: str,
    original_message_id: str | None,
    has_original: bool,
) -> BounceReport | None:
    """A report for a non-RFC 3464 bounce, or None when the message does not look like one.

    Only messages from a mail system's own address qualify, and only with some evidence
    besides the sender: the returned message attached, an X-Failed-Recipients header or
    a bounce subject. A person writing from postmaster@ is not a bounce.
    """
    if not is_daemon_address(sender):
        return None
    if not (has_original or failed_recipients or _BOUNCE_SUBJECT.search(subject)):
        return None
    recipients: list[str] = []
    for item in (failed_recipients or "").split(","):
        address = item.strip().strip("<>").strip().lower()
        if address and address not in recipients and len(recipients) < _MAX_RECIPIENTS:
            recipients.append(address)
    scan = text_body[:_MAX_SCAN]
    status_match = _STATUS.search(scan)
    status = status_match.group(1) if status_match else ""
    diagnostic = ""
    if status_match:
        line_start = scan.rfind("\n", 0, status_match.start()) + 1
        line_end = scan.find("\n", status_match.end())
        diagnostic = " ".join(scan[line_start : None if line_end == -1 else line_end].split())[:_MAX_DIAGNOSTIC]
    delayed = status.startswith("4") or (not status and _DELAY_SUBJECT.search(subject) is not None)
    return BounceReport(
        original_message_id=original_message_id,
        recipients=tuple(recipients),
        action="delayed" if delayed else "failed",
        status=status,
        diagnostic=diagnostic,
    )
