"""Fast inserts of many rows inside the caller's write transaction.

Values go through each column type's own bind processor for the dialect (the same
conversion the ORM applies: UTC datetimes, enum values, priority ranks, JSON), so bulk
rows are stored exactly like rows written by the named actions. The statement is
SQLAlchemy Core's `insert(table)`; on SQLite it runs as one DBAPI `executemany` per
table (skipping SQLAlchemy's per-row parameter bookkeeping, which costs more than the
insert itself), on PostgreSQL as a `COPY ... FROM STDIN`.

Encoding needs no connection, so worker processes encode and the writer only inserts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from switchboard.storage.base import UTCDateTime
from switchboard.storage.ids import id_sequence, reserve_ids

Processor = Callable[[Any], Any]
EncodedRows = list[tuple[Any, ...]]

# Datetimes are most of the values in a bulk load. For SQLite, SQLAlchemy stores
# "YYYY-MM-DD HH:MM:SS.ffffff" in UTC; `isoformat` makes the same text about ten times
# faster. `RowEncoder` checks the two agree before it uses the shortcut.
_SAMPLE_MOMENTS = (
    datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
    datetime(2025, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
    datetime(2024, 2, 29, 0, 0, 0, 1, tzinfo=UTC),
)


def _sqlite_utc_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not UTC:
        if value.tzinfo is None:
            raise ValueError("naive datetime refused; use timezone-aware UTC values")
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]


def dialect_named(name: str) -> Dialect:
    """A dialect object without a connection, for encoding in worker processes."""
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

        return SQLiteDialect_pysqlite()
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

        return PGDialect_psycopg()  # type: ignore[no-untyped-call]
    raise ValueError(f"bulk loading supports sqlite and postgresql, not {name}")


class RowEncoder:
    """Rows (dicts by column name) to DBAPI parameter tuples in column order."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self._plans: dict[str, tuple[itemgetter[Any], list[tuple[int, Processor]]]] = {}

    def encode(self, table: Table, rows: Sequence[dict[str, Any]]) -> EncodedRows:
        read_row, processed = self._plan(table)
        encoded: EncodedRows = []
        for row in rows:
            values = list(read_row(row))
            for index, processor in processed:
                values[index] = processor(values[index])
            encoded.append(tuple(values))
        return encoded

    def _plan(self, table: Table) -> tuple[itemgetter[Any], list[tuple[int, Processor]]]:
        plan = self._plans.get(table.name)
        if plan is None:
            names = [column.name for column in table.columns]
            processed: list[tuple[int, Processor]] = []
            for index, column in enumerate(table.columns):
                processor = self._processor(column.type)
                if processor is not None:
                    processed.append((index, processor))
            plan = itemgetter(*names), processed  # every bulk table has several columns: tuples
            self._plans[table.name] = plan
        return plan

    def _processor(self, column_type: Any) -> Processor | None:
        processor: Processor | None = column_type.dialect_impl(self.dialect).bind_processor(self.dialect)
        if processor is not None and isinstance(column_type, UTCDateTime) and self.dialect.name == "sqlite":
            reference = processor
            if all(_sqlite_utc_text(moment) == reference(moment) for moment in _SAMPLE_MOMENTS):
                return _sqlite_utc_text
        return processor


class BulkWriter:
    """Reserves ids and inserts encoded rows for one session (one transaction)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect
        self.is_postgresql = self.dialect.name == "postgresql"
        self.encoder = RowEncoder(self.dialect)
        self._next_sqlite_id: dict[str, int] = {}

    def next_id(self, table: Table) -> int:
        """The id the next reservation would start at, if nobody else writes first (no reservation)."""
        if self.is_postgresql:
            sequence = self._sequence(table)
            last_value, is_called = self.session.execute(
                text(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608 - the name comes from the catalogue
            ).one()
            return int(last_value) + 1 if is_called else int(last_value)
        return int(self.session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()) + 1

    def reserve_ids(self, table: Table, count: int) -> Sequence[int]:
        """`count` new, increasing primary keys for `table`.

        PostgreSQL draws them from the table's sequence, so concurrent writers never
        collide. On SQLite the caller holds the only write transaction (BEGIN
        IMMEDIATE), so the next ids after the current maximum are free.
        """
        if count == 0:
            return []
        if self.is_postgresql:
            return reserve_ids(self.session, table, count)
        # Several reservations may come before any insert: continue from the last one.
        first = self._next_sqlite_id.get(table.name)
        if first is None:
            first = self.next_id(table)
        self._next_sqlite_id[table.name] = first + count
        return range(first, first + count)

    def insert(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        self.insert_encoded(table, self.encoder.encode(table, rows))

    def insert_encoded(self, table: Table, encoded: EncodedRows) -> None:
        if not encoded:
            return
        if self.is_postgresql:
            self._copy(table, encoded)
            return
        statement = insert(table).compile(dialect=self.dialect)
        if list(statement.positiontup or []) != [column.name for column in table.columns]:
            raise RuntimeError(f"unexpected parameter order for {table.name}: {statement.positiontup}")
        self.session.connection().exec_driver_sql(str(statement), encoded)

    def _sequence(self, table: Table) -> str:
        return id_sequence(self.session, table)

    def _copy(self, table: Table, rows: EncodedRows) -> None:
        quote = self.dialect.identifier_preparer.quote
        columns = ", ".join(quote(column.name) for column in table.columns)
        driver_connection = self.session.connection().connection.driver_connection
        if driver_connection is None:
            raise RuntimeError("no PostgreSQL driver connection")
        statement = f"COPY {quote(table.name)} ({columns}) FROM STDIN"
        with driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
