"""Sums over the waiting line of an M/M/n+M queue (Erlang A), via A(x, y) = M(1; x + 1; y).

While every agent is busy, the stationary probability of j callers waiting is proportional to
t_j = y^j / ((x+1)(x+2)···(x+j)), with x = nμ/θ and y = λ/θ (λ arrival rate, μ service rate per agent,
θ = 1/mean patience). Their sum is the function of Mandelbaum & Zeltyn, "The M/M/n+G queue: summary of
performance measures" (Technion technical note), section on exponential patience, and of Garnett, Mandelbaum &
Reiman (2002), "Designing a call center with impatient customers", MSOM 4(3):208-227:

    A(x, y) = x·e^y·y^−x·γ(x, y) = Σ_{j>=0} t_j      (γ: lower incomplete gamma function)

Evaluated two ways so that nothing overflows or cancels:
- y <= x (fewer arrivals than agents can serve): the series itself; its terms fall at least like
  (y/(x+1))^j and like exp(−j²/2(x+j)), so the cut-off below leaves a tail under e^−45 of the sum;
- y > x: ln A = ln P(x, y) − ln p(x; y), P the regularised incomplete gamma function (here >= ~½,
  so it cannot underflow) and p the Poisson density computed without cancellation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import digamma, gammainc

from switchboard.wfm.erlang.erlang_b_c import log_poisson_densities, log_poisson_density

# The series stops once the remaining terms are below e^−45 (about 3e-20) of the first.
SERIES_TAIL_EXPONENT = 45.0
# ... or after 12·√x + 80 terms, where exp(−j²/2(x+j)) is below e^−45 whatever y <= x.
GAUSSIAN_TERMS_PER_ROOT = 12.0
GAUSSIAN_TERMS_OFFSET = 80.0
# For y > x the waiting-line weights are Poisson(y) probabilities: 12 standard deviations
# (plus a margin for small y) hold all but e^−60 of their mass.
POISSON_WINDOW_DEVIATIONS = 12.0
POISSON_WINDOW_MARGIN = 40.0
# math.exp overflows above ~709.78.
LARGEST_EXP_ARGUMENT = 700.0
# Up to this many terms a plain Python loop costs less than numpy's per-call overhead (a staffing
# search at a few Erlangs sums some 10-30 terms a dozen times; numpy spends ~10 µs per sum there).
PYTHON_SERIES_MAX_TERMS = 96
# The Python loop stops as soon as a bound on the rest of the series is below this share of the
# sum so far: under half a unit in the last place, so the result is what the full sum would give.
PYTHON_SERIES_RELATIVE_TAIL = 2.0**-54


@dataclass(frozen=True, slots=True)
class WaitingLineSums:
    """A(x, y) in the forms the Erlang A measures need."""

    log_total: float  # ln A(x, y)
    excess: float  # A(x, y) − 1, exactly (math.inf when A overflows)
    mean_length: float  # Σ j·t_j / A: mean number waiting, given that every agent is busy

    @property
    def busy_share(self) -> float:
        """1 − 1/A(x, y), without cancellation when A is close to 1."""
        return -math.expm1(-self.log_total)


def _series_length(x: float, y: float) -> int:
    """How many terms t_1, t_2, … of the series for y <= x hold all but e^−45 of it."""
    first_ratio = y / (x + 1.0)
    geometric_terms = SERIES_TAIL_EXPONENT / -math.log(first_ratio) if first_ratio < 1.0 else math.inf
    gaussian_terms = GAUSSIAN_TERMS_PER_ROOT * math.sqrt(x) + GAUSSIAN_TERMS_OFFSET
    return max(1, math.ceil(min(geometric_terms, gaussian_terms)))


def _short_series_sums(x: float, y: float, count: int) -> tuple[float, float]:
    """(Σ t_j, Σ j·t_j) over j >= 1 for y <= x in plain Python, stopped once the rest cannot
    change the sums: with ratios q_j = y/(x + j + 1) < 1 falling in j, the terms after t_j add at
    most t_j·q/(1 − q) (a geometric bound) to Σ t_j, and the terms are positive and falling, so the
    plain running sums are as accurate as numpy's pairwise ones."""
    term, total, weighted = 1.0, 0.0, 0.0
    ratio = y / (x + 1.0)
    for position in range(1, count + 1):
        term *= ratio
        total += term
        weighted += position * term
        ratio = y / (x + position + 1.0)
        if term * ratio <= PYTHON_SERIES_RELATIVE_TAIL * (1.0 - ratio) * total:
            break
    return total, weighted


