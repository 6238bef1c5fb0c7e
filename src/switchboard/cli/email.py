"""`switchboard import mail`, `switchboard mail …` and `switchboard mailbox …` commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy import func, select

from switchboard.accounts.actor import Actor
from switchboard.channels.email.imap import ImapSecurity
from switchboard.channels.email.importer import count_messages, detect_source, import_mail
from switchboard.channels.email.mailboxes import connect_mailbox, mailbox_health
from switchboard.channels.email.models import InboundEmail, InboundOutcome, InboundState
from switchboard.channels.email.service import EmailChannel
from switchboard.channels.models import Channel, Inbox
from switchboard.cli.common import _database, _settings, err
from switchboard.config import email_channel_config
from switchboard.core.clock import SystemClock
from switchboard.core.errors import DomainError

import_app = typer.Typer(help="Import existing data.", no_args_is_help=True)
mail_app = typer.Typer(help="Inbound email: status and reprocessing.", no_args_is_help=True)
mailbox_app = typer.Typer(help="IMAP mailboxes that inboxes import from.", no_args_is_help=True)


def _email_inbox_id(session_inbox: Inbox | None, name: str) -> int:
    if session_inbox is None:
        err.print(f"[red]error:[/red] no inbox named {name!r}")
        raise typer.Exit(1)
    if session_inbox.channel is not Channel.EMAIL:
        err.print(f"[red]error:[/red] inbox {name!r} is a {session_inbox.channel.value} inbox, not an email inbox")
        raise typer.Exit(1)
    return session_inbox.id


@import_app.command("mail")
def import_mail_command(
    path: Annotated[Path, typer.Argument(help="mbox file, Maildir folder, directory of .eml files, or one .eml.")],
    inbox: Annotated[str, typer.Option(help="Name of the email inbox the mail belongs to.")],
) -> None:
    """Import mail; running it again imports nothing new."""

    settings = _settings()
    if not path.exists():
        err.print(f"[red]error:[/red] {path} does not exist")
        raise typer.Exit(2)
    try:
        kind = detect_source(path)
        total = count_messages(path)
    except (OSError, ValueError) as exc:
        err.print(f"[red]error:[/red] cannot read {path}: {exc}")
        raise typer.Exit(2) from exc
    clock = SystemClock()
    with _database(settings) as database:
        with database.read() as session:
            inbox_id = _email_inbox_id(session.scalars(select(Inbox).where(Inbox.name == inbox)).first(), inbox)
        channel = EmailChannel(database, clock, email_channel_config(settings))
        columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        # No refresh thread: the import forks its parse workers, which must not happen while
        # another thread could hold a lock; the bar is redrawn on every batch instead.
        with Progress(*columns, console=err, transient=False, auto_refresh=False) as progress:
            task = progress.add_task("import", total=total)
            summary = import_mail(
                database,
                channel.blobs,
                channel.pipeline,
                clock,
                path=path,
                inbox_id=inbox_id,
                max_message_bytes=settings.email_max_message_bytes,
                on_progress=lambda done: progress.update(task, advance=done, refresh=True),
                parse_workers=settings.email_parse_workers,
            )
    err.print(
        f"{kind.value}: {summary.seen} messages, {summary.stored} new, {summary.duplicates} already imported, "
        f"{summary.processed} processed, {summary.failed} failed (kept for `switchboard mail reprocess`), "
        f"{summary.too_large} over the size limit (skipped)"
    )
    if summary.failed:
        raise typer.Exit(1)


@mail_app.command("status")
def mail_status() -> None:
    """Inbound email counts by state and outcome, and each IMAP mailbox's health."""

    settings = _settings()
    with _database(settings) as database, database.read() as session:
        rows = session.execute(
            select(InboundEmail.state, InboundEmail.outcome, func.count()).group_by(
                InboundEmail.state, InboundEmail.outcome
            )
        ).all()
        for state, outcome, count in sorted(rows, key=lambda r: (r[0].value, r[1].value if r[1] else "")):
            typer.echo(f"{state.value}\t{outcome.value if outcome else '-'}\t{count}")
        for health in mailbox_health(session):
            last = health.last_sync_at.isoformat() if health.last_sync_at else "never"
            error = f"\tlast error: {health.last_error}" if health.last_error else ""
            typer.echo(f"imap\t{health.username}@{health.host}/{health.folder}\tlast sync {last}{error}")


@mail_app.command("reprocess")
def mail_reprocess(
    inbound_id: Annotated[int | None, typer.Argument(help="One inbound email id; omit with --failed.")] = None,
    failed: Annotated[bool, typer.Option("--failed", help="Every message that failed.")] = False,
) -> None:
    """Run failed messages through the pipeline again (for example after an upgrade)."""

    if (inbound_id is None) == (not failed):
        err.print("[red]error:[/red] give one inbound email id, or --failed")
        raise typer.Exit(2)
    settings = _settings()
    with _database(settings) as database:
        channel = EmailChannel(database, SystemClock(), email_channel_config(settings))
        if inbound_id is not None:
            ids = [inbound_id]
        else:
            with database.read() as session:
                ids = list(
                    session.scalars(
                        select(InboundEmail.id)
                        .where(
                            (InboundEmail.state == InboundState.FAILED)
                            | (InboundEmail.outcome == InboundOutcome.FALLBACK)
                        )
                        .order_by(InboundEmail.id)
                    )
                )
        for one in ids:
            try:
                channel.pipeline.reprocess(one)
            except ValueError as exc:
                err.print(f"[red]error:[/red] {exc}")
                raise typer.Exit(1) from exc
        with database.read() as session:
            still = session.scalar(
                select(func.count()).where(InboundEmail.id.in_(ids), InboundEmail.state == InboundState.FAILED)
            )
    err.print(f"reprocessed {len(ids)} messages; {still or 0} still failing")
    if still:
        raise typer.Exit(1)


@mailbox_app.command("connect")
def mailbox_connect(  # noqa: PLR0917 - Typer reads options from parameters
    inbox: Annotated[str, typer.Option(help="Name of the email inbox.")],
    host: Annotated[str, typer.Option(help="IMAP server.")],
    username: Annotated[str, typer.Option(help="Login.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, help="Password (prompted if omitted).")],
    port: Annotated[int, typer.Option(help="Port.")] = 993,
    security: Annotated[ImapSecurity, typer.Option(help="tls, starttls or none.")] = ImapSecurity.TLS,
    folder: Annotated[str, typer.Option(help="Folder to import.")] = "INBOX",
    move_to: Annotated[str | None, typer.Option(help="Move imported mail to this folder (default: leave it).")] = None,
    poll_seconds: Annotated[int, typer.Option(help="Poll interval when the server has no IDLE.")] = 60,
) -> None:
    """Import an existing mailbox into an inbox (non-destructive unless --move-to)."""

    settings = _settings()
    clock = SystemClock()
    try:
        with _database(settings) as database, database.write() as session:
            inbox_id = _email_inbox_id(session.scalars(select(Inbox).where(Inbox.name == inbox)).first(), inbox)
            connect_mailbox(
                session,
                actor=Actor.system(),
                now=clock.now(),
                inbox_id=inbox_id,
                host=host,
                port=port,
                username=username,
                password=password,
                secret_key=settings.secret_key.get_secret_value(),
                security=security,
                folder=folder,
                move_to_folder=move_to,
                poll_seconds=poll_seconds,
            )
    except DomainError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from exc
    err.print(f"inbox {inbox!r} now imports {username}@{host}/{folder}; `switchboard serve` watches it")
