"""Users, teams, API tokens, web sessions and login: the only writers of account rows."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from switchboard.accounts.actor import Actor
from switchboard.accounts.models import ApiToken, LoginAttempt, Team, TeamMember, User, WebSession
from switchboard.accounts.roles import Permission, Role
from switchboard.accounts.secrets import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    hash_password,
    new_api_token,
    new_session_token,
    password_needs_rehash,
    token_digest,
    verify_password,
)
from switchboard.core.clock import ensure_aware
from switchboard.core.errors import (
    AuthenticationFailed,
    Conflict,
    NotFound,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)
from switchboard.customers.models import Customer

_EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,253}\.[^@\s.]{2,63}$")
MAX_EMAIL_LENGTH = 254  # RFC 5321 path limit minus the angle brackets
MAX_NAME_LENGTH = 200
MAX_TEAM_NAME_LENGTH = 120
MAX_TOKEN_LENGTH = 200  # far above any token we issue; longer input is not ours


def normalise_email(email: str) -> str:
    normalised = email.strip().lower()
    if len(normalised) > MAX_EMAIL_LENGTH or not _EMAIL_PATTERN.fullmatch(normalised):
        raise ValidationFailed(f"{email[:80]!r} is not a valid email address")
    return normalised


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(f"password must have at most {MAX_PASSWORD_LENGTH} characters")


def _check_timezone(timezone: str) -> str:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed(f"{timezone[:64]!r} is not a known time zone") from exc
    return timezone


def create_user(
    session: Session,
    *,
    actor: Actor,
    now: datetime,
    email: str,
    name: str,
    role: Role,
    password: str | None = None,
    timezone: str = "UTC",
    customer_id: int | None = None,
    team_ids: Sequence[int] = (),
) -> User:
    actor.require(Permission.USER_MANAGE)
    email = normalise_email(email)
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise ValidationFailed("name must be 1-200 characters")
    if password is not None:
        _check_password(password)
    if role is Role.CUSTOMER:
        if customer_id is None or session.get(Customer, customer_id) is None:
            raise ValidationFailed("a customer account needs an existing customer_id")
        if team_ids:
            raise ValidationFailed("customer accounts do not belong to teams")
    elif customer_id is not None:
        raise ValidationFailed("only customer accounts link to a customer")
    if session.scalars(select(User.id).where(User.email == email)).first() is not None:
        raise Conflict(f"a user with email {email} already exists")
    user = User(
        email=email,
        name=name,
        role=role,
        timezone=_check_timezone(timezone),
        password_hash=hash_password(password) if password else None,
        is_active=True,
        customer_id=customer_id,
        failed_login_count=0,
        created_at=now,
        hired_on=now if role is not Role.CUSTOMER else None,
    )
    session.add(user)
    session.flush()
    for team_id in team_ids:
        add_team_member(session, actor=actor, team_id=team_id, user_id=user.id)
    return user


def update_user(
    session: Session,
    *,
    actor: Actor,
    user_id: int,
    name: str | None = None,
    role: Role | None = None,
    timezone: str | None = None,
    is_active: bool | None = None,
    password: str | None = None,
) -> User:
    """Change a user. Anyone may change their own name, time zone and password;
    roles and activation need the role and user permissions."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    is_self = actor.user_id == user_id
    if not is_self:
        actor.require(Permission.USER_MANAGE)
    if role is not None and role is not user.role:
        actor.require(Permission.ROLE_MANAGE)
        if (role is Role.CUSTOMER) != (user.role is Role.CUSTOMER):
            raise ValidationFailed("staff and customer accounts cannot be converted into each other")
        if is_self:
            raise PermissionDenied("nobody may change their own role")
        user.role = role
    if is_active is not None and is_active is not user.is_active:
        actor.require(Permission.USER_MANAGE)
        if is_self:
            raise PermissionDenied("nobody may deactivate themselves")
        user.is_active = is_active
    if name is not None:
        name = name.strip()
        if not name or len(name) > MAX_NAME_LENGTH:
            raise ValidationFailed("name must be 1-200 characters")
        user.name = name
    if timezone is not None:
        user.timezone = _check_timezone(timezone)
    if password is not None:
        _check_password(password)
        user.password_hash = hash_password(password)
        user.failed_login_count = 0
        user.locked_until = None
    return user


def create_team(session: Session, *, actor: Actor, now: datetime, name: str, timezone: str = "UTC") -> Team:
    actor.require(Permission.TEAM_MANAGE)
    name = name.strip()
    if not name or len(name) > MAX_TEAM_NAME_LENGTH:
        raise ValidationFailed("team name must be 1-120 characters")
    if session.scalars(select(Team.id).where(Team.name == name)).first() is not None:
        raise Conflict(f"team {name!r} already exists")
    team = Team(name=name, timezone=_check_timezone(timezone), created_at=now)
    session.add(team)
    session.flush()
    return team


def add_team_member(session: Session, *, actor: Actor, team_id: int, user_id: int) -> None:
    actor.require_any(Permission.TEAM_MANAGE, Permission.USER_MANAGE)
    if session.get(Team, team_id) is None:
        raise ValidationFailed(f"team {team_id} does not exist")
    user = session.get(User, user_id)
    if user is None or user.role is Role.CUSTOMER:
        raise ValidationFailed(f"user {user_id} is not a staff member")
    if session.get(TeamMember, (team_id, user_id)) is None:
        session.add(TeamMember(team_id=team_id, user_id=user_id))
        session.flush()


