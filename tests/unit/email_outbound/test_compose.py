"""compose.build_message and friends: build, then read back with the stdlib parser."""

from __future__ import annotations

import dataclasses
import email
import re
from datetime import UTC, datetime, timedelta, timezone
from email.header import decode_header, make_header
from email.message import EmailMessage, MIMEPart
from email.policy import default as default_policy
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from switchboard.channels.email.compose import (
    AUTO_RESPONSE_SUPPRESS,
    MAX_REFERENCES,
    OutgoingAttachment,
    OutgoingEmail,
    ascii_address,
    build_message,
    make_message_id,
    note_subject,
    reply_subject,
)

DATE = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=1)))
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


def _email(**changes: Any) -> OutgoingEmail:
    base = OutgoingEmail(
        from_address="support@example.test",
        from_name="Acme Support",
        to=("jane@example.test",),
        subject="Re: [#1234] Printer on fire",
        text_body="Hello Jane,\n\nwe are on it.",
        message_id="sb.t1234.m1.0123456789abcdef@example.test",
        date=DATE,
    )
    return dataclasses.replace(base, **changes)


def _parse(raw: bytes) -> EmailMessage:
    # As a mail store does, read the CRLF wire format with local line endings (the stdlib
    # parser would otherwise leave "\r\n" inside 7bit text bodies).
    message = email.message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=default_policy)
    assert isinstance(message, EmailMessage)
    return message


def _header_block(raw: bytes) -> str:
    return raw.split(b"\r\n\r\n", 1)[0].decode("ascii")


def _raw_header(raw: bytes, name: str) -> str:
    """The header as written (folded), found in the top-level header block."""
    match = re.search(rf"^{name}:.*?(?=\r\n\S|\Z)", _header_block(raw), re.MULTILINE | re.DOTALL | re.IGNORECASE)
    assert match is not None, f"no {name} header"
    return match[0]


def _display_name(raw: bytes) -> str:
    """The From display name, decoded per RFC 2047 §6.2.

    The stdlib address parser keeps the folding space between two adjacent encoded words
    of a long non-ASCII name, which RFC 2047 says to drop; `decode_header` drops it.
    """
    value = _raw_header(raw, "From").removeprefix("From:").replace("\r\n", "")
    if "=?" not in value:
        return str(_parse(raw)["From"].addresses[0].display_name)
    decoded = str(make_header(decode_header(value)))
    assert decoded.endswith(" <support@example.test>")
    return decoded.removesuffix(" <support@example.test>")


def _content(part: MIMEPart) -> Any:
    return part.get_content()


# --- headers --------------------------------------------------------------------------


def test_every_header_is_written_and_reads_back() -> None:
    raw = build_message(
        _email(
            cc=("boss@example.test", "team@example.test"),
            reply_to="support+t7k2x9@example.test",
            in_reply_to="CAF=abc@mail.example.test",
            references=("first@example.test", "CAF=abc@mail.example.test"),
            extra_headers=(("X-Switchboard-Ticket", "1234"),),
        )
    )
    message = _parse(raw)

    assert str(message["From"]) == "Acme Support <support@example.test>"
    assert message["From"].addresses[0].display_name == "Acme Support"
    assert str(message["To"]) == "jane@example.test"
    assert [a.addr_spec for a in message["Cc"].addresses] == ["boss@example.test", "team@example.test"]
    assert str(message["Reply-To"]) == "support+t7k2x9@example.test"
    assert str(message["Subject"]) == "Re: [#1234] Printer on fire"
    assert parsedate_to_datetime(str(message["Date"])) == DATE
    assert str(message["Date"]) == "Mon, 02 Mar 2026 09:30:00 +0100"
    assert str(message["Message-ID"]) == "<sb.t1234.m1.0123456789abcdef@example.test>"
    assert str(message["In-Reply-To"]) == "<CAF=abc@mail.example.test>"
    assert str(message["References"]) == "<first@example.test> <CAF=abc@mail.example.test>"
    assert str(message["X-Switchboard-Ticket"]) == "1234"
    assert str(message["MIME-Version"]) == "1.0"
    for absent in ("Auto-Submitted", "X-Auto-Response-Suppress", "Precedence", "Bcc", "Sender"):
        assert message[absent] is None
    assert message.defects == []


