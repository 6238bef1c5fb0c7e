"""Folding quoted history and signatures out of inbound replies (`channels.email.quoting`).

1. Corpus regression: the reply fixtures in ../shared/corpora/email/replies, labelled where
   the customer's reply ends (the original projects' expected outputs where they have them,
   hand labels otherwise; see docs/email-quoting.md). Every case must be acceptable, and the
   number of exact matches may not drop below what was measured.
2. Focused cases: clients, languages, signatures, in-line replies, HTML markers.
3. Properties (hypothesis): never raises, loses nothing, bounded work.
"""

from __future__ import annotations

import email
import email.policy
import html as html_lib
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from switchboard.channels.email.quoting import (
    MAX_HTML_SCAN_CHARS,
    MAX_SCAN_CHARS,
    FoldedHtml,
    FoldedText,
    fold_html,
    fold_text,
)
from switchboard.core.html import sanitise_html

_CORPUS_ROOT = Path(__file__).resolve().parents[4] / "shared" / "corpora" / "email"
REPLIES = Path(os.environ.get("SWITCHBOARD_EMAIL_CORPUS", str(_CORPUS_ROOT))) / "replies"
needs_corpus = pytest.mark.skipif(not REPLIES.is_dir(), reason="shared reply corpus not present")

# Bounded work is checked by counting calls (Python and C functions, regex searches included)
# rather than by a wall clock, which a loaded CI machine makes meaningless: the count is the
# same on every machine. Folding scans at most a fixed prefix, so work may grow with the
# scanned characters and not beyond. Speed itself is measured by bench/email_parse.py.
CALLS_PER_SCANNED_CHAR = 20
CALLS_OVERHEAD = 10_000


def calls_made(function: Callable[[str], object], argument: str) -> int:
    count = 0

    def profile(frame: FrameType, event: str, arg: object) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        function(argument)
    finally:
        sys.setprofile(None)
    return count


def assert_bounded_work(function: Callable[[str], object], argument: str, scan_limit: int) -> None:
    budget = CALLS_PER_SCANNED_CHAR * min(len(argument), scan_limit) + CALLS_OVERHEAD
    assert calls_made(function, argument) <= budget


# --- helpers ------------------------------------------------------------------------------


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def words(text: str) -> str:
    return " ".join(text.split())


_TAG = re.compile(r"<(/?)([a-zA-Z][^\s/<>]*)[^<>]*?(/?)>")
_VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def html_text(markup: str) -> str:
    """The characters a reader sees (tags removed, entities decoded); good enough for tests."""
    markup = re.sub(r"<(style|script|head|title)\b.*?</\1\s*>", " ", markup, flags=re.IGNORECASE | re.DOTALL)
    markup = re.sub(r"<!--.*?-->|<![^>]*>|<\?[^>]*>", " ", markup, flags=re.DOTALL)
    return html_lib.unescape(_TAG.sub(" ", markup))


def assert_balanced(markup: str) -> None:
    stack: list[str] = []
    for match in _TAG.finditer(markup):
        closing, name, self_closing = match.group(1), match.group(2).lower(), match.group(3)
        if name in _VOID or self_closing:
            continue
        if closing:
            assert stack, f"stray </{name}> in {markup!r}"
            assert stack[-1] == name, f"</{name}> closes <{stack[-1]}> in {markup!r}"
            stack.pop()
        else:
            stack.append(name)
    assert not stack, f"unclosed {stack} in {markup!r}"


def check_text_invariants(text: str, result: FoldedText) -> None:
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    assert isinstance(result, FoldedText)
    assert squash(result.visible + result.folded) == squash(normalised), "text was lost or invented"
    if normalised.strip():
        assert result.visible.strip(), "visible must never be empty when the message is not"
    start = normalised.find(result.visible)
    assert start >= 0, "visible is not a piece of the message"
    if result.folded:
        assert normalised.find(result.folded, start + len(result.visible)) >= 0, "folded must follow visible"


def check_html_invariants(markup: str, result: FoldedHtml) -> None:
    assert isinstance(result, FoldedHtml)
    assert squash(html_text(result.visible) + html_text(result.folded)) == squash(html_text(markup))
    if html_text(markup).strip():
        assert html_text(result.visible).strip(), "visible must never be empty when the message is not"
    if not result.folded:
        assert result.visible == markup


# --- 1. corpus regression -----------------------------------------------------------------

