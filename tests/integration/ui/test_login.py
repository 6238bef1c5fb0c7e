"""Logging in and out of the agent pages: cookies, refusals, lockout, rate limit, CSRF."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from switchboard.accounts import actions as accounts
from switchboard.accounts.models import LoginAttempt, User, WebSession
from switchboard.accounts.roles import Role
from switchboard.config import Settings
from switchboard.core.clock import FixedClock
from switchboard.core.errors import AuthenticationFailed
from switchboard.storage.engine import Database
from switchboard.web.deps import SESSION_COOKIE
from switchboard.web.ui.security import LOGIN_CSRF_COOKIE, new_login_csrf_token
from tests.factories import PASSWORD, Factory
from tests.integration.ui.conftest import ClientFor, csrf_field, set_cookie_headers, submit_login

GENERIC_REFUSAL = "Email or password is wrong."
FORM_EXPIRED = "This form has expired or did not come from Switchboard"


def _user_row(database: Database, user_id: int) -> User:
    with database.read() as session:
        user = session.get(User, user_id)
        assert user is not None
        return user


def test_login_form_carries_a_signed_double_submit_token(client: TestClient) -> None:
    response = client.get("/login")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    [cookie] = set_cookie_headers(response, LOGIN_CSRF_COOKIE)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert client.cookies[LOGIN_CSRF_COOKIE] == csrf_field(response.text)
    assert '<label for="email">Email</label>' in response.text
    assert '<label for="password">Password</label>' in response.text


def test_reloading_the_form_keeps_the_token_so_two_tabs_both_work(client: TestClient) -> None:
    first = csrf_field(client.get("/login").text)
    second = csrf_field(client.get("/login").text)
    assert first == second


def test_login_sets_the_session_cookie_and_lands_on_the_ticket_list(client: TestClient, make: Factory) -> None:
    agent = make.user(Role.AGENT)
    make.ticket(subject="Printer on fire")

    response = submit_login(client, email=agent.email)

    assert response.status_code == 303
    assert response.headers["location"] == "/tickets"
    [cookie] = set_cookie_headers(response, SESSION_COOKIE)
    attributes = [part.strip() for part in cookie.split(";")]
    assert "HttpOnly" in attributes and "SameSite=lax" in attributes and "Path=/" in attributes
    assert f"Max-Age={12 * 3600}" in attributes
    assert "Secure" not in attributes
    tickets = client.get("/tickets")
    assert tickets.status_code == 200
    assert "Printer on fire" in tickets.text
    assert agent.name in tickets.text and "Log out" in tickets.text


def test_cookies_are_secure_when_configured(client_for: ClientFor, make: Factory) -> None:
    agent = make.user(Role.AGENT)
    client = client_for(base_url="https://testserver", secure_cookies=True, session_lifetime_hours=2)

    [csrf_cookie] = set_cookie_headers(client.get("/login"), LOGIN_CSRF_COOKIE)
    response = submit_login(client, email=agent.email)

    assert "Secure" in [part.strip() for part in csrf_cookie.split(";")]
    [cookie] = set_cookie_headers(response, SESSION_COOKIE)
    attributes = [part.strip() for part in cookie.split(";")]
    assert "Secure" in attributes and f"Max-Age={2 * 3600}" in attributes


@pytest.mark.parametrize("known_email", [True, False], ids=["wrong-password", "unknown-email"])
def test_refusal_is_401_and_does_not_reveal_which_emails_exist(
    client: TestClient, make: Factory, known_email: bool
) -> None:
    agent = make.user(Role.AGENT)
    email = agent.email if known_email else "nobody@example.test"

    response = submit_login(client, email=email, password="not the password")

    assert response.status_code == 401
    assert GENERIC_REFUSAL in response.text
    assert f'value="{email}"' in response.text  # the email stays filled in
    assert not set_cookie_headers(response, SESSION_COOKIE)
    assert client.get("/tickets", follow_redirects=False).status_code == 303


def test_lockout_after_max_failures_is_committed(
    client: TestClient, make: Factory, settings: Settings, database: Database, clock: FixedClock
) -> None:
    agent = make.user(Role.AGENT)
    for _ in range(settings.login_max_failures - 1):
        assert submit_login(client, email=agent.email, password="not the password").status_code == 401
    # Each refusal was returned, not raised, so its count reached the database.
    assert _user_row(database, agent.id).failed_login_count == settings.login_max_failures - 1

    assert submit_login(client, email=agent.email, password="not the password").status_code == 401
    assert _user_row(database, agent.id).locked_until is not None

    locked = submit_login(client, email=agent.email)  # even the right password
    assert locked.status_code == 401
    assert "locked" in locked.text
    assert not set_cookie_headers(locked, SESSION_COOKIE)

    clock.advance(timedelta(minutes=settings.login_lockout_minutes, seconds=1))
    assert submit_login(client, email=agent.email).status_code == 303


def test_too_many_attempts_from_one_address_is_429(
    client_for: ClientFor, make: Factory, database: Database, clock: FixedClock
) -> None:
    agent = make.user(Role.AGENT)
    client = client_for(login_rate_per_minute=3)
    for _ in range(3):
        assert submit_login(client, email=agent.email, password="not the password").status_code == 401

    limited = submit_login(client, email=agent.email)  # even the right password

    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "60"
    assert "Too many login attempts; wait a minute." in limited.text
    assert not set_cookie_headers(limited, SESSION_COOKIE)
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(LoginAttempt)) == 3
    clock.advance(timedelta(seconds=61))
    assert submit_login(client, email=agent.email).status_code == 303


def _forged_unsigned_token(client: TestClient) -> str:
    client.cookies.set(LOGIN_CSRF_COOKIE, "forged.0123456789abcdef")
    return "forged.0123456789abcdef"


def _token_signed_with_another_key(client: TestClient) -> str:
    token = new_login_csrf_token("some other secret key that is not ours")
    client.cookies.set(LOGIN_CSRF_COOKIE, token)
    return token


def _field_differs_from_cookie(client: TestClient) -> str:
    token = csrf_field(client.get("/login").text)
    return token[:-1] + ("1" if token.endswith("0") else "0")


def _missing_cookie(client: TestClient) -> str:
    token = csrf_field(client.get("/login").text)
    client.cookies.delete(LOGIN_CSRF_COOKIE)
    return token


@pytest.mark.parametrize(
    "submitted_token",
    [
        pytest.param(lambda client: "", id="missing-field"),
        pytest.param(_field_differs_from_cookie, id="field-differs"),
        pytest.param(_missing_cookie, id="missing-cookie"),
        pytest.param(_forged_unsigned_token, id="unsigned"),
        pytest.param(_token_signed_with_another_key, id="other-key"),
    ],
)
def test_login_without_a_valid_csrf_token_is_403(
    client: TestClient, make: Factory, database: Database, submitted_token: Callable[[TestClient], str]
) -> None:
    agent = make.user(Role.AGENT)
    token = submitted_token(client)

    response = client.post(
        "/login",
        data={"email": agent.email, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )

    assert response.status_code == 403
    assert FORM_EXPIRED in response.text
    assert not set_cookie_headers(response, SESSION_COOKIE)
    with database.read() as session:  # refused before the password was even looked at
        assert session.scalar(select(func.count()).select_from(LoginAttempt)) == 0
    # The refusal page is a fresh form, so trying again works.
    retry = client.post(
        "/login",
        data={"email": agent.email, "password": PASSWORD, "csrf_token": csrf_field(response.text)},
        follow_redirects=False,
    )
    assert retry.status_code == 303


def test_logout_ends_the_session_for_good(client: TestClient, make: Factory, database: Database) -> None:
    agent = make.user(Role.AGENT)
    submit_login(client, email=agent.email)
    old_cookie = client.cookies[SESSION_COOKIE]
    page = client.get("/tickets")

    response = client.post("/logout", data={"csrf_token": csrf_field(page.text)}, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    [cleared] = set_cookie_headers(response, SESSION_COOKIE)
    assert "Max-Age=0" in cleared
    with database.read() as session:
        assert session.scalars(select(WebSession.ended_at)).one() is not None
    client.cookies.set(SESSION_COOKIE, old_cookie)  # a copied cookie is worthless now
    stale = client.get("/tickets", follow_redirects=False)
    assert stale.status_code == 303
    assert stale.headers["location"] == "/login?next=/tickets"


@pytest.mark.parametrize("token", ["", "not-the-session-token"])
def test_logout_without_the_session_csrf_token_is_403(client: TestClient, make: Factory, token: str) -> None:
    agent = make.user(Role.AGENT)
    submit_login(client, email=agent.email)

    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)

    assert response.status_code == 403
    assert FORM_EXPIRED in response.text
    assert client.get("/tickets").status_code == 200  # still logged in


def test_logout_with_a_token_from_another_session_is_403(client_for: ClientFor, make: Factory) -> None:
    victim, attacker = client_for(), client_for()
    submit_login(victim, email=make.user(Role.AGENT).email)
    submit_login(attacker, email=make.user(Role.AGENT).email)
    attackers_token = csrf_field(attacker.get("/tickets").text)

    response = victim.post("/logout", data={"csrf_token": attackers_token}, follow_redirects=False)

    assert response.status_code == 403
    assert victim.get("/tickets").status_code == 200


def test_logout_without_a_session_just_goes_to_the_login_form(client: TestClient) -> None:
    response = client.post("/logout", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/tickets",
        "https://evil.example/",
        "http:/evil.example",
        "/\\evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "evil.example",
        "",
    ],
)
def test_next_is_only_ever_a_local_path(client: TestClient, make: Factory, target: str) -> None:
    agent = make.user(Role.AGENT)

    form = client.get("/login", params={"next": target})
    assert 'name="next" value="/tickets"' in form.text
    response = submit_login(client, email=agent.email, next_path=target)

    assert response.status_code == 303
    assert response.headers["location"] == "/tickets"
    already_in = client.get("/login", params={"next": target}, follow_redirects=False)
    assert already_in.headers["location"] == "/tickets"


def test_a_local_next_is_where_login_lands(client: TestClient, make: Factory) -> None:
    agent = make.user(Role.AGENT)
    first = client.get("/tickets", params={"status": "open"}, follow_redirects=False)
    assert first.headers["location"] == "/login?next=/tickets%3Fstatus%3Dopen"

    form = client.get(first.headers["location"])
    assert 'name="next" value="/tickets?status=open"' in form.text
    response = submit_login(client, email=agent.email, next_path="/tickets?status=open")

    assert response.headers["location"] == "/tickets?status=open"


def test_home_sends_visitors_to_login_and_users_to_their_tickets(client: TestClient, make: Factory) -> None:
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"
    submit_login(client, email=make.user(Role.AGENT).email)
    assert client.get("/", follow_redirects=False).headers["location"] == "/tickets"
    assert client.get("/login", follow_redirects=False).headers["location"] == "/tickets"


def test_logging_in_again_ends_the_previous_session(
    client: TestClient, make: Factory, database: Database, settings: Settings, clock: FixedClock
) -> None:
    agent = make.user(Role.AGENT)
    assert submit_login(client, email=agent.email).status_code == 303
    old_cookie = client.cookies[SESSION_COOKIE]
    # The same browser logs in again (e.g. a second tab that still shows the form).
    token = new_login_csrf_token(settings.secret_key.get_secret_value())
    client.cookies.set(LOGIN_CSRF_COOKIE, token)
    again = client.post(
        "/login", data={"email": agent.email, "password": PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    assert again.status_code == 303
    assert client.cookies[SESSION_COOKIE] != old_cookie
    with database.read() as session:
        live = session.scalars(select(WebSession).where(WebSession.ended_at.is_(None))).all()
    assert len(live) == 1
    with database.read() as session, pytest.raises(AuthenticationFailed):
        accounts.session_user(session, token=old_cookie, now=clock.now())
