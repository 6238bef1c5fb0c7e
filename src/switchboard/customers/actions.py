"""Customers, organisations and identities: the only writers of these rows."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from switchboard.accounts.actor import Actor
from switchboard.accounts.roles import Permission
from switchboard.core.errors import Conflict, NotFound, ValidationFailed
from switchboard.customers.models import Customer, CustomerIdentity, CustomerTier, IdentityKind, Organisation

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,253}$")
_PHONE = re.compile(r"^\+?[0-9]{3,20}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$")
MAX_IDENTITY_LENGTH = 320
MAX_NAME_LENGTH = 200


def normalise_identity(kind: IdentityKind, value: str) -> str:
    """The canonical form under which an identity is unique."""
    raw = value.strip()
    if kind is IdentityKind.EMAIL:
        normalised = raw.lower()
        if len(normalised) > MAX_IDENTITY_LENGTH or not _EMAIL.fullmatch(normalised):
            raise ValidationFailed(f"{value[:80]!r} is not a valid email address")
        return normalised
    if kind is IdentityKind.PHONE:
        normalised = re.sub(r"[\s().-]", "", raw)
        if not _PHONE.fullmatch(normalised):
            raise ValidationFailed(f"{value[:40]!r} is not a valid phone number")
        return normalised
    if not raw or len(raw) > MAX_IDENTITY_LENGTH or any(not c.isprintable() for c in raw):
        raise ValidationFailed(f"{kind.value} identity must be 1-320 printable characters")
    return raw


def _clean_name(name: str, *, what: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > MAX_NAME_LENGTH:
        raise ValidationFailed(f"{what} name must be 1-200 characters")
    return cleaned


def create_organisation(
    session: Session,
    *,
    actor: Actor,
    now: datetime,
    name: str,
    domain: str | None = None,
    tier: CustomerTier = CustomerTier.STANDARD,
) -> Organisation:
    actor.require(Permission.ORGANISATION_MANAGE)
    name = _clean_name(name, what="organisation")
    if domain is not None:
        domain = domain.strip().lower()
        if not _DOMAIN.fullmatch(domain):
            raise ValidationFailed(f"{domain[:80]!r} is not a valid domain")
    if session.scalars(select(Organisation.id).where(Organisation.name == name)).first() is not None:
        raise Conflict(f"organisation {name!r} already exists")
    organisation = Organisation(name=name, domain=domain, tier=tier, created_at=now)
    session.add(organisation)
    session.flush()
    return organisation


def create_customer(
    session: Session,
    *,
    actor: Actor,
    now: datetime,
    name: str,
    identities: Sequence[tuple[IdentityKind, str]] = (),
    organisation_id: int | None = None,
    tier: CustomerTier | None = None,
    language: str | None = None,
    timezone: str | None = None,
) -> Customer:
    actor.require(Permission.CUSTOMER_MANAGE)
    organisation = _existing_organisation(session, organisation_id)
    customer = Customer(
        name=_clean_name(name, what="customer"),
        organisation_id=organisation_id,
        tier=tier or (organisation.tier if organisation else CustomerTier.STANDARD),
        language=language[:16] if language else None,
        timezone=timezone[:64] if timezone else None,
        created_at=now,
    )
    session.add(customer)
    session.flush()
    for kind, value in identities:
        add_identity(session, actor=actor, now=now, customer_id=customer.id, kind=kind, value=value)
    return customer


def update_customer(
    session: Session,
    *,
    actor: Actor,
    customer_id: int,
    name: str | None = None,
    organisation_id: int | None = None,
    clear_organisation: bool = False,
    tier: CustomerTier | None = None,
) -> Customer:
    actor.require(Permission.CUSTOMER_MANAGE)
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"customer {customer_id} does not exist")
    if name is not None:
        customer.name = _clean_name(name, what="customer")
    if clear_organisation:
        customer.organisation_id = None
    elif organisation_id is not None:
        _existing_organisation(session, organisation_id)
        customer.organisation_id = organisation_id
    if tier is not None:
        customer.tier = tier
    return customer


def add_identity(
    session: Session, *, actor: Actor, now: datetime, customer_id: int, kind: IdentityKind, value: str
) -> CustomerIdentity:
    actor.require(Permission.CUSTOMER_MANAGE)
    normalised = normalise_identity(kind, value)
    existing = session.scalars(
        select(CustomerIdentity).where(CustomerIdentity.kind == kind, CustomerIdentity.value == normalised)
    ).first()
    if existing is not None:
        if existing.customer_id == customer_id:
            return existing
        raise Conflict(f"{kind.value} {normalised} already belongs to another customer")
    identity = CustomerIdentity(customer_id=customer_id, kind=kind, value=normalised, created_at=now)
    session.add(identity)
    session.flush()
    return identity


def display_name(identity: str, name: str | None) -> str:
    """The name a customer created on first contact gets: as they sent it, else the
    identity's local part."""
    display = name.strip() if name and name.strip() else identity.split("@")[0]
    return " ".join(display[:MAX_NAME_LENGTH].split())


def find_or_create_customer(
    session: Session, *, actor: Actor, now: datetime, kind: IdentityKind, value: str, name: str | None = None
) -> Customer:
    """The customer who writes from this address, created on first contact (channel intake)."""
    normalised = normalise_identity(kind, value)
    identity = session.scalars(
        select(CustomerIdentity).where(CustomerIdentity.kind == kind, CustomerIdentity.value == normalised)
    ).first()
    if identity is not None:
        customer = session.get(Customer, identity.customer_id)
        if customer is not None:  # the foreign key guarantees it; checked for the type
            return customer
    organisation_id = None
    if kind is IdentityKind.EMAIL:
        domain = normalised.rsplit("@", 1)[1]
        organisation_id = session.scalars(select(Organisation.id).where(Organisation.domain == domain)).first()
    return create_customer(
        session,
        actor=actor,
        now=now,
        name=display_name(normalised, name),
        identities=[(kind, normalised)],
        organisation_id=organisation_id,
    )


def _existing_organisation(session: Session, organisation_id: int | None) -> Organisation | None:
    if organisation_id is None:
        return None
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise ValidationFailed(f"organisation {organisation_id} does not exist")
    return organisation
