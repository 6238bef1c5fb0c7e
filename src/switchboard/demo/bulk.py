"""Benchmark volume: many customers and a year of tickets added to the demo workspace.

Customers are written in bulk too (one new customer per few tickets, so "tickets of
one customer" stays a realistic listing), as `customers.actions.create_customer` would
write them: a customer row and its normalised email identity.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from sqlalchemy import func, select

from switchboard.customers.models import CustomerTier, IdentityKind, Organisation
from switchboard.demo.bulk_writer import BulkWriter
from switchboard.demo.catalogue import CUSTOMER_TIMEZONES, FIRST_NAMES, LANGUAGE_BY_TIMEZONE, LAST_NAMES
from switchboard.demo.history import (
    EncodedBatch,
    Request,
    WrittenCounts,
    arrivals,
    current_bases,
    plan_batch,
    table,
    write_encoded_batch,
    write_histories,
)
from switchboard.demo.odds import activity_weights, chance, seeded
from switchboard.demo.parallel import PlanningJob, plan_and_write_in_parallel
from switchboard.demo.plot_settings import BULK_PLOTS
from switchboard.demo.workspace import read_cast, read_customers
from switchboard.storage.engine import Database
from switchboard.tickets.models import Ticket

BULK_WINDOW = timedelta(weeks=52)
TICKETS_PER_NEW_CUSTOMER = 8
BATCH_SIZE = 10_000
PARALLEL_FROM = 50_000  # below this, starting worker processes costs more than it saves
MAX_WORKERS = 4
_PUBLIC_MAIL_DOMAINS = ("mail.example", "inbox.example", "post.example", "webmail.example")


@dataclass(frozen=True, slots=True)
class BulkResult:
    counts: WrittenCounts
    customers: int
    seconds: float

    def summary(self) -> str:
        rate = self.counts.tickets / self.seconds if self.seconds else 0.0
        return (
            f"Added {self.counts.tickets:,} tickets ({self.counts.messages:,} messages, "
            f"{self.counts.events:,} events) and {self.customers:,} customers in {self.seconds:,.1f} s "
            f"({rate:,.0f} tickets/s)."
        )


def add_bulk_tickets(
    database: Database,
    *,
    now: datetime,
    count: int,
    seed: int,
    console: Console,
    batch_size: int = BATCH_SIZE,
    workers: int | None = None,
) -> BulkResult:
    """Add exactly `count` tickets created over the year before `now`, in transactions of `batch_size`.

    With `workers` > 1 (default: one per core for large loads), batches are planned and
    encoded in worker processes; the data is the same either way for the same seed.
    """
    started = time.perf_counter()
    with database.read() as session:
        cast = read_cast(session)
        existing_tickets = int(session.execute(select(func.count()).select_from(Ticket)).scalar_one())
    # A different stream per run, so repeated runs add different data.
    seed_key = f"{seed}:{existing_tickets}"
    rng = seeded(seed_key)
    if workers is None:
        workers = min(os.cpu_count() or 1, MAX_WORKERS) if count >= PARALLEL_FROM else 1
    with Progress(
        TextColumn("[bold]{task.description:<9}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as progress:
        new_customers = max(1, count // TICKETS_PER_NEW_CUSTOMER)
        task = progress.add_task("customers", total=new_customers)
        _add_customers(database, rng, now=now, count=new_customers, on_batch=lambda n: progress.advance(task, n))
        with database.read() as session:
            customers = read_customers(session)
        weights = activity_weights(rng, len(customers))
        requests = arrivals(rng, customers=customers, weights=weights, start=now - BULK_WINDOW, end=now, count=count)
        task = progress.add_task("tickets", total=count)
        job = PlanningJob(
            seed_key=seed_key, cast=cast, settings=BULK_PLOTS, horizon=now, dialect_name=database.engine.dialect.name
        )
        write = _write_in_parallel if workers > 1 else _write_in_this_process
        counts = write(
            database,
            job,
            requests,
            batch_size=batch_size,
            workers=workers,
            on_batch=lambda n: progress.advance(task, n),
        )
    return BulkResult(counts=counts, customers=new_customers, seconds=time.perf_counter() - started)


def _write_in_this_process(
    database: Database,
    job: PlanningJob,
    requests: Sequence[Request],
    *,
    batch_size: int,
    workers: int,
    on_batch: Callable[[int], None],
) -> WrittenCounts:
    """Plan each batch, then reserve its ids and write it in one transaction."""
    counts = WrittenCounts()
    for index, first in enumerate(range(0, len(requests), batch_size)):
        batch = plan_batch(
            seed_key=job.seed_key,
            index=index,
            cast=job.cast,
            settings=job.settings,
            requests=requests[first : first + batch_size],
            horizon=job.horizon,
        )
        with database.write() as session:
            counts += write_histories(session, batch, tag_ids=job.cast.tag_ids)
        on_batch(len(batch.tickets))
    return counts


def _write_in_parallel(
    database: Database,
    job: PlanningJob,
    requests: Sequence[Request],
    *,
    batch_size: int,
    workers: int,
    on_batch: Callable[[int], None],
) -> WrittenCounts:
    """Workers plan and encode batches with ids assumed from here; each write checks them."""
    written: list[WrittenCounts] = []

    def write(batch: EncodedBatch) -> None:
        with database.write() as session:
            written.append(write_encoded_batch(session, batch))
        on_batch(batch.counts.tickets)

    with database.read() as session:
        first_bases = current_bases(session)
    plan_and_write_in_parallel(
        job=job, requests=requests, batch_size=batch_size, workers=workers, first_bases=first_bases, write=write
    )
    counts = WrittenCounts()
    for batch_counts in written:
        counts += batch_counts
    return counts


def _add_customers(
    database: Database, rng: random.Random, *, now: datetime, count: int, on_batch: Callable[[int], None]
) -> None:
    zones = [zone for zone, _ in CUSTOMER_TIMEZONES]
    zone_weights = [weight for _, weight in CUSTOMER_TIMEZONES]
    with database.read() as session:
        organisations = [
            (organisation_id, domain, tier)
            for organisation_id, domain, tier in session.execute(
                select(Organisation.id, Organisation.domain, Organisation.tier)
            )
            if domain
        ]
    for first in range(0, count, BATCH_SIZE):
        size = min(BATCH_SIZE, count - first)
        with database.write() as session:
            writer = BulkWriter(session)
            customer_ids = writer.reserve_ids(table("customers"), size)
            identity_ids = writer.reserve_ids(table("customer_identities"), size)
            customer_rows = []
            identity_rows = []
            for customer_id, identity_id in zip(customer_ids, identity_ids, strict=True):
                first_name, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                organisation_id: int | None = None
                tier = CustomerTier.STANDARD
                domain = rng.choice(_PUBLIC_MAIL_DOMAINS)
                if organisations and chance(rng, 0.4):
                    organisation_id, domain, tier = rng.choice(organisations)
                timezone = rng.choices(zones, weights=zone_weights)[0]
                # Older than the bulk window, so nobody writes before they exist.
                created_at = now - BULK_WINDOW - timedelta(days=rng.uniform(1, 400))
                local_part = f"{first_name}.{last_name}".lower().replace("'", "")
                customer_rows.append(
                    {
                        "id": customer_id,
                        "name": f"{first_name} {last_name}",
                        "organisation_id": organisation_id,
                        "tier": tier,
                        "language": LANGUAGE_BY_TIMEZONE.get(timezone, "en"),
                        "timezone": timezone,
                        "created_at": created_at,
                    }
                )
                identity_rows.append(
                    {
                        "id": identity_id,
                        "customer_id": customer_id,
                        "kind": IdentityKind.EMAIL,
                        # The id keeps addresses unique across runs, as (kind, value) must be.
                        "value": f"{local_part}.{customer_id}@{domain}",
                        "created_at": created_at,
                    }
                )
            writer.insert(table("customers"), customer_rows)
            writer.insert(table("customer_identities"), identity_rows)
        on_batch(size)
