"""Helpers for the agent pages: read a form's CSRF token, log in as a browser does."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient

from switchboard.config import Settings
from switchboard.core.clock import FixedClock
from switchboard.storage.engine import Database
from switchboard.web.app import create_app
from tests.factories import PASSWORD

_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]*)"')

ClientFor = Callable[..., TestClient]


def csrf_field(html: str) -> str:
    """The first CSRF token in a page's forms."""
    match = _CSRF_FIELD.search(html)
    assert match is not None, "the page has no CSRF field"
    return match.group(1)


def submit_login(
    client: TestClient, *, email: str, password: str = PASSWORD, next_path: str | None = None
) -> httpx.Response:
    """Open the login form and post it back, as a browser would; redirects are not followed."""
    form = client.get("/login")
    assert form.status_code == 200, form.text
    data = {"email": email, "password": password, "csrf_token": csrf_field(form.text)}
    if next_path is not None:
        data["next"] = next_path
    return client.post("/login", data=data, follow_redirects=False)


def set_cookie_headers(response: httpx.Response, name: str) -> list[str]:
    return [value for value in response.headers.get_list("set-cookie") if value.startswith(f"{name}=")]


@pytest.fixture
def client_for(settings: Settings, database: Database, clock: FixedClock) -> Iterator[ClientFor]:
    """Build a client whose settings differ from the default ones (e.g. a lower rate limit)."""
    with ExitStack() as stack:

        def build(*, base_url: str = "http://testserver", **overrides: Any) -> TestClient:
            app = create_app(
                settings.model_copy(update=overrides), clock=clock, database=database, run_background=False
            )
            return stack.enter_context(TestClient(app, base_url=base_url, raise_server_exceptions=False))

        yield build