def test_output_is_crlf_and_seven_bit() -> None:
    raw = build_message(
        _email(
            from_name="Équipe Support",
            subject="Ça ne marche pas — 壊れた",
            text_body="Grüße\n" + "x" * 300 + "\nend",
            html_body="<p>Grüße</p>",
            attachments=(OutgoingAttachment("é.bin", "application/octet-stream", bytes(range(256))),),
        )
    )
    assert raw.isascii()
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert b"\r" not in raw.replace(b"\r\n", b"")
    assert raw.endswith(b"\r\n")
    assert all(len(line) <= 78 for line in raw.split(b"\r\n"))


def test_non_ascii_names_and_subjects_are_encoded_words() -> None:
    raw = build_message(_email(from_name='Zoë "Kundendienst", Müller & Co', subject="Re: [#7] Ça va? 日本語"))
    assert "=?utf-8?" in _raw_header(raw, "From")
    assert "=?utf-8?" in _raw_header(raw, "Subject")
    message = _parse(raw)
    assert message["From"].addresses[0].display_name == 'Zoë "Kundendienst", Müller & Co'
    assert message["From"].addresses[0].addr_spec == "support@example.test"
    assert str(message["Subject"]) == "Re: [#7] Ça va? 日本語"


@pytest.mark.parametrize("text", ["=?utf-8?q?abc?=", "see =?x?q?y?= here", "=?", "Zoë " + "ü" * 60 + " end"])
def test_text_that_looks_encoded_or_is_long_round_trips_exactly(text: str) -> None:
    raw = build_message(_email(from_name=text, subject=text, extra_headers=(("X-Note", text),)))
    message = _parse(raw)
    assert _display_name(raw) == text
    assert str(message["Subject"]) == text
    assert str(message["X-Note"]) == text


def test_ascii_display_names_with_specials_are_quoted() -> None:
    message = _parse(build_message(_email(from_name='Acme, Inc. "Support"')))
    assert message["From"].addresses[0].display_name == 'Acme, Inc. "Support"'
    assert len(message["From"].addresses) == 1


def test_empty_from_name_gives_a_bare_address() -> None:
    raw = build_message(_email(from_name=""))
    assert _raw_header(raw, "From") == "From: support@example.test"


def test_idn_domains_are_punycoded() -> None:
    raw = build_message(_email(to=("kunde@bücher.example",), from_address="support@bücher.example"))
    parsed = _parse(raw)
    assert str(parsed["To"]) == "kunde@xn--bcher-kva.example"
    assert parsed["From"].addresses[0].addr_spec == "support@xn--bcher-kva.example"


def test_automatic_messages_are_marked_per_rfc_3834() -> None:
    message = _parse(build_message(_email(auto_submitted="auto-replied")))
    assert str(message["Auto-Submitted"]) == "auto-replied"
    assert str(message["X-Auto-Response-Suppress"]) == AUTO_RESPONSE_SUPPRESS
    assert message["Precedence"] is None  # non-standard; RFC 3834 relies on Auto-Submitted


def test_auto_submitted_no_is_not_automatic() -> None:
    message = _parse(build_message(_email(auto_submitted="no")))
    assert str(message["Auto-Submitted"]) == "no"
    assert message["X-Auto-Response-Suppress"] is None


def test_subject_whitespace_is_collapsed() -> None:
    assert str(_parse(build_message(_email(subject="  a \t  b  ")))["Subject"]) == "a b"


# --- threading headers ----------------------------------------------------------------


def test_parent_is_appended_to_references_when_missing() -> None:
    message = _parse(build_message(_email(in_reply_to="parent@x.test", references=("root@x.test",))))
    assert str(message["References"]) == "<root@x.test> <parent@x.test>"


def test_in_reply_to_alone_makes_references() -> None:
    message = _parse(build_message(_email(in_reply_to="parent@x.test")))
    assert str(message["In-Reply-To"]) == "<parent@x.test>"
    assert str(message["References"]) == "<parent@x.test>"


