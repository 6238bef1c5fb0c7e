"""Bad input gets a clear JSON error with the right 4xx, and changes nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from switchboard.accounts.roles import Role
from tests.factories import Factory


@pytest.fixture
def headers(make: Factory) -> dict[str, str]:
    return make.auth(make.user(Role.ADMIN))


def _error(response_json: dict[str, object]) -> dict[str, object]:
    error = response_json["error"]
    assert isinstance(error, dict) and error["message"]
    return error


@pytest.mark.parametrize(
    "auth",
    [None, b"Bearer", b"Bearer nope", b"Basic dXNlcjpwYXNz", b"Bearer " + b"x" * 500, "Bearer sbt_éé".encode()],
)
def test_missing_or_bad_tokens_get_401(client: TestClient, auth: bytes | None) -> None:
    response = client.get("/api/v1/tickets", headers={"Authorization": auth} if auth else {})
    assert response.status_code == 401
    assert _error(response.json())["code"] == "authentication_failed"


def test_oversized_body_gets_413_and_creates_nothing(
    client: TestClient, make: Factory, headers: dict[str, str]
) -> None:
    customer = make.customer()
    body = {"subject": "big", "body": "x" * 300_000, "customer_id": customer.id}
    response = client.post("/api/v1/tickets", headers=headers, json=body)
    assert response.status_code == 413
    assert _error(response.json())["code"] == "request_too_large"
    assert client.get("/api/v1/tickets", headers=headers).json()["items"] == []


def test_oversized_chunked_body_without_length_gets_413(client: TestClient, headers: dict[str, str]) -> None:
    def chunks() -> object:
        for _ in range(40):
            yield b"x" * 10_000

    response = client.post(
        "/api/v1/tickets",
        headers={**headers, "Content-Type": "application/json"},
        content=chunks(),  # type: ignore[arg-type]
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"", "application/json"),
        (b"[]", "application/json"),
        (b'"text"', "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
        (b"subject=a", "application/x-www-form-urlencoded"),
    ],
)
def test_malformed_bodies_get_422(
    client: TestClient, headers: dict[str, str], content: bytes, content_type: str
) -> None:
    response = client.post("/api/v1/tickets", headers={**headers, "Content-Type": content_type}, content=content)
    assert response.status_code == 422, response.text
    assert _error(response.json())["code"] == "validation_failed"


@pytest.mark.parametrize(
    "body",
    [
        {"subject": "s", "body": "b"},  # no customer
        {"subject": "", "body": "b", "customer_id": 1},
        {"subject": "s", "body": "b", "customer_id": 1, "unknown_field": True},
        {"subject": "s", "body": "b", "customer_id": 10**30},
        {"subject": "s", "body": "b", "customer_id": "one"},
        {"subject": "s", "body": "b", "customer_id": 1, "priority": "apocalyptic"},
        {"subject": "s", "body": "b", "customer_id": 1, "channel": "pigeon"},
        {"subject": "s", "body": "b", "customer_id": 1, "tags": ["<b>"]},
        {"subject": "\x00", "body": "b", "customer_id": 1},
        {"subject": "s", "body": "b", "customer_id": 999},  # no such customer
    ],
)
def test_invalid_ticket_input_gets_422(
    client: TestClient, make: Factory, headers: dict[str, str], body: dict[str, object]
) -> None:
    make.customer()  # customer 1 exists
    response = client.post("/api/v1/tickets", headers=headers, json=body)
    assert response.status_code == 422, response.text
    _error(response.json())


@pytest.mark.parametrize(
    "query",
    [
        "cursor=garbage",
        "cursor=" + "A" * 600,
        "limit=0",
        "limit=1000",
        "status=frozen",
        "sort=random",
        "assignee_id=-1",
        "q=" + "x" * 201,
    ],
)
def test_bad_listing_parameters_get_422(client: TestClient, headers: dict[str, str], query: str) -> None:
    response = client.get(f"/api/v1/tickets?{query}", headers=headers)
    assert response.status_code == 422, response.text
    _error(response.json())


def test_unknown_things_get_404_json(client: TestClient, headers: dict[str, str]) -> None:
    for path in ("/api/v1/tickets/123456", "/api/v1/customers/5", "/api/v1/nothing-here", "/api/v1/agents/77"):
        response = client.get(path, headers=headers)
        assert response.status_code == 404, path
        _error(response.json())


def test_wrong_method_gets_405_json(client: TestClient, headers: dict[str, str]) -> None:
    response = client.put("/api/v1/tickets", headers=headers, json={})
    assert response.status_code == 405
    _error(response.json())


def test_duplicates_get_409(client: TestClient, headers: dict[str, str]) -> None:
    assert client.post("/api/v1/teams", headers=headers, json={"name": "Billing"}).status_code == 201
    duplicate = client.post("/api/v1/teams", headers=headers, json={"name": "Billing"})
    assert duplicate.status_code == 409
    assert "already exists" in str(_error(duplicate.json())["message"])
    body = {"name": "A", "identities": [{"kind": "email", "value": "same@example.test"}]}
    assert client.post("/api/v1/customers", headers=headers, json=body).status_code == 201
    assert client.post("/api/v1/customers", headers=headers, json=body).status_code == 409


def test_invalid_transition_gets_409(client: TestClient, make: Factory, headers: dict[str, str]) -> None:
    ticket = make.ticket()
    response = client.patch(f"/api/v1/tickets/{ticket.id}", headers=headers, json={"status": "closed"})
    assert response.status_code == 409
    assert _error(response.json())["code"] == "invalid_transition"


def test_openapi_document_describes_the_api(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    for path in (
        "/api/v1/tickets",
        "/api/v1/tickets/{ticket_id}",
        "/api/v1/tickets/{ticket_id}/replies",
        "/api/v1/tickets/{ticket_id}/notes",
        "/api/v1/tickets/{ticket_id}/merge",
        "/api/v1/tickets/{ticket_id}/events",
        "/api/v1/customers",
        "/api/v1/organisations",
        "/api/v1/agents",
        "/api/v1/teams",
        "/api/v1/tags",
    ):
        assert path in spec["paths"], path
    assert "HTTPBearer" in spec["components"]["securitySchemes"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/customers/2147483648", None),
        ("get", "/api/v1/agents/4611686018427387903", None),
        ("get", "/api/v1/tickets?inbox_id=2147483648", None),
        ("get", "/api/v1/customers?organisation_id=2147483648", None),
        ("post", "/api/v1/tickets", {"subject": "s", "body": "b", "customer_id": 2147483648}),
        ("post", "/api/v1/inboxes", {"name": "x", "channel": "api", "default_team_id": 2147483648}),
        ("get", "/api/v1/tickets/9223372036854775808", None),
    ],
)
def test_ids_beyond_the_column_range_get_422(
    client: TestClient, headers: dict[str, str], method: str, path: str, body: object
) -> None:
    response = client.request(method.upper(), path, headers=headers, json=body)
    assert response.status_code == 422, response.text


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/inboxes", {"channel": "api", "name": "\u0000"}),
        ("/api/v1/customers", {"name": "ok", "identities": [{"kind": "external", "value": "a\u0000b"}]}),
        ("/api/v1/tickets", {"subject": "s", "body": "b", "customer_id": 1, "custom_fields": {"k\u0000": "v"}}),
    ],
)
def test_nul_characters_are_refused_with_422(
    client: TestClient, make: Factory, headers: dict[str, str], path: str, body: object
) -> None:
    make.customer()
    response = client.post(path, headers=headers, json=body)
    assert response.status_code == 422, response.text
    assert "NUL" in response.text


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/tickets?q=%00",
        "/api/v1/tickets?tag=a%00",
        "/api/v1/tickets?cursor=%C2%B2",
        "/api/v1/customers?q=%00",
        "/api/v1/customers?cursor=%C2%B2",
        "/api/v1/tags?prefix=%00",
    ],
)
def test_hostile_query_text_gets_422(client: TestClient, headers: dict[str, str], url: str) -> None:
    response = client.get(url, headers=headers)
    assert response.status_code == 422, response.text


def test_undecodable_body_gets_a_documented_4xx(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post("/api/v1/inboxes", headers={**headers, "Content-Type": "application/json"}, content=b"\xff")
    assert response.status_code in (400, 422)
    _error(response.json())
    spec = client.get("/api/v1/openapi.json").json()
    assert "400" in spec["paths"]["/api/v1/inboxes"]["post"]["responses"]
