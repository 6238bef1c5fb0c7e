"""The demo workspace, created through the named actions, and read back for later bulk runs."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from switchboard.accounts import actions as accounts
from switchboard.accounts.actor import Actor
from switchboard.accounts.models import Team, TeamMember, User
from switchboard.accounts.roles import Role
from switchboard.channels import actions as channels
from switchboard.channels.models import Inbox
from switchboard.customers import actions as customers
from switchboard.customers.models import Customer, CustomerIdentity, CustomerTier, IdentityKind
from switchboard.demo.calendar import OfficeHours
from switchboard.demo.cast import Cast, CustomerRef, InboxRef, StaffRef, TeamRef
from switchboard.demo.catalogue import (
    CUSTOMER_LOGIN_EMAIL,
    CUSTOMER_LOGIN_NAME,
    CUSTOMER_TIMEZONES,
    DEMO_PASSWORD,
    FIELDS,
    FIRST_NAMES,
    INBOXES,
    LANGUAGE_BY_TIMEZONE,
    LAST_NAMES,
    ORGANISATION_TRADES,
    ORGANISATION_WORDS,
    STAFF,
    TAGS,
    TEAMS,
    TIER_WEIGHTS,
)
from switchboard.demo.odds import chance
from switchboard.tickets import actions as tickets
from switchboard.tickets.models import Tag

TICKET_HANDLER_ROLES = (Role.AGENT, Role.TEAM_LEAD)


def create_staff_and_setup(session: Session, *, now: datetime) -> Cast:
    """Teams, staff (hired over the past years), inboxes, custom fields and tags."""
    system = Actor.system()
    first_hire = now - timedelta(days=max(spec.hired_days_ago for spec in STAFF) + 30)
    team_ids = {
        spec.key: accounts.create_team(session, actor=system, now=first_hire, name=spec.name, timezone=spec.timezone).id
        for spec in TEAMS
    }
    users: dict[str, User] = {}
    for spec in STAFF:
        users[spec.name] = accounts.create_user(
            session,
            actor=system,
            now=now - timedelta(days=spec.hired_days_ago),
            email=spec.email,
            name=spec.name,
            role=spec.role,
            password=DEMO_PASSWORD,
            timezone=spec.timezone,
            team_ids=[team_ids[key] for key in spec.team_keys],
        )
    for inbox in INBOXES:
        channels.create_inbox(
            session,
            actor=system,
            now=first_hire,
            name=inbox.name,
            channel=inbox.channel,
            address=inbox.address,
            default_team_id=team_ids[inbox.default_team_key],
        )
    for definition in FIELDS:
        tickets.create_field_definition(
            session,
            actor=system,
            now=first_hire,
            key=definition.key,
            label=definition.label,
            kind=definition.kind,
            options=definition.options,
        )
    for tag in TAGS:
        tickets.create_tag(session, actor=system, name=tag)
    return read_cast(session)


def create_customers(
    session: Session, rng: random.Random, *, now: datetime, organisation_count: int, customer_count: int
) -> None:
    """Organisations with a web domain, their people, some individual customers, and one
    customer who can sign in to the help centre."""
    system = Actor.system()
    organisations: list[tuple[int, str, CustomerTier]] = []
    names = [f"{word} {trade}" for word in ORGANISATION_WORDS for trade in ORGANISATION_TRADES]
    rng.shuffle(names)
    for name in names[:organisation_count]:
        tier = rng.choices(list(TIER_WEIGHTS), weights=list(TIER_WEIGHTS.values()))[0]
        domain = name.lower().replace(" ", "-") + ".example"
        created = now - timedelta(days=rng.uniform(900, 1400))
        organisation = customers.create_organisation(
            session, actor=system, now=created, name=name, domain=domain, tier=tier
        )
        organisations.append((organisation.id, domain, tier))
    zones = [zone for zone, _ in CUSTOMER_TIMEZONES]
    zone_weights = [weight for _, weight in CUSTOMER_TIMEZONES]
    login = customers.create_customer(
        session,
        actor=system,
        now=now - timedelta(days=400),
        name=CUSTOMER_LOGIN_NAME,
        identities=[(IdentityKind.EMAIL, CUSTOMER_LOGIN_EMAIL)],
        language="en",
        timezone="Europe/London",
    )
    # This customer can sign in to the help centre with the demo password.
    accounts.create_user(
        session,
        actor=system,
        now=login.created_at,
        email=CUSTOMER_LOGIN_EMAIL,
        name=login.name,
        role=Role.CUSTOMER,
        password=DEMO_PASSWORD,
        customer_id=login.id,
    )
    used_emails = {CUSTOMER_LOGIN_EMAIL}
    for index in range(customer_count - 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        local_part = f"{first}.{last}".lower().replace("'", "")
        in_organisation = bool(organisations) and chance(rng, 0.7)
        if in_organisation:
            organisation_id, domain, _tier = rng.choice(organisations)
        else:
            organisation_id, domain = None, rng.choice(("mail.example", "inbox.example", "post.example"))
        email = f"{local_part}@{domain}"
        if email in used_emails:
            email = f"{local_part}{index}@{domain}"
        used_emails.add(email)
        timezone = rng.choices(zones, weights=zone_weights)[0]
        identities: list[tuple[IdentityKind, str]] = [(IdentityKind.EMAIL, email)]
        if chance(rng, 0.25):
            identities.append((IdentityKind.CHAT_VISITOR, f"visitor-{rng.getrandbits(40):010x}"))
        if chance(rng, 0.15):
            identities.append((IdentityKind.PHONE, f"+{rng.randrange(10**10, 10**11)}"))
        customers.create_customer(
            session,
            actor=system,
            now=now - timedelta(days=rng.uniform(380, 900)),
            name=f"{first} {last}",
            identities=identities,
            organisation_id=organisation_id,
            language=LANGUAGE_BY_TIMEZONE.get(timezone, "en"),
            timezone=timezone,
        )


def read_cast(session: Session) -> Cast:
    """The workspace as plain values, from whatever the database holds now."""
    tag_ids = {name: tag_id for tag_id, name in session.execute(select(Tag.id, Tag.name))}
    inbox_by_name = {inbox.name: inbox for inbox in session.scalars(select(Inbox))}
    team_by_name = {team.name: team for team in session.scalars(select(Team))}
    spec_by_email = {spec.email: spec for spec in STAFF}
    staff_by_team: dict[int, list[StaffRef]] = {}
    leads: dict[int, StaffRef] = {}
    rows = session.execute(
        select(User, TeamMember.team_id).join(TeamMember, TeamMember.user_id == User.id).where(User.is_active)
    )
    for user, team_id in rows:
        if user.email not in spec_by_email or user.role not in TICKET_HANDLER_ROLES:
            continue
        ref = StaffRef(
            user_id=user.id, name=user.name, role=user.role, timezone=user.timezone, hours=OfficeHours(user.timezone)
        )
        staff_by_team.setdefault(team_id, []).append(ref)
        if user.role is Role.TEAM_LEAD:
            leads[team_id] = ref
    teams: dict[str, TeamRef] = {}
    for spec in TEAMS:
        team = team_by_name[spec.name]
        members = sorted(staff_by_team.get(team.id, []), key=lambda ref: ref.user_id)
        teams[spec.key] = TeamRef(key=spec.key, team_id=team.id, lead=leads[team.id], agents=tuple(members))
    team_key_by_id = {ref.team_id: key for key, ref in teams.items()}
    inboxes = {}
    for inbox_spec in INBOXES:
        inbox = inbox_by_name[inbox_spec.name]
        default_team = team_key_by_id[inbox.default_team_id] if inbox.default_team_id else inbox_spec.default_team_key
        inboxes[inbox_spec.key] = InboxRef(
            key=inbox_spec.key, inbox_id=inbox.id, channel=inbox.channel, default_team_key=default_team
        )
    return Cast(teams=teams, inboxes=inboxes, tag_ids=tag_ids)


def read_customers(session: Session, *, limit: int | None = None) -> tuple[CustomerRef, ...]:
    """Customers with an email identity (the first one each), oldest first."""
    query = (
        select(Customer.id, Customer.name, Customer.timezone, Customer.tier, CustomerIdentity.value)
        .join(CustomerIdentity, CustomerIdentity.customer_id == Customer.id)
        .where(CustomerIdentity.kind == IdentityKind.EMAIL)
        .order_by(Customer.id, CustomerIdentity.id)
    )
    if limit is not None:
        query = query.limit(limit)
    seen: set[int] = set()
    refs: list[CustomerRef] = []
    for customer_id, name, timezone, tier, email in session.execute(query):
        if customer_id in seen:
            continue
        seen.add(customer_id)
        refs.append(CustomerRef(customer_id=customer_id, name=name, email=email, timezone=timezone or "UTC", tier=tier))
    return tuple(refs)
