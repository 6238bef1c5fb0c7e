"""Organisations, customers and their per-channel identities."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from switchboard.storage.base import Base


class IdentityKind(StrEnum):
    EMAIL = "email"
    CHAT_VISITOR = "chat_visitor"
    PHONE = "phone"
    EXTERNAL = "external"  # marketplace / app user ids


class CustomerTier(StrEnum):
    STANDARD = "standard"
    PREMIUM = "premium"
    ENTERPRISE = "enterprise"


def _values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    domain: Mapped[str | None] = mapped_column(String(253), index=True)
    tier: Mapped[CustomerTier] = mapped_column(
        Enum(CustomerTier, name="customer_tier", native_enum=False, length=16, values_callable=_values),
        default=CustomerTier.STANDARD,
    )
    created_at: Mapped[datetime]


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    tier: Mapped[CustomerTier] = mapped_column(
        Enum(CustomerTier, name="customer_tier", native_enum=False, length=16, values_callable=_values),
        default=CustomerTier.STANDARD,
    )
    language: Mapped[str | None] = mapped_column(String(16))
    timezone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]

    identities: Mapped[list[CustomerIdentity]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="CustomerIdentity.id"
    )
    organisation: Mapped[Organisation | None] = relationship()


class CustomerIdentity(Base):
    """One address a customer writes from. (kind, value) is unique across customers."""

    __tablename__ = "customer_identities"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[IdentityKind] = mapped_column(
        Enum(IdentityKind, name="identity_kind", native_enum=False, length=16, values_callable=_values)
    )
    value: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]

    customer: Mapped[Customer] = relationship(back_populates="identities")
