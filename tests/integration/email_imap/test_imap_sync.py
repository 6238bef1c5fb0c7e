"""IMAP intake against a real Dovecot (see conftest.py): what is imported, what is left
alone on the server, and how the watcher behaves with IDLE, polling and a server that
goes away. Every wait is bounded."""

from __future__ import annotations

import hashlib
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from imapclient import IMAPClient

from switchboard.channels.email.imap import (
    NEVER_SYNCED,
    ImapSecurity,
    MailboxWatcher,
    SyncInterrupted,
    SyncResult,
    SyncState,
    _uid_set,
    close_client,
    open_client,
    sync_mailbox,
)
from tests.integration.email_imap.conftest import Dovecot, MailUser

WAIT = 10.0  # upper bound for anything the watcher should do "within a few seconds"
SEEN = rb"\Seen"
DELETED = rb"\Deleted"


def message(n: int, tag: str) -> bytes:
    """A distinct, CRLF-terminated message with 8-bit UTF-8 text (Dovecot returns it byte for byte)."""
    return (
        f"From: Customer {n} <customer{n}@example.test>\r\n"
        "To: support@example.test\r\n"
        f"Subject: Printer {n} is on fire ({tag})\r\n"
        f"Message-ID: <{tag}.{n}@example.test>\r\n"
        "Date: Mon, 02 Mar 2026 09:00:00 +0000\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "\r\n"
        f"Grüße, message {n} — ça brûle.\r\n"
    ).encode()


def messages(count: int, start: int = 1) -> list[bytes]:
    tag = uuid.uuid4().hex[:8]
    return [message(n, tag) for n in range(start, start + count)]


def sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


class Sink:
    """The message store's contract: keeps raw bytes by SHA-256, so a repeat is dropped."""

    def __init__(self, *, fail_on_call: int | None = None, delay: float = 0.0) -> None:
        self.stored: dict[str, bytes] = {}
        self.calls: list[bytes] = []
        self.fail_on_call = fail_on_call  # 1-based call number that raises (once)
        self.delay = delay
        self._lock = threading.Lock()

    def __call__(self, raw: bytes) -> None:
        with self._lock:
            self.calls.append(raw)
            if self.fail_on_call is not None and len(self.calls) == self.fail_on_call:
                self.fail_on_call = None
                raise OSError("disk full (simulated)")
            self.stored.setdefault(sha256(raw), raw)
        if self.delay:
            time.sleep(self.delay)

    def holds(self, raws: list[bytes]) -> bool:
        with self._lock:
            return all(sha256(raw) in self.stored for raw in raws)


class MemoryState:
    """load_state/save_state as the database layer will provide them."""

    def __init__(self, state: SyncState = NEVER_SYNCED) -> None:
        self.state = state
        self.saved: list[SyncState] = []
        self._lock = threading.Lock()

    def load(self) -> SyncState:
        with self._lock:
            return self.state

    def save(self, state: SyncState) -> None:
        with self._lock:
            self.state = state
            self.saved.append(state)


class Reports:
    def __init__(self) -> None:
        self.successes: list[tuple[SyncResult, datetime]] = []
        self.errors: list[tuple[str, datetime]] = []
        self._lock = threading.Lock()

    def on_success(self, result: SyncResult, at: datetime) -> None:
        with self._lock:
            self.successes.append((result, at))

    def on_error(self, message: str, at: datetime) -> None:
        with self._lock:
            self.errors.append((message, at))


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = WAIT) -> float:
    """Poll until `predicate()`; fail after `timeout` seconds. Returns the time it took."""
    began = time.monotonic()
    while not predicate():
        if time.monotonic() - began > timeout:
            pytest.fail(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.02)
    return time.monotonic() - began


def without_capabilities(client: IMAPClient, *names: str) -> IMAPClient:
    """Make the client believe the server lacks `names` (Dovecot offers them all)."""
    hidden = {name.encode() for name in names}
    kept = tuple(capability for capability in client.capabilities() if capability not in hidden)
    client.capabilities = lambda: kept
    return client


def flags_by_uid(client: IMAPClient) -> dict[int, set[bytes]]:
    uids = client.search(["ALL"])
    return {uid: set(data[b"FLAGS"]) - {rb"\Recent"} for uid, data in client.fetch(uids, ["FLAGS"]).items()}


