"""`switchboard import mail` on mbox, Maildir and .eml directories: idempotent, clear errors."""

from __future__ import annotations

import mailbox
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from switchboard.channels.email import importer
from switchboard.channels.email.models import InboundEmail, IntakeSource
from switchboard.channels.email.service import EmailChannel
from switchboard.channels.models import Channel, Inbox
from switchboard.cli.main import app
from switchboard.core.clock import FixedClock
from switchboard.storage.engine import Database
from switchboard.tickets.models import Message, Ticket
from tests.factories import Factory
from tests.integration.email.conftest import SUPPORT, mail


@pytest.fixture
def env(tmp_path: Path, database_url: str, make: Factory) -> dict[str, str]:
    make.inbox(address=SUPPORT, name="Support")
    make.inbox(channel=Channel.CHAT, name="Chat")
    return {"SWITCHBOARD_DATA_DIR": str(tmp_path), "SWITCHBOARD_DATABASE_URL": database_url}


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout + result.stderr


def _messages() -> list[bytes]:
    first = mail(subject="Broken login", message_id="<imp1@customer.test>")
    return [
        first,
        mail(subject="Re: Broken login", in_reply_to="<imp1@customer.test>", body="any news?"),
        mail(sender="bob@customer.test", subject="Invoice"),
    ]


def _counts(database: Database) -> tuple[int, int, int]:
    with database.read() as session:
        return (
            session.scalar(select(func.count(InboundEmail.id))) or 0,
            session.scalar(select(func.count(Ticket.id))) or 0,
            session.scalar(select(func.count(Message.id))) or 0,
        )


def _write(kind: str, directory: Path) -> Path:
    if kind == "eml":
        target = directory / "emls"
        (target / "nested").mkdir(parents=True)
        for n, raw in enumerate(_messages()):
            (target / ("nested" if n == 2 else "") / f"{n:03}.eml").write_bytes(raw)
        (target / "notes.txt").write_text("not mail")
        return target
    if kind == "mbox":
        target = directory / "support.mbox"
        box: mailbox.Mailbox[mailbox.Message] = mailbox.mbox(target)
    else:
        target = directory / "Maildir"
        box = mailbox.Maildir(target)
    for raw in _messages():
        box.add(raw)
    box.flush()
    box.close()
    return target


@pytest.mark.parametrize("kind", ["eml", "mbox", "maildir"])
def test_import_threads_and_a_second_run_imports_nothing(
    env: dict[str, str], tmp_path: Path, database: Database, kind: str
) -> None:
    source = _write(kind, tmp_path)
    code, out = run(env, "import", "mail", str(source), "--inbox", "Support")
    assert code == 0, out
    assert "3 new" in out
    assert _counts(database) == (3, 2, 3)  # the reply threaded onto its ticket
    with database.read() as session:
        assert set(session.scalars(select(InboundEmail.source))) == {IntakeSource.IMPORT}

    code, out = run(env, "import", "mail", str(source), "--inbox", "Support")
    assert code == 0, out
    assert "0 new, 3 already imported" in out
    assert _counts(database) == (3, 2, 3)


def test_import_refuses_unknown_inboxes_missing_paths_and_non_email_inboxes(
    env: dict[str, str], tmp_path: Path
) -> None:
    source = _write("eml", tmp_path)
    code, out = run(env, "import", "mail", str(source), "--inbox", "Nope")
    assert code == 1 and "no inbox named 'Nope'" in out
    code, out = run(env, "import", "mail", str(source), "--inbox", "Chat")
    assert code == 1 and "not an email inbox" in out
    code, out = run(env, "import", "mail", str(tmp_path / "missing"), "--inbox", "Support")
    assert code == 2 and "does not exist" in out


