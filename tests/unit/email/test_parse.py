"""parse_email on messages built here, one trap or feature at a time."""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from switchboard.channels.email.html_text import html_to_text
from switchboard.channels.email.message import Address, AutomaticKind, ParsedEmail
from switchboard.channels.email.parse import MAX_DEPTH, parse_email


def strings_in(parsed: ParsedEmail) -> Iterator[str]:
    """Every string the parser produced, wherever it sits in the result."""
    stack: list[object] = [parsed]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            yield value
        elif isinstance(value, tuple | list | frozenset):
            stack.extend(value)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            stack.extend(getattr(value, f.name) for f in dataclasses.fields(value))


def assert_storable(parsed: ParsedEmail) -> None:
    """What PostgreSQL will accept: UTF-8 text without NUL, aware datetimes."""
    assert isinstance(parsed, ParsedEmail)
    for text in strings_in(parsed):
        assert "\x00" not in text
        text.encode("utf-8")  # raises on lone surrogates
    if parsed.date is not None:
        assert parsed.date.tzinfo is not None
    for attachment in parsed.attachments:
        assert isinstance(attachment.content, bytes)
        assert "/" not in attachment.filename and "\\" not in attachment.filename
        assert len(attachment.filename) <= 255


def message(*headers: str, body: bytes | str = "Hello\n") -> bytes:
    raw_body = body.encode() if isinstance(body, str) else body
    return "\r\n".join(headers).encode() + b"\r\n\r\n" + raw_body


def parse(raw: bytes, **kwargs: int) -> ParsedEmail:
    parsed = parse_email(raw, **kwargs)
    assert_storable(parsed)
    return parsed


BASIC = (
    "From: Ada Lovelace <Ada@Example.COM>",
    "To: Bob <bob@example.com>, carol@example.com",
    "Cc: Dan <dan@example.com>",
    "Reply-To: help@example.com",
    "Subject: Printer on fire",
    "Date: Tue, 3 Mar 2026 09:15:00 +0100",
    "Message-ID: <abc123@example.com>",
)


# -- plain messages, headers --------------------------------------------------------------


def test_plain_message() -> None:
    parsed = parse(message(*BASIC, body="Hello,\r\nthe printer is on fire.\r\n"))
    assert parsed.subject == "Printer on fire"
    assert parsed.sender == Address("ada@example.com", "Ada Lovelace")
    assert parsed.to == (Address("bob@example.com", "Bob"), Address("carol@example.com"))
    assert parsed.cc == (Address("dan@example.com", "Dan"),)
    assert parsed.reply_to == (Address("help@example.com"),)
    assert parsed.date == datetime(2026, 3, 3, 8, 15, tzinfo=UTC)
    assert parsed.date is not None and parsed.date.utcoffset() == timedelta(hours=1)
    assert parsed.message_id == "abc123@example.com"
    assert parsed.text_body == "Hello,\nthe printer is on fire."
    assert parsed.html_body is None
    assert parsed.attachments == ()
    assert parsed.automatic == frozenset()
    assert parsed.bounce is None
    assert parsed.return_path is None
    assert parsed.warnings == ()


def test_rfc2047_subject_and_names() -> None:
    # The UTF-8 "é" is split across two encoded words, as real encoders do.
    parsed = parse(
        message(
            "From: =?ISO-8859-1?Q?Andr=E9?= <andre@example.com>",
            "To: =?utf-8?b?0JDQu9C10LrRgdCw0L3QtNGA?= <alex@example.com>",
            "Subject: =?UTF-8?B?Q2Fmw6k=?= =?utf-8?q?_au_lait?= and =?utf-8?B?w6k=?=",
        )
    )
    assert parsed.subject == "Café au lait and é"
    assert parsed.sender == Address("andre@example.com", "André")
    assert parsed.to == (Address("alex@example.com", "Александр"),)
    split = parse(message("From: a@example.com", "Subject: =?utf-8?B?ww==?= =?utf-8?B?qcOp?="))
    assert split.subject == "éé"


def test_raw_utf8_headers() -> None:
    raw = "From: Jörg <jorg@example.com>\r\nSubject: Grüße\r\n\r\nbody".encode()
    parsed = parse(raw)
    assert parsed.subject == "Grüße"
    assert parsed.sender == Address("jorg@example.com", "Jörg")
    assert parsed.warnings == ()