def test_no_threading_headers_for_a_new_conversation() -> None:
    message = _parse(build_message(_email()))
    assert message["In-Reply-To"] is None
    assert message["References"] is None


def test_long_reference_chains_are_folded_and_capped() -> None:
    chain = tuple(f"CAH{i:03d}.{'q' * 30}@mail.example.test" for i in range(40))
    raw = build_message(_email(in_reply_to=chain[-1], references=chain))
    header = _raw_header(raw, "References")
    lines = header.split("\r\n")
    assert len(lines) > 1
    assert all(len(line) <= 78 for line in lines)
    assert all(line.startswith(" ") for line in lines[1:])
    assert "=?" not in header

    ids = str(_parse(raw)["References"]).split()
    assert len(ids) == MAX_REFERENCES == 21
    assert ids[0] == f"<{chain[0]}>"  # the first message of the thread is kept
    assert ids[1:] == [f"<{ref}>" for ref in chain[-20:]]  # plus the newest 20


def test_overlong_msg_ids_stay_intact() -> None:
    long_id = "x" * 120 + "@example.test"
    raw = build_message(_email(in_reply_to=long_id, references=("short@example.test", long_id)))
    assert _raw_header(raw, "In-Reply-To") == f"In-Reply-To: <{long_id}>"  # one line, up to 998 allowed
    assert "=?" not in _header_block(raw)
    message = _parse(raw)
    assert str(message["In-Reply-To"]) == f"<{long_id}>"
    assert str(message["References"]) == f"<short@example.test> <{long_id}>"


def test_unusable_reference_ids_are_dropped_and_duplicates_merged() -> None:
    raw = build_message(
        _email(references=("<a@x.test>", "has space@x.test", "", "a@x.test", "b<c@x.test", "ü@x.test", "d@x.test"))
    )
    assert str(_parse(raw)["References"]) == "<a@x.test> <d@x.test>"


# --- body structure -------------------------------------------------------------------


def test_text_only_is_a_single_text_part_with_signature() -> None:
    message = _parse(build_message(_email(signature_text="Acme Support\nhttps://acme.test")))
    assert message.get_content_type() == "text/plain"
    assert not message.is_multipart()
    assert _content(message) == "Hello Jane,\n\nwe are on it.\n\n-- \nAcme Support\nhttps://acme.test\n"


def test_text_and_html_make_multipart_alternative_with_signature_in_both() -> None:
    raw = build_message(
        _email(
            html_body="<p>Hello <b>Jane</b>,</p><p>we are on it.</p>",
            signature_text="Acme Support",
            signature_html="<b>Acme</b> Support",
        )
    )
    message = _parse(raw)
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert text.get_content_type() == "text/plain"
    assert html.get_content_type() == "text/html"
    assert _content(text).endswith("\n-- \nAcme Support\n")
    document = _content(html)
    assert document.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in document
    assert "<p>Hello <b>Jane</b>,</p><p>we are on it.</p>" in document
    assert '<div class="signature"><b>Acme</b> Support</div>' in document
    assert document.index("we are on it") < document.index("signature") < document.index("</body>")


def test_html_signature_is_derived_from_the_text_one_and_escaped() -> None:
    message = _parse(build_message(_email(html_body="<p>Hi</p>", signature_text="A & B <support>\nline 2")))
    html = next(part for part in message.walk() if part.get_content_type() == "text/html")
    assert "A &amp; B &lt;support&gt;<br>\nline 2" in _content(html)


def test_a_whole_html_document_is_not_wrapped_again() -> None:
    document = "<html><head><title>t</title></head><body><p>Hi</p></body></html>"
    message = _parse(build_message(_email(html_body=document, signature_text="Sig")))
    html = next(part for part in message.walk() if part.get_content_type() == "text/html")
    content = _content(html)
    assert content.count("<html") == 1
    assert '<p>Hi</p>\n<div class="signature">Sig</div>\n</body></html>' in content


