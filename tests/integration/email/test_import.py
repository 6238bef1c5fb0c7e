"""`switchboard import mail` on mbox, Maildir and .eml directories: idempotent, clear errors."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from switchboard.channels.email.models import InboundEmail, IntakeSource
from switchboard.channels.models import Channel
from switchboard.cli.main import app
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