def bodies(dovecot: Dovecot, user: MailUser, folder: str) -> list[bytes]:
    with dovecot.client(user, folder, readonly=True) as client:
        uids = client.search(["ALL"])
        fetched = client.fetch(uids, ["BODY.PEEK[]"])
        return [fetched[uid][b"BODY[]"] for uid in sorted(fetched)]


@pytest.fixture
def user(dovecot: Dovecot) -> MailUser:
    return dovecot.new_user()


@pytest.fixture
def connect(dovecot: Dovecot) -> Iterator[Callable[..., IMAPClient]]:
    """open_client for the test's account; every client is closed at the end."""
    opened: list[IMAPClient] = []

    def build(user: MailUser, **overrides: object) -> IMAPClient:
        client = open_client(dovecot.account(user, **overrides))
        opened.append(client)
        return client

    yield build
    for client in opened:
        close_client(client)


@pytest.fixture
def watchers() -> Iterator[list[MailboxWatcher]]:
    """Watchers to stop after the test, whatever happened."""
    started: list[MailboxWatcher] = []
    yield started
    for watcher in started:
        assert watcher.stop(timeout=5), "watcher thread did not stop"


# --- sync_mailbox ---------------------------------------------------------------------------


def test_first_sync_stores_every_message_in_uid_order_byte_for_byte(
    dovecot: Dovecot, user: MailUser, connect: Callable[..., IMAPClient]
) -> None:
    raws = messages(7)
    uids = dovecot.deliver_all(user, raws)
    sink = Sink()

    result = sync_mailbox(connect(user), dovecot.account(user), NEVER_SYNCED, sink, batch_size=3)

    assert sink.calls == raws
    assert result == SyncResult(SyncState(dovecot.uidvalidity(user), max(uids)), fetched=7, uidvalidity_changed=False)


def test_empty_folder_syncs_to_its_uidvalidity(
    dovecot: Dovecot, user: MailUser, connect: Callable[..., IMAPClient]
) -> None:
    result = sync_mailbox(connect(user), dovecot.account(user), NEVER_SYNCED, Sink())

    assert result == SyncResult(SyncState(dovecot.uidvalidity(user), 0), fetched=0, uidvalidity_changed=False)


def test_seen_flags_are_neither_set_nor_used_to_skip(
    dovecot: Dovecot, user: MailUser, connect: Callable[..., IMAPClient]
) -> None:
    raws = messages(4)
    uids = dovecot.deliver_all(user, raws)
    with dovecot.client(user) as colleague:  # someone reads two of them in another mail client
        colleague.add_flags(uids[:2], [SEEN])
        flags_before = flags_by_uid(colleague)
    sink = Sink()

    sync_mailbox(connect(user), dovecot.account(user), NEVER_SYNCED, sink)

    assert sink.calls == raws
    with dovecot.client(user, readonly=True) as other:
        assert flags_by_uid(other) == flags_before
    assert flags_before[uids[0]] == {SEEN}
    assert flags_before[uids[3]] == set()


def test_second_sync_imports_nothing_then_new_messages_only(
    dovecot: Dovecot, user: MailUser, connect: Callable[..., IMAPClient]
) -> None:
    first = messages(3)
    dovecot.deliver_all(user, first)
    account = dovecot.account(user)
    sink = Sink()
    client = connect(user)
    state = sync_mailbox(client, account, NEVER_SYNCED, sink).state

    again = sync_mailbox(client, account, state, sink)
    assert again == SyncResult(state, fetched=0, uidvalidity_changed=False)

    later = messages(2, start=4)
    later_uids = dovecot.deliver_all(user, later)
    third = sync_mailbox(client, account, state, sink)  # same connection: the re-SELECT sees them
    assert third.fetched == 2
    assert third.state == SyncState(state.uidvalidity, later_uids[-1])
    assert sink.calls == first + later


def test_uid_star_matching_the_last_message_is_not_imported_again(
    dovecot: Dovecot, user: MailUser, connect: Callable[..., IMAPClient]
) -> None:
    """`UID n:*` with n above every UID still matches the highest message; UIDNEXT is above
    last_uid + 1 here (the newest message was expunged), so the search does run."""
    raws = messages(3)
    dovecot.deliver_all(user, raws)
    sink = Sink()
    account = dovecot.account(user)
    state = sync_mailbox(connect(user), account, NEVER_SYNCED, sink).state
    doomed = dovecot.deliver(user, message(99, "doomed"))
    with dovecot.client(user) as colleague:
        colleague.delete_messages([doomed])
        colleague.expunge()

    result = sync_mailbox(connect(user), account, state, sink)

    assert result == SyncResult(state, fetched=0, uidvalidity_changed=False)
    assert sink.calls == raws