def test_mail_status_and_reprocess(env: dict[str, str], tmp_path: Path) -> None:
    source = _write("eml", tmp_path)
    assert run(env, "import", "mail", str(source), "--inbox", "Support")[0] == 0
    code, out = run(env, "mail", "status")
    assert code == 0 and "processed\tnew_ticket\t2" in out and "processed\tthreaded\t1" in out
    code, out = run(env, "mail", "reprocess", "1")
    assert code == 1 and "nothing to redo" in out
    code, out = run(env, "mail", "reprocess", "--failed")
    assert code == 0 and "reprocessed 0 messages" in out


def _many(count: int) -> list[bytes]:
    """`count` messages: every third a reply to the message two before it, so replies often
    land in a later batch than their parent."""
    raws = []
    for number in range(count):
        if number % 3 == 2:
            raws.append(
                mail(
                    subject=f"Re: question {number - 2}",
                    in_reply_to=f"<q{number - 2}@customer.test>",
                    message_id=f"<q{number}@customer.test>",
                    body=f"following up on {number - 2}",
                )
            )
        else:
            raws.append(
                mail(
                    sender=f"c{number}@customer.test",
                    subject=f"question {number}",
                    message_id=f"<q{number}@customer.test>",
                )
            )
    return raws


@pytest.mark.parametrize("parse_workers", [0, 1])
def test_an_import_of_many_batches_overlaps_its_stages_and_keeps_their_order(
    tmp_path: Path,
    database: Database,
    channel: EmailChannel,
    clock: FixedClock,
    inbox: Inbox,
    monkeypatch: pytest.MonkeyPatch,
    parse_workers: int,
) -> None:
    monkeypatch.setattr(importer, "BATCH_SIZE", 4)
    source = tmp_path / "emls"
    source.mkdir()
    raws = _many(30)
    for number, raw in enumerate(raws):
        (source / f"{number:03}.eml").write_bytes(raw)
    (source / "999.eml").write_bytes(mail(subject="too big", body="x" * 5_000))
    progress: list[int] = []

    summary = importer.import_mail(
        database,
        channel.blobs,
        channel.pipeline,
        clock,
        path=source,
        inbox_id=inbox.id,
        max_message_bytes=4_000,
        on_progress=progress.append,
        parse_workers=parse_workers,
    )

    assert (summary.seen, summary.stored, summary.processed, summary.failed, summary.too_large) == (31, 30, 30, 0, 1)
    assert sum(progress) == 31
    with database.read() as session:
        replies = session.execute(
            select(InboundEmail.subject, InboundEmail.ticket_id).where(InboundEmail.subject.like("Re:%"))
        ).all()
        tickets = {
            row.subject: row.ticket_id for row in session.execute(select(InboundEmail.subject, InboundEmail.ticket_id))
        }
    assert len(replies) == 10
    for subject, ticket_id in replies:  # each reply on its question's ticket, across batches
        assert ticket_id == tickets[str(subject).removeprefix("Re: ")]
    assert _counts(database) == (30, 20, 30)


def test_a_failure_while_storing_stops_the_import_with_that_error(
    tmp_path: Path,
    database: Database,
    channel: EmailChannel,
    clock: FixedClock,
    inbox: Inbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(importer, "BATCH_SIZE", 4)
    source = tmp_path / "emls"
    source.mkdir()
    for number, raw in enumerate(_many(12)):
        (source / f"{number:03}.eml").write_bytes(raw)
    calls = 0
    real_store = importer.store_raw_emails  # type: ignore[attr-defined]

    def failing_store(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise OSError(28, "No space left on device")
        return real_store(*args, **kwargs)

    monkeypatch.setattr(importer, "store_raw_emails", failing_store)
    with pytest.raises(OSError, match="No space left"):
        importer.import_mail(
            database,
            channel.blobs,
            channel.pipeline,
            clock,
            path=source,
            inbox_id=inbox.id,
            max_message_bytes=1_000_000,
            parse_workers=0,
        )
    # The batch stored before the failure was written; nothing after it was stored.
    assert _counts(database) == (4, 3, 4)
