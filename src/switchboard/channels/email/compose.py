"""Build outgoing email messages: plain values in, RFC 5322 bytes out, no I/O.

`build_message(OutgoingEmail(...))` returns the bytes to hand to SMTP DATA: CRLF line
endings, 7-bit clean (non-ASCII text goes quoted-printable, headers RFC 2047, attachment
filenames RFC 2231), so any relay takes it without 8BITMIME or SMTPUTF8.

Shape of the MIME tree (each level only when needed):

    multipart/mixed                      when there are attachments
      multipart/alternative              when there is an HTML body
        text/plain
        multipart/related                when there are inline (cid:) images
          text/html
          image/...                      Content-ID, Content-Disposition: inline
      application/... (attachments)

Every value that ends up in a header is checked for line breaks (header injection):
a CR, LF or other line separator raises `ValueError` naming the field. Addresses must be
plain ASCII `local@domain` (a non-ASCII domain is IDNA-encoded; a non-ASCII local part
would need SMTPUTF8 and is refused).
"""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.headerregistry import Address
from email.message import MIMEPart
from email.policy import SMTP, Policy

# Characters that `str.splitlines()` (and so the email package) treats as line breaks,
# plus NUL. None of them may appear in a header value.
_LINE_BREAKS = frozenset("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\x00")

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL_PART = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_MAX_LOCAL_PART = 64
_MAX_ADDRESS = 254

# A msg-id as we write it: printable ASCII without whitespace or angle brackets. Ids from
# other people's mail that do not fit are left out of In-Reply-To/References (see below).
_MSG_ID = re.compile(r"[!-;=?-~]+")  # 0x21-0x7E except < (0x3C) and > (0x3E)
_MAX_MSG_ID = 500  # keeps every folded line far below SMTP's 998-octet limit
_UNIQUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")

# RFC 5322 §3.6.4: a reply's References is the parent's References plus the parent's
# Message-ID. Long threads are trimmed to the first message plus the newest ones, as
# common mail software does, so the header stays a sensible size.
MAX_REFERENCES = 21  # the first message + the newest 20

_FIELD_NAME = re.compile(r"[!-9;-~]+")  # printable ASCII except ":" (RFC 5322 §2.2)
_RESERVED_HEADERS = frozenset(
    {
        "from",
        "sender",
        "to",
        "cc",
        "bcc",
        "reply-to",
        "subject",
        "date",
        "message-id",
        "in-reply-to",
        "references",
        "mime-version",
        "auto-submitted",
        "x-auto-response-suppress",
        "return-path",
        "received",
    }
)
_MIME_NAME = r"[a-z0-9!#$&^_.+-]+"
_CONTENT_TYPE = re.compile(rf"({_MIME_NAME})/({_MIME_NAME})")
_SMTP_MAX_LINE = 998
_SEVEN_BIT_LINE = 78  # longer lines go quoted-printable so no relay has to rewrap them
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_HTML_DOCUMENT = re.compile(r"<html[\s>]", re.IGNORECASE)
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)

# Automatic messages (RFC 3834): `Auto-Submitted` is the standard marker. In addition we
# ask Exchange/Outlook not to answer them with out-of-office or other automatic replies
# (loop protection). Deliberately not "All": that would also suppress non-delivery
# reports, which the outbox needs to learn about bounces. No `Precedence` header: it was
# never standardised (RFC 2076 lists it as discouraged); RFC 3834 defines Auto-Submitted
# for exactly this.
AUTO_RESPONSE_SUPPRESS = "OOF, AutoReply"


@dataclass(frozen=True, slots=True)
class OutgoingAttachment:
    filename: str  # shown to the recipient; "" for none
    content_type: str  # "maintype/subtype"; anything unusable is sent as application/octet-stream
    content: bytes
    content_id: str | None = None  # without <>; set for images the HTML shows through cid:


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    from_address: str  # e.g. "support@example.test"
    from_name: str  # e.g. "Acme Support"; "" for none
    to: tuple[str, ...]
    cc: tuple[str, ...] = ()
    reply_to: str | None = None  # e.g. "support+t7k2x9@example.test" (token already built)
    subject: str = ""
    text_body: str = ""
    html_body: str | None = None  # already sanitised HTML (a fragment or a whole document)
    signature_text: str = ""
    signature_html: str | None = None  # None: derived from signature_text
    message_id: str = ""  # without <>, from make_message_id; required
    in_reply_to: str | None = None  # without <>
    references: tuple[str, ...] = ()  # without <>, oldest first
    attachments: tuple[OutgoingAttachment, ...] = ()
    auto_submitted: str | None = None  # e.g. "auto-replied" for auto-acknowledgements (RFC 3834)
    extra_headers: tuple[tuple[str, str], ...] = ()  # e.g. ("X-Switchboard-Ticket", "1234")
    date: datetime | None = None  # timezone-aware; required

    @property
    def is_automatic(self) -> bool:
        return self.auto_submitted is not None and self.auto_submitted.strip().lower() != "no"


