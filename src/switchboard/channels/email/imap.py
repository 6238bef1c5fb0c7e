"""IMAP intake of an existing mailbox: the protocol side, no database code.

`sync_mailbox` imports every message above a UID high-water mark through a sink that
stores the raw bytes durably (and deduplicates them by content hash). What has been
imported is remembered as (UIDVALIDITY, highest stored UID), never through the \\Seen
flag: messages are fetched with BODY.PEEK[], so other people's read state is untouched
and a message someone already read is imported all the same.

- Non-destructive by default: nothing is deleted or moved unless the account names a
  `move_to_folder`; then each stored message is moved there (UID MOVE, or UID COPY +
  \\Deleted + UID EXPUNGE with UIDPLUS; without UIDPLUS nothing is expunged).
- The state advances after each message the sink accepted, so a failure midway
  (`SyncInterrupted` carries the partial state) never leaves a gap: at worst one message
  reaches the sink twice, and the sink deduplicates it.
- When the server's UIDVALIDITY differs from the remembered one, every message in the
  folder goes through the sink again (it drops the ones it already holds) and the state
  restarts under the new UIDVALIDITY.

`MailboxWatcher` runs this in a thread: connect (exponential backoff with jitter on
failure), sync, wait for news with IDLE when the server offers it (polling otherwise),
sync again; each sync is logged at INFO with its counts, each failure at WARNING, and both
are reported to callbacks and kept in `health` so a silent mailbox is noticed.
imapclient is synchronous: it blocks the watcher's thread (or the caller of `sync_now`).
"""

from __future__ import annotations

import logging
import random
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from imapclient import IMAPClient

from switchboard.core.clock import SystemClock

logger = logging.getLogger(__name__)

MessageSink = Callable[[bytes], None]
"""Durably stores one message's raw bytes (deduplicating by content hash); raises to abort the sync."""

_BODY_ITEM = "BODY.PEEK[]"  # PEEK: fetching never sets \Seen
_BODY_KEY = b"BODY[]"
_DELETED = rb"\Deleted"
_IDLE_CHECK_SECONDS = 1.0  # how long one idle_check blocks: bounds how long stop() waits
_DEAD_IDLE_CHECKS = 3  # consecutive instant empty idle_checks that mean the socket hit EOF
_SYSTEM_CLOCK = SystemClock()


class ImapSecurity(StrEnum):
    NONE = "none"  # plain text (loopback and tests only)
    STARTTLS = "starttls"  # plain connection upgraded before login
    TLS = "tls"  # implicit TLS (port 993)


@dataclass(frozen=True, slots=True)
class ImapAccount:
    host: str
    port: int
    username: str
    password: str = field(repr=False)  # never shown in logs or tracebacks
    folder: str = "INBOX"
    security: ImapSecurity = ImapSecurity.TLS
    move_to_folder: str | None = None  # after a message is stored; None = leave it (default)
    timeout_seconds: float = 30.0

    @property
    def label(self) -> str:
        """How logs name the mailbox: user@host:port/folder."""
        return f"{self.username}@{self.host}:{self.port}/{self.folder}"


@dataclass(frozen=True, slots=True)
class SyncState:
    uidvalidity: int | None  # None = never synced
    last_uid: int  # highest UID already stored (0 = none)


NEVER_SYNCED = SyncState(uidvalidity=None, last_uid=0)


@dataclass(frozen=True, slots=True)
class SyncResult:
    state: SyncState
    fetched: int  # messages the sink accepted during this pass
    uidvalidity_changed: bool


class SyncInterrupted(Exception):
    """A sync stopped midway; `state` is exactly what was stored before it stopped: save it."""

    def __init__(self, state: SyncState, cause: BaseException, *, fetched: int = 0) -> None:
        super().__init__(f"IMAP sync interrupted at UID {state.last_uid}: {type(cause).__name__}: {cause}")
        self.state = state
        self.cause = cause
        self.fetched = fetched


class ImapProtocolError(Exception):
    """The server answered something the intake cannot use (e.g. no UIDVALIDITY)."""


