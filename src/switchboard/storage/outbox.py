"""Transactional outbox: side effects recorded with the change, dispatched after commit.

A handler runs at least once per item; handlers must be idempotent (they receive the
item id). An item that keeps failing is retried with backoff and finally parked with
its last error, never silently dropped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from switchboard.core.clock import Clock
from switchboard.storage.base import Base, PortableJSON

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


class OutboxItem(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "dispatched_at", "available_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    available_at: Mapped[datetime]
    dispatched_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    parked: Mapped[bool] = mapped_column(default=False)


def enqueue(
    session: Session, *, topic: str, payload: dict[str, Any], now: datetime, ticket_id: int | None = None
) -> OutboxItem:
    item = OutboxItem(
        topic=topic, payload=payload, ticket_id=ticket_id, created_at=now, available_at=now, attempts=0, parked=False
    )
    session.add(item)
    return item


OutboxHandler = Callable[[OutboxItem], None]


class OutboxDispatcher:
    """Delivers pending outbox items to the handler registered for their topic.

    Items whose topic has no handler in this process stay pending for a process that
    has one (a worker), so nothing is marked done that was not done.
    """

    def __init__(self, database: Any, clock: Clock, *, batch_size: int = 100) -> None:
        self._database = database
        self._clock = clock
        self._handlers: dict[str, OutboxHandler] = {}
        self._batch_size = batch_size
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def register(self, topic: str, handler: OutboxHandler) -> None:
        self._handlers[topic] = handler

    def wake(self) -> None:
        self._wake.set()

    def dispatch_pending(self) -> int:
        """Deliver what is due now; returns how many items were delivered."""
        if not self._handlers:
            return 0
        now = self._clock.now()
        with self._database.read() as session:
            ids = list(
                session.scalars(
                    select(OutboxItem.id)
                    .where(
                        OutboxItem.dispatched_at.is_(None),
                        OutboxItem.parked.is_(False),
                        OutboxItem.available_at <= now,
                        OutboxItem.topic.in_(list(self._handlers)),
                    )
                    .order_by(OutboxItem.id)
                    .limit(self._batch_size)
                )
            )
        delivered = 0
        for item_id in ids:
            delivered += self._deliver(item_id)
        return delivered

    def _deliver(self, item_id: int) -> int:
        # The handler runs outside any transaction: a slow side effect (an SMTP send)
        # must not hold SQLite's single writer. Delivery is at-least-once.
        with self._database.read() as session:
            item = session.get(OutboxItem, item_id)
            if item is None or item.dispatched_at is not None or item.parked:
                return 0
            session.expunge(item)
        error: str | None = None
        try:
            self._handlers[item.topic](item)
        except Exception as exc:  # noqa: BLE001 - any handler failure is retried, never lost
            error = f"{type(exc).__name__}: {exc}"[:2000]
            log.warning("outbox item %s (%s) failed: %s", item.id, item.topic, error)
        now = self._clock.now()
        with self._database.write() as session:
            stored = session.get(OutboxItem, item_id)
            if stored is None:
                return 0
            stored.attempts += 1
            if error is None:
                stored.dispatched_at = now
                return 1
            stored.last_error = error
            stored.parked = stored.attempts >= MAX_ATTEMPTS
            stored.available_at = now + timedelta(seconds=min(3600, 2**stored.attempts))
            return 0

    def start(self, *, poll_seconds: float = 2.0) -> None:
        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self.dispatch_pending()
                except Exception:
                    log.exception("outbox dispatch failed")
                self._wake.wait(poll_seconds)
                self._wake.clear()

        self._thread = threading.Thread(target=loop, name="outbox-dispatcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
