"""Means across replications with Student-t confidence intervals."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

# scipy.special's inverse Student-t CDF rather than scipy.stats.t.ppf: the same values, and
# scipy.stats costs about a second to import in every CLI command and web worker.
from scipy.special import stdtrit

CONFIDENCE_LEVEL = 0.95


@dataclass(frozen=True, slots=True)
class Estimate:
    """A metric's mean over the replications in which it was defined, and its 95 % confidence interval.

    With a single defined replication the interval is unbounded (-inf, inf): one day says nothing of the
    spread between days.
    """

    mean: float
    low: float
    high: float
    replications: int

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2

    def contains(self, value: float) -> bool:
        """Whether `value` lies inside the confidence interval (ends included)."""
        return self.low <= value <= self.high


def estimate(values: NDArray[np.float64]) -> Estimate | None:
    """Mean and confidence interval of the finite values (one per replication); None if there are none.

    A metric is undefined (NaN) in a replication that had nothing to measure, e.g. the speed of answer of
    an interval in which no contact was answered; such replications are left out.
    """
    defined = values[np.isfinite(values)]
    count = int(defined.size)
    if count == 0:
        return None
    mean = float(defined.mean())
    if count == 1:
        return Estimate(mean=mean, low=-math.inf, high=math.inf, replications=1)
    # Independent replications of a terminating simulation: mean ± t(n-1, 1-α/2)·s/√n (Law, Simulation
    # Modeling and Analysis, 5th ed., 2015, §9.4.1, the fixed-sample-size procedure).
    quantile = float(stdtrit(count - 1, 0.5 + CONFIDENCE_LEVEL / 2))
    half_width = quantile * float(defined.std(ddof=1)) / math.sqrt(count)
    return Estimate(mean=mean, low=mean - half_width, high=mean + half_width, replications=count)


def estimate_count(values: NDArray[np.float64]) -> Estimate:
    """`estimate` for quantities defined in every replication (counts of contacts)."""
    result = estimate(values)
    if result is None:
        raise ValueError("a count needs at least one replication")
    return result