def test_subject_whitespace_collapsed_and_folding_undone() -> None:
    parsed = parse(message("From: a@example.com", "Subject: one\r\n   two\r\n\tthree  four"))
    assert parsed.subject == "one two three four"


def test_missing_from_is_a_warning() -> None:
    parsed = parse(message("To: a@example.com", "Subject: anonymous"))
    assert parsed.sender is None
    assert "no From header" in parsed.warnings
    assert parsed.text_body == "Hello"


def test_from_without_angle_brackets() -> None:
    parsed = parse(message("From: Big Bug bb@bug.example"))
    assert parsed.sender == Address("bb@bug.example", "Big Bug")


def test_local_sender_without_domain() -> None:
    parsed = parse(message("From: MAILER-DAEMON (Mail Delivery System)", "To: root"))
    assert parsed.sender == Address("mailer-daemon", "Mail Delivery System")
    assert parsed.to == ()  # nobody to reply to


def test_unreadable_from() -> None:
    parsed = parse(message("From: MAILER DAEMON <>", "Subject: x"))
    assert parsed.sender is None
    assert any("From header" in warning for warning in parsed.warnings)


def test_cr_lf_in_address_headers() -> None:
    raw = message(
        "From: =?utf-8?q?Evil=0D=0ABcc=3A_x=40example=2Ecom?= <evil@example.com>",
        "To: first@example.com,\r\n second@example.com,\r\n\tThird Person\r\n <third@example.com>",
    )
    parsed = parse(raw)
    assert parsed.sender is not None
    assert parsed.sender.address == "evil@example.com"
    assert "\r" not in parsed.sender.name and "\n" not in parsed.sender.name
    assert [a.address for a in parsed.to] == ["first@example.com", "second@example.com", "third@example.com"]
    assert parsed.to[2].name == "Third Person"


def test_group_syntax() -> None:
    parsed = parse(
        message(
            "From: a@example.com",
            "To: undisclosed-recipients:;",
            "Cc: Team: one@example.com, Two <two@example.com>;, three@example.com",
        )
    )
    assert parsed.to == ()
    assert [a.address for a in parsed.cc] == ["one@example.com", "two@example.com", "three@example.com"]


def test_garbage_address_headers() -> None:
    parsed = parse(message("From: a@example.com", 'To: <<>> @@ ,, ;;; "unterminated', "Cc: ,,,"))
    assert parsed.to == ()
    assert parsed.cc == ()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Date: Tue, 3 Mar 2026 09:15:00 -0000", datetime(2026, 3, 3, 9, 15, tzinfo=UTC)),  # naive: assume UTC
        ("Date: 3 Mar 2026 09:15 GMT", datetime(2026, 3, 3, 9, 15, tzinfo=UTC)),
        (
            "Date: Tue, 03 Mar 2026 09:15:00 -0500 (EST)",
            datetime(2026, 3, 3, 9, 15, tzinfo=timezone(-timedelta(hours=5))),
        ),
    ],
)
def test_dates(header: str, expected: datetime) -> None:
    parsed = parse(message("From: a@example.com", header))
    assert parsed.date == expected
    assert parsed.date is not None and parsed.date.tzinfo is not None


@pytest.mark.parametrize(
    "value", ["<HR>", "Pn, 29 paX 2007 21:13:00 +0100", "Wed, 15 Dec 2010 59:10 -0500", "", "99999"]
)
def test_bad_date(value: str) -> None:
    parsed = parse(message("From: a@example.com", f"Date: {value}"))
    assert parsed.date is None
    assert any("Date" in warning for warning in parsed.warnings)


# -- message ids --------------------------------------------------------------------------


def test_message_ids_tolerant() -> None:
    parsed = parse(
        message(
            "From: a@example.com",
            "Message-ID:   bare-id@example.com  ",
            "In-Reply-To: <one@example.com> (Joe's message of Monday)",
            "References: <r1@example.com>\r\n <r2@\r\n example.com> garbage <> <r3@example.com>",
            "References: <r4@example.com>",
        )
    )
    assert parsed.message_id == "bare-id@example.com"
    assert parsed.in_reply_to == ("one@example.com",)
    assert parsed.references == ("r1@example.com", "r2@example.com", "r3@example.com", "r4@example.com")


