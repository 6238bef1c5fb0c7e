"""Arrival times: a Poisson process whose rate is set per interval and may ramp linearly inside it."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from switchboard.wfm.simulate.scenario import Scenario


def arrival_times(scenario: Scenario, generator: np.random.Generator) -> NDArray[np.float64]:
    """Sorted arrival times, in seconds from the start of the first interval, all before the close.

    Interval k has mean rate m_k = contacts_per_interval[k] / interval length; inside it the rate at
    elapsed fraction u is m_k * (1 + r * (2u - 1)) for the scenario's ramp r, which averages to m_k.
    """
    volumes = np.asarray(scenario.contacts_per_interval, dtype=np.float64)
    ramp = scenario.within_interval_ramp
    peak = 1.0 + abs(ramp)
    # Thinning (Lewis & Shedler 1979, "Simulation of nonhomogeneous Poisson processes by thinning", Naval
    # Research Logistics Quarterly 26(3):403-413): draw a homogeneous Poisson process at the interval's peak
    # rate and keep each point with probability rate(t) / peak rate; the kept points are Poisson with rate(t).
    candidates = generator.poisson(volumes * peak)
    interval_index = np.repeat(np.arange(scenario.intervals), candidates)
    # Given their number, the points of a homogeneous Poisson process are independent and uniform over the
    # interval (Ross, Introduction to Probability Models, ch. 5, conditional distribution of the arrival
    # times), so all of them are drawn in one vector instead of by exponential gaps.
    elapsed_fraction = generator.random(interval_index.size)
    if ramp != 0:
        keep = generator.random(interval_index.size) * peak < 1.0 + ramp * (2.0 * elapsed_fraction - 1.0)
        interval_index, elapsed_fraction = interval_index[keep], elapsed_fraction[keep]
    times = (interval_index + elapsed_fraction) * scenario.interval_seconds
    times.sort()
    return times
