"""Roles from PRODUCT.md and what each may do. Pure: no database, no framework."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    AGENT = "agent"
    TEAM_LEAD = "team_lead"
    SUPPORT_MANAGER = "support_manager"
    QA_SPECIALIST = "qa_specialist"
    TRAINER = "trainer"
    WORKFORCE_MANAGER = "workforce_manager"
    CX_MANAGER = "cx_manager"
    ADMIN = "admin"
    CUSTOMER = "customer"


class Permission(StrEnum):
    TICKET_VIEW_ALL = "ticket.view_all"
    TICKET_VIEW_OWN = "ticket.view_own"  # a customer's own tickets only
    TICKET_CREATE = "ticket.create"
    TICKET_CREATE_OWN = "ticket.create_own"
    TICKET_UPDATE = "ticket.update"
    TICKET_ASSIGN = "ticket.assign"
    TICKET_REPLY = "ticket.reply"
    TICKET_REPLY_OWN = "ticket.reply_own"  # a customer writing on their own ticket
    TICKET_NOTE = "ticket.note"
    TICKET_MERGE = "ticket.merge"
    TICKET_DELETE = "ticket.delete"
    TICKET_EVENTS_VIEW = "ticket.events_view"
    CUSTOMER_VIEW = "customer.view"
    CUSTOMER_MANAGE = "customer.manage"
    ORGANISATION_MANAGE = "organisation.manage"
    TAG_MANAGE = "tag.manage"
    TEAM_MANAGE = "team.manage"
    INBOX_MANAGE = "inbox.manage"
    FIELD_MANAGE = "field.manage"
    USER_VIEW = "user.view"
    USER_MANAGE = "user.manage"
    ROLE_MANAGE = "role.manage"
    TOKEN_MANAGE_OWN = "token.manage_own"  # noqa: S105 - a permission name, not a secret
    TOKEN_MANAGE_ANY = "token.manage_any"  # noqa: S105 - a permission name, not a secret
    REPORT_VIEW = "report.view"
    WFM_VIEW = "wfm.view"  # forecasts, staffing, every schedule, team adherence
    WFM_MANAGE = "wfm.manage"  # build and publish schedules, set anyone's presence (telephony integrations)
    SCHEDULE_VIEW_OWN = "schedule.view_own"
    PRESENCE_SET_OWN = "presence.set_own"


_P = Permission

_WORK_THE_INBOX = frozenset(
    {
        _P.TICKET_VIEW_ALL,
        _P.TICKET_CREATE,
        _P.TICKET_UPDATE,
        _P.TICKET_ASSIGN,
        _P.TICKET_REPLY,
        _P.TICKET_NOTE,
        _P.TICKET_MERGE,
        _P.TICKET_EVENTS_VIEW,
        _P.CUSTOMER_VIEW,
        _P.CUSTOMER_MANAGE,
        _P.ORGANISATION_MANAGE,
        _P.USER_VIEW,
        _P.TOKEN_MANAGE_OWN,
        _P.SCHEDULE_VIEW_OWN,
        _P.PRESENCE_SET_OWN,
    }
)
# Staff who read conversations and comment internally but do not answer customers.
_READ_AND_NOTE = frozenset(
    {
        _P.TICKET_VIEW_ALL,
        _P.TICKET_NOTE,
        _P.TICKET_EVENTS_VIEW,
        _P.CUSTOMER_VIEW,
        _P.USER_VIEW,
        _P.TOKEN_MANAGE_OWN,
        _P.SCHEDULE_VIEW_OWN,
        _P.PRESENCE_SET_OWN,
    }
)
_REPORTS = frozenset({_P.REPORT_VIEW})
_CONFIGURE_SUPPORT = frozenset({_P.TAG_MANAGE, _P.TEAM_MANAGE, _P.INBOX_MANAGE, _P.FIELD_MANAGE})
_WATCH_STAFFING = frozenset({_P.WFM_VIEW})
_PLAN_STAFFING = frozenset({_P.WFM_VIEW, _P.WFM_MANAGE})

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.AGENT: _WORK_THE_INBOX,
    Role.TEAM_LEAD: _WORK_THE_INBOX | _REPORTS | _WATCH_STAFFING,
    Role.SUPPORT_MANAGER: _WORK_THE_INBOX | _REPORTS | _CONFIGURE_SUPPORT | _WATCH_STAFFING,
    Role.QA_SPECIALIST: _READ_AND_NOTE | _REPORTS,
    Role.TRAINER: _READ_AND_NOTE,
    Role.WORKFORCE_MANAGER: _READ_AND_NOTE | _REPORTS | _PLAN_STAFFING,
    Role.CX_MANAGER: _READ_AND_NOTE | _REPORTS,
    Role.ADMIN: frozenset(Permission) - {_P.TICKET_VIEW_OWN, _P.TICKET_CREATE_OWN, _P.TICKET_REPLY_OWN},
    Role.CUSTOMER: frozenset({_P.TICKET_VIEW_OWN, _P.TICKET_CREATE_OWN, _P.TICKET_REPLY_OWN, _P.TOKEN_MANAGE_OWN}),
}

STAFF_ROLES = frozenset(Role) - {Role.CUSTOMER}


def role_allows(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]
