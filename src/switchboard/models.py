"""Every table, imported in one place so Alembic and `create_all` see the whole schema."""

from switchboard.accounts.models import ApiToken, LoginAttempt, Team, TeamMember, User, WebSession
from switchboard.channels.email.models import ImapMailbox, InboundEmail
from switchboard.channels.models import Inbox
from switchboard.customers.models import Customer, CustomerIdentity, Organisation
from switchboard.storage.base import Base
from switchboard.storage.counters import Counter
from switchboard.storage.outbox import OutboxItem
from switchboard.tickets.models import (
    Attachment,
    CustomFieldDefinition,
    Message,
    Tag,
    Ticket,
    TicketEvent,
    TicketParticipant,
    TicketTag,
)
from switchboard.wfm.models import PresenceChangeRecord, Schedule, Shift, ShiftActivity

metadata = Base.metadata

__all__ = [
    "ApiToken",
    "Attachment",
    "Base",
    "Counter",
    "CustomFieldDefinition",
    "Customer",
    "CustomerIdentity",
    "ImapMailbox",
    "InboundEmail",
    "Inbox",
    "LoginAttempt",
    "Message",
    "Organisation",
    "OutboxItem",
    "PresenceChangeRecord",
    "Schedule",
    "Shift",
    "ShiftActivity",
    "Tag",
    "Team",
    "TeamMember",
    "Ticket",
    "TicketEvent",
    "TicketParticipant",
    "TicketTag",
    "User",
    "WebSession",
    "metadata",
]
