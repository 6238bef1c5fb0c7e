"""Inboxes: one channel endpoint each (a support address, a chat widget, an API source)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from switchboard.storage.base import Base, PortableJSON


class Channel(StrEnum):
    EMAIL = "email"
    CHAT = "chat"
    WEB = "web"
    API = "api"
    VOICE = "voice"
    MARKETPLACE = "marketplace"


ChannelType = Enum(
    Channel, name="channel", native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]
)


class Inbox(Base):
    __tablename__ = "inboxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    channel: Mapped[Channel] = mapped_column(ChannelType)
    address: Mapped[str | None] = mapped_column(String(320), unique=True)
    default_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    settings: Mapped[dict[str, object]] = mapped_column(PortableJSON, default=dict)
    created_at: Mapped[datetime]
