"""Erlang B (loss) and Erlang C (delay) without factorials: stable from 0.01 to beyond 10,000 Erlangs.

Erlang B is computed either by the classical recursion B(n) = A·B(n−1) / (n + A·B(n−1)) or, for many
agents, in one step as a truncated Poisson ratio B(n) = p(n) / P(N <= n), N ~ Poisson(A), with the
Poisson tail from the regularised incomplete gamma function (Jagerman 1974, "Some properties of the
Erlang loss function", Bell System Technical Journal 53(3):525-551, which gives both forms). Both are
exact; the tests hold them to each other and to an exact rational sum.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy.special import gammaincc, gammaln

from switchboard.wfm.erlang.errors import require_agents, require_rate

# Below this many agents the recursion is as fast as the closed form and needs no special function.
RECURSION_MAX_AGENTS = 64
# P(N <= n) smaller than this is too close to underflow to divide by: fall back to the recursion.
SMALLEST_POISSON_TAIL = 1e-280
# From here on the Stirling series (below) is used for ln Γ(x+1) so large logarithms do not cancel.
STIRLING_MIN_ARGUMENT = 30.0
# ln Γ(x+1) − (x ln x − x + ½ ln 2πx) = Σ c_k / x^(2k−1): Abramowitz & Stegun (1964), eq. 6.1.41.
# Five terms leave an error below 1e-19 at x = 30.
STIRLING_COEFFICIENTS = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188)
HALF_LOG_TWO_PI = 0.5 * math.log(2 * math.pi)


def _stirling_correction(shape: float) -> float:
    inverse_square = 1.0 / (shape * shape)
    total, power = 0.0, 1.0 / shape
    for coefficient in STIRLING_COEFFICIENTS:
        total += coefficient * power
        power *= inverse_square
    return total


def log_poisson_density(shape: float, mean: float) -> float:
    """ln(mean^shape · e^−mean / Γ(shape + 1)): the Poisson log-probability, for real shape >= 0.

    Written as shape·(ln(1+z) − z) − ½ ln(2π·shape) − Stirling correction, z = (mean − shape)/shape, so
    that two numbers of size shape·ln(shape) never cancel: the absolute error stays near 1e-16·|mean − shape|.
    """
    if mean == 0:
        return 0.0 if shape == 0 else -math.inf
    if shape < STIRLING_MIN_ARGUMENT:
        return shape * math.log(mean) - mean - math.lgamma(shape + 1)
    relative_gap = (mean - shape) / shape
    return (
        shape * (math.log1p(relative_gap) - relative_gap)
        - HALF_LOG_TWO_PI
        - 0.5 * math.log(shape)
        - _stirling_correction(shape)
    )


def log_poisson_densities(shapes: NDArray[np.float64], mean: float) -> NDArray[np.float64]:
    """`log_poisson_density` for an array of shapes (mean > 0): one vectorised pass."""
    large = np.maximum(shapes, STIRLING_MIN_ARGUMENT)
    relative_gap = (mean - large) / large
    inverse_square = 1.0 / (large * large)
    correction = np.zeros_like(large)
    power = 1.0 / large
    for coefficient in STIRLING_COEFFICIENTS:
        correction += coefficient * power
        power = power * inverse_square
    stirling = large * (np.log1p(relative_gap) - relative_gap) - HALF_LOG_TWO_PI - 0.5 * np.log(large) - correction
    direct = shapes * math.log(mean) - mean - gammaln(shapes + 1)
    result: NDArray[np.float64] = np.where(shapes < STIRLING_MIN_ARGUMENT, direct, stirling)
    return result


def erlang_b_by_recursion(load_erlangs: float, agents: int) -> float:
    """Erlang B by the recursion B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1)).

    The forward recursion only multiplies and divides positive numbers, so it neither overflows nor
    loses accuracy (Jagerman 1974; Koole, "Call Center Optimization", 2013, chapter on Erlang formulas).
    """
    blocking = 1.0
    for servers in range(1, agents + 1):
        blocking = load_erlangs * blocking / (servers + load_erlangs * blocking)
    return blocking


def erlang_b_by_poisson_tail(load_erlangs: float, agents: int) -> float | None:
    """Erlang B as p(n) / P(N <= n), N ~ Poisson(load), in O(1); None where P(N <= n) nears underflow."""
    tail = float(gammaincc(agents + 1, load_erlangs))  # P(N <= n) = Q(n + 1, A)
    if tail < SMALLEST_POISSON_TAIL:
        return None
    return math.exp(log_poisson_density(float(agents), load_erlangs) - math.log(tail))


def erlang_b(load_erlangs: float, agents: int) -> float:
    """Blocking probability of an M/M/n/n loss system offered `load_erlangs` (Erlang's first formula).

    B(A, 0) = 1; B(0, n) = 0 for n >= 1. Exact to rounding for any load up to well beyond 10,000 Erlangs.
    """
    load = require_rate("load_erlangs", load_erlangs)
    servers = require_agents("agents", agents)
    if servers == 0:
        return 1.0
    if load == 0:
        return 0.0
    if servers > RECURSION_MAX_AGENTS:
        closed_form = erlang_b_by_poisson_tail(load, servers)
        if closed_form is not None:
            return closed_form
    return erlang_b_by_recursion(load, servers)


def probability_wait_from_blocking(*, utilisation: float, blocking: float) -> float:
    """Erlang C from Erlang B: C = B / (1 − ρ(1 − B)), for utilisation ρ = A/n < 1.

    The identity follows from the M/M/n balance equations (Cooper, "Introduction to Queueing Theory",
    2nd ed., 1981, chapter 3; Gans, Koole & Mandelbaum 2003) and holds for any birth–death queue whose
    departure rate is constant once all servers are busy, which is how the chat model reuses it.
    """
    return blocking / (1.0 - utilisation * (1.0 - blocking))


def erlang_c(load_erlangs: float, agents: int) -> float:
    """Probability that a caller waits in an M/M/n queue (Erlang's second formula).

    1.0 when load >= agents (the queue is unstable: everyone waits); 0.0 when nothing arrives.
    """
    load = require_rate("load_erlangs", load_erlangs)
    servers = require_agents("agents", agents)
    if load == 0:
        return 0.0
    if load >= servers:
        return 1.0
    return probability_wait_from_blocking(utilisation=load / servers, blocking=erlang_b(load, servers))