def test_inline_images_go_into_multipart_related() -> None:
    raw = build_message(
        _email(
            html_body='<p>Look: <img src="cid:logo@sb"></p>',
            attachments=(
                OutgoingAttachment("logo.png", "image/png", PNG, content_id="logo@sb"),
                OutgoingAttachment("report.pdf", "application/pdf", b"%PDF-1.7\n..."),
            ),
        )
    )
    message = _parse(raw)
    structure = [part.get_content_type() for part in message.walk()]
    assert structure == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
        "application/pdf",
    ]
    image = next(part for part in message.walk() if part.get_content_type() == "image/png")
    assert str(image["Content-ID"]) == "<logo@sb>"
    assert image.get_content_disposition() == "inline"
    assert image.get_content() == PNG
    pdf = next(part for part in message.walk() if part.get_content_type() == "application/pdf")
    assert pdf.get_content_disposition() == "attachment"
    assert pdf.get_filename() == "report.pdf"
    assert pdf.get_content() == b"%PDF-1.7\n..."


def test_content_id_without_html_is_a_plain_attachment() -> None:
    message = _parse(build_message(_email(attachments=(OutgoingAttachment("a.png", "image/png", PNG, "a@sb"),))))
    assert [part.get_content_type() for part in message.walk()] == ["multipart/mixed", "text/plain", "image/png"]
    image = list(message.walk())[-1]
    assert image.get_content_disposition() == "attachment"


def test_non_ascii_attachment_filenames_use_rfc_2231() -> None:
    name = "Rechnung März – 見積書.pdf"
    raw = build_message(_email(attachments=(OutgoingAttachment(name, "application/pdf", b"%PDF"),)))
    assert b"filename*=utf-8''" in raw or b"filename*0*=utf-8''" in raw
    part = list(_parse(raw).walk())[-1]
    assert part.get_filename() == name


def test_attachment_types() -> None:
    forwarded = b"From: a@x.test\r\nSubject: fwd\r\n\r\nbody\r\n"
    raw = build_message(
        _email(
            attachments=(
                OutgoingAttachment("x.bin", "not a type", b"\x00\x01"),
                OutgoingAttachment("parts", "multipart/mixed", b"--x--"),
                OutgoingAttachment("fwd.eml", "message/rfc822", forwarded),
                OutgoingAttachment("bin.eml", "message/rfc822", "Subject: é\r\n\r\n".encode()),
                OutgoingAttachment("notes.csv", "Text/CSV", b"a,b\n1,2\n"),
                OutgoingAttachment("", "application/pdf", b"%PDF"),
            )
        )
    )
    parts = list(_parse(raw).iter_parts())[1:]
    assert [part.get_content_type() for part in parts] == [
        "application/octet-stream",
        "application/octet-stream",
        "message/rfc822",
        "application/octet-stream",
        "text/csv",
        "application/pdf",
    ]
    assert str(parts[2]["Content-Transfer-Encoding"]) == "7bit"
    assert str(parts[2].get_content()["Subject"]) == "fwd"
    assert parts[3].get_content() == "Subject: é\r\n\r\n".encode()
    assert parts[4].get_payload(decode=True) == b"a,b\n1,2\n"
    assert parts[5].get_filename() is None


def test_bodies_are_normalised_to_one_line_ending() -> None:
    message = _parse(build_message(_email(text_body="a\r\nb\rc\n")))
    assert _content(message) == "a\nb\nc\n"


def test_long_or_non_ascii_text_goes_quoted_printable() -> None:
    body = "Grüße " + "lorem ipsum " * 30 + "\n.\n..\nFrom here"
    raw = build_message(_email(text_body=body))
    message = _parse(raw)
    assert str(message["Content-Transfer-Encoding"]) == "quoted-printable"
    assert _content(message) == body + "\n"


# --- refusals -------------------------------------------------------------------------

_INJECTIONS = ["x\r\nBcc: victim@example.test", "x\nBcc: v@x.test", "x\rBcc: v@x.test", "x\u2028y", "x\x85y", "x\x00y"]


