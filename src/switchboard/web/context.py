"""What the app factory builds once and every request shares."""

from __future__ import annotations

from dataclasses import dataclass

from switchboard.channels.email.service import EmailChannel
from switchboard.config import Settings
from switchboard.core.clock import Clock
from switchboard.storage.engine import Database
from switchboard.storage.outbox import OutboxDispatcher


@dataclass(slots=True)
class AppContext:
    settings: Settings
    database: Database
    clock: Clock
    outbox: OutboxDispatcher
    email: EmailChannel