def test_sink_failure_midway_keeps_partial_state_and_the_next_sync_resumes_without_gap(
    dovecot: Dovecot, user: MailUser, connect: Callable[..., IMAPClient]
) -> None:
    raws = messages(6)
    uids = dovecot.deliver_all(user, raws)
    account = dovecot.account(user)
    sink = Sink(fail_on_call=4)

    with pytest.raises(SyncInterrupted) as interrupted:
        sync_mailbox(connect(user), account, NEVER_SYNCED, sink, batch_size=2)

    partial = interrupted.value.state
    assert partial == SyncState(dovecot.uidvalidity(user), uids[2])  # the 3 stored, not the failed 4th
    assert interrupted.value.fetched == 3
    assert isinstance(interrupted.value.cause, OSError)

    result = sync_mailbox(connect(user), account, partial, sink, batch_size=2)

    assert result.fetched == 3
    assert result.state.last_uid == uids[-1]
    assert list(sink.stored.values()) == raws  # every message once, in order: no gap
    assert sink.calls == [*raws[:4], *raws[3:]]  # only the failed one went to the sink twice


@pytest.mark.parametrize("folder", ["INBOX", "Support"])
def test_uidvalidity_change_resyncs_the_folder_without_duplicates_or_gaps(
    dovecot: Dovecot, user: MailUser, connect: Callable[..., IMAPClient], folder: str
) -> None:
    synced, unsynced = messages(3), messages(2, start=4)
    dovecot.deliver_all(user, synced, folder)
    account = dovecot.account(user, folder=folder)
    sink = Sink()
    client = connect(user, folder=folder)
    old = sync_mailbox(client, account, NEVER_SYNCED, sink).state
    close_client(client)
    dovecot.deliver_all(user, unsynced, folder)  # arrive before the server renumbers

    new_uidvalidity = dovecot.reset_uidvalidity(user, folder)
    result = sync_mailbox(connect(user, folder=folder), account, old, sink)

    assert result.uidvalidity_changed
    assert result.state == SyncState(new_uidvalidity, 5)  # renumbered from 1
    assert result.fetched == 5  # the whole folder went through the sink again...
    assert list(sink.stored.values()) == synced + unsynced  # ...which kept each message once
    following = sync_mailbox(connect(user, folder=folder), account, result.state, sink)
    assert following == SyncResult(result.state, fetched=0, uidvalidity_changed=False)


def test_by_default_nothing_is_moved_deleted_or_created(
    dovecot: Dovecot, user: MailUser, connect: Callable[..., IMAPClient]
) -> None:
    raws = messages(3)
    dovecot.deliver_all(user, raws)

    sync_mailbox(connect(user), dovecot.account(user), NEVER_SYNCED, Sink())

    assert bodies(dovecot, user, "INBOX") == raws
    with dovecot.client(user, readonly=True) as other:
        assert all(DELETED not in flags for flags in flags_by_uid(other).values())
        assert [name for _flags, _delimiter, name in other.list_folders()] == ["INBOX"]


def test_move_to_folder_creates_it_and_moves_each_stored_message(
    dovecot: Dovecot, user: MailUser, connect: Callable[..., IMAPClient]
) -> None:
    raws = messages(5)
    dovecot.deliver_all(user, raws)
    account = dovecot.account(user, move_to_folder="Imported")
    sink = Sink()
    client = connect(user, move_to_folder="Imported")

    state = sync_mailbox(client, account, NEVER_SYNCED, sink, batch_size=2).state

    assert sink.calls == raws
    assert bodies(dovecot, user, "INBOX") == []
    assert bodies(dovecot, user, "Imported") == raws
    later = message(6, "later")
    dovecot.deliver(user, later)
    assert sync_mailbox(client, account, state, sink).fetched == 1
    assert bodies(dovecot, user, "INBOX") == []
    assert bodies(dovecot, user, "Imported") == [*raws, later]


