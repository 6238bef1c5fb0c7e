"""Waiting-time measures of a queue whose departure rate is constant once every server is busy.

Both phone models and the chat model reduce to three numbers: the arrival rate λ, the departure rate
D while all servers are busy (n agents × service rate for phone), and `blocking`, the probability of
"all busy" in the same chain cut off at that state (Erlang B for phone). Above that state the queue is
a birth–death chain with deaths D (Erlang C) or D + jθ (Erlang A, exponential patience of mean 1/θ).

Sources, next to each formula below: Erlang C — Gans, Koole & Mandelbaum (2003), "Telephone call
centers: tutorial, review and research prospects", MSOM 5(2):79-141, section on the Erlang C model;
Erlang A — Mandelbaum & Zeltyn, "The M/M/n+G queue: summary of performance measures" (Technion
technical note), exponential-patience case, and Garnett, Mandelbaum & Reiman (2002), MSOM 4(3):208-227.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from switchboard.wfm.erlang.erlang_b_c import probability_wait_from_blocking
from switchboard.wfm.erlang.kummer import LARGEST_EXP_ARGUMENT, answered_wait_sum, waiting_line_sums
from switchboard.wfm.erlang.results import ServiceLevelDefinition

_OFFERED = ServiceLevelDefinition.ANSWERED_WITHIN_OVER_OFFERED
_ANSWERED = ServiceLevelDefinition.ANSWERED_WITHIN_OVER_ANSWERED
_SHORT_ABANDONS = ServiceLevelDefinition.SHORT_ABANDONS_MET


@dataclass(frozen=True, slots=True)
class WaitingMeasures:
    """Per-caller waiting outcomes; probabilities are clipped into [0, 1] against rounding."""

    stable: bool
    probability_wait: float
    service_levels: dict[ServiceLevelDefinition, float]
    asa_seconds: float  # mean wait of answered callers
    mean_wait_all_seconds: float  # mean wait of all offered callers, abandoned ones included
    abandon_rate: float


SMALLEST_ARRIVALS_PER_PATIENCE = 1e-9


def _clip(probability: float) -> float:
    return min(1.0, max(0.0, probability))


_DEFINITIONS = tuple(ServiceLevelDefinition)  # iterating the enum class itself is slow


def _all_definitions(service_level: float) -> dict[ServiceLevelDefinition, float]:
    return dict.fromkeys(_DEFINITIONS, service_level)


def waiting_without_abandonment(
    *, arrival_rate: float, blocking: float, full_departure_rate: float, threshold_seconds: float
) -> WaitingMeasures:
    """Erlang C: callers wait as long as it takes. Unstable (λ >= D) gives P(wait) 1, SL 0, ASA ∞."""
    if arrival_rate == 0:
        return WaitingMeasures(True, 0.0, _all_definitions(1.0), 0.0, 0.0, 0.0)
    if arrival_rate >= full_departure_rate:
        return WaitingMeasures(False, 1.0, _all_definitions(0.0), math.inf, math.inf, 0.0)
    spare_rate = full_departure_rate - arrival_rate
    probability_wait = _clip(
        probability_wait_from_blocking(utilisation=arrival_rate / full_departure_rate, blocking=blocking)
    )
    # SL(T) = 1 − C·e^{−(nμ − λ)T} and ASA = C / (nμ − λ) (Gans, Koole & Mandelbaum 2003, Erlang C section).
    service_level = _clip(1.0 - probability_wait * math.exp(-spare_rate * threshold_seconds))
    asa_seconds = probability_wait / spare_rate
    return WaitingMeasures(True, probability_wait, _all_definitions(service_level), asa_seconds, asa_seconds, 0.0)


def _probability_wait_with_patience(blocking: float, log_total: float) -> float:
    # P(W > 0) = A·B / (1 + (A − 1)·B) (Mandelbaum & Zeltyn, exponential patience), as
    # 1 / (1 + (1 − B) / (A·B)) in logarithms so that a huge A cannot overflow.
    if blocking <= 0:
        return 0.0
    if blocking >= 1:
        return 1.0
    log_ratio = math.log1p(-blocking) - math.log(blocking) - log_total
    if log_ratio > LARGEST_EXP_ARGUMENT:
        return 0.0
    return 1.0 / (1.0 + math.exp(log_ratio))


def waiting_with_abandonment(
    *,
    arrival_rate: float,
    blocking: float,
    full_departure_rate: float,
    patience_seconds: float,
    threshold_seconds: float,
    with_asa: bool = True,
) -> WaitingMeasures:
    """Erlang A (M/M/n+M): each waiting caller hangs up after an exponential patience of the given mean.

    Always stable. With `with_asa=False` the (summed, slower) ASA of answered callers is left as NaN
    for callers that only need the other measures.
    """
    if arrival_rate == 0:
        return WaitingMeasures(True, 0.0, _all_definitions(1.0), 0.0, 0.0, 0.0)
    theta = 1.0 / patience_seconds
    # y = λ × patience: arrivals during one patience. Below SMALLEST_ARRIVALS_PER_PATIENCE every
    # measure that depends on it is that small too; flooring it keeps the divisions by y finite.
    x, y = full_departure_rate / theta, max(arrival_rate / theta, SMALLEST_ARRIVALS_PER_PATIENCE)
    line = waiting_line_sums(x, y)
    probability_wait = _clip(_probability_wait_with_patience(blocking, line.log_total))
    # P(abandon) = θ·E[queue] / λ = P(W > 0) · E[j | all busy] / y (Little's law on the waiting line).
    abandon_rate = _clip(probability_wait * line.mean_length / y)

    # Offered wait V beyond the threshold, given all busy on arrival:
    # P(V > T | W > 0) = γ(x, y·e^{−θT}) / γ(x, y)   (Mandelbaum & Zeltyn, exponential patience)
    #                  = A(x, u)/A(x, y) · exp(y(1 − e^{−θT}) − xθT),  u = y·e^{−θT}.
    decay = math.exp(-theta * threshold_seconds)
    line_at_threshold = waiting_line_sums(x, y * decay)
    log_beyond = line_at_threshold.log_total - line.log_total - y * math.expm1(-theta * threshold_seconds)
    log_beyond -= x * theta * threshold_seconds
    beyond_threshold = math.exp(min(0.0, log_beyond))
    # Answered within T given a wait: ∫_0^T e^{−θv} dP(V <= v) = (x/y)·[(1 − 1/A(x,y)) − (1 − 1/A(x,u))·P(V > T)],
    # from γ(x+1, z) = x·γ(x, z) − z^x e^{−z}; at T = ∞ it is 1 − P(abandon | wait), as it must be.
    answered_within_if_waiting = max(0.0, (x / y) * (line.busy_share - line_at_threshold.busy_share * beyond_threshold))
    answered_within = _clip(1.0 - probability_wait + probability_wait * answered_within_if_waiting)
    answered = 1.0 - abandon_rate
    # Not met = still waiting at T (answered later or hung up later): P(min(V, patience) > T).
    short_abandons_met = _clip(1.0 - probability_wait * beyond_threshold * decay)
    service_levels = {
        _OFFERED: answered_within,
        _ANSWERED: _clip(answered_within / answered) if answered > 0 else 0.0,
        _SHORT_ABANDONS: short_abandons_met,
    }
    if not with_asa:
        asa_seconds = math.nan
    elif answered <= 0:
        asa_seconds = math.inf
    else:
        asa_seconds = probability_wait * answered_wait_sum(x, y) / theta / answered
    # Mean wait of all offered callers = E[queue]/λ = P(abandon)/θ (Little's law; abandonment rate θ·E[queue]).
    mean_wait_all_seconds = abandon_rate * patience_seconds
    return WaitingMeasures(True, probability_wait, service_levels, asa_seconds, mean_wait_all_seconds, abandon_rate)
