"""API latency and write throughput against a database of about a million tickets.

    uv run python bench/api.py                       # SQLite in a scratch directory
    uv run python bench/api.py --database-url postgresql+psycopg://…

The data is generated once with the demo bulk loader and reused by later runs. The
real app runs under uvicorn in a child process on 127.0.0.1 (a free port); this
process is the client, over HTTP with an API token. Every loop is bounded in count and
time, and the server is stopped at the end. Figures are printed and written as JSON to
bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from harness import Call, Client, Latency, Server, measure
from switchboard.accounts import actions as accounts
from switchboard.accounts.actor import Actor
from switchboard.accounts.models import Team, User
from switchboard.accounts.roles import Role
from switchboard.core.clock import SystemClock
from switchboard.core.cursor import encode_cursor
from switchboard.demo.catalogue import LOGIN_NAME_BY_ROLE, STAFF
from switchboard.demo.loader import load_demo
from switchboard.storage.engine import Database, make_engine
from switchboard.storage.migrate import upgrade_to_head
from switchboard.tickets.models import Ticket
from switchboard.tickets.states import TicketStatus

RESULTS_DIR = Path(__file__).resolve().parent / "results"
PAGE_SIZE = 25  # the API's default page
DEEP_PAGES = 10_000
BENCH_TEAM = "Tier 1"
console = Console(stderr=True)


# -- data -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fixture:
    """What the scenarios ask for: ids that exist, and cursors computed from the rows."""

    token: str
    team_id: int
    open_unassigned: int
    deep_cursor: str
    deep_page: int
    team_deep_cursor: str
    team_deep_page: int
    customer_ids: list[int]
    ticket_ids: list[int]
    ticket_count: int


def prepare_data(database: Database, *, tickets: int) -> dict[str, float]:
    """Load the demo and top the database up to about `tickets` tickets; returns timings."""
    upgrade_to_head(database.engine)
    with database.read() as session:
        existing = int(session.execute(select(func.count()).select_from(Ticket)).scalar_one())
    missing = tickets - existing
    timings: dict[str, float] = {}
    if missing > tickets * 0.01:
        console.print(f"Generating {missing:,} tickets (found {existing:,}); this is done once and reused.")
        started = time.perf_counter()
        console.print(load_demo(database, clock=SystemClock(), console=console, bulk_tickets=missing))
        timings["bulk_load_seconds"] = round(time.perf_counter() - started, 1)
    else:
        console.print(f"Reusing {existing:,} tickets already in the database.")
    return timings


def build_fixture(database: Database, *, seed: int) -> Fixture:
    rng = random.Random(seed)
    clock = SystemClock()
    agent_email = next(spec.email for spec in STAFF if spec.name == LOGIN_NAME_BY_ROLE[Role.AGENT])
    with database.write() as session:
        agent = session.scalars(select(User).where(User.email == agent_email)).one()
        token = accounts.create_api_token(
            session, actor=Actor.system(), now=clock.now(), user_id=agent.id, name="bench"
        ).token
    with database.read() as session:
        team_id = session.scalars(select(Team.id).where(Team.name == BENCH_TEAM)).one()
        queue = (
            select(Ticket.created_at, Ticket.id)
            .where(
                Ticket.team_id == team_id,
                Ticket.status == TicketStatus.OPEN,
                Ticket.assignee_id.is_(None),
                Ticket.deleted_at.is_(None),
            )
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        )
        open_unassigned = int(session.execute(select(func.count()).select_from(queue.subquery())).scalar_one())
        # As deep as the queue goes, up to DEEP_PAGES pages: the cursor after that many pages.
        deep_page = min(DEEP_PAGES, max(1, open_unassigned // PAGE_SIZE - 1))
        deep_cursor = _cursor_at(session, queue, offset=deep_page * PAGE_SIZE - 1)
        team_listing = (
            select(Ticket.created_at, Ticket.id)
            .where(Ticket.team_id == team_id, Ticket.deleted_at.is_(None))
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        )
        team_tickets = int(session.execute(select(func.count()).select_from(team_listing.subquery())).scalar_one())
        team_deep_page = min(DEEP_PAGES, max(1, team_tickets // PAGE_SIZE - 1))
        team_deep_cursor = _cursor_at(session, team_listing, offset=team_deep_page * PAGE_SIZE - 1)
        max_ticket_id = int(session.execute(select(func.max(Ticket.id))).scalar_one())
        ticket_count = int(session.execute(select(func.count()).select_from(Ticket)).scalar_one())
        ticket_ids = [rng.randint(1, max_ticket_id) for _ in range(2_000)]
        customer_ids = list(
            session.scalars(select(Ticket.customer_id).where(Ticket.id.in_(ticket_ids[:500])).distinct())
        )
    return Fixture(
        token=token,
        team_id=team_id,
        open_unassigned=open_unassigned,
        deep_cursor=deep_cursor,
        deep_page=deep_page,
        team_deep_cursor=team_deep_cursor,
        team_deep_page=team_deep_page,
        customer_ids=customer_ids,
        ticket_ids=ticket_ids,
        ticket_count=ticket_count,
    )


def _cursor_at(session: Any, listing: Any, *, offset: int) -> str:
    """The cursor the API hands out after the row at `offset`, in tickets/queries.py's format."""
    created_at, ticket_id = session.execute(listing.offset(max(0, offset)).limit(1)).one()
    return encode_cursor([created_at.isoformat(), ticket_id])


