import pytest
from hypothesis import given
from hypothesis import strategies as st

from switchboard.tickets.states import (
    ALLOWED_TRANSITIONS,
    UNRESOLVED,
    Priority,
    TicketStatus,
    can_transition,
    is_reopen,
)

S = TicketStatus


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.NEW, S.OPEN),
        (S.NEW, S.PENDING),
        (S.NEW, S.ON_HOLD),
        (S.NEW, S.SOLVED),
        (S.OPEN, S.PENDING),
        (S.PENDING, S.OPEN),
        (S.ON_HOLD, S.SOLVED),
        (S.SOLVED, S.OPEN),
        (S.SOLVED, S.CLOSED),
    ],
)
def test_allowed_transitions(current: TicketStatus, target: TicketStatus) -> None:
    assert can_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.OPEN, S.NEW),
        (S.SOLVED, S.PENDING),
        (S.SOLVED, S.NEW),
        (S.CLOSED, S.OPEN),
        (S.CLOSED, S.SOLVED),
        (S.OPEN, S.CLOSED),  # closing goes through solved
        (S.PENDING, S.CLOSED),
    ],
)
def test_refused_transitions(current: TicketStatus, target: TicketStatus) -> None:
    assert not can_transition(current, target)


@given(st.sampled_from(list(TicketStatus)))
def test_no_status_returns_to_new_or_to_itself(status: TicketStatus) -> None:
    assert not can_transition(status, S.NEW)
    assert not can_transition(status, status)


@given(st.sampled_from(list(TicketStatus)), st.sampled_from(list(TicketStatus)))
def test_reopen_is_exactly_solved_to_open(current: TicketStatus, target: TicketStatus) -> None:
    assert is_reopen(current, target) == (current is S.SOLVED and target is S.OPEN)


def test_closed_is_final_and_every_status_has_a_rule() -> None:
    assert set(ALLOWED_TRANSITIONS) == set(TicketStatus)
    assert ALLOWED_TRANSITIONS[S.CLOSED] == frozenset()
    assert frozenset({S.SOLVED, S.CLOSED}).isdisjoint(UNRESOLVED)


def test_every_unresolved_status_can_reach_closed_through_solved() -> None:
    for status in UNRESOLVED:
        assert can_transition(status, S.SOLVED)
    assert can_transition(S.SOLVED, S.CLOSED)


@given(st.sampled_from(list(Priority)))
def test_priority_rank_round_trips_and_orders(priority: Priority) -> None:
    assert Priority.from_rank(priority.rank) is priority
    assert [p.rank for p in (Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT)] == [1, 2, 3, 4]
