"""Fuzz the REST API from its own OpenAPI document: no input may produce a 500.

Schemathesis generates requests for every operation in /api/v1/openapi.json (valid and
invalid bodies, parameters and ids), sends them in-process to the ASGI app as an admin,
and checks each response. A few rows of each kind are seeded so that small ids hit real
customers, tickets, teams and agents, and the handlers past the 404 are exercised too.
Examples per operation are bounded (MAX_EXAMPLES) to keep the run to a couple of minutes.

Why the document is loaded at import: schemathesis's pytest integration needs the list of
operations when tests are collected. Its fixture-based loader (`schemathesis.pytest.from_fixture`)
would avoid that, but it is broken on pytest 9 (it sets `request.node._nodeid`, which pytest
no longer has), so the document comes from an app on an in-memory engine that never connects,
and each test sends its requests to its own app on the test database.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from switchboard.accounts.roles import Role
from switchboard.channels.models import Channel
from switchboard.config import Environment, Settings
from switchboard.core.clock import FixedClock
from switchboard.storage.engine import Database, make_engine
from switchboard.web.app import create_app
from tests.factories import Factory

MAX_EXAMPLES = 50

# A server error is the failure this test exists for; the conformance checks keep the
# document honest about what the API answers (status codes, media types, bodies).
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _openapi_document() -> dict[str, Any]:
    """The app's OpenAPI document, built without touching any database."""
    with tempfile.TemporaryDirectory(prefix="switchboard-openapi-") as directory:
        url = f"sqlite:///{Path(directory) / 'never-opened.sqlite3'}"
        database = Database(make_engine(url))  # engines connect lazily: this one never does
        try:
            settings = Settings(
                environment=Environment.TEST, data_dir=Path(directory), database_url=url, migrate_on_start=False
            )
            return create_app(settings, database=database, run_background=False).openapi()
        finally:
            database.dispose()


schema = schemathesis.openapi.from_dict(_openapi_document())


def _seed(make: Factory) -> None:
    """A small world: ids 1..3 of each kind exist, with some history on the tickets."""
    teams = [make.team() for _ in range(3)]
    agents = [make.user(Role.AGENT) for _ in range(2)]
    make.member(teams[0], agents[0])
    organisations = [make.organisation(domain=f"org{n}.example.test") for n in range(3)]
    customers = [make.customer(organisation_id=organisations[n % 3].id) for n in range(3)]
    make.inbox(Channel.EMAIL)
    make.inbox(Channel.CHAT)
    for n in range(6):
        make.ticket(customers[n % 3], channel=Channel.EMAIL if n % 2 else Channel.API)
        make.clock.advance(timedelta(minutes=7))


@pytest.fixture
def api_app(settings: Settings, database: Database, clock: FixedClock) -> FastAPI:
    return create_app(settings, clock=clock, database=database, run_background=False)


@pytest.fixture
def admin_headers(make: Factory) -> dict[str, str]:
    _seed(make)
    return make.auth(make.user(Role.ADMIN))


@schema.parametrize()
@hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_answers_every_generated_request_without_a_server_error(
    case: schemathesis.Case, api_app: FastAPI, admin_headers: dict[str, str]
) -> None:
    case.call_and_validate(app=api_app, headers=admin_headers, checks=CHECKS)
