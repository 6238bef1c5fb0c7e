"""Shared fixtures. Integration tests run on SQLite, and on PostgreSQL when
SWITCHBOARD_TEST_DATABASE_URL points at one (`.ci/run` does both)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import text

from switchboard.accounts import secrets
from switchboard.config import Environment, Settings
from switchboard.core.clock import FixedClock
from switchboard.models import metadata
from switchboard.storage.engine import Database, make_engine
from switchboard.storage.migrate import upgrade_to_head
from switchboard.web.app import create_app
from tests.factories import Factory

POSTGRES_URL = os.environ.get("SWITCHBOARD_TEST_DATABASE_URL")
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> Iterator[None]:
    """Argon2 at production cost takes ~100 ms a hash; tests create thousands of users.
    The same code path runs, with minimal parameters (as Django's test settings do)."""
    original = secrets._hasher
    secrets._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yield
    secrets._hasher = original


@pytest.fixture(scope="session")
def _template_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once per run: a SQLite file to copy, or the PostgreSQL database itself."""
    if POSTGRES_URL:
        engine = make_engine(POSTGRES_URL)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        upgrade_to_head(engine)
        engine.dispose()
        return POSTGRES_URL
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_to_head(engine)
    engine.dispose()
    return str(path)


@pytest.fixture
def database_url(_template_database: str, tmp_path: Path) -> Iterator[str]:
    """A freshly migrated, empty database for one test."""
    if POSTGRES_URL:
        engine = make_engine(POSTGRES_URL)
        tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        yield POSTGRES_URL
        return
    path = tmp_path / "switchboard.sqlite3"
    shutil.copyfile(_template_database, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database(make_engine(database_url))
    yield db
    db.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        environment=Environment.TEST,
        data_dir=tmp_path,
        database_url=database_url,
        migrate_on_start=False,
        max_request_bytes=256 * 1024,
    )


@pytest.fixture
def make(database: Database, clock: FixedClock) -> Factory:
    return Factory(database, clock)


@pytest.fixture
def client(settings: Settings, database: Database, clock: FixedClock) -> Iterator[TestClient]:
    app = create_app(settings, clock=clock, database=database, run_background=False)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