# (fixture, last visible line or "all", other acceptable ends): where the customer's reply ends.
# An acceptable end is e.g. a signature or sign-off left visible, or folded.
TEXT_LABELS: list[tuple[str, int | str, tuple[int | str, ...]]] = [
    ("github-email_reply_parser/correct_sig.txt", 1, (4,)),  # -- signature
    ("github-email_reply_parser/email_1_1.txt", 7, (13, 5)),  # mailing-list footer
    ("github-email_reply_parser/email_1_2.txt", 34, ()),  # in-line answers + footer
    ("github-email_reply_parser/email_1_3.txt", 5, (3,)),  # top post, multi-level quote
    ("github-email_reply_parser/email_1_4.txt", 1, ()),  # On .. wrote: with blank lines
    ("github-email_reply_parser/email_1_5.txt", "all", ()),  # bullets, no quote
    ("github-email_reply_parser/email_1_6.txt", 1, (3,)),  # 3-line header + custom "Sent from"
    ("github-email_reply_parser/email_1_7.txt", 1, ()),  # CRLF, wrapped header
    ("github-email_reply_parser/email_1_8.txt", 19, ()),  # in-line reply
    ("github-email_reply_parser/email_2_1.txt", 1, ()),  # Outlook *From:* block after dashes
    ("github-email_reply_parser/email_2_2.txt", 1, ()),  # Outlook underscores right below
    ("github-email_reply_parser/email_2_3.txt", 1, ()),  # From/Sent/To/Subject, no separator
    ("github-email_reply_parser/email_BlackBerry.txt", 1, (3,)),  # Sent from my BlackBerry
    ("github-email_reply_parser/email_bullets.txt", 9, ()),  # bullets, On..wrote, signature
    ("github-email_reply_parser/email_iPhone.txt", 1, (3,)),  # Sent from my iPhone
    ("github-email_reply_parser/email_multi_word_sent_from_my_mobile_device.txt", 1, (3,)),
    ("github-email_reply_parser/email_one_is_not_on.txt", 5, ()),  # "One" is not "On"
    ("github-email_reply_parser/email_sent_from_my_not_signature.txt", "all", ()),  # a sentence
    ("github-email_reply_parser/email_sig_delimiter_in_middle_of_line.txt", "all", ()),
    ("github-email_reply_parser/greedy_on.txt", 6, ()),  # paragraph starting with "On"
    ("github-email_reply_parser/pathological.txt", 2, ()),  # the regex-pathological case
    ("zapier-email-reply-parser/email_2_3.txt", 1, ()),  # *From:* block, no separator
    ("zapier-email-reply-parser/email_gmail.txt", 1, ()),  # Gmail header, unquoted history
    ("zapier-email-reply-parser/email_headers_no_delimiter.txt", 1, ()),
    ("zapier-email-reply-parser/email_partial_quote_header.txt", 6, ()),
    ("crisp-email-reply-parser/correct_sig.txt", 1, (4,)),  # "--" without the space
    ("crisp-email-reply-parser/email_1.txt", 7, (13, 5)),  # "__" footer
    ("crisp-email-reply-parser/email_10.txt", 5, ()),  # French Outlook header
    ("crisp-email-reply-parser/email_11.txt", 5, ()),  # indented French header
    ("crisp-email-reply-parser/email_12.txt", 5, ()),  # Dutch Outlook header
    ("crisp-email-reply-parser/email_13.txt", 5, ()),  # Italian Outlook header
    ("crisp-email-reply-parser/email_14.txt", 5, ()),  # Polish "W dniu ... napisał"
    ("crisp-email-reply-parser/email_15.txt", 5, ()),  # "Sent from my Wiko", unquoted history
    ("crisp-email-reply-parser/email_16.txt", 5, ()),  # Polish "Dnia ... napisał(a)"
    ("crisp-email-reply-parser/email_17.txt", 5, ()),  # Polish, ISO date
    ("crisp-email-reply-parser/email_18.txt", 5, ()),  # From/Date/To/Subject
    ("crisp-email-reply-parser/email_19.txt", 1, (3,)),  # "On Thursday, ..." is text
    ("crisp-email-reply-parser/email_2.txt", 34, ()),  # in-line answers
    ("crisp-email-reply-parser/email_20.txt", 1, ()),  # quoted "> On .. wrote"
    ("crisp-email-reply-parser/email_21.txt", "all", ()),  # regex-pathological: 70 x "On Thursday:"
    ("crisp-email-reply-parser/email_22.txt", 5, ()),  # 'date, "Name" <addr>:'
    ("crisp-email-reply-parser/email_23.txt", 5, ()),  # "2017-11-24 16:32 GMT+01:00 Name <addr>:"
    ("crisp-email-reply-parser/email_24.txt", 5, ()),  # "On .. wrote" without colon
    ("crisp-email-reply-parser/email_25.txt", 5, ()),  # 'time, date, "Name" <addr>:'
    ("crisp-email-reply-parser/email_26.txt", 5, ()),  # "date from addr <addr>:"
    ("crisp-email-reply-parser/email_2_1.txt", 1, ()),  # Outlook *From:*
    ("crisp-email-reply-parser/email_3.txt", 5, (3,)),  # top post
    ("crisp-email-reply-parser/email_4.txt", 1, ()),
    ("crisp-email-reply-parser/email_5.txt", "all", ()),  # bullets
    ("crisp-email-reply-parser/email_6.txt", 3, (1,)),  # "Sent a magnificent torch" is text
    ("crisp-email-reply-parser/email_7.txt", 5, ()),  # Italian "Il ... ha scritto", wrapped
    ("crisp-email-reply-parser/email_8.txt", 5, ()),  # Dutch "Op .. schreef", wrapped
    ("crisp-email-reply-parser/email_9.txt", 5, ()),  # "====" then French "Message du / De"
    ("crisp-email-reply-parser/email_blackberry.txt", 1, (3,)),
    ("crisp-email-reply-parser/email_bullets.txt", 9, ()),
    ("crisp-email-reply-parser/email_custom_quote_header.txt", 1, ()),  # Hungarian "írta:"
    ("crisp-email-reply-parser/email_customer_quote_header_2.txt", 1, ()),
    ("crisp-email-reply-parser/email_customer_quote_header_3.txt", 3, ()),  # indented De/À/Envoyé/Objet
    ("crisp-email-reply-parser/email_danish_dash_separator.txt", 5, ()),  # "Oprindelig besked"
    ("crisp-email-reply-parser/email_emoji.txt", "all", (1,)),  # an em dash is no delimiter
    ("crisp-email-reply-parser/email_en_multiline_2.txt", 5, ()),
    ("crisp-email-reply-parser/email_finnish.txt", 5, ()),  # "kirjoitti:"
    ("crisp-email-reply-parser/email_fr_multiline.txt", 5, ()),  # "Le .. a écrit :" wrapped
    ("crisp-email-reply-parser/email_french_2.txt", 5, ()),  # "> Le .. a écrit"
    ("crisp-email-reply-parser/email_french_dash_separator.txt", 5, ()),  # "Message d'origine"
    ("crisp-email-reply-parser/email_german.txt", 5, ()),  # "Am .. schrieb"
    ("crisp-email-reply-parser/email_german_2.txt", 5, ()),  # Von/Gesendet/An/Betreff
    ("crisp-email-reply-parser/email_german_3.txt", 5, ()),  # "Gesendet von Outlook für Android"
    ("crisp-email-reply-parser/email_german_outlook.txt", 5, ()),  # "Ursprüngliche Nachricht"
    ("crisp-email-reply-parser/email_gmail_split_line_from.txt", 5, ()),
    ("crisp-email-reply-parser/email_ios_outlook.txt", 5, ()),  # "Get Outlook for iOS" + rule
    ("crisp-email-reply-parser/email_ios_outlook_fr.txt", 5, ()),
    ("crisp-email-reply-parser/email_iphone.txt", 1, (3,)),
    ("crisp-email-reply-parser/email_italian.txt", 5, ()),  # "In data .. ha scritto"
    ("crisp-email-reply-parser/email_msn.txt", 5, ()),
    ("crisp-email-reply-parser/email_norwegian_gmail.txt", 5, ()),  # "skrev", ">:" on its own line
    ("crisp-email-reply-parser/email_not_a_signature.txt", "all", ()),  # dashes in a table
    ("crisp-email-reply-parser/email_not_a_signature_2.txt", "all", ()),  # "-- " list items
    ("crisp-email-reply-parser/email_original_message.txt", 5, ()),
    ("crisp-email-reply-parser/email_original_message_2.txt", 5, ()),
    ("crisp-email-reply-parser/email_outlook_split_line_from.txt", 5, ()),
    ("crisp-email-reply-parser/email_portuguese.txt", 5, ()),  # "Em .. escreveu", wrapped
    ("crisp-email-reply-parser/email_reply_header.txt", 11, ()),  # paragraphs starting with "On"
    ("crisp-email-reply-parser/email_russian.txt", 5, ()),
    ("crisp-email-reply-parser/email_sent_from.txt", 1, (3,)),  # "Sent from TypeApp"
    ("crisp-email-reply-parser/email_thread.txt", 1, ()),  # header over 3 lines
    ("crisp-email-reply-parser/email_tricky_10_special_chars_in_name.txt", 5, ()),
    ("crisp-email-reply-parser/email_tricky_11_double_signature.txt", 4, (1,)),
    ("crisp-email-reply-parser/email_tricky_12_no_space_after_header.txt", 5, ()),
    ("crisp-email-reply-parser/email_tricky_13_timestamp_variations.txt", "all", ()),
    ("crisp-email-reply-parser/email_tricky_14_long_quote_header.txt", 5, ()),
    ("crisp-email-reply-parser/email_tricky_15_original_message_variations.txt", 5, ()),
    ("crisp-email-reply-parser/email_tricky_16_unicode_signatures.txt", 4, (1, "all")),
    ("crisp-email-reply-parser/email_tricky_17_forward_header.txt", 1, ()),
    ("crisp-email-reply-parser/email_tricky_18_inline_reply.txt", "all", ()),
    ("crisp-email-reply-parser/email_tricky_19_quote_without_header.txt", "all", ()),
    ("crisp-email-reply-parser/email_tricky_1_on_false_positive.txt", "all", ()),
    ("crisp-email-reply-parser/email_tricky_20_html_entities.txt", 3, ()),
    ("crisp-email-reply-parser/email_tricky_2_url_with_wrote.txt", "all", (4,)),
    ("crisp-email-reply-parser/email_tricky_3_code_block.txt", "all", ()),
    ("crisp-email-reply-parser/email_tricky_4_from_in_body.txt", "all", ()),
    ("crisp-email-reply-parser/email_tricky_5_mixed_languages.txt", 5, ()),
    ("crisp-email-reply-parser/email_tricky_6_regards_in_sentence.txt", "all", ()),
    ("crisp-email-reply-parser/email_tricky_7_multiple_dashes.txt", "all", ()),
    ("crisp-email-reply-parser/email_tricky_8_sent_from_in_content.txt", "all", ()),
    ("crisp-email-reply-parser/email_tricky_9_nested_quotes.txt", 1, ()),
    ("crisp-email-reply-parser/email_unquoted_reply.txt", 1, ()),
    ("crisp-email-reply-parser/email_with_regards.txt", "all", (5,)),  # "Regards," sign-off
    ("crisp-email-reply-parser/email_zoho.txt", 2, ()),  # "---- On .. wrote ----"
    ("crisp-email-reply-parser/sig_no_empty_line.txt", 1, (3,)),
]

