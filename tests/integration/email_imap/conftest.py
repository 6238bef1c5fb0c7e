"""A real Dovecot IMAP server on 127.0.0.1 for the IMAP intake tests.

The `dovecot` fixture (one server per test session) follows /work/shared/TESTING.md:
Dovecot runs unprivileged, as the `imaptest` system user when the tests run as root (as
the current user otherwise), with its configuration, sockets, logs and mailboxes in a
temporary directory, listening on free ports of 127.0.0.1: plain IMAP (STARTTLS offered)
and, when `openssl` is there to make a certificate, implicit TLS.

Without /usr/sbin/dovecot the tests are skipped, unless SWITCHBOARD_REQUIRE_DOVECOT=1
(CI sets it), where the fixture fails instead so the tests cannot silently go missing.

Each test takes its own mailbox with `dovecot.new_user()` (a line of the passwd-file);
messages arrive by APPEND (`deliver`), which is what dovecot-lda would do, only faster.
`reset_uidvalidity()` makes Dovecot renumber a folder, `stop()`/`start()` take the server
away and bring it back.
"""

from __future__ import annotations

import grp
import itertools
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from imapclient import IMAPClient

from switchboard.channels.email.imap import ImapAccount, ImapSecurity, close_client

DOVECOT = Path("/usr/sbin/dovecot")
REQUIRE_ENV = "SWITCHBOARD_REQUIRE_DOVECOT"
SYSTEM_USER = "imaptest"
HOST = "127.0.0.1"
START_TIMEOUT = 15.0
STOP_TIMEOUT = 5.0
USERS_PER_BATCH = 100
_APPENDUID = re.compile(rb"\[APPENDUID \d+ (\d+)\]")


@dataclass(frozen=True, slots=True)
class MailUser:
    username: str
    password: str


