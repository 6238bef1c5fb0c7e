"""Primary keys reserved before a bulk insert, so the rows go in with a plain executemany.

Bulk intake needs the new rows' ids (to link messages to tickets, events to messages). Asking
the database for them with INSERT … RETURNING in parameter order works everywhere, but on
SQLite SQLAlchemy can only keep that order by sending one INSERT per row; reserving the ids
first lets a hundred rows go in one executemany on both databases.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session

from switchboard.storage.base import Base


def reserve_ids(session: Session, table: Table | type[Base], count: int) -> Sequence[int]:
    """`count` new, increasing primary keys (`id`) for `table`, free to insert in this transaction.

    PostgreSQL draws them from the column's sequence, so concurrent writers never collide. On
    SQLite the caller must be in a write transaction (`Database.write()`: BEGIN IMMEDIATE holds
    the database's only write lock, across processes), so the ids after the current maximum stay
    free until it commits; SQLite itself picks max + 1 for a table without AUTOINCREMENT.
    """
    if not isinstance(table, Table):
        mapped = table.__table__
        if not isinstance(mapped, Table):
            raise TypeError(f"{table.__name__} is not mapped to a table")
        table = mapped
    if count <= 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        values = session.execute(
            text("SELECT nextval(CAST(:sequence AS regclass)) FROM generate_series(1, :count)"),
            {"sequence": id_sequence(session, table), "count": count},
        ).scalars()
        return sorted(int(value) for value in values)
    first = int(session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()) + 1
    return range(first, first + count)


def id_sequence(session: Session, table: Table) -> str:
    """The PostgreSQL sequence behind `table.id` (serial or identity)."""
    sequence = session.execute(text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table.name}).scalar_one()
    return str(sequence)
