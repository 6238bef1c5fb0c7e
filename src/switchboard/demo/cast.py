"""The people and places ticket plots draw on, as plain values (ids already in the database)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from switchboard.accounts.roles import Role
from switchboard.channels.models import Channel
from switchboard.customers.models import CustomerTier
from switchboard.demo.calendar import OfficeHours


@dataclass(frozen=True, slots=True)
class StaffRef:
    user_id: int
    name: str
    role: Role
    timezone: str
    hours: OfficeHours

    @property
    def first_name(self) -> str:
        return self.name.split()[0]


@dataclass(frozen=True, slots=True)
class TeamRef:
    key: str
    team_id: int
    lead: StaffRef
    agents: tuple[StaffRef, ...]

    def pick_agent(self, rng: random.Random, moment: datetime) -> StaffRef:
        """Someone on shift at `moment` if anyone is (follow-the-sun teams), else anyone."""
        on_shift = [agent for agent in self.agents if agent.hours.is_open(moment)]
        return rng.choice(on_shift or list(self.agents))


@dataclass(frozen=True, slots=True)
class InboxRef:
    key: str
    inbox_id: int
    channel: Channel
    default_team_key: str


@dataclass(frozen=True, slots=True)
class CustomerRef:
    customer_id: int
    name: str
    email: str
    timezone: str
    tier: CustomerTier

    @property
    def first_name(self) -> str:
        return self.name.split()[0]

    @property
    def email_domain(self) -> str:
        return self.email.rsplit("@", 1)[1]


@dataclass(frozen=True, slots=True)
class Cast:
    teams: dict[str, TeamRef]
    inboxes: dict[str, InboxRef]
    tag_ids: dict[str, int]
    customers: tuple[CustomerRef, ...] = ()
    # How often each customer writes, relative to the others (same order as `customers`).
    customer_weights: tuple[float, ...] = field(default=())

    def with_customers(self, customers: tuple[CustomerRef, ...], weights: tuple[float, ...]) -> Cast:
        return Cast(
            teams=self.teams, inboxes=self.inboxes, tag_ids=self.tag_ids, customers=customers, customer_weights=weights
        )
