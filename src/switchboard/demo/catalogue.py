"""Who and what the demo workspace holds: staff, teams, inboxes, fields, tags, customer names.

The demo company is "Lumen", a booking and scheduling service with a web app, mobile
apps and an API, supported from London, Berlin, New York, Los Angeles and Manila.
"""

from __future__ import annotations

from dataclasses import dataclass

from switchboard.accounts.roles import Role
from switchboard.channels.models import Channel
from switchboard.customers.models import CustomerTier
from switchboard.tickets.models import FieldKind

DEMO_DOMAIN = "demo.switchboard.test"
DEMO_PASSWORD = "switchboard-demo"  # noqa: S105 - a published demo password, on demo accounts only
SUPPORT_SIGNATURE = "Lumen Support"


class TeamKey:
    """Stable keys the ticket plots use to refer to teams, whatever their database ids."""

    TIER_ONE = "tier1"
    BILLING = "billing"
    TECHNICAL = "technical"
    VIP = "vip"


@dataclass(frozen=True, slots=True)
class TeamSpec:
    key: str
    name: str
    timezone: str


TEAMS: tuple[TeamSpec, ...] = (
    TeamSpec(TeamKey.TIER_ONE, "Tier 1", "Europe/London"),
    TeamSpec(TeamKey.BILLING, "Billing", "Europe/Berlin"),
    TeamSpec(TeamKey.TECHNICAL, "Technical", "America/New_York"),
    TeamSpec(TeamKey.VIP, "VIP", "Europe/London"),
)


@dataclass(frozen=True, slots=True)
class StaffSpec:
    name: str
    role: Role
    timezone: str
    team_keys: tuple[str, ...] = ()
    # Whole years and months before the demo starts; a roster with real tenure.
    hired_days_ago: int = 540

    @property
    def email(self) -> str:
        local_part = self.name.lower().replace(" ", ".").replace("'", "")
        return f"{local_part}@{DEMO_DOMAIN}"


_T1, _BI, _TE, _VIP = TeamKey.TIER_ONE, TeamKey.BILLING, TeamKey.TECHNICAL, TeamKey.VIP

# Tier 1 follows the sun (Manila, London, New York); specialists work their own office hours.
STAFF: tuple[StaffSpec, ...] = (
    StaffSpec("Priya Raman", Role.ADMIN, "Europe/London", hired_days_ago=1310),
    StaffSpec("Daniel Whitfield", Role.SUPPORT_MANAGER, "Europe/London", hired_days_ago=1180),
    StaffSpec("Grace Lim", Role.WORKFORCE_MANAGER, "Asia/Manila", hired_days_ago=860),
    StaffSpec("Marcus Bell", Role.CX_MANAGER, "America/New_York", hired_days_ago=720),
    StaffSpec("Ingrid Sorensen", Role.QA_SPECIALIST, "Europe/Berlin", hired_days_ago=640),
    StaffSpec("Paolo Reyes", Role.QA_SPECIALIST, "Asia/Manila", hired_days_ago=455),
    StaffSpec("Hannah Cole", Role.TRAINER, "America/Los_Angeles", hired_days_ago=800),
    StaffSpec("Oliver Grant", Role.TEAM_LEAD, "Europe/London", (_T1,), hired_days_ago=1020),
    StaffSpec("Sophie Wagner", Role.TEAM_LEAD, "Europe/Berlin", (_BI,), hired_days_ago=930),
    StaffSpec("Jamal Carter", Role.TEAM_LEAD, "America/New_York", (_TE,), hired_days_ago=990),
    StaffSpec("Charlotte Hughes", Role.TEAM_LEAD, "Europe/London", (_VIP,), hired_days_ago=870),
    StaffSpec("Amara Okafor", Role.AGENT, "Europe/London", (_T1,), hired_days_ago=610),
    StaffSpec("Miguel Santos", Role.AGENT, "Asia/Manila", (_T1,), hired_days_ago=520),
    StaffSpec("Joy Villanueva", Role.AGENT, "Asia/Manila", (_T1,), hired_days_ago=390),
    StaffSpec("Tyler Brooks", Role.AGENT, "America/New_York", (_T1,), hired_days_ago=430),
    StaffSpec("Aisha Khan", Role.AGENT, "America/Los_Angeles", (_T1,), hired_days_ago=400),
    StaffSpec("Lukas Becker", Role.AGENT, "Europe/Berlin", (_T1, _BI), hired_days_ago=700),
    StaffSpec("Emma Schulz", Role.AGENT, "Europe/Berlin", (_BI,), hired_days_ago=560),
    StaffSpec("Noah Fischer", Role.AGENT, "Europe/Berlin", (_BI,), hired_days_ago=380),
    StaffSpec("Chloe Martin", Role.AGENT, "Europe/London", (_BI,), hired_days_ago=470),
    StaffSpec("Ethan Nguyen", Role.AGENT, "America/Los_Angeles", (_TE,), hired_days_ago=690),
    StaffSpec("Rosa Delgado", Role.AGENT, "America/New_York", (_TE,), hired_days_ago=600),
    StaffSpec("Kenji Watanabe", Role.AGENT, "America/Los_Angeles", (_TE,), hired_days_ago=410),
    StaffSpec("Fiona O'Brien", Role.AGENT, "Europe/London", (_VIP,), hired_days_ago=750),
    StaffSpec("David Cohen", Role.AGENT, "America/New_York", (_VIP,), hired_days_ago=665),
)

