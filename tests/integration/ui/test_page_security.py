"""Response headers and static files of the agent pages; the JSON API keeps its own ways."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from switchboard.accounts.roles import Role
from switchboard.web.ui.security import CONTENT_SECURITY_POLICY, DEFAULT_LANDING, safe_next
from tests.factories import Factory
from tests.integration.ui.conftest import submit_login

PAGE_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
}


def assert_page_headers(headers: dict[str, str]) -> None:
    for name, value in PAGE_HEADERS.items():
        assert headers.get(name) == value, name


def test_policy_allows_only_our_own_scripts_and_styles_and_no_framing() -> None:
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/"), ("GET", "/login"), ("GET", "/tickets"), ("POST", "/login"), ("POST", "/logout")],
)
def test_every_page_response_carries_the_security_headers(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path, follow_redirects=False)
    assert_page_headers(dict(response.headers))


def test_logged_in_pages_carry_the_security_headers(client: TestClient, make: Factory) -> None:
    login = submit_login(client, email=make.user(Role.AGENT).email)
    assert_page_headers(dict(login.headers))
    assert_page_headers(dict(client.get("/tickets").headers))


def test_pages_have_no_inline_script_or_style(client: TestClient, make: Factory) -> None:
    html = client.get("/login").text
    submit_login(client, email=make.user(Role.AGENT).email)
    html += client.get("/tickets").text
    assert "<script" not in html
    assert "<style" not in html
    assert "style=" not in html


def test_stylesheet_is_served_from_static(client: TestClient) -> None:
    response = client.get("/static/switchboard.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert ":focus-visible" in response.text


def test_the_json_api_still_answers_in_json(client: TestClient) -> None:
    response = client.get("/api/v1/tickets")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert "content-security-policy" not in response.headers  # its docs page loads Swagger UI


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/tickets", "/tickets"),
        ("/tickets?status=open&cursor=abc", "/tickets?status=open&cursor=abc"),
        ("//evil.example", DEFAULT_LANDING),
        ("///evil.example", DEFAULT_LANDING),
        ("/\\evil.example", DEFAULT_LANDING),
        ("/\n/evil.example", DEFAULT_LANDING),
        ("/tickets\x00", DEFAULT_LANDING),
        ("https://evil.example", DEFAULT_LANDING),
        ("tickets", DEFAULT_LANDING),
        ("/" + "a" * 2000, DEFAULT_LANDING),
        (None, DEFAULT_LANDING),
    ],
)
def test_safe_next(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected
