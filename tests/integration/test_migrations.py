"""The migrations are the schema: they match the models, run both ways, and keep the
ticket event log append-only at the database level.

Runs on SQLite, and on PostgreSQL too when SWITCHBOARD_TEST_DATABASE_URL is set. The
up-and-down tests use their own empty database (a SQLite file; on PostgreSQL a schema of
their own, dropped afterwards) so the shared test database always stays at head.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from switchboard.models import metadata
from switchboard.storage.engine import Database, make_engine
from switchboard.storage.migrate import alembic_config, check_models_match_migrations, upgrade_to_head
from tests.factories import Factory

POSTGRES_URL = os.environ.get("SWITCHBOARD_TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


def _run(engine: Engine, action: str, revision: str) -> None:
    """`alembic upgrade|downgrade REVISION` on this engine, the way the app runs it."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()


def _tables(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(inspect(connection).get_table_names()) - {"alembic_version"}


def _head() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


@pytest.fixture(params=BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a database with no tables at all."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
        yield engine
        engine.dispose()
        return
    assert POSTGRES_URL is not None
    schema = f"migrations_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    engine = make_engine(f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_models_and_migrations_agree(database_url: str) -> None:
    """`alembic check`: no model change is missing a migration."""
    engine = make_engine(database_url)
    try:
        check_models_match_migrations(engine)
    finally:
        engine.dispose()


def test_upgrade_from_empty_creates_every_table(empty_engine: Engine) -> None:
    assert _tables(empty_engine) == set()
    upgrade_to_head(empty_engine)
    assert _revision(empty_engine) == _head()
    assert _tables(empty_engine) == {table.name for table in metadata.sorted_tables}
    check_models_match_migrations(empty_engine)


def test_downgrade_to_base_and_upgrade_again(empty_engine: Engine) -> None:
    upgrade_to_head(empty_engine)
    _run(empty_engine, "downgrade", "base")
    assert _revision(empty_engine) is None
    assert _tables(empty_engine) == set()
    upgrade_to_head(empty_engine)
    assert _revision(empty_engine) == _head()
    check_models_match_migrations(empty_engine)


def test_ticket_events_refuse_update(database: Database, make: Factory) -> None:
    ticket = make.ticket()
    with pytest.raises(DBAPIError, match="append-only"), database.write() as session:
        session.execute(
            text("UPDATE ticket_events SET occurred_at = occurred_at WHERE ticket_id = :id"), {"id": ticket.id}
        )


def test_ticket_events_refuse_delete(database: Database, make: Factory) -> None:
    ticket = make.ticket()
    with pytest.raises(DBAPIError, match="append-only"), database.write() as session:
        session.execute(text("DELETE FROM ticket_events WHERE ticket_id = :id"), {"id": ticket.id})
    with database.read() as session:
        remaining = session.execute(
            text("SELECT count(*) FROM ticket_events WHERE ticket_id = :id"), {"id": ticket.id}
        ).scalar_one()
    assert remaining >= 1
