"""FastAPI dependencies: the shared context, and who is calling (bearer token or session cookie)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from switchboard.accounts import actions as accounts
from switchboard.accounts.actor import Actor
from switchboard.accounts.models import User
from switchboard.core.errors import AuthenticationFailed
from switchboard.web.context import AppContext

SESSION_COOKIE = "switchboard_session"

bearer_scheme = HTTPBearer(auto_error=False, description="An API token from `switchboard token create`.")


def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


Context = Annotated[AppContext, Depends(get_context)]


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated user, as an actor for domain actions."""

    actor: Actor
    user_id: int
    name: str
    email: str
    csrf_token: str | None  # set for cookie sessions: form posts must echo it


def _caller(user: User, csrf_token: str | None) -> Caller:
    return Caller(
        actor=accounts.actor_for(user), user_id=user.id, name=user.name, email=user.email, csrf_token=csrf_token
    )


def get_api_caller(
    context: Context,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Caller:
    """API calls authenticate with `Authorization: Bearer TOKEN`."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationFailed("send an API token as 'Authorization: Bearer TOKEN'")
    with context.database.read() as session:
        user = accounts.authenticate_token(session, token=credentials.credentials, now=context.clock.now())
        return _caller(user, None)


def get_session_caller(request: Request, context: Context) -> Caller | None:
    """The browser session's user, or None when not logged in."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    with context.database.read() as session:
        try:
            user, web_session = accounts.session_user(session, token=token, now=context.clock.now())
        except AuthenticationFailed:
            return None
        return _caller(user, web_session.csrf_token)


ApiCaller = Annotated[Caller, Depends(get_api_caller)]
SessionCaller = Annotated[Caller | None, Depends(get_session_caller)]


def read_session(context: Context) -> Iterator[Session]:
    with context.database.read() as session:
        yield session
