"""`find_or_create_customer` for many email addresses at once (batched channel intake).

Same result as calling `actions.find_or_create_customer` for each address in turn:
existing identities are found, and each new address becomes a customer named after
the sender (or the address's local part), in the organisation that owns its domain,
with that organisation's tier. Three statements for the whole batch instead of four
per new customer.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from switchboard.accounts.actor import Actor
from switchboard.accounts.roles import Permission
from switchboard.customers.actions import display_name, normalise_identity
from switchboard.customers.models import Customer, CustomerIdentity, CustomerTier, IdentityKind, Organisation
from switchboard.storage.ids import reserve_ids


def find_or_create_email_customers(
    session: Session, *, actor: Actor, now: datetime, names: Mapping[str, str | None]
) -> dict[str, int]:
    """Customer ids by email address. `names` maps each address (any case) to the
    display name it was seen with, if any; the first address of a new customer wins."""
    normalised: dict[str, str | None] = {}
    for address, name in names.items():
        normalised.setdefault(normalise_identity(IdentityKind.EMAIL, address), name)
    if not normalised:
        return {}
    found: dict[str, int] = dict(
        session.execute(
            select(CustomerIdentity.value, CustomerIdentity.customer_id).where(
                CustomerIdentity.kind == IdentityKind.EMAIL, CustomerIdentity.value.in_(normalised)
            )
        ).all()
    )
    new = [address for address in normalised if address not in found]
    if new:
        actor.require(Permission.CUSTOMER_MANAGE)
        domains = {address.rsplit("@", 1)[1] for address in new}
        organisations: dict[str, tuple[int, CustomerTier]] = {}
        for organisation_id, domain, tier in session.execute(
            select(Organisation.id, Organisation.domain, Organisation.tier)
            .where(Organisation.domain.in_(domains))
            .order_by(Organisation.id.desc())  # the lowest id wins, as `.first()` finds it
        ):
            if domain is not None:
                organisations[domain] = (organisation_id, tier)
        customer_ids = list(reserve_ids(session, Customer, len(new)))
        rows = []
        for address, customer_id in zip(new, customer_ids, strict=True):
            organisation = organisations.get(address.rsplit("@", 1)[1])
            rows.append(
                {
                    "id": customer_id,
                    "name": display_name(address, normalised[address]),
                    "organisation_id": organisation[0] if organisation else None,
                    "tier": organisation[1] if organisation else CustomerTier.STANDARD,
                    "language": None,
                    "timezone": None,
                    "created_at": now,
                }
            )
        session.execute(insert(Customer), rows)
        session.execute(
            insert(CustomerIdentity),
            [
                {"customer_id": customer_id, "kind": IdentityKind.EMAIL, "value": address, "created_at": now}
                for address, customer_id in zip(new, customer_ids, strict=True)
            ],
        )
        found.update(zip(new, customer_ids, strict=True))
    return {address: found[normalise_identity(IdentityKind.EMAIL, address)] for address in names}