# --- connection ---------------------------------------------------------------------------


def open_client(account: ImapAccount, *, ssl_context: ssl.SSLContext | None = None) -> IMAPClient:
    """Connect, secure the connection as the account says, log in and select the folder
    (read-only unless messages are to be moved). The caller closes it (`close_client`)."""
    context: ssl.SSLContext | None = None
    if account.security is not ImapSecurity.NONE:
        context = ssl_context if ssl_context is not None else ssl.create_default_context()
    client = IMAPClient(
        account.host,
        port=account.port,
        ssl=account.security is ImapSecurity.TLS,
        ssl_context=context,
        timeout=account.timeout_seconds,
    )
    try:
        if account.security is ImapSecurity.STARTTLS:
            client.starttls(context)
        client.login(account.username, account.password)
        client.select_folder(account.folder, readonly=account.move_to_folder is None)
    except BaseException:
        close_client(client)
        raise
    return client


def close_client(client: IMAPClient) -> None:
    """Log out, or at least close the socket when the connection is already broken."""
    try:
        client.logout()
    except Exception:  # noqa: BLE001 - a dead connection cannot log out; shut the socket instead
        try:
            client.shutdown()
        except Exception:  # already closed: nothing left to release
            logger.debug("IMAP connection already closed", exc_info=True)


# --- one sync pass ------------------------------------------------------------------------


