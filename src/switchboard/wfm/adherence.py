"""Adherence and occupancy from agent presence against the published schedule. Pure.

Definitions (PRODUCT.md, "KPI definitions"):
- **Adherence** = time in the scheduled state / scheduled time. Scheduled time is every
  minute of a published shift, breaks included; the agent is *in* the scheduled state
  when their presence matches the activity planned for that minute (`STATES_MEETING`).
- **Occupancy** = handling time / staffed available time, where handling is
  `HANDLING` plus `AFTER_CONTACT_WORK`, and staffed available time adds `AVAILABLE`
  (logged in and ready). Time outside shifts counts too: occupancy is about the work,
  not the plan.

Presence is a step function: each change holds until the next one. Before an agent's
first known change the state is `OFFLINE` (nothing says they were working).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class PresenceState(StrEnum):
    OFFLINE = "offline"
    AVAILABLE = "available"  # logged in, ready for the next contact
    HANDLING = "handling"  # on a call, in a chat, working a ticket
    AFTER_CONTACT_WORK = "after_contact_work"  # wrap-up
    BREAK = "break"
    LUNCH = "lunch"
    MEETING = "meeting"  # coaching, training, team meetings: planned time away from contacts


class ScheduledActivity(StrEnum):
    WORK = "work"
    BREAK = "break"
    LUNCH = "lunch"
    MEETING = "meeting"


_READY = frozenset({PresenceState.AVAILABLE, PresenceState.HANDLING, PresenceState.AFTER_CONTACT_WORK})
_AWAY = frozenset({PresenceState.BREAK, PresenceState.LUNCH, PresenceState.OFFLINE})
# Being logged out during a planned break or lunch is adherent: many teams log out to eat.
STATES_MEETING: dict[ScheduledActivity, frozenset[PresenceState]] = {
    ScheduledActivity.WORK: _READY,
    ScheduledActivity.BREAK: _AWAY,
    ScheduledActivity.LUNCH: _AWAY,
    ScheduledActivity.MEETING: frozenset({PresenceState.MEETING}),
}
HANDLING_STATES = frozenset({PresenceState.HANDLING, PresenceState.AFTER_CONTACT_WORK})
STAFFED_STATES = _READY


@dataclass(frozen=True, slots=True)
class ScheduledSegment:
    """A stretch of one planned activity; segments of one agent do not overlap."""

    starts_at: datetime
    ends_at: datetime
    activity: ScheduledActivity


@dataclass(frozen=True, slots=True)
class PresenceChange:
    at: datetime
    state: PresenceState


@dataclass(frozen=True, slots=True)
class AdherenceSummary:
    """One agent over one window. Durations in seconds."""

    scheduled_seconds: float
    in_adherence_seconds: float
    handling_seconds: float
    staffed_seconds: float
    out_of_adherence: tuple[tuple[datetime, datetime, ScheduledActivity, PresenceState], ...]

    @property
    def adherence(self) -> float | None:
        """None when nothing was scheduled: 0 % would accuse an agent who had the day off."""
        return self.in_adherence_seconds / self.scheduled_seconds if self.scheduled_seconds else None

    @property
    def occupancy(self) -> float | None:
        return self.handling_seconds / self.staffed_seconds if self.staffed_seconds else None


@dataclass(frozen=True, slots=True)
class _Presence:
    starts_at: datetime
    ends_at: datetime
    state: PresenceState


def _presence_spans(
    changes: Sequence[PresenceChange], *, window_start: datetime, window_end: datetime
) -> list[_Presence]:
    """The presence step function cut to the window, as consecutive spans covering it."""
    ordered = sorted(changes, key=lambda change: change.at)
    state = PresenceState.OFFLINE
    cursor = window_start
    spans: list[_Presence] = []
    for change in ordered:
        if change.at <= window_start:
            state = change.state
            continue
        if change.at >= window_end:
            break
        spans.append(_Presence(cursor, change.at, state))
        cursor, state = change.at, change.state
    spans.append(_Presence(cursor, window_end, state))
    return [span for span in spans if span.ends_at > span.starts_at]


def _overlap(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> float:
    return max(0.0, (min(a_end, b_end) - max(a_start, b_start)).total_seconds())


def summarise(
    *,
    schedule: Iterable[ScheduledSegment],
    presence: Sequence[PresenceChange],
    window_start: datetime,
    window_end: datetime,
    minimum_exception: timedelta = timedelta(0),
) -> AdherenceSummary:
    """Adherence and occupancy of one agent between `window_start` and `window_end`.

    `minimum_exception` leaves out of the exception list (not out of the figures)
    mismatches shorter than it, e.g. a minute's lateness back from a break.
    """
    if window_end <= window_start:
        raise ValueError("the window must end after it starts")
    spans = _presence_spans(presence, window_start=window_start, window_end=window_end)
    segments = sorted(
        (segment for segment in schedule if segment.ends_at > window_start and segment.starts_at < window_end),
        key=lambda segment: segment.starts_at,
    )
    scheduled = in_state = 0.0
    exceptions: list[tuple[datetime, datetime, ScheduledActivity, PresenceState]] = []
    for segment in segments:
        start, end = max(segment.starts_at, window_start), min(segment.ends_at, window_end)
        scheduled += (end - start).total_seconds()
        for span in spans:
            seconds = _overlap(start, end, span.starts_at, span.ends_at)
            if not seconds:
                continue
            if span.state in STATES_MEETING[segment.activity]:
                in_state += seconds
            elif seconds >= minimum_exception.total_seconds():
                exceptions.append((max(start, span.starts_at), min(end, span.ends_at), segment.activity, span.state))
    handling = sum((span.ends_at - span.starts_at).total_seconds() for span in spans if span.state in HANDLING_STATES)
    staffed = sum((span.ends_at - span.starts_at).total_seconds() for span in spans if span.state in STAFFED_STATES)
    return AdherenceSummary(
        scheduled_seconds=scheduled,
        in_adherence_seconds=in_state,
        handling_seconds=handling,
        staffed_seconds=staffed,
        out_of_adherence=tuple(exceptions),
    )


def scheduled_activity_at(schedule: Iterable[ScheduledSegment], moment: datetime) -> ScheduledActivity | None:
    """What the agent should be doing at `moment`; None outside every shift."""
    for segment in schedule:
        if segment.starts_at <= moment < segment.ends_at:
            return segment.activity
    return None


def state_at(presence: Sequence[PresenceChange], moment: datetime) -> PresenceState:
    """The agent's presence at `moment` (OFFLINE before their first change)."""
    state = PresenceState.OFFLINE
    for change in sorted(presence, key=lambda change: change.at):
        if change.at > moment:
            break
        state = change.state
    return state


def is_adherent_now(
    *, schedule: Iterable[ScheduledSegment], presence: Sequence[PresenceChange], now: datetime
) -> bool | None:
    """Live adherence: None when the agent is not scheduled now."""
    activity = scheduled_activity_at(schedule, now)
    if activity is None:
        return None
    return state_at(presence, now) in STATES_MEETING[activity]
