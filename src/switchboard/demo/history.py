"""Ticket histories in batches: when requests arrive, how they unfold, and writing them.

Both the demo (a few thousand tickets over eight weeks) and benchmark bulk runs (a
million over a year) go through here, so bulk data is shaped and stored like demo data.

A batch is planned from its own seed, so the same batch comes out the same whether it
is planned here or in a worker process. Planned batches get their ids in one of two
ways: reserved inside the writing transaction (`write_histories`), or assumed up front
by a worker and checked when written (`encode_batch` then `write_encoded_batch`).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from switchboard.demo.bulk_writer import BulkWriter, EncodedRows, RowEncoder
from switchboard.demo.calendar import ArrivalSampler
from switchboard.demo.cast import Cast, CustomerRef
from switchboard.demo.odds import seeded
from switchboard.demo.plot_settings import PlotSettings
from switchboard.demo.plots import plan_conversation
from switchboard.demo.rows import OrderedBatch, assign_ids, build_rows, order_batch
from switchboard.demo.story import PlannedTicket
from switchboard.storage.base import Base
from switchboard.storage.counters import Counter, next_value
from switchboard.tickets.actions import TICKET_NUMBER_COUNTER

# Parents before children: foreign keys are checked row by row on SQLite.
TABLE_ORDER = ("tickets", "messages", "ticket_tags", "ticket_events")

Request = tuple[datetime, CustomerRef]


class ConcurrentWriteError(RuntimeError):
    """Someone else wrote tickets while a bulk load was running with ids assumed up front."""


@dataclass(frozen=True, slots=True)
class WrittenCounts:
    tickets: int = 0
    messages: int = 0
    events: int = 0
    ticket_tags: int = 0

    def __add__(self, other: WrittenCounts) -> WrittenCounts:
        return WrittenCounts(
            tickets=self.tickets + other.tickets,
            messages=self.messages + other.messages,
            events=self.events + other.events,
            ticket_tags=self.ticket_tags + other.ticket_tags,
        )


@dataclass(frozen=True, slots=True)
class IdBases:
    """The next ticket id, ticket number, message id and event id to hand out."""

    ticket_id: int
    number: int
    message_id: int
    event_id: int

    def after(self, batch: OrderedBatch) -> IdBases:
        return IdBases(
            ticket_id=self.ticket_id + len(batch.tickets),
            number=self.number + len(batch.tickets),
            message_id=self.message_id + len(batch.messages),
            event_id=self.event_id + len(batch.events),
        )


@dataclass(frozen=True, slots=True)
class EncodedBatch:
    index: int
    bases: IdBases
    counts: WrittenCounts
    rows: dict[str, EncodedRows]


def table(name: str) -> Table:
    return Base.metadata.tables[name]


def arrivals(
    rng: random.Random,
    *,
    customers: Sequence[CustomerRef],
    weights: Sequence[float],
    start: datetime,
    end: datetime,
    count: int,
) -> list[Request]:
    """`count` (moment, customer) requests in [start, end), in time order."""
    sampler = ArrivalSampler(start=start, end=end, timezones={customer.timezone for customer in customers})
    chosen = rng.choices(customers, weights=weights, k=count)
    requests = [(sampler.draw(rng, customer.timezone), customer) for customer in chosen]
    requests.sort(key=lambda request: request[0])
    return requests


def plan_batch(
    *, seed_key: str, index: int, cast: Cast, settings: PlotSettings, requests: Sequence[Request], horizon: datetime
) -> OrderedBatch:
    """Exactly one ticket per request: when a customer's duplicate is merged into their
    ticket, the batch's last request is left out, so N requests make N tickets."""
    rng = seeded(f"{seed_key}:{index}")
    planned: list[PlannedTicket] = []
    for created_at, customer in requests:
        slots_left = len(requests) - len(planned)
        if slots_left <= 0:
            break
        planned.extend(
            plan_conversation(
                rng,
                cast=cast,
                settings=settings,
                customer=customer,
                created_at=created_at,
                horizon=horizon,
                allow_duplicate=slots_left >= 2,  # noqa: PLR2004 - the ticket and its duplicate
            )
        )
    return order_batch(planned)