# talon's standard replies (text/plain part): its expected "Hello", with our policies.
EML_LABELS: list[tuple[str, str, tuple[str, ...]]] = [
    ("talon/standard_replies/android.eml", "Hello", ()),
    ("talon/standard_replies/aol.eml", "Hello", ()),
    ("talon/standard_replies/apple_mail.eml", "Hello", ()),
    ("talon/standard_replies/apple_mail_2.eml", "Hello", ()),
    ("talon/standard_replies/comcast.eml", "Hello", ()),
    ("talon/standard_replies/gmail.eml", "Hello", ()),
    ("talon/standard_replies/hotmail.eml", "Hello", ()),
    ("talon/standard_replies/iphone.eml", "Hello", ("Hello\n\nSent from my iPhone",)),
    ("talon/standard_replies/outlook.eml", "Hello", ()),
    (
        "talon/standard_replies/sparrow.eml",
        "Hello",
        ("Hello\n\n-- \nxxx\nSent with Sparrow (http://www.sparrowmailapp.com/?sig)",),
    ),
    # Bottom-posted: the quote the customer answers stays visible (talon shows only "Hello").
    ("talon/standard_replies/thunderbird.eml", "<all>", ()),
    ("talon/standard_replies/yahoo.eml", "Hello", ()),
    ("talon/reply-quotations-share-block.eml", "<through:Joe XXX>", ()),
]