def test_message_id_without_at_and_garbage() -> None:
    assert parse(message("From: a@example.com", "Message-ID: <local-only>")).message_id == "local-only"
    assert parse(message("From: a@example.com", "Message-ID: <>")).message_id is None
    assert parse(message("From: a@example.com", "In-Reply-To: no id here at all")).in_reply_to == ()


def test_message_id_limits() -> None:
    references = " ".join(f"<id{n}@example.com>" for n in range(150))
    parsed = parse(
        message("From: a@example.com", f"Message-ID: <{'x' * 5000}@example.com>", f"References: {references}")
    )
    assert parsed.message_id is not None and len(parsed.message_id) == 998
    assert len(parsed.references) == 100
    assert parsed.references[0] == "id50@example.com"
    assert parsed.references[-1] == "id149@example.com"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<>", ""),
        (" < > ", ""),
        ("<MAILER-DAEMON>", ""),
        ("<Bounces@Example.com>", "bounces@example.com"),
        ("plain@example.com", "plain@example.com"),
    ],
)
def test_return_path(value: str, expected: str) -> None:
    assert parse(message("From: a@example.com", f"Return-Path: {value}")).return_path == expected


# -- bodies -------------------------------------------------------------------------------

HTML_ONLY = """<html><head><title>Title</title><style>p {color: red}</style></head>
<body><p>Hello&nbsp;<b>there</b>,</p><div>line two</div><script>alert(1)</script>
<ul><li>one</li><li>two</li></ul></body></html>"""


def test_html_only_gets_a_text_body() -> None:
    parsed = parse(message("From: a@example.com", "Content-Type: text/html; charset=utf-8", body=HTML_ONLY))
    assert parsed.html_body == HTML_ONLY.replace("\r\n", "\n")
    assert parsed.text_body == "Hello there,\n\nline two\n\n- one\n- two"
    assert "alert" not in parsed.text_body and "color" not in parsed.text_body and "Title" not in parsed.text_body


def test_html_to_text_never_raises_on_hostile_markup() -> None:
    for markup in [
        "<",
        "<!",
        "<![if !supportLists]>x<![endif]>",
        "<a href='x",
        "</p></p><p",
        "&#0;&#xD800;",
        "<?xml?>",
    ]:
        assert isinstance(html_to_text(markup), str)
    assert html_to_text("<pre>  keep\n    indent</pre>") == "keep\n    indent"
    assert html_to_text("a<br><br>b") == "a\n\nb"


def alternative(plain: str, html: str) -> str:
    return (
        "--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{plain}\r\n"
        "--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        f"{html}\r\n"
        "--alt--\r\n"
    )


def test_alternative_prefers_plain_for_text_and_keeps_html() -> None:
    body = alternative("Plain words", "<p>HTML words</p>")
    parsed = parse(message("From: a@example.com", 'Content-Type: multipart/alternative; boundary="alt"', body=body))
    assert parsed.text_body == "Plain words"
    assert parsed.html_body == "<p>HTML words</p>"
    assert parsed.attachments == ()


def test_alternative_with_empty_plain_uses_html() -> None:
    body = alternative("   ", "<p>Only here</p>")
    parsed = parse(message("From: a@example.com", 'Content-Type: multipart/alternative; boundary="alt"', body=body))
    assert parsed.text_body == "Only here"


PDF = b"%PDF-1.4 fake\x00\xff binary"


def test_mixed_with_attachment_and_several_text_parts() -> None:
    encoded = base64.encodebytes(PDF).decode()
    body = (
        "--mix\r\nContent-Type: multipart/alternative; boundary=alt\r\n\r\n"
        + alternative("Main text", "<p>Main html</p>")
        + "\r\n--mix\r\nContent-Type: application/pdf; name=report.pdf\r\n"
        'Content-Disposition: attachment; filename="report.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        f"{encoded}\r\n"
        "--mix\r\nContent-Type: text/plain\r\n\r\nFooter from the list\r\n"
        "--mix\r\nContent-Type: text/plain; name=notes.txt\r\nContent-Disposition: attachment\r\n\r\nattached notes\r\n"
        "--mix--\r\n"
    )
    parsed = parse(message("From: a@example.com", "Content-Type: multipart/mixed; boundary=mix", body=body))
    assert parsed.text_body == "Main text\n\nFooter from the list"
    assert parsed.html_body == "<p>Main html</p>"
    assert [(a.filename, a.content_type, a.inline) for a in parsed.attachments] == [
        ("report.pdf", "application/pdf", False),
        ("notes.txt", "text/plain", False),
    ]
    assert parsed.attachments[0].content == PDF
    assert parsed.attachments[1].content == b"attached notes"