@pytest.mark.parametrize("bad", _INJECTIONS)
@pytest.mark.parametrize(
    "field",
    [
        "subject",
        "from_name",
        "from_address",
        "to",
        "cc",
        "reply_to",
        "message_id",
        "in_reply_to",
        "references",
        "auto_submitted",
        "extra_value",
        "extra_name",
        "filename",
        "content_id",
    ],
)
def test_line_breaks_in_header_values_are_refused(field: str, bad: str) -> None:
    by_field: dict[str, dict[str, Any]] = {
        "subject": {"subject": bad},
        "from_name": {"from_name": bad},
        "from_address": {"from_address": f"support@example.test{bad}"},
        "to": {"to": ("ok@example.test", f"jane@example.test{bad}")},
        "cc": {"cc": (f"{bad}@example.test",)},
        "reply_to": {"reply_to": f"support+t@example.test{bad}"},
        "message_id": {"message_id": f"a@b.test{bad}"},
        "in_reply_to": {"in_reply_to": f"a@b.test{bad}"},
        "references": {"references": ("ok@b.test", f"a@b.test{bad}")},
        "auto_submitted": {"auto_submitted": f"auto-replied{bad}"},
        "extra_value": {"extra_headers": (("X-Note", bad),)},
        "extra_name": {"extra_headers": ((f"X-Note{bad}", "v"),)},
        "filename": {"attachments": (OutgoingAttachment(f"a{bad}.pdf", "application/pdf", b""),)},
        "content_id": {
            "html_body": "<p/>",
            "attachments": (OutgoingAttachment("a.png", "image/png", b"", f"c@sb{bad}"),),
        },
    }
    with pytest.raises(ValueError, match="line breaks"):
        build_message(_email(**by_field[field]))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"date": None}, "date is required"),
        ({"date": datetime(2026, 3, 2, 9, 0)}, "timezone-aware"),  # noqa: DTZ001 (the naive date under test)
        ({"to": ()}, "To address"),
        ({"message_id": ""}, "not a valid Message-ID"),
        ({"message_id": "no-at-sign"}, "not a valid Message-ID"),
        ({"message_id": "a b@c.test"}, "not a valid Message-ID"),
        ({"to": ("not-an-address",)}, "not an email address"),
        ({"to": ("jürgen@example.test",)}, "SMTPUTF8"),
        ({"to": ('"quoted"@example.test',)}, "local part"),
        ({"to": ("a@-bad-.test",)}, "not a valid domain"),
        ({"reply_to": "a@b@c"}, "local part"),
        ({"extra_headers": (("Bcc", "x@y.test"),)}, "set by build_message"),
        ({"extra_headers": (("Content-Type", "text/html"),)}, "set by build_message"),
        ({"extra_headers": (("X Bad", "v"),)}, "not a valid header name"),
        ({"auto_submitted": " "}, "not an Auto-Submitted value"),
        ({"attachments": (OutgoingAttachment("a\tb", "text/plain", b""),)}, "control characters"),
        (
            {"html_body": "<p/>", "attachments": (OutgoingAttachment("a", "image/png", b"", "<>"),)},
            "not a valid Content-ID",
        ),
    ],
)
def test_invalid_input_is_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_message(_email(**changes))


def test_ascii_address() -> None:
    assert ascii_address("  Jane.Doe+tag@Example.TEST ") == "Jane.Doe+tag@example.test"
    assert ascii_address("o'brien@bücher.example") == "o'brien@xn--bcher-kva.example"
    with pytest.raises(ValueError, match="recipient"):
        ascii_address("@example.test", what="recipient")


# --- message ids and subjects ---------------------------------------------------------


def test_make_message_id() -> None:
    first = make_message_id(domain="Example.TEST", unique="t1234.m5678")
    second = make_message_id(domain="example.test", unique="t1234.m5678")
    assert re.fullmatch(r"sb\.t1234\.m5678\.[0-9a-f]{16}@example\.test", first)
    assert first != second
    assert make_message_id(domain="bücher.example", unique="x").endswith("@xn--bcher-kva.example")


@pytest.mark.parametrize("unique", ["", "a b", "a\r\nb", "a@b", "<a>", "a..b", ".a", "a."])
def test_make_message_id_refuses_odd_unique_parts(unique: str) -> None:
    with pytest.raises(ValueError, match="unique part"):
        make_message_id(domain="example.test", unique=unique)