def sync_mailbox(
    client: IMAPClient,
    account: ImapAccount,
    state: SyncState,
    sink: MessageSink,
    *,
    batch_size: int = 50,
) -> SyncResult:
    """Store every message of `account.folder` above `state`'s high-water mark, in
    ascending UID order, and return the new state. Raises `SyncInterrupted` (with the
    state reached so far) if anything fails after the folder was selected."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    moving = account.move_to_folder is not None
    if account.move_to_folder is not None:
        _ensure_folder(client, account.move_to_folder)
    selected = client.select_folder(account.folder, readonly=not moving)
    raw_uidvalidity = selected.get(b"UIDVALIDITY")
    if raw_uidvalidity is None:
        raise ImapProtocolError(f"{account.label}: the server sent no UIDVALIDITY")
    uidvalidity = int(raw_uidvalidity)
    changed = state.uidvalidity is not None and state.uidvalidity != uidvalidity
    if changed:
        logger.warning(
            "IMAP %s: UIDVALIDITY changed from %s to %s; re-reading the whole folder (known messages are skipped "
            "by content hash)",
            account.label,
            state.uidvalidity,
            uidvalidity,
        )
    progress = _Progress(SyncState(uidvalidity, state.last_uid if state.uidvalidity == uidvalidity else 0))
    try:
        exists = int(selected.get(b"EXISTS", 0))
        uid_next = selected.get(b"UIDNEXT")
        last_uid = progress.state.last_uid
        if exists == 0:
            return SyncResult(progress.state, 0, changed)
        if account.move_to_folder is not None and last_uid > 0:
            _move_leftovers(client, account.move_to_folder, last_uid)
        if uid_next is not None and int(uid_next) <= last_uid + 1:
            return SyncResult(progress.state, 0, changed)
        # `UID SEARCH n:*` matches the last message even when n is above the highest UID.
        uids = sorted(int(uid) for uid in client.search(["UID", f"{last_uid + 1}:*"]) if int(uid) > last_uid)
        for start in range(0, len(uids), batch_size):
            _store_batch(client, account, uids[start : start + batch_size], sink, progress)
    except Exception as exc:
        raise SyncInterrupted(progress.state, exc, fetched=progress.fetched) from exc
    return SyncResult(progress.state, progress.fetched, changed)


@dataclass(slots=True)
class _Progress:
    state: SyncState  # advanced after each message the sink accepted
    fetched: int = 0


def _store_batch(
    client: IMAPClient, account: ImapAccount, batch: Sequence[int], sink: MessageSink, progress: _Progress
) -> None:
    uidvalidity = progress.state.uidvalidity
    # A list of ints, not a sequence-set string: imapclient filters the answer by these ints.
    response = client.fetch(list(batch), [_BODY_ITEM])
    stored: list[int] = []
    try:
        for uid in batch:
            data = response.get(uid)
            if data is None:  # expunged since the search; UIDs are never reused
                logger.debug("IMAP %s: UID %d vanished before it was fetched", account.label, uid)
                progress.state = SyncState(uidvalidity, uid)
                continue
            raw = data.get(_BODY_KEY)
            if not isinstance(raw, bytes):
                raise ImapProtocolError(f"{account.label}: no message body for UID {uid}")
            sink(raw)
            progress.fetched += 1
            progress.state = SyncState(uidvalidity, uid)
            stored.append(uid)
    except BaseException:
        if stored and account.move_to_folder is not None:
            _move_quietly(client, stored, account.move_to_folder, account.label)
        raise
    if stored and account.move_to_folder is not None:
        _move(client, stored, account.move_to_folder)


def _ensure_folder(client: IMAPClient, folder: str) -> None:
    if client.folder_exists(folder):
        return
    try:
        client.create_folder(folder)
    except IMAPClient.Error:
        if not client.folder_exists(folder):  # someone else may have created it meanwhile
            raise


def _move_leftovers(client: IMAPClient, folder: str, last_uid: int) -> None:
    """Messages already stored but still here (the move after a store failed): move them now.
    Those flagged \\Deleted were copied already (no UIDPLUS) or deleted by someone: skip them."""
    found = client.search(["UID", f"1:{last_uid}", "NOT", "DELETED"])
    leftovers = sorted(int(uid) for uid in found if int(uid) <= last_uid)
    if leftovers:
        logger.info("IMAP: moving %d already stored message(s) left in the folder to %s", len(leftovers), folder)
        _move(client, leftovers, folder)


def _move(client: IMAPClient, uids: Sequence[int], folder: str) -> None:
    uid_set = _uid_set(uids)
    if client.has_capability("MOVE"):
        client.move(uid_set, folder)
        return
    client.copy(uid_set, folder)
    client.add_flags(uid_set, [_DELETED], silent=True)
    if client.has_capability("UIDPLUS"):
        client.uid_expunge(uid_set)
    else:  # a plain EXPUNGE would also remove messages other people flagged \Deleted
        logger.info("IMAP: no UIDPLUS; %d copied message(s) left flagged \\Deleted, not expunged", len(uids))


def _move_quietly(client: IMAPClient, uids: Sequence[int], folder: str, label: str) -> None:
    """Move what was stored before a failure; if that fails too, the next sync's leftover pass retries."""
    try:
        _move(client, uids, folder)
    except Exception:  # the original failure is the one to report
        logger.warning("IMAP %s: could not move %d stored message(s) to %s", label, len(uids), folder, exc_info=True)


def _uid_set(uids: Iterable[int]) -> str:
    """Ascending UIDs as a compact IMAP sequence set: [1, 2, 3, 7] -> "1:3,7"."""
    ranges: list[str] = []
    first: int | None = None
    previous = 0
    for uid in uids:
        if first is None:
            first = previous = uid
        elif uid == previous + 1:
            previous = uid
        else:
            ranges.append(f"{first}:{previous}" if previous > first else str(first))
            first = previous = uid
    if first is not None:
        ranges.append(f"{first}:{previous}" if previous > first else str(first))
    return ",".join(ranges)


# --- the watcher --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MailboxHealth:
    """What a status page or a metrics exporter shows about one mailbox."""

    last_success_at: datetime | None = None
    last_result: SyncResult | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    consecutive_failures: int = 0
    connected: bool = False


class _Stopping(Exception):
    """Raised by the watcher's sink wrapper so a long import ends promptly on stop()."""


