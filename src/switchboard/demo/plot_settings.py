"""How demo conversations tend to go: outcome mixes and the rates of optional turns.

The demo wants rich histories (notes, questions, escalations, reopens); benchmark bulk
runs want lean ones (about two messages per ticket) with a standing backlog.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from switchboard.demo.odds import Weighted


class Outcome(StrEnum):
    RESOLVED = "resolved"
    AWAITING_CUSTOMER = "awaiting_customer"  # pending
    ON_HOLD = "on_hold"  # waiting on a third party
    IN_PROGRESS = "in_progress"  # open, assigned
    QUEUED = "queued"  # open, back in a team's queue without an assignee
    UNTOUCHED = "untouched"  # new: nobody has looked at it yet


@dataclass(frozen=True, slots=True)
class PlotSettings:
    """Rates of the optional turns a conversation takes (probabilities per ticket)."""

    recent_outcomes: Weighted[Outcome]  # for tickets younger than two weeks
    older_outcomes: Weighted[Outcome]
    intake_tag_rate: float
    form_field_rate: float  # web-form and API tickets that name their product area
    triage_field_rate: float  # other tickets whose product area triage fills in
    chat_prerouting_rate: float  # chats whose pre-chat form sends them to the right team at once
    resolution_tag_rate: float
    assign_at_intake_rate: float  # skills routing picks the agent on arrival (no separate event)
    auto_acknowledgement_rate: float  # web-form tickets answered automatically on arrival
    question_rate: float  # the agent needs more information first
    note_rate: float
    priority_bump_rate: float
    escalation_factor: float  # scales each topic's own escalation rate
    reopen_rate: float  # "it's happening again"
    thanks_rate: float  # a thank-you that reopens the solved ticket
    duplicate_rate: float  # the customer writes twice; the copy is merged


DEMO_PLOTS = PlotSettings(
    recent_outcomes=Weighted(
        {
            Outcome.RESOLVED: 80,
            Outcome.AWAITING_CUSTOMER: 6,
            Outcome.ON_HOLD: 3,
            Outcome.IN_PROGRESS: 5,
            Outcome.QUEUED: 4,
            Outcome.UNTOUCHED: 2,
        }
    ),
    older_outcomes=Weighted(
        {
            Outcome.RESOLVED: 95,
            Outcome.AWAITING_CUSTOMER: 1.5,
            Outcome.ON_HOLD: 1,
            Outcome.IN_PROGRESS: 1,
            Outcome.QUEUED: 1,
            Outcome.UNTOUCHED: 0.5,
        }
    ),
    intake_tag_rate=0.9,
    form_field_rate=1.0,
    triage_field_rate=0.4,
    chat_prerouting_rate=0.5,
    resolution_tag_rate=0.6,
    assign_at_intake_rate=0.0,
    auto_acknowledgement_rate=0.8,
    question_rate=0.3,
    note_rate=0.2,
    priority_bump_rate=0.05,
    escalation_factor=1.0,
    reopen_rate=0.05,
    thanks_rate=0.04,
    duplicate_rate=0.015,
)

_BULK_OUTCOMES = Weighted(
    {
        Outcome.RESOLVED: 82,
        Outcome.AWAITING_CUSTOMER: 3,
        Outcome.ON_HOLD: 2,
        Outcome.IN_PROGRESS: 4,
        Outcome.QUEUED: 6,
        Outcome.UNTOUCHED: 3,
    }
)
# Benchmark volume: leaner histories (about two messages per ticket) and a standing
# backlog, so that "open and unassigned in one team" is a slice of a few percent.
BULK_PLOTS = PlotSettings(
    recent_outcomes=_BULK_OUTCOMES,
    older_outcomes=_BULK_OUTCOMES,
    intake_tag_rate=0.35,
    form_field_rate=0.3,
    triage_field_rate=0.05,
    chat_prerouting_rate=0.95,
    resolution_tag_rate=0.1,
    assign_at_intake_rate=0.85,
    auto_acknowledgement_rate=0.0,
    question_rate=0.1,
    note_rate=0.04,
    priority_bump_rate=0.02,
    escalation_factor=0.3,
    reopen_rate=0.02,
    thanks_rate=0.01,
    duplicate_rate=0.003,
)
