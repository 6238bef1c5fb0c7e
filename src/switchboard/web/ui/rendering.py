"""Templates, and the route class every page uses.

`PageRoute` gives each page the security headers and turns a domain or input error
into an HTML error page, where the JSON API answers with JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from switchboard.accounts.roles import Permission
from switchboard.core.clock import ensure_aware
from switchboard.core.errors import DomainError, RateLimited
from switchboard.web.deps import Caller
from switchboard.web.errors import status_for
from switchboard.web.ui.security import PAGE_HEADERS

UI_DIRECTORY = Path(__file__).parent
TEMPLATE_DIRECTORY = UI_DIRECTORY / "templates"
STATIC_DIRECTORY = UI_DIRECTORY / "static"


def in_utc(moment: datetime) -> datetime:
    """A stored time in UTC, whatever the database hands back (SQLite: naive UTC)."""
    return ensure_aware(moment).astimezone(UTC)


def format_moment(moment: datetime) -> str:
    """A stored time as `2026-03-02 09:00 UTC`."""
    return in_utc(moment).strftime("%Y-%m-%d %H:%M UTC")


def iso_moment(moment: datetime) -> str:
    return in_utc(moment).isoformat()


def label(value: str) -> str:
    """An enum value as words: `on_hold` reads `On hold`."""
    return str(value).replace("_", " ").capitalize()


def sentence(message: str) -> str:
    """A domain error message (`email or password is wrong`) as a sentence for a page."""
    message = message.strip()
    if not message:
        return message
    message = message[0].upper() + message[1:]
    return message if message.endswith((".", "!", "?")) else message + "."


def caller_can(caller: Caller | None, permission: str) -> bool:
    """For templates: show a link only to those who may follow it (the route checks again)."""
    return caller is not None and caller.actor.can(Permission(permission))


@cache
def templates() -> Jinja2Templates:
    """The page templates, built on first use rather than at import time."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIRECTORY),
        autoescape=True,  # every template, whatever its file name
        undefined=jinja2.StrictUndefined,  # a misspelt variable is an error, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["moment"] = format_moment
    environment.filters["iso"] = iso_moment
    environment.filters["label"] = label
    environment.filters["sentence"] = sentence
    environment.globals["can"] = caller_can
    return Jinja2Templates(env=environment)


def render(
    request: Request,
    template: str,
    *,
    current_user: Caller | None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """Render `template` with `current_user` (who is logged in, for the header) and `context`."""
    return templates().TemplateResponse(
        request,
        template,
        {"current_user": current_user, **context},
        status_code=status_code,
        headers=headers,
    )


def error_page(
    request: Request, *, status_code: int, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    return render(request, "error.html", current_user=None, status_code=status_code, headers=headers, message=message)


class PageRoute(APIRoute):
    """A route serving HTML: security headers always, and errors as pages, never JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_page(request: Request) -> Response:
            try:
                response = await handle(request)
            except RequestValidationError as error:
                response = error_page(request, status_code=422, message=_first_problem(error))
            except DomainError as error:
                headers = {"Retry-After": str(error.retry_after_seconds)} if isinstance(error, RateLimited) else None
                response = error_page(request, status_code=status_for(error), message=error.message, headers=headers)
            response.headers.update(PAGE_HEADERS)
            return response

        return handle_page


def _first_problem(error: RequestValidationError) -> str:
    for problem in error.errors():
        location = ".".join(str(part) for part in problem.get("loc", ()) if part not in ("query", "body"))
        message = str(problem.get("msg", "is not valid"))
        return f"{location}: {message}" if location else message
    return "the request is not valid"
