import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from switchboard.core.cursor import decode_cursor, encode_cursor
from switchboard.core.errors import ValidationFailed

# Cursors hold sort keys: ISO timestamps and 64-bit integers.
_SORT_KEYS = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
)


@given(st.lists(_SORT_KEYS, min_size=1, max_size=3))
def test_cursor_round_trips(values: list[object]) -> None:
    assert decode_cursor(encode_cursor(values), expected_length=len(values)) == values


def test_the_longest_real_cursor_fits() -> None:
    values = [4, "2026-11-23T14:07:27.273472+00:00", 2**63 - 1]  # priority sort: rank, created_at, id
    assert decode_cursor(encode_cursor(values), expected_length=3) == values


@pytest.mark.parametrize("cursor", ["", "!!!", "bm90IGpzb24", encode_cursor([1, 2, 3]), "e30", "x" * 600, "é"])
def test_foreign_cursors_are_refused_cleanly(cursor: str) -> None:
    with pytest.raises(ValidationFailed):
        decode_cursor(cursor, expected_length=2)


@given(st.text(max_size=100))
def test_any_text_either_decodes_or_raises_validation_failed(cursor: str) -> None:
    with contextlib.suppress(ValidationFailed):
        decode_cursor(cursor, expected_length=2)
