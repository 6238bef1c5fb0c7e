"""Read side of inboxes."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from switchboard.accounts.actor import Actor
from switchboard.accounts.roles import Permission
from switchboard.channels.models import Inbox


def list_inboxes(session: Session, *, actor: Actor) -> list[Inbox]:
    actor.require_any(Permission.TICKET_VIEW_ALL, Permission.INBOX_MANAGE)
    return list(session.scalars(select(Inbox).order_by(Inbox.name)))
