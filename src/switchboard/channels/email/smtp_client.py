"""Send one built message over SMTP (aiosmtplib) and say how it went.

`send_message(relay, envelope_from=..., recipients=..., message=...)` blocks until the
relay has answered the end of DATA. It returns a `SendReport` when at least one
recipient accepted the message, and raises `DeliveryError` otherwise:

- `permanent=True`: the relay refused the message or all its recipients with a 5xx reply,
  or the envelope sender or every recipient is an address that cannot be sent to at all
  (not local@domain, or one needing SMTPUTF8). Retrying the same message will not help.
- `permanent=False`: everything else: 4xx replies, connection refused/reset/dropped,
  timeouts, TLS failures, and problems of the relay *configuration* (authentication
  refused or required, STARTTLS or AUTH not offered), because the message itself is
  fine and goes out once an admin fixes the settings.

Recipients the relay refuses while accepting others are listed in `SendReport.refused`
with the relay's reply (or why the address cannot be sent to); the message went to the
accepted ones.

If the connection drops after the end of DATA was sent but before the reply arrived,
the relay may or may not have taken the message; that is reported as temporary, so a
retry can deliver a duplicate (RFC 1047), which is the safe side.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import aiosmtplib

from switchboard.channels.email.compose import ascii_address

_PERMANENT_CLASS = 5
_AUTH_REQUIRED = 530  # RFC 4954 "5.7.0 Authentication required", RFC 3207 "Must issue a STARTTLS command first"


class SmtpSecurity(StrEnum):
    NONE = "none"  # plain SMTP; never upgrades, even when the relay offers STARTTLS
    STARTTLS = "starttls"  # STARTTLS required (typically port 587); fails if not offered
    TLS = "tls"  # implicit TLS from the first byte (typically port 465)


@dataclass(frozen=True, slots=True)
class SmtpRelay:
    host: str
    port: int
    security: SmtpSecurity = SmtpSecurity.NONE
    username: str | None = None  # AUTH when set (after TLS is up, for STARTTLS/TLS)
    password: str | None = field(default=None, repr=False)
    timeout_seconds: float = 30.0  # for connecting and for each command's reply
    ca_file: str | None = None  # PEM bundle to trust instead of the system CAs (private relay CA)
    helo_name: str | None = None  # EHLO name; None: this machine's FQDN


@dataclass(frozen=True, slots=True)
class SendReport:
    accepted: tuple[str, ...]  # envelope recipients the relay took the message for
    refused: dict[str, str] = field(default_factory=dict)  # recipient -> "550 5.1.1 reply text"
    server_reply: str = ""  # the reply to the end of DATA (often carries the relay's queue id)


class DeliveryError(Exception):
    """The message was not sent. `reason` is human-readable and includes the SMTP reply."""

    def __init__(self, reason: str, *, permanent: bool, code: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.code = code  # the SMTP reply code when the relay gave one

    def __repr__(self) -> str:
        return f"DeliveryError({self.reason!r}, permanent={self.permanent})"


def send_message(
    relay: SmtpRelay,
    *,
    envelope_from: str,
    recipients: Sequence[str],
    message: bytes,
) -> SendReport:
    """Send `message` (bytes as from compose.build_message) to `recipients` through `relay`.

    Blocking: it runs its own event loop, so it works in any thread that is not already
    running one (such as the outbox dispatcher's worker thread, whatever the main thread
    does). From async code, await `send_message_async` instead. `envelope_from` "" sends
    with the null reverse-path (MAIL FROM:<>), e.g. for automatic messages that should not
    draw bounces.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError("send_message blocks; from a coroutine, await send_message_async instead")
    return asyncio.run(send_message_async(relay, envelope_from=envelope_from, recipients=recipients, message=message))


async def send_message_async(
    relay: SmtpRelay,
    *,
    envelope_from: str,
    recipients: Sequence[str],
    message: bytes,
) -> SendReport:
    """The coroutine behind `send_message`, for callers that already run an event loop."""
    sender, envelope_recipients, unsendable = _envelope(envelope_from, recipients)
    try:
        client = _SmtpClient(
            hostname=relay.host,
            port=relay.port,
            username=relay.username,
            password=relay.password,
            local_hostname=relay.helo_name,
            timeout=relay.timeout_seconds,
            use_tls=relay.security is SmtpSecurity.TLS,
            start_tls=relay.security is SmtpSecurity.STARTTLS,
            tls_context=_tls_context(relay) if relay.security is not SmtpSecurity.NONE else None,
        )
    except (ValueError, OSError) as error:  # e.g. an unreadable ca_file: fix the settings, then retry
        raise DeliveryError(f"SMTP relay settings: {error}", permanent=False) from error
    try:
        try:
            await client.connect()
            options = await _mail_options(client, message)
            errors, server_reply = await client.sendmail(sender, envelope_recipients, message, mail_options=options)
        except Exception as error:  # every failure leaves as a classified DeliveryError
            raise _classify(error, relay) from error
        await _quit(client)
    finally:
        client.close()  # no-op after a clean QUIT; drops the connection on any error or cancellation
        await asyncio.sleep(0)  # let the transports finish closing before the loop goes away
    refused = {recipient: _reply_text(reply.code, reply.message) for recipient, reply in errors.items()}
    accepted = tuple(recipient for recipient in envelope_recipients if recipient not in refused)
    return SendReport(accepted=accepted, refused={**unsendable, **refused}, server_reply=server_reply)


