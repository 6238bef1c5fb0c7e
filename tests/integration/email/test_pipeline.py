"""The inbound pipeline on a real database: tickets, threading, deduplication, noise."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from switchboard.accounts.actions import actor_for
from switchboard.accounts.actor import Actor
from switchboard.channels.email.models import InboundEmail, InboundOutcome, InboundState, IntakeSource, ThreadRule
from switchboard.channels.email.service import EmailChannel
from switchboard.channels.email.tokens import make_reply_token, reply_address
from switchboard.channels.models import Channel, Inbox
from switchboard.core.clock import FixedClock
from switchboard.customers.models import CustomerIdentity
from switchboard.storage.engine import Database
from switchboard.tickets import actions, bulk
from switchboard.tickets.actions import TicketChanges
from switchboard.tickets.models import (
    Attachment,
    DeliveryState,
    Message,
    MessageKind,
    Ticket,
    TicketParticipant,
)
from switchboard.tickets.states import TicketStatus
from tests.factories import Factory
from tests.integration.email.conftest import SECRET, SUPPORT, deliver, mail

SYSTEM = Actor.system()


def _ticket_count(database: Database) -> int:
    with database.read() as session:
        return session.scalar(select(func.count(Ticket.id))) or 0


def test_a_new_mail_opens_an_email_ticket_for_a_new_customer(
    channel: EmailChannel, database: Database, inbox: Inbox
) -> None:
    result = deliver(channel, database, mail(cc="Bob <bob@customer.test>, support@example.test"), inbox=inbox)

    assert result.inbound.state is InboundState.PROCESSED and result.inbound.outcome is InboundOutcome.NEW_TICKET
    assert result.ticket is not None and result.message is not None
    assert result.ticket.channel is Channel.EMAIL and result.ticket.inbox_id == inbox.id
    assert result.ticket.subject == "Printer on fire"
    assert result.message.body_text.startswith("Hello, my printer is on fire.")
    assert result.message.thread_rule == ThreadRule.NEW_TICKET
    with database.read() as session:
        identities = set(session.scalars(select(CustomerIdentity.value)))
        participants = session.scalar(select(func.count()).where(TicketParticipant.ticket_id == result.ticket.id))
    # The requester and Bob; never our own address.
    assert identities == {"ada@customer.test", "bob@customer.test"}
    assert participants == 2


@pytest.mark.parametrize("rule", ["in_reply_to", "references", "reply_token"])
def test_a_reply_threads_onto_its_ticket_and_records_the_rule(
    channel: EmailChannel, database: Database, inbox: Inbox, rule: str
) -> None:
    first = deliver(channel, database, mail(message_id="<first@customer.test>"), inbox=inbox)
    assert first.ticket is not None
    if rule == "in_reply_to":
        raw = mail(subject="Re: Printer on fire", in_reply_to="<first@customer.test>")
    elif rule == "references":
        raw = mail(subject="Re: Printer", references=["<unknown@elsewhere>", "<first@customer.test>"])
    else:
        token_address = reply_address(SUPPORT, make_reply_token(SECRET, first.ticket.id))
        raw = mail(subject="something else entirely", to=token_address)
    second = deliver(channel, database, raw, inbox=inbox)

    assert second.inbound.outcome is InboundOutcome.THREADED
    assert second.ticket is not None and second.ticket.id == first.ticket.id
    assert second.message is not None and second.message.thread_rule == rule
    assert _ticket_count(database) == 1


def test_a_forged_reply_token_does_not_thread(channel: EmailChannel, database: Database, inbox: Inbox) -> None:
    first = deliver(channel, database, mail(), inbox=inbox)
    assert first.ticket is not None
    forged = f"support+{first.ticket.id}.aaaaaaaa@example.test"
    second = deliver(channel, database, mail(subject="hello", to=forged, sender="eve@evil.test"), inbox=inbox)
    assert second.inbound.outcome is InboundOutcome.NEW_TICKET


def test_the_ticket_number_in_the_subject_threads_only_for_participants(
    channel: EmailChannel, database: Database, inbox: Inbox
) -> None:
    first = deliver(channel, database, mail(), inbox=inbox)
    assert first.ticket is not None
    subject = f"Re: [#{first.ticket.number}] Printer on fire"

    stranger = deliver(channel, database, mail(sender="eve@evil.test", subject=subject), inbox=inbox)
    assert stranger.inbound.outcome is InboundOutcome.NEW_TICKET

    requester = deliver(channel, database, mail(subject=subject, body="Still burning"), inbox=inbox)
    assert requester.inbound.outcome is InboundOutcome.THREADED
    assert requester.message is not None and requester.message.thread_rule == ThreadRule.SUBJECT_NUMBER


def test_a_reply_from_a_copied_participant_is_theirs(channel: EmailChannel, database: Database, inbox: Inbox) -> None:
    first = deliver(channel, database, mail(message_id="<m1@customer.test>", cc="bob@customer.test"), inbox=inbox)
    reply = deliver(channel, database, mail(sender="bob@customer.test", in_reply_to="<m1@customer.test>"), inbox=inbox)
    assert first.ticket is not None and reply.ticket is not None and reply.ticket.id == first.ticket.id
    assert reply.message is not None and reply.message.author_customer_id != first.ticket.customer_id


def test_replies_thread_against_our_own_outgoing_message_ids(
    channel: EmailChannel, database: Database, inbox: Inbox, make: Factory, clock: FixedClock
) -> None:
    first = deliver(channel, database, mail(), inbox=inbox)
    assert first.ticket is not None
    agent = make.user()
    with database.write() as session:
        sent = actions.reply(
            session, actor=actor_for(agent), now=clock.now(), ticket_id=first.ticket.id, body_text="Hi"
        )
        actions.set_external_id(session, message_id=sent.id, external_id="sb.1.2.xyz@example.test")
    answer = deliver(channel, database, mail(subject="Re: hi", in_reply_to="<sb.1.2.xyz@example.test>"), inbox=inbox)
    assert answer.ticket is not None and answer.ticket.id == first.ticket.id


def test_the_same_bytes_twice_make_one_message(channel: EmailChannel, database: Database, inbox: Inbox) -> None:
    raw = mail()
    first = deliver(channel, database, raw, inbox=inbox)
    again = deliver(channel, database, raw, inbox=inbox)
    assert again.inbound.id == first.inbound.id
    with database.read() as session:
        assert session.scalar(select(func.count(InboundEmail.id))) == 1
        assert session.scalar(select(func.count(Message.id))) == 1


def test_the_same_message_through_another_hop_is_a_duplicate(
    channel: EmailChannel, database: Database, inbox: Inbox
) -> None:
    raw = mail(message_id="<same@customer.test>")
    deliver(channel, database, raw, inbox=inbox)
    relayed = b"Received: from mx2.example.test by imap.example.test\r\nDelivered-To: support@example.test\r\n" + raw
    second = deliver(channel, database, relayed, inbox=inbox)
    assert second.inbound.outcome is InboundOutcome.DUPLICATE
    assert _ticket_count(database) == 1


def test_a_different_message_reusing_a_message_id_is_kept(
    channel: EmailChannel, database: Database, inbox: Inbox
) -> None:
    deliver(channel, database, mail(message_id="<reused@customer.test>", body="first text"), inbox=inbox)
    other = deliver(channel, database, mail(message_id="<reused@customer.test>", body="other text"), inbox=inbox)
    assert other.inbound.outcome is not InboundOutcome.DUPLICATE
    with database.read() as session:
        assert session.scalar(select(func.count(Message.id))) == 2


def test_auto_replies_never_reopen_a_ticket(
    channel: EmailChannel, database: Database, inbox: Inbox, clock: FixedClock
) -> None:
    first = deliver(channel, database, mail(message_id="<a1@customer.test>"), inbox=inbox)
    assert first.ticket is not None
    with database.write() as session:
        changes = TicketChanges(status=TicketStatus.SOLVED)
        actions.update_ticket(session, actor=SYSTEM, now=clock.now(), ticket_id=first.ticket.id, changes=changes)
    auto = deliver(
        channel,
        database,
        mail(in_reply_to="<a1@customer.test>", subject="Out of office", headers={"Auto-Submitted": "auto-replied"}),
        inbox=inbox,
    )
    assert auto.message is not None and auto.message.is_automatic
    assert auto.ticket is not None and auto.ticket.status is TicketStatus.SOLVED

    human = deliver(channel, database, mail(in_reply_to="<a1@customer.test>", body="Not fixed"), inbox=inbox)
    assert human.ticket is not None and human.ticket.status is TicketStatus.OPEN


def test_a_reply_to_a_closed_ticket_opens_a_linked_follow_up(
    channel: EmailChannel, database: Database, inbox: Inbox, clock: FixedClock
) -> None:
    first = deliver(channel, database, mail(message_id="<c1@customer.test>"), inbox=inbox)
    assert first.ticket is not None
    with database.write() as session:
        for status in (TicketStatus.SOLVED, TicketStatus.CLOSED):
            changes = TicketChanges(status=status)
            actions.update_ticket(session, actor=SYSTEM, now=clock.now(), ticket_id=first.ticket.id, changes=changes)
    later = deliver(channel, database, mail(in_reply_to="<c1@customer.test>", body="Again"), inbox=inbox)
    assert later.inbound.outcome is InboundOutcome.FOLLOW_UP
    assert later.ticket is not None and later.ticket.follow_up_of_id == first.ticket.id
    assert later.message is not None and later.message.thread_rule == ThreadRule.IN_REPLY_TO


def test_a_late_reply_to_a_solved_ticket_opens_a_follow_up_and_a_prompt_one_reopens(
    channel: EmailChannel, database: Database, inbox: Inbox, clock: FixedClock
) -> None:
    first = deliver(channel, database, mail(message_id="<s1@customer.test>"), inbox=inbox)
    assert first.ticket is not None
    with database.write() as session:
        changes = TicketChanges(status=TicketStatus.SOLVED)
        actions.update_ticket(session, actor=SYSTEM, now=clock.now(), ticket_id=first.ticket.id, changes=changes)
    clock.advance(timedelta(days=2))
    prompt = deliver(channel, database, mail(in_reply_to="<s1@customer.test>", body="one more"), inbox=inbox)
    assert prompt.ticket is not None and prompt.ticket.id == first.ticket.id
    assert prompt.ticket.status is TicketStatus.OPEN
    with database.write() as session:
        changes = TicketChanges(status=TicketStatus.SOLVED)
        actions.update_ticket(session, actor=SYSTEM, now=clock.now(), ticket_id=first.ticket.id, changes=changes)
    clock.advance(timedelta(days=30))
    late = deliver(channel, database, mail(in_reply_to="<s1@customer.test>", body="months later"), inbox=inbox)
    assert late.inbound.outcome is InboundOutcome.FOLLOW_UP


def test_a_reply_to_a_merged_ticket_lands_on_the_surviving_ticket(
    channel: EmailChannel, database: Database, inbox: Inbox, clock: FixedClock
) -> None:
    source = deliver(channel, database, mail(message_id="<g1@customer.test>"), inbox=inbox)
    target = deliver(channel, database, mail(subject="Other"), inbox=inbox)
    assert source.ticket is not None and target.ticket is not None
    with database.write() as session:
        actions.merge_tickets(
            session, actor=SYSTEM, now=clock.now(), source_ticket_id=source.ticket.id, target_ticket_id=target.ticket.id
        )
    reply = deliver(channel, database, mail(in_reply_to="<g1@customer.test>", body="hello?"), inbox=inbox)
    assert reply.ticket is not None and reply.ticket.id == target.ticket.id


def test_mail_from_our_own_address_is_recorded_as_a_loop(
    channel: EmailChannel, database: Database, inbox: Inbox
) -> None:
    looped = deliver(channel, database, mail(sender=SUPPORT), inbox=inbox)
    assert looped.inbound.outcome is InboundOutcome.LOOP and looped.ticket is None
    plus = deliver(channel, database, mail(sender="support+1a.abcdefgh@example.test", subject="x"), inbox=inbox)
    assert plus.inbound.outcome is InboundOutcome.LOOP and plus.ticket is None
    assert _ticket_count(database) == 0


def test_attachments_are_stored_by_hash_with_limits(channel: EmailChannel, database: Database, inbox: Inbox) -> None:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "ada@customer.test"
    message["To"] = SUPPORT
    message["Subject"] = "files"
    message["Message-ID"] = "<files@customer.test>"
    message.set_content("see attached")
    message.add_attachment(b"%PDF-1.4 tiny", maintype="application", subtype="pdf", filename="../../etc/passwd")
    message.add_attachment(b"x" * 300_000, maintype="application", subtype="octet-stream", filename="big.bin")
    result = deliver(channel, database, message.as_bytes(), inbox=inbox)

    assert result.message is not None
    with database.read() as session:
        stored = list(session.scalars(select(Attachment).where(Attachment.message_id == result.message.id)))
    names = {a.filename: a for a in stored}
    assert "passwd" in names  # the path is gone; only the display name is kept
    assert "big.bin" not in names  # over max_attachment_bytes: kept in the original only
    assert "original.eml" in names
    assert channel.blobs.get(names["passwd"].sha256) == b"%PDF-1.4 tiny"
    assert any("big.bin" in w for w in result.inbound.warnings)


def test_an_unreadable_message_still_becomes_a_ticket_with_its_original(
    channel: EmailChannel, database: Database, inbox: Inbox
) -> None:
    raw = b"\x00\xff\xfe garbage that is not an email\r\n\r\n\x89PNG\x00\x00"
    result = deliver(channel, database, raw, inbox=inbox)
    assert result.ticket is not None and result.message is not None
    assert result.inbound.warnings
    with database.read() as session:
        names = set(session.scalars(select(Attachment.filename).where(Attachment.message_id == result.message.id)))
    assert "original.eml" in names


def test_one_failing_message_does_not_block_the_others(
    channel: EmailChannel, database: Database, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = actions.add_customer_message
    original_clean_body = bulk.clean_body

    def explode(*args: object, **kwargs: object) -> Message:
        if "boom" in str(kwargs.get("body_text", "")):
            raise RuntimeError("simulated bug")
        return original(*args, **kwargs)  # type: ignore[arg-type]

    def explode_in_bulk(body: str, *, allow_empty: bool = False) -> str:
        if "boom" in body:
            raise RuntimeError("simulated bug in the bulk path")
        return original_clean_body(body, allow_empty=allow_empty)

    first = deliver(channel, database, mail(message_id="<f1@customer.test>"), inbox=inbox)
    # The bug hits the bulk write of the run (both replies) and then, one by one, the first.
    monkeypatch.setattr(actions, "add_customer_message", explode)
    monkeypatch.setattr(bulk, "clean_body", explode_in_bulk)
    channel.store(mail(in_reply_to="<f1@customer.test>", body="boom"), source=IntakeSource.SMTP, inbox_id=inbox.id)
    channel.store(mail(in_reply_to="<f1@customer.test>", body="fine"), source=IntakeSource.SMTP, inbox_id=inbox.id)
    channel.pipeline.process_pending()

    with database.read() as session:
        records = list(session.scalars(select(InboundEmail).order_by(InboundEmail.id)))
    assert [r.outcome for r in records] == [
        InboundOutcome.NEW_TICKET,
        InboundOutcome.FALLBACK,
        InboundOutcome.THREADED,
    ]
    failed = records[1]
    assert failed.state is InboundState.FAILED and failed.last_error and "simulated bug" in failed.last_error
    assert failed.ticket_id is not None and first.ticket is not None and failed.ticket_id != first.ticket.id

    monkeypatch.setattr(actions, "add_customer_message", original)
    channel.pipeline.reprocess(failed.id)
    with database.read() as session:
        again = session.get(InboundEmail, failed.id)
        assert again is not None and again.outcome is InboundOutcome.THREADED and again.ticket_id == first.ticket.id


def test_auto_acknowledgement_is_sent_once_and_rate_limited(
    channel: EmailChannel, database: Database, make: Factory
) -> None:
    inbox = make.inbox(address=SUPPORT)
    with database.write() as session:
        stored = session.get(Inbox, inbox.id)
        assert stored is not None
        stored.settings = {"auto_acknowledge": True}
    for n in range(5):
        deliver(channel, database, mail(subject=f"Request {n}"), inbox=inbox)
    deliver(channel, database, mail(subject="OOO", headers={"Auto-Submitted": "auto-replied"}), inbox=inbox)
    with database.read() as session:
        automatic = list(
            session.scalars(select(Message).where(Message.kind == MessageKind.OUTBOUND, Message.is_automatic.is_(True)))
        )
    assert len(automatic) == 3  # auto_replies_per_hour, and none to the auto-reply
    assert all(m.delivery_state is DeliveryState.QUEUED for m in automatic)