# -- scenarios ------------------------------------------------------------------------


def latency_scenarios(port: int, fixture: Fixture, *, requests: int, seed: int) -> tuple[list[Latency], list[int]]:
    rng = random.Random(seed)
    client = Client(port, fixture.token)
    team = fixture.team_id
    queue = f"/api/v1/tickets?status=open&unassigned=true&team_id={team}"
    results = [
        measure(client, "a. open unassigned, first page", f"GET {queue}", requests, lambda _n: ("GET", queue, None)),
        measure(
            client,
            f"b. same, {fixture.deep_page:,} pages deep",
            f"GET {queue}&cursor=…",
            requests,
            lambda _n: ("GET", f"{queue}&cursor={fixture.deep_cursor}", None),
        ),
        measure(
            client,
            f"b2. whole team queue, {fixture.team_deep_page:,} pages deep",
            f"GET /api/v1/tickets?team_id={team}&cursor=…",
            requests,
            lambda _n: ("GET", f"/api/v1/tickets?team_id={team}&cursor={fixture.team_deep_cursor}", None),
        ),
        measure(
            client,
            "c. list by customer",
            "GET /api/v1/tickets?customer_id=C",
            requests,
            lambda _n: ("GET", f"/api/v1/tickets?customer_id={rng.choice(fixture.customer_ids)}", None),
        ),
        measure(
            client,
            "d. ticket with thread",
            "GET /api/v1/tickets/ID",
            requests,
            lambda n: ("GET", f"/api/v1/tickets/{fixture.ticket_ids[n % len(fixture.ticket_ids)]}", None),
            expect=200,
        ),
    ]
    created: list[int] = []

    def create(_n: int) -> Call:
        return "POST", "/api/v1/tickets", _new_ticket(rng, fixture)

    creation = Latency(name="e. create a ticket", request="POST /api/v1/tickets")
    for number in range(20 + requests):
        method, path, body = create(number)
        started = time.perf_counter()
        status, payload = client.call(method, path, body)
        elapsed_ms = (time.perf_counter() - started) * 1000
        if status == 201:
            created.append(int(payload["id"]))
        if number >= 20:
            creation.samples_ms.append(elapsed_ms)
            creation.errors += status != 201
    results.append(creation)
    results.append(
        measure(
            client,
            "f. add a reply",
            "POST /api/v1/tickets/ID/replies",
            requests,
            lambda n: ("POST", f"/api/v1/tickets/{created[n % len(created)]}/replies", {"body": _REPLY}),
            expect=201,
        )
    )
    return results, created


_REPLY = "Thanks for the details. I've reset the connection on our side; it should work again now."


def _new_ticket(rng: random.Random, fixture: Fixture) -> dict[str, Any]:
    return {
        "subject": f"Sync fails with error E-{rng.randrange(4000, 4099)}",
        "body": "Bookings no longer appear in our calendar since this morning. Could you have a look?",
        "customer_id": rng.choice(fixture.customer_ids),
        "channel": "api",
    }


