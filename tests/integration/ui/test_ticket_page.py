"""The ticket page: the conversation, email details, the sandboxed HTML frame, downloads."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from switchboard.accounts.actor import Actor
from switchboard.accounts.models import User
from switchboard.accounts.roles import Role
from switchboard.channels.models import Channel
from switchboard.config import Settings
from switchboard.core.clock import FixedClock
from switchboard.customers.models import Customer
from switchboard.storage.blobs import BlobStore
from switchboard.storage.engine import Database
from switchboard.tickets import actions
from switchboard.tickets.models import Ticket
from switchboard.web.ui import image_grants
from switchboard.web.ui.security import CONTENT_SECURITY_POLICY, MESSAGE_FRAME_POLICY
from tests.factories import Factory
from tests.integration.stored_email import PNG, put_attachment, put_inbound_email, set_stored_html
from tests.integration.ui.conftest import ClientFor, submit_login

QUOTED_REPLY = """Thanks, the printer works again.

On Mon, 2 Mar 2026 at 09:00, Agent One <agent@example.test> wrote:
> Have you tried turning it off and on again?
> It usually helps."""

HOSTILE_HTML = (
    '<img src="https://tracker.example/pixel.gif" width="1" height="1">'
    '<img src="cid:logo@example.test" alt="Logo">'
    '<p onclick="window.__pwned=1" onmouseover="alert(1)">Hello from <b>Alice</b></p>'
    "<script>window.__pwned = 1</script>"
    '<p><a href="javascript:alert(1)">click me</a> or <a href="https://example.test/help">read this</a></p>'
    '<iframe src="https://evil.example/"></iframe>'
    "<style>body { background: url(https://tracker.example/bg.png) }</style>"
    '<svg onload="alert(1)"></svg>'
    '<form action="https://evil.example/"><input name="q"></form>'
    "<p>On Mon, 2 Mar 2026 at 09:00, Bob &lt;bob@example.test&gt; wrote:</p>"
    "<blockquote><p>Is the printer still on fire?</p></blockquote>"
)


@dataclass(frozen=True)
class Thread:
    ticket: Ticket
    customer: Customer
    agent: User
    first_id: int  # the customer's first message
    reply_id: int
    follow_up_id: int  # the customer's answer by email, with a quote
    note_id: int


def build_thread(make: Factory, database: Database, clock: FixedClock) -> Thread:
    customer = make.customer("Alice Example")
    agent = make.user(Role.AGENT)
    ticket = make.ticket(customer, subject="Printer on fire", thread_rule="new_ticket")
    actor = Actor(user_id=agent.id, role=agent.role)
    first_id = ticket_message_ids(database, ticket)[0]
    with database.write() as session:
        reply = actions.reply(
            session, actor=actor, now=clock.now(), ticket_id=ticket.id, body_text="Have you tried turning it off?"
        )
        follow_up = actions.add_customer_message(
            session,
            actor=Actor.system(),
            now=clock.now(),
            ticket_id=ticket.id,
            body_text=QUOTED_REPLY,
            channel=Channel.EMAIL,
            external_id="<follow-up@example.test>",
            thread_rule="references",
        )
        note = actions.add_note(
            session, actor=actor, now=clock.now(), ticket_id=ticket.id, body_text="Customer is calm now."
        )
        ids = (reply.id, follow_up.id, note.id)
    return Thread(ticket, customer, agent, first_id, *ids)


def ticket_message_ids(database: Database, ticket: Ticket) -> list[int]:
    with database.read() as session:
        return [m.id for m in session.get_one(Ticket, ticket.id).messages]


def blobs_of(client: TestClient) -> BlobStore:
    blobs: BlobStore = client.app.state.context.email.blobs  # type: ignore[attr-defined]
    return blobs


def logged_in(client_for: ClientFor, user: User) -> TestClient:
    client = client_for()
    assert submit_login(client, email=user.email).status_code == 303
    return client


def article(html: str, message_id: int) -> str:
    """The markup of one message of the thread."""
    match = re.search(rf'<article [^>]*id="message-{message_id}".*?</article>', html, re.DOTALL)
    assert match is not None, f"message {message_id} is not on the page"
    return match.group(0)


@pytest.fixture
def thread(make: Factory, database: Database, clock: FixedClock) -> Thread:
    return build_thread(make, database, clock)


@pytest.fixture
def agent_client(client: TestClient, thread: Thread) -> TestClient:
    assert submit_login(client, email=thread.agent.email).status_code == 303
    return client


# -- the page ------------------------------------------------------------------------------


def test_the_list_links_each_ticket_to_its_page(agent_client: TestClient, thread: Thread) -> None:
    listing = agent_client.get("/tickets").text
    assert f'<a href="/tickets/{thread.ticket.number}">Printer on fire</a>' in listing


def test_the_page_shows_the_tickets_facts(agent_client: TestClient, thread: Thread) -> None:
    response = agent_client.get(f"/tickets/{thread.ticket.number}")

    assert response.status_code == 200
    page = response.text
    assert f'<span class="ticket-number">#{thread.ticket.number}</span>' in page
    assert '<span class="ticket-subject">Printer on fire</span>' in page
    assert '<span class="badge status-open">Open</span>' in page  # the reply opened it
    assert '<span class="badge priority-normal">Normal</span>' in page
    assert "<dt>Channel</dt><dd>Email</dd>" in page
    assert "<dt>Customer</dt><dd>Alice Example</dd>" in page


def test_customer_messages_replies_and_notes_are_told_apart(agent_client: TestClient, thread: Thread) -> None:
    page = agent_client.get(f"/tickets/{thread.ticket.number}").text

    first, reply = article(page, thread.first_id), article(page, thread.reply_id)
    follow_up, note = article(page, thread.follow_up_id), article(page, thread.note_id)
    assert 'class="message message-inbound"' in first
    assert '<span class="message-kind">Customer message</span>' in first
    assert ">Alice Example</h3>" in first
    assert 'class="message message-outbound"' in reply
    assert '<span class="message-kind">Reply</span>' in reply
    assert f">{thread.agent.name}</h3>" in reply
    assert '<span class="badge delivery-ok">Queued</span>' in reply
    assert 'class="message message-note"' in note
    assert '<span class="message-kind">Internal note</span>' in note
    assert "Customer is calm now." in note
    assert page.index(first) < page.index(reply) < page.index(follow_up) < page.index(note)


def test_thread_rules_are_small_labels(agent_client: TestClient, thread: Thread) -> None:
    page = agent_client.get(f"/tickets/{thread.ticket.number}").text

    assert '<span class="thread-rule">New ticket</span>' in article(page, thread.first_id)
    assert '<span class="thread-rule">Threaded by References</span>' in article(page, thread.follow_up_id)
    assert "thread-rule" not in article(page, thread.reply_id)


def test_quoted_history_is_folded_into_a_details_block(agent_client: TestClient, thread: Thread) -> None:
    follow_up = article(agent_client.get(f"/tickets/{thread.ticket.number}").text, thread.follow_up_id)

    visible, _, folded = follow_up.partition("<summary>Show quoted text</summary>")
    assert '<div class="message-text">Thanks, the printer works again.</div>' in visible
    assert "turning it off and on again" not in visible
    assert "&gt; Have you tried turning it off and on again?" in folded
    assert "On Mon, 2 Mar 2026 at 09:00, Agent One &lt;agent@example.test&gt; wrote:" in folded


def test_a_failed_delivery_shows_its_reason(
    agent_client: TestClient, thread: Thread, database: Database, clock: FixedClock
) -> None:
    with database.write() as session:
        actions.mark_delivery_failed(
            session, actor=Actor.system(), now=clock.now(), message_id=thread.reply_id, reason="550 5.1.1 no such user"
        )

    reply = article(agent_client.get(f"/tickets/{thread.ticket.number}").text, thread.reply_id)

    assert '<span class="badge delivery-failed">Delivery failed</span>' in reply
    assert '<p class="alert">Not delivered: 550 5.1.1 no such user.</p>' in reply


def test_parse_warnings_show_in_a_box_with_the_original_and_attachments_are_links(
    agent_client: TestClient, thread: Thread, database: Database, clock: FixedClock
) -> None:
    blobs = blobs_of(agent_client)
    put_inbound_email(
        database,
        blobs,
        message_id=thread.follow_up_id,
        raw=b"Subject: hi\r\n\r\nThanks",
        now=clock.now(),
        warnings=["charset 'x-unknown' not known; read as UTF-8"],
    )
    attachment_id = put_attachment(
        database,
        blobs,
        message_id=thread.follow_up_id,
        data=b"%PDF-1.4 " + b"x" * 2000,
        filename="invoice <march>.pdf",
        content_type="application/pdf",
    )

    follow_up = article(agent_client.get(f"/tickets/{thread.ticket.number}").text, thread.follow_up_id)

    warning = re.search(r'<div class="warning" role="note".*?</div>', follow_up, re.DOTALL)
    assert warning is not None
    assert "<li>Charset &#39;x-unknown&#39; not known; read as UTF-8.</li>" in warning.group(0)
    assert f'<a href="/messages/{thread.follow_up_id}/original">View original email</a>' in warning.group(0)
    assert (
        f'<a href="/attachments/{attachment_id}" download>invoice &lt;march&gt;.pdf</a> '
        '<span class="attachment-size">2.0 KB</span>'
    ) in follow_up
    assert follow_up.count("View original email") == 2  # in the box, and under the message
    assert "View original email" not in article(
        agent_client.get(f"/tickets/{thread.ticket.number}").text, thread.reply_id
    )


def test_the_page_keeps_the_page_headers_and_allows_only_same_origin_frames(
    agent_client: TestClient, thread: Thread
) -> None:
    response = agent_client.get(f"/tickets/{thread.ticket.number}")

    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "frame-src 'self'" in CONTENT_SECURITY_POLICY
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "<script" not in response.text
    assert "style=" not in response.text


def test_visitors_log_in_first(client: TestClient, thread: Thread) -> None:
    for path in (f"/tickets/{thread.ticket.number}", f"/messages/{thread.first_id}/html", "/attachments/1"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={path}"


def test_a_ticket_that_does_not_exist_or_is_hidden_is_a_404_page(
    client_for: ClientFor, thread: Thread, make: Factory
) -> None:
    other = logged_in(client_for, make.customer_user(make.customer("Mallory")))

    for path in (f"/tickets/{thread.ticket.number}", "/tickets/999999"):
        response = other.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_a_customer_sees_their_conversation_without_internal_notes(
    client_for: ClientFor, thread: Thread, make: Factory
) -> None:
    customer = logged_in(client_for, make.customer_user(thread.customer))

    page = customer.get(f"/tickets/{thread.ticket.number}").text

    assert "Thanks, the printer works again." in page
    assert "Customer is calm now." not in page
    assert "Internal note" not in page


# -- the HTML frame ------------------------------------------------------------------------


@pytest.fixture
def html_message(agent_client: TestClient, thread: Thread, database: Database) -> tuple[int, int]:
    """The follow-up with hostile stored HTML and an inline logo: (message id, logo id)."""
    set_stored_html(database, message_id=thread.follow_up_id, html=HOSTILE_HTML)
    logo = put_attachment(
        database,
        blobs_of(agent_client),
        message_id=thread.follow_up_id,
        data=PNG,
        filename="logo.png",
        content_type="image/png",
        content_id="logo@example.test",
    )
    return thread.follow_up_id, logo


def test_an_html_message_is_shown_in_a_sandboxed_frame_with_its_text_at_hand(
    agent_client: TestClient, thread: Thread, html_message: tuple[int, int]
) -> None:
    message_id, _ = html_message
    follow_up = article(agent_client.get(f"/tickets/{thread.ticket.number}").text, message_id)

    assert (
        f'<iframe class="message-frame" sandbox src="/messages/{message_id}/html" title="Email content" '
        'loading="lazy" referrerpolicy="no-referrer"></iframe>'
    ) in follow_up
    assert "Remote images are blocked." in follow_up
    assert "<summary>Show plain text</summary>" in follow_up
    assert "Thanks, the printer works again." in follow_up
    assert "onclick" not in follow_up


def test_the_frame_carries_no_script_handler_javascript_url_or_remote_image(
    agent_client: TestClient, html_message: tuple[int, int]
) -> None:
    message_id, logo = html_message

    response = agent_client.get(f"/messages/{message_id}/html")

    assert response.status_code == 200
    body = response.text.lower()
    for forbidden in ("<script", "__pwned", "onclick", "onmouseover", "onload", "javascript:", "tracker.example"):
        assert forbidden not in body, forbidden
    for forbidden in ("<iframe", "<form", "<input", "<svg", "evil.example"):
        assert forbidden not in body, forbidden
    assert "<p>Hello from <b>Alice</b></p>" in response.text
    assert '<a href="https://example.test/help" rel="noopener noreferrer nofollow">read this</a>' in response.text
    assert re.search(rf'<img src="/attachments/{logo}/inline\?grant=[0-9a-z_.]+" alt="Logo">', response.text)
    assert "Remote images are blocked (1 not loaded)." in response.text


def test_the_frame_folds_quoted_history(agent_client: TestClient, html_message: tuple[int, int]) -> None:
    message_id, _ = html_message
    frame = agent_client.get(f"/messages/{message_id}/html").text

    visible, _, folded = frame.partition("<summary>Show quoted text</summary>")
    assert "Hello from" in visible
    assert "Is the printer still on fire?" not in visible
    assert "<blockquote><p>Is the printer still on fire?</p></blockquote>" in folded


def test_the_frame_has_its_own_policy(agent_client: TestClient, html_message: tuple[int, int]) -> None:
    message_id, _ = html_message

    headers = agent_client.get(f"/messages/{message_id}/html").headers

    assert headers["content-security-policy"] == (
        "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox; frame-ancestors 'self'"
    )
    assert headers["content-security-policy"] == MESSAGE_FRAME_POLICY
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "SAMEORIGIN"
    assert headers["content-type"] == "text/html; charset=utf-8"


def test_a_message_without_html_has_no_frame(agent_client: TestClient, thread: Thread) -> None:
    page = agent_client.get(f"/tickets/{thread.ticket.number}").text
    response = agent_client.get(f"/messages/{thread.reply_id}/html")

    assert "<iframe" not in page
    assert response.status_code == 404
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


def test_the_frame_follows_the_visibility_rules(
    client_for: ClientFor, thread: Thread, make: Factory, database: Database
) -> None:
    set_stored_html(database, message_id=thread.note_id, html="<p>internal</p>")
    set_stored_html(database, message_id=thread.follow_up_id, html="<p>public</p>")
    owner = logged_in(client_for, make.customer_user(thread.customer))
    stranger = logged_in(client_for, make.customer_user(make.customer("Mallory")))

    assert owner.get(f"/messages/{thread.follow_up_id}/html").status_code == 200
    assert owner.get(f"/messages/{thread.note_id}/html").status_code == 404
    assert stranger.get(f"/messages/{thread.follow_up_id}/html").status_code == 404


def inline_image_link(frame: str) -> str:
    match = re.search(r'<img src="(/attachments/\d+/inline\?grant=[^"]+)"', frame)
    assert match is not None, "the frame shows no inline image"
    return match.group(1)


def test_the_frames_image_link_works_without_the_session_cookie(
    agent_client: TestClient, html_message: tuple[int, int], client_for: ClientFor
) -> None:
    """The sandboxed frame has an opaque origin: browsers send it no SameSite=Lax cookie."""
    message_id, _ = html_message
    link = inline_image_link(agent_client.get(f"/messages/{message_id}/html").text)

    response = client_for().get(link)

    assert response.status_code == 200
    assert response.content == PNG
    assert response.headers["content-type"] == "image/png"


def test_an_image_link_expires_after_a_few_minutes(
    agent_client: TestClient, html_message: tuple[int, int], client_for: ClientFor, clock: FixedClock
) -> None:
    message_id, _ = html_message
    link = inline_image_link(agent_client.get(f"/messages/{message_id}/html").text)

    clock.advance(image_grants.GRANT_LIFETIME + timedelta(seconds=1))

    response = client_for().get(link)
    assert response.status_code == 404
    assert "expired" in response.text


def test_an_image_link_serves_only_its_own_attachment(
    agent_client: TestClient, thread: Thread, html_message: tuple[int, int], database: Database, client_for: ClientFor
) -> None:
    message_id, logo = html_message
    other = put_attachment(
        database,
        blobs_of(agent_client),
        message_id=thread.first_id,
        data=PNG + b"!",
        filename="o.png",
        content_type="image/png",
    )
    link = inline_image_link(agent_client.get(f"/messages/{message_id}/html").text)
    claims, _, signature = link.partition("?grant=")[2].rpartition(".")
    tampered_role = claims.replace(".agent.", ".admin.")

    visitor = client_for()
    assert visitor.get(link.replace(f"/attachments/{logo}/", f"/attachments/{other}/")).status_code == 404
    assert visitor.get(f"/attachments/{logo}/inline?grant={tampered_role}.{signature}").status_code == 404
    assert visitor.get(f"/attachments/{logo}/inline?grant={claims}.{'0' * 64}").status_code == 404
    assert visitor.get(f"/attachments/{logo}/inline?grant=nonsense").status_code == 404


def test_an_image_link_still_checks_who_it_was_made_for(
    client: TestClient, thread: Thread, make: Factory, database: Database
) -> None:
    internal = put_attachment(
        database, blobs_of(client), message_id=thread.note_id, data=PNG, filename="i.png", content_type="image/png"
    )
    customer = make.customer_user(thread.customer)
    settings: Settings = client.app.state.context.settings  # type: ignore[attr-defined]
    grant = image_grants.grant(
        settings.secret_key.get_secret_value(),
        attachment_id=internal,
        actor=Actor(user_id=customer.id, role=Role.CUSTOMER, customer_id=thread.customer.id),
        now=make.clock.now(),
    )

    assert client.get(f"/attachments/{internal}/inline", params={"grant": grant}).status_code == 404


# -- downloads -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "ascii_name", "encoded_name"),
    [
        ("report.pdf", "report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd", "passwd"),
        ('a"b\r\nX-Injected: 1.html', "a_bX-Injected: 1.html", "a%22bX-Injected%3A%201.html"),
        ("Größe – 報告.txt", "Gr__e _ __.txt", "Gr%C3%B6%C3%9Fe%20%E2%80%93%20%E5%A0%B1%E5%91%8A.txt"),
        ("..\\..\\boot.ini", "boot.ini", "boot.ini"),
        ("evil\u202egpj.exe", "evilgpj.exe", "evilgpj.exe"),
        ("", "attachment", "attachment"),
    ],
)
def test_a_download_is_an_attachment_with_a_harmless_name(
    agent_client: TestClient, thread: Thread, database: Database, *, filename: str, ascii_name: str, encoded_name: str
) -> None:
    attachment_id = put_attachment(
        database,
        blobs_of(agent_client),
        message_id=thread.first_id,
        data=b"payload",
        filename=filename,
        content_type="text/plain",
    )

    response = agent_client.get(f"/attachments/{attachment_id}")

    assert response.status_code == 200
    assert response.content == b"payload"
    assert response.headers["content-disposition"] == (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{encoded_name}"
    )
    assert "x-injected" not in response.headers


@pytest.mark.parametrize(
    ("declared", "sent"),
    [
        ("text/html", "application/octet-stream"),
        ("image/svg+xml", "application/octet-stream"),
        ("application/xhtml+xml", "application/octet-stream"),
        ("text/plain; charset=utf-8", "application/octet-stream"),
        ("message/rfc822", "application/octet-stream"),
        ("image/png", "image/png"),
        ("IMAGE/JPEG; name=a.jpg", "image/jpeg"),
        ("application/pdf", "application/pdf"),
    ],
)
def test_downloads_keep_only_safe_types_and_are_never_sniffed(
    agent_client: TestClient, thread: Thread, database: Database, declared: str, sent: str
) -> None:
    attachment_id = put_attachment(
        database,
        blobs_of(agent_client),
        message_id=thread.first_id,
        data=b"<html><script>alert(1)</script></html>",
        filename="file",
        content_type=declared,
    )

    headers = agent_client.get(f"/attachments/{attachment_id}").headers

    assert headers["content-type"] == sent
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert headers["cache-control"] == "private, no-store"
    assert headers["content-disposition"].startswith("attachment;")
    assert "x-frame-options" not in headers  # not a page: the page headers are not added


@pytest.mark.parametrize(
    ("data", "declared", "status", "sent"),
    [
        (PNG, "image/png", 200, "image/png"),
        (b"\xff\xd8\xff\xe0 jpeg", "image/jpeg", 200, "image/jpeg"),
        (b"GIF89a gif", "image/gif", 200, "image/gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp", 200, "image/webp"),
        (PNG, "image/svg+xml", 404, None),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/svg+xml", 404, None),
        (b"<html><script>alert(1)</script>", "image/png", 404, None),
        (PNG, "text/html", 404, None),
    ],
)
def test_only_raster_images_are_shown_inline(
    agent_client: TestClient,
    thread: Thread,
    database: Database,
    *,
    data: bytes,
    declared: str,
    status: int,
    sent: str | None,
) -> None:
    attachment_id = put_attachment(
        database,
        blobs_of(agent_client),
        message_id=thread.first_id,
        data=data,
        filename="image",
        content_type=declared,
    )

    response = agent_client.get(f"/attachments/{attachment_id}/inline")

    assert response.status_code == status
    if sent is not None:
        assert response.content == data
        assert response.headers["content-type"] == sent
        assert response.headers["content-disposition"] == "inline"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["content-security-policy"] == "default-src 'none'; sandbox"


def test_attachments_follow_the_visibility_rules(
    client_for: ClientFor, thread: Thread, make: Factory, database: Database
) -> None:
    owner = logged_in(client_for, make.customer_user(thread.customer))
    stranger = logged_in(client_for, make.customer_user(make.customer("Mallory")))
    agent = logged_in(client_for, make.user(Role.AGENT))
    blobs = blobs_of(owner)
    public = put_attachment(
        database, blobs, message_id=thread.first_id, data=PNG, filename="photo.png", content_type="image/png"
    )
    internal = put_attachment(
        database, blobs, message_id=thread.note_id, data=PNG, filename="internal.png", content_type="image/png"
    )

    for path in (f"/attachments/{public}", f"/attachments/{public}/inline"):
        assert owner.get(path).status_code == 200
        assert agent.get(path).status_code == 200
        assert stranger.get(path).status_code == 404
    for path in (f"/attachments/{internal}", f"/attachments/{internal}/inline"):
        assert agent.get(path).status_code == 200
        assert owner.get(path).status_code == 404
        assert stranger.get(path).status_code == 404
    assert agent.get("/attachments/999999").status_code == 404
    assert agent.get("/attachments/0").status_code == 404


def test_the_original_email_downloads_as_an_eml_file(
    agent_client: TestClient, thread: Thread, database: Database, clock: FixedClock
) -> None:
    raw = b"From: alice@example.test\r\nSubject: <script>alert(1)</script>\r\n\r\nThanks"
    put_inbound_email(database, blobs_of(agent_client), message_id=thread.follow_up_id, raw=raw, now=clock.now())

    response = agent_client.get(f"/messages/{thread.follow_up_id}/original")

    assert response.status_code == 200
    assert response.content == raw
    assert response.headers["content-type"] == "message/rfc822"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="message-{thread.follow_up_id}.eml"; '
        f"filename*=UTF-8''message-{thread.follow_up_id}.eml"
    )
    assert response.headers["x-content-type-options"] == "nosniff"
    assert agent_client.get(f"/messages/{thread.reply_id}/original").status_code == 404  # not an email
    assert agent_client.get(f"/messages/{thread.first_id}/original").status_code == 404  # no raw email stored
