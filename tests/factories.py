"""Build test data through the real domain actions, so fixtures obey the same rules as users."""

from __future__ import annotations

import itertools
from typing import Any

from switchboard.accounts import actions as accounts
from switchboard.accounts.actor import Actor
from switchboard.accounts.models import Team, User
from switchboard.accounts.roles import Role
from switchboard.channels import actions as channels
from switchboard.channels.models import Channel, Inbox
from switchboard.core.clock import FixedClock
from switchboard.customers import actions as customers
from switchboard.customers.models import Customer, IdentityKind, Organisation
from switchboard.storage.engine import Database
from switchboard.tickets import actions as tickets
from switchboard.tickets.models import Ticket

PASSWORD = "correct horse battery"


class Factory:
    def __init__(self, database: Database, clock: FixedClock) -> None:
        self.database = database
        self.clock = clock
        self._sequence = itertools.count(1)
        self.system = Actor.system()

    def _n(self) -> int:
        return next(self._sequence)

    def user(
        self, role: Role = Role.AGENT, *, email: str | None = None, password: str = PASSWORD, **kwargs: Any
    ) -> User:
        n = self._n()
        with self.database.write() as session:
            return accounts.create_user(
                session,
                actor=self.system,
                now=self.clock.now(),
                email=email or f"{role.value}{n}@example.test",
                name=f"{role.value.title()} {n}",
                role=role,
                password=password,
                **kwargs,
            )

    def customer_user(self, customer: Customer, *, password: str = PASSWORD) -> User:
        return self.user(Role.CUSTOMER, customer_id=customer.id, password=password)

    def token(self, user: User) -> str:
        with self.database.write() as session:
            return accounts.create_api_token(
                session, actor=self.system, now=self.clock.now(), user_id=user.id, name="test"
            ).token

    def auth(self, user: User) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user)}"}

    def team(self, name: str | None = None) -> Team:
        with self.database.write() as session:
            return accounts.create_team(
                session, actor=self.system, now=self.clock.now(), name=name or f"Team {self._n()}"
            )

    def member(self, team: Team, user: User) -> None:
        with self.database.write() as session:
            accounts.add_team_member(session, actor=self.system, team_id=team.id, user_id=user.id)

    def organisation(self, name: str | None = None, domain: str | None = None) -> Organisation:
        with self.database.write() as session:
            return customers.create_organisation(
                session, actor=self.system, now=self.clock.now(), name=name or f"Org {self._n()}", domain=domain
            )

    def customer(self, name: str | None = None, *, email: str | None = None, **kwargs: Any) -> Customer:
        n = self._n()
        with self.database.write() as session:
            return customers.create_customer(
                session,
                actor=self.system,
                now=self.clock.now(),
                name=name or f"Customer {n}",
                identities=[(IdentityKind.EMAIL, email or f"customer{n}@example.test")],
                **kwargs,
            )

    def inbox(self, channel: Channel = Channel.EMAIL, *, name: str | None = None, **kwargs: Any) -> Inbox:
        n = self._n()
        with self.database.write() as session:
            return channels.create_inbox(
                session, actor=self.system, now=self.clock.now(), name=name or f"Inbox {n}", channel=channel, **kwargs
            )

    def ticket(self, customer: Customer | None = None, *, subject: str | None = None, **kwargs: Any) -> Ticket:
        customer = customer or self.customer()
        kwargs.setdefault("channel", Channel.EMAIL)
        with self.database.write() as session:
            return tickets.create_ticket(
                session,
                actor=self.system,
                now=self.clock.now(),
                subject=subject or f"Question {self._n()}",
                body_text="Hello, I need help.",
                customer_id=customer.id,
                **kwargs,
            )
