"""Engines and transactions.

SQLite is run the way it is meant to be with many threads: WAL so readers never block
the writer, foreign keys on, a busy timeout, and exactly one writer at a time per
process (a lock plus `BEGIN IMMEDIATE`, so a transaction never fails half-way when it
upgrades from reading to writing). PostgreSQL needs none of this.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

SQLITE_BEGIN_OPTION = "switchboard_sqlite_begin"


def make_engine(url: str, *, sqlite_busy_timeout_ms: int = 10_000, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        return _make_sqlite_engine(url, busy_timeout_ms=sqlite_busy_timeout_ms, echo=echo)
    # pool_recycle rather than pool_pre_ping: a ping is a round trip on every checkout.
    return create_engine(url, echo=echo, pool_size=10, max_overflow=20, pool_recycle=1800)


def _make_sqlite_engine(url: str, *, busy_timeout_ms: int, echo: bool) -> Engine:
    engine = create_engine(
        url,
        echo=echo,
        connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
        pool_size=8,
        max_overflow=8,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Take over transaction control from the sqlite3 module so BEGIN is ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            "PRAGMA foreign_keys=ON",
            f"PRAGMA busy_timeout={int(busy_timeout_ms)}",
            "PRAGMA temp_store=MEMORY",
            "PRAGMA cache_size=-65536",
            "PRAGMA mmap_size=268435456",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


class Database:
    """Owns the engine and hands out transactions.

    `write()` is the only way to change data: one transaction, committed on success,
    rolled back on error, followed by the after-commit hooks (outbox wake-up).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._write_lock = threading.Lock() if self.is_sqlite else None
        write_bind = engine.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"}) if self.is_sqlite else engine
        self._read_sessions = sessionmaker(bind=engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(bind=write_bind, expire_on_commit=False)
        self._after_commit: list[Callable[[], None]] = []
        self._writing = threading.local()

    def on_commit(self, hook: Callable[[], None]) -> None:
        """Run `hook` after every committed write (e.g. wake the outbox dispatcher)."""
        self._after_commit.append(hook)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read_sessions() as session, session.begin():
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        # A write inside a write on the same thread would wait for itself on SQLite and
        # silently split one unit of work in two on PostgreSQL: refuse it loudly.
        if getattr(self._writing, "active", False):
            raise RuntimeError("nested write transaction: pass the open session down instead")
        self._writing.active = True
        try:
            if self._write_lock is not None:
                with self._write_lock:
                    yield from self._write_transaction()
            else:
                yield from self._write_transaction()
        finally:
            self._writing.active = False
        for hook in self._after_commit:
            hook()

    def _write_transaction(self) -> Iterator[Session]:
        with self._write_sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
