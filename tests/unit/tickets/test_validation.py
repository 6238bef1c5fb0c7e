import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from switchboard.core.errors import ValidationFailed
from switchboard.tickets.models import FieldKind
from switchboard.tickets.validation import (
    MAX_BODY_LENGTH,
    MAX_SUBJECT_LENGTH,
    clean_body,
    clean_subject,
    normalise_field_value,
    normalise_tag,
)


def test_subject_whitespace_and_control_characters_are_collapsed() -> None:
    assert clean_subject("  Refund\x00 please\r\n now ") == "Refund please now"


@pytest.mark.parametrize("subject", ["", "   ", "\x00\x01", "x" * (MAX_SUBJECT_LENGTH + 1)])
def test_bad_subjects_are_refused(subject: str) -> None:
    with pytest.raises(ValidationFailed):
        clean_subject(subject)


@given(st.text(max_size=600))
def test_clean_subject_either_refuses_or_returns_a_short_printable_line(subject: str) -> None:
    try:
        cleaned = clean_subject(subject)
    except ValidationFailed:
        return
    assert 0 < len(cleaned) <= MAX_SUBJECT_LENGTH
    assert "\n" not in cleaned and "\x00" not in cleaned


def test_body_keeps_newlines_drops_nul_and_refuses_oversize() -> None:
    assert clean_body("a\r\nb\x00") == "a\nb"
    with pytest.raises(ValidationFailed):
        clean_body("x" * (MAX_BODY_LENGTH + 1))
    with pytest.raises(ValidationFailed):
        clean_body(" \n ")


@pytest.mark.parametrize(
    ("raw", "expected"), [("VIP", "vip"), ("needs review", "needs_review"), ("a:b-c.d", "a:b-c.d")]
)
def test_tags_are_normalised(raw: str, expected: str) -> None:
    assert normalise_tag(raw) == expected


@pytest.mark.parametrize("raw", ["", "-lead", "x" * 65, "émoji", "<script>", "a/b"])
def test_bad_tags_are_refused(raw: str) -> None:
    with pytest.raises(ValidationFailed):
        normalise_tag(raw)


@pytest.mark.parametrize(
    ("kind", "options", "value", "expected"),
    [
        (FieldKind.TEXT, [], "hello", "hello"),
        (FieldKind.NUMBER, [], 3, 3),
        (FieldKind.NUMBER, [], 2.5, 2.5),
        (FieldKind.DATE, [], "2026-02-28", "2026-02-28"),
        (FieldKind.SELECT, ["a", "b"], "b", "b"),
        (FieldKind.TEXT, [], None, None),
    ],
)
def test_field_values_accepted(kind: FieldKind, options: list[str], value: object, expected: object) -> None:
    assert normalise_field_value("f", kind, options, value) == expected


@pytest.mark.parametrize(
    ("kind", "options", "value"),
    [
        (FieldKind.TEXT, [], 5),
        (FieldKind.TEXT, [], "x" * 10_001),
        (FieldKind.NUMBER, [], "5"),
        (FieldKind.NUMBER, [], True),
        (FieldKind.NUMBER, [], math.inf),
        (FieldKind.NUMBER, [], math.nan),
        (FieldKind.NUMBER, [], 1e16),
        (FieldKind.DATE, [], "2026-02-30"),
        (FieldKind.DATE, [], 20260101),
        (FieldKind.SELECT, ["a"], "c"),
        (FieldKind.SELECT, ["a"], ["a"]),
    ],
)
def test_field_values_refused(kind: FieldKind, options: list[str], value: object) -> None:
    with pytest.raises(ValidationFailed):
        normalise_field_value("f", kind, options, value)