PNG = b"\x89PNG\r\n\x1a\n fake image"


def test_inline_cid_image() -> None:
    encoded = base64.b64encode(PNG).decode()
    body = (
        "--rel\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        '<p>Logo: <img src="cid:logo@example.com"></p>\r\n'
        "--rel\r\nContent-Type: image/png\r\nContent-ID: <logo@example.com>\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        f"{encoded}\r\n"
        "--rel\r\nContent-Type: image/gif; name=other.gif\r\nContent-ID: <unused@example.com>\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nR0lGODlh\r\n"
        "--rel\r\nContent-Type: image/jpeg; name=shown.jpg\r\nContent-Disposition: inline\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n/9j/\r\n"
        "--rel--\r\n"
    )
    parsed = parse(message("From: a@example.com", "Content-Type: multipart/related; boundary=rel", body=body))
    logo, other, shown = parsed.attachments
    assert (logo.content_id, logo.inline, logo.content, logo.filename) == ("logo@example.com", True, PNG, "")
    assert (other.content_id, other.inline, other.filename) == ("unused@example.com", False, "other.gif")
    assert (shown.inline, shown.filename, shown.content) == (True, "shown.jpg", b"\xff\xd8\xff")
    assert parsed.text_body == "Logo:"


def test_forwarded_message_becomes_an_attachment() -> None:
    body = (
        "--mix\r\nContent-Type: text/plain\r\n\r\nSee below.\r\n"
        "--mix\r\nContent-Type: message/rfc822\r\n\r\n"
        "From: someone@example.org\r\nSubject: Original\r\nMessage-ID: <orig@example.org>\r\n\r\nOriginal body\r\n"
        "--mix--\r\n"
    )
    parsed = parse(message("From: a@example.com", "Content-Type: multipart/mixed; boundary=mix", body=body))
    assert parsed.text_body == "See below."
    (forwarded,) = parsed.attachments
    assert forwarded.content_type == "message/rfc822"
    assert forwarded.filename == "forwarded message.eml"
    assert b"Subject: Original" in forwarded.content and b"Original body" in forwarded.content
    assert parsed.bounce is None  # a forwarded mail is not a bounce


def test_max_text_chars() -> None:
    parsed = parse(message("From: a@example.com", body="x" * 5000), max_text_chars=100)
    assert parsed.text_body == "x" * 100
    assert any("truncated" in warning for warning in parsed.warnings)


def test_uuencoded_attachment() -> None:
    body = "--b\r\nContent-Type: application/octet-stream; name=a.bin\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n"
    body += "begin 644 a.bin\r\n%:&5L;&\\`\r\n`\r\nend\r\n--b--\r\n"
    parsed = parse(message("From: a@example.com", "Content-Type: multipart/mixed; boundary=b", body=body))
    assert parsed.attachments[0].content == b"hello"


def test_missing_boundary_shows_raw_text() -> None:
    parsed = parse(message("From: a@example.com", "Content-Type: multipart/mixed", body="just text\r\n"))
    assert parsed.text_body == "just text"
    assert any(warning.startswith("body structure unreadable") for warning in parsed.warnings)


def test_unknown_transfer_encoding_is_read_as_8bit() -> None:
    parsed = parse(message("From: a@example.com", "Content-Transfer-Encoding: x-zorg", body="text"))
    assert parsed.text_body == "text"
    assert any("x-zorg" in warning for warning in parsed.warnings)


def test_quoted_printable_spelled_loosely() -> None:
    parsed = parse(
        message("From: a@example.com", "Content-Transfer-Encoding: Quoted Printable", body="caf=C3=A9=\r\n!")
    )
    assert parsed.text_body == "café!"


# -- filenames ----------------------------------------------------------------------------


