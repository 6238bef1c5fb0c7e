"""The one error the queueing maths raises, and the checks that raise it.

Every check names the parameter and the value it refused, so the CLI can print the message as it is.
"""

from __future__ import annotations

import math
import operator
from typing import SupportsIndex

from switchboard.core.errors import ValidationFailed


class InvalidQueueInput(ValidationFailed, ValueError):
    """An input the queueing formulas cannot take (negative rate, zero handle time, target over 100 %...).

    It is a `ValueError` for callers that know nothing of Switchboard, and a `ValidationFailed` so the
    web layer answers 422 with the message.
    """

    code = "invalid_queue_input"


def require_rate(name: str, value: float) -> float:
    """Return `value` as a float if it is a finite rate or volume >= 0."""
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise InvalidQueueInput(f"{name} must be a finite number >= 0, got {value!r}")
    return number


def require_duration(name: str, value: float) -> float:
    """Return `value` as a float if it is a finite duration > 0 (a handle time, a patience)."""
    number = float(value)
    if not math.isfinite(number) or number <= 0:
        raise InvalidQueueInput(f"{name} must be a finite number of seconds > 0, got {value!r}")
    return number


# A patience of a million handle times is Erlang C for every practical purpose, and the Erlang A sums
# cost time and memory growing with √(agents × patience / handle time): refuse longer ones.
MAX_PATIENCE_IN_HANDLE_TIMES = 1e6


def require_patience(patience_seconds: float, *, handle_seconds: float) -> float:
    """Return the patience as a float if it is > 0 and at most a million handle times."""
    patience = require_duration("patience_seconds", patience_seconds)
    if patience > MAX_PATIENCE_IN_HANDLE_TIMES * handle_seconds:
        raise InvalidQueueInput(
            f"patience_seconds={patience_seconds!r} is over {MAX_PATIENCE_IN_HANDLE_TIMES:g} handle times:"
            " callers that patient never hang up; leave the patience out (Erlang C)"
        )
    return patience


def require_threshold(name: str, value: float) -> float:
    """Return `value` as a float if it is a finite waiting-time threshold >= 0."""
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise InvalidQueueInput(f"{name} must be a finite number of seconds >= 0, got {value!r}")
    return number


def require_fraction(name: str, value: float) -> float:
    """Return `value` as a float if it is a fraction in (0, 1] (a target: 0.8 means 80 %)."""
    number = float(value)
    if not (0 < number <= 1):  # also refuses NaN
        raise InvalidQueueInput(f"{name} must be a fraction in (0, 1] (0.8 means 80%), got {value!r}")
    return number


def require_whole(name: str, value: object, *, unit: str) -> int:
    """Return `value` as an int if it is a whole number >= 0 of `unit` (integral floats accepted, bools not)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, SupportsIndex):
        raise InvalidQueueInput(f"{name} must be a whole number of {unit}, got {value!r}")
    whole = operator.index(value)
    if whole < 0:
        raise InvalidQueueInput(f"{name} must be >= 0, got {value!r}")
    return whole


def require_agents(name: str, value: int) -> int:
    """Return `value` as an int if it is a whole number of agents >= 0."""
    return require_whole(name, value, unit="agents")