class MailboxWatcher:
    """Keeps one mailbox imported, in a background thread.

    Loop: connect (on failure retry after an exponential backoff with jitter, capped at
    `backoff_max`), sync, then wait for news: IDLE when the server offers it and `use_idle`
    (a short round of `idle_recheck_seconds`, then one of up to `idle_seconds`, each ended
    early by an EXISTS response), else sleep `poll_seconds`; sync again. Any error is
    logged, reported to `on_error`, and followed by a reconnect. State is read with
    `load_state` before and written with `save_state` after every sync (including the
    partial state of an interrupted one). `stop()` returns within about a second when the
    thread is idling or sleeping, and within a message when it is importing.
    """

    def __init__(
        self,
        account: ImapAccount,
        *,
        load_state: Callable[[], SyncState],
        save_state: Callable[[SyncState], None],
        sink: MessageSink,
        on_success: Callable[[SyncResult, datetime], None] | None = None,
        on_error: Callable[[str, datetime], None] | None = None,
        clock: Callable[[], datetime] = _SYSTEM_CLOCK.now,
        use_idle: bool = True,
        idle_seconds: float = 540.0,  # RFC 2177: re-issue IDLE at least every 29 min; NATs drop sooner
        idle_recheck_seconds: float = 2.0,  # the short first IDLE round after each sync (see _wait_for_news)
        poll_seconds: float = 60.0,
        backoff_initial: float = 1.0,
        backoff_max: float = 300.0,
        batch_size: int = 50,
        connect: Callable[[ImapAccount], IMAPClient] = open_client,
    ) -> None:
        self.account = account
        self._load_state = load_state
        self._save_state = save_state
        self._sink = sink
        self._on_success = on_success
        self._on_error = on_error
        self._clock = clock
        self._use_idle = use_idle
        self._idle_seconds = idle_seconds
        self._idle_recheck_seconds = idle_recheck_seconds
        self._poll_seconds = poll_seconds
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._batch_size = batch_size
        self._connect = connect
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sync_lock = threading.Lock()  # sync_now() and the thread never sync at the same time
        self._health_lock = threading.Lock()
        self._health = MailboxHealth()

    # public API

    @property
    def health(self) -> MailboxHealth:
        with self._health_lock:
            return self._health

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            raise RuntimeError(f"the watcher of {self.account.label} is already running")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"imap-watcher {self.account.label}", daemon=True)
        self._thread.start()

    def request_stop(self) -> None:
        """Ask the thread to finish without waiting (stop many watchers, then join each)."""
        self._stop.set()

    def stop(self, timeout: float = 10.0) -> bool:
        """Ask the thread to finish and wait up to `timeout` seconds; True once it has ended."""
        self.request_stop()
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def sync_now(self) -> SyncResult:
        """One synchronous pass on its own connection; reports success or failure like the
        thread does, and raises on failure."""
        client: IMAPClient | None = None
        try:
            client = self._connect(self.account)
            return self._sync(client, self._sink)
        except Exception as exc:
            self._report_error(exc)
            raise
        finally:
            if client is not None:
                close_client(client)

    # the thread

    def _run(self) -> None:
        failures = 0
        sink = self._stoppable_sink
        while not self._stop.is_set():
            client: IMAPClient | None = None
            try:
                client = self._connect(self.account)
                self._set_health(connected=True)
                self._sync(client, sink)
                failures = 0
                while not self._stop.is_set():
                    self._wait_for_news(client)
                    if self._stop.is_set():
                        break
                    self._sync(client, sink)
            except Exception as exc:  # noqa: BLE001 - every failure is reported, then the loop reconnects
                if self._stop.is_set() and isinstance(_root_cause(exc), _Stopping):
                    break
                failures += 1
                self._report_error(exc)
                delay = self._backoff(failures)
                logger.info("IMAP %s: reconnecting in %.1f s (failure %d)", self.account.label, delay, failures)
                if client is not None:
                    close_client(client)
                    client = None
                self._set_health(connected=False)
                self._stop.wait(delay)
            finally:
                if client is not None:
                    close_client(client)
                self._set_health(connected=False)
        logger.info("IMAP %s: watcher stopped", self.account.label)

    def _stoppable_sink(self, raw: bytes) -> None:
        if self._stop.is_set():
            raise _Stopping
        self._sink(raw)

    def _sync(self, client: IMAPClient, sink: MessageSink) -> SyncResult:
        with self._sync_lock:
            state = self._load_state()
            try:
                result = sync_mailbox(client, self.account, state, sink, batch_size=self._batch_size)
            except SyncInterrupted as exc:
                if exc.state != state:
                    self._save_state(exc.state)
                if exc.fetched:
                    logger.info(
                        "IMAP %s: %d message(s) stored before the sync stopped, last UID %d",
                        self.account.label,
                        exc.fetched,
                        exc.state.last_uid,
                    )
                raise
            if result.state != state:
                self._save_state(result.state)
        at = self._clock()
        logger.info(
            "IMAP %s: sync done, %d new message(s), UIDVALIDITY %s, last UID %d%s",
            self.account.label,
            result.fetched,
            result.state.uidvalidity,
            result.state.last_uid,
            " (UIDVALIDITY changed: folder re-read)" if result.uidvalidity_changed else "",
        )
        self._set_health(last_success_at=at, last_result=result, consecutive_failures=0)
        if self._on_success is not None:
            self._on_success(result, at)
        return result

    def _wait_for_news(self, client: IMAPClient) -> None:
        if not (self._use_idle and client.has_capability("IDLE")):
            self._stop.wait(self._poll_seconds)
            return
        # A short first round: a message that lands between the sync and the start of IDLE
        # can go unannounced until the client's next command (Dovecot on maildir does this
        # every time in our tests). Ending IDLE makes the server look again: DONE's answer
        # carries the EXISTS.
        if not self._idle(client, self._idle_recheck_seconds) and not self._stop.is_set():
            self._idle(client, self._idle_seconds)

    def _idle(self, client: IMAPClient, seconds: float) -> bool:
        """IDLE until a new message arrives, `seconds` pass or stop() is called; True when
        the server announced a new message."""
        client.idle()
        deadline = time.monotonic() + seconds
        instant_empty = 0
        news = False
        while not news and not self._stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            wait = min(_IDLE_CHECK_SECONDS, remaining)
            began = time.monotonic()
            responses: list[Any] = client.idle_check(timeout=wait)
            if any(_is_bye(response) for response in responses):
                raise ConnectionError(f"the server ended the session during IDLE: {responses!r}")
            news = any(_is_exists(response) for response in responses)
            # idle_check swallows EOF: a socket that is readable yet yields nothing is closed.
            if not responses and time.monotonic() - began < wait / 2:
                instant_empty += 1
                if instant_empty >= _DEAD_IDLE_CHECKS:
                    raise ConnectionError("the connection was closed during IDLE")
            else:
                instant_empty = 0
        _text, responses = client.idle_done()
        return news or any(_is_exists(response) for response in responses)

    def _backoff(self, failures: int) -> float:
        ceiling = min(self._backoff_max, self._backoff_initial * 2 ** min(failures - 1, 30))
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter spreads reconnects, not a secret

    def _report_error(self, exc: BaseException) -> None:
        at = self._clock()
        message = f"{type(exc).__name__}: {exc}"
        with self._health_lock:
            failures = self._health.consecutive_failures + 1
            self._health = replace(self._health, last_error=message, last_error_at=at, consecutive_failures=failures)
        logger.warning("IMAP %s: %s (%d consecutive failure(s))", self.account.label, message, failures)
        logger.debug("IMAP %s: failure details", self.account.label, exc_info=exc)
        if self._on_error is not None:
            try:
                self._on_error(message, at)
            except Exception:  # a broken callback must not stop the watcher
                logger.exception("IMAP %s: on_error callback failed", self.account.label)

    def _set_health(self, **changes: Any) -> None:
        with self._health_lock:
            self._health = replace(self._health, **changes)


def _is_exists(response: Any) -> bool:
    return isinstance(response, tuple) and len(response) > 1 and response[1] == b"EXISTS"


def _is_bye(response: Any) -> bool:
    return isinstance(response, tuple) and len(response) >= 1 and response[0] == b"BYE"


def _root_cause(exc: BaseException) -> BaseException:
    return exc.cause if isinstance(exc, SyncInterrupted) else exc