# ---------------------------------------------------------------------------------------
# Public helpers


def make_message_id(*, domain: str, unique: str) -> str:
    """A new Message-ID without <>: "sb.<unique>.<random>@<domain>".

    `unique` is the deterministic part (e.g. "t1234.m5678"): letters, digits, ".", "_" and
    "-". The random suffix (64 bits) keeps ids unique when the same message is rebuilt.
    """
    _check_no_line_breaks("Message-ID unique part", unique)
    if not _UNIQUE.fullmatch(unique) or ".." in unique or unique.endswith("."):
        raise ValueError(f"Message-ID unique part {unique!r} must be letters, digits, '.', '_' or '-'")
    domain = _ascii_domain(domain, what="Message-ID domain")
    message_id = f"sb.{unique}.{secrets.token_hex(8)}@{domain}"
    if len(message_id) > _MAX_MSG_ID:
        raise ValueError("Message-ID would be too long")
    return message_id


_REPLY_PREFIX = re.compile(
    r"""^\s*
    (?:re|fwd?|aw|wg|sv|vs|antw|tr|rif|odp|ynt|回复|回覆|答复|答覆|转发|轉寄)
    \s*(?:\[\d+\]|\(\d+\))?      # counters: "Re[2]:", "Re(3):"
    \s*[:：]\s*""",
    re.IGNORECASE | re.VERBOSE,
)
_WHITESPACE = re.compile(r"\s+")


def reply_subject(ticket_subject: str, ticket_number: int) -> str:
    """The subject of a reply on a ticket: "Re: [#1234] subject".

    Leading reply/forward prefixes in any common language ("Re:", "RE:", "Fwd:", "AW:",
    "SV:", "Re[2]:", ...) and the ticket's own "[#1234]" tag are removed before adding
    exactly one of each, so subjects do not grow on every round trip. Whitespace
    (including line breaks) is collapsed to single spaces.
    """
    tag = f"[#{ticket_number}]"
    subject = _bare_subject(ticket_subject, tag)
    return f"Re: {tag} {subject}" if subject else f"Re: {tag}"


def note_subject(ticket_subject: str, ticket_number: int) -> str:
    """The subject of an internal note emailed from a ticket: "[#1234] Internal note: subject".

    Cleaned as `reply_subject` cleans, and marked so that nobody mistakes it for mail to
    the customer.
    """
    tag = f"[#{ticket_number}]"
    subject = _bare_subject(ticket_subject, tag)
    return f"{tag} Internal note: {subject}" if subject else f"{tag} Internal note"


def _bare_subject(ticket_subject: str, tag: str) -> str:
    """The subject without reply/forward prefixes or the ticket's tag, whitespace collapsed."""
    subject = _WHITESPACE.sub(" ", ticket_subject).strip()
    while True:
        stripped = _REPLY_PREFIX.sub("", subject, count=1)
        if stripped.startswith(tag):
            stripped = stripped[len(tag) :]
        stripped = stripped.lstrip()
        if stripped == subject:
            break
        subject = stripped
    return _WHITESPACE.sub(" ", subject.replace(tag, " ")).strip()


def ascii_address(address: str, *, what: str = "address") -> str:
    """`address` (a bare "local@domain") as ASCII, or ValueError saying what is wrong.

    Surrounding whitespace is ignored; a non-ASCII domain is IDNA-encoded. Quoted local
    parts, address literals and non-ASCII local parts (SMTPUTF8) are refused.
    """
    _check_no_line_breaks(what, address)
    address = address.strip()
    local, at, domain = address.rpartition("@")
    if not at or not local:
        raise ValueError(f"{what} {address!r} is not an email address (local@domain)")
    if not local.isascii():
        raise ValueError(f"{what} {address!r} has a non-ASCII local part, which needs SMTPUTF8 (not supported)")
    if len(local) > _MAX_LOCAL_PART or not _LOCAL_PART.fullmatch(local):
        raise ValueError(f"{what} {address!r} has an unsupported local part")
    result = f"{local}@{_ascii_domain(domain, what=what)}"
    if len(result) > _MAX_ADDRESS:
        raise ValueError(f"{what} {address!r} is too long")
    return result


