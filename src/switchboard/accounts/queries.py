"""Read side of users, teams and tokens."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from switchboard.accounts.actor import Actor
from switchboard.accounts.models import ApiToken, Team, User
from switchboard.accounts.roles import Permission, Role
from switchboard.core.errors import NotFound


def list_users(
    session: Session, *, actor: Actor, role: Role | None = None, include_customers: bool = False
) -> list[User]:
    actor.require(Permission.USER_VIEW)
    query = select(User).options(selectinload(User.teams)).order_by(User.id)
    if role is not None:
        query = query.where(User.role == role)
    elif not include_customers:
        query = query.where(User.role != Role.CUSTOMER)
    return list(session.scalars(query))


def get_user(session: Session, *, actor: Actor, user_id: int) -> User:
    if actor.user_id != user_id:
        actor.require(Permission.USER_VIEW)
    user = session.scalars(select(User).where(User.id == user_id).options(selectinload(User.teams))).one_or_none()
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    return user


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == email.strip().lower())).first()


def list_teams(session: Session, *, actor: Actor) -> list[Team]:
    actor.require(Permission.USER_VIEW)
    return list(session.scalars(select(Team).options(selectinload(Team.members)).order_by(Team.name)))


def get_team(session: Session, *, actor: Actor, team_id: int) -> Team:
    actor.require(Permission.USER_VIEW)
    team = session.scalars(select(Team).where(Team.id == team_id).options(selectinload(Team.members))).one_or_none()
    if team is None:
        raise NotFound(f"team {team_id} does not exist")
    return team


def list_tokens(session: Session, *, actor: Actor, user_id: int) -> list[ApiToken]:
    if actor.user_id != user_id:
        actor.require(Permission.TOKEN_MANAGE_ANY)
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)))
