"""Raw RFC 5322 bytes to a `ParsedEmail`: total, fast, and honest about what it guessed.

`parse_email` never raises. It uses the standard library's compat32 parser only to find
the MIME structure, and decodes headers, charsets and transfer encodings itself, because
`policy.default` is ten times slower on real mail and raises on unknown charsets, CR/LF
in address headers, group syntax and malformed structures. Every step is guarded
separately, so an unreadable header costs that header and not the body.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.errors import CloseBoundaryNotFoundDefect
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import TypeVar
from urllib.parse import unquote

from switchboard.channels.email import dsn
from switchboard.channels.email.charsets import (
    decode_base64,
    decode_quoted_printable,
    decode_text,
    decode_uuencode,
    decode_words,
    parse_params,
)
from switchboard.channels.email.html_text import html_to_text
from switchboard.channels.email.message import (
    Address,
    AutomaticKind,
    BounceReport,
    ParsedAttachment,
    ParsedEmail,
)

T = TypeVar("T")

MAX_DEPTH = 50
MAX_PARTS = 5_000
MAX_ID_CHARS = 998
MAX_REFERENCES = 100
MAX_ADDRESSES = 1_000
MAX_SUBJECT_CHARS = 10_000
MAX_FILENAME_CHARS = 255
MAX_NAME_CHARS = 255
MAX_ADDRESS_CHARS = 320  # RFC 5321: 64 for the local part, 255 for the domain
MAX_WARNINGS = 50
MAX_HEADER_CHARS = 100_000
# The compat32 parser checks every line against every enclosing boundary, so deep
# nesting in a large message costs lines x depth; past this budget the structure is
# not worth the seconds it would take, and the raw text is shown instead.
MAX_BOUNDARY_CHECKS = 20_000_000
SMALL_MESSAGE_BYTES = 65_536  # too small for the boundary checks to matter

_PARSER = BytesParser(policy=policy.compat32)
_BODY_TYPES = frozenset({"text/plain", "text/html"})
# Alternate renderings of the same content inside multipart/alternative.
_RENDERINGS = frozenset(
    {"text/plain", "text/html", "text/enriched", "text/richtext", "text/watch-html", "text/x-amp-html"}
)
_FORWARDED_TYPES = frozenset({"message/rfc822", "message/global", "message/news"})
_STATUS_TYPES = frozenset({"message/delivery-status", "message/global-delivery-status"})
_RETURNED_HEADER_TYPES = frozenset({"text/rfc822-headers", "message/rfc822-headers", "message/global-headers"})
_MACHINE_REPORTS = frozenset({"disposition-notification", "feedback-report"})

_VALID_TYPE = re.compile(r"^[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+$")
_CTE_NOISE = re.compile(r"[\s_-]")
_BRACKETED_ID = re.compile(r"<([^<>]*)>")
_BARE_ID_SPLIT = re.compile(r"[\s,]+")
_CID_REFERENCE = re.compile(r"""cid:([^"'\s)>]+)""", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)
_MULTIPART_DECLARATION = re.compile(rb"^content-type:[ \t]*\"?multipart/", re.IGNORECASE | re.MULTILINE)
_MESSAGE_ID_LINE = re.compile(r"^message-id[ \t]*:[ \t]*(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)
_LOOSE_ADDRESS = re.compile(r"[^\s<>()\[\]\"',;:@]+@[^\s<>()\[\]\"',;:@]+")
# Quoting, comments, groups and escapes need the full RFC 5322 parser; the rest of real
# mail is "Name <a@b>" or "a@b" separated by commas.
_NEEDS_FULL_ADDRESS_PARSER = re.compile(r'["()\\:;\[\]]')
_SIMPLE_MAILBOX = re.compile(r"\s*(?:([^<>@,]*?)\s*<\s*([^<>@\s,]+@[^<>@\s,]+)\s*>|([^<>@\s,]+@[^<>@\s,]+))\s*")
_LOCAL_PART = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~.-]+")
_ADDRESS_JUNK = re.compile(r"[\s<>\x00-\x1f\x7f]")
_FILENAME_JUNK = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")


# -- small total helpers ----------------------------------------------------------------


def _snippet(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "…")


def _clean(text: str) -> str:
    """`text` storable anywhere: no NUL, no lone surrogates."""
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = _SURROGATE.sub("\ufffd", text)
    return text


def _newlines(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _lstrip_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text


def _stored_payload(part: Message) -> object:
    """The payload exactly as the parser stored it: a list of parts, or surrogate-escaped text.

    `Message.get_payload()` re-decodes 8-bit text with the declared charset and
    errors="replace" before handing it out, which loses the bytes a charset fallback
    needs (and garbles forwarded mail), so the stored value is read instead.
    """
    stored = getattr(part, "_payload", None)
    return part.get_payload() if stored is None else stored


def _raw_bytes(text: str) -> bytes:
    # compat32 keeps undecodable input bytes as lone surrogates; this restores them.
    return text.encode("ascii") if text.isascii() else text.encode("utf-8", "surrogateescape")


@dataclass(slots=True)
class _Notes:
    """The warnings of one parse: deduplicated and capped, in order of discovery.

    It also carries the charset of the message's first body part, the best guess for
    undeclared 8-bit bytes in its headers (what mail clients assume too).
    """

    items: list[str] = field(default_factory=list)
    dropped: int = 0
    header_charset: str | None = None

    def add(self, text: str | None) -> None:
        if not text or text in self.items:
            return
        if len(self.items) < MAX_WARNINGS:
            self.items.append(text)
        else:
            self.dropped += 1

    def final(self) -> tuple[str, ...]:
        extra = (f"{self.dropped} further warnings not shown",) if self.dropped else ()
        return tuple(_clean(item) for item in self.items) + extra


# -- headers ----------------------------------------------------------------------------


class _Headers:
    """Raw header values by lower-cased name, in message order."""

    __slots__ = ("_values",)

    def __init__(self, message: Message | None) -> None:
        self._values: dict[str, list[str]] = {}
        if message is None:
            return
        for name, value in message.raw_items():
            self._values.setdefault(str(name).strip().lower(), []).append(str(value))

    def first(self, name: str) -> str | None:
        values = self._values.get(name)
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        return self._values.get(name, [])

    def has(self, name: str) -> bool:
        return name in self._values


def _header_text(value: str, where: str, notes: _Notes, *, keep_end: bool = False) -> str:
    """A raw header value as text: 8-bit bytes decoded (RFC 6532 UTF-8, else windows-1252), unfolded.

    Values beyond MAX_HEADER_CHARS are cut (from the start, or from the end with
    `keep_end`), since address and encoded-word parsing are slow on megabytes.
    """
    if len(value) > MAX_HEADER_CHARS:
        notes.add(f"{where} longer than {MAX_HEADER_CHARS} characters; only part of it was read")
        value = value[-MAX_HEADER_CHARS:] if keep_end else value[:MAX_HEADER_CHARS]
    if not value.isascii():
        data = _raw_bytes(value)
        text, note = decode_text(data, None, where)
        if note is not None and notes.header_charset is not None:
            hinted, hint_note = decode_text(data, notes.header_charset, where)
            if hint_note is None:
                text, note = hinted, None
        notes.add(note)
        value = text
    if "\n" in value or "\r" in value:
        value = value.replace("\r", "").replace("\n", "")
    return value


def _message_ids(value: str) -> list[str]:
    """Message-IDs in a header value, without <> or whitespace; tolerant of missing brackets."""
    found = _BRACKETED_ID.findall(value)
    if not found:
        tokens = [token for token in _BARE_ID_SPLIT.split(value) if token]
        found = tokens if len(tokens) == 1 else [token for token in tokens if "@" in token]
    ids = []
    for candidate in found:
        cleaned = "".join(candidate.split())[:MAX_ID_CHARS]
        if cleaned:
            ids.append(cleaned)
    return ids


def _mailbox(name: str, address: str, *, local_ok: bool = False) -> tuple[str, str] | None:
    """(display name, lower-cased address) for one getaddresses() item, or None if unusable.

    Addresses need a domain, except where `local_ok` (a From such as "MAILER-DAEMON").
    """
    address = address.strip()
    if _ADDRESS_JUNK.search(address) and "@" in address:
        # "Joe Bloggs joe@example.com": no angle brackets, so the name ran into the address.
        loose = _LOOSE_ADDRESS.search(address)
        if loose is not None:
            name = name or (address[: loose.start()] + address[loose.end() :])
            address = loose.group()
    address = address.lower()
    if not address or _ADDRESS_JUNK.search(address) or len(address) > MAX_ADDRESS_CHARS:
        return None
    if "@" not in address and not (local_ok and _LOCAL_PART.fullmatch(address)):
        return None
    return name, address


def _split_addresses(texts: list[str]) -> list[tuple[str, str]]:
    """(name, address) pairs, as `getaddresses` gives them; simple lists skip its slow parser."""
    pairs: list[tuple[str, str]] = []
    for text in texts:
        if _NEEDS_FULL_ADDRESS_PARSER.search(text):
            return getaddresses(texts)
        for item in text.split(","):
            if not item.strip():
                continue
            match = _SIMPLE_MAILBOX.fullmatch(item)
            if match is None:
                return getaddresses(texts)
            pairs.append(((match.group(1) or "").strip(), match.group(2) or match.group(3)))
    return pairs


def _addresses(values: list[str], where: str, notes: _Notes, *, local_ok: bool = False) -> tuple[Address, ...]:
    """The mailboxes in address headers; groups are flattened and unreadable items skipped."""
    if not values:
        return ()
    texts = [_header_text(value, f"{where} header", notes) for value in values]
    result: list[Address] = []
    for raw_name, raw_address in _split_addresses(texts):
        mailbox = _mailbox(raw_name, raw_address, local_ok=local_ok)
        if mailbox is None:
            continue
        name = " ".join(decode_words(mailbox[0], f"{where} header", notes.add).split()).strip("\"' ")
        result.append(Address(address=_clean(mailbox[1]), name=_clean(name[:MAX_NAME_CHARS])))
        if len(result) >= MAX_ADDRESSES:
            notes.add(f"{where} header has more than {MAX_ADDRESSES} addresses; the rest were ignored")
            break
    return tuple(result)


# -- MIME parts -------------------------------------------------------------------------


@dataclass(slots=True)
class _Attachment:
    filename: str
    content_type: str
    content: bytes
    content_id: str | None
    inline: bool


@dataclass(slots=True)
class _Found:
    texts: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    attachments: list[_Attachment] = field(default_factory=list)

    def extend(self, other: _Found) -> None:
        self.texts += other.texts
        self.htmls += other.htmls
        self.attachments += other.attachments


def _display_filename(name: str) -> str:
    """A filename safe to show: no directories, control or bidi characters, at most 255 chars."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _FILENAME_JUNK.sub("", name).strip()
    if name in (".", ".."):
        return ""
    if len(name) > MAX_FILENAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 16 and stem:  # noqa: PLR2004 - keep a real extension visible
            name = stem[: MAX_FILENAME_CHARS - len(extension) - 1] + "." + extension
        else:
            name = name[:MAX_FILENAME_CHARS]
    return name


def _serialise(message: Message, out: list[bytes], depth: int = 0) -> None:
    """Append `message` as bytes, headers as received.

    The standard generator re-folds every header through `email.header.Header`, which
    took most of the parse time on forwarded mail; the raw values are already folded.
    """
    if depth > MAX_DEPTH:
        return
    for name, value in message.raw_items():
        out.append(_raw_bytes(f"{name}: {value}\n"))
    out.append(b"\n")
    payload = _stored_payload(message)
    if isinstance(payload, str):
        out.append(_raw_bytes(payload))
        return
    if not isinstance(payload, list):
        return
    boundary = message.get_boundary() if message.get_content_maintype() == "multipart" else None
    if boundary is None:
        for sub in payload:
            if isinstance(sub, Message):
                _serialise(sub, out, depth + 1)
        return
    delimiter = _raw_bytes(f"--{boundary}")
    if message.preamble is not None:
        out += [_raw_bytes(message.preamble), b"\n"]
    for index, sub in enumerate(payload):
        if isinstance(sub, Message):
            out += [b"\n" if index else b"", delimiter, b"\n"]
            _serialise(sub, out, depth + 1)
    out += [b"\n", delimiter, b"--\n"]
    if message.epilogue is not None:
        out.append(_raw_bytes(message.epilogue))


def _capped(data: bytes, max_chars: int) -> tuple[bytes, bool]:
    """At most the bytes that can decode to `max_chars` characters (4 bytes each at worst),
    cut after a line break when there is one nearby; and whether anything was cut.

    Decoding megabytes that will be truncated anyway is the slowest part of a big message.
    """
    limit = 4 * max_chars + 4
    if len(data) <= limit:
        return data, False
    newline = data.rfind(b"\n", max(0, limit - 4096), limit)
    return data[: newline + 1 if newline != -1 else limit], True


class _Walker:
    """One pass over the MIME tree: bodies, attachments and what a bounce report needs."""

    def __init__(self, notes: _Notes, max_text_chars: int) -> None:
        self.notes = notes
        self.max_text_chars = max_text_chars
        self.parts = 0
        self.report_type: str | None = None
        self.delivery_status: str | None = None
        self.returned_headers: str | None = None

    def _part_info(self, part: Message) -> tuple[_Headers, str, bool, dict[str, str]]:
        """The part's headers, its lower-cased content type, whether that type is valid, and its parameters."""
        headers = _Headers(part)
        raw_type = headers.first("content-type")
        if raw_type is None:
            return headers, part.get_default_type(), True, {}
        main, params = parse_params(
            _header_text(raw_type, "Content-Type header", self.notes), "Content-Type", self.notes.add
        )
        return headers, main, bool(_VALID_TYPE.match(main)), params

    def walk(self, part: Message, depth: int = 0) -> _Found:
        """The bodies and attachments of `part` and everything below it, up to MAX_DEPTH levels."""
        if depth > MAX_DEPTH:
            self.notes.add(f"MIME nesting deeper than {MAX_DEPTH} levels; deeper parts ignored")
            return _Found()
        self.parts += 1
        if self.parts > MAX_PARTS:
            self.notes.add(f"more than {MAX_PARTS} MIME parts; the rest were ignored")
            return _Found()
        headers, ctype, valid, params = self._part_info(part)
        payload = _stored_payload(part)
        if isinstance(payload, list):
            if not ctype.startswith("multipart/") or not valid:
                return self._message_part(part, headers, ctype, params)
            if any(isinstance(defect, CloseBoundaryNotFoundDefect) for defect in part.defects):
                self.notes.add("a multipart section has no closing boundary; the message may be truncated")
            children = [child for child in payload if isinstance(child, Message)]
            if ctype == "multipart/alternative":
                return self._alternative(children, depth)
            if ctype == "multipart/report" and self.report_type is None:
                self.report_type = params.get("report-type", "").strip().lower()
            found = _Found()
            for child in children:
                found.extend(self.walk(child, depth + 1))
            return found
        return self._leaf(part, headers, ctype if valid else "", params, depth)

    def _alternative(self, children: list[Message], depth: int) -> _Found:
        """The last rendering with text for `texts` and the last with HTML for `htmls` (RFC 2046
        orders alternatives from plainest to richest); other renderings are dropped."""
        walked = [(child, self.walk(child, depth + 1)) for child in children]
        text_pick = next((found for _, found in reversed(walked) if any(t.strip() for t in found.texts)), None)
        html_pick = next((found for _, found in reversed(walked) if found.htmls), None)
        result = _Found()
        if text_pick is not None:
            result.texts += text_pick.texts
        if html_pick is not None:
            result.htmls += html_pick.htmls
        for child, found in walked:
            if found is text_pick or found is html_pick:
                result.attachments += found.attachments
            elif not (found.texts or found.htmls or child.get_content_type() in _RENDERINGS):
                result.attachments += found.attachments  # e.g. a text/calendar invitation
        return result

    def _transfer_decode(self, data: bytes, headers: _Headers, describe: str) -> bytes:
        raw_cte = headers.first("content-transfer-encoding")
        if raw_cte is None:
            return data
        text = _header_text(raw_cte, "Content-Transfer-Encoding", self.notes).partition(";")[0].strip().lower()
        # "quoted printable", "7-bit", "8bits": spelling varies, the meaning does not.
        cte = _CTE_NOISE.sub("", text)
        if cte == "base64":
            decoded, ok = decode_base64(data)
            if not ok:
                self.notes.add(f"broken base64 in {describe}; decoded what could be read")
            return decoded
        if cte == "quotedprintable":
            return decode_quoted_printable(data)
        if cte in ("xuuencode", "uuencode", "xuue", "uue"):
            decoded, ok = decode_uuencode(data)
            if not ok:
                self.notes.add(f"broken uuencoding in {describe}; decoded what could be read")
            return decoded
        if cte not in ("", "7bit", "8bit", "binary", "8bits", "7bits", "plain", "none"):
            self.notes.add(f"unknown Content-Transfer-Encoding {_snippet(text, 30)} in {describe}; read as 8bit")
        return data

    def _filename(self, headers: _Headers, params: dict[str, str]) -> tuple[str, str]:
        """(disposition, display filename) from Content-Disposition and the Content-Type name."""
        disposition = ""
        name = ""
        raw = headers.first("content-disposition")
        if raw is not None:
            where = "Content-Disposition"
            disposition, disposition_params = parse_params(_header_text(raw, where, self.notes), where, self.notes.add)
            name = disposition_params.get("filename", "")
        if not name:
            name = params.get("name", "")
        if name:
            name = _display_filename(decode_words(name, "attachment filename", self.notes.add))
        return disposition, name

    def _message_part(self, part: Message, headers: _Headers, ctype: str, params: dict[str, str]) -> _Found:
        """A message/* part (forwarded mail, delivery status): kept whole as an attachment."""
        payload = _stored_payload(part)
        chunks: list[bytes] = []
        try:
            if isinstance(payload, list):
                for sub in payload:
                    if isinstance(sub, Message):
                        _serialise(sub, chunks)
            elif isinstance(payload, str):
                chunks = [_raw_bytes(payload)]
        except Exception as exc:  # noqa: BLE001 - a malformed enclosed tree must not cost the rest of the message
            self.notes.add(f"enclosed {ctype} could not be re-assembled ({type(exc).__name__}); left empty")
        content = self._transfer_decode(b"".join(chunks), headers, f"{ctype} part")
        _disposition, filename = self._filename(headers, params)
        if ctype in _FORWARDED_TYPES:
            filename = filename or "forwarded message.eml"
            if self.returned_headers is None:
                head = content.split(b"\n\n", 1)[0]
                self.returned_headers, _note = decode_text(head, None, "returned message headers")
        elif ctype in _STATUS_TYPES:
            # Some MTAs split one report over several delivery-status parts.
            status, _note = decode_text(content, params.get("charset"), "delivery status")
            self.delivery_status = status if self.delivery_status is None else f"{self.delivery_status}\n\n{status}"
        return _Found(attachments=[_Attachment(filename, ctype, content, self._content_id(headers), False)])

    def _content_id(self, headers: _Headers) -> str | None:
        raw = headers.first("content-id")
        if raw is None:
            return None
        cid = "".join(_header_text(raw, "Content-ID", self.notes).split()).strip("<>")[:MAX_ID_CHARS]
        return cid or None

    def _leaf(self, part: Message, headers: _Headers, ctype: str, params: dict[str, str], depth: int) -> _Found:
        """A single part: body text or HTML, or an attachment."""
        payload = _stored_payload(part)
        raw_payload = _raw_bytes(payload) if isinstance(payload, str) else b""
        if ctype.startswith("multipart/"):
            reason = "multipart section without a usable boundary"
            self.notes.add(f"body structure unreadable: {reason}; showing raw text")
            data, _cut = _capped(raw_payload, self.max_text_chars)
            text, note = decode_text(data, params.get("charset"), "raw body")
            self.notes.add(note)
            return _Found(texts=[_lstrip_bom(_newlines(text))])
        if ctype.startswith("message/"):
            return self._message_part(part, headers, ctype, params)
        disposition, filename = self._filename(headers, params)
        body_type = ctype or "text/plain"  # RFC 2045: an invalid Content-Type is read as text/plain
        # A named text part is a file the sender attached, unless it is the whole message.
        is_body = body_type in _BODY_TYPES and disposition != "attachment" and (not filename or depth == 0)
        describe = f"{body_type} part" if is_body else f"{ctype or 'unknown'} attachment {_snippet(filename, 40)}"
        data = self._transfer_decode(raw_payload, headers, describe)
        if is_body:
            data, cut = _capped(data, self.max_text_chars)
            if cut:
                what = "text body" if body_type == "text/plain" else "HTML body"
                self.notes.add(f"{what} longer than {self.max_text_chars} characters; truncated")
            charset = params.get("charset")
            if self.notes.header_charset is None and charset:
                self.notes.header_charset = charset
            if body_type == "text/html" and charset is None and not data.isascii():
                meta = _META_CHARSET.search(data, 0, 4096)
                charset = meta.group(1).decode("ascii") if meta else None
            text, note = decode_text(data, charset, describe)
            self.notes.add(note)
            text = _lstrip_bom(_newlines(text))
            return _Found(texts=[text]) if body_type == "text/plain" else _Found(htmls=[text])
        if ctype in _RETURNED_HEADER_TYPES and self.returned_headers is None:
            self.returned_headers, _note = decode_text(data, params.get("charset"), "returned message headers")
        return _Found(
            attachments=[
                _Attachment(
                    filename=filename,
                    content_type=ctype or "application/octet-stream",
                    content=data,
                    content_id=self._content_id(headers),
                    inline=disposition == "inline",
                )
            ]
        )


# -- the whole message ------------------------------------------------------------------


def _structure(raw: bytes, notes: _Notes) -> tuple[Message | None, bool]:
    """The parsed message and whether its MIME structure is usable (else: headers only)."""
    declared, lines = 0, 0
    if len(raw) > SMALL_MESSAGE_BYTES:
        lines = raw.count(b"\n")
        # Every declaration mentions "multipart/": that count bounds them from above at an
        # eighth of the cost of the anchored, case-blind regex, needed only when it is high.
        declared = raw.lower().count(b"multipart/")
        if declared * lines > MAX_BOUNDARY_CHECKS:
            declared = len(_MULTIPART_DECLARATION.findall(raw))
    if declared * lines <= MAX_BOUNDARY_CHECKS:
        try:
            return _PARSER.parsebytes(raw), True
        except RecursionError:
            notes.add("body structure unreadable: MIME nesting too deep; showing raw text")
        except Exception as exc:  # noqa: BLE001 - fall back to the headers and the raw text
            notes.add(f"body structure unreadable: {type(exc).__name__}: {_snippet(str(exc))}; showing raw text")
    else:
        notes.add(f"body structure unreadable: {declared} nested multipart sections; showing raw text")
    try:
        return _PARSER.parsebytes(raw, headersonly=True), False
    except Exception as exc:  # noqa: BLE001 - last resort: the whole input as text
        notes.add(f"headers unreadable ({type(exc).__name__}); showing the raw message")
        return None, False


class _Parse:
    def __init__(self, raw: bytes, max_text_chars: int) -> None:
        self.raw = raw
        self.max_text_chars = max(0, max_text_chars)
        self.notes = _Notes()

    def guard(self, what: str, step: Callable[[], T], default: T) -> T:
        try:
            return step()
        except Exception as exc:  # noqa: BLE001 - one unreadable field must not lose the rest of the message
            self.notes.add(f"{what} unreadable ({type(exc).__name__}); left empty")
            return default

    def text_of(self, headers: _Headers, name: str, label: str) -> str | None:
        value = headers.first(name)
        return None if value is None else _header_text(value, f"{label} header", self.notes)

    def subject(self, headers: _Headers) -> str:
        text = self.text_of(headers, "subject", "Subject")
        if text is None:
            return ""
        subject = " ".join(decode_words(text, "Subject header", self.notes.add).split())
        if len(subject) > MAX_SUBJECT_CHARS:
            self.notes.add(f"Subject longer than {MAX_SUBJECT_CHARS} characters; truncated")
            subject = subject[:MAX_SUBJECT_CHARS]
        return subject

    def date(self, headers: _Headers) -> datetime | None:
        text = self.text_of(headers, "date", "Date")
        if text is None:
            return None
        try:
            parsed = parsedate_to_datetime(text.strip())
        except (TypeError, ValueError, IndexError, OverflowError):
            self.notes.add(f"unreadable Date header {_snippet(text.strip())}; date left empty")
            return None
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)

    def ids(self, headers: _Headers, name: str, label: str, *, newest: bool = False) -> tuple[str, ...]:
        found: list[str] = []
        for value in headers.all(name):
            found += _message_ids(_header_text(value, f"{label} header", self.notes, keep_end=newest))
        return tuple(found)

    def references(self, headers: _Headers) -> tuple[str, ...]:
        """The References ids, oldest first, duplicates dropped; only the newest are kept."""
        ordered = tuple(dict.fromkeys(self.ids(headers, "references", "References", newest=True)))
        return ordered[-MAX_REFERENCES:]

    def return_path(self, headers: _Headers) -> str | None:
        text = self.text_of(headers, "return-path", "Return-Path")
        if text is None:
            return None
        bare = text.strip().strip("<>").strip()
        # Some MTAs write the null sender as <MAILER-DAEMON>.
        if not bare or bare.lower() == "mailer-daemon":
            return ""
        for name, address in getaddresses([text]):
            mailbox = _mailbox(name, address)
            if mailbox is not None:
                return mailbox[1]
        self.notes.add(f"unreadable Return-Path header {_snippet(text.strip())}")
        return None

    def sender(self, headers: _Headers) -> Address | None:
        values = headers.all("from")
        if not values:
            self.notes.add("no From header")
            return None
        found = _addresses(values[:1], "From", self.notes, local_ok=True)
        if not found:
            self.notes.add(f"no readable address in From header {_snippet(values[0].strip())}")
            return None
        return found[0]

    def automatic(self, headers: _Headers, return_path: str | None, report_type: str | None) -> set[AutomaticKind]:
        kinds: set[AutomaticKind] = set()

        def value(name: str) -> str:
            return (self.text_of(headers, name, name) or "").strip().lower()

        submitted = value("auto-submitted").split(";", 1)[0].strip()
        if submitted and submitted != "no":
            kinds.add(AutomaticKind.AUTO_REPLY if submitted == "auto-replied" else AutomaticKind.AUTO_GENERATED)
        if headers.has("x-autoreply") or headers.has("x-autorespond") or headers.has("x-mail-autoreply"):
            kinds.add(AutomaticKind.AUTO_REPLY)
        if value("x-autogenerated") == "reply":
            kinds.add(AutomaticKind.AUTO_REPLY)
        suppress = set(re.split(r"[\s,;]+", value("x-auto-response-suppress")))
        if suppress & {"all", "oof", "autoreply"}:
            kinds.add(AutomaticKind.AUTO_REPLY)
        for name in ("precedence", "x-precedence"):
            precedence = value(name)
            if precedence in ("bulk", "junk", "list"):
                kinds.add(AutomaticKind.BULK)
            elif precedence in ("auto_reply", "auto-reply"):
                kinds.add(AutomaticKind.AUTO_REPLY)
        if headers.has("list-id") or headers.has("list-unsubscribe"):
            kinds.add(AutomaticKind.BULK)
        if return_path == "":
            kinds.add(AutomaticKind.NULL_SENDER)
        if report_type in _MACHINE_REPORTS:
            kinds.add(AutomaticKind.AUTO_GENERATED)
        return kinds

    def bounce(
        self, walker: _Walker, headers: _Headers, sender: Address | None, subject: str, text_body: str
    ) -> BounceReport | None:
        original_id: str | None = None
        if walker.returned_headers is not None:
            match = _MESSAGE_ID_LINE.search(walker.returned_headers)
            ids = _message_ids(match.group(1)) if match else []
            original_id = ids[0] if ids else None
        if walker.delivery_status is not None:
            return dsn.parse_delivery_status(walker.delivery_status, original_id)
        sender_address = sender.address if sender else None
        if not dsn.is_daemon_address(sender_address):
            return None
        if original_id is None and walker.returned_headers is None:
            inline = dsn.inline_original_message_id(text_body)
            ids = _message_ids(inline) if inline else []
            original_id = ids[0] if ids else None
        return dsn.guess_bounce(
            sender=sender_address,
            subject=subject,
            failed_recipients=self.text_of(headers, "x-failed-recipients", "X-Failed-Recipients"),
            text_body=text_body,
            original_message_id=original_id,
            has_original=walker.returned_headers is not None,
        )

    def truncate(self, text: str, what: str) -> str:
        if len(text) <= self.max_text_chars:
            return text
        self.notes.add(f"{what} longer than {self.max_text_chars} characters; truncated")
        return text[: self.max_text_chars]

    def bodies(self, message: Message | None, usable: bool, walker: _Walker) -> _Found:
        if message is None:
            data, _cut = _capped(self.raw, self.max_text_chars)
            text, note = decode_text(data, None, "raw message")
            self.notes.add(note)
            return _Found(texts=[_newlines(text)])
        if not usable:
            payload = _stored_payload(message)
            data, _cut = _capped(_raw_bytes(payload) if isinstance(payload, str) else b"", self.max_text_chars)
            text, note = decode_text(data, None, "raw body")
            self.notes.add(note)
            return _Found(texts=[_newlines(text)])
        return walker.walk(message)

    def run(self) -> ParsedEmail:
        notes = self.notes
        if not self.raw.strip():
            notes.add("empty message")
        message, usable = _structure(self.raw, notes)
        headers = self.guard("headers", lambda: _Headers(message), _Headers(None))
        walker = _Walker(notes, self.max_text_chars)
        found = self.guard("message body", lambda: self.bodies(message, usable, walker), _Found())

        html_body = "\n".join(found.htmls) if found.htmls else None
        text_body = "\n\n".join(text.rstrip() for text in found.texts if text.strip())
        if html_body is not None:
            html_body = self.truncate(html_body, "HTML body")
            if not text_body:
                text_body = self.guard("text from HTML", lambda: html_to_text(html_body or ""), "")
        text_body = self.truncate(text_body, "text body")

        referenced: set[str] = set()
        if html_body and "cid:" in html_body.lower():
            for cid in _CID_REFERENCE.findall(html_body):
                referenced.add(cid.lower())
                referenced.add(unquote(cid).lower())
        attachments = tuple(
            ParsedAttachment(
                filename=_clean(item.filename),
                content_type=_clean(item.content_type),
                content=item.content,
                content_id=_clean(item.content_id) if item.content_id else None,
                inline=item.inline or (item.content_id is not None and item.content_id.lower() in referenced),
            )
            for item in found.attachments
        )

        no_ids: tuple[str, ...] = ()
        message_ids = self.guard("Message-ID", lambda: self.ids(headers, "message-id", "Message-ID"), no_ids)
        in_reply_to = self.guard("In-Reply-To", lambda: self.ids(headers, "in-reply-to", "In-Reply-To"), no_ids)
        references = self.guard("References", lambda: self.references(headers), no_ids)
        subject = self.guard("Subject", lambda: self.subject(headers), "")
        sender = self.guard("From", lambda: self.sender(headers), None)
        return_path = self.guard("Return-Path", lambda: self.return_path(headers), None)
        bounce = self.guard("delivery report", lambda: self.bounce(walker, headers, sender, subject, text_body), None)
        automatic = self.guard(
            "auto-reply headers", lambda: self.automatic(headers, return_path, walker.report_type), set[AutomaticKind]()
        )
        if bounce is not None:
            automatic.add(AutomaticKind.BOUNCE)

        def address_list(name: str, label: str) -> tuple[Address, ...]:
            return self.guard(label, lambda: _addresses(headers.all(name), label, notes), ())

        return ParsedEmail(
            message_id=_clean(message_ids[0]) if message_ids else None,
            in_reply_to=tuple(map(_clean, in_reply_to[:MAX_REFERENCES])),
            references=tuple(map(_clean, references)),
            subject=_clean(subject),
            sender=sender,
            reply_to=address_list("reply-to", "Reply-To"),
            to=address_list("to", "To"),
            cc=address_list("cc", "Cc"),
            date=self.guard("Date", lambda: self.date(headers), None),
            return_path=_clean(return_path) if return_path is not None else None,
            text_body=_clean(text_body),
            html_body=_clean(html_body) if html_body is not None else None,
            attachments=attachments,
            automatic=frozenset(automatic),
            bounce=_clean_bounce(bounce),
            warnings=notes.final(),
        )


def _clean_bounce(bounce: BounceReport | None) -> BounceReport | None:
    if bounce is None:
        return None
    return BounceReport(
        original_message_id=_clean(bounce.original_message_id) if bounce.original_message_id else None,
        recipients=tuple(_clean(r) for r in bounce.recipients),
        action=_clean(bounce.action),
        status=_clean(bounce.status),
        diagnostic=_clean(bounce.diagnostic),
    )


def parse_email(raw: bytes, *, max_text_chars: int = 1_000_000) -> ParsedEmail:
    """Everything readable in `raw`, for any input bytes; never raises.

    What could not be read, or was read by guessing (a charset, a broken encoding, a
    truncated body), is described in `warnings`. Bodies longer than `max_text_chars`
    characters are truncated, with a warning.
    """
    try:
        return _Parse(bytes(raw), max_text_chars).run()
    except Exception as exc:  # noqa: BLE001 - the promise is a result for every input
        return ParsedEmail(
            message_id=None,
            in_reply_to=(),
            references=(),
            subject="",
            sender=None,
            reply_to=(),
            to=(),
            cc=(),
            date=None,
            return_path=None,
            text_body="",
            html_body=None,
            attachments=(),
            warnings=(f"message unreadable ({type(exc).__name__}); nothing could be shown",),
        )