def attachment_message(*part_headers: str) -> bytes:
    part = "\r\n".join(part_headers)
    body = f"--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n--b\r\n{part}\r\n\r\ncontent\r\n--b--\r\n"
    return message("From: a@example.com", "Content-Type: multipart/mixed; boundary=b", body=body)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            ("Content-Type: text/plain", "Content-Disposition: attachment; filename*=UTF-8''na%C3%AFve%20file.txt"),
            "naïve file.txt",
        ),
        (
            (
                "Content-Type: application/octet-stream",
                "Content-Disposition: attachment;\r\n filename*0*=utf-8''%E6%97%A5%E6%9C%AC;\r\n filename*1=.txt",
            ),
            "日本.txt",
        ),
        (('Content-Type: application/octet-stream; name="=?UTF-8?B?w6lsw6h2ZS5wZGY=?="',), "élève.pdf"),
        (
            ("Content-Type: application/octet-stream", 'Content-Disposition: attachment; filename="../../etc/passwd"'),
            "passwd",
        ),
        (
            (
                "Content-Type: application/octet-stream",
                'Content-Disposition: attachment; filename="C:\\\\Win\\\\evil.exe"',
            ),
            "evil.exe",
        ),
        (
            ("Content-Type: application/octet-stream", 'Content-Disposition: attachment; filename="a\tb\u202ec.txt"'),
            "abc.txt",
        ),
        (("Content-Type: application/octet-stream", 'Content-Disposition: attachment; filename=".."'), ""),
        (("Content-Type: application/octet-stream",), ""),
        (
            ("Content-Type: application/octet-stream", 'Content-Disposition: attachment; filename="x\\"y.txt"'),
            'x"y.txt',
        ),
    ],
)
def test_attachment_filenames(headers: tuple[str, ...], expected: str) -> None:
    parsed = parse(attachment_message(*headers))
    (attachment,) = parsed.attachments
    assert attachment.filename == expected


def test_long_filename_keeps_its_extension() -> None:
    parsed = parse(
        attachment_message(
            "Content-Type: application/pdf", f'Content-Disposition: attachment; filename="{"a" * 400}.pdf"'
        )
    )
    (attachment,) = parsed.attachments
    assert len(attachment.filename) == 255
    assert attachment.filename.endswith("a.pdf")


def test_invalid_content_type_on_an_attachment() -> None:
    parsed = parse(attachment_message("Content-Type: garbage", "Content-Disposition: attachment; filename=x.bin"))
    assert parsed.attachments[0].content_type == "application/octet-stream"


# -- charsets -----------------------------------------------------------------------------


def test_unknown_charset_falls_back() -> None:
    parsed = parse(
        message("From: a@example.com", "Content-Type: text/plain; charset=x-foo", body="caf\xe9".encode("latin-1"))
    )
    assert parsed.text_body == "café"
    assert "unknown charset 'x-foo' in text/plain part; read as windows-1252" in parsed.warnings
    parsed = parse(message("From: a@example.com", "Content-Type: text/plain; charset=x-foo", body="café"))
    assert parsed.text_body == "café"


@pytest.mark.parametrize("label", ["x-unknown", "unknown-8bit", '""'])
def test_unknown_labels_are_sniffed(label: str) -> None:
    parsed = parse(message("From: a@example.com", f"Content-Type: text/plain; charset={label}", body="ünïcode"))
    assert parsed.text_body == "ünïcode"
    assert parsed.warnings == ()


@pytest.mark.parametrize(
    ("label", "body", "expected"),
    [
        ("utf8", "naïve".encode(), "naïve"),
        ("ks_c_5601-1987", "한국어".encode("cp949"), "한국어"),
        ("Shift_JIS", "日本語①".encode("cp932"), "日本語①"),
        ("gb2312", "中文".encode("gbk"), "中文"),
        ("iso-8859-1", "price €5 – “quoted”".encode("cp1252"), "price €5 – “quoted”"),
        ("windows-874", "ภาษาไทย".encode("cp874"), "ภาษาไทย"),
        ("iso-2022-jp", "日本語です".encode("iso2022_jp"), "日本語です"),
    ],
)
def test_charset_aliases(label: str, body: bytes, expected: str) -> None:
    parsed = parse(message("From: a@example.com", f"Content-Type: text/plain; charset={label}", body=body))
    assert parsed.text_body == expected
    assert parsed.warnings == ()