def test_move_without_the_move_capability_copies_then_expunges_only_its_own_uids(
    dovecot: Dovecot, user: MailUser, connect: Callable[..., IMAPClient]
) -> None:
    earlier, later = messages(2), messages(1, start=3)
    uids = dovecot.deliver_all(user, earlier)
    sink = Sink()
    state = sync_mailbox(connect(user), dovecot.account(user), NEVER_SYNCED, sink).state
    with dovecot.client(user) as colleague:  # someone's pending deletion: a plain EXPUNGE would remove it
        colleague.add_flags([uids[0]], [DELETED])
    dovecot.deliver_all(user, later)
    client = without_capabilities(connect(user, move_to_folder="Done"), "MOVE")

    sync_mailbox(client, dovecot.account(user, move_to_folder="Done"), state, sink)

    assert sink.calls == earlier + later
    assert bodies(dovecot, user, "Done") == [earlier[1], *later]
    assert bodies(dovecot, user, "INBOX") == [earlier[0]]  # still there, still flagged \Deleted


def test_move_without_uidplus_copies_and_flags_but_never_expunges(
    dovecot: Dovecot, user: MailUser, connect: Callable[..., IMAPClient]
) -> None:
    raws = messages(3)
    dovecot.deliver_all(user, raws)
    account = dovecot.account(user, move_to_folder="Done")
    client = without_capabilities(connect(user, move_to_folder="Done"), "MOVE", "UIDPLUS")
    sink = Sink()

    state = sync_mailbox(client, account, NEVER_SYNCED, sink).state
    sync_mailbox(client, account, state, sink)  # flagged copies are not copied again

    assert bodies(dovecot, user, "Done") == raws
    assert bodies(dovecot, user, "INBOX") == raws
    with dovecot.client(user, readonly=True) as other:
        assert all(DELETED in flags for flags in flags_by_uid(other).values())


def test_turning_on_move_also_moves_messages_imported_earlier(
    dovecot: Dovecot, user: MailUser, connect: Callable[..., IMAPClient]
) -> None:
    """Stored-but-not-moved messages (a move that failed, or a setting changed) are moved on the next sync."""
    earlier, later = messages(2), messages(1, start=3)
    dovecot.deliver_all(user, earlier)
    sink = Sink()
    state = sync_mailbox(connect(user), dovecot.account(user), NEVER_SYNCED, sink).state
    dovecot.deliver_all(user, later)

    result = sync_mailbox(
        connect(user, move_to_folder="Done"), dovecot.account(user, move_to_folder="Done"), state, sink
    )

    assert result.fetched == 1
    assert sink.calls == earlier + later
    assert bodies(dovecot, user, "Done") == earlier + later
    assert bodies(dovecot, user, "INBOX") == []


@pytest.mark.parametrize(
    ("uids", "expected"), [([], ""), ([4], "4"), ([1, 2], "1:2"), ([1, 2, 3, 7, 9, 10], "1:3,7,9:10")]
)
def test_uid_sets_are_written_as_ranges(uids: list[int], expected: str) -> None:
    assert _uid_set(uids) == expected


# --- open_client ----------------------------------------------------------------------------


@pytest.mark.parametrize("security", [ImapSecurity.STARTTLS, ImapSecurity.TLS])
def test_open_client_over_tls(dovecot: Dovecot, user: MailUser, security: ImapSecurity) -> None:
    context = dovecot.ssl_context()
    port = dovecot.tls_port if security is ImapSecurity.TLS else dovecot.port
    dovecot.deliver(user, message(1, "tls"))
    account = dovecot.account(user, port=port, security=security)

    client = open_client(account, ssl_context=context)
    try:
        assert client.socket().version() in {"TLSv1.2", "TLSv1.3"}
        assert sync_mailbox(client, account, NEVER_SYNCED, Sink()).fetched == 1
    finally:
        close_client(client)


def test_open_client_refuses_an_unverified_certificate(dovecot: Dovecot, user: MailUser) -> None:
    dovecot.ssl_context()  # skips without a certificate
    account = dovecot.account(user, security=ImapSecurity.STARTTLS)

    with pytest.raises(OSError, match="CERTIFICATE_VERIFY_FAILED"):
        open_client(account)  # the system's trust store does not know the test certificate


def test_open_client_with_a_wrong_password_raises(dovecot: Dovecot, user: MailUser) -> None:
    with pytest.raises(IMAPClient.Error):
        open_client(dovecot.account(user, password="wrong"))


