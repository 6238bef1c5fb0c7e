"""Customers, their identities, and organisations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import Field

from switchboard.core.errors import ValidationFailed
from switchboard.customers import actions, queries
from switchboard.customers.models import CustomerTier, IdentityKind
from switchboard.web.api.schemas import ERROR_RESPONSES, MAX_ID, Id, Input, Output, QueryId, text_query
from switchboard.web.deps import ApiCaller, Context

router = APIRouter(tags=["customers"], responses=ERROR_RESPONSES)

MAX_ID_DIGITS = len(str(MAX_ID))


class IdentityIn(Input):
    kind: IdentityKind
    value: str = Field(min_length=1, max_length=320)


class IdentityOut(Output):
    id: int
    kind: IdentityKind
    value: str


class CustomerIn(Input):
    name: str = Field(min_length=1, max_length=200)
    identities: list[IdentityIn] = Field(default_factory=list, max_length=50)
    organisation_id: Id | None = None
    tier: CustomerTier | None = None
    language: str | None = Field(default=None, max_length=16)
    timezone: str | None = Field(default=None, max_length=64)


class CustomerUpdate(Input):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    organisation_id: Id | None = None
    tier: CustomerTier | None = None


class CustomerOut(Output):
    id: int
    name: str
    organisation_id: int | None
    tier: CustomerTier
    language: str | None
    timezone: str | None
    created_at: datetime
    identities: list[IdentityOut]


class CustomerPage(Output):
    items: list[CustomerOut]
    next_cursor: str | None


class OrganisationIn(Input):
    name: str = Field(min_length=1, max_length=200)
    domain: str | None = Field(default=None, max_length=253)
    tier: CustomerTier = CustomerTier.STANDARD


class OrganisationOut(Output):
    id: int
    name: str
    domain: str | None
    tier: CustomerTier
    created_at: datetime


class OrganisationPage(Output):
    items: list[OrganisationOut]
    next_cursor: str | None


def _after(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    if not (cursor.isascii() and cursor.isdigit()) or len(cursor) > MAX_ID_DIGITS:
        raise ValidationFailed("cursor is not valid; use next_cursor from a previous page")
    return int(cursor)


@router.get("/customers", response_model=CustomerPage, summary="List or search customers")
def list_customers(
    *,
    context: Context,
    caller: ApiCaller,
    q: Annotated[str | None, text_query(200, "Name or identity contains")] = None,
    organisation_id: QueryId = None,
    cursor: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CustomerPage:
    with context.database.read() as session:
        rows, last = queries.list_customers(
            session, actor=caller.actor, text=q, organisation_id=organisation_id, after_id=_after(cursor), limit=limit
        )
        return CustomerPage(
            items=[CustomerOut.model_validate(c) for c in rows], next_cursor=str(last) if last else None
        )


@router.post("/customers", response_model=CustomerOut, status_code=status.HTTP_201_CREATED, summary="Create a customer")
def create_customer(context: Context, caller: ApiCaller, body: CustomerIn) -> CustomerOut:
    with context.database.write() as session:
        customer = actions.create_customer(
            session,
            actor=caller.actor,
            now=context.clock.now(),
            name=body.name,
            identities=[(i.kind, i.value) for i in body.identities],
            organisation_id=body.organisation_id,
            tier=body.tier,
            language=body.language,
            timezone=body.timezone,
        )
        session.flush()
        session.refresh(customer, ["identities"])
        return CustomerOut.model_validate(customer)


@router.get("/customers/{customer_id}", response_model=CustomerOut, summary="A customer")
def get_customer(context: Context, caller: ApiCaller, customer_id: Id) -> CustomerOut:
    with context.database.read() as session:
        return CustomerOut.model_validate(queries.get_customer(session, actor=caller.actor, customer_id=customer_id))


@router.patch("/customers/{customer_id}", response_model=CustomerOut, summary="Change a customer")
def update_customer(context: Context, caller: ApiCaller, customer_id: Id, body: CustomerUpdate) -> CustomerOut:
    given = body.model_fields_set
    with context.database.write() as session:
        customer = actions.update_customer(
            session,
            actor=caller.actor,
            customer_id=customer_id,
            name=body.name,
            organisation_id=body.organisation_id,
            clear_organisation="organisation_id" in given and body.organisation_id is None,
            tier=body.tier,
        )
        session.flush()
        session.refresh(customer, ["identities"])
        return CustomerOut.model_validate(customer)


@router.post(
    "/customers/{customer_id}/identities",
    response_model=IdentityOut,
    status_code=status.HTTP_201_CREATED,
    summary="Add an email address, phone number or chat visitor id",
)
def add_identity(context: Context, caller: ApiCaller, customer_id: Id, body: IdentityIn) -> IdentityOut:
    with context.database.write() as session:
        queries.get_customer(session, actor=caller.actor, customer_id=customer_id)
        identity = actions.add_identity(
            session,
            actor=caller.actor,
            now=context.clock.now(),
            customer_id=customer_id,
            kind=body.kind,
            value=body.value,
        )
        return IdentityOut.model_validate(identity)


@router.get("/organisations", response_model=OrganisationPage, summary="List organisations")
def list_organisations(
    context: Context,
    caller: ApiCaller,
    q: Annotated[str | None, text_query(200)] = None,
    cursor: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> OrganisationPage:
    with context.database.read() as session:
        rows, last = queries.list_organisations(
            session, actor=caller.actor, text=q, after_id=_after(cursor), limit=limit
        )
        return OrganisationPage(
            items=[OrganisationOut.model_validate(o) for o in rows], next_cursor=str(last) if last else None
        )


@router.post(
    "/organisations",
    response_model=OrganisationOut,
    status_code=status.HTTP_201_CREATED,
    summary="Create an organisation",
)
def create_organisation(context: Context, caller: ApiCaller, body: OrganisationIn) -> OrganisationOut:
    with context.database.write() as session:
        organisation = actions.create_organisation(
            session, actor=caller.actor, now=context.clock.now(), name=body.name, domain=body.domain, tier=body.tier
        )
        return OrganisationOut.model_validate(organisation)


@router.get("/organisations/{organisation_id}", response_model=OrganisationOut, summary="An organisation")
def get_organisation(context: Context, caller: ApiCaller, organisation_id: Id) -> OrganisationOut:
    with context.database.read() as session:
        return OrganisationOut.model_validate(
            queries.get_organisation(session, actor=caller.actor, organisation_id=organisation_id)
        )