def build_message(email: OutgoingEmail) -> bytes:
    """The message as RFC 5322 bytes with CRLF line endings, ready for SMTP DATA.

    Raises ValueError for anything that cannot be written safely: line breaks in a header
    value, a malformed address or Message-ID, a missing or naive date, a reserved extra
    header.
    """
    message = MIMEPart(policy=_POLICY)
    _set_headers(message, email)
    _set_body(message, email)
    return message.as_bytes(policy=_POLICY)


# ---------------------------------------------------------------------------------------
# Headers


_POLICY = SMTP.clone(cte_type="7bit")


class _HandFolded(str):
    """A header value folded here rather than by the email package's header registry.

    Used where the stock handling gets it wrong:
    - msg-ids (Message-ID, In-Reply-To, References): the registry treats the latter two as
      unstructured text and turns a msg-id longer than a line into RFC 2047 encoded words,
      which breaks threading;
    - text that needs encoded words in a display name: when the stock folder splits a long
      name into several encoded words it can move a space of the name into the folding
      whitespace between them, where RFC 2047 §6.2 readers drop it;
    - text containing "=?": the registry decodes it as if it were an encoded word.
    `header_store_parse` keeps any value with a `name`, and folding calls its `fold()`.
    """

    name: str
    tokens: tuple[str, ...]

    def __new__(cls, name: str, tokens: Iterable[str]) -> _HandFolded:
        tokens = tuple(tokens)
        header = super().__new__(cls, " ".join(tokens))
        header.name = name
        header.tokens = tokens
        return header

    def fold(self, *, policy: Policy) -> str:
        """`Name: token token ...`, breaking the line before a token that would pass the limit."""
        max_length = policy.max_line_length or _SMTP_MAX_LINE
        lines: list[str] = []
        line = f"{self.name}:"
        for token in self.tokens:
            if len(line) + 1 + len(token) > max_length and line != f"{self.name}:":
                lines.append(line)
                line = ""
            line = f"{line} {token}"
        lines.append(line)
        return policy.linesep.join(lines) + policy.linesep


def _encoded_words(name: str, text: str) -> list[str]:
    """`text` as RFC 2047 encoded words, every character (spaces too) inside one of them."""
    encoded = Header(text, "utf-8", header_name=name).encode(linesep="\n", maxlinelen=_POLICY.max_line_length)
    return [word.strip() for word in encoded.split("\n")]


def _needs_encoding(text: str) -> bool:
    return not text.isascii() or "=?" in text


def _mailbox_header(name: str, display_name: str, address: str) -> Address | _HandFolded:
    if _needs_encoding(display_name):
        return _HandFolded(name, [*_encoded_words(name, display_name), f"<{address}>"])
    return Address(display_name=display_name, addr_spec=address)


def _text_header(name: str, text: str) -> str:
    if "=?" in text:
        return _HandFolded(name, _encoded_words(name, text))
    return text


def _set_headers(message: MIMEPart, email: OutgoingEmail) -> None:
    if email.date is None:
        raise ValueError("date is required")
    if email.date.tzinfo is None or email.date.utcoffset() is None:
        raise ValueError("date must be timezone-aware")
    if not email.to:
        raise ValueError("at least one To address is required")
    message_id = _clean_msg_id(email.message_id, what="message_id")
    if message_id is None or "@" not in message_id:
        raise ValueError(f"message_id {email.message_id!r} is not a valid Message-ID (make_message_id builds one)")

    _check_no_line_breaks("from_name", email.from_name)
    message["From"] = _mailbox_header(
        "From",
        _WHITESPACE.sub(" ", email.from_name).strip(),
        ascii_address(email.from_address, what="from_address"),
    )
    message["To"] = _address_list(email.to, what="to")
    if email.cc:
        message["Cc"] = _address_list(email.cc, what="cc")
    if email.reply_to is not None:
        message["Reply-To"] = ascii_address(email.reply_to, what="reply_to")
    _check_no_line_breaks("subject", email.subject)
    message["Subject"] = _text_header("Subject", _WHITESPACE.sub(" ", email.subject).strip())
    message["Date"] = email.date
    message["Message-ID"] = _HandFolded("Message-ID", [f"<{message_id}>"])
    _set_threading_headers(message, email)
    _set_automatic_headers(message, email)
    _set_extra_headers(message, email.extra_headers)
    message["MIME-Version"] = "1.0"