# talon's signature fixtures: the body with and without its (delimiter-less) signature.
SIGNATURE_FIXTURES = ["camel_case", "jeff", "johndoeexamplecom", "long", "short_url", "sparse"]

_HI = "Hi. I am fine.\n\nThanks,\nAlex"
# HTML fixtures and the visible text expected after sanitising (whitespace-insensitive).
HTML_LABELS: list[tuple[str, str, tuple[str, ...]]] = [
    ("talon/html_replies/gmail.html", _HI, ()),
    ("talon/html_replies/hotmail.html", _HI, ()),
    ("talon/html_replies/mail_ru.html", _HI, ()),
    ("talon/html_replies/ms_outlook_2003.html", _HI, ()),
    ("talon/html_replies/ms_outlook_2007.html", _HI, ()),
    ("talon/html_replies/ms_outlook_2010.html", _HI, ()),
    ("talon/html_replies/thunderbird.html", _HI, ()),
    ("talon/html_replies/windows_mail.html", _HI, ()),
    ("talon/html_replies/yandex_ru.html", _HI, ()),
    ("talon/OLK_SRC_BODY_SECTION.html", "Reply", ()),
    # talon folds the whole <div> that holds the <hr>; we keep "Bob", written above the rule.
    ("talon/reply-separated-by-hr.html", "Hi there", ("Hi there Bob",)),
    ("quotequail/files/apple_forward.html", "test blah", ()),
    ("quotequail/files/gmail_forward.html", "test blah", ()),
    ("quotequail/files/apple_reply.html", "Foo Bar", ()),
    ("quotequail/files/gmail_reply.html", "foo bar", ()),
    ("quotequail/files/outlook_forward.html", "<file:quotequail/files/outlook_forward_unwrapped_top.html>", ()),
    ("quotequail/files/thunderbird_forward.html", "<all>", ()),  # nothing but the forward
    ("quotequail/files/mailru_forward.html", "<all>", ()),
    (
        "quotequail/files/ios_mail_reply_unescaped_address.html",
        "Sounds good, I'll be there at 2.",
        ("Sounds good, I'll be there at 2. Sent from my iPhone",),
    ),
    (
        "quotequail/files/yahoo_reply_unescaped_address.html",
        "Thanks Jane, that looks great. One question on item 2 - can we ship it before Friday? Dan",
        (),
    ),
    ("talon/standard_replies/android.eml", "Hello", ()),
    ("talon/standard_replies/aol.eml", "Hello", ()),
    ("talon/standard_replies/comcast.eml", "Hello", ()),
    ("talon/standard_replies/gmail.eml", "Hello", ()),
    ("talon/standard_replies/hotmail.eml", "Hello", ()),
    ("talon/standard_replies/outlook.eml", "Allo! Follow up MIME!", ()),  # its HTML differs from its text
    ("talon/standard_replies/sparrow.eml", "Hello", ()),
]

# Measured on this corpus when the module was written (docs/email-quoting.md): every case is
# acceptable; this many are exact (the ideal end, e.g. with the signature folded).
MIN_EXACT_TEXT = 123  # of 129
MIN_EXACT_HTML = 26  # of 27


@dataclass(frozen=True)
class Case:
    name: str
    body: str
    ideal: str
    acceptable: tuple[str, ...]


def _read(relative: str) -> str:
    return (REPLIES / relative).read_text(encoding="utf-8", errors="replace")


def _eml_part(relative: str, subtype: str) -> str:
    message = email.message_from_bytes((REPLIES / relative).read_bytes(), policy=email.policy.default)
    part = message.get_body(preferencelist=(subtype,))
    assert part is not None
    content = part.get_content()
    assert isinstance(content, str)
    return content


def _prefix(body: str, end: int | str) -> str:
    return body if end == "all" else "\n".join(body.replace("\r\n", "\n").split("\n")[: int(end)])


def _expected_text(body: str, label: str) -> str:
    if label == "<all>":
        return body
    if label.startswith("<through:"):
        lines = body.split("\n")
        last = next(i for i, line in enumerate(lines) if label[9:-1] in line)
        return "\n".join(lines[: last + 1])
    return label


def text_cases() -> list[Case]:
    if not REPLIES.is_dir():
        return []
    cases = []
    for relative, end, others in TEXT_LABELS:
        body = _read(relative)
        cases.append(Case(relative, body, _prefix(body, end), tuple(_prefix(body, other) for other in others)))
    for relative, label, others in EML_LABELS:
        body = _eml_part(relative, "plain")
        cases.append(Case(relative, body, _expected_text(body, label), others))
    for name in SIGNATURE_FIXTURES:
        folder = "talon/signature/emails/stripped/"
        body = _read(folder + name + "_body")
        signature = _read(folder + name + "_signature").strip()
        stripped = body.rstrip()
        without = stripped[: len(stripped) - len(signature)] if signature and stripped.endswith(signature) else stripped
        cases.append(Case(f"talon/signature/{name}", body, without, (body,)))
    return cases


def html_cases() -> list[Case]:
    if not REPLIES.is_dir():
        return []
    cases = []
    for relative, label, others in HTML_LABELS:
        raw = _eml_part(relative, "html") if relative.endswith(".eml") else _read(relative)
        body = sanitise_html(raw)
        if label == "<all>":
            ideal = html_text(body)
        elif label.startswith("<file:"):
            ideal = html_text(_read(label[6:-1]))
        else:
            ideal = label
        cases.append(Case(relative + " (html)", body, ideal, others))
    return cases


