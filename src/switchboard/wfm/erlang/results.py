"""What the queueing maths takes as targets and gives back: plain frozen values, seconds throughout."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from switchboard.wfm.erlang.errors import (
    InvalidQueueInput,
    require_duration,
    require_fraction,
    require_threshold,
)


class ServiceLevelDefinition(StrEnum):
    """How a service level counts callers who hang up. Without abandonment (Erlang C) all three agree.

    Gans, Koole & Mandelbaum (2003), "Telephone call centers: tutorial, review and research prospects",
    MSOM 5(2):79-141, and Jouini, Koole & Roubos (2013), "Performance indicators for call centers with
    impatient customers", IIE Transactions 45(3), discuss these conventions; which one a desk reports
    changes the staffing, so every output names the one it used.
    """

    ANSWERED_WITHIN_OVER_OFFERED = "answered_within_threshold_over_offered"
    ANSWERED_WITHIN_OVER_ANSWERED = "answered_within_threshold_over_answered"
    SHORT_ABANDONS_MET = "answered_or_abandoned_within_threshold_over_offered"


@dataclass(frozen=True, slots=True)
class QueueMetrics:
    """Steady-state performance of one queue at a given number of agents.

    `model` is "erlang_c" or "erlang_a" (phone), "chat_erlang_c" or "chat_erlang_a" (chat with
    concurrency, see `switchboard.wfm.workload`). `asa_seconds` is the mean wait of answered contacts;
    `mean_wait_all_seconds` averages over every offered contact, abandoned ones included.
    """

    model: str
    agents: int
    arrival_rate: float
    aht_seconds: float
    patience_seconds: float | None
    threshold_seconds: float
    load_erlangs: float
    stable: bool
    probability_wait: float
    service_level: float
    service_level_definition: ServiceLevelDefinition
    service_levels: Mapping[ServiceLevelDefinition, float]
    asa_seconds: float
    mean_wait_all_seconds: float
    occupancy: float
    abandon_rate: float


@dataclass(frozen=True, slots=True)
class StaffingTargets:
    """Targets that a number of agents must all meet; leave out (None) the ones that do not apply.

    Fractions are in (0, 1]: `service_level=0.8, threshold_seconds=20` is "80/20".
    `max_abandon_rate` only bites when a patience is given (Erlang A); Erlang C assumes nobody hangs up.
    """

    service_level: float | None = None
    threshold_seconds: float | None = None
    service_level_definition: ServiceLevelDefinition = ServiceLevelDefinition.ANSWERED_WITHIN_OVER_OFFERED
    asa_seconds: float | None = None
    max_occupancy: float | None = None
    max_abandon_rate: float | None = None

    def __post_init__(self) -> None:
        if self.service_level is not None:
            require_fraction("service_level", self.service_level)
            if self.threshold_seconds is None:
                raise InvalidQueueInput("a service_level target needs threshold_seconds (e.g. 80% within 20 s)")
        if self.threshold_seconds is not None:
            require_threshold("threshold_seconds", self.threshold_seconds)
        if self.asa_seconds is not None:
            require_duration("asa_seconds", self.asa_seconds)
        if self.max_occupancy is not None:
            require_fraction("max_occupancy", self.max_occupancy)
        if self.max_abandon_rate is not None:
            require_fraction("max_abandon_rate", self.max_abandon_rate)
        if not isinstance(self.service_level_definition, ServiceLevelDefinition):
            raise InvalidQueueInput(f"unknown service_level_definition {self.service_level_definition!r}")

    @property
    def is_empty(self) -> bool:
        """True when no target at all is set (nothing to staff for)."""
        return all(
            target is None
            for target in (self.service_level, self.asa_seconds, self.max_occupancy, self.max_abandon_rate)
        )


@dataclass(frozen=True, slots=True)
class StaffingResult:
    """The fewest agents meeting every target, the metrics there, and what decided the number.

    `binding_target` is the target that failed at one agent fewer ("service_level", "asa", "occupancy",
    "abandon_rate"), or the floor the search started from ("stability": Erlang C needs more agents than
    Erlangs of load; "at_least_one_agent"; "no_demand" when nothing arrives).
    """

    agents: int
    metrics: QueueMetrics
    binding_target: str
    warnings: tuple[str, ...]