def sustained_writes(port: int, fixture: Fixture, *, clients: int, seconds: float, seed: int) -> dict[str, Any]:
    """`clients` threads, each creating a ticket and replying to it, for `seconds`."""
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    totals = {"creates": 0, "replies": 0, "errors": 0}
    samples: list[float] = []

    def run(number: int) -> None:
        rng = random.Random(seed * 100 + number)
        client = Client(port, fixture.token)
        local = {"creates": 0, "replies": 0, "errors": 0}
        local_samples: list[float] = []
        while time.monotonic() < deadline:
            started = time.perf_counter()
            status, payload = client.call("POST", "/api/v1/tickets", _new_ticket(rng, fixture))
            local_samples.append((time.perf_counter() - started) * 1000)
            if status != 201:
                local["errors"] += 1
                continue
            local["creates"] += 1
            started = time.perf_counter()
            status, _ = client.call("POST", f"/api/v1/tickets/{payload['id']}/replies", {"body": _REPLY})
            local_samples.append((time.perf_counter() - started) * 1000)
            if status == 201:
                local["replies"] += 1
            else:
                local["errors"] += 1
        with lock:
            for key, value in local.items():
                totals[key] += value
            samples.extend(local_samples)

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(number,), daemon=True) for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    elapsed = time.perf_counter() - started
    latency = Latency(name="g. create or reply under load", request="POST (8 clients)", samples_ms=samples)
    operations = totals["creates"] + totals["replies"]
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        **totals,
        "operations_per_second": round(operations / elapsed, 1),
        "create_reply_pairs_per_second": round(totals["replies"] / elapsed, 1),
        "latency": latency.summary(),
    }


# -- main -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: SQLite in --data-dir)")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "switchboard-bench",
        help="scratch directory for the SQLite database (default: %(default)s)",
    )
    parser.add_argument("--tickets", type=int, default=1_000_000, help="tickets the database should hold")
    parser.add_argument("--requests", type=int, default=500, help="measured requests per latency scenario")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients for sustained writes")
    parser.add_argument("--seconds", type=float, default=20.0, help="duration of the sustained-write run")
    parser.add_argument("--server-workers", type=int, default=1, help="uvicorn worker processes (default: 1)")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= 100_000 or not 1 <= args.clients <= 64 or not 1 <= args.seconds <= 600:
        parser.error("requests 1-100000, clients 1-64, seconds 1-600")
    if not 1 <= args.server_workers <= 16:
        parser.error("server workers 1-16")
    database_url = args.database_url
    if not database_url:
        args.data_dir.mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite:///{(args.data_dir / 'switchboard.sqlite3').resolve()}"
    database = Database(make_engine(database_url))
    try:
        timings = prepare_data(database, tickets=args.tickets)
        fixture = build_fixture(database, seed=args.seed)
    finally:
        database.dispose()
    server = Server(database_url, workers=args.server_workers)
    try:
        server.wait_until_ready()
        console.print(f"Server on 127.0.0.1:{server.port}; measuring {args.requests} requests per scenario…")
        latencies, _created = latency_scenarios(server.port, fixture, requests=args.requests, seed=args.seed)
        console.print(f"Sustained writes: {args.clients} clients for {args.seconds:.0f} s…")
        writes = sustained_writes(server.port, fixture, clients=args.clients, seconds=args.seconds, seed=args.seed)
    finally:
        server.stop()
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "database": make_engine(database_url).dialect.name,
        "server_workers": args.server_workers,
        "tickets": fixture.ticket_count,
        "open_unassigned_in_team": fixture.open_unassigned,
        **timings,
        "latency": [latency.summary() for latency in latencies],
        "sustained_writes": writes,
    }
    print_report(report)
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"api-{report['database']}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    console.print(f"Written to {path}")
    return 0


def print_report(report: dict[str, Any]) -> None:
    processes = f"{report['server_workers']} server process" + ("es" if report["server_workers"] > 1 else "")
    table = Table(title=f"Switchboard API on {report['database']}, {report['tickets']:,} tickets, {processes}")
    for column in ("scenario", "n", "err", "p50 ms", "p95 ms", "p99 ms", "max ms"):
        table.add_column(column, justify="left" if column == "scenario" else "right")
    for row in report["latency"]:
        table.add_row(
            row["name"],
            str(row["count"]),
            str(row["errors"]),
            f"{row['p50_ms']:.1f}",
            f"{row['p95_ms']:.1f}",
            f"{row['p99_ms']:.1f}",
            f"{row['max_ms']:.1f}",
        )
    writes = report["sustained_writes"]
    load = writes["latency"]
    table.add_row(
        f"g. create+reply, {writes['clients']} clients",
        str(load["count"]),
        str(writes["errors"]),
        f"{load['p50_ms']:.1f}",
        f"{load['p95_ms']:.1f}",
        f"{load['p99_ms']:.1f}",
        f"{load['max_ms']:.1f}",
    )
    Console().print(table)
    Console().print(
        f"Sustained: {writes['operations_per_second']:,.0f} write requests/s "
        f"({writes['create_reply_pairs_per_second']:,.0f} create+reply pairs/s) over {writes['seconds']} s; "
        f"open unassigned in the team: {report['open_unassigned_in_team']:,}."
    )


if __name__ == "__main__":
    sys.exit(main())
