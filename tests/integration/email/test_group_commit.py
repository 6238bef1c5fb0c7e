"""SMTP intake's group commit: concurrent sessions share write transactions, each answered
only once its record is committed, with the error when that fails."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from switchboard.channels.email.group_commit import GroupCommitter
from switchboard.channels.email.intake import StoredEmail, store_raw_email
from switchboard.channels.email.models import InboundEmail, IntakeSource
from switchboard.channels.models import Inbox
from switchboard.core.clock import FixedClock
from switchboard.storage.blobs import BlobStore
from switchboard.storage.engine import Database
from tests.integration.email.conftest import mail


def _store(committer: GroupCommitter, raw: bytes, clock: FixedClock, inbox: Inbox) -> StoredEmail:
    return committer.store(
        raw=raw,
        source=IntakeSource.SMTP,
        inbox_id=inbox.id,
        now=clock.now(),
        envelope_sender="ada@customer.test",
        envelope_recipients=("support@example.test",),
    )


def _count_writes(database: Database, monkeypatch: pytest.MonkeyPatch, hold_seconds: float) -> list[int]:
    """Count write transactions, each held a little so that sessions pile up behind it."""
    writes: list[int] = []
    real_write: Callable[[], AbstractContextManager[Session]] = database.write

    class Held:
        def __enter__(self) -> Session:
            writes.append(1)
            self._inner = real_write()
            session = self._inner.__enter__()
            threading.Event().wait(hold_seconds)
            return session

        def __exit__(self, *exc: Any) -> Any:
            return self._inner.__exit__(*exc)

    monkeypatch.setattr(database, "write", Held)
    return writes


def test_concurrent_sessions_share_transactions_and_each_gets_its_committed_record(
    database: Database, tmp_path: Path, clock: FixedClock, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    committer = GroupCommitter(database, BlobStore(tmp_path / "blobs"))
    raws = [mail(subject=f"message {n}", message_id=f"<gc{n}@customer.test>") for n in range(40)]
    raws.append(raws[0])  # the same bytes again (an SMTP retry) in the same burst
    writes = _count_writes(database, monkeypatch, hold_seconds=0.02)

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda raw: _store(committer, raw, clock, inbox), raws))

    assert len(writes) < len(raws) / 2  # grouped: far fewer transactions than messages
    fresh = [result for result in results if not result.duplicate]
    assert len(fresh) == 40 and len({result.inbound_id for result in fresh}) == 40
    assert results[-1].inbound_id == results[0].inbound_id and (results[0].duplicate or results[-1].duplicate)
    with database.read() as session:
        rows = session.execute(select(InboundEmail.id, InboundEmail.envelope_sender, InboundEmail.inbox_id)).all()
    assert {row.id for row in rows} == {result.inbound_id for result in fresh}
    assert {(row.envelope_sender, row.inbox_id) for row in rows} == {("ada@customer.test", inbox.id)}


def test_a_failed_commit_answers_every_waiting_session_with_the_error_and_records_nothing(
    database: Database, tmp_path: Path, clock: FixedClock, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    committer = GroupCommitter(database, BlobStore(tmp_path / "blobs"))

    def broken() -> Any:
        raise OSError("database is unavailable")

    monkeypatch.setattr(database, "write", broken)
    raws = [mail(subject=f"message {n}") for n in range(6)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(_store, committer, raw, clock, inbox) for raw in raws]
        for future in futures:
            with pytest.raises(OSError, match="unavailable"):
                future.result()
    monkeypatch.undo()
    with database.read() as session:
        assert session.scalar(select(func.count(InboundEmail.id))) == 0
    # The committer is not stuck: the next session commits.
    assert not _store(committer, raws[0], clock, inbox).duplicate


def test_bytes_stored_meanwhile_by_another_intake_are_found_not_duplicated(
    database: Database, tmp_path: Path, clock: FixedClock, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    blobs = BlobStore(tmp_path / "blobs")
    committer = GroupCommitter(database, blobs)
    raw = mail(subject="raced")
    real_put = blobs.put

    other_intake = BlobStore(tmp_path / "blobs")

    def put_then_race(data: bytes, *, durable: bool = True) -> Any:
        stored = real_put(data, durable=durable)
        # An import stores the same bytes between our duplicate check and our insert.
        store_raw_email(
            database, other_intake, raw=data, source=IntakeSource.IMPORT, inbox_id=inbox.id, now=clock.now()
        )
        return stored

    monkeypatch.setattr(blobs, "put", put_then_race)
    result = _store(committer, raw, clock, inbox)
    assert result.duplicate
    with database.read() as session:
        assert session.scalars(select(InboundEmail.id)).all() == [result.inbound_id]
