"""Log in and log out of the agent web app."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from switchboard.accounts import actions as accounts
from switchboard.accounts.secrets import MAX_PASSWORD_LENGTH
from switchboard.config import Settings
from switchboard.core.errors import RateLimited
from switchboard.web.context import AppContext
from switchboard.web.deps import SESSION_COOKIE, Context, SessionCaller
from switchboard.web.ui.rendering import PageRoute, render
from switchboard.web.ui.security import (
    LOGIN_CSRF_COOKIE,
    clear_login_csrf_cookie,
    clear_session_cookie,
    is_valid_login_csrf_token,
    login_csrf_matches,
    new_login_csrf_token,
    safe_next,
    session_csrf_matches,
    set_login_csrf_cookie,
    set_session_cookie,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

FORM_EXPIRED = "This form has expired or did not come from Switchboard. Please try again."
MAX_EMAIL_LENGTH = 320
MAX_NEXT_LENGTH = 1000

NextParameter = Annotated[str, Query(alias="next", max_length=MAX_NEXT_LENGTH)]
NextField = Annotated[str, Form(alias="next", max_length=MAX_NEXT_LENGTH)]
CsrfField = Annotated[str, Form(max_length=200)]


def login_policy(settings: Settings) -> accounts.LoginPolicy:
    return accounts.LoginPolicy(
        max_failures=settings.login_max_failures,
        lockout=timedelta(minutes=settings.login_lockout_minutes),
        attempts_per_minute=settings.login_rate_per_minute,
        session_lifetime=timedelta(hours=settings.session_lifetime_hours),
    )


def client_address(request: Request) -> str:
    """The address login attempts are rate limited by (the direct peer)."""
    return request.client.host if request.client else "unknown"


def login_page(
    request: Request,
    context: AppContext,
    *,
    next_path: str,
    email: str = "",
    error: str | None = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The login form, carrying a signed double-submit CSRF token in a cookie and a field.

    A valid token already in the browser is reused, so two open login tabs both work.
    """
    secret_key = context.settings.secret_key.get_secret_value()
    token = request.cookies.get(LOGIN_CSRF_COOKIE)
    if token is None or not is_valid_login_csrf_token(secret_key, token):
        token = new_login_csrf_token(secret_key)
    response = render(
        request,
        "accounts/login.html",
        current_user=None,
        max_email_length=MAX_EMAIL_LENGTH,
        max_password_length=MAX_PASSWORD_LENGTH,
        status_code=status_code,
        headers=headers,
        csrf_token=token,
        next_path=next_path,
        email=email,
        error=error,
    )
    set_login_csrf_cookie(response, token=token, settings=context.settings)
    return response


@router.get("/")
def home(current_user: SessionCaller) -> Response:
    return RedirectResponse("/tickets" if current_user is not None else "/login", status_code=303)


@router.get("/login")
def show_login(request: Request, context: Context, current_user: SessionCaller, next_: NextParameter = "") -> Response:
    next_path = safe_next(next_)
    if current_user is not None:
        return RedirectResponse(next_path, status_code=303)
    return login_page(request, context, next_path=next_path)


@router.post("/login")
def log_in(
    request: Request,
    context: Context,
    *,
    email: Annotated[str, Form(max_length=MAX_EMAIL_LENGTH)] = "",
    password: Annotated[str, Form(max_length=MAX_PASSWORD_LENGTH)] = "",
    csrf_token: CsrfField = "",
    next_: NextField = "",
) -> Response:
    next_path = safe_next(next_)
    secret_key = context.settings.secret_key.get_secret_value()
    if not login_csrf_matches(secret_key, cookie=request.cookies.get(LOGIN_CSRF_COOKIE), submitted=csrf_token):
        return login_page(request, context, next_path=next_path, email=email, error=FORM_EXPIRED, status_code=403)
    try:
        # The refusal is returned, not raised, so the failed attempt and the account's
        # failure count are committed when this block ends.
        with context.database.write() as session:
            outcome = accounts.log_in(
                session,
                email=email,
                password=password,
                client=client_address(request),
                now=context.clock.now(),
                policy=login_policy(context.settings),
                replacing_token=request.cookies.get(SESSION_COOKIE),
            )
    except RateLimited as refusal:
        return login_page(
            request,
            context,
            next_path=next_path,
            email=email,
            error=refusal.message,
            status_code=429,
            headers={"Retry-After": str(refusal.retry_after_seconds)},
        )
    if isinstance(outcome, accounts.LoginRefused):
        return login_page(
            request, context, next_path=next_path, email=email, error=outcome.error.message, status_code=401
        )
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookie(response, token=outcome.token, settings=context.settings)
    clear_login_csrf_cookie(response, settings=context.settings)
    return response


@router.post("/logout")
def log_out(request: Request, context: Context, current_user: SessionCaller, csrf_token: CsrfField = "") -> Response:
    response = RedirectResponse("/login", status_code=303)
    if current_user is None:  # nothing to end; drop a stale cookie if there is one
        clear_session_cookie(response, settings=context.settings)
        return response
    if not session_csrf_matches(current_user.csrf_token, csrf_token):
        return render(request, "error.html", current_user=current_user, status_code=403, message=FORM_EXPIRED)
    with context.database.write() as session:
        accounts.log_out(session, token=request.cookies[SESSION_COOKIE], now=context.clock.now())
    clear_session_cookie(response, settings=context.settings)
    return response
