"""From agents needed on the phone to agents to schedule, rounded exactly.

Shrinkage is the share of paid time agents are not available (breaks, training, absence). To keep
`agents` available, schedule ⌈agents / (1 − shrinkage)⌉. In binary floating point 21 / (1 − 0.3) is
30.000000000000004, whose ceiling is 31: one head too many. Shrinkage is a percentage someone typed,
so a float is read as the decimal it prints as (0.3 → 3/10, via its shortest repr) and the ceiling is
taken in integers. `Decimal` and `Fraction` inputs are used as they are.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from switchboard.wfm.erlang.errors import InvalidQueueInput, require_agents


def shrinkage_fraction(shrinkage: float | Decimal | Fraction) -> Fraction:
    """The exact fraction meant by `shrinkage`: floats by their decimal repr; must lie in [0, 1)."""
    if isinstance(shrinkage, bool):
        raise InvalidQueueInput(f"shrinkage must be a fraction in [0, 1), got {shrinkage!r}")
    try:
        if isinstance(shrinkage, Fraction):
            exact = shrinkage
        elif isinstance(shrinkage, float):
            exact = Fraction(repr(shrinkage))  # 0.3 → Fraction(3, 10), not 5404319552844595/18014398509481984
        else:
            exact = Fraction(shrinkage)
    except (ValueError, TypeError, OverflowError) as exc:  # NaN, infinity, text
        raise InvalidQueueInput(f"shrinkage must be a fraction in [0, 1), got {shrinkage!r}") from exc
    if not (0 <= exact < 1):
        raise InvalidQueueInput(f"shrinkage must be a fraction in [0, 1) (0.3 means 30%), got {shrinkage!r}")
    return exact


def scheduled_agents(agents: int, shrinkage: float | Decimal | Fraction) -> int:
    """Agents to schedule so that `agents` remain after `shrinkage`: exactly ⌈agents / (1 − shrinkage)⌉.

    21 agents at 0.3 shrinkage → 30 (not 31); 0 shrinkage returns `agents` unchanged.
    """
    needed = require_agents("agents", agents)
    available = 1 - shrinkage_fraction(shrinkage)
    # ⌈a·q/p⌉ for available = p/q, in integers.
    return -(-needed * available.denominator // available.numerator)
