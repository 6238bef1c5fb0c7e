import pytest

from switchboard.core.html import sanitise_html


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src='https://evil.example'></iframe>",
        "<style>body{display:none}</style>",
        '<svg onload="alert(1)"></svg>',
        "<form action=/x><input name=a></form>",
    ],
)
def test_active_content_is_removed(hostile: str) -> None:
    cleaned = sanitise_html(hostile).lower()
    for marker in ("<script", "onerror", "javascript:", "<iframe", "<style", "onload", "<form", "<input"):
        assert marker not in cleaned


def test_formatting_and_safe_links_survive() -> None:
    cleaned = sanitise_html('<p>Hi <strong>there</strong> <a href="https://example.com">link</a></p>')
    assert "<strong>there</strong>" in cleaned
    assert 'href="https://example.com"' in cleaned
    assert "noopener" in cleaned
