"""Read side of customers and organisations."""

from __future__ import annotations

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, selectinload

from switchboard.accounts.actor import Actor
from switchboard.accounts.roles import Permission
from switchboard.core.errors import NotFound, ValidationFailed
from switchboard.core.text import LIKE_ESCAPE, escape_like
from switchboard.customers.models import Customer, CustomerIdentity, Organisation

MAX_PAGE_SIZE = 200


def _like(text: str) -> str:
    return f"%{escape_like(text.strip().lower())}%"


def list_customers(
    session: Session,
    *,
    actor: Actor,
    text: str | None = None,
    organisation_id: int | None = None,
    after_id: int | None = None,
    limit: int = 50,
) -> tuple[list[Customer], int | None]:
    """Customers by id, with the id to continue after (None at the end)."""
    actor.require(Permission.CUSTOMER_VIEW)
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValidationFailed(f"limit must be between 1 and {MAX_PAGE_SIZE}")
    query = select(Customer).options(selectinload(Customer.identities)).order_by(Customer.id).limit(limit + 1)
    if organisation_id is not None:
        query = query.where(Customer.organisation_id == organisation_id)
    if after_id is not None:
        query = query.where(Customer.id > after_id)
    if text:
        pattern = _like(text)
        query = query.where(
            or_(
                Customer.name.ilike(pattern, escape=LIKE_ESCAPE),
                exists().where(
                    CustomerIdentity.customer_id == Customer.id,
                    CustomerIdentity.value.like(pattern, escape=LIKE_ESCAPE),
                ),
            )
        )
    rows = list(session.scalars(query))
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)


def get_customer(session: Session, *, actor: Actor, customer_id: int) -> Customer:
    if actor.is_customer and actor.customer_id == customer_id:
        pass
    else:
        actor.require(Permission.CUSTOMER_VIEW)
    customer = session.scalars(
        select(Customer).where(Customer.id == customer_id).options(selectinload(Customer.identities))
    ).one_or_none()
    if customer is None:
        raise NotFound(f"customer {customer_id} does not exist")
    return customer


def list_organisations(
    session: Session, *, actor: Actor, text: str | None = None, after_id: int | None = None, limit: int = 50
) -> tuple[list[Organisation], int | None]:
    actor.require(Permission.CUSTOMER_VIEW)
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValidationFailed(f"limit must be between 1 and {MAX_PAGE_SIZE}")
    query = select(Organisation).order_by(Organisation.id).limit(limit + 1)
    if after_id is not None:
        query = query.where(Organisation.id > after_id)
    if text:
        query = query.where(Organisation.name.ilike(_like(text), escape=LIKE_ESCAPE))
    rows = list(session.scalars(query))
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)


def get_organisation(session: Session, *, actor: Actor, organisation_id: int) -> Organisation:
    actor.require(Permission.CUSTOMER_VIEW)
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(f"organisation {organisation_id} does not exist")
    return organisation
