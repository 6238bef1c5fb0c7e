"""What every command shares: settings, a database for the command's lifetime, stderr."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from switchboard.config import Settings, load_settings
from switchboard.storage.engine import Database, make_engine
from switchboard.storage.migrate import upgrade_to_head

err = Console(stderr=True)


def _settings() -> Settings:
    try:
        return load_settings()
    except (ValueError, FileNotFoundError) as exc:
        err.print(f"[red]configuration error:[/red] {exc}")
        raise typer.Exit(2) from exc


@contextmanager
def _database(settings: Settings, *, migrate: bool = True) -> Iterator[Database]:
    """The database for one command; its connections are closed when the command ends."""
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(
        make_engine(settings.resolved_database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    )
    try:
        if migrate:
            upgrade_to_head(database.engine)
        yield database
    finally:
        database.dispose()
