"""The pipeline's bulk path (`channels.email.batch`) writes exactly what the per-message
path writes.

One scripted day of mail (new requests, CCs, replies by token, References and
In-Reply-To within a batch and across batches, subject numbers, auto-replies, copies,
loops, an organisation's domain, a closed, a pending, a solved and a merged ticket, an
acknowledging inbox, and a share of the real-world corpus) runs twice from an empty
database: once with bulk writes off, once on. Every row of every table must match.
Row ids that depend on write order (messages, events, attachments) are compared by
their place in their ticket instead, which is what readers of those tables rely on.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from switchboard.accounts.actor import Actor
from switchboard.channels.actions import create_inbox
from switchboard.channels.email import batch
from switchboard.channels.email.models import InboundEmail, IntakeSource
from switchboard.channels.email.pipeline import PipelineConfig
from switchboard.channels.email.service import EmailChannel, EmailChannelConfig
from switchboard.channels.email.tokens import make_reply_token, reply_address
from switchboard.channels.models import Channel, Inbox
from switchboard.core.clock import FixedClock
from switchboard.customers.actions import create_organisation
from switchboard.customers.models import CustomerTier
from switchboard.models import metadata
from switchboard.storage.engine import Database, make_engine
from switchboard.tickets import actions
from switchboard.tickets.models import Message, Ticket
from switchboard.tickets.states import TicketStatus
from tests.conftest import START
from tests.integration.email.conftest import SECRET, SUPPORT
from tests.integration.email.test_corpus import MESSAGES as CORPUS_MESSAGES

SALES = "sales@example.test"
SENDERS = [
    "Ada Lovelace <ada@customer.test>",
    "  Grace   Hopper <grace@navy.test>",
    "bob@acme.test",
    "Carol Acme <carol@acme.test>",
    '"Dan, the Man" <dan@example.org>',
    "Émile Zola <emile@lettres.test>",
    "eve@customer.test",
]
BATCH = 25


def _mail(
    rng: random.Random,
    number: int,
    *,
    sender: str,
    to: str = SUPPORT,
    subject: str | None = None,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    cc: str | None = None,
    automatic: bool = False,
    attachment: bool = False,
) -> tuple[str, bytes]:
    message = EmailMessage()
    message_id = f"<m{number}@customer.test>"
    message["From"] = sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject or f"Question {number}"
    message["Date"] = format_datetime(START)
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = " ".join(references)
    if automatic:
        message["Auto-Submitted"] = "auto-replied"
    message.set_content(f"Message {number}.\n" + "words " * rng.randint(1, 40) + "\n")
    if rng.random() < 0.3:
        message.add_alternative(f"<p>Message {number} <b>in HTML</b><script>x()</script></p>", subtype="html")
    if attachment:
        message.add_attachment(
            b"%PDF-1.4 " + bytes(rng.randrange(256) for _ in range(300)),
            "application",
            "pdf",
            filename=f"invoice-{number}.pdf",
        )
    for index, part in enumerate(message.walk()):  # fixed boundaries: both runs send the same bytes
        if part.is_multipart():
            part.set_boundary(f"=_part{number}_{index}")
    return message_id, message.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _script(  # noqa: PLR0912 - one branch per kind of mail
    rng: random.Random, phase: int, sent: list[str], ticket_ids: list[int]
) -> list[tuple[bytes, int | None]]:
    """One phase of mail: (raw bytes, envelope inbox or None for the default)."""
    out: list[tuple[bytes, int | None]] = []
    for i in range(60):
        number = phase * 1000 + i
        sender = rng.choice(SENDERS)
        roll = rng.random()
        if roll < 0.35 or not sent:
            cc = rng.choice([None, None, "Zed <zed@partner.test>, support@example.test", "carol@acme.test"])
            message_id, raw = _mail(rng, number, sender=sender, cc=cc, attachment=rng.random() < 0.2)
        elif roll < 0.55:
            parent = rng.choice(sent[-30:])  # often in this very batch
            message_id, raw = _mail(rng, number, sender=sender, references=[parent], subject="Re: thread")
        elif roll < 0.65:
            parent = rng.choice(sent)
            message_id, raw = _mail(rng, number, sender=sender, in_reply_to=parent, automatic=rng.random() < 0.5)
        elif roll < 0.75 and ticket_ids:
            # Mostly the early tickets: agents change their status between phases.
            ticket_id = rng.choice(ticket_ids[: 3 * phase + 6])
            to = reply_address(SUPPORT, make_reply_token(SECRET, ticket_id))
            message_id, raw = _mail(
                rng, number, sender=sender, to=to, subject="Re: by token", automatic=rng.random() < 0.3
            )
        elif roll < 0.8:
            message_id, raw = _mail(rng, number, sender=sender, subject=f"Re: [#{rng.randint(1, 40)}] number")
        elif roll < 0.84:
            message_id, raw = _mail(rng, number, sender="Support <support@example.test>")  # a loop
        elif roll < 0.88 and out:
            out.append(out[-1])  # the same bytes again
            continue
        elif roll < 0.9:
            message_id, raw = _mail(rng, number, sender=sender, to=SALES)
        elif roll < 0.93:
            unusable = rng.choice(["", "nobody", "<>", "Name Only <x@>", "a@b@c.test"])
            message_id, raw = _mail(rng, number, sender=unusable, references=[rng.choice(sent)])
        elif CORPUS_MESSAGES:
            out.append((CORPUS_MESSAGES[rng.randrange(len(CORPUS_MESSAGES))].read_bytes(), None))
            continue
        else:
            message_id, raw = _mail(rng, number, sender=sender)
        sent.append(message_id)
        if rng.random() < 0.05:  # a second delivery of the same message: other trace headers
            out.append((b"Received: from relay.test\r\n" + raw, None))
        out.append((raw, None))
    return out


def _run(database: Database, tmp_path: Path, *, bulk: bool) -> dict[str, list[Any]]:
    rng = random.Random(20261123)
    clock = FixedClock(START)
    system = Actor.system()
    with database.write() as session:
        create_inbox(session, actor=system, now=clock.now(), name="Support", channel=Channel.EMAIL, address=SUPPORT)
        sales = create_inbox(session, actor=system, now=clock.now(), name="Sales", channel=Channel.EMAIL, address=SALES)
        sales.settings = {"auto_acknowledge": True}
        create_organisation(
            session, actor=system, now=clock.now(), name="Acme", domain="acme.test", tier=CustomerTier.PREMIUM
        )
    config = EmailChannelConfig(
        pipeline=PipelineConfig(secret_key=SECRET, max_attachments=5, max_attachment_bytes=200_000, bulk_writes=bulk),
        blob_dir=tmp_path / ("bulk" if bulk else "one-by-one") / "blobs",
        smtp_enabled=False,
        imap_enabled=False,
    )
    channel = EmailChannel(database, clock, config)
    sent: list[str] = []
    try:
        for phase in range(5):
            with database.read() as session:
                ticket_ids = list(session.scalars(select(Ticket.id).order_by(Ticket.id)))
                inboxes = {inbox.address: inbox.id for inbox in session.scalars(select(Inbox))}
            for raw, _ in _script(rng, phase, sent, ticket_ids):
                recipient = SALES if SALES.encode() in raw.split(b"\r\n\r\n", 1)[0] else SUPPORT
                channel.store(raw, source=IntakeSource.SMTP, inbox_id=inboxes[recipient])
            channel.pipeline.process_pending(batch_size=BATCH)
            _change_some_tickets(database, clock, phase)
            clock.advance(timedelta(days=3))
    finally:
        channel.stop()
    return _dump(database)


def _change_some_tickets(database: Database, clock: FixedClock, phase: int) -> None:
    """Between phases, agents close, park, solve and merge tickets, as they would."""
    system = Actor.system()
    with database.write() as session:
        ids = list(session.scalars(select(Ticket.id).where(Ticket.merged_into_id.is_(None)).order_by(Ticket.id)))
        live = [t for t in ids if session.get(Ticket, t).status is not TicketStatus.CLOSED]  # type: ignore[union-attr]
        for offset, status in ((0, TicketStatus.OPEN), (1, TicketStatus.PENDING), (2, TicketStatus.SOLVED)):
            if len(live) > phase * 3 + offset:
                ticket_id = live[phase * 3 + offset]
                actions.update_ticket(
                    session,
                    actor=system,
                    now=clock.now(),
                    ticket_id=ticket_id,
                    changes=actions.TicketChanges(status=status),
                )
        if len(live) > phase * 3 + 5:
            actions.update_ticket(
                session,
                actor=system,
                now=clock.now(),
                ticket_id=live[phase * 3 + 4],
                changes=actions.TicketChanges(status=TicketStatus.SOLVED),
            )
            actions.update_ticket(
                session,
                actor=system,
                now=clock.now(),
                ticket_id=live[phase * 3 + 4],
                changes=actions.TicketChanges(status=TicketStatus.CLOSED),
            )
            actions.merge_tickets(
                session,
                actor=system,
                now=clock.now(),
                source_ticket_id=live[phase * 3 + 5],
                target_ticket_id=live[phase * 3 + 3],
            )


def _dump(database: Database) -> dict[str, list[Any]]:
    """Every table's rows, with write-order ids replaced by a place within the ticket."""
    dump: dict[str, list[Any]] = {}
    with database.read() as session:
        order = {
            message_id: (ticket_id, place)
            for ticket_id in session.scalars(select(Ticket.id))
            for place, message_id in enumerate(
                session.scalars(select(Message.id).where(Message.ticket_id == ticket_id).order_by(Message.id))
            )
        }

        def message_key(value: object) -> object:
            return order.get(value, value) if isinstance(value, int) else value

        for table in metadata.sorted_tables:
            rows = [dict(row._mapping) for row in session.execute(select(table))]
            if table.name == "messages":
                rows = [{**row, "id": order[row["id"]]} for row in rows]
            if table.name in ("attachments", "inbound_emails"):
                rows = [{**row, "message_id": message_key(row["message_id"])} for row in rows]
            if table.name in ("attachments", "ticket_events"):
                for row in rows:
                    row.pop("id")
            if table.name == "ticket_events":
                rows = [{**row, "data": _message_keys(row["data"], message_key)} for row in rows]
            dump[table.name] = sorted(rows, key=repr)
    return dump


