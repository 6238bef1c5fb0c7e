"""Group commit of SMTP intake records: many sessions, one write transaction.

Every SMTP session must have its message durable before it answers 250: the blob fsynced, then
its `inbound_emails` record committed. Blobs are written by each session's own thread (their
fsyncs run in parallel and share the file system's journal commits), but each record used to
take a write transaction of its own, and on SQLite those queue one by one behind the
pipeline's batch writes. Here the first session to arrive commits the records of every session
waiting at that moment in one transaction (leader and followers, as database logs group their
commits); sessions arriving meanwhile wait for the next one. A session is answered only when
the transaction holding its record has committed, and with the error if it failed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from switchboard.channels.email.intake import StoredEmail, existing_record, record_values, store_raw_email
from switchboard.channels.email.models import InboundEmail, IntakeSource
from switchboard.storage.blobs import BlobStore, digest_of
from switchboard.storage.engine import Database
from switchboard.storage.ids import reserve_ids


@dataclass(slots=True)
class _Waiting:
    sha256: str
    raw: bytes
    source: IntakeSource
    inbox_id: int | None
    now: datetime
    envelope_sender: str | None
    envelope_recipients: tuple[str, ...]
    done: bool = False
    result: StoredEmail | None = None
    error: BaseException | None = field(default=None)


class GroupCommitter:
    """`store_raw_email` for concurrent callers, their records committed together."""

    def __init__(self, database: Database, blobs: BlobStore) -> None:
        self._database = database
        self._blobs = blobs
        self._condition = threading.Condition()
        self._queue: list[_Waiting] = []
        self._committing = False

    def store(
        self,
        *,
        raw: bytes,
        source: IntakeSource,
        inbox_id: int | None,
        now: datetime,
        envelope_sender: str | None = None,
        envelope_recipients: tuple[str, ...] = (),
    ) -> StoredEmail:
        """Durably store `raw`; returns once its record is committed. Raises if it cannot."""
        sha256 = digest_of(raw)
        if (existing := existing_record(self._database, sha256)) is not None:
            return StoredEmail(inbound_id=existing, sha256=sha256, duplicate=True)
        self._blobs.put(raw)  # a record must never outlive its blob: fsynced before it is queued
        waiting = _Waiting(sha256, raw, source, inbox_id, now, envelope_sender, envelope_recipients)
        with self._condition:
            self._queue.append(waiting)
            while self._committing and not waiting.done:
                self._condition.wait()
            if not waiting.done:  # this caller leads: commit everyone queued so far
                self._committing = True
                batch, self._queue = self._queue, []
        if not waiting.done:
            try:
                self._commit(batch)
            finally:
                with self._condition:
                    self._committing = False
                    self._condition.notify_all()
        if waiting.error is not None:
            raise waiting.error
        if waiting.result is None:  # cannot happen: every committed batch sets a result or an error
            raise RuntimeError("group commit left a message without a result")
        return waiting.result

    def _commit(self, batch: list[_Waiting]) -> None:
        first_of: dict[str, _Waiting] = {}
        for item in batch:
            first_of.setdefault(item.sha256, item)
        try:
            ids = self._insert(list(first_of.values()))
        except IntegrityError:
            # Another intake (an import, the IMAP sync) stored some of these bytes meanwhile:
            # one by one, each finds its record or makes it.
            self._one_by_one(batch)
            return
        except Exception as error:  # noqa: BLE001 - every waiting session answers 451 with it
            for item in batch:
                item.error, item.done = error, True
            return
        for item in batch:
            record_id = ids[item.sha256]
            item.result = StoredEmail(
                inbound_id=record_id, sha256=item.sha256, duplicate=item is not first_of[item.sha256]
            )
            item.done = True

    def _insert(self, items: list[_Waiting]) -> dict[str, int]:
        with self._database.write() as session:
            ids = reserve_ids(session, InboundEmail, len(items))
            session.execute(
                insert(InboundEmail),
                [
                    {
                        "id": record_id,
                        **record_values(
                            item.sha256,
                            item.raw,
                            source=item.source,
                            inbox_id=item.inbox_id,
                            now=item.now,
                            envelope_sender=item.envelope_sender,
                            envelope_recipients=item.envelope_recipients,
                        ),
                    }
                    for record_id, item in zip(ids, items, strict=True)
                ],
            )
        return {item.sha256: record_id for record_id, item in zip(ids, items, strict=True)}

    def _one_by_one(self, batch: list[_Waiting]) -> None:
        for item in batch:
            try:
                item.result = store_raw_email(
                    self._database,
                    self._blobs,
                    raw=item.raw,
                    source=item.source,
                    inbox_id=item.inbox_id,
                    now=item.now,
                    envelope_sender=item.envelope_sender,
                    envelope_recipients=item.envelope_recipients,
                )
            except Exception as error:  # noqa: BLE001 - that session answers 451 with it
                item.error = error
            item.done = True
