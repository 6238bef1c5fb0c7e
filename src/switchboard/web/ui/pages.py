"""The agent web app: server-rendered pages and their stylesheet.

Pages live under `/` (login, tickets); the JSON API under `/api/v1` is separate and
keeps its JSON errors. Each page module has its own router of `PageRoute`s.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from switchboard.web.ui import accounts, tickets, wfm
from switchboard.web.ui.rendering import STATIC_DIRECTORY


class _StaticAssets(StaticFiles):
    """Our CSS and icons, never sniffed into another content type."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def install_pages(app: FastAPI) -> None:
    """Add the agent pages and `/static` to `app` (called once by the app factory)."""
    app.include_router(accounts.router)
    app.include_router(tickets.router)
    app.include_router(wfm.router)
    app.mount("/static", _StaticAssets(directory=STATIC_DIRECTORY), name="static")
