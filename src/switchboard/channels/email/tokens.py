"""Signed tokens carried in the plus-part of our Reply-To address.

A **reply token**, `support+1a2b.k3j4h5g6@example.test`, names ticket id 0x1a2b (base
36) and carries an HMAC so that nobody can attach mail to a ticket by guessing its
number. A **note token**, `support+note.1a2b.k3j4h5g6@example.test`, is the Reply-To of
an internal note emailed to a colleague or vendor: what comes back to it is kept as an
internal note, never shown to the customer. The two are signed for different purposes
and spelled differently (a note token has two dots, a reply token one), so neither can
be read as, or forged from, the other.

Lower case only: some mail systems lower-case local parts. Pure: the secret is passed in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable

_TOKEN = re.compile(r"([0-9a-z]{1,13})\.([a-z2-7]{8})")
_NOTE_TOKEN = re.compile(r"note\.([0-9a-z]{1,13})\.([a-z2-7]{8})")
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_PURPOSE = b"switchboard/email-reply-token/v1:"
_NOTE_PURPOSE = b"switchboard/email-note-token/v1:"


def _to_base36(number: int) -> str:
    if number <= 0:
        raise ValueError("ticket ids are positive")
    digits = []
    while number:
        number, remainder = divmod(number, 36)
        digits.append(_DIGITS[remainder])
    return "".join(reversed(digits))


def _signature(secret: str, ticket_id: int, purpose: bytes = _PURPOSE) -> str:
    mac = hmac.new(secret.encode(), purpose + str(ticket_id).encode(), hashlib.sha256).digest()
    # 40 bits: a forger needs ~10^12 attempts per ticket, and each attempt is an email.
    return base64.b32encode(mac[:5]).decode().lower()


def _read(secret: str, token: str, pattern: re.Pattern[str], purpose: bytes) -> int | None:
    match = pattern.fullmatch(token.strip().lower())
    if match is None:
        return None
    ticket_id = int(match.group(1), 36)
    if ticket_id <= 0 or not hmac.compare_digest(_signature(secret, ticket_id, purpose), match.group(2)):
        return None
    return ticket_id


def make_reply_token(secret: str, ticket_id: int) -> str:
    return f"{_to_base36(ticket_id)}.{_signature(secret, ticket_id)}"


def read_reply_token(secret: str, token: str) -> int | None:
    """The ticket id a genuine reply token names, or None for anything else (note tokens too)."""
    return _read(secret, token, _TOKEN, _PURPOSE)


def make_note_token(secret: str, ticket_id: int) -> str:
    return f"note.{_to_base36(ticket_id)}.{_signature(secret, ticket_id, _NOTE_PURPOSE)}"


def read_note_token(secret: str, token: str) -> int | None:
    """The ticket id a genuine note token names, or None for anything else (reply tokens too)."""
    return _read(secret, token, _NOTE_TOKEN, _NOTE_PURPOSE)


def split_plus_address(address: str) -> tuple[str, str | None]:
    """(`local@domain` without the plus part, the plus part or None), lower-cased."""
    address = address.strip().lower()
    local, at, domain = address.rpartition("@")
    if not at:
        return address, None
    base, plus, tag = local.partition("+")
    return f"{base}@{domain}", (tag if plus else None)


def reply_address(inbox_address: str, token: str) -> str:
    base, _ = split_plus_address(inbox_address)
    local, _, domain = base.rpartition("@")
    return f"{local}+{token}@{domain}"


def _ticket_from(
    addresses: list[str], inbox_addresses: frozenset[str], read: Callable[[str], int | None]
) -> int | None:
    for address in addresses:
        base, tag = split_plus_address(address)
        if tag and base in inbox_addresses:
            ticket_id = read(tag)
            if ticket_id is not None:
                return ticket_id
    return None


def ticket_from_addresses(secret: str, addresses: list[str], inbox_addresses: frozenset[str]) -> int | None:
    """The ticket named by a genuine reply token on any of our own addresses among `addresses`."""
    return _ticket_from(addresses, inbox_addresses, lambda tag: read_reply_token(secret, tag))


def note_ticket_from_addresses(secret: str, addresses: list[str], inbox_addresses: frozenset[str]) -> int | None:
    """The ticket named by a genuine note token on any of our own addresses among `addresses`."""
    return _ticket_from(addresses, inbox_addresses, lambda tag: read_note_token(secret, tag))
