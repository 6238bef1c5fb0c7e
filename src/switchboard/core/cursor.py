"""Opaque keyset-pagination cursors: the sort key and id of the last row seen."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from switchboard.core.errors import ValidationFailed

MAX_CURSOR_LENGTH = 512


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, expected_length: int) -> list[Any]:
    """Decode a cursor made by `encode_cursor`; anything else is a `ValidationFailed`."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise ValidationFailed("cursor is too long")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError) as exc:
        raise ValidationFailed("cursor is not valid; use next_cursor from a previous page") from exc
    if not isinstance(values, list) or len(values) != expected_length:
        raise ValidationFailed("cursor does not belong to this listing")
    return values
