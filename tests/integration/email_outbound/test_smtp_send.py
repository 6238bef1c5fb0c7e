"""smtp_client.send_message against real SMTP servers on 127.0.0.1 (aiosmtpd and raw sockets)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from switchboard.channels.email.compose import OutgoingAttachment, OutgoingEmail, build_message
from switchboard.channels.email.smtp_client import (
    DeliveryError,
    SendReport,
    SmtpRelay,
    SmtpSecurity,
    send_message,
    send_message_async,
)
from tests.smtp_sink import SinkMessage, SmtpSink, make_self_signed_certificate

SENDER = "support@example.test"
CUSTOMER = "jane@example.test"


def _message() -> bytes:
    return build_message(
        OutgoingEmail(
            from_address=SENDER,
            from_name="Équipe Support",
            to=(CUSTOMER,),
            cc=("boss@example.test",),
            reply_to="support+t7k2x9@example.test",
            subject="Re: [#1234] Ça ne marche pas",
            text_body="Hello Jane,\n.\n..a line starting with dots\nGrüße",
            html_body="<p>Hello Jane,</p><p>.</p>",
            signature_text="Acme Support",
            message_id="sb.t1234.m1.0123456789abcdef@example.test",
            in_reply_to="parent@mail.example.test",
            attachments=(
                OutgoingAttachment("Rechnung März.pdf", "application/pdf", b"%PDF-1.7\n" + bytes(range(256))),
            ),
            date=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        )
    )


MESSAGE = _message()


def _relay(sink: SmtpSink, **changes: object) -> SmtpRelay:
    options: dict[str, object] = {"host": sink.host, "port": sink.port, "timeout_seconds": 5.0, "helo_name": "sb.test"}
    options.update(changes)
    return SmtpRelay(**options)  # type: ignore[arg-type]


def _send(relay: SmtpRelay, *recipients: str, envelope_from: str = SENDER, message: bytes = MESSAGE) -> SendReport:
    return send_message(relay, envelope_from=envelope_from, recipients=list(recipients), message=message)


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink(
        rcpt_replies={
            "gone@example.test": "550 5.1.1 <gone@example.test>: Recipient address rejected: User unknown",
            "full@example.test": "452 4.2.2 Mailbox full",
            "busy@example.test": "450 4.2.1 Mailbox busy, try again later",
        }
    ) as running:
        yield running


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    made = make_self_signed_certificate(tmp_path_factory.mktemp("tls"))
    if made is None:
        pytest.skip("no openssl command to make a test certificate")
    return made


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# --- success --------------------------------------------------------------------------


def test_the_sink_receives_exactly_the_built_bytes(sink: SmtpSink) -> None:
    report = _send(_relay(sink), CUSTOMER, "boss@example.test")

    assert report.accepted == (CUSTOMER, "boss@example.test")
    assert report.refused == {}
    assert "queued" in report.server_reply
    assert sink.messages == [SinkMessage(SENDER, (CUSTOMER, "boss@example.test"), MESSAGE)]


def test_recipients_are_deduplicated_and_idn_domains_encoded(sink: SmtpSink) -> None:
    report = _send(_relay(sink), CUSTOMER, "JANE@example.test", "kunde@bücher.example")
    assert report.accepted == (CUSTOMER, "kunde@xn--bcher-kva.example")
    assert sink.messages[0].rcpt_tos == (CUSTOMER, "kunde@xn--bcher-kva.example")


def test_null_reverse_path(sink: SmtpSink) -> None:
    _send(_relay(sink), CUSTOMER, envelope_from="")
    assert sink.messages[0].envelope_from == ""


def test_eight_bit_messages_arrive_unchanged(sink: SmtpSink) -> None:
    raw = "Subject: ü\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nGrüße\r\n".encode()
    _send(_relay(sink), CUSTOMER, message=raw)
    assert sink.messages[0].data == raw


def test_partial_refusal_sends_to_the_others(sink: SmtpSink) -> None:
    report = _send(_relay(sink), "gone@example.test", CUSTOMER, "busy@example.test")

    assert report.accepted == (CUSTOMER,)
    assert report.refused == {
        "gone@example.test": "550 5.1.1 <gone@example.test>: Recipient address rejected: User unknown",
        "busy@example.test": "450 4.2.1 Mailbox busy, try again later",
    }
    assert sink.messages[0].rcpt_tos == (CUSTOMER,)


# --- refusals -------------------------------------------------------------------------


def test_all_recipients_refused_with_5xx_is_permanent(sink: SmtpSink) -> None:
    with pytest.raises(DeliveryError) as caught:
        _send(_relay(sink), "gone@example.test")
    assert caught.value.permanent
    assert caught.value.code == 550
    assert "550 5.1.1" in caught.value.reason
    assert "gone@example.test" in caught.value.reason
    assert sink.messages == []


@pytest.mark.parametrize("recipients", [("busy@example.test",), ("full@example.test", "gone@example.test")])
def test_all_recipients_refused_with_any_4xx_is_temporary(sink: SmtpSink, recipients: tuple[str, ...]) -> None:
    with pytest.raises(DeliveryError) as caught:
        _send(_relay(sink), *recipients)
    assert not caught.value.permanent
    assert "45" in caught.value.reason


@pytest.mark.parametrize(
    ("stage", "reply", "permanent"),
    [
        ("MAIL FROM", "550 5.7.1 Sender rejected", True),
        ("MAIL FROM", "451 4.3.0 Try later", False),
        ("DATA", "554 5.6.0 Message content rejected", True),
        ("DATA", "452 4.3.1 Insufficient system storage", False),
    ],
)
def test_replies_are_classified_by_their_class(stage: str, reply: str, permanent: bool) -> None:
    sink = SmtpSink(mail_reply=reply) if stage == "MAIL FROM" else SmtpSink(data_reply=reply)
    with sink, pytest.raises(DeliveryError) as caught:
        _send(_relay(sink), CUSTOMER)
    assert caught.value.permanent is permanent
    assert caught.value.code == int(reply[:3])
    assert reply in caught.value.reason
    assert stage in caught.value.reason
    assert sink.messages == []


@pytest.mark.parametrize("recipient", ["not-an-address", "jürgen@example.test"])
def test_unsendable_addresses_alone_are_permanent_without_connecting(recipient: str) -> None:
    relay = SmtpRelay("127.0.0.1", _closed_port())
    with pytest.raises(DeliveryError, match="no recipients to send to: recipient") as caught:
        _send(relay, recipient)
    assert caught.value.permanent


def test_unsendable_addresses_among_others_are_reported_as_refused(sink: SmtpSink) -> None:
    report = _send(_relay(sink), "jürgen@example.test", CUSTOMER)
    assert report.accepted == (CUSTOMER,)
    assert list(report.refused) == ["jürgen@example.test"]
    assert "SMTPUTF8" in report.refused["jürgen@example.test"]
    assert sink.messages[0].rcpt_tos == (CUSTOMER,)


def test_an_unsendable_envelope_sender_is_permanent() -> None:
    with pytest.raises(DeliveryError, match="envelope sender") as caught:
        _send(SmtpRelay("127.0.0.1", _closed_port()), CUSTOMER, envelope_from="no address")
    assert caught.value.permanent


def test_no_recipients_is_permanent() -> None:
    with pytest.raises(DeliveryError, match="no recipients") as caught:
        _send(SmtpRelay("127.0.0.1", _closed_port()))
    assert caught.value.permanent


def test_unreadable_ca_file_is_a_temporary_settings_error(tmp_path: Path) -> None:
    relay = SmtpRelay("127.0.0.1", _closed_port(), SmtpSecurity.STARTTLS, ca_file=str(tmp_path / "missing.pem"))
    with pytest.raises(DeliveryError, match="relay settings") as caught:
        _send(relay, CUSTOMER)
    assert not caught.value.permanent


# --- network failures -----------------------------------------------------------------


def test_connection_refused_is_temporary() -> None:
    port = _closed_port()
    with pytest.raises(DeliveryError) as caught:
        _send(SmtpRelay("127.0.0.1", port, timeout_seconds=5.0), CUSTOMER)
    assert not caught.value.permanent
    assert f"127.0.0.1:{port}" in caught.value.reason


@pytest.mark.parametrize("drop_at", ["MAIL", "RCPT", "DATA"])
def test_dropped_connections_are_temporary(drop_at: str) -> None:
    with SmtpSink(drop_at=drop_at) as sink, pytest.raises(DeliveryError) as caught:
        _send(_relay(sink), CUSTOMER)
    assert not caught.value.permanent
    assert sink.messages == []


def test_a_server_that_hangs_up_at_once_is_temporary() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]

        def hang_up() -> None:
            connection, _ = server.accept()
            connection.close()

        thread = threading.Thread(target=hang_up)
        thread.start()
        try:
            with pytest.raises(DeliveryError) as caught:
                _send(SmtpRelay("127.0.0.1", port, timeout_seconds=5.0), CUSTOMER)
        finally:
            thread.join(timeout=10)
    assert not caught.value.permanent


def test_a_server_that_never_answers_times_out_as_temporary() -> None:
    with socket.socket() as server:  # the kernel completes the handshake; nobody ever speaks
        server.bind(("127.0.0.1", 0))
        server.listen()
        started = time.monotonic()
        with pytest.raises(DeliveryError) as caught:
            _send(SmtpRelay("127.0.0.1", server.getsockname()[1], timeout_seconds=0.3), CUSTOMER)
        elapsed = time.monotonic() - started
    assert not caught.value.permanent
    assert "did not answer within 0.3 s" in caught.value.reason
    assert elapsed < 5


# --- threads and event loops ----------------------------------------------------------


def test_works_from_a_thread_without_an_event_loop(sink: SmtpSink) -> None:
    results: list[SendReport | BaseException] = []

    def worker() -> None:
        try:
            results.append(_send(_relay(sink), CUSTOMER))
        except BaseException as error:  # noqa: BLE001 (handed to the test thread to fail there)
            results.append(error)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(timeout=30)
    assert len(results) == 1
    assert isinstance(results[0], SendReport)
    assert results[0].accepted == (CUSTOMER,)


def test_works_from_a_thread_while_the_main_thread_runs_a_loop(sink: SmtpSink) -> None:
    async def main() -> SendReport:
        ticker_ran = asyncio.Event()

        async def ticker() -> None:
            await asyncio.sleep(0)
            ticker_ran.set()

        task = asyncio.create_task(ticker())
        report = await asyncio.to_thread(_send, _relay(sink), CUSTOMER)
        await task
        assert ticker_ran.is_set()
        return report

    assert asyncio.run(main()).accepted == (CUSTOMER,)
    assert len(sink.messages) == 1


def test_refuses_to_block_a_running_loop(sink: SmtpSink) -> None:
    async def main() -> None:
        with pytest.raises(RuntimeError, match="send_message_async"):
            _send(_relay(sink), CUSTOMER)

    asyncio.run(main())
    assert sink.messages == []


def test_async_callers_await_send_message_async(sink: SmtpSink) -> None:
    async def main() -> SendReport:
        return await send_message_async(_relay(sink), envelope_from=SENDER, recipients=[CUSTOMER], message=MESSAGE)

    assert asyncio.run(main()).accepted == (CUSTOMER,)
    assert sink.messages[0].data == MESSAGE


def test_concurrent_senders_share_nothing(sink: SmtpSink) -> None:
    threads = [threading.Thread(target=_send, args=(_relay(sink), f"user{i}@example.test")) for i in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(message.rcpt_tos[0] for message in sink.messages) == [f"user{i}@example.test" for i in range(5)]


# --- TLS and AUTH ---------------------------------------------------------------------


def test_starttls_with_auth(certificate: tuple[Path, Path]) -> None:
    with SmtpSink(tls=certificate, credentials={"agent": "s3cret"}) as sink:
        relay = _relay(
            sink, security=SmtpSecurity.STARTTLS, username="agent", password="s3cret", ca_file=str(certificate[0])
        )
        report = _send(relay, CUSTOMER)
    assert report.accepted == (CUSTOMER,)
    assert sink.authenticated == ["agent"]
    assert sink.messages[0].data == MESSAGE
    assert "s3cret" not in repr(relay)


def test_auth_without_tls() -> None:
    with SmtpSink(credentials={"agent": "s3cret"}) as sink:
        report = _send(_relay(sink, username="agent", password="s3cret"), CUSTOMER)
    assert report.accepted == (CUSTOMER,)
    assert sink.authenticated == ["agent"]


def test_missing_credentials_are_temporary() -> None:
    with SmtpSink(credentials={"agent": "s3cret"}) as sink, pytest.raises(DeliveryError) as caught:
        _send(_relay(sink), CUSTOMER)
    assert not caught.value.permanent
    assert caught.value.code == 530


def test_implicit_tls(certificate: tuple[Path, Path]) -> None:
    with SmtpSink(tls=certificate, implicit_tls=True) as sink:
        report = _send(_relay(sink, security=SmtpSecurity.TLS, ca_file=str(certificate[0])), CUSTOMER)
    assert report.accepted == (CUSTOMER,)
    assert sink.messages[0].data == MESSAGE


def test_wrong_password_is_temporary_and_says_so(certificate: tuple[Path, Path]) -> None:
    with SmtpSink(tls=certificate, credentials={"agent": "s3cret"}) as sink:
        relay = _relay(
            sink, security=SmtpSecurity.STARTTLS, username="agent", password="wrong", ca_file=str(certificate[0])
        )
        with pytest.raises(DeliveryError) as caught:
            _send(relay, CUSTOMER)
    # A relay configuration problem: the message is fine and should go out once it is fixed.
    assert not caught.value.permanent
    assert caught.value.code == 535
    assert "AUTH" in caught.value.reason
    assert "wrong" not in caught.value.reason
    assert sink.messages == []


def test_untrusted_certificate_is_a_temporary_tls_error(certificate: tuple[Path, Path]) -> None:
    with SmtpSink(tls=certificate) as sink, pytest.raises(DeliveryError) as caught:
        _send(_relay(sink, security=SmtpSecurity.STARTTLS), CUSTOMER)
    assert not caught.value.permanent
    assert "TLS" in caught.value.reason
    assert "certificate verify failed" in caught.value.reason


def test_plain_client_against_a_server_requiring_starttls(certificate: tuple[Path, Path]) -> None:
    with SmtpSink(tls=certificate) as sink, pytest.raises(DeliveryError) as caught:
        _send(_relay(sink, security=SmtpSecurity.NONE), CUSTOMER)
    assert not caught.value.permanent
    assert caught.value.code == 530


def test_starttls_required_but_not_offered_is_temporary(sink: SmtpSink) -> None:
    with pytest.raises(DeliveryError, match="STARTTLS") as caught:
        _send(_relay(sink, security=SmtpSecurity.STARTTLS), CUSTOMER)
    assert not caught.value.permanent
    assert sink.messages == []


def test_tls_against_a_plain_server_is_temporary(sink: SmtpSink) -> None:
    with pytest.raises(DeliveryError) as caught:
        _send(_relay(sink, security=SmtpSecurity.TLS, timeout_seconds=2.0), CUSTOMER)
    assert not caught.value.permanent
