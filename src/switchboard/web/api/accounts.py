"""Agents (users), teams, API tokens, inboxes and tags."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import Field

from switchboard.accounts import actions, queries
from switchboard.accounts.models import User
from switchboard.accounts.roles import Role
from switchboard.channels import actions as channel_actions
from switchboard.channels import queries as channel_queries
from switchboard.channels.models import Channel
from switchboard.tickets import actions as ticket_actions
from switchboard.tickets import queries as ticket_queries
from switchboard.web.api.schemas import ERROR_RESPONSES, Id, Input, Output, text_query
from switchboard.web.deps import ApiCaller, Context

router = APIRouter(responses=ERROR_RESPONSES)


class UserOut(Output):
    id: int
    email: str
    name: str
    role: Role
    timezone: str
    is_active: bool
    customer_id: int | None
    team_ids: list[int]
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            email=user.email,
            name=user.name,
            role=user.role,
            timezone=user.timezone,
            is_active=user.is_active,
            customer_id=user.customer_id,
            team_ids=[t.id for t in user.teams],
            created_at=user.created_at,
        )


class UserIn(Input):
    email: str = Field(min_length=3, max_length=254)
    name: str = Field(min_length=1, max_length=200)
    role: Role
    password: str | None = Field(default=None, min_length=10, max_length=1024)
    timezone: str = Field(default="UTC", max_length=64)
    customer_id: Id | None = None
    team_ids: list[Id] = Field(default_factory=list, max_length=50)


class UserUpdate(Input):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    role: Role | None = None
    timezone: str | None = Field(default=None, max_length=64)
    is_active: bool | None = None
    password: str | None = Field(default=None, min_length=10, max_length=1024)


class TeamOut(Output):
    id: int
    name: str
    timezone: str
    member_ids: list[int]


class TeamIn(Input):
    name: str = Field(min_length=1, max_length=120)
    timezone: str = Field(default="UTC", max_length=64)


class MemberIn(Input):
    user_id: Id


class TokenIn(Input):
    name: str = Field(default="api", min_length=1, max_length=120)


class TokenOut(Output):
    id: int
    name: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


class IssuedTokenOut(TokenOut):
    token: str = Field(description="Shown once; only its hash is stored.")


class InboxIn(Input):
    name: str = Field(min_length=1, max_length=120)
    channel: Channel
    address: str | None = Field(default=None, max_length=320)
    default_team_id: Id | None = None


class InboxOut(Output):
    id: int
    name: str
    channel: Channel
    address: str | None
    default_team_id: int | None
    is_active: bool


class TagIn(Input):
    name: str = Field(min_length=1, max_length=64)


class TagOut(Output):
    id: int
    name: str


@router.get("/me", response_model=UserOut, tags=["agents"], summary="The calling user")
def me(context: Context, caller: ApiCaller) -> UserOut:
    with context.database.read() as session:
        return UserOut.of(queries.get_user(session, actor=caller.actor, user_id=caller.user_id))


@router.get("/agents", response_model=list[UserOut], tags=["agents"], summary="List agents and other staff")
def list_agents(context: Context, caller: ApiCaller, role: Role | None = None) -> list[UserOut]:
    with context.database.read() as session:
        return [UserOut.of(u) for u in queries.list_users(session, actor=caller.actor, role=role)]


@router.post(
    "/agents", response_model=UserOut, status_code=status.HTTP_201_CREATED, tags=["agents"], summary="Create a user"
)
def create_agent(context: Context, caller: ApiCaller, body: UserIn) -> UserOut:
    with context.database.write() as session:
        user = actions.create_user(
            session,
            actor=caller.actor,
            now=context.clock.now(),
            email=body.email,
            name=body.name,
            role=body.role,
            password=body.password,
            timezone=body.timezone,
            customer_id=body.customer_id,
            team_ids=body.team_ids,
        )
        session.flush()
        session.refresh(user, ["teams"])
        return UserOut.of(user)


@router.get("/agents/{user_id}", response_model=UserOut, tags=["agents"], summary="A user")
def get_agent(context: Context, caller: ApiCaller, user_id: Id) -> UserOut:
    with context.database.read() as session:
        return UserOut.of(queries.get_user(session, actor=caller.actor, user_id=user_id))


@router.patch("/agents/{user_id}", response_model=UserOut, tags=["agents"], summary="Change a user (role: admin only)")
def update_agent(context: Context, caller: ApiCaller, user_id: Id, body: UserUpdate) -> UserOut:
    with context.database.write() as session:
        user = actions.update_user(
            session,
            actor=caller.actor,
            user_id=user_id,
            name=body.name,
            role=body.role,
            timezone=body.timezone,
            is_active=body.is_active,
            password=body.password,
        )
        session.flush()
        session.refresh(user, ["teams"])
        return UserOut.of(user)


@router.get("/teams", response_model=list[TeamOut], tags=["teams"], summary="List teams")
def list_teams(context: Context, caller: ApiCaller) -> list[TeamOut]:
    with context.database.read() as session:
        return [
            TeamOut(id=t.id, name=t.name, timezone=t.timezone, member_ids=sorted(m.id for m in t.members))
            for t in queries.list_teams(session, actor=caller.actor)
        ]


@router.post(
    "/teams", response_model=TeamOut, status_code=status.HTTP_201_CREATED, tags=["teams"], summary="Create a team"
)
def create_team(context: Context, caller: ApiCaller, body: TeamIn) -> TeamOut:
    with context.database.write() as session:
        team = actions.create_team(
            session, actor=caller.actor, now=context.clock.now(), name=body.name, timezone=body.timezone
        )
        return TeamOut(id=team.id, name=team.name, timezone=team.timezone, member_ids=[])


@router.post("/teams/{team_id}/members", response_model=TeamOut, tags=["teams"], summary="Add a member to a team")
def add_member(context: Context, caller: ApiCaller, team_id: Id, body: MemberIn) -> TeamOut:
    with context.database.write() as session:
        actions.add_team_member(session, actor=caller.actor, team_id=team_id, user_id=body.user_id)
        session.flush()
        team = queries.get_team(session, actor=caller.actor, team_id=team_id)
        session.refresh(team, ["members"])
        return TeamOut(
            id=team.id, name=team.name, timezone=team.timezone, member_ids=sorted(m.id for m in team.members)
        )


@router.delete(
    "/teams/{team_id}/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["teams"],
    summary="Remove a member",
)
def remove_member(context: Context, caller: ApiCaller, team_id: Id, user_id: Id) -> None:
    with context.database.write() as session:
        queries.get_team(session, actor=caller.actor, team_id=team_id)
        actions.remove_team_member(session, actor=caller.actor, team_id=team_id, user_id=user_id)


@router.get("/tokens", response_model=list[TokenOut], tags=["tokens"], summary="The caller's API tokens")
def list_tokens(context: Context, caller: ApiCaller) -> list[TokenOut]:
    with context.database.read() as session:
        return [
            TokenOut.model_validate(t) for t in queries.list_tokens(session, actor=caller.actor, user_id=caller.user_id)
        ]


@router.post(
    "/tokens",
    response_model=IssuedTokenOut,
    status_code=status.HTTP_201_CREATED,
    tags=["tokens"],
    summary="Create an API token",
)
def create_token(context: Context, caller: ApiCaller, body: TokenIn) -> IssuedTokenOut:
    with context.database.write() as session:
        issued = actions.create_api_token(
            session, actor=caller.actor, now=context.clock.now(), user_id=caller.user_id, name=body.name
        )
        return IssuedTokenOut(**TokenOut.model_validate(issued.record).model_dump(), token=issued.token)


@router.delete(
    "/tokens/{token_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["tokens"], summary="Revoke an API token"
)
def revoke_token(context: Context, caller: ApiCaller, token_id: Id) -> None:
    with context.database.write() as session:
        actions.revoke_api_token(session, actor=caller.actor, now=context.clock.now(), token_id=token_id)


@router.get("/inboxes", response_model=list[InboxOut], tags=["inboxes"], summary="List inboxes")
def list_inboxes(context: Context, caller: ApiCaller) -> list[InboxOut]:
    with context.database.read() as session:
        return [InboxOut.model_validate(i) for i in channel_queries.list_inboxes(session, actor=caller.actor)]


@router.post(
    "/inboxes",
    response_model=InboxOut,
    status_code=status.HTTP_201_CREATED,
    tags=["inboxes"],
    summary="Create an inbox",
)
def create_inbox(context: Context, caller: ApiCaller, body: InboxIn) -> InboxOut:
    with context.database.write() as session:
        inbox = channel_actions.create_inbox(
            session,
            actor=caller.actor,
            now=context.clock.now(),
            name=body.name,
            channel=body.channel,
            address=body.address,
            default_team_id=body.default_team_id,
        )
        return InboxOut.model_validate(inbox)


@router.get("/tags", response_model=list[TagOut], tags=["tags"], summary="List tags")
def list_tags(
    context: Context,
    caller: ApiCaller,
    prefix: Annotated[str | None, text_query(64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[TagOut]:
    with context.database.read() as session:
        return [
            TagOut.model_validate(t)
            for t in ticket_queries.tags(session, actor=caller.actor, prefix=prefix, limit=limit)
        ]


@router.post("/tags", response_model=TagOut, status_code=status.HTTP_201_CREATED, tags=["tags"], summary="Create a tag")
def create_tag(context: Context, caller: ApiCaller, body: TagIn) -> TagOut:
    with context.database.write() as session:
        return TagOut.model_validate(ticket_actions.create_tag(session, actor=caller.actor, name=body.name))