def write_histories(session: Session, batch: OrderedBatch, *, tag_ids: dict[str, int]) -> WrittenCounts:
    """Reserve ids, then insert the batch's tickets, messages, tags and events (caller's transaction)."""
    if not batch.tickets:
        return WrittenCounts()
    writer = BulkWriter(session)
    ticket_count = len(batch.tickets)
    last_number = next_value(session, TICKET_NUMBER_COUNTER, count=ticket_count)
    assign_ids(
        batch,
        ticket_ids=writer.reserve_ids(table("tickets"), ticket_count),
        numbers=range(last_number - ticket_count + 1, last_number + 1),
        message_ids=writer.reserve_ids(table("messages"), len(batch.messages)),
        event_ids=writer.reserve_ids(table("ticket_events"), len(batch.events)),
    )
    rows = build_rows(batch, tag_ids=tag_ids)
    for name in TABLE_ORDER:
        writer.insert(table(name), getattr(rows, name))
    return _counts(batch, ticket_tags=len(rows.ticket_tags))


def current_bases(session: Session) -> IdBases:
    """Where ids and numbers would continue now (nothing is reserved)."""
    writer = BulkWriter(session)
    last_number = session.execute(select(Counter.value).where(Counter.name == TICKET_NUMBER_COUNTER)).scalar()
    return IdBases(
        ticket_id=writer.next_id(table("tickets")),
        number=int(last_number or 0) + 1,
        message_id=writer.next_id(table("messages")),
        event_id=writer.next_id(table("ticket_events")),
    )


def encode_batch(
    batch: OrderedBatch, *, index: int, bases: IdBases, tag_ids: dict[str, int], encoder: RowEncoder
) -> EncodedBatch:
    """Rows ready to insert, with ids assumed to start at `bases` (no database needed)."""
    assign_ids(
        batch,
        ticket_ids=range(bases.ticket_id, bases.ticket_id + len(batch.tickets)),
        numbers=range(bases.number, bases.number + len(batch.tickets)),
        message_ids=range(bases.message_id, bases.message_id + len(batch.messages)),
        event_ids=range(bases.event_id, bases.event_id + len(batch.events)),
    )
    rows = build_rows(batch, tag_ids=tag_ids)
    return EncodedBatch(
        index=index,
        bases=bases,
        counts=_counts(batch, ticket_tags=len(rows.ticket_tags)),
        rows={name: encoder.encode(table(name), getattr(rows, name)) for name in TABLE_ORDER},
    )


def write_encoded_batch(session: Session, batch: EncodedBatch) -> WrittenCounts:
    """Insert a pre-encoded batch, after checking its assumed ids are exactly the next free ones."""
    writer = BulkWriter(session)
    counts, bases = batch.counts, batch.bases
    if counts.tickets:
        _require_range("ticket ids", writer.reserve_ids(table("tickets"), counts.tickets), bases.ticket_id)
        last_number = next_value(session, TICKET_NUMBER_COUNTER, count=counts.tickets)
        _require_range("ticket numbers", range(last_number - counts.tickets + 1, last_number + 1), bases.number)
    _require_range("message ids", writer.reserve_ids(table("messages"), counts.messages), bases.message_id)
    _require_range("event ids", writer.reserve_ids(table("ticket_events"), counts.events), bases.event_id)
    for name in TABLE_ORDER:
        writer.insert_encoded(table(name), batch.rows[name])
    return counts


def _require_range(what: str, reserved: Sequence[int], first: int) -> None:
    if reserved and (reserved[0] != first or reserved[-1] != first + len(reserved) - 1):
        raise ConcurrentWriteError(
            f"{what} {reserved[0]}… were not the expected {first}…: another process wrote tickets "
            "during the bulk load; run it again"
        )


def _counts(batch: OrderedBatch, *, ticket_tags: int) -> WrittenCounts:
    return WrittenCounts(
        tickets=len(batch.tickets), messages=len(batch.messages), events=len(batch.events), ticket_tags=ticket_tags
    )
