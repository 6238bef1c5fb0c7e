"""The email channel's moving parts, assembled once per process.

`serve` starts all of them; the CLI's import uses the pipeline alone. Configuration
comes in as plain values (the app factory reads it from Settings).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from switchboard.channels.email.credentials import CredentialUnreadable
from switchboard.channels.email.imap import MailboxWatcher
from switchboard.channels.email.intake import StoredEmail, store_raw_email
from switchboard.channels.email.mailboxes import MailboxStateStore, account_of, seal_stored_passwords
from switchboard.channels.email.models import ImapMailbox, IntakeSource
from switchboard.channels.email.outbound import EmailDelivery, OutboundConfig
from switchboard.channels.email.pipeline import EmailPipeline, PipelineConfig
from switchboard.channels.email.processor import EmailProcessor
from switchboard.channels.email.smtp_client import SmtpRelay
from switchboard.channels.email.smtp_server import InboundSmtpHandler, SmtpListener
from switchboard.channels.models import Channel
from switchboard.core.clock import Clock
from switchboard.storage.blobs import BlobStore
from switchboard.storage.engine import Database
from switchboard.storage.outbox import OutboxDispatcher
from switchboard.tickets.actions import deliver_topic

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EmailChannelConfig:
    pipeline: PipelineConfig
    blob_dir: Path
    smtp_enabled: bool = True
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    max_message_bytes: int = 25 * 1024 * 1024
    relay: SmtpRelay | None = None
    imap_enabled: bool = True
    parse_workers: int | None = None  # None: one per CPU beyond the first (parse_pool)


class EmailChannel:
    def __init__(
        self, database: Database, clock: Clock, config: EmailChannelConfig, outbox: OutboxDispatcher | None = None
    ) -> None:
        self._database = database
        self._clock = clock
        self._config = config
        self.blobs = BlobStore(config.blob_dir)
        self.pipeline = EmailPipeline(database, self.blobs, clock, config.pipeline)
        self.processor = EmailProcessor(self.pipeline, parse_workers=config.parse_workers)
        self._listener: SmtpListener | None = None
        self._watchers: list[MailboxWatcher] = []
        if config.relay is not None and outbox is not None:
            delivery = EmailDelivery(
                database, self.blobs, clock, OutboundConfig(relay=config.relay, secret_key=config.pipeline.secret_key)
            )
            outbox.register(deliver_topic(Channel.EMAIL), delivery)

    def store(self, raw: bytes, *, source: IntakeSource, inbox_id: int | None) -> StoredEmail:
        stored = store_raw_email(
            self._database, self.blobs, raw=raw, source=source, inbox_id=inbox_id, now=self._clock.now()
        )
        self.processor.wake()
        return stored

    @property
    def smtp_port(self) -> int | None:
        """The port the SMTP listener is bound to (useful with port 0), None when not running."""
        return self._listener.port if self._listener is not None else None

    def start(self) -> None:
        self.processor.start()
        if self._config.smtp_enabled:
            handler = InboundSmtpHandler(self._database, self.blobs, self._clock, on_stored=self.processor.wake)
            self._listener = SmtpListener(
                handler,
                host=self._config.smtp_host,
                port=self._config.smtp_port,
                max_message_bytes=self._config.max_message_bytes,
            )
            self._listener.start()
        if self._config.imap_enabled:
            self._start_watchers()

    def _start_watchers(self) -> None:
        secret_key = self._config.pipeline.secret_key
        with self._database.write() as session:
            if sealed := seal_stored_passwords(session, secret_key=secret_key):
                log.info("IMAP: sealed %d mailbox password(s) stored before passwords were sealed", sealed)
        with self._database.read() as session:
            mailboxes = list(session.scalars(select(ImapMailbox).where(ImapMailbox.is_active.is_(True))))
        for mailbox in mailboxes:
            try:
                account = account_of(mailbox, secret_key=secret_key)
            except CredentialUnreadable as error:
                log.error("IMAP: not watching %s@%s: %s", mailbox.username, mailbox.host, error.message)
                MailboxStateStore(self._database, mailbox.id).on_error(error.message, self._clock.now())
                continue
            state = MailboxStateStore(self._database, mailbox.id)
            inbox_id = mailbox.inbox_id

            def sink(raw: bytes, inbox_id: int = inbox_id) -> None:
                self.store(raw, source=IntakeSource.IMAP, inbox_id=inbox_id)

            watcher = MailboxWatcher(
                account,
                sink=sink,
                load_state=state.load_state,
                save_state=state.save_state,
                on_success=state.on_success,
                on_error=state.on_error,
                clock=self._clock.now,
                use_idle=mailbox.use_idle,
                poll_seconds=float(mailbox.poll_seconds),
            )
            watcher.start()
            self._watchers.append(watcher)
            log.info("IMAP: watching %s@%s/%s for inbox %s", mailbox.username, mailbox.host, mailbox.folder, inbox_id)

    def stop(self) -> None:
        for watcher in self._watchers:
            watcher.request_stop()  # all at once: each may take a second to leave IDLE
        for watcher in self._watchers:
            watcher.stop()
        self._watchers.clear()
        if self._listener is not None:
            self._listener.stop()
            self._listener = None
        self.processor.stop()
