"""Properties of parse_email: total on any bytes, faithful on simple well-formed mail."""

from __future__ import annotations

from email.header import Header

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from switchboard.channels.email.parse import parse_email
from tests.unit.email.test_parse import assert_storable

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HEADER_NAMES = st.sampled_from(
    [
        "From",
        "To",
        "Cc",
        "Reply-To",
        "Subject",
        "Date",
        "Message-ID",
        "In-Reply-To",
        "References",
        "Return-Path",
        "Content-Type",
        "Content-Transfer-Encoding",
        "Content-Disposition",
        "Content-ID",
        "Auto-Submitted",
        "Precedence",
        "X-Failed-Recipients",
    ]
)
# Header values drawn from the characters that break parsers: separators, quotes, brackets,
# encoded-word and parameter syntax, folding, 8-bit and control bytes.
VALUE_TEXT = st.lists(
    st.sampled_from(
        [*"ab@.<>\"'();:,=?*%\\/ \t\r\n-_", "=?utf-8?b?", "=?x?q?", "?=", "multipart/", "\x00", "é", "\udcff"]
    ),
    max_size=30,
).map("".join)
BODY_TEXT = st.binary(max_size=400) | st.text(max_size=400).map(lambda text: text.encode("utf-8", "surrogatepass"))


@FAST
@given(st.binary(max_size=2000))
def test_any_bytes_give_a_storable_result(raw: bytes) -> None:
    assert_storable(parse_email(raw))


@FAST
@given(st.lists(st.tuples(HEADER_NAMES, VALUE_TEXT), max_size=12), BODY_TEXT)
def test_any_headers_and_body_give_a_storable_result(headers: list[tuple[str, str]], body: bytes) -> None:
    head = "".join(f"{name}: {value}\r\n" for name, value in headers).encode("utf-8", "surrogateescape")
    assert_storable(parse_email(head + b"\r\n" + body))


@FAST
@given(st.lists(st.tuples(HEADER_NAMES, VALUE_TEXT), max_size=6), st.binary(max_size=300))
def test_multipart_skeletons_give_a_storable_result(headers: list[tuple[str, str]], inner: bytes) -> None:
    part = "".join(f"{name}: {value}\r\n" for name, value in headers).encode("utf-8", "surrogateescape")
    raw = b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n' + part + b"\r\n" + inner + b"\r\n--b--\r\n"
    assert_storable(parse_email(raw))


ASCII_WORDS = st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=12)


@FAST
@given(st.lists(ASCII_WORDS, min_size=1, max_size=8), st.lists(ASCII_WORDS, min_size=1, max_size=30))
def test_plain_ascii_subject_and_body_round_trip(subject_words: list[str], body_words: list[str]) -> None:
    subject = " ".join(subject_words)
    body = " ".join(body_words)
    raw = f"From: a@example.com\r\nSubject: {subject}\r\nMessage-ID: <p@example.com>\r\n\r\n{body}\r\n".encode()
    parsed = parse_email(raw)
    # An ASCII subject that happens to spell an encoded word is decoded, as it should be.
    if "=?" not in subject:
        assert parsed.subject == subject
    assert parsed.text_body == body
    assert parsed.message_id == "p@example.com"
    assert parsed.warnings == ()


@FAST
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=100))
def test_unicode_subject_round_trips_through_rfc2047(subject: str) -> None:
    encoded = Header(subject, "utf-8").encode()
    parsed = parse_email(f"From: a@example.com\r\nSubject: {encoded}\r\n\r\n".encode())
    assert parsed.subject == " ".join(subject.replace("\x00", "\ufffd").split())