def test_us_ascii_label_over_utf8_bytes() -> None:
    parsed = parse(message("From: a@example.com", "Content-Type: text/plain; charset=us-ascii", body="Grüße 😀"))
    assert parsed.text_body == "Grüße 😀"


def test_utf8_label_over_latin1_bytes() -> None:
    raw = message("From: a@example.com", "Content-Type: text/plain; charset=utf-8", body="déjà vu".encode("latin-1"))
    parsed = parse(raw)
    assert parsed.text_body == "déjà vu"
    assert any("declared utf-8 but is not" in warning for warning in parsed.warnings)


def test_utf8_with_one_broken_byte_stays_utf8() -> None:
    raw = message(
        "From: a@example.com", "Content-Type: text/plain; charset=utf-8", body="Grüße aus Köln ".encode() + b"\xff"
    )
    parsed = parse(raw)
    assert parsed.text_body == "Grüße aus Köln \ufffd"


def test_undeclared_header_bytes_follow_the_body_charset() -> None:
    raw = "From: a@example.com\r\nSubject: 中文主题\r\nContent-Type: text/plain; charset=gb2312\r\n\r\n中文".encode(
        "gbk"
    )
    parsed = parse(raw)
    assert parsed.subject == "中文主题"
    assert parsed.text_body == "中文"


def test_dangerous_codecs_are_not_used() -> None:
    for label in ["unicode_escape", "raw_unicode_escape", "base64", "rot13", "idna", "utf-7"]:
        raw = message(
            "From: a@example.com", f"Content-Type: text/plain; charset={label}", body=b"\\x00 \\ud800 +2AA- aGk="
        )
        parsed = parse(raw)
        assert "\\x00" in parsed.text_body or label == "utf-7"


def test_nul_bytes_and_surrogates_are_replaced() -> None:
    raw = message(
        "From: a@example.com",
        "Subject: nul=?utf-8?q?=00?=here",
        "Content-Type: text/plain; charset=utf-7",
        body=b"a\x00b +2AA- c",
    )
    parsed = parse(raw)
    assert parsed.subject == "nul\ufffdhere"
    assert parsed.text_body.startswith("a\ufffdb")
    assert "\ud800" not in parsed.text_body
    parsed = parse(
        message("From: a@example.com", "Content-Type: text/plain; charset=utf-16-le", body="x\x00y".encode("utf-16-le"))
    )
    assert parsed.text_body == "x\ufffdy"


def test_bad_base64() -> None:
    body = base64.b64encode("Ünïcödé body text".encode()).decode().rstrip("=")  # padding lost
    body = body[:8] + "!!\r\n" + body[8:]  # junk in the middle
    raw = message(
        "From: a@example.com", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64", body=body
    )
    parsed = parse(raw)
    assert parsed.text_body == "Ünïcödé body text"
    glued = base64.b64encode(b"first ").decode() + "\r\n" + base64.b64encode(b"second").decode()
    parsed = parse(message("From: a@example.com", "Content-Transfer-Encoding: base64", body=glued))
    assert parsed.text_body == "first second"
    footer = base64.b64encode(b"body").decode() + "\r\n\r\n____\r\nA mailing list footer\r\n"
    parsed = parse(message("From: a@example.com", "Content-Transfer-Encoding: base64", body=footer))
    assert parsed.text_body == "body"
    assert any("broken base64" in warning for warning in parsed.warnings)


