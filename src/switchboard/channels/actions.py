"""Inbox administration."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from switchboard.accounts.actor import Actor
from switchboard.accounts.models import Team
from switchboard.accounts.roles import Permission
from switchboard.channels.models import Channel, Inbox
from switchboard.core.errors import Conflict, ValidationFailed

MAX_INBOX_NAME_LENGTH = 120
MAX_ADDRESS_LENGTH = 320


def create_inbox(
    session: Session,
    *,
    actor: Actor,
    now: datetime,
    name: str,
    channel: Channel,
    address: str | None = None,
    default_team_id: int | None = None,
) -> Inbox:
    actor.require(Permission.INBOX_MANAGE)
    name = " ".join(name.split())
    if not name or len(name) > MAX_INBOX_NAME_LENGTH:
        raise ValidationFailed("inbox name must be 1-120 characters")
    if address is not None:
        address = address.strip().lower()
        if not address or len(address) > MAX_ADDRESS_LENGTH:
            raise ValidationFailed("inbox address must be 1-320 characters")
    if default_team_id is not None and session.get(Team, default_team_id) is None:
        raise ValidationFailed(f"team {default_team_id} does not exist")
    clash = select(Inbox.id).where((Inbox.name == name) | ((Inbox.address == address) if address else False))
    if session.scalars(clash).first() is not None:
        raise Conflict("an inbox with this name or address already exists")
    inbox = Inbox(
        name=name, channel=channel, address=address, default_team_id=default_team_id, settings={}, created_at=now
    )
    session.add(inbox)
    session.flush()
    return inbox