def _set_threading_headers(message: MIMEPart, email: OutgoingEmail) -> None:
    in_reply_to = _clean_msg_id(email.in_reply_to, what="in_reply_to") if email.in_reply_to else None
    if in_reply_to:
        message["In-Reply-To"] = _HandFolded("In-Reply-To", [f"<{in_reply_to}>"])
    references = _references(email.references, in_reply_to)
    if references:
        message["References"] = _HandFolded("References", [f"<{ref}>" for ref in references])


def _set_automatic_headers(message: MIMEPart, email: OutgoingEmail) -> None:
    if email.auto_submitted is None:
        return
    _check_no_line_breaks("auto_submitted", email.auto_submitted)
    value = email.auto_submitted.strip()
    if not value or not value.isascii():
        raise ValueError(f"auto_submitted {email.auto_submitted!r} is not an Auto-Submitted value")
    message["Auto-Submitted"] = value
    if email.is_automatic:
        message["X-Auto-Response-Suppress"] = AUTO_RESPONSE_SUPPRESS


def _set_extra_headers(message: MIMEPart, headers: Iterable[tuple[str, str]]) -> None:
    for name, value in headers:
        _check_no_line_breaks("extra header name", name)
        _check_no_line_breaks(f"header {name}", value)
        lower = name.lower()
        if not _FIELD_NAME.fullmatch(name):
            raise ValueError(f"{name!r} is not a valid header name")
        if lower in _RESERVED_HEADERS or lower.startswith("content-"):
            raise ValueError(f"header {name} is set by build_message and cannot be given as an extra header")
        message[name] = _text_header(name, value)


def _address_list(addresses: Iterable[str], *, what: str) -> str:
    return ", ".join(ascii_address(address, what=what) for address in addresses)


def _clean_msg_id(value: str | None, *, what: str) -> str | None:
    """The id without <> and whitespace, or None when it cannot be written as a msg-id."""
    if value is None:
        return None
    _check_no_line_breaks(what, value)
    value = value.strip().removeprefix("<").removesuffix(">")
    if not value or len(value) > _MAX_MSG_ID or not _MSG_ID.fullmatch(value):
        return None
    return value


def _references(references: Iterable[str], in_reply_to: str | None) -> list[str]:
    """References oldest first, without duplicates or unusable ids, ending with the parent.

    Ids from other people's mail that cannot be written as a msg-id are left out rather than
    failing the reply. Trimmed to the first + the newest MAX_REFERENCES - 1.
    """
    cleaned: list[str] = []
    seen: set[str] = set()
    for reference in references:
        ref = _clean_msg_id(reference, what="references")
        if ref is not None and ref not in seen:
            seen.add(ref)
            cleaned.append(ref)
    if in_reply_to is not None and in_reply_to not in seen:
        cleaned.append(in_reply_to)
    if len(cleaned) > MAX_REFERENCES:
        cleaned = [cleaned[0], *cleaned[-(MAX_REFERENCES - 1) :]]
    return cleaned


# ---------------------------------------------------------------------------------------
# Body


def _set_body(message: MIMEPart, email: OutgoingEmail) -> None:
    text = _text_with_signature(email.text_body, email.signature_text)
    _set_text(message, text, "plain")
    inline: list[OutgoingAttachment] = []
    attached: list[OutgoingAttachment] = []
    for attachment in email.attachments:
        is_inline = attachment.content_id is not None and email.html_body is not None
        (inline if is_inline else attached).append(attachment)

    if email.html_body is not None:
        document = _html_document(email.html_body, _html_signature(email.signature_text, email.signature_html))
        html_part = MIMEPart(policy=_POLICY)
        _set_text(html_part, document, "html")
        for attachment in inline:
            _add_part(html_part, attachment, inline=True)
        message.make_alternative()
        message.attach(html_part)
    for attachment in attached:
        _add_part(message, attachment, inline=False)


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _text_with_signature(body: str, signature: str) -> str:
    body = _normalise_newlines(body)
    signature = _normalise_newlines(signature).strip("\n")
    if not signature:
        return body
    if signature.startswith("-- \n"):
        signature = signature[len("-- \n") :]
    # "-- " on a line of its own is the usenet/email signature separator: clients grey
    # the signature out and leave it out of quotes.
    body = body.rstrip("\n")
    return f"{body}\n\n-- \n{signature}\n" if body.strip() else f"-- \n{signature}\n"