# The login printed for each role (the customer login is created with the customers).
LOGIN_NAME_BY_ROLE: dict[Role, str] = {
    Role.AGENT: "Amara Okafor",
    Role.TEAM_LEAD: "Oliver Grant",
    Role.SUPPORT_MANAGER: "Daniel Whitfield",
    Role.QA_SPECIALIST: "Ingrid Sorensen",
    Role.TRAINER: "Hannah Cole",
    Role.WORKFORCE_MANAGER: "Grace Lim",
    Role.CX_MANAGER: "Marcus Bell",
    Role.ADMIN: "Priya Raman",
}
CUSTOMER_LOGIN_NAME = "Jamie Rivera"
CUSTOMER_LOGIN_EMAIL = "jamie.rivera@mail.example"
ADMIN_EMAIL = next(s.email for s in STAFF if s.name == LOGIN_NAME_BY_ROLE[Role.ADMIN])


@dataclass(frozen=True, slots=True)
class InboxSpec:
    key: str
    name: str
    channel: Channel
    address: str | None
    default_team_key: str


INBOXES: tuple[InboxSpec, ...] = (
    # The address scripts and docs rely on (issue 3): mail to it reaches `make run`.
    InboxSpec("support_email", "Support email", Channel.EMAIL, "support@example.test", _T1),
    InboxSpec("billing_email", "Billing email", Channel.EMAIL, f"billing@{DEMO_DOMAIN}", _BI),
    InboxSpec("vip_email", "Enterprise desk", Channel.EMAIL, f"enterprise@{DEMO_DOMAIN}", _VIP),
    InboxSpec("website_chat", "Website chat", Channel.CHAT, None, _T1),
    InboxSpec("contact_form", "Contact form", Channel.WEB, None, _T1),
    InboxSpec("partner_api", "Partner API", Channel.API, None, _TE),
)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    key: str
    label: str
    kind: FieldKind
    options: tuple[str, ...] = ()


PRODUCT_AREAS = ("account", "billing", "web_app", "mobile_app", "integrations")
FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("product_area", "Product area", FieldKind.SELECT, PRODUCT_AREAS),
    FieldSpec("order_number", "Order or invoice number", FieldKind.TEXT),
    FieldSpec("seats", "Licensed seats", FieldKind.NUMBER),
    FieldSpec("renewal_date", "Contract renewal date", FieldKind.DATE),
)

# Customers' home time zones and how many of them live there (weights).
CUSTOMER_TIMEZONES: tuple[tuple[str, float], ...] = (
    ("Europe/London", 20),
    ("America/New_York", 20),
    ("Europe/Berlin", 14),
    ("America/Los_Angeles", 12),
    ("Europe/Paris", 8),
    ("America/Chicago", 8),
    ("Australia/Sydney", 6),
    ("Asia/Manila", 5),
    ("Asia/Tokyo", 4),
    ("America/Sao_Paulo", 3),
)
LANGUAGE_BY_TIMEZONE = {
    "Europe/Berlin": "de",
    "Europe/Paris": "fr",
    "Asia/Tokyo": "ja",
    "America/Sao_Paulo": "pt",
}

