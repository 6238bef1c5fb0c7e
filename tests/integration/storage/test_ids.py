"""Primary keys reserved for bulk inserts: fresh, increasing, and never handed out again."""

from __future__ import annotations

from sqlalchemy import insert, select

from switchboard.customers.models import Customer, CustomerTier
from switchboard.storage.engine import Database
from switchboard.storage.ids import reserve_ids
from tests.conftest import START
from tests.factories import Factory


def _row(customer_id: int | None, name: str) -> dict[str, object]:
    row: dict[str, object] = {"name": name, "tier": CustomerTier.STANDARD, "created_at": START}
    if customer_id is not None:
        row["id"] = customer_id
    return row


def test_reserved_ids_are_free_increasing_and_not_reused_by_later_inserts(database: Database, make: Factory) -> None:
    existing = make.customer("Already here")
    with database.write() as session:
        assert list(reserve_ids(session, Customer, 0)) == []
        ids = list(reserve_ids(session, Customer, 3))
        assert ids == sorted(ids) and len(set(ids)) == 3 and min(ids) > existing.id
        session.execute(insert(Customer), [_row(customer_id, f"bulk {n}") for n, customer_id in enumerate(ids)])
    with database.write() as session:
        # An ordinary insert afterwards (the database picks the id) collides with none of them.
        later = session.scalars(insert(Customer).returning(Customer.id), [_row(None, "later")]).one()
        assert later > max(ids)
        assert set(session.scalars(select(Customer.id))) == {existing.id, *ids, later}