def test_make_message_id_refuses_bad_domains() -> None:
    with pytest.raises(ValueError, match="domain"):
        make_message_id(domain="not a domain", unique="x")


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Printer on fire", "Re: [#12] Printer on fire"),
        ("Re: Printer on fire", "Re: [#12] Printer on fire"),
        ("RE: Re: [#12] x", "Re: [#12] x"),
        ("Re: [#12] Re: [#12] x", "Re: [#12] x"),
        ("[#12] Fwd: x", "Re: [#12] x"),
        ("AW: SV: Fw: FWD: x", "Re: [#12] x"),
        ("Re[2]: Re(3): x", "Re: [#12] x"),
        ("WG: Antw: VS: TR: RIF: ODP: YNT: x", "Re: [#12] x"),
        ("回复：答复: x", "Re: [#12] x"),
        ("x [#12]", "Re: [#12] x"),
        ("Re:x", "Re: [#12] x"),
        ("Re: [#99] other ticket", "Re: [#12] [#99] other ticket"),
        ("Regarding: your order", "Re: [#12] Regarding: your order"),
        ("Rest of the story", "Re: [#12] Rest of the story"),
        ("  spaced \t\r\n  out  ", "Re: [#12] spaced out"),
        ("", "Re: [#12]"),
        ("Re: ", "Re: [#12]"),
    ],
)
def test_reply_subject(subject: str, expected: str) -> None:
    assert reply_subject(subject, 12) == expected


@given(st.text(max_size=80))
def test_reply_subject_is_idempotent(subject: str) -> None:
    once = reply_subject(subject, 42)
    assert reply_subject(once, 42) == once
    assert once.startswith("Re: [#42]")
    assert once.count("[#42]") == 1


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Printer on fire", "[#12] Internal note: Printer on fire"),
        ("Re: [#12] Fwd: Printer on fire", "[#12] Internal note: Printer on fire"),
        ("  spaced \t\r\n  out  ", "[#12] Internal note: spaced out"),
        ("", "[#12] Internal note"),
    ],
)
def test_note_subject_is_marked_internal(subject: str, expected: str) -> None:
    assert note_subject(subject, 12) == expected


@given(st.text(max_size=80))
def test_note_subject_has_one_tag_and_no_reply_prefix(subject: str) -> None:
    noted = note_subject(subject, 42)
    assert noted.startswith("[#42] Internal note")
    assert noted.count("[#42]") == 1


# --- round trips ----------------------------------------------------------------------

_LINE_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\x00"
_HEADER_TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters=_LINE_BREAKS), max_size=120)
_BODY_TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\r"), max_size=400)


@given(subject=_HEADER_TEXT, from_name=_HEADER_TEXT, body=_BODY_TEXT, html_text=_BODY_TEXT)
def test_random_text_round_trips(subject: str, from_name: str, body: str, html_text: str) -> None:
    raw = build_message(_email(subject=subject, from_name=from_name, text_body=body, html_body=html_text))
    assert raw.isascii()
    message = _parse(raw)
    assert str(message["Subject"]) == " ".join(subject.split())
    assert _display_name(raw) == " ".join(from_name.split())
    assert message["From"].addresses[0].addr_spec == "support@example.test"
    text, html = message.iter_parts()
    assert _content(text) == (body if body.endswith("\n") else body + "\n")
    assert f"<body>\n{html_text}\n</body>" in _content(html)


@given(name=_HEADER_TEXT.filter(lambda s: not any(ch < " " or ch == "\x7f" for ch in s)), content=st.binary())
def test_random_attachments_round_trip(name: str, content: bytes) -> None:
    raw = build_message(_email(attachments=(OutgoingAttachment(name, "application/octet-stream", content),)))
    part = list(_parse(raw).iter_parts())[-1]
    assert part.get_content() == content
    expected = name.strip()
    if expected.startswith("<") and expected.endswith(">"):  # the stdlib reader drops these (legacy unquoting)
        expected = expected[1:-1]
    assert part.get_filename() == (expected or None)


def test_date_in_utc() -> None:
    message = _parse(build_message(_email(date=datetime(2026, 1, 1, tzinfo=UTC))))
    assert str(message["Date"]) == "Thu, 01 Jan 2026 00:00:00 +0000"
