"""A real SMTP server on 127.0.0.1 for tests: records what it receives, answers as told.

    with SmtpSink(rcpt_replies={"gone@example.test": "550 5.1.1 No such user"}) as sink:
        send_message(SmtpRelay(sink.host, sink.port), ...)
        envelope_from, rcpt_tos, data = sink.messages[0]

It runs aiosmtpd's threaded `Controller` on a free port chosen by the kernel (port 0,
no race with other tests). `data` is the DATA payload exactly as sent (dot-unstuffed,
CRLF line endings, without the terminating "."), i.e. what `compose.build_message`
produced. Always stop it (`with`, or `stop()` in a fixture's teardown): a running
controller leaves a thread and a socket behind.

Knobs (all optional):
- `rcpt_replies`: recipient address (case-insensitive) -> reply to RCPT TO, e.g.
  "450 4.2.1 Mailbox busy" or "550 5.1.1 No such user". Other recipients get "250 OK".
- `mail_reply` / `data_reply`: a reply to every MAIL FROM / end of DATA instead of 250
  (nothing is recorded when DATA is refused).
- `drop_at`: "MAIL", "RCPT" or "DATA": close the connection without replying there.
- `tls`: a `(certificate, key)` pair of PEM files (see `make_self_signed_certificate`)
  to offer STARTTLS, or with `implicit_tls=True` to speak TLS from the first byte.
- `credentials`: {username: password}; AUTH (PLAIN/LOGIN) is then required before MAIL,
  and, when `tls` is set, only offered over TLS. `authenticated` lists who logged in.
"""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
import warnings
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

_DROP_POINTS = frozenset({"MAIL", "RCPT", "DATA"})


class SinkMessage(NamedTuple):
    envelope_from: str  # "" for the null reverse-path MAIL FROM:<>
    rcpt_tos: tuple[str, ...]  # accepted recipients, in order
    data: bytes  # the message as received


class _Handler:
    """aiosmtpd handler hooks; aiosmtpd calls them on its own thread's event loop."""

    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_MAIL(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        if self.sink.drop_at == "MAIL":
            return self._drop(server)
        if self.sink.mail_reply is not None:
            return self.sink.mail_reply
        envelope.mail_from = address  # "<>" for the null reverse-path (aiosmtpd needs it non-empty)
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if self.sink.drop_at == "RCPT":
            return self._drop(server)
        reply = self.sink.rcpt_replies.get(address.lower())
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        if self.sink.drop_at == "DATA":
            return self._drop(server)
        if self.sink.data_reply is not None:
            return self.sink.data_reply
        content = envelope.original_content
        assert isinstance(content, bytes)
        sender = "" if envelope.mail_from in {None, "<>"} else str(envelope.mail_from)
        self.sink.messages.append(SinkMessage(sender, tuple(envelope.rcpt_tos), content))
        return "250 2.0.0 OK queued as SINK"

    @staticmethod
    def _drop(server: SMTP) -> str:
        if isinstance(server.transport, asyncio.Transport):
            server.transport.abort()
        return "421 4.3.0 dropped"  # never reaches the client: the connection is gone

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            username = auth_data.login.decode("utf-8", "replace")
            password = auth_data.password.decode("utf-8", "replace")
            if self.sink.credentials.get(username) == password:
                self.sink.authenticated.append(username)
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


class _FreePortController(Controller):
    """Controller that binds port 0 and learns the port before its readiness probe."""

    def factory(self) -> SMTP:
        # AUTH without TLS is what a test of plain AUTH wants; aiosmtpd warns about it,
        # which the test suite (warnings are errors) would turn into a failed start.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS", UserWarning)
            server: SMTP = super().factory()  # type: ignore[no-untyped-call]
            return server

    def _trigger_server(self) -> None:
        sockets = getattr(self.server, "sockets", None)
        assert sockets, "the server is not listening"
        self.port = sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


class SmtpSink:
    """A recording SMTP server on 127.0.0.1 (see the module docstring)."""

    host = "127.0.0.1"

    def __init__(
        self,
        *,
        rcpt_replies: Mapping[str, str] | None = None,
        mail_reply: str | None = None,
        data_reply: str | None = None,
        drop_at: str | None = None,
        tls: tuple[Path, Path] | None = None,
        implicit_tls: bool = False,
        credentials: Mapping[str, str] | None = None,
    ) -> None:
        if drop_at is not None and drop_at not in _DROP_POINTS:
            raise ValueError(f"drop_at must be one of {sorted(_DROP_POINTS)}")
        if implicit_tls and tls is None:
            raise ValueError("implicit_tls needs tls=(certificate, key)")
        self.rcpt_replies = {address.lower(): reply for address, reply in (rcpt_replies or {}).items()}
        self.mail_reply = mail_reply
        self.data_reply = data_reply
        self.drop_at = drop_at
        self.credentials = dict(credentials or {})
        self.messages: list[SinkMessage] = []
        self.authenticated: list[str] = []
        self.port = 0
        self._controller = self._make_controller(tls, implicit_tls=implicit_tls)
        self._running = False

    def _make_controller(self, tls: tuple[Path, Path] | None, *, implicit_tls: bool) -> Controller:
        handler = _Handler(self)
        context = None
        if tls is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
        options: dict[str, Any] = {
            "hostname": self.host,
            "port": 0,
            "server_hostname": "sink.smtp.test",  # no reverse DNS lookup of this machine
            "decode_data": False,
            "enable_SMTPUTF8": False,
            "ready_timeout": 10.0,
        }
        if implicit_tls:
            options["ssl_context"] = context
        elif context is not None:
            options["tls_context"] = context
            options["require_starttls"] = True
        if self.credentials:
            options["authenticator"] = handler.authenticate
            options["auth_required"] = True
            # Without TLS, AUTH goes in clear text (fine on 127.0.0.1).
            options["auth_require_tls"] = tls is not None
        return _FreePortController(handler, **options)

    def start(self) -> SmtpSink:
        self._controller.start()
        self.port = self._controller.port
        self._running = True
        return self

    def stop(self) -> None:
        if self._running:
            self._running = False
            self._controller.stop()

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


def make_self_signed_certificate(directory: Path) -> tuple[Path, Path] | None:
    """A certificate and key (PEM) for 127.0.0.1/localhost, made with the openssl command.

    Returns None when there is no `openssl` on PATH, so a test can skip. The certificate
    is its own CA: trust it with `SmtpRelay(ca_file=str(certificate))`.
    """
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    certificate, key = directory / "sink-cert.pem", directory / "sink-key.pem"
    subprocess.run(  # noqa: S603 (fixed arguments, no shell)
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(certificate),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return certificate, key
