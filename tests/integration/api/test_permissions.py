"""Every permission rule, exercised through the API for every role.

Each case names the permission the request needs; the request must succeed exactly
for the roles whose permission set holds it, and answer 403 (or 404 for tickets a
customer may not see) for the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from switchboard.accounts.roles import Permission, Role, role_allows
from tests.factories import Factory

P = Permission


@dataclass
class World:
    client: TestClient
    make: Factory
    headers: dict[str, str]
    user_id: int
    customer_id: int
    ticket_id: int
    other_ticket_id: int
    other_user_id: int
    team_id: int


@pytest.fixture(params=list(Role), ids=lambda r: r.value)
def world(request: pytest.FixtureRequest, client: TestClient, make: Factory) -> World:
    role: Role = request.param
    customer = make.customer()
    other = make.user(Role.AGENT)
    user = make.customer_user(customer) if role is Role.CUSTOMER else make.user(role)
    ticket = make.ticket(customer)
    other_ticket = make.ticket(customer)
    team = make.team()
    return World(
        client=client,
        make=make,
        headers=make.auth(user),
        user_id=user.id,
        customer_id=customer.id,
        ticket_id=ticket.id,
        other_ticket_id=other_ticket.id,
        other_user_id=other.id,
        team_id=team.id,
    )


Request = Callable[[World], Any]

CASES: list[tuple[str, tuple[Permission, ...], Request]] = [
    (
        "list tickets",
        (P.TICKET_VIEW_ALL, P.TICKET_VIEW_OWN),
        lambda w: w.client.get("/api/v1/tickets", headers=w.headers),
    ),
    (
        "get ticket",
        (P.TICKET_VIEW_ALL, P.TICKET_VIEW_OWN),
        lambda w: w.client.get(f"/api/v1/tickets/{w.ticket_id}", headers=w.headers),
    ),
    (
        "create ticket",
        (P.TICKET_CREATE, P.TICKET_CREATE_OWN),
        lambda w: w.client.post(
            "/api/v1/tickets", headers=w.headers, json={"subject": "s", "body": "b", "customer_id": w.customer_id}
        ),
    ),
    (
        "reply",
        (P.TICKET_REPLY, P.TICKET_REPLY_OWN),
        lambda w: w.client.post(f"/api/v1/tickets/{w.ticket_id}/replies", headers=w.headers, json={"body": "hello"}),
    ),
    (
        "note",
        (P.TICKET_NOTE,),
        lambda w: w.client.post(f"/api/v1/tickets/{w.ticket_id}/notes", headers=w.headers, json={"body": "internal"}),
    ),
    (
        "update",
        (P.TICKET_UPDATE,),
        lambda w: w.client.patch(f"/api/v1/tickets/{w.ticket_id}", headers=w.headers, json={"priority": "high"}),
    ),
    (
        "assign",
        (P.TICKET_ASSIGN,),
        lambda w: w.client.patch(
            f"/api/v1/tickets/{w.ticket_id}", headers=w.headers, json={"assignee_id": w.other_user_id}
        ),
    ),
    (
        "merge",
        (P.TICKET_MERGE,),
        lambda w: w.client.post(
            f"/api/v1/tickets/{w.ticket_id}/merge", headers=w.headers, json={"source_ticket_id": w.other_ticket_id}
        ),
    ),
    ("delete", (P.TICKET_DELETE,), lambda w: w.client.delete(f"/api/v1/tickets/{w.ticket_id}", headers=w.headers)),
    (
        "events",
        (P.TICKET_EVENTS_VIEW,),
        lambda w: w.client.get(f"/api/v1/tickets/{w.ticket_id}/events", headers=w.headers),
    ),
    ("list customers", (P.CUSTOMER_VIEW,), lambda w: w.client.get("/api/v1/customers", headers=w.headers)),
    (
        "create customer",
        (P.CUSTOMER_MANAGE,),
        lambda w: w.client.post("/api/v1/customers", headers=w.headers, json={"name": "New Person"}),
    ),
    (
        "create organisation",
        (P.ORGANISATION_MANAGE,),
        lambda w: w.client.post("/api/v1/organisations", headers=w.headers, json={"name": "Acme"}),
    ),
    (
        "create tag",
        (P.TAG_MANAGE,),
        lambda w: w.client.post("/api/v1/tags", headers=w.headers, json={"name": "new-tag"}),
    ),
    (
        "create team",
        (P.TEAM_MANAGE,),
        lambda w: w.client.post("/api/v1/teams", headers=w.headers, json={"name": "Night shift"}),
    ),
    (
        "add team member",
        (P.TEAM_MANAGE, P.USER_MANAGE),
        lambda w: w.client.post(
            f"/api/v1/teams/{w.team_id}/members", headers=w.headers, json={"user_id": w.other_user_id}
        ),
    ),
    (
        "create inbox",
        (P.INBOX_MANAGE,),
        lambda w: w.client.post(
            "/api/v1/inboxes",
            headers=w.headers,
            json={"name": "Sales", "channel": "email", "address": "sales@example.test"},
        ),
    ),
    (
        "create field",
        (P.FIELD_MANAGE,),
        lambda w: w.client.post(
            "/api/v1/fields", headers=w.headers, json={"key": "plan", "label": "Plan", "kind": "text"}
        ),
    ),
    ("list agents", (P.USER_VIEW,), lambda w: w.client.get("/api/v1/agents", headers=w.headers)),
    (
        "create user",
        (P.USER_MANAGE,),
        lambda w: w.client.post(
            "/api/v1/agents", headers=w.headers, json={"email": "new@example.test", "name": "New", "role": "agent"}
        ),
    ),
    (
        "change a role",
        (P.ROLE_MANAGE,),
        lambda w: w.client.patch(f"/api/v1/agents/{w.other_user_id}", headers=w.headers, json={"role": "team_lead"}),
    ),
    (
        "deactivate a user",
        (P.USER_MANAGE,),
        lambda w: w.client.patch(f"/api/v1/agents/{w.other_user_id}", headers=w.headers, json={"is_active": False}),
    ),
    (
        "own token",
        (P.TOKEN_MANAGE_OWN, P.TOKEN_MANAGE_ANY),
        lambda w: w.client.post("/api/v1/tokens", headers=w.headers, json={"name": "mine"}),
    ),
]


@pytest.mark.parametrize(("name", "needs", "send"), CASES, ids=[c[0] for c in CASES])
def test_permission_rule(world: World, name: str, needs: tuple[Permission, ...], send: Request) -> None:
    role_response = world.client.get("/api/v1/me", headers=world.headers)
    assert role_response.status_code == 200
    role = Role(role_response.json()["role"])
    allowed = any(role_allows(role, permission) for permission in needs)
    response = send(world)
    if allowed:
        assert response.status_code < 300, (role, name, response.text)
    else:
        assert response.status_code in (403, 404), (role, name, response.status_code, response.text)
        assert response.json()["error"]["message"]


def test_customer_cannot_see_or_touch_another_customers_ticket(client: TestClient, make: Factory) -> None:
    alice, bob = make.customer("Alice"), make.customer("Bob")
    bobs_ticket = make.ticket(bob)
    headers = make.auth(make.customer_user(alice))
    assert client.get(f"/api/v1/tickets/{bobs_ticket.id}", headers=headers).status_code == 404
    assert (
        client.post(f"/api/v1/tickets/{bobs_ticket.id}/replies", headers=headers, json={"body": "x"}).status_code == 404
    )
    assert client.get(f"/api/v1/tickets?customer_id={bob.id}", headers=headers).json()["items"] == []
    created = client.post("/api/v1/tickets", headers=headers, json={"subject": "s", "body": "b", "customer_id": bob.id})
    assert created.status_code == 403


def test_customer_does_not_see_internal_notes_or_internal_events(client: TestClient, make: Factory) -> None:
    alice = make.customer("Alice")
    ticket = make.ticket(alice)
    agent_headers = make.auth(make.user(Role.AGENT))
    assert (
        client.post(f"/api/v1/tickets/{ticket.id}/notes", headers=agent_headers, json={"body": "secret"}).status_code
        == 201
    )
    customer_headers = make.auth(make.customer_user(alice))
    thread = client.get(f"/api/v1/tickets/{ticket.id}", headers=customer_headers).json()["messages"]
    assert [m["kind"] for m in thread] == ["inbound"]
    assert "secret" not in str(thread)


def test_nobody_changes_their_own_role(client: TestClient, make: Factory) -> None:
    admin = make.user(Role.ADMIN)
    response = client.patch(f"/api/v1/agents/{admin.id}", headers=make.auth(admin), json={"role": "agent"})
    assert response.status_code == 403


def test_revoked_and_deactivated_tokens_stop_working(client: TestClient, make: Factory) -> None:
    agent = make.user(Role.AGENT)
    token = make.token(agent)
    headers = {"Authorization": f"Bearer {token}"}
    tokens = client.get("/api/v1/tokens", headers=headers).json()
    assert client.delete(f"/api/v1/tokens/{tokens[0]['id']}", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    second = {"Authorization": f"Bearer {make.token(agent)}"}
    admin = make.auth(make.user(Role.ADMIN))
    assert client.patch(f"/api/v1/agents/{agent.id}", headers=admin, json={"is_active": False}).status_code == 200
    assert client.get("/api/v1/me", headers=second).status_code == 401


def test_one_users_token_cannot_be_revoked_by_another(client: TestClient, make: Factory) -> None:
    alice, bob = make.user(Role.AGENT), make.user(Role.AGENT)
    alice_headers = make.auth(alice)
    alice_token_id = client.get("/api/v1/tokens", headers=alice_headers).json()[0]["id"]
    assert client.delete(f"/api/v1/tokens/{alice_token_id}", headers=make.auth(bob)).status_code == 404
    assert client.get("/api/v1/me", headers=alice_headers).status_code == 200
