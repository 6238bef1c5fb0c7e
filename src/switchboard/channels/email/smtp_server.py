"""Inbound SMTP listener (aiosmtpd): Switchboard as the MX, or as a relay's target.

RCPT is accepted only for the addresses of active email inboxes, plus-addressing
included (550 otherwise); DATA over the size limit gets 552 from aiosmtpd; 250 is
answered only after the raw bytes are durable (blob fsync + database commit) and 451
(try again later) when they cannot be stored, so a sending server keeps the message.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from switchboard.channels.email.group_commit import GroupCommitter
from switchboard.channels.email.intake import email_inbox_addresses, inbox_for_recipient
from switchboard.channels.email.models import IntakeSource
from switchboard.core.clock import Clock
from switchboard.storage.blobs import BlobStore
from switchboard.storage.engine import Database

log = logging.getLogger(__name__)

ADDRESS_CACHE_SECONDS = 5.0
MAX_RECIPIENTS = 100
STORAGE_THREADS = 32
MAX_LINE_BYTES = 1024 * 1024


class InboundSmtpHandler:
    """aiosmtpd handler; its hooks run on the listener's event loop, storage in a thread."""

    def __init__(
        self,
        database: Database,
        blobs: BlobStore,
        clock: Clock,
        *,
        on_stored: Callable[[], None] = lambda: None,
    ) -> None:
        self._database = database
        self._blobs = blobs
        self._clock = clock
        self._on_stored = on_stored
        self._addresses: dict[str, int] = {}
        self._addresses_loaded_at = float("-inf")
        self._lock = threading.Lock()
        # Storing fsyncs; many concurrent fsyncs share one journal commit, so sessions
        # get a pool of their own rather than the event loop's small default one.
        self._storage_pool = ThreadPoolExecutor(max_workers=STORAGE_THREADS, thread_name_prefix="smtp-store")
        # Records of sessions storing at the same moment share one write transaction.
        self._committer = GroupCommitter(database, blobs)

    def close(self) -> None:
        self._storage_pool.shutdown(wait=True)

    def _inbox_addresses(self) -> dict[str, int]:
        with self._lock:
            if time.monotonic() - self._addresses_loaded_at > ADDRESS_CACHE_SECONDS:
                with self._database.read() as session:
                    self._addresses = email_inbox_addresses(session)
                self._addresses_loaded_at = time.monotonic()
            return self._addresses

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        try:
            addresses = await asyncio.get_running_loop().run_in_executor(None, self._inbox_addresses)
        except Exception:
            log.exception("SMTP: could not read inbox addresses")
            return "451 4.3.0 Temporary failure, try again later"
        if inbox_for_recipient(addresses, address) is None:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.original_content if envelope.original_content is not None else envelope.content
        if not isinstance(raw, bytes):
            return "554 5.6.0 Message content could not be read"
        try:
            inbox_id = await asyncio.get_running_loop().run_in_executor(self._storage_pool, self._store, raw, envelope)
        except Exception:
            log.exception("SMTP: could not store a message from %s", envelope.mail_from)
            return "451 4.3.0 Could not store the message, try again later"
        log.info("SMTP: stored a message of %d bytes for inbox %s", len(raw), inbox_id)
        return "250 2.0.0 Message accepted"

    def _store(self, raw: bytes, envelope: Envelope) -> int | None:
        recipients = tuple(envelope.rcpt_tos)
        addresses = self._inbox_addresses()
        inbox_id = next((i for r in recipients if (i := inbox_for_recipient(addresses, r)) is not None), None)
        self._committer.store(
            raw=raw,
            source=IntakeSource.SMTP,
            inbox_id=inbox_id,
            now=self._clock.now(),
            envelope_sender=envelope.mail_from,
            envelope_recipients=recipients,
        )
        self._on_stored()
        return inbox_id


class _LenientSMTP(SMTP):
    # RFC 5321 caps lines at 1,000 octets, but real mail breaks it (long HTML lines,
    # unwrapped base64) and Postfix accepts it: a 500 here would bounce a customer's
    # message. Lines are kept byte for byte; the message size limit still applies.
    # Mail sent with bare LF line ends (some scripts and old MTAs) is one "line" to a
    # CRLF reader; so a line may be as long as the largest message we accept.

    def __init__(self, handler: Any, *, line_length_limit: int, **kwargs: Any) -> None:
        self.line_length_limit = line_length_limit
        super().__init__(handler, **kwargs)


class _Controller(Controller):
    """Learns the bound port before aiosmtpd's readiness probe, so port 0 works, and
    serves with the lenient line limit."""

    line_length_limit = MAX_LINE_BYTES

    def factory(self) -> SMTP:
        return _LenientSMTP(self.handler, line_length_limit=self.line_length_limit, **self.SMTP_kwargs)

    def _trigger_server(self) -> None:
        server: Any = self.server  # an asyncio.Server once started; typed as AbstractServer
        if server is not None and self.port == 0:
            self.port = server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


class SmtpListener:
    """Runs the handler on its own thread and event loop (aiosmtpd's Controller)."""

    def __init__(
        self,
        handler: InboundSmtpHandler,
        *,
        host: str,
        port: int,
        max_message_bytes: int,
        **smtp_options: Any,
    ) -> None:
        self._handler = handler
        self._controller = _Controller(
            handler,
            hostname=host,
            port=port,
            data_size_limit=max_message_bytes,
            decode_data=False,
            enable_SMTPUTF8=True,
            ident="Switchboard ESMTP",
            **smtp_options,
        )
        self._controller.line_length_limit = max(MAX_LINE_BYTES, max_message_bytes + 2)
        self.host = host

    @property
    def port(self) -> int:
        return int(self._controller.port)

    def start(self) -> None:
        self._controller.start()
        log.info("SMTP listener on %s:%s", self.host, self.port)

    def stop(self) -> None:
        self._controller.stop()
        self._handler.close()
