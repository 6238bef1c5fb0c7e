"""Named gap-free counters (ticket display numbers), incremented inside the caller's transaction."""

from __future__ import annotations

from sqlalchemy import BigInteger, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from switchboard.storage.base import Base


class Counter(Base):
    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


def next_value(session: Session, name: str, *, count: int = 1) -> int:
    """Reserve `count` values and return the last one.

    The UPDATE takes the row lock, so concurrent transactions on PostgreSQL queue here
    and numbers stay unique and gap-free (a rolled-back transaction releases its number).
    """
    result = session.execute(
        update(Counter).where(Counter.name == name).values(value=Counter.value + count).returning(Counter.value)
    ).scalar_one_or_none()
    if result is not None:
        return int(result)
    session.add(Counter(name=name, value=count))
    session.flush()
    return int(session.execute(select(Counter.value).where(Counter.name == name)).scalar_one())
