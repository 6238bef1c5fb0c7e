"""What a simulation plays: arrivals and agents per interval, handle time, patience and the threshold."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

from switchboard.wfm.erlang import ServiceLevelDefinition

# At ±1 the arrival rate falls to zero at one end of the interval; beyond, it would turn negative.
MAX_WITHIN_INTERVAL_RAMP = 1.0
EXPONENTIAL_COEFFICIENT_OF_VARIATION = 1.0


class InvalidScenario(ValueError):
    """A scenario the simulation cannot play, with a message saying which input is wrong."""


class DurationShape(StrEnum):
    EXPONENTIAL = "exponential"
    LOGNORMAL = "lognormal"
    DETERMINISTIC = "deterministic"


@dataclass(frozen=True, slots=True, kw_only=True)
class DurationDistribution:
    """A distribution of handle times or of caller patience, given by its mean and coefficient of variation.

    Build one with `exponential`, `lognormal` or `deterministic`; the coefficient of variation is fixed by
    the shape for the first and last.
    """

    shape: DurationShape
    mean_seconds: float
    coefficient_of_variation: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.mean_seconds) and self.mean_seconds > 0):
            raise InvalidScenario(f"a mean duration must be positive and finite, got {self.mean_seconds}")
        expected_variation = {
            DurationShape.EXPONENTIAL: EXPONENTIAL_COEFFICIENT_OF_VARIATION,
            DurationShape.DETERMINISTIC: 0.0,
        }.get(self.shape)
        if expected_variation is not None and self.coefficient_of_variation != expected_variation:
            raise InvalidScenario(
                f"a {self.shape} duration has coefficient of variation {expected_variation}, "
                f"got {self.coefficient_of_variation}"
            )
        positive_variation = math.isfinite(self.coefficient_of_variation) and self.coefficient_of_variation > 0
        if self.shape is DurationShape.LOGNORMAL and not positive_variation:
            raise InvalidScenario(
                f"a lognormal duration needs a positive coefficient of variation, got {self.coefficient_of_variation}"
            )

    @classmethod
    def exponential(cls, mean_seconds: float) -> DurationDistribution:
        return cls(
            shape=DurationShape.EXPONENTIAL,
            mean_seconds=mean_seconds,
            coefficient_of_variation=EXPONENTIAL_COEFFICIENT_OF_VARIATION,
        )

    @classmethod
    def lognormal(cls, *, mean_seconds: float, coefficient_of_variation: float) -> DurationDistribution:
        return cls(
            shape=DurationShape.LOGNORMAL, mean_seconds=mean_seconds, coefficient_of_variation=coefficient_of_variation
        )

    @classmethod
    def deterministic(cls, seconds: float) -> DurationDistribution:
        return cls(shape=DurationShape.DETERMINISTIC, mean_seconds=seconds, coefficient_of_variation=0.0)

    def sample(self, generator: np.random.Generator, size: int) -> NDArray[np.float64]:
        """`size` independent durations in seconds, all positive."""
        if self.shape is DurationShape.EXPONENTIAL:
            return generator.exponential(self.mean_seconds, size)
        if self.shape is DurationShape.DETERMINISTIC:
            return np.full(size, self.mean_seconds)
        # Lognormal moments (Johnson, Kotz & Balakrishnan, Continuous Univariate Distributions, vol. 1, 2nd ed.,
        # 1994, ch. 14): mean = exp(mu + sigma²/2) and CV² = exp(sigma²) - 1, solved here for mu and sigma.
        # Brown et al. (2005), "Statistical analysis of a telephone call center", JASA 100(469), found call
        # handle times close to lognormal, which is why this shape is offered.
        sigma_squared = math.log1p(self.coefficient_of_variation**2)
        mu = math.log(self.mean_seconds) - sigma_squared / 2
        return generator.lognormal(mu, math.sqrt(sigma_squared), size)


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    """A day (or any run of equal intervals) to simulate.

    `contacts_per_interval[k]` is the expected number of contacts offered in interval k (Poisson);
    `agents_per_interval[k]` the agents staffed in it. `within_interval_ramp` r in [-1, 1] tilts the
    arrival rate inside every interval linearly from (1 - r) to (1 + r) times the interval's mean, keeping
    the volume; 0 is Erlang's constant rate. The first `warm_up_intervals` are simulated but left out of
    the day's totals (they stay in the per-interval breakdown).
    """

    interval_seconds: float
    contacts_per_interval: tuple[float, ...]
    agents_per_interval: tuple[int, ...]
    handle_time: DurationDistribution
    threshold_seconds: float
    patience: DurationDistribution | None = None
    service_level_definition: ServiceLevelDefinition = ServiceLevelDefinition.ANSWERED_WITHIN_OVER_OFFERED
    within_interval_ramp: float = 0.0
    warm_up_intervals: int = 0

    def __post_init__(self) -> None:
        # Frozen dataclass: coerce sequences (a caller may pass lists) once, here.
        object.__setattr__(self, "contacts_per_interval", tuple(float(v) for v in self.contacts_per_interval))
        object.__setattr__(self, "agents_per_interval", tuple(self.agents_per_interval))
        if not (math.isfinite(self.interval_seconds) and self.interval_seconds > 0):
            raise InvalidScenario(f"interval length must be positive, got {self.interval_seconds} seconds")
        if not self.contacts_per_interval:
            raise InvalidScenario("a scenario needs at least one interval")
        if len(self.agents_per_interval) != len(self.contacts_per_interval):
            raise InvalidScenario(
                f"{len(self.contacts_per_interval)} intervals of volume but {len(self.agents_per_interval)} of agents"
            )
        if any(not (math.isfinite(v) and v >= 0) for v in self.contacts_per_interval):
            raise InvalidScenario("contacts per interval must be finite and not negative")
        if not all(_is_whole_number(agents) for agents in self.agents_per_interval):
            raise InvalidScenario("agents per interval must be whole numbers, not negative")
        object.__setattr__(self, "agents_per_interval", tuple(int(a) for a in self.agents_per_interval))
        if not (math.isfinite(self.threshold_seconds) and self.threshold_seconds >= 0):
            raise InvalidScenario(f"service-level threshold must be 0 or more seconds, got {self.threshold_seconds}")
        if not abs(self.within_interval_ramp) <= MAX_WITHIN_INTERVAL_RAMP:
            raise InvalidScenario(f"within-interval ramp must lie in [-1, 1], got {self.within_interval_ramp}")
        if not 0 <= self.warm_up_intervals < len(self.contacts_per_interval):
            raise InvalidScenario(
                f"warm-up must leave at least one interval to report, got {self.warm_up_intervals} "
                f"of {len(self.contacts_per_interval)}"
            )

    @classmethod
    def steady(
        cls,
        *,
        arrival_rate: float,
        agents: int,
        handle_time: DurationDistribution,
        threshold_seconds: float,
        intervals: int,
        interval_seconds: float,
        patience: DurationDistribution | None = None,
        warm_up_intervals: int = 0,
    ) -> Scenario:
        """Constant arrival rate (per second, as the Erlang module takes it) and constant staffing."""
        return cls(
            interval_seconds=interval_seconds,
            contacts_per_interval=(arrival_rate * interval_seconds,) * intervals,
            agents_per_interval=(agents,) * intervals,
            handle_time=handle_time,
            threshold_seconds=threshold_seconds,
            patience=patience,
            warm_up_intervals=warm_up_intervals,
        )

    @property
    def intervals(self) -> int:
        return len(self.contacts_per_interval)

    @property
    def close_seconds(self) -> float:
        """When the last interval ends (arrivals stop)."""
        return self.intervals * self.interval_seconds

    def arrival_rate(self, interval: int) -> float:
        """The interval's mean arrival rate per second."""
        return self.contacts_per_interval[interval] / self.interval_seconds


def _is_whole_number(value: object) -> bool:
    """A count of agents: an int (numpy's too) of 0 or more, not a bool or a float."""
    return isinstance(value, int | np.integer) and not isinstance(value, bool) and bool(value >= 0)
