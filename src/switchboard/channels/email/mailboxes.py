"""Connected IMAP mailboxes: configuration, sync state and health.

The sync state (UIDVALIDITY and the UID high-water mark) advances only after the
messages below it are durably stored, so a crash re-fetches rather than skips.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from switchboard.accounts.actor import Actor
from switchboard.accounts.roles import Permission
from switchboard.channels.email.credentials import is_sealed, seal_password, unseal_password
from switchboard.channels.email.imap import ImapAccount, ImapSecurity, SyncResult, SyncState
from switchboard.channels.email.models import ImapMailbox
from switchboard.channels.models import Channel, Inbox
from switchboard.core.errors import Conflict, NotFound, ValidationFailed
from switchboard.storage.engine import Database

MAX_ERROR_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class MailboxHealth:
    inbox_id: int
    username: str
    host: str
    folder: str
    is_active: bool
    last_sync_at: datetime | None
    last_fetched: int
    last_error: str | None
    last_error_at: datetime | None

    def is_silent(self, now: datetime, *, after_seconds: int) -> bool:
        """No successful sync for longer than `after_seconds`: someone should look."""
        return self.last_sync_at is None or (now - self.last_sync_at).total_seconds() > after_seconds


def connect_mailbox(
    session: Session,
    *,
    actor: Actor,
    now: datetime,
    inbox_id: int,
    host: str,
    port: int,
    username: str,
    password: str,
    secret_key: str,
    security: ImapSecurity = ImapSecurity.TLS,
    folder: str = "INBOX",
    move_to_folder: str | None = None,
    use_idle: bool = True,
    poll_seconds: int = 60,
) -> ImapMailbox:
    actor.require(Permission.INBOX_MANAGE)
    inbox = session.get(Inbox, inbox_id)
    if inbox is None:
        raise NotFound(f"inbox {inbox_id} not found")
    if inbox.channel is not Channel.EMAIL:
        raise ValidationFailed("only email inboxes import from IMAP")
    if session.scalars(select(ImapMailbox.id).where(ImapMailbox.inbox_id == inbox_id)).first() is not None:
        raise Conflict(f"inbox {inbox.name} already has a mailbox")
    host = host.strip()
    if not host or len(host) > 253 or not 1 <= port <= 65535:  # noqa: PLR2004 - DNS and TCP limits
        raise ValidationFailed("IMAP host must be a name or address and port 1-65535")
    if not 5 <= poll_seconds <= 86_400:  # noqa: PLR2004
        raise ValidationFailed("poll interval must be 5 seconds to a day")
    if not folder.strip() or (move_to_folder is not None and not move_to_folder.strip()):
        raise ValidationFailed("folder names must not be empty")
    mailbox = ImapMailbox(
        inbox_id=inbox_id,
        host=host,
        port=port,
        security=security.value,
        username=username,
        password=seal_password(password, secret_key=secret_key),  # never stored as typed
        folder=folder,
        move_to_folder=move_to_folder,
        use_idle=use_idle,
        poll_seconds=poll_seconds,
        is_active=True,
        uidvalidity=None,
        last_uid=0,
        last_fetched=0,
        created_at=now,
    )
    session.add(mailbox)
    session.flush()
    return mailbox


def account_of(mailbox: ImapMailbox, *, secret_key: str) -> ImapAccount:
    """What the watcher logs in with; raises `CredentialUnreadable` if the password cannot be unsealed."""
    return ImapAccount(
        host=mailbox.host,
        port=mailbox.port,
        username=mailbox.username,
        password=unseal_password(mailbox.password, secret_key=secret_key),
        folder=mailbox.folder,
        security=ImapSecurity(mailbox.security),
        move_to_folder=mailbox.move_to_folder,
    )


def seal_stored_passwords(session: Session, *, secret_key: str) -> int:
    """Seal every mailbox password stored before passwords were sealed; returns how many."""
    sealed = 0
    for mailbox in session.scalars(select(ImapMailbox)):
        if not is_sealed(mailbox.password):
            mailbox.password = seal_password(mailbox.password, secret_key=secret_key)
            sealed += 1
    return sealed


class MailboxStateStore:
    """The callbacks a `MailboxWatcher` uses to keep its state and health in the database."""

    def __init__(self, database: Database, mailbox_id: int) -> None:
        self._database = database
        self._mailbox_id = mailbox_id

    def load_state(self) -> SyncState:
        with self._database.read() as session:
            mailbox = _get(session, self._mailbox_id)
            return SyncState(uidvalidity=mailbox.uidvalidity, last_uid=mailbox.last_uid)

    def save_state(self, state: SyncState) -> None:
        with self._database.write() as session:
            mailbox = _get(session, self._mailbox_id)
            mailbox.uidvalidity = state.uidvalidity
            mailbox.last_uid = state.last_uid

    def on_success(self, result: SyncResult, at: datetime) -> None:
        with self._database.write() as session:
            mailbox = _get(session, self._mailbox_id)
            mailbox.uidvalidity = result.state.uidvalidity
            mailbox.last_uid = result.state.last_uid
            mailbox.last_sync_at = at
            mailbox.last_fetched = result.fetched

    def on_error(self, message: str, at: datetime) -> None:
        with self._database.write() as session:
            mailbox = _get(session, self._mailbox_id)
            mailbox.last_error = message[:MAX_ERROR_LENGTH]
            mailbox.last_error_at = at


def mailbox_health(session: Session) -> list[MailboxHealth]:
    return [
        MailboxHealth(
            inbox_id=m.inbox_id,
            username=m.username,
            host=m.host,
            folder=m.folder,
            is_active=m.is_active,
            last_sync_at=m.last_sync_at,
            last_fetched=m.last_fetched,
            last_error=m.last_error,
            last_error_at=m.last_error_at,
        )
        for m in session.scalars(select(ImapMailbox).order_by(ImapMailbox.id))
    ]


def _get(session: Session, mailbox_id: int) -> ImapMailbox:
    mailbox = session.get(ImapMailbox, mailbox_id)
    if mailbox is None:
        raise NotFound(f"mailbox {mailbox_id} not found")
    return mailbox
