from fastapi.testclient import TestClient

from switchboard.accounts.roles import Role
from tests.factories import Factory


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_agent_creates_and_lists_a_ticket(client: TestClient, make: Factory) -> None:
    agent = make.user(Role.AGENT)
    customer = make.customer()
    headers = make.auth(agent)
    created = client.post(
        "/api/v1/tickets",
        headers=headers,
        json={"subject": "Printer on fire", "body": "Help!", "customer_id": customer.id},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["number"] == 1 and body["status"] == "new" and body["messages"][0]["kind"] == "inbound"
    listing = client.get("/api/v1/tickets", headers=headers)
    assert [t["id"] for t in listing.json()["items"]] == [body["id"]]