def text_outcome(case: Case, visible: str) -> tuple[bool, bool]:
    exact = words(visible) == words(case.ideal)
    return exact, exact or words(visible) in {words(other) for other in case.acceptable}


def html_outcome(case: Case, visible: str) -> tuple[bool, bool]:
    exact = squash(html_text(visible)) == squash(case.ideal)
    return exact, exact or squash(html_text(visible)) in {squash(other) for other in case.acceptable}


TEXT_CASES = text_cases()
HTML_CASES = html_cases()


@needs_corpus
@pytest.mark.parametrize("case", TEXT_CASES, ids=lambda case: case.name)
def test_corpus_text_reply_is_folded_where_labelled(case: Case) -> None:
    result = fold_text(case.body)
    check_text_invariants(case.body, result)
    _, acceptable = text_outcome(case, result.visible)
    assert acceptable, f"visible part was:\n{result.visible}\n--- expected:\n{case.ideal}"


@needs_corpus
@pytest.mark.parametrize("case", HTML_CASES, ids=lambda case: case.name)
def test_corpus_html_reply_is_folded_where_labelled(case: Case) -> None:
    result = fold_html(case.body)
    check_html_invariants(case.body, result)
    assert_balanced(result.visible)
    assert_balanced(result.folded)
    _, acceptable = html_outcome(case, result.visible)
    assert acceptable, f"visible text was:\n{words(html_text(result.visible))}\n--- expected:\n{case.ideal}"


@needs_corpus
def test_corpus_accuracy_does_not_regress() -> None:
    assert len(TEXT_CASES) == 129
    assert len(HTML_CASES) == 27
    text_exact = sum(text_outcome(case, fold_text(case.body).visible)[0] for case in TEXT_CASES)
    html_exact = sum(html_outcome(case, fold_html(case.body).visible)[0] for case in HTML_CASES)
    assert text_exact >= MIN_EXACT_TEXT
    assert html_exact >= MIN_EXACT_HTML


@needs_corpus
@pytest.mark.parametrize(
    "relative",
    [
        "crisp-email-reply-parser/email_21.txt",  # "On ..." 70 times and no "wrote"
        "github-email_reply_parser/pathological.txt",
        "github-email_reply_parser/email_long_quote.txt",  # one 766 kB line of ">"
    ],
)
def test_pathological_corpus_messages_finish_quickly(relative: str) -> None:
    body = _read(relative)
    assert_bounded_work(fold_text, body, MAX_SCAN_CHARS)
    result = fold_text(body)
    check_text_invariants(body, result)


# --- 2. focused cases: text ---------------------------------------------------------------

QUOTE = "> Could you restart the router and tell us if the light turns green?\n>\n> Kind regards,\n> Support"


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("On Mon, 3 Mar 2025 at 10:12, Support <help@example.com> wrote:", "Gmail"),
        ("On Mar 3, 2025, at 10:12 AM, Support <help@example.com> wrote:", "Apple Mail"),
        ("On 03/03/2025 10:12, Support wrote:", "Thunderbird"),
        ("On Mon, Mar 3, 2025 at 10:12 AM Support <\nhelp@example.com> wrote:", "Gmail, wrapped"),
        ("Am 03.03.2025 um 10:12 schrieb Support <help@example.com>:", "German"),
        ("Am Mo., 3. März 2025 um 10:12 Uhr schrieb Support <help@example.com>:", "German Gmail"),
        ("Le lun. 3 mars 2025 à 10:12, Support <help@example.com> a écrit :", "French"),
        ("El lun, 3 mar 2025 a las 10:12, Support (<help@example.com>) escribió:", "Spanish"),
        ("Em seg., 3 de mar. de 2025 às 10:12, Support <help@example.com> escreveu:", "Portuguese"),
        ("Il giorno lun 3 mar 2025 alle ore 10:12 Support <help@example.com> ha scritto:", "Italian"),
        ("Op ma 3 mrt 2025 om 10:12 schreef Support <help@example.com>:", "Dutch"),
        ("2025年3月3日(月) 10:12 Support <help@example.com>:", "Japanese Gmail"),
        ("在 2025年3月3日 10:12，Support <help@example.com> 写道：", "Chinese"),
        ("пн, 3 мар. 2025 г. в 10:12, Support <help@example.com>:", "Russian"),
    ],
)
def test_top_posted_reply_folds_the_reply_header_and_quote(header: str, language: str) -> None:
    body = f"The light is green now, thanks!\n\n{header}\n\n{QUOTE}\n"
    result = fold_text(body)
    assert result.visible == "The light is green now, thanks!", language
    assert result.folded.startswith(header.split("\n")[0])
    assert result.folded.endswith("> Support")
    check_text_invariants(body, result)


def block_of(*parts: str) -> str:
    return "\n".join(parts)


SUPPORT = "Support <help@example.com>"