def remove_team_member(session: Session, *, actor: Actor, team_id: int, user_id: int) -> None:
    actor.require_any(Permission.TEAM_MANAGE, Permission.USER_MANAGE)
    session.execute(delete(TeamMember).where(TeamMember.team_id == team_id, TeamMember.user_id == user_id))


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """The one moment the plain token exists; it is not stored anywhere."""

    token: str
    record: ApiToken


def create_api_token(session: Session, *, actor: Actor, now: datetime, user_id: int, name: str = "api") -> IssuedToken:
    if actor.user_id != user_id:
        actor.require(Permission.TOKEN_MANAGE_ANY)
    else:
        actor.require_any(Permission.TOKEN_MANAGE_OWN, Permission.TOKEN_MANAGE_ANY)
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise ValidationFailed(f"user {user_id} is not an active user")
    name = name.strip()[:120] or "api"
    token = new_api_token()
    record = ApiToken(user_id=user_id, name=name, token_hash=token_digest(token), prefix=token[:12], created_at=now)
    session.add(record)
    session.flush()
    return IssuedToken(token=token, record=record)


def revoke_api_token(session: Session, *, actor: Actor, now: datetime, token_id: int) -> ApiToken:
    record = session.get(ApiToken, token_id)
    if record is None or (record.user_id != actor.user_id and not actor.can(Permission.TOKEN_MANAGE_ANY)):
        raise NotFound(f"token {token_id} does not exist")
    if record.revoked_at is None:
        record.revoked_at = now
    return record


def authenticate_token(session: Session, *, token: str, now: datetime) -> User:
    """The active user a bearer token belongs to, or `AuthenticationFailed`."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise AuthenticationFailed("invalid API token")
    record = session.scalars(select(ApiToken).where(ApiToken.token_hash == token_digest(token))).first()
    if record is None or record.revoked_at is not None:
        raise AuthenticationFailed("invalid or revoked API token")
    user = session.get(User, record.user_id)
    if user is None or not user.is_active:
        raise AuthenticationFailed("the token's user is deactivated")
    return user


def actor_for(user: User) -> Actor:
    return Actor(user_id=user.id, role=user.role, customer_id=user.customer_id)


# -- web login ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    max_failures: int
    lockout: timedelta
    attempts_per_minute: int
    session_lifetime: timedelta


@dataclass(frozen=True, slots=True)
class LoginRefused:
    """Returned, not raised, so the caller commits the failure count and the attempt."""

    error: AuthenticationFailed


@dataclass(frozen=True, slots=True)
class StartedSession:
    token: str
    csrf_token: str
    user: User
    expires_at: datetime


def log_in(
    session: Session,
    *,
    email: str,
    password: str,
    client: str,
    now: datetime,
    policy: LoginPolicy,
    replacing_token: str | None = None,
) -> StartedSession | LoginRefused:
    """Check a password login, with per-client rate limiting and per-account lockout.

    Failures all say the same thing, so the form does not reveal which emails exist.
    """
    client = client[:64]
    window_start = now - timedelta(minutes=1)
    recent = session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.client == client, LoginAttempt.attempted_at >= window_start)
    )
    if (recent or 0) >= policy.attempts_per_minute:
        raise RateLimited("too many login attempts; wait a minute", retry_after_seconds=60)
    session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at < now - timedelta(hours=1)))
    attempt = LoginAttempt(client=client, attempted_at=now, succeeded=False)
    session.add(attempt)

    generic = AuthenticationFailed("email or password is wrong")
    try:
        normalised = normalise_email(email)
    except ValidationFailed:
        verify_password(None, password[:MAX_PASSWORD_LENGTH])
        return LoginRefused(generic)
    user = session.scalars(select(User).where(User.email == normalised)).first()
    if user is not None and user.locked_until is not None and ensure_aware(user.locked_until) > now:
        return LoginRefused(
            AuthenticationFailed("this account is locked after repeated failed logins; try again later")
        )
    if user is None or not user.is_active or not verify_password(user.password_hash, password[:MAX_PASSWORD_LENGTH]):
        if user is not None:
            user.failed_login_count += 1
            if user.failed_login_count >= policy.max_failures:
                user.locked_until = now + policy.lockout
                user.failed_login_count = 0
        return LoginRefused(generic)
    attempt.succeeded = True
    if replacing_token:
        # A new login from a browser that still holds a session ends the old one
        # (no session fixation, no forgotten sessions piling up).
        log_out(session, token=replacing_token, now=now)
    user.failed_login_count = 0
    user.locked_until = None
    if user.password_hash and password_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    token = new_session_token()
    csrf_token = secrets.token_urlsafe(32)
    expires_at = now + policy.session_lifetime
    session.add(
        WebSession(
            user_id=user.id,
            token_hash=token_digest(token),
            csrf_token=csrf_token,
            created_at=now,
            expires_at=expires_at,
        )
    )
    return StartedSession(token=token, csrf_token=csrf_token, user=user, expires_at=expires_at)


def session_user(session: Session, *, token: str, now: datetime) -> tuple[User, WebSession]:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise AuthenticationFailed("not logged in")
    web_session = session.scalars(select(WebSession).where(WebSession.token_hash == token_digest(token))).first()
    if web_session is None or web_session.ended_at is not None or ensure_aware(web_session.expires_at) <= now:
        raise AuthenticationFailed("session expired; log in again")
    user = session.get(User, web_session.user_id)
    if user is None or not user.is_active:
        raise AuthenticationFailed("account deactivated")
    return user, web_session


def log_out(session: Session, *, token: str, now: datetime) -> None:
    web_session = session.scalars(select(WebSession).where(WebSession.token_hash == token_digest(token))).first()
    if web_session is not None and web_session.ended_at is None:
        web_session.ended_at = now