def _html_signature(signature_text: str, signature_html: str | None) -> str:
    if signature_html is not None:
        return signature_html
    text = _normalise_newlines(signature_text).strip("\n")
    if not text:
        return ""
    return "<br>\n".join(html.escape(line) for line in text.split("\n"))


def _html_document(body: str, signature: str) -> str:
    body = _normalise_newlines(body)
    block = f'\n<div class="signature">{signature}</div>\n' if signature else ""
    if _HTML_DOCUMENT.search(body):  # already a whole document: signature goes before </body>
        ends = list(_BODY_END.finditer(body))
        if not ends:
            return body + block
        end = ends[-1].start()
        return body[:end] + block + body[end:]
    return (
        f'<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n</head>\n<body>\n{body}\n{block}</body>\n</html>\n'
    )


def _set_text(part: MIMEPart, text: str, subtype: str) -> None:
    """Text content, 7bit when it is short-lined ASCII, quoted-printable otherwise."""
    seven_bit = text.isascii() and all(
        len(line) <= _SEVEN_BIT_LINE and all(ch == "\t" or " " <= ch < "\x7f" for ch in line)
        for line in text.split("\n")
    )
    part.set_content(text, subtype=subtype, charset="utf-8", cte="7bit" if seven_bit else "quoted-printable")


def _add_part(container: MIMEPart, attachment: OutgoingAttachment, *, inline: bool) -> None:
    _check_no_line_breaks("attachment filename", attachment.filename)
    if _CONTROL.search(attachment.filename):
        raise ValueError(f"attachment filename {attachment.filename!r} contains control characters")
    content_id = None
    if attachment.content_id is not None:
        content_id = _clean_msg_id(attachment.content_id, what="attachment content_id")
        if content_id is None:
            raise ValueError(f"attachment content_id {attachment.content_id!r} is not a valid Content-ID")
    maintype, subtype, cte = _content_type(attachment)
    part = MIMEPart(policy=_POLICY)
    part.set_content(
        attachment.content,
        maintype,
        subtype,
        cte=cte,
        disposition="inline" if inline else "attachment",
        filename=attachment.filename.strip() or None,
        cid=f"<{content_id}>" if content_id else None,
    )
    subtype_needed = "related" if inline else "mixed"
    if container.get_content_type() != f"multipart/{subtype_needed}":
        if inline:
            container.make_related()
        else:
            container.make_mixed()
    container.attach(part)


def _content_type(attachment: OutgoingAttachment) -> tuple[str, str, str]:
    """(maintype, subtype, transfer encoding) to send the attachment with."""
    match = _CONTENT_TYPE.fullmatch(attachment.content_type.strip().lower())
    if match is None or match[1] == "multipart":
        return "application", "octet-stream", "base64"
    maintype, subtype = match[1], match[2]
    if maintype == "message":
        # RFC 2046 §5.2: message/* bodies may not be base64. Send as-is when 7-bit clean,
        # otherwise as an opaque file.
        lines = attachment.content.split(b"\n")
        if attachment.content.isascii() and all(len(line) <= _SMTP_MAX_LINE for line in lines):
            return maintype, subtype, "7bit"
        return "application", "octet-stream", "base64"
    return maintype, subtype, "base64"


# ---------------------------------------------------------------------------------------
# Validation


def _check_no_line_breaks(what: str, value: str) -> None:
    if any(ch in _LINE_BREAKS for ch in value):
        raise ValueError(f"{what} must not contain line breaks (CR, LF or other separators): {value!r}")


def _ascii_domain(domain: str, *, what: str) -> str:
    domain = domain.strip().rstrip(".")
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError as error:
            raise ValueError(f"{what}: domain {domain!r} cannot be IDNA-encoded") from error
    if not _DOMAIN.fullmatch(domain):
        raise ValueError(f"{what}: {domain!r} is not a valid domain")
    return domain.lower()
