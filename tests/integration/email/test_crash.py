"""Kill the server with SIGKILL while a client is sending; nothing acknowledged is lost.

After a restart, every message that got a 250 is there exactly once: its raw bytes
were durable before the 250, and the pipeline picks up whatever was stored but not
yet processed when the process died.
"""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from switchboard.channels.email.models import InboundEmail, InboundState
from switchboard.storage.engine import Database
from switchboard.tickets.models import Message
from tests.factories import Factory
from tests.integration.email.conftest import SUPPORT, mail

BATCH = 300
KILL_AFTER = 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    def __init__(self, database_url: str, data_dir: Path) -> None:
        self.smtp_port = _free_port()
        self.env = {
            **os.environ,
            "SWITCHBOARD_DATABASE_URL": database_url,
            "SWITCHBOARD_DATA_DIR": str(data_dir),
            "SWITCHBOARD_PORT": str(_free_port()),
            "SWITCHBOARD_SMTP_PORT": str(self.smtp_port),
            "SWITCHBOARD_ENVIRONMENT": "test",
            "SWITCHBOARD_LOG_LEVEL": "warning",
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "server.log"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "switchboard.cli.main", "serve"], env=self.env, stdout=log, stderr=log
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.smtp_port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"server did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


@pytest.fixture
def server(database_url: str, tmp_path: Path, make: Factory) -> Iterator[Server]:
    make.inbox(address=SUPPORT)
    running = Server(database_url, tmp_path)
    yield running
    running.stop()


def test_sigkill_mid_batch_loses_no_acknowledged_message(server: Server, database: Database) -> None:
    server.start()
    acknowledged: list[str] = []
    sent = threading.Event()

    def send() -> None:
        try:
            with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as smtp:
                for n in range(BATCH):
                    message_id = f"crash-{n}@customer.test"
                    smtp.sendmail("ada@customer.test", [SUPPORT], mail(subject=f"n{n}", message_id=f"<{message_id}>"))
                    acknowledged.append(message_id)  # sendmail returned: the server said 250
        except (smtplib.SMTPException, OSError):
            pass  # the server died under us: what was acknowledged is the contract
        finally:
            sent.set()

    sender = threading.Thread(target=send)
    sender.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < KILL_AFTER and time.monotonic() < deadline and not sent.is_set():
        time.sleep(0.005)
    server.kill()
    sender.join(timeout=30)
    assert KILL_AFTER <= len(acknowledged) < BATCH, "the kill should land mid-batch"

    server.start()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        with database.read() as session:
            waiting = session.scalar(
                select(func.count(InboundEmail.id)).where(InboundEmail.state == InboundState.STORED)
            )
            stored = session.scalar(select(func.count(InboundEmail.id)))
        if waiting == 0 and (stored or 0) >= len(acknowledged):
            break
        time.sleep(0.2)

    with database.read() as session:
        counts = dict(
            session.execute(
                select(Message.external_id, func.count(Message.id))
                .where(Message.external_id.in_(acknowledged))
                .group_by(Message.external_id)
            ).all()
        )
    missing = [m for m in acknowledged if m not in counts]
    doubled = {m: c for m, c in counts.items() if c != 1}
    assert missing == [] and doubled == {}