def _message_keys(data: dict[str, Any], message_key: Callable[[object], object]) -> dict[str, Any]:
    return {
        key: (
            message_key(value)
            if key == "message_id"
            else sorted((message_key(v) for v in value), key=repr)
            if key == "moved_message_ids"
            else value
        )
        for key, value in data.items()
    }


@contextmanager
def _second_database(first: Database, template: str, tmp_path: Path) -> Iterator[Database]:
    """Another empty database: a copy of the migrated template (SQLite), or the same
    PostgreSQL database emptied (its event log refuses DELETE, not TRUNCATE)."""
    if first.engine.dialect.name == "postgresql":
        tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        with first.write() as session:
            session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        yield first
        return
    path = tmp_path / "second.sqlite3"
    shutil.copyfile(template, path)
    second = Database(make_engine(f"sqlite:///{path}"))
    try:
        yield second
    finally:
        second.dispose()


def test_bulk_writes_match_the_per_message_path_row_for_row(
    database: Database,
    _template_database: str,  # noqa: PT019 - its value: the migrated template to copy
    tmp_path: Path,
) -> None:
    one_by_one = _run(database, tmp_path, bulk=False)
    with _second_database(database, _template_database, tmp_path) as second:
        in_bulk = _run(second, tmp_path, bulk=True)

    outcomes = [row["outcome"] for row in one_by_one["inbound_emails"]]
    assert len(outcomes) > 250
    for outcome in ("new_ticket", "threaded", "follow_up", "duplicate", "loop", "automatic"):
        assert outcome in {str(o) for o in outcomes}, f"the script never produced {outcome}"
    assert one_by_one.keys() == in_bulk.keys()
    for table in one_by_one:
        for ours, definition in zip(in_bulk[table], one_by_one[table], strict=True):
            differing = {k for k in definition if ours.get(k) != definition[k]}
            assert not differing, f"{table}: {[(k, ours.get(k), definition[k]) for k in sorted(differing)]}"


def test_the_bulk_path_takes_most_ordinary_mail(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Guards the speed-up itself: ordinary mail must not quietly fall to the slow path."""
    planned: list[int] = []
    original = batch.write

    def counting_write(*args: Any, **kwargs: Any) -> None:
        planned.append(len(args[1]))
        original(*args, **kwargs)

    monkeypatch.setattr(batch, "write", counting_write)
    _run(database, tmp_path, bulk=True)
    with database.read() as session:
        total = len(list(session.scalars(select(InboundEmail.id))))
    assert sum(planned) >= total * 0.75  # measured: 261 of 303