CONFIG = """\
protocols = imap
listen = {host}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/log/dovecot.log
info_log_path = {root}/log/dovecot.log
instance_name = switchboard-test-{port}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
mail_uid = {user}
mail_gid = {group}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:~/Maildir
mailbox_list_index = no
mail_fsync = never
{ssl}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={user} gid={group} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = {host}
    port = {port}
  }}
  inet_listener imaps {{
    address = {host}
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
  # No authentication penalty (growing delays after a failed login from an IP): the
  # wrong-password tests would otherwise slow down every login after them.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def _make_certificate(directory: Path) -> tuple[Path, Path] | None:
    """A self-signed certificate for 127.0.0.1 / localhost, or None without openssl."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    cert, key = directory / "cert.pem", directory / "key.pem"
    command = [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    command += ["-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost"]
    command += ["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"]
    subprocess.run(command, check=True, capture_output=True, timeout=30)  # noqa: S603 - fixed arguments, no shell
    return cert, key


class Dovecot:
    """One Dovecot instance; `start()`/`stop()` may be called again (to test reconnects)."""

    host = HOST

    def __init__(self, root: Path, run_as: str | None) -> None:
        self.root = root
        self.run_as = run_as  # None: run as the current (non-root) user
        account = pwd.getpwnam(run_as) if run_as is not None else pwd.getpwuid(os.getuid())
        user, group = account.pw_name, grp.getgrgid(account.pw_gid).gr_name
        self.port = _free_port()
        certificate = _make_certificate(root)
        self.ca_file: Path | None = None
        self.tls_port: int | None = None
        if certificate is not None:
            cert, key = certificate
            self.ca_file = cert
            self.tls_port = _free_port()
            ssl_settings = f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{key}\nssl_min_protocol = TLSv1.2"
            if Path("/usr/share/dovecot/dh.pem").exists():
                ssl_settings += "\nssl_dh = </usr/share/dovecot/dh.pem"
        else:
            ssl_settings = "ssl = no"
        for sub in ("run", "state", "log", "home"):
            (root / sub).mkdir(exist_ok=True)
        self._users = itertools.count(1)
        self._pool: list[MailUser] = []
        self._add_users()
        self.config = root / "dovecot.conf"
        self.config.write_text(
            CONFIG.format(
                host=HOST,
                root=root,
                port=self.port,
                tls_port=self.tls_port or 0,
                user=user,
                group=group,
                ssl=ssl_settings,
            )
        )
        if run_as is not None:
            _chown_tree(root, run_as)
        root.chmod(0o700)
        self._process: subprocess.Popen[bytes] | None = None

    # server lifecycle

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        if self.running:
            return
        command = [str(DOVECOT), "-F", "-c", str(self.config)]
        if self.run_as is not None:
            command = ["runuser", "-u", self.run_as, "--", *command]
        with (self.root / "log" / "stdout.log").open("ab") as output:
            # A session of its own: stop() can end every process of this instance by group.
            self._process = subprocess.Popen(  # noqa: S603
                command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + START_TIMEOUT
        ports = [self.port] + ([self.tls_port] if self.tls_port else [])
        while not all(_port_open(port) for port in ports):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Dovecot did not start on {HOST}:{self.port}:\n{self.log_tail()}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the master (SIGTERM to its master.pid), then kill what it leaves behind: IMAP
        sessions outlive the master, and their clients should see the connection end."""
        process, self._process = self._process, None
        if process is None:
            return
        with suppress(FileNotFoundError, ValueError, ProcessLookupError):
            os.kill(int((self.root / "run" / "master.pid").read_text().strip()), signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_TIMEOUT)
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # its own process group: see start()
        process.wait(timeout=STOP_TIMEOUT)
        deadline = time.monotonic() + STOP_TIMEOUT
        while _port_open(self.port) and time.monotonic() < deadline:
            time.sleep(0.02)

    def log_tail(self, lines: int = 40) -> str:
        texts = []
        for name in ("dovecot.log", "stdout.log"):
            path = self.root / "log" / name
            if path.exists():
                texts.extend(path.read_text(errors="replace").splitlines()[-lines:])
        return "\n".join(texts)

    # mailboxes

    def new_user(self) -> MailUser:
        """A fresh, empty mailbox: one line of the passwd-file."""
        if not self._pool:
            self._add_users()
            # Dovecot re-reads a changed passwd-file at most once a second: the next
            # lookup in a later second sees the new lines.
            time.sleep(1.05 - time.time() % 1)
        return self._pool.pop(0)

    def _add_users(self, count: int = USERS_PER_BATCH) -> None:
        batch = [MailUser(f"agent{next(self._users)}@example.test", "secret") for _ in range(count)]
        with (self.root / "users").open("a") as users:
            users.writelines(f"{user.username}:{{PLAIN}}{user.password}\n" for user in batch)
        self._pool.extend(batch)

    def account(self, user: MailUser, **overrides: Any) -> ImapAccount:
        settings: dict[str, Any] = {
            "host": HOST,
            "port": self.port,
            "username": user.username,
            "password": user.password,
            "security": ImapSecurity.NONE,
            "timeout_seconds": 10.0,
        }
        settings.update(overrides)
        return ImapAccount(**settings)

    def ssl_context(self) -> ssl.SSLContext:
        if self.ca_file is None:
            pytest.skip("openssl is not installed: no certificate for the TLS tests")
        return ssl.create_default_context(cafile=str(self.ca_file))

    @contextmanager
    def client(self, user: MailUser, folder: str | None = "INBOX", *, readonly: bool = False) -> Iterator[IMAPClient]:
        """A second, independent IMAP session (as another mail client would have)."""
        client = IMAPClient(HOST, port=self.port, ssl=False, timeout=10)
        try:
            client.login(user.username, user.password)
            if folder is not None:
                client.select_folder(folder, readonly=readonly)
            yield client
        finally:
            close_client(client)

    def deliver(self, user: MailUser, raw: bytes, folder: str | None = None, *, flags: Iterable[bytes] = ()) -> int:
        """Put one message in `folder` (INBOX by default); returns its UID."""
        return self.deliver_all(user, [raw], folder, flags=flags)[0]

    def deliver_all(
        self, user: MailUser, messages: Iterable[bytes], folder: str | None = None, *, flags: Iterable[bytes] = ()
    ) -> list[int]:
        target = folder or "INBOX"
        uids = []
        with self.client(user, folder=None) as client:
            if not client.folder_exists(target):
                client.create_folder(target)
            for raw in messages:
                answer = client.append(target, raw, flags=tuple(flags))
                match = _APPENDUID.search(answer)
                assert match is not None, answer
                uids.append(int(match.group(1)))
        return uids

    def uidvalidity(self, user: MailUser, folder: str = "INBOX") -> int:
        with self.client(user, folder=None) as client:
            return int(client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"])

    def reset_uidvalidity(self, user: MailUser, folder: str = "INBOX") -> int:
        """Make Dovecot renumber `folder` under a new UIDVALIDITY, as a restored or rebuilt
        server does: remove the folder's UID list and indexes (the messages stay). Close
        your own sessions on that folder first. Returns the new UIDVALIDITY."""
        before = self.uidvalidity(user, folder)
        maildir = self.root / "home" / user.username / "Maildir"
        directory = maildir if folder.upper() == "INBOX" else maildir / f".{folder}"
        assert directory.is_dir(), f"no maildir for {folder!r} at {directory}"
        for path in [directory / "dovecot-uidlist", *directory.glob("dovecot.index*")]:
            path.unlink(missing_ok=True)
        after = self.uidvalidity(user, folder)
        assert after != before, f"UIDVALIDITY of {folder} stayed {before}"
        return after


def _chown_tree(root: Path, user: str) -> None:
    group = pwd.getpwnam(user).pw_gid
    shutil.chown(root, user, group)
    for path in root.rglob("*"):
        shutil.chown(path, user, group)


def _system_user() -> str | None:
    """Root runs Dovecot as an unprivileged system user (created if missing)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(  # noqa: S603
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER],  # noqa: S607
            check=True,
            capture_output=True,
            timeout=30,
        )
    return SYSTEM_USER


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    if not DOVECOT.exists():
        reason = f"{DOVECOT} is missing: apt-get install dovecot-imapd (see /work/shared/TESTING.md)"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    # Under /tmp, not pytest's tmp_path: the unprivileged user must reach the directory.
    root = Path(tempfile.mkdtemp(prefix="switchboard-dovecot-"))
    server = Dovecot(root, _system_user())
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