FIRST_NAMES = (
    "Olivia",
    "Liam",
    "Maya",
    "Lucas",
    "Isabella",
    "Mateo",
    "Zara",
    "Ethan",
    "Chloe",
    "Arjun",
    "Sofia",
    "Kwame",
    "Hana",
    "Felix",
    "Leah",
    "Omar",
    "Nina",
    "Jonas",
    "Elena",
    "Ravi",
    "Grace",
    "Tomás",
    "Aiko",
    "Ben",
    "Clara",
    "Diego",
    "Fatima",
    "George",
    "Ines",
    "Jack",
    "Kaito",
    "Laura",
    "Malik",
    "Nora",
    "Oscar",
    "Paula",
    "Quinn",
    "Rosa",
    "Samuel",
    "Tara",
    "Umar",
    "Vera",
    "William",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Anna",
    "Bilal",
    "Camila",
    "Dev",
    "Erik",
    "Freya",
    "Gabriel",
    "Helena",
    "Ivan",
    "Julia",
    "Kofi",
    "Lina",
    "Marco",
    "Noor",
    "Pedro",
    "Rachel",
    "Sven",
    "Thandiwe",
    "Victor",
    "Wen",
    "Yara",
    "Amelia",
    "Hugo",
    "Mei",
)
LAST_NAMES = (
    "Smith",
    "Johnson",
    "Müller",
    "Garcia",
    "Okafor",
    "Nakamura",
    "Rossi",
    "Dubois",
    "Kowalski",
    "Silva",
    "Patel",
    "Chen",
    "Andersson",
    "O'Connor",
    "Haddad",
    "Novak",
    "Jensen",
    "Santos",
    "Kim",
    "Schmidt",
    "Brown",
    "Tanaka",
    "Lopez",
    "Martin",
    "Singh",
    "Walker",
    "Weber",
    "Costa",
    "Ivanova",
    "Murphy",
    "Nguyen",
    "Fischer",
    "Mensah",
    "Moreau",
    "Hughes",
    "Ali",
    "Bauer",
    "Reyes",
    "Larsen",
    "Cohen",
    "Park",
    "Romero",
    "Wright",
    "Lindqvist",
    "Hoffmann",
    "Adeyemi",
    "Bianchi",
    "Evans",
    "Sato",
    "Torres",
)
# Organisation names: a distinctive word and a trade.
ORGANISATION_WORDS = (
    "Northwind",
    "Bluebird",
    "Harbour",
    "Copperleaf",
    "Juniper",
    "Redwood",
    "Silverline",
    "Brightwater",
    "Oakridge",
    "Meridian",
    "Kestrel",
    "Lakeside",
    "Summit",
    "Evergreen",
    "Foxglove",
    "Granite",
    "Highland",
    "Ironbridge",
    "Larkspur",
    "Maple",
    "Nimbus",
    "Orchard",
    "Pinecrest",
    "Riverstone",
    "Saffron",
    "Thistle",
    "Willow",
    "Aurora",
    "Beacon",
    "Cobalt",
)
ORGANISATION_TRADES = (
    "Dental",
    "Physio",
    "Yoga Studio",
    "Veterinary Clinic",
    "Salon",
    "Fitness",
    "Tutoring",
    "Law",
    "Coworking",
    "Driving School",
    "Photography",
    "Spa",
    "Music School",
    "Consulting",
    "Climbing Gym",
)

TAGS = (
    "login",
    "password_reset",
    "how_to",
    "data_export",
    "account",
    "mobile",
    "bug",
    "feature_request",
    "billing",
    "double_charge",
    "refund",
    "invoice",
    "plan_change",
    "churn_risk",
    "payment_failed",
    "api",
    "rate_limit",
    "sso",
    "sync",
    "webhooks",
    "outage",
    "performance",
    "vip",
    "seats",
    "escalated",
    "positive_feedback",
    "duplicate",
)

TIER_WEIGHTS: dict[CustomerTier, float] = {
    CustomerTier.STANDARD: 70,
    CustomerTier.PREMIUM: 22,
    CustomerTier.ENTERPRISE: 8,
}
