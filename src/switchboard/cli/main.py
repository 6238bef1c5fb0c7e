"""`switchboard` commands: serve, db upgrade, demo, user, token, mail, import, wfm."""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from switchboard.accounts import actions as accounts
from switchboard.accounts import queries as account_queries
from switchboard.accounts.actor import Actor
from switchboard.accounts.roles import Role
from switchboard.cli.common import _database, _settings, err
from switchboard.cli.email import import_app, mail_app, mailbox_app
from switchboard.cli.wfm import wfm_app
from switchboard.core.clock import SystemClock
from switchboard.core.errors import DomainError
from switchboard.storage.migrate import upgrade_to_head

app = typer.Typer(help="Switchboard help desk and contact-centre workbench.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="Agents, managers and other accounts.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
app.add_typer(import_app, name="import")
app.add_typer(mail_app, name="mail")
app.add_typer(mailbox_app, name="mailbox")
app.add_typer(wfm_app, name="wfm")


def _fail(exc: DomainError) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc.message}")
    return typer.Exit(1)


@app.command()
def serve(
    demo: Annotated[bool, typer.Option(help="Load the demo data first unless it is already there.")] = False,
) -> None:
    """Serve the agent app and the API (and, as channels arrive, their listeners)."""
    import uvicorn

    from switchboard.web.app import create_app

    settings = _settings()
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    with _database(settings, migrate=settings.migrate_on_start) as database:
        if demo:
            from switchboard.demo.loader import DEMO_LOGINS, load_demo

            summary = load_demo(database, clock=SystemClock(), console=err)
            err.print(summary)
            err.print(f"\n[bold]Demo logins[/bold] (password for all: [cyan]{DEMO_LOGINS.password}[/cyan])")
            for role, email in DEMO_LOGINS.by_role:
                err.print(f"  {role:<18} {email}")
        err.print(f"\nSwitchboard on [bold]http://{settings.host}:{settings.port}[/bold]  (API docs: /api/docs)\n")
        application = create_app(settings, database=database)
        uvicorn.run(application, host=settings.host, port=settings.port, log_level=settings.log_level, access_log=False)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations."""
    settings = _settings()
    with _database(settings, migrate=False) as database:
        upgrade_to_head(database.engine)
    err.print("database is up to date")


@app.command()
def demo(
    tickets: Annotated[int | None, typer.Option(min=0, max=50_000_000, help="Bulk tickets to generate.")] = None,
    seed: Annotated[int, typer.Option(help="Random seed, for repeatable data.")] = 7,
) -> None:
    """Load the demo workspace; with --tickets N, add N generated tickets in bulk."""
    from switchboard.demo.loader import load_demo

    settings = _settings()
    with _database(settings) as database:
        summary = load_demo(database, clock=SystemClock(), console=err, bulk_tickets=tickets, seed=seed)
    err.print(summary)


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option(help="Login email.")],
    name: Annotated[str, typer.Option(help="Display name.")],
    role: Annotated[Role, typer.Option(help="Role.")] = Role.AGENT,
    password: Annotated[str | None, typer.Option(help="Password (at least 10 characters).")] = None,
    timezone: Annotated[str, typer.Option(help="IANA time zone.")] = "UTC",
) -> None:
    """Create a staff account."""
    settings = _settings()
    clock = SystemClock()
    try:
        with _database(settings) as database, database.write() as session:
            user = accounts.create_user(
                session,
                actor=Actor.system(),
                now=clock.now(),
                email=email,
                name=name,
                role=role,
                password=password,
                timezone=timezone,
            )
            user_id = user.id
    except DomainError as exc:
        raise _fail(exc) from exc
    typer.echo(f"created user {user_id} {email.strip().lower()} ({role.value})")


@user_app.command("list")
def user_list() -> None:
    """List staff accounts."""
    settings = _settings()
    with _database(settings) as database, database.read() as session:
        for user in account_queries.list_users(session, actor=Actor.system()):
            state = "active" if user.is_active else "inactive"
            typer.echo(f"{user.id}\t{user.email}\t{user.name}\t{user.role.value}\t{state}")


@token_app.command("create")
def token_create(
    email: Annotated[str, typer.Option(help="Email of the user the token acts as.")],
    name: Annotated[str, typer.Option(help="A label to recognise the token by.")] = "cli",
) -> None:
    """Create an API token and print it alone on stdout (it is not shown again)."""
    settings = _settings()
    clock = SystemClock()
    try:
        with _database(settings) as database, database.write() as session:
            user = account_queries.find_user_by_email(session, email)
            if user is None:
                err.print(f"[red]error:[/red] no user with email {email}")
                raise typer.Exit(1)
            issued = accounts.create_api_token(
                session, actor=Actor.system(), now=clock.now(), user_id=user.id, name=name
            )
            token = issued.token
    except DomainError as exc:
        raise _fail(exc) from exc
    sys.stdout.write(token + "\n")


if __name__ == "__main__":
    app()
