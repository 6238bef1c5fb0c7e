import pytest

from switchboard.accounts.actor import Actor
from switchboard.accounts.roles import ROLE_PERMISSIONS, STAFF_ROLES, Permission, Role, role_allows
from switchboard.core.errors import PermissionDenied

P = Permission


def test_every_role_has_a_permission_set() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)


@pytest.mark.parametrize("role", sorted(STAFF_ROLES - {Role.ADMIN}))
def test_only_admin_manages_users_roles_and_deletes_tickets(role: Role) -> None:
    for permission in (P.USER_MANAGE, P.ROLE_MANAGE, P.TICKET_DELETE, P.TOKEN_MANAGE_ANY):
        assert not role_allows(role, permission)


def test_admin_can_do_every_staff_thing() -> None:
    for permission in Permission:
        if permission not in (P.TICKET_VIEW_OWN, P.TICKET_CREATE_OWN, P.TICKET_REPLY_OWN):
            assert role_allows(Role.ADMIN, permission)


def test_customer_sees_only_own_things() -> None:
    allowed = ROLE_PERMISSIONS[Role.CUSTOMER]
    assert allowed == {P.TICKET_VIEW_OWN, P.TICKET_CREATE_OWN, P.TICKET_REPLY_OWN, P.TOKEN_MANAGE_OWN}


@pytest.mark.parametrize("role", [Role.AGENT, Role.TEAM_LEAD, Role.SUPPORT_MANAGER])
def test_inbox_workers_reply_note_assign_merge(role: Role) -> None:
    for permission in (P.TICKET_REPLY, P.TICKET_NOTE, P.TICKET_ASSIGN, P.TICKET_MERGE, P.TICKET_CREATE):
        assert role_allows(role, permission)


@pytest.mark.parametrize("role", [Role.QA_SPECIALIST, Role.TRAINER, Role.WORKFORCE_MANAGER, Role.CX_MANAGER])
def test_readers_note_but_do_not_answer_customers(role: Role) -> None:
    assert role_allows(role, P.TICKET_VIEW_ALL)
    assert role_allows(role, P.TICKET_NOTE)
    assert not role_allows(role, P.TICKET_REPLY)
    assert not role_allows(role, P.TICKET_UPDATE)


def test_only_managers_configure_support() -> None:
    for role in Role:
        expected = role in (Role.SUPPORT_MANAGER, Role.ADMIN)
        assert role_allows(role, P.FIELD_MANAGE) is expected
        assert role_allows(role, P.INBOX_MANAGE) is expected


def test_reports_are_for_leads_managers_and_specialists() -> None:
    readers = {r for r in Role if role_allows(r, P.REPORT_VIEW)}
    assert readers == {
        Role.TEAM_LEAD,
        Role.SUPPORT_MANAGER,
        Role.QA_SPECIALIST,
        Role.WORKFORCE_MANAGER,
        Role.CX_MANAGER,
        Role.ADMIN,
    }


def test_actor_require_raises_with_a_clear_message() -> None:
    with pytest.raises(PermissionDenied, match=r"agent role may not ticket\.delete"):
        Actor(user_id=1, role=Role.AGENT).require(P.TICKET_DELETE)
    assert Actor.system().can(P.TICKET_DELETE)


def test_workforce_planning_is_for_the_workforce_manager_and_admin() -> None:
    planners = {r for r in Role if role_allows(r, P.WFM_MANAGE)}
    watchers = {r for r in Role if role_allows(r, P.WFM_VIEW)}
    assert planners == {Role.WORKFORCE_MANAGER, Role.ADMIN}
    assert watchers == planners | {Role.TEAM_LEAD, Role.SUPPORT_MANAGER}


def test_every_staff_member_sees_their_own_schedule_and_sets_their_presence() -> None:
    for role in Role:
        expected = role is not Role.CUSTOMER
        assert role_allows(role, P.SCHEDULE_VIEW_OWN) is expected
        assert role_allows(role, P.PRESENCE_SET_OWN) is expected
