"""The app factory: builds the API and pages around one Database, Clock and outbox."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import text

from switchboard import __version__
from switchboard.channels.email.service import EmailChannel
from switchboard.config import Settings, email_channel_config
from switchboard.core.clock import Clock, SystemClock
from switchboard.storage.engine import Database, make_engine
from switchboard.storage.migrate import upgrade_to_head
from switchboard.storage.outbox import OutboxDispatcher
from switchboard.web.api import router as api_router
from switchboard.web.context import AppContext
from switchboard.web.errors import install_error_handlers
from switchboard.web.limits import BodySizeLimit
from switchboard.web.ui.pages import install_pages

log = logging.getLogger(__name__)

API_DESCRIPTION = """
The Switchboard REST API. Authenticate with `Authorization: Bearer TOKEN`
(create one with `switchboard token create --email you@example.com`).
Errors are JSON: `{"error": {"code": "...", "message": "..."}}`.
Listings are paginated with opaque cursors: pass `next_cursor` back as `cursor`.
"""


def build_context(settings: Settings, *, clock: Clock | None = None, database: Database | None = None) -> AppContext:
    if database is None:
        if settings.is_sqlite:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        database = Database(
            make_engine(settings.resolved_database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms)
        )
        if settings.migrate_on_start:
            upgrade_to_head(database.engine)
    clock = clock or SystemClock()
    dispatcher = OutboxDispatcher(database, clock)
    database.on_commit(dispatcher.wake)
    email = EmailChannel(database, clock, email_channel_config(settings), outbox=dispatcher)
    return AppContext(settings=settings, database=database, clock=clock, outbox=dispatcher, email=email)


def create_app(
    settings: Settings, *, clock: Clock | None = None, database: Database | None = None, run_background: bool = True
) -> FastAPI:
    """A ready-to-serve ASGI app. Tests pass their own clock and database, and usually
    `run_background=False` (no outbox dispatcher, email processor or SMTP/IMAP intake)."""
    context = build_context(settings, clock=clock, database=database)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if run_background:
            context.outbox.start()
            context.email.start()
        try:
            yield
        finally:
            context.email.stop()
            context.outbox.stop()

    app = FastAPI(
        title="Switchboard",
        version=__version__,
        description=API_DESCRIPTION,
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.context = context
    install_error_handlers(app)

    @app.get("/healthz", tags=["health"], summary="Liveness and database readiness")
    def healthz() -> dict[str, Any]:
        with context.database.read() as session:
            session.execute(text("SELECT 1"))
        return {"status": "ok"}

    app.include_router(api_router)
    install_pages(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    return app