# -- automatic mail -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Auto-Submitted: auto-replied", {AutomaticKind.AUTO_REPLY}),
        ("Auto-Submitted: auto-generated", {AutomaticKind.AUTO_GENERATED}),
        ("Auto-Submitted: auto-notified; owner-email=x@example.com", {AutomaticKind.AUTO_GENERATED}),
        ("Auto-Submitted: no", set()),
        ("Auto-Submitted: No ", set()),
        ("X-Autoreply: yes", {AutomaticKind.AUTO_REPLY}),
        ("X-Autorespond: Out of office", {AutomaticKind.AUTO_REPLY}),
        ("X-Auto-Response-Suppress: All", {AutomaticKind.AUTO_REPLY}),
        ("X-Auto-Response-Suppress: DR, OOF, AutoReply", {AutomaticKind.AUTO_REPLY}),
        ("X-Auto-Response-Suppress: DR, RN, NRN", set()),
        ("Precedence: bulk", {AutomaticKind.BULK}),
        ("Precedence: junk", {AutomaticKind.BULK}),
        ("Precedence: list", {AutomaticKind.BULK}),
        ("Precedence: auto_reply", {AutomaticKind.AUTO_REPLY}),
        ("Precedence: first-class", set()),
        ("List-Id: Users <users.lists.example.com>", {AutomaticKind.BULK}),
        ("List-Unsubscribe: <mailto:leave@example.com>", {AutomaticKind.BULK}),
        ("Return-Path: <>", {AutomaticKind.NULL_SENDER}),
        ("Return-Path: <bounces@example.com>", set()),
    ],
)
def test_automatic_headers(header: str, expected: set[AutomaticKind]) -> None:
    parsed = parse(message("From: a@example.com", header))
    assert parsed.automatic == frozenset(expected)
    assert parsed.is_automatic == bool(expected)


DSN_BODY = """--rep\r
Content-Type: text/plain\r
\r
Your message could not be delivered.\r
--rep\r
Content-Type: message/delivery-status\r
\r
Reporting-MTA: dns; mx.example.net\r
Arrival-Date: Tue, 3 Mar 2026 09:15:00 +0000\r
\r
Original-Recipient: rfc822;Gone@Example.org\r
Final-Recipient: rfc822; <gone@example.org>\r
Action: failed\r
Status: 5.1.1 (user unknown)\r
Diagnostic-Code: smtp; 550 5.1.1 <gone@example.org>:\r
 Recipient address rejected\r
\r
Final-Recipient: rfc822; late@example.org\r
Action: delayed\r
Status: 4.4.1\r
--rep\r
Content-Type: {returned}\r
\r
From: support@ourdesk.example\r
Message-ID: <ticket-42@ourdesk.example>\r
Subject: Re: your request\r
{returned_body}--rep--\r
"""


@pytest.mark.parametrize(
    ("returned", "returned_body"), [("message/rfc822", "\r\nThe reply.\r\n"), ("text/rfc822-headers", "")]
)
def test_delivery_status_notification(returned: str, returned_body: str) -> None:
    raw = message(
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>",
        "Return-Path: <>",
        "Subject: Undelivered Mail Returned to Sender",
        'Content-Type: multipart/report; report-type=delivery-status; boundary="rep"',
        body=DSN_BODY.format(returned=returned, returned_body=returned_body),
    )
    parsed = parse(raw)
    assert parsed.bounce is not None
    assert parsed.bounce.original_message_id == "ticket-42@ourdesk.example"
    assert parsed.bounce.recipients == ("gone@example.org", "late@example.org")
    assert parsed.bounce.action == "failed"
    assert parsed.bounce.status == "5.1.1"
    assert parsed.bounce.diagnostic == "550 5.1.1 <gone@example.org>: Recipient address rejected"
    assert parsed.bounce.is_permanent
    assert parsed.automatic == {AutomaticKind.BOUNCE, AutomaticKind.NULL_SENDER}
    assert parsed.text_body == "Your message could not be delivered."
    assert [a.content_type for a in parsed.attachments] == ["message/delivery-status", returned]


def test_heuristic_bounce_with_inline_original() -> None:
    raw = message(
        "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
        "X-Failed-Recipients: Nobody@Example.org",
        "Subject: Delivery Status Notification (Failure)",
        body=(
            "Delivery to the following recipient failed permanently:\r\n\r\n     nobody@example.org\r\n\r\n"
            "The error that the other server returned was:\r\n550 5.1.1 No such user\r\n\r\n"
            "----- Original message -----\r\n\r\nMessage-ID: <orig-1@ourdesk.example>\r\nSubject: Hi\r\n"
        ),
    )
    parsed = parse(raw)
    assert parsed.bounce is not None
    assert parsed.bounce.original_message_id == "orig-1@ourdesk.example"
    assert parsed.bounce.recipients == ("nobody@example.org",)
    assert parsed.bounce.status == "5.1.1"
    assert parsed.bounce.action == "failed"
    assert AutomaticKind.BOUNCE in parsed.automatic


