"""Named gap-free counters (ticket display numbers), incremented inside the caller's transaction."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from switchboard.storage.base import Base


class Counter(Base):
    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


def next_value(session: Session, name: str, *, count: int = 1) -> int:
    """Reserve `count` values and return the last one.

    One upsert: the first use creates the row, and concurrent transactions on
    PostgreSQL queue on its row lock, so numbers stay unique and gap-free (a rolled-back
    transaction releases its numbers).
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(Counter)
        .values(name=name, value=count)
        .on_conflict_do_update(index_elements=[Counter.name], set_={"value": Counter.value + count})
        .returning(Counter.value)
    )
    return int(session.execute(statement).scalar_one())