def _series_terms(x: float, y: float) -> NDArray[np.float64]:
    """t_1, t_2, … for y <= x, cut where the rest is negligible (see module docstring)."""
    count = _series_length(x, y)
    positions = np.arange(1, count + 1, dtype=np.float64)
    terms: NDArray[np.float64] = np.cumprod(y / (x + positions), dtype=np.float64)
    return terms


def _closed_form_log_total(x: float, y: float) -> float:
    return math.log(float(gammainc(x, y))) - log_poisson_density(x, y)


def waiting_line_sums(x: float, y: float) -> WaitingLineSums:
    """A(x, y), A − 1 and the mean waiting-line length given all busy, for x >= 0, y >= 0."""
    if y == 0:
        return WaitingLineSums(log_total=0.0, excess=0.0, mean_length=0.0)
    if x == 0:  # no agents: the line is Poisson(y) and A = e^y
        excess = math.expm1(y) if y < LARGEST_EXP_ARGUMENT else math.inf
        return WaitingLineSums(log_total=y, excess=excess, mean_length=y)
    if y <= x:
        count = _series_length(x, y)
        if count <= PYTHON_SERIES_MAX_TERMS:
            excess, weighted_sum = _short_series_sums(x, y, count)
            return WaitingLineSums(
                log_total=math.log1p(excess), excess=excess, mean_length=weighted_sum / (1.0 + excess)
            )
        terms = _series_terms(x, y)
        excess = float(terms.sum())
        total = 1.0 + excess
        weighted = float(np.dot(np.arange(1, terms.size + 1, dtype=np.float64), terms))
        return WaitingLineSums(log_total=math.log1p(excess), excess=excess, mean_length=weighted / total)
    log_total = _closed_form_log_total(x, y)
    excess = math.expm1(log_total) if log_total < LARGEST_EXP_ARGUMENT else math.inf
    # Σ j·t_j = x·(1 − (1 − y/x)·A) (shift the series by one term); no cancellation once y > x.
    return WaitingLineSums(log_total=log_total, excess=excess, mean_length=y - x + x * math.exp(-log_total))


def answered_wait_sum(x: float, y: float) -> float:
    """θ · E[wait; answered | all agents busy on arrival] for the Erlang A queue.

    A caller who finds j others waiting is answered after j+1 exponential stages of rates θ(x+i),
    i = 0…j, if patience (rate θ) lasts; by the stage Laplace transforms
    E[V·e^{−θV}] = x/(x+j+1) · Σ_{i=0..j} 1/(θ(x+i+1)). This averages that over the line's weights
    t_j / A; no closed form exists, so it is summed (in numpy) over the terms that matter.
    """
    if y == 0 or x == 0:
        return 0.0
    if y <= x:
        count = _series_length(x, y)
        if count <= PYTHON_SERIES_MAX_TERMS:
            return _short_answered_wait_sum(x, y, count)
        terms = np.concatenate(([1.0], _series_terms(x, y)))
        weights = terms / terms.sum()
        positions = np.arange(terms.size, dtype=np.float64)
        harmonic = np.cumsum(1.0 / (x + 1.0 + positions))
    else:
        # Weights t_j / A = p(x + j; y) / P(x, y): Poisson(y) probabilities restricted to shapes >= x.
        spread = POISSON_WINDOW_DEVIATIONS * math.sqrt(y) + POISSON_WINDOW_MARGIN
        first = max(0, math.floor(y - x - spread))
        last = math.ceil(y - x + spread)
        positions = np.arange(first, last + 1, dtype=np.float64)
        log_tail = math.log(float(gammainc(x, y)))
        weights = np.exp(log_poisson_densities(x + positions, y) - log_tail)
        harmonic = digamma(x + positions + 2.0) - digamma(x + 1.0)
    return float(np.dot(weights, x / (x + positions + 1.0) * harmonic))


def _short_answered_wait_sum(x: float, y: float, count: int) -> float:
    """`answered_wait_sum` for y <= x in plain Python, over the terms `_short_series_sums` keeps."""
    harmonic = 1.0 / (x + 1.0)
    weighted = x / (x + 1.0) * harmonic  # j = 0, weight t_0 = 1
    term, total = 1.0, 1.0
    ratio = y / (x + 1.0)
    for position in range(1, count + 1):
        term *= ratio
        total += term
        harmonic += 1.0 / (x + 1.0 + position)
        ratio = y / (x + position + 1.0)
        weighted += term * x / (x + position + 1.0) * harmonic
        if term * ratio <= PYTHON_SERIES_RELATIVE_TAIL * (1.0 - ratio) * total:
            break
    return weighted / total
