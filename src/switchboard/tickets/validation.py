"""Input rules for tickets that do not need the database. Pure."""

from __future__ import annotations

import math
import re
from datetime import date
from enum import StrEnum
from typing import Any

from switchboard.core.errors import ValidationFailed


class FieldKind(StrEnum):
    """Types of custom ticket fields."""

    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    SELECT = "select"


MAX_SUBJECT_LENGTH = 500
MAX_NUMBER_FIELD = 1e15  # beyond this JSON numbers lose integer precision in some clients
MAX_BODY_LENGTH = 200_000
MAX_TEXT_FIELD_LENGTH = 10_000
MAX_TAGS_PER_TICKET = 50
_TAG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.:-]{0,63}$")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_subject(subject: str) -> str:
    cleaned = " ".join(_CONTROL_CHARACTERS.sub(" ", subject).split())
    if not cleaned:
        raise ValidationFailed("subject must not be empty")
    if len(cleaned) > MAX_SUBJECT_LENGTH:
        raise ValidationFailed(f"subject is longer than {MAX_SUBJECT_LENGTH} characters")
    return cleaned


def clean_body(body: str, *, allow_empty: bool = False) -> str:
    cleaned = body.replace("\x00", "").replace("\r\n", "\n")
    if not allow_empty and not cleaned.strip():
        raise ValidationFailed("message body must not be empty")
    if len(cleaned) > MAX_BODY_LENGTH:
        raise ValidationFailed(f"message body is longer than {MAX_BODY_LENGTH} characters")
    return cleaned


def normalise_tag(tag: str) -> str:
    normalised = tag.strip().lower().replace(" ", "_")
    if not _TAG_PATTERN.fullmatch(normalised):
        raise ValidationFailed(f"tag {tag[:70]!r} is not valid: 1-64 characters of a-z, 0-9, '_', '.', ':' or '-'")
    return normalised


def normalise_field_value(key: str, kind: FieldKind, options: list[str], value: Any) -> Any:
    """The stored form of a custom field value, or `ValidationFailed`. None clears a field."""
    if value is None:
        return None
    if kind is FieldKind.TEXT:
        if not isinstance(value, str):
            raise ValidationFailed(f"field {key!r} takes text")
        if len(value) > MAX_TEXT_FIELD_LENGTH:
            raise ValidationFailed(f"field {key!r} is longer than {MAX_TEXT_FIELD_LENGTH} characters")
        return value.replace("\x00", "")
    if kind is FieldKind.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationFailed(f"field {key!r} takes a number")
        if not math.isfinite(value) or abs(value) > MAX_NUMBER_FIELD:
            raise ValidationFailed(f"field {key!r} takes a finite number under {MAX_NUMBER_FIELD:g}")
        return value
    if kind is FieldKind.DATE:
        if not isinstance(value, str):
            raise ValidationFailed(f"field {key!r} takes a date as YYYY-MM-DD")
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError as exc:
            raise ValidationFailed(f"field {key!r} takes a date as YYYY-MM-DD") from exc
    if not isinstance(value, str) or value not in options:
        raise ValidationFailed(f"field {key!r} takes one of: {', '.join(options)}")
    return value