def test_a_person_writing_from_postmaster_is_not_a_bounce() -> None:
    parsed = parse(message("From: postmaster@example.com", "Subject: Lunch?", body="Message-ID: <x@y> is in my notes"))
    assert parsed.bounce is None
    assert parsed.automatic == frozenset()


def test_read_receipt_is_auto_generated() -> None:
    body = (
        "--r\r\nContent-Type: text/plain\r\n\r\nDisplayed.\r\n"
        "--r\r\nContent-Type: message/disposition-notification\r\n\r\nFinal-Recipient: rfc822; a@example.com\r\n"
        "Disposition: manual-action/MDN-sent-manually; displayed\r\n--r--\r\n"
    )
    raw = message(
        "From: a@example.com",
        'Content-Type: multipart/report; report-type=disposition-notification; boundary="r"',
        body=body,
    )
    parsed = parse(raw)
    assert parsed.automatic == {AutomaticKind.AUTO_GENERATED}
    assert parsed.bounce is None


# -- hostile input ------------------------------------------------------------------------


def test_empty_input() -> None:
    parsed = parse(b"")
    assert parsed.subject == ""
    assert parsed.text_body == ""
    assert parsed.sender is None
    assert "empty message" in parsed.warnings


@pytest.mark.parametrize(
    "raw",
    [
        bytes(range(256)) * 40,
        b"\x00" * 1000,
        b"\xff\xfe" + "garbage".encode("utf-16-le"),
        b":\r\n:\r\n\r\n",
        b"From: \r\n\r\n",
        b"Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n--\r\n",
        b'Content-Type: multipart/mixed; boundary="a"\r\n\r\n--a\r\nContent-Type: message/rfc822\r\n\r\n',
        b"Content-Type: message/delivery-status\r\n\r\nAction: \xff\r\n",
        b'Content-Type: text/plain; charset="\xff\xfe"\r\nContent-Transfer-Encoding: base64\r\n\r\n=====',
        b"Subject: =?x?b?====?= =?utf-8?q?=ZZ?= =??q??=\r\n\r\n",
        b"Content-Disposition: attachment; filename*0*=x''%ZZ; filename*99999999999=a\r\n\r\n",
    ],
    ids=[
        "all-bytes",
        "nuls",
        "utf16",
        "colons",
        "empty-from",
        "empty-boundary",
        "cut-rfc822",
        "bad-dsn",
        "bad-charset",
        "bad-words",
        "bad-2231",
    ],
)
def test_garbage_never_raises(raw: bytes) -> None:
    parse(raw)


def nested_multipart(depth: int) -> bytes:
    head = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i) for i in range(depth))
    tail = b"".join(b"\r\n--b%d--\r\n" % i for i in reversed(range(depth)))
    return b"From: a@example.com\r\nSubject: deep\r\n" + head + b"Content-Type: text/plain\r\n\r\ninnermost\r\n" + tail


def test_nesting_beyond_the_limit_stops_with_a_warning() -> None:
    parsed = parse(nested_multipart(MAX_DEPTH + 10))
    assert parsed.subject == "deep"
    assert parsed.text_body == ""
    assert any("nesting deeper than" in warning for warning in parsed.warnings)
    assert parse(nested_multipart(MAX_DEPTH - 5)).text_body == "innermost"


def test_nesting_beyond_the_standard_parser() -> None:
    parsed = parse(nested_multipart(2000))
    assert parsed.subject == "deep"
    assert parsed.sender == Address("a@example.com")
    assert any(warning.startswith("body structure unreadable") for warning in parsed.warnings)
    parsed = parse(b"From: a@example.com\r\nSubject: deep\r\n" + b"Content-Type: message/rfc822\r\n\r\n" * 3000)
    assert parsed.subject == "deep"


def test_many_parts_and_big_input_stay_bounded() -> None:
    parts = b"".join(b"--b\r\nContent-Type: text/plain; name=f.txt\r\n\r\nx\r\n" for _ in range(6000))
    parsed = parse(
        message("From: a@example.com", "Content-Type: multipart/mixed; boundary=b", body=parts + b"--b--\r\n")
    )
    assert len(parsed.attachments) < 6000
    assert any("MIME parts" in warning for warning in parsed.warnings)