# --- MailboxWatcher ---------------------------------------------------------------------------


def make_watcher(
    dovecot: Dovecot,
    user: MailUser,
    watchers: list[MailboxWatcher],
    *,
    state: MemoryState,
    sink: Sink,
    reports: Reports,
    **options: object,
) -> MailboxWatcher:
    settings: dict[str, object] = {
        "backoff_initial": 0.1,
        "backoff_max": 0.5,
        "on_success": reports.on_success,
        "on_error": reports.on_error,
    }
    settings.update(options)
    watcher = MailboxWatcher(
        dovecot.account(user, timeout_seconds=5.0),
        load_state=state.load,
        save_state=state.save,
        sink=sink,
        clock=lambda: datetime.now(UTC),
        **settings,
    )
    watchers.append(watcher)
    return watcher


def test_watcher_idle_delivers_a_new_message_within_seconds_and_stops_promptly(
    dovecot: Dovecot, user: MailUser, watchers: list[MailboxWatcher]
) -> None:
    existing = messages(2)
    dovecot.deliver_all(user, existing)
    state, sink, reports = MemoryState(), Sink(), Reports()
    # A poll interval far beyond the test: only IDLE can bring the new message in time.
    watcher = make_watcher(dovecot, user, watchers, state=state, sink=sink, reports=reports, poll_seconds=3600)
    watcher.start()
    wait_until(lambda: sink.holds(existing), "the initial sync")

    new = message(3, uuid.uuid4().hex)
    dovecot.deliver(user, new)
    took = wait_until(lambda: sink.holds([new]), "IDLE to bring in the new message", timeout=5)

    assert took < 5
    wait_until(lambda: state.load().last_uid == 3, "the state to be saved")
    assert reports.errors == []
    assert [result.fetched for result, _at in reports.successes] == [2, 1]
    health = watcher.health
    assert health.connected
    assert health.last_success_at is not None
    assert health.last_error is None
    # IDLE (and a 3,600 s poll) would outlast this by far: stop interrupts them.
    assert watcher.stop(timeout=10)


def test_watcher_catches_messages_that_land_just_as_idle_starts(
    dovecot: Dovecot, user: MailUser, watchers: list[MailboxWatcher]
) -> None:
    """Dovecot (maildir) sometimes leaves a message that lands just before IDLE starts
    unannounced until the client's next command; the short first IDLE round finds it."""
    arrivals = messages(5)
    state, sink, reports = MemoryState(), Sink(), Reports()
    with dovecot.client(user, folder=None) as colleague:

        def deliver_next(result: SyncResult, at: datetime) -> None:
            """Runs in the watcher's thread between a sync and the IDLE that follows it."""
            reports.on_success(result, at)
            if len(reports.successes) <= len(arrivals):
                colleague.append("INBOX", arrivals[len(reports.successes) - 1])

        watcher = make_watcher(
            dovecot,
            user,
            watchers,
            state=state,
            sink=sink,
            reports=reports,
            on_success=deliver_next,
            poll_seconds=3600,
            idle_recheck_seconds=0.5,
        )
        watcher.start()
        wait_until(lambda: sink.holds(arrivals), "every message, each within a few seconds", timeout=len(arrivals) * 4)
        assert watcher.stop(timeout=5)

    assert sink.calls == arrivals
    assert reports.errors == []


@pytest.mark.parametrize("hide_idle", [False, True], ids=["use_idle=False", "server-without-IDLE"])
def test_watcher_polls_when_idle_is_off_or_missing(
    dovecot: Dovecot, user: MailUser, watchers: list[MailboxWatcher], hide_idle: bool
) -> None:
    state, sink, reports = MemoryState(), Sink(), Reports()
    if hide_idle:
        options: dict[str, object] = {"connect": lambda account: without_capabilities(open_client(account), "IDLE")}
    else:
        options = {"use_idle": False}
    watcher = make_watcher(
        dovecot, user, watchers, state=state, sink=sink, reports=reports, poll_seconds=0.3, **options
    )
    watcher.start()
    wait_until(lambda: len(reports.successes) >= 1, "the initial sync")

    new = messages(2)
    dovecot.deliver_all(user, new)
    wait_until(lambda: sink.holds(new), "a poll to bring in the new messages")

    wait_until(lambda: len(reports.successes) >= 4, "more polls")  # it keeps polling, quietly
    assert sink.calls == new
    uidvalidity = dovecot.uidvalidity(user)
    assert state.saved[0] == SyncState(uidvalidity, 0)
    assert state.saved[-1] == SyncState(uidvalidity, 2)
    assert reports.errors == []
    assert watcher.stop(timeout=10)


