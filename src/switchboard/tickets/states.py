"""Ticket status, priority and the allowed status transitions. Pure."""

from __future__ import annotations

from enum import StrEnum


class TicketStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"  # waiting on the customer; SLA clocks pause
    ON_HOLD = "on_hold"  # waiting on a third party
    SOLVED = "solved"
    CLOSED = "closed"  # final; a later message starts a follow-up ticket


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        return _PRIORITY_RANK[self]

    @classmethod
    def from_rank(cls, rank: int) -> Priority:
        return _RANK_PRIORITY[rank]


_PRIORITY_RANK = {Priority.LOW: 1, Priority.NORMAL: 2, Priority.HIGH: 3, Priority.URGENT: 4}
_RANK_PRIORITY = {rank: priority for priority, rank in _PRIORITY_RANK.items()}

_S = TicketStatus
_WORKING = {_S.OPEN, _S.PENDING, _S.ON_HOLD, _S.SOLVED}

ALLOWED_TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    _S.NEW: frozenset(_WORKING),
    _S.OPEN: frozenset(_WORKING - {_S.OPEN}),
    _S.PENDING: frozenset(_WORKING - {_S.PENDING}),
    _S.ON_HOLD: frozenset(_WORKING - {_S.ON_HOLD}),
    _S.SOLVED: frozenset({_S.OPEN, _S.CLOSED}),  # solved -> open is a reopen
    _S.CLOSED: frozenset(),
}

UNRESOLVED = frozenset({_S.NEW, _S.OPEN, _S.PENDING, _S.ON_HOLD})


def can_transition(current: TicketStatus, target: TicketStatus) -> bool:
    return target in ALLOWED_TRANSITIONS[current]


def is_reopen(current: TicketStatus, target: TicketStatus) -> bool:
    return current is TicketStatus.SOLVED and target is TicketStatus.OPEN
