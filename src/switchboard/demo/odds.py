"""Seeded randomness for demo data: repeatable with the same seed, never used for secrets."""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Generic, TypeVar

T = TypeVar("T")


def seeded(seed: int | str) -> random.Random:
    """A generator for demo content; the same seed gives the same workspace."""
    return random.Random(seed)  # noqa: S311 - demo data, not secrets


def chance(rng: random.Random, probability: float) -> bool:
    """True with the given probability."""
    return rng.random() < probability


def lognormal_minutes(rng: random.Random, median: float, spread: float = 0.9) -> timedelta:
    """A waiting time whose median is `median` minutes, with the long right tail real queues show."""
    return timedelta(minutes=median * math.exp(rng.gauss(0.0, spread)))


def activity_weights(rng: random.Random, count: int) -> list[float]:
    """How often each of `count` customers writes: most now and then, a few all the time (log-normal)."""
    return [math.exp(rng.gauss(0.0, 1.0)) for _ in range(count)]


class Weighted(Generic[T]):
    """A fixed weighted choice, prepared once (`random.choices` re-adds the weights per call)."""

    def __init__(self, weights: Mapping[T, float] | Sequence[tuple[T, float]]) -> None:
        pairs = list(weights.items()) if isinstance(weights, Mapping) else list(weights)
        if not pairs or any(weight < 0 for _, weight in pairs):
            raise ValueError("a weighted choice needs options with non-negative weights")
        self.options = [option for option, _ in pairs]
        self._cumulative = list(itertools.accumulate(weight for _, weight in pairs))
        if self._cumulative[-1] <= 0:
            raise ValueError("a weighted choice needs a positive total weight")

    def pick(self, rng: random.Random) -> T:
        index = bisect.bisect_right(self._cumulative, rng.random() * self._cumulative[-1])
        return self.options[min(index, len(self.options) - 1)]
