"""Adherence and occupancy against hand-counted timelines (PRODUCT.md definitions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from switchboard.wfm.adherence import (
    PresenceChange,
    PresenceState,
    ScheduledActivity,
    ScheduledSegment,
    is_adherent_now,
    state_at,
    summarise,
)

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
S = PresenceState
A = ScheduledActivity


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def shift() -> list[ScheduledSegment]:
    """08:00–12:00 work with a 15-minute break at 10:00."""
    return [
        ScheduledSegment(at(0), at(120), A.WORK),
        ScheduledSegment(at(120), at(135), A.BREAK),
        ScheduledSegment(at(135), at(240), A.WORK),
    ]


def test_perfect_day_is_fully_adherent() -> None:
    presence = [
        PresenceChange(at(0), S.AVAILABLE),
        PresenceChange(at(120), S.BREAK),
        PresenceChange(at(135), S.HANDLING),
    ]
    summary = summarise(schedule=shift(), presence=presence, window_start=at(0), window_end=at(240))
    assert summary.scheduled_seconds == 240 * 60
    assert summary.adherence == 1.0
    assert summary.out_of_adherence == ()


def test_late_login_and_long_break_are_counted_by_hand() -> None:
    presence = [
        PresenceChange(at(10), S.AVAILABLE),  # 10 minutes late
        PresenceChange(at(30), S.HANDLING),
        PresenceChange(at(90), S.AVAILABLE),
        PresenceChange(at(120), S.BREAK),
        PresenceChange(at(145), S.HANDLING),  # back 10 minutes late
        PresenceChange(at(200), S.AFTER_CONTACT_WORK),
        PresenceChange(at(210), S.AVAILABLE),
    ]
    summary = summarise(schedule=shift(), presence=presence, window_start=at(0), window_end=at(240))
    assert summary.in_adherence_seconds == (240 - 20) * 60
    assert summary.adherence == pytest.approx(220 / 240)
    assert [(e[0], e[1], e[2], e[3]) for e in summary.out_of_adherence] == [
        (at(0), at(10), A.WORK, S.OFFLINE),
        (at(135), at(145), A.WORK, S.BREAK),
    ]
    # Handling 30→90 and 145→210 (ACW counts); staffed adds available 10→30, 90→120, 210→240.
    assert summary.handling_seconds == (60 + 65) * 60
    assert summary.staffed_seconds == (20 + 60 + 30 + 65 + 30) * 60
    assert summary.occupancy == pytest.approx(125 / 205)


def test_logging_out_for_a_planned_break_is_adherent() -> None:
    presence = [
        PresenceChange(at(0), S.AVAILABLE),
        PresenceChange(at(120), S.OFFLINE),
        PresenceChange(at(135), S.AVAILABLE),
    ]
    assert summarise(schedule=shift(), presence=presence, window_start=at(0), window_end=at(240)).adherence == 1.0


def test_working_through_a_break_is_out_of_adherence() -> None:
    presence = [PresenceChange(at(0), S.AVAILABLE)]
    summary = summarise(schedule=shift(), presence=presence, window_start=at(0), window_end=at(240))
    assert summary.adherence == pytest.approx(225 / 240)


def test_no_schedule_means_no_adherence_figure_rather_than_zero() -> None:
    summary = summarise(
        schedule=[], presence=[PresenceChange(at(0), S.HANDLING)], window_start=at(0), window_end=at(60)
    )
    assert summary.adherence is None
    assert summary.occupancy == 1.0


def test_window_cuts_segments_and_presence() -> None:
    presence = [PresenceChange(at(-60), S.AVAILABLE), PresenceChange(at(60), S.OFFLINE)]
    summary = summarise(schedule=shift(), presence=presence, window_start=at(30), window_end=at(90))
    assert summary.scheduled_seconds == 60 * 60
    assert summary.adherence == pytest.approx(0.5)


def test_short_mismatches_stay_in_figures_but_not_in_the_exception_list() -> None:
    presence = [PresenceChange(at(1), S.AVAILABLE)]
    summary = summarise(
        schedule=[ScheduledSegment(at(0), at(60), A.WORK)],
        presence=presence,
        window_start=at(0),
        window_end=at(60),
        minimum_exception=timedelta(minutes=2),
    )
    assert summary.adherence == pytest.approx(59 / 60)
    assert summary.out_of_adherence == ()


def test_live_adherence_and_state_at() -> None:
    presence = [PresenceChange(at(0), S.AVAILABLE), PresenceChange(at(125), S.HANDLING)]
    assert is_adherent_now(schedule=shift(), presence=presence, now=at(60)) is True
    assert is_adherent_now(schedule=shift(), presence=presence, now=at(130)) is False
    assert is_adherent_now(schedule=shift(), presence=presence, now=at(300)) is None
    assert state_at(presence, at(-1)) is S.OFFLINE
    assert state_at(presence, at(125)) is S.HANDLING


def test_empty_window_is_refused() -> None:
    with pytest.raises(ValueError, match="end after"):
        summarise(schedule=[], presence=[], window_start=at(5), window_end=at(5))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-30, 300), st.sampled_from(list(PresenceState))), max_size=12),
    st.integers(0, 200),
    st.integers(1, 300),
)
def test_figures_stay_within_their_bounds(raw: list[tuple[int, PresenceState]], start: int, length: int) -> None:
    presence = [PresenceChange(at(minute), state) for minute, state in raw]
    summary = summarise(schedule=shift(), presence=presence, window_start=at(start), window_end=at(start + length))
    assert 0 <= summary.in_adherence_seconds <= summary.scheduled_seconds <= length * 60
    assert 0 <= summary.handling_seconds <= summary.staffed_seconds <= length * 60
    out = sum((end - begin).total_seconds() for begin, end, _, _ in summary.out_of_adherence)
    assert summary.in_adherence_seconds + out == pytest.approx(summary.scheduled_seconds)
