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


# Rates are 1/duration: below a microsecond they overflow nothing yet mean nothing either.
SHORTEST_DURATION_SECONDS = 1e-6


def require_duration(name: str, value: float) -> float:
    """Return `value` as a float if it is a finite duration > 0 (a handle time, a patience)."""
    number = float(value)
    if not math.isfinite(number) or number < SHORTEST_DURATION_SECONDS:
        raise InvalidQueueInput(
            f"{name} must be a finite number of seconds of at least {SHORTEST_DURATION_SECONDS:g}, got {value!r}"
        )
    return number


# A patience of a million handle times is Erlang C for every practical purpose, and the Erlang A sums
# cost time and memory growing with √(agents × patience / handle time): refuse longer ones.
MAX_PATIENCE_IN_HANDLE_TIMES = 1e6
MIN_PATIENCE_IN_HANDLE_TIMES = 1e-9


def require_patience(patience_seconds: float, *, handle_seconds: float) -> float:
    """Return the patience as a float if it is > 0 and at most a million handle times."""
    patience = require_duration("patience_seconds", patience_seconds)
    if patience < MIN_PATIENCE_IN_HANDLE_TIMES * handle_seconds:
        raise InvalidQueueInput(
            f"patience_seconds={patience_seconds!r} is under {MIN_PATIENCE_IN_HANDLE_TIMES:g} handle times: callers"
            " who hang up at once do not queue; that is Erlang B (blocking), not a waiting line"
        )
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
    if type(value) is int:  # the usual case, without the (slow) protocol check below
        whole = value
    else:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, SupportsIndex):
            raise InvalidQueueInput(f"{name} must be a whole number of {unit}, got {value!r}")
        whole = operator.index(value)
    if whole < 0:
        raise InvalidQueueInput(f"{name} must be >= 0, got {value!r}")
    return whole


# Ten times the largest load the maths is specified for (10,000 Erlangs). Beyond it a request is a
# mistake or an attack: the searches and recursions grow with the number of agents.
MAX_LOAD_ERLANGS = 100_000.0
MAX_AGENTS = 1_000_000


def require_agents(name: str, value: int) -> int:
    """Return `value` as an int if it is a whole number of agents from 0 to `MAX_AGENTS`."""
    agents = require_whole(name, value, unit="agents")
    if agents > MAX_AGENTS:
        raise InvalidQueueInput(f"{name} must be at most {MAX_AGENTS:,}, got {value!r}")
    return agents


def require_load(load_erlangs: float) -> float:
    """The offered load (arrival rate × handle time), if it is within what staffing is computed for."""
    if not load_erlangs <= MAX_LOAD_ERLANGS:
        raise InvalidQueueInput(
            f"the offered load is {load_erlangs:,.0f} Erlangs; staffing is computed up to {MAX_LOAD_ERLANGS:,.0f}"
            " (check the volume, interval and handle time)"
        )
    return load_erlangs
