"""`load_demo`: a realistic help desk to explore, and ticket volume for benchmarks.

The workspace (staff, teams, inboxes, fields, tags, organisations, customers) is created
through the named actions; eight weeks of ticket history are planned by the ticket
rules (`story`) and written in bulk. Everything of the demo itself is one transaction,
so it is either fully there or not at all, and loading it again changes nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rich.console import Console
from sqlalchemy import select
from sqlalchemy.orm import Session

import switchboard.models  # noqa: F401 - every table must be known to the metadata the writer uses
from switchboard.accounts.models import User
from switchboard.accounts.roles import Role
from switchboard.core.clock import Clock
from switchboard.demo.bulk import BATCH_SIZE, add_bulk_tickets
from switchboard.demo.catalogue import (
    ADMIN_EMAIL,
    CUSTOMER_LOGIN_EMAIL,
    DEMO_PASSWORD,
    INBOXES,
    LOGIN_NAME_BY_ROLE,
    STAFF,
    TEAMS,
)
from switchboard.demo.history import WrittenCounts, arrivals, plan_batch, write_histories
from switchboard.demo.odds import activity_weights, seeded
from switchboard.demo.plot_settings import DEMO_PLOTS
from switchboard.demo.workforce import load_workforce
from switchboard.demo.workspace import create_customers, create_staff_and_setup, read_cast, read_customers
from switchboard.storage.engine import Database

DEMO_HISTORY = timedelta(weeks=8)
DEMO_TICKETS = 3_600
DEMO_ORGANISATIONS = 80
DEMO_CUSTOMERS = 400


@dataclass(frozen=True, slots=True)
class DemoLogins:
    password: str
    by_role: list[tuple[str, str]]  # (role name, email), one per role


def _logins() -> DemoLogins:
    email_by_name = {spec.name: spec.email for spec in STAFF}
    by_role = [(role.value, email_by_name[name]) for role, name in LOGIN_NAME_BY_ROLE.items()]
    by_role.append((Role.CUSTOMER.value, CUSTOMER_LOGIN_EMAIL))
    return DemoLogins(password=DEMO_PASSWORD, by_role=by_role)


DEMO_LOGINS = _logins()


def demo_is_loaded(session: Session) -> bool:
    return session.scalars(select(User.id).where(User.email == ADMIN_EMAIL)).first() is not None


def load_demo(
    database: Database,
    *,
    clock: Clock,
    console: Console,
    bulk_tickets: int | None = None,
    seed: int = 7,
    demo_tickets: int = DEMO_TICKETS,
    bulk_workers: int | None = None,
    bulk_batch_size: int = BATCH_SIZE,
) -> str:
    """Load the demo unless it is there; with `bulk_tickets=N`, also add N generated tickets.

    Returns a short summary for people. The demo's history ends at `clock.now()`.
    `demo_tickets` sizes the demo itself (tests use a small one); `bulk_workers` and
    `bulk_batch_size` tune the bulk run (default: worker processes for large runs).
    """
    if demo_tickets < 0 or (bulk_tickets is not None and bulk_tickets < 0):
        raise ValueError("ticket counts cannot be negative")
    now = clock.now().astimezone(UTC)
    lines: list[str] = []
    started = time.perf_counter()
    with console.status("Loading the demo workspace…"), database.write() as session:
        if demo_is_loaded(session):
            lines.append("The demo is already loaded; nothing changed.")
        else:
            counts = _load_workspace_and_history(session, now=now, seed=seed, demo_tickets=demo_tickets)
            workforce = load_workforce(session, now=now, seed=seed)
            lines.append(
                f"Loaded the demo in {time.perf_counter() - started:.1f} s: {len(STAFF)} staff in {len(TEAMS)} teams, "
                f"{len(INBOXES)} inboxes, {DEMO_ORGANISATIONS} organisations, {DEMO_CUSTOMERS} customers, "
                f"{counts.tickets:,} tickets with {counts.messages:,} messages and {counts.events:,} events "
                f"over the last {DEMO_HISTORY.days // 7} weeks; this week's schedule with {workforce.shifts} "
                f"shifts ({workforce.note}) and {workforce.presence_changes} presence changes today."
            )
    if bulk_tickets:
        result = add_bulk_tickets(
            database,
            now=now,
            count=bulk_tickets,
            seed=seed,
            console=console,
            workers=bulk_workers,
            batch_size=bulk_batch_size,
        )
        lines.append(result.summary())
    return "\n".join(lines)


def _load_workspace_and_history(session: Session, *, now: datetime, seed: int, demo_tickets: int) -> WrittenCounts:
    rng = seeded(seed)
    create_staff_and_setup(session, now=now)
    create_customers(session, rng, now=now, organisation_count=DEMO_ORGANISATIONS, customer_count=DEMO_CUSTOMERS)
    cast = read_cast(session)
    customers = read_customers(session)
    weights = activity_weights(rng, len(customers))
    requests = arrivals(
        rng, customers=customers, weights=weights, start=now - DEMO_HISTORY, end=now, count=demo_tickets
    )
    batch = plan_batch(seed_key=str(seed), index=0, cast=cast, settings=DEMO_PLOTS, requests=requests, horizon=now)
    return write_histories(session, batch, tag_ids=cast.tag_ids)