@pytest.mark.parametrize(
    ("block", "language"),
    [
        (block_of("-----Original Message-----", f"From: {SUPPORT}", "Sent: Monday, March 3, 2025 10:12 AM"), "Outlook"),
        (
            block_of(f"From: {SUPPORT}", "Sent: Monday, 3 March 2025 10:12", "To: Ann", "Subject: RE: Router"),
            "no separator",
        ),
        (
            block_of("_" * 32, f"From: {SUPPORT}", "Sent: Monday, 3 March 2025", "To: Ann", "Subject: Router"),
            "Outlook web",
        ),
        (block_of(f"*From:* {SUPPORT}", "*Sent:* Monday, 3 March 2025", "*To:* Ann", "*Subject:* Router"), "bold"),
        (block_of("-----Ursprüngliche Nachricht-----", f"Von: {SUPPORT}", "Gesendet: Montag, 3. März 2025"), "German"),
        (
            block_of(f"Von: {SUPPORT}", "Gesendet: Montag, 3. März 2025", "An: Ann", "Betreff: AW: Router"),
            "German block",
        ),
        (
            block_of(f"De : {SUPPORT}", "Envoyé : lundi 3 mars 2025 10:12", "À : Ann", "Objet : RE: Routeur"),
            "French block",
        ),
        (
            block_of(f"De: {SUPPORT}", "Enviado: lunes, 3 de marzo de 2025", "Para: Ann", "Asunto: RE: Router"),
            "Spanish",
        ),
        (
            block_of(f"差出人: {SUPPORT}", "送信日時: 2025年3月3日 10:12", "宛先: Ann", "件名: RE: ルーター"),
            "Japanese block",
        ),
        (
            block_of("---------- Forwarded message ---------", f"From: {SUPPORT}", "Date: Mon, Mar 3, 2025"),
            "Gmail forward",
        ),
        (block_of("Begin forwarded message:", "", f"From: {SUPPORT}", "Subject: Router"), "Apple forward"),
        (block_of("-------- Message d'origine --------", f"De : {SUPPORT}"), "French forward"),
        (block_of("-----Mensaje original-----", f"De: {SUPPORT}"), "Spanish original"),
    ],
)
def test_outlook_and_forward_blocks_fold_everything_below(block: str, language: str) -> None:
    body = f"It works now.\n\n{block}\n\nCould you restart the router?\nSupport\n"
    result = fold_text(body)
    assert result.visible == "It works now.", language
    assert result.folded.startswith(block.split("\n")[0])
    assert result.folded.endswith("Support")
    check_text_invariants(body, result)


@pytest.mark.parametrize(
    "signature",
    [
        "-- \nAnn Example\nACME Ltd, 1 Main Street",
        "--\nAnn Example",
        "Sent from my iPhone",
        "Sent from my Samsung Galaxy smartphone.",  # ends with a period: not a signature
        "Get Outlook for iOS<https://aka.ms/o0ukef>",
        "Von meinem iPhone gesendet",
        "Envoyé de mon iPhone",
        "Enviado desde mi iPhone",
        "iPhoneから送信",
        "_______________________________________________\nrouters mailing list\nrouters@lists.example.com",
    ],
)
def test_signatures_and_footers_are_folded(signature: str) -> None:
    body = f"See the attached photo.\n\n{signature}\n"
    result = fold_text(body)
    if signature.endswith("."):
        assert result == FoldedText(visible=body.strip(), folded="")
    else:
        assert result == FoldedText(visible="See the attached photo.", folded=signature)


def test_signature_then_quote_both_fold() -> None:
    body = "Yes, please.\n\n-- \nAnn\n\nOn Mon, 3 Mar 2025 at 10:12, Support <help@example.com> wrote:\n> Shall we?\n"
    result = fold_text(body)
    assert result.visible == "Yes, please."
    assert result.folded.startswith("-- \nAnn\n")
    assert result.folded.endswith("> Shall we?")


@pytest.mark.parametrize(
    "body",
    [
        "Sent from my desk, which is much easier than my phone.",
        "On the other hand, the router is fine.\n\nOn average it works.",
        "Please call me on 555 1234.\n-- first, the light\n-- second, the fan",
        "Date: tomorrow at 10\nTo: the office on Main Street",
        "Here is the table:\n------------------\nA | B\n------------------\nThat's all.",
        "I emailed from: ann@example.com and from: bob@example.com\nThanks",
        "The data should be &gt; 100.\n\n> a quoted line in the middle\n\nand more text after it.",
    ],
)
def test_ordinary_text_is_not_folded(body: str) -> None:
    assert fold_text(body) == FoldedText(visible=body, folded="")


def test_inline_reply_keeps_every_answer_and_the_questions_they_answer() -> None:
    body = (
        "On Mon, 3 Mar 2025 at 10:12, Support <help@example.com> wrote:\n"
        "> Which model do you have?\n"
        "\n"
        "The X200.\n"
        "\n"
        "> Which firmware?\n"
        "\n"
        "1.2.3, I think.\n"
        "\n"
        "> Kind regards,\n"
        "> Support\n"
    )
    result = fold_text(body)
    assert result.visible.endswith("1.2.3, I think.")
    for answer_or_question in ("The X200.", "> Which model do you have?", "> Which firmware?"):
        assert answer_or_question in result.visible
    assert result.folded == "> Kind regards,\n> Support"
    check_text_invariants(body, result)


def test_bottom_posted_reply_keeps_the_quote_it_answers() -> None:
    body = "On 03/03/2025 10:12, Support wrote:\n> Is it green?\n\nYes, green.\n"
    assert fold_text(body) == FoldedText(visible=body.strip(), folded="")


def test_wrapped_quote_line_is_not_taken_for_an_answer() -> None:
    body = (
        "Thanks!\n\nOn Mon, 3 Mar 2025 at 10:12, Support <help@example.com> wrote:\n"
        "> We have looked at the logs you sent and the router reboots every night at\n"
        "two.\n"
        "> Please update it.\n"
    )
    assert fold_text(body).visible == "Thanks!"


@pytest.mark.parametrize(
    "body",
    [
        "On Mon, 3 Mar 2025 at 10:12, Support <help@example.com> wrote:\n> Is it green?\n",
        "> just a quote\n> nothing else\n",
        "---------- Forwarded message ---------\nFrom: Shop <shop@example.com>\nDate: Mon, 3 Mar 2025\n\nYour invoice",
        "Sent from my iPhone",
        "-- \nAnn",
    ],
)
def test_a_message_that_is_all_history_is_shown_whole(body: str) -> None:
    result = fold_text(body)
    assert result == FoldedText(visible=body.strip(), folded="")


