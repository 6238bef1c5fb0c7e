import pytest

from switchboard.core.text import escape_like


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("plain", "plain"),
        ("100%", "100\\%"),
        ("a_b", "a\\_b"),
        ("back\\slash", "back\\\\slash"),
        ("%_\\", "\\%\\_\\\\"),
    ],
)
def test_like_wildcards_become_literal(raw: str, escaped: str) -> None:
    assert escape_like(raw) == escaped