def test_watcher_reports_a_lost_server_and_resyncs_after_it_returns(
    dovecot: Dovecot, user: MailUser, watchers: list[MailboxWatcher]
) -> None:
    first = messages(1)
    dovecot.deliver_all(user, first)
    state, sink, reports = MemoryState(), Sink(), Reports()
    watcher = make_watcher(dovecot, user, watchers, state=state, sink=sink, reports=reports)
    watcher.start()
    wait_until(lambda: sink.holds(first), "the initial sync")

    try:
        dovecot.stop()  # ends the IDLE session; reconnects are refused meanwhile
        wait_until(lambda: len(reports.errors) >= 2, "the lost connection and a failed reconnect to be reported")
        assert not watcher.health.connected
        assert watcher.health.consecutive_failures >= 2
    finally:
        dovecot.start()
    later = messages(1, start=2)
    dovecot.deliver_all(user, later)
    wait_until(lambda: sink.holds(later), "the watcher to reconnect and import the new message")

    assert sink.calls == first + later
    health = watcher.health
    assert health.consecutive_failures == 0
    assert health.last_error is not None
    assert health.last_error_at is not None and health.last_success_at is not None
    assert health.last_success_at > health.last_error_at
    assert state.load().last_uid == 2


def test_watcher_saves_partial_state_on_sink_failure_and_retries(
    dovecot: Dovecot, user: MailUser, watchers: list[MailboxWatcher]
) -> None:
    raws = messages(5)
    uids = dovecot.deliver_all(user, raws)
    state, sink, reports = MemoryState(), Sink(fail_on_call=3), Reports()
    watcher = make_watcher(dovecot, user, watchers, state=state, sink=sink, reports=reports, batch_size=2)
    watcher.start()

    wait_until(lambda: sink.holds(raws), "the retry after the failure")

    assert len(reports.errors) == 1
    assert "disk full" in reports.errors[0][0]
    assert state.saved[0] == SyncState(dovecot.uidvalidity(user), uids[1])  # the partial state came first
    wait_until(lambda: state.load().last_uid == uids[-1], "the final state")
    assert list(sink.stored.values()) == raws


def test_watcher_stop_interrupts_a_long_import_and_keeps_what_was_stored(
    dovecot: Dovecot, user: MailUser, watchers: list[MailboxWatcher]
) -> None:
    raws = messages(30)
    uids = dovecot.deliver_all(user, raws)
    state, sink, reports = MemoryState(), Sink(delay=0.1), Reports()
    watcher = make_watcher(dovecot, user, watchers, state=state, sink=sink, reports=reports, batch_size=50)
    watcher.start()
    wait_until(lambda: len(sink.calls) >= 3, "the import to begin")

    assert watcher.stop(timeout=10)
    stored = len(sink.stored)
    assert 3 <= stored < 30
    assert state.load() == SyncState(dovecot.uidvalidity(user), uids[stored - 1])
    assert reports.errors == []  # stopping is not a failure


def test_sync_now_runs_one_pass_and_reports_failures(
    dovecot: Dovecot, user: MailUser, watchers: list[MailboxWatcher]
) -> None:
    raws = messages(2)
    dovecot.deliver_all(user, raws)
    state, sink, reports = MemoryState(), Sink(), Reports()
    watcher = make_watcher(dovecot, user, watchers, state=state, sink=sink, reports=reports)

    result = watcher.sync_now()

    assert result.fetched == 2
    assert state.load() == result.state
    assert [r for r, _at in reports.successes] == [result]
    broken = MailboxWatcher(
        dovecot.account(user, password="wrong"),
        load_state=state.load,
        save_state=state.save,
        sink=sink,
        on_error=reports.on_error,
    )
    with pytest.raises(IMAPClient.Error):
        broken.sync_now()
    assert len(reports.errors) == 1
    assert broken.health.last_error == reports.errors[0][0]
    assert broken.health.consecutive_failures == 1