def test_a_forward_with_a_comment_folds_the_forwarded_message() -> None:
    body = block_of(
        "Please refund this order.", "", "---------- Forwarded message ---------", f"From: {SUPPORT}", "", "Invoice 42"
    )
    result = fold_text(body)
    assert result.visible == "Please refund this order."
    assert result.folded.endswith("Invoice 42")


@pytest.mark.parametrize("body", ["", " ", "\n\n", "\r\n", "x", ">", "--", "\u00a0"])
def test_tiny_and_empty_input(body: str) -> None:
    result = fold_text(body)
    check_text_invariants(body, result)
    assert result.folded == ""


def test_crlf_line_endings() -> None:
    body = "Thanks!\r\n\r\nOn Mon, 3 Mar 2025 at 10:12, Support <help@example.com> wrote:\r\n> Hi\r\n"
    assert fold_text(body) == FoldedText(
        visible="Thanks!", folded="On Mon, 3 Mar 2025 at 10:12, Support <help@example.com> wrote:\n> Hi"
    )


# --- 2. focused cases: HTML ---------------------------------------------------------------


def test_html_blockquote_with_reply_header() -> None:
    markup = sanitise_html(
        "<div>The light is green now.</div><div><br></div>"
        "<div>On Mon, 3 Mar 2025 at 10:12, Support &lt;help@example.com&gt; wrote:</div>"
        "<blockquote><div>Is it green?</div></blockquote>"
    )
    result = fold_html(markup)
    assert result.visible.startswith("<div>The light is green now.</div>")
    assert "wrote:" not in result.visible
    assert "Is it green?" in result.folded
    check_html_invariants(markup, result)
    assert_balanced(result.visible)
    assert_balanced(result.folded)


GMAIL = (
    '<div dir="ltr">Thanks, that fixed it.</div><br>'
    '<div class="gmail_quote">'
    '<div dir="ltr" class="gmail_attr">On Mon, Support &lt;help@example.com&gt; wrote:<br></div>'
    '<blockquote class="gmail_quote" style="margin:0 0 0 .8ex">Please restart it.</blockquote></div>'
)
OUTLOOK_WEB = (
    "<div>Works now, thank you.</div>"
    '<hr style="display:inline-block;width:98%" tabindex="-1">'
    '<div id="divRplyFwdMsg" dir="ltr"><b>From:</b> Support &lt;help@example.com&gt;<br>'
    "<b>Sent:</b> Monday, March 3, 2025 10:12<br><b>To:</b> Ann<br><b>Subject:</b> Router</div>"
    "<div>Please restart the router.</div>"
)
OUTLOOK_DESKTOP = (
    '<div class="WordSection1"><p class="MsoNormal">Works now.<o:p></o:p></p>'
    '<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0in 0in 0in">'
    '<p class="MsoNormal"><b>From:</b> Support &lt;help@example.com&gt; <br>'
    "<b>Sent:</b> Monday, March 3, 2025 10:12 AM<br>"
    "<b>To:</b> Ann<br><b>Subject:</b> Router</p></div><p>Please restart the router.</p></div>"
)


@pytest.mark.parametrize(
    ("markup", "visible_text", "folded_text"),
    [
        (GMAIL, "Thanks, that fixed it.", "Please restart it."),
        (OUTLOOK_WEB, "Works now, thank you.", "Please restart the router."),
        (OUTLOOK_DESKTOP, "Works now.", "Please restart the router."),
    ],
)
@pytest.mark.parametrize("sanitised", [True, False], ids=["sanitised", "raw"])
def test_html_gmail_quote_and_outlook_reply_blocks(
    markup: str, visible_text: str, folded_text: str, *, sanitised: bool
) -> None:
    """Raw mail keeps gmail_quote / divRplyFwdMsg; nh3 strips classes and ids, and then the
    header text (and Outlook's <hr>) still finds the cut."""
    markup = sanitise_html(markup) if sanitised else markup
    result = fold_html(markup)
    assert words(html_text(result.visible)) == visible_text
    assert folded_text in html_text(result.folded)
    check_html_invariants(markup, result)
    if sanitised:
        assert_balanced(result.visible)
        assert_balanced(result.folded)


def test_html_inline_reply_keeps_answers() -> None:
    markup = sanitise_html(
        "<div>On Mon, 3 Mar 2025 at 10:12, Support &lt;help@example.com&gt; wrote:</div>"
        "<blockquote><div>Which model?</div></blockquote><div>The X200.</div>"
        "<blockquote><div>Which firmware?</div></blockquote><div>1.2.3</div>"
        "<blockquote><div>Regards, Support</div></blockquote>"
    )
    result = fold_html(markup)
    text = words(html_text(result.visible))
    assert text.endswith("The X200. Which firmware? 1.2.3")
    assert words(html_text(result.folded)) == "Regards, Support"
    assert_balanced(result.visible)
    assert_balanced(result.folded)


def test_html_signature_is_folded() -> None:
    markup = sanitise_html("<div>See the photo.</div><div><br></div><div>-- <br>Ann Example<br>ACME</div>")
    result = fold_html(markup)
    assert words(html_text(result.visible)) == "See the photo."
    assert words(html_text(result.folded)) == "-- Ann Example ACME"


@pytest.mark.parametrize(
    "markup",
    [
        "",
        "<p>One</p><p>Two</p>",
        "<blockquote>only a quote</blockquote>",
        "<div>On Mon, 3 Mar 2025 at 10:12, Bob &lt;b@example.com&gt; wrote:</div><blockquote>hi</blockquote>",
        "plain text, no markup",
        "<div>a < b and c > d</div>",
    ],
)
def test_html_without_new_text_and_history_is_returned_as_is(markup: str) -> None:
    assert fold_html(markup) == FoldedHtml(visible=markup, folded="")


