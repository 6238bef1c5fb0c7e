"""Stored workforce data: agent presence, schedules with their shifts and planned activities.

Forecasts and staffing plans are not stored: they are recomputed from the ticket history
and the targets when asked (seconds), so they never go stale. Schedules are stored
because agents plan their lives around a published one.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Enum, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from switchboard.storage.base import Base, PortableJSON
from switchboard.wfm.adherence import PresenceState, ScheduledActivity


def _values(enum: type[StrEnum]) -> list[str]:
    return [member.value for member in enum]


PresenceStateType = Enum(PresenceState, name="presence_state", native_enum=False, length=32, values_callable=_values)
ScheduledActivityType = Enum(
    ScheduledActivity, name="scheduled_activity", native_enum=False, length=16, values_callable=_values
)


class ScheduleStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"  # replaced or taken back; kept for the history of what was planned


ScheduleStatusType = Enum(ScheduleStatus, name="schedule_status", native_enum=False, length=16, values_callable=_values)


class PresenceChangeRecord(Base):
    """An agent's presence from `started_at` until their next change (a step function)."""

    __tablename__ = "presence_changes"
    __table_args__ = (Index("ix_presence_changes_user_started", "user_id", "started_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    state: Mapped[PresenceState] = mapped_column(PresenceStateType)
    started_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(32))  # "web", "api", "voice", "chat"…


class Schedule(Base):
    """A solved schedule for a horizon; only published ones reach agents."""

    __tablename__ = "wfm_schedules"
    __table_args__ = (Index("ix_wfm_schedules_status_starts", "status", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    status: Mapped[ScheduleStatus] = mapped_column(ScheduleStatusType)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    interval_minutes: Mapped[int] = mapped_column(Integer)
    # The requirement the solver covered, per interval, so coverage can be charted later.
    required_agents: Mapped[list[float]] = mapped_column(PortableJSON)
    # Solver report: status, objective, bound, relative gap, seconds, model size.
    solve_report: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    optimality_gap: Mapped[float | None] = mapped_column(Float)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    published_at: Mapped[datetime | None]

    shifts: Mapped[list[Shift]] = relationship(
        back_populates="schedule", cascade="all, delete-orphan", order_by="Shift.starts_at"
    )


class Shift(Base):
    __tablename__ = "wfm_shifts"
    __table_args__ = (
        Index("ix_wfm_shifts_user_starts", "user_id", "starts_at"),
        Index("ix_wfm_shifts_schedule", "schedule_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("wfm_schedules.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    template: Mapped[str] = mapped_column(String(120))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]

    schedule: Mapped[Schedule] = relationship(back_populates="shifts")
    activities: Mapped[list[ShiftActivity]] = relationship(
        back_populates="shift", cascade="all, delete-orphan", order_by="ShiftActivity.starts_at"
    )


class ShiftActivity(Base):
    """A planned stretch away from contacts inside a shift (break, lunch, meeting)."""

    __tablename__ = "wfm_shift_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("wfm_shifts.id", ondelete="CASCADE"), index=True)
    activity: Mapped[ScheduledActivity] = mapped_column(ScheduledActivityType)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]

    shift: Mapped[Shift] = relationship(back_populates="activities")
