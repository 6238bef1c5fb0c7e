"""parse_email over every file of the shared real-mail corpus and CPython's email test data.

Every file must give a storable ParsedEmail (binary files included: anything can arrive
on port 25); a few well-known files are checked field by field.
"""

from __future__ import annotations

import os
import sysconfig
from functools import cache
from pathlib import Path

import pytest

from switchboard.channels.email.message import AutomaticKind, ParsedEmail
from switchboard.channels.email.parse import parse_email
from tests.unit.email.test_parse import assert_storable

CORPUS = Path(__file__).resolve().parents[4] / "shared" / "corpora" / "email"


def _cpython_email_data() -> Path | None:
    try:
        import test  # the standard library's own test package; some installs leave it out

        candidate = Path(os.path.dirname(test.__file__)) / "test_email" / "data"  # noqa: PTH120 - as documented
    except ImportError:
        candidate = Path(sysconfig.get_paths()["stdlib"]) / "test" / "test_email" / "data"
    return candidate if candidate.is_dir() else None


CPYTHON = _cpython_email_data()


def _files(root: Path | None, prefix: str) -> dict[str, Path]:
    """Every file under `root` (README.md excepted), keyed by a short test id."""
    if root is None or not root.is_dir():
        return {}
    return {
        f"{prefix}/{path.relative_to(root)}": path
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.name != "README.md"
    }


CORPUS_FILES = _files(CORPUS, "corpus")
CPYTHON_FILES = _files(CPYTHON, "cpython")


@cache
def parsed(relative: str) -> ParsedEmail:
    return parse_email((CORPUS / relative).read_bytes())


@pytest.mark.skipif(not CORPUS_FILES, reason=f"shared email corpus not found at {CORPUS}")
@pytest.mark.parametrize("path", CORPUS_FILES.values(), ids=CORPUS_FILES.keys())
def test_corpus_message(path: Path) -> None:
    assert_storable(parse_email(path.read_bytes()))


@pytest.mark.skipif(
    not CPYTHON_FILES,
    reason="CPython's test/test_email/data is not installed (Debian ships it in libpython3-testsuite)",
)
@pytest.mark.parametrize("path", CPYTHON_FILES.values(), ids=CPYTHON_FILES.keys())
def test_cpython_message(path: Path) -> None:
    assert_storable(parse_email(path.read_bytes()))


needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared email corpus not found at {CORPUS}")


@needs_corpus
@pytest.mark.parametrize(
    ("relative", "original_id", "status", "action"),
    [
        ("flanker/messages/bounce/zed.eml", "20090708054735.GC7578@example.com", "5.1.1", "failed"),
        ("flanker/messages/bounce/mailbox-full.eml", "4E326A95.3010907@example.com", "5.2.2", "failed"),
        (
            "flanker/messages/bounce/office365.eml",
            "20171013111011.20866.254C2F3A4D7AA526@ninomail.com",
            "5.1.10",
            "failed",
        ),
        ("flanker/messages/bounce/no-mx.eml", "19E44CA63F984902B7D654F8FF40F89D@bo", "4.4.4", "delayed"),
        (
            "flanker/messages/bounce/gmail-invalid-address.eml",  # no RFC 3464 report: recognised by shape
            "CAKsfaBUUGqVZiaMrmH3TRPfq1odQPtM7Ey5YW1SgyJJRHtAjgw@mail.gmail.com",
            "5.1.0",
            "failed",
        ),
        (
            "ruby-mail/emails/multipart_report_emails/report_422.eml",
            "15655788.13.1200472642578.JavaMail.Administrator@mail.ttttt.com.au",
            "4.2.2",
            "delayed",
        ),
    ],
)
def test_known_bounces(relative: str, original_id: str, status: str, action: str) -> None:
    bounce = parsed(relative).bounce
    assert bounce is not None
    assert bounce.original_message_id == original_id
    assert bounce.status == status
    assert bounce.action == action
    assert AutomaticKind.BOUNCE in parsed(relative).automatic


@needs_corpus
def test_bounce_recipients() -> None:
    bounce = parsed("ruby-mail/emails/multipart_report_emails/multi_address_bounce1.eml").bounce
    assert bounce is not None
    assert len(bounce.recipients) == 5
    assert all(address.endswith("@gmail.com") for address in bounce.recipients)
    report = parsed("flanker/messages/bounce/zed.eml")
    assert report.bounce is not None and report.bounce.recipients == (
        "asdfasdfasdfasdfasdfasdfewrqertrtyrthsfgdfgadfqeadvxzvz@gmail.com",
    )
    assert report.return_path == ""
    assert {AutomaticKind.AUTO_REPLY, AutomaticKind.NULL_SENDER} <= report.automatic


@needs_corpus
def test_japanese_charsets() -> None:
    iso_2022 = parsed("ruby-mail/emails/multi_charset/japanese_iso_2022.eml")
    assert iso_2022.subject == "まみむめも"
    assert iso_2022.text_body == "すみません。"
    shift_jis = parsed("ruby-mail/emails/multi_charset/japanese_shift_jis.eml")
    assert shift_jis.text_body.startswith("あいうえお\n\nこのメールはテスト用のメールです。")
    assert shift_jis.warnings == ()
    attachment = parsed("ruby-mail/emails/multi_charset/japanese_attachment.eml")
    assert [a.filename for a in attachment.attachments] == ["てすと.txt"]


@needs_corpus
def test_other_cjk_and_undeclared_headers() -> None:
    korean = parsed("ruby-mail/emails/multi_charset/ks_c_5601-1987.eml")
    assert korean.text_body.strip() == "스티해"
    chinese = parsed("spamassassin/nice/cjk/gb2312.1")  # raw GB2312 bytes in Subject and From
    assert chinese.subject.startswith("全新原装进口")
    assert chinese.sender is not None and chinese.sender.name == "台湾鑫龙商贸集团公司"


@needs_corpus
def test_mailing_list_is_bulk() -> None:
    assert AutomaticKind.BULK in parsed("spamassassin/nice/cjk/gb2312.2").automatic


@needs_corpus
def test_broken_structures_still_show_text() -> None:
    endless = parsed("flanker/messages/enclosed-endless.eml")
    assert endless.subject == "Wow"
    assert endless.text_body.startswith("Hello")
    assert [a.filename for a in endless.attachments] == ["thanks.eml"]
    missing = parsed("flanker/messages/missing-boundaries.eml")
    assert missing.text_body.startswith("Hi This is a broken message")
    bad_date = parsed("ruby-mail/emails/error_emails/bad_date_header.eml")
    assert bad_date.date is None
    assert any("Date" in warning for warning in bad_date.warnings)


@needs_corpus
def test_html_only_and_inline_images() -> None:
    forwarded = parsed("ruby-mail/emails/attachment_emails/attachment_message_rfc822_inline_image.eml")
    image, message = forwarded.attachments
    assert (image.filename, image.content_type, image.inline) == ("img.png", "image/png", True)
    assert image.content.startswith(b"\x89PNG")
    assert message.content_type == "message/rfc822"