def test_html_long_body_is_carried_over_past_the_scanned_part() -> None:
    quoted = "<div>an old line of the thread</div>" * 20_000  # 720 kB
    header = "<div>On Mon, 3 Mar 2025 at 10:12, Bob &lt;b@example.com&gt; wrote:</div>"
    markup = f"<div>Short answer.</div>{header}<blockquote>{quoted}</blockquote>"
    assert_bounded_work(fold_html, markup, MAX_HTML_SCAN_CHARS)
    result = fold_html(markup)
    assert result.visible == "<div>Short answer.</div>"
    assert result.visible + result.folded == markup


# --- 3. properties and bounded time -------------------------------------------------------

EMAILISH_LINES = [
    "",
    " ",
    "Thanks!",
    "Hi team,",
    "> quoted",
    ">> deeper",
    ">",
    "-- ",
    "--",
    "____",
    "-----Original Message-----",
    "---------- Forwarded message ---------",
    "From: Bob <bob@example.com>",
    "Sent: Monday, March 3, 2025 10:12",
    "To: Ann",
    "Subject: Re: hi",
    "Von: Bob",
    "On Mon, 3 Mar 2025 at 10:12, Bob <bob@example.com> wrote:",
    "On Mon, 3 Mar 2025 at 10:12, Bob <",
    "bob@example.com> wrote:",
    "Am 03.03.2025 um 10:12 schrieb Bob:",
    "Sent from my iPhone",
    "2011/4/7 Bob <bob@example.com>",
    "On",
    "wrote:",
    "\r",
    "\t> tabbed",
]
messages = st.lists(
    st.one_of(st.sampled_from(EMAILISH_LINES), st.text(max_size=60)),
    max_size=40,
).map("\n".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(messages, st.text(max_size=2000)))
def test_fold_text_never_raises_loses_nothing_and_is_quick(body: str) -> None:
    assert_bounded_work(fold_text, body, MAX_SCAN_CHARS)
    result = fold_text(body)
    check_text_invariants(body, result)


HTML_PIECES = [
    "<div>",
    "</div>",
    "<p>",
    "</p>",
    "<br>",
    "<hr>",
    "<blockquote>",
    "</blockquote>",
    "<b>",
    "</b>",
    '<div class="gmail_quote">',
    '<div id="divRplyFwdMsg">',
    "On Mon, 3 Mar 2025 at 10:12, Bob &lt;bob@example.com&gt; wrote:",
    "From: Bob",
    "Sent: Monday",
    "To: Ann",
    "-- ",
    "Thanks!",
    "&amp;",
    "<",
    ">",
    "<!--",
    "<pre>a\n> b\n</pre>",
]
html_documents = st.lists(st.one_of(st.sampled_from(HTML_PIECES), st.text(max_size=30)), max_size=60).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(html_documents)
def test_fold_html_on_sanitised_html_never_raises_keeps_text_and_stays_balanced(raw: str) -> None:
    markup = sanitise_html(raw)
    assert_bounded_work(fold_html, markup, MAX_HTML_SCAN_CHARS)
    result = fold_html(markup)
    check_html_invariants(markup, result)
    assert_balanced(result.visible)
    assert_balanced(result.folded)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(html_documents, st.text(max_size=500)))
def test_fold_html_on_raw_markup_never_raises(markup: str) -> None:
    result = fold_html(markup)
    assert isinstance(result, FoldedHtml)
    if not result.folded:
        assert result.visible == markup


ADVERSARIAL_TEXT = {
    "On x 20000, no wrote": "On " * 20_000,
    "5000 lines 'On a'": "On a\n" * 5_000,
    "header-like lines": ("On 1 Jan 2024 12:00, a@b.c " + "x" * 440 + ":\n") * 5_000,
    "From/To lines": "From: a\nTo: b\n" * 20_000,
    "Date lines": "Date: x\n" * 20_000,
    "signature delimiters": "--\n" * 20_000,
    "signature and text": "-- \nx\n" * 20_000,
    "footer rules and text": "____\nx\n" * 20_000,
    "quote / text": ("a\n> " + "x" * 70 + "\n") * 20_000,
    "one 2 MB line": "x" * 2_000_000,
    "2 MB of >": ">" * 2_000_000,
}
ADVERSARIAL_HTML = {
    "unclosed comments": "<!--" * 100_000,
    "end-tag openers": "</" * 200_000,
    "unclosed tags": "<a " * 100_000,
    "unclosed attribute": '<a x="' * 100_000,
    "bare <": "<" * 1_000_000,
    "deep nesting": "<blockquote>" * 5_000 + "x" + "</blockquote>" * 5_000,
    "stray end tags": "<div>" * 25_000 + "</span>" * 25_000,
    "many paragraphs": "<p>x</p>" * 100_000,
    "unclosed style": "<style>" * 100_000,
}


@pytest.mark.parametrize("body", ADVERSARIAL_TEXT.values(), ids=ADVERSARIAL_TEXT.keys())
def test_fold_text_is_quick_on_adversarial_input(body: str) -> None:
    assert_bounded_work(fold_text, body, MAX_SCAN_CHARS)
    result = fold_text(body)
    assert squash(result.visible + result.folded) == squash(body)


@pytest.mark.parametrize("markup", ADVERSARIAL_HTML.values(), ids=ADVERSARIAL_HTML.keys())
def test_fold_html_is_quick_on_adversarial_input(markup: str) -> None:
    assert_bounded_work(fold_html, markup, MAX_HTML_SCAN_CHARS)
    result = fold_html(markup)
    assert isinstance(result, FoldedHtml)