class _SmtpClient(aiosmtplib.SMTP):
    """aiosmtplib.SMTP whose close() drops the connection at once.

    The stock close() of a TLS connection starts a graceful TLS shutdown that waits for the
    server's close_notify; `asyncio.run` ends the loop before that arrives and the socket
    is left unclosed (a ResourceWarning). We only close after QUIT or on an error, so there
    is nothing left to flush.
    """

    def close(self) -> None:
        transport = self.transport
        super().close()
        if isinstance(transport, asyncio.Transport):
            transport.abort()


def _envelope(envelope_from: str, recipients: Sequence[str]) -> tuple[str, list[str], dict[str, str]]:
    """(sender, recipients, unsendable recipient -> why) with ASCII (IDNA) addresses.

    Recipients are de-duplicated in order. One that cannot be sent at all is reported
    like a refused one, and the others still get the message; with none left, or an
    unsendable sender, the delivery fails permanently before connecting.
    """
    if isinstance(recipients, str):
        raise TypeError("recipients must be a sequence of addresses, not one string")
    try:
        sender = ascii_address(envelope_from, what="envelope sender") if envelope_from.strip() else ""
    except ValueError as error:
        raise DeliveryError(str(error), permanent=True) from error
    unique: dict[str, str] = {}
    unsendable: dict[str, str] = {}
    for recipient in recipients:
        try:
            address = ascii_address(recipient, what="recipient")
        except ValueError as error:
            unsendable[recipient] = str(error)
        else:
            unique.setdefault(address.lower(), address)
    if not unique:
        reasons = "; ".join(unsendable.values())
        raise DeliveryError(f"no recipients to send to{': ' if reasons else ''}{reasons}", permanent=True)
    return sender, list(unique.values()), unsendable


def _tls_context(relay: SmtpRelay) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=relay.ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


async def _mail_options(client: aiosmtplib.SMTP, message: bytes) -> list[str]:
    """BODY=8BITMIME when the message has 8-bit bytes and the relay says it takes them.

    compose.build_message only produces 7-bit messages; this is for other callers.
    """
    if message.isascii():
        return []
    if client.is_ehlo_or_helo_needed:
        await client.ehlo()
    return ["BODY=8BITMIME"] if client.supports_extension("8bitmime") else []


async def _quit(client: aiosmtplib.SMTP) -> None:
    """Say goodbye; the message is already accepted, so a failure here changes nothing."""
    with contextlib.suppress(aiosmtplib.SMTPException, OSError):
        await client.quit()


def _reply_text(code: int, message: str) -> str:
    text = " ".join(message.split())
    return f"{code} {text}".strip()


_STAGES: tuple[tuple[type[aiosmtplib.SMTPResponseException], str], ...] = (
    (aiosmtplib.SMTPConnectResponseError, "greeting"),
    (aiosmtplib.SMTPHeloError, "EHLO"),
    (aiosmtplib.SMTPAuthenticationError, "AUTH"),
    (aiosmtplib.SMTPSenderRefused, "MAIL FROM"),
    (aiosmtplib.SMTPRecipientRefused, "RCPT TO"),
    (aiosmtplib.SMTPDataError, "DATA"),
)


def _classify(error: Exception, relay: SmtpRelay) -> DeliveryError:
    """The DeliveryError for whatever aiosmtplib (or the network) raised."""
    where = f"{relay.host}:{relay.port}"
    if isinstance(error, DeliveryError):
        return error
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        replies = [f"{refused.recipient}: {_reply_text(refused.code, refused.message)}" for refused in error.recipients]
        permanent = all(refused.code // 100 == _PERMANENT_CLASS for refused in error.recipients)
        codes = {refused.code for refused in error.recipients}
        return DeliveryError(
            f"{where} refused all recipients (RCPT TO): " + "; ".join(replies),
            permanent=permanent,
            code=codes.pop() if len(codes) == 1 else None,
        )
    if isinstance(error, aiosmtplib.SMTPResponseException):
        stage = next((name for kind, name in _STAGES if isinstance(error, kind)), "reply")
        reason = f"{where} answered {_reply_text(error.code, error.message)} ({stage})"
        configuration = isinstance(error, aiosmtplib.SMTPAuthenticationError) or error.code == _AUTH_REQUIRED
        if configuration:
            reason += "; check the relay's security and login settings"
        permanent = error.code // 100 == _PERMANENT_CLASS and not configuration
        return DeliveryError(reason, permanent=permanent, code=error.code)
    if isinstance(error, TimeoutError):  # aiosmtplib's timeouts subclass it
        detail = f" ({error})" if str(error) else ""
        return DeliveryError(f"{where} did not answer within {relay.timeout_seconds:g} s{detail}", permanent=False)
    if isinstance(error, ssl.SSLError):  # before ValueError: certificate errors are both
        return DeliveryError(f"TLS with {where} failed: {error}", permanent=False)
    if isinstance(error, aiosmtplib.SMTPNotSupported):
        return DeliveryError(f"{where}: {error} (check the relay's security setting)", permanent=False)
    if isinstance(error, aiosmtplib.SMTPException | OSError):
        return DeliveryError(f"{where}: {type(error).__name__}: {error}".removesuffix(": "), permanent=False)
    if isinstance(error, ValueError):  # aiosmtplib refuses addresses it cannot send
        return DeliveryError(f"cannot send: {error}", permanent=True)
    return DeliveryError(f"{where}: unexpected {type(error).__name__}: {error}", permanent=False)
