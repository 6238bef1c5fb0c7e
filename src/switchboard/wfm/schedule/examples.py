"""A deterministic, realistic scheduling problem for the benchmark, the demo data and the docs.

A help desk open around the clock with a daily double peak (late morning and mid afternoon,
UTC) and quieter weekends; agents in London, Berlin, New York and Kolkata on full-time 8-hour
shifts (two paid 15-minute breaks and an unpaid 30-minute lunch) or part-time 6- and 4-hour
shifts, starting every 30 minutes inside their template's window; some agents work weekdays
only, some only mornings or evenings, some have a day of leave. The requirement is whole
agents, scaled so that the agents' contracted hours roughly match it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np

from switchboard.wfm.schedule.model import (
    DAYS_PER_WEEK,
    Agent,
    AvailabilityWindow,
    BreakRule,
    Horizon,
    SchedulingProblem,
    ShiftTemplate,
)

EXAMPLE_START = datetime(2025, 6, 2, tzinfo=UTC)  # a Monday
TIME_ZONES = ("Europe/London", "Europe/Berlin", "America/New_York", "Asia/Kolkata")
TIME_ZONE_SHARES = (0.35, 0.25, 0.25, 0.15)
WEEKEND = (5, 6)
WEEKEND_FACTOR = 0.45
# Daily volume shape in UTC hours: a night floor and two Gaussian peaks (centre, width, height).
NIGHT_FLOOR = 0.04
PEAKS = ((10.0, 2.2, 1.0), (15.5, 2.6, 0.85))
NOISE = 0.08
# Square-root staffing's quality-of-service parameter β (about 80% answered within 20 s for
# moderate loads) and the fewest agents the desk ever runs with.
SAFETY_STAFFING = 0.8
MINIMUM_AGENTS = 2.0
# Share of the agents' paid time spent on duty (breaks excluded) and how much of it the
# requirement asks for: a little under 1 leaves the optimiser room to choose.
ON_DUTY_SHARE = 0.95
REQUIREMENT_TO_SUPPLY = 0.97
SCALE_SEARCH_STEPS = 50
SECOND_QUEUE_SHARE = 0.2
SECOND_QUEUE_SKILLED = 0.3
LEAVE_PROBABILITY = 0.1


def _break(name: str, *, minutes: int, earliest: float, latest: float, paid: bool = True) -> BreakRule:
    return BreakRule(
        name=name,
        duration=timedelta(minutes=minutes),
        earliest_start=timedelta(hours=earliest),
        latest_start=timedelta(hours=latest),
        paid=paid,
    )


EXAMPLE_TEMPLATES = (
    ShiftTemplate(
        name="full 8h",
        length=timedelta(hours=8, minutes=30),
        earliest_start=time(6),
        latest_start=time(14),
        breaks=(
            _break("break", minutes=15, earliest=1.5, latest=2.5),
            _break("lunch", minutes=30, earliest=3.5, latest=5.0, paid=False),
            _break("break", minutes=15, earliest=6.0, latest=7.5),
        ),
    ),
    ShiftTemplate(
        name="part 6h",
        length=timedelta(hours=6),
        earliest_start=time(7),
        latest_start=time(16),
        breaks=(_break("break", minutes=15, earliest=2.0, latest=3.5),),
    ),
    ShiftTemplate(
        name="part 4h",
        length=timedelta(hours=4),
        earliest_start=time(7),
        latest_start=time(18),
        breaks=(_break("break", minutes=15, earliest=1.5, latest=2.5),),
    ),
)


@dataclass(frozen=True, slots=True)
class _Contract:
    share: float
    templates: tuple[str, ...]
    min_hours: float
    max_hours: float
    max_shifts: int


CONTRACTS = (
    _Contract(0.6, ("full 8h",), 32.0, 40.0, 5),
    _Contract(0.25, ("part 6h", "part 4h"), 20.0, 30.0, 6),
    _Contract(0.15, ("part 4h",), 12.0, 20.0, 5),
)
EVERY_DAY = range(DAYS_PER_WEEK)
AVAILABILITY_PATTERNS: tuple[tuple[float, tuple[AvailabilityWindow, ...] | None], ...] = (
    (0.5, None),
    (0.2, tuple(AvailabilityWindow(day, time(6), time(23)) for day in range(5))),  # weekdays only
    (0.15, tuple(AvailabilityWindow(day, time(6), time(16)) for day in EVERY_DAY)),  # mornings
    (0.15, tuple(AvailabilityWindow(day, time(11), time(0)) for day in EVERY_DAY)),  # afternoons, evenings
)


def example_problem(
    *,
    agents: int = 200,
    days: int = DAYS_PER_WEEK,
    interval_minutes: int = 30,
    seed: int = 0,
    start: datetime = EXAMPLE_START,
    queues: tuple[str, ...] = ("support",),
    requirement_to_supply: float = REQUIREMENT_TO_SUPPLY,
) -> SchedulingProblem:
    """The same problem for the same arguments. With two queues, the second takes a fifth of
    the volume and about 30% of the agents hold its skill besides the first.

    `requirement_to_supply` is the total requirement over the agents' mid-contract time on duty:
    about 1 is a desk staffed to its forecast (the hardest case to prove optimal: almost every
    interval can be matched, so the optimum is small and the LP bound loose), above 1 an
    under-staffed desk."""
    generator = np.random.default_rng(seed)
    horizon = Horizon(start=start, days=days, interval_minutes=interval_minutes)
    roster = []
    for number in range(agents):
        contract = CONTRACTS[generator.choice(len(CONTRACTS), p=[entry.share for entry in CONTRACTS])]
        zone = TIME_ZONES[generator.choice(len(TIME_ZONES), p=TIME_ZONE_SHARES)]
        pattern = generator.choice(len(AVAILABILITY_PATTERNS), p=[share for share, _ in AVAILABILITY_PATTERNS])
        leave: frozenset[date] = frozenset()
        if generator.random() < LEAVE_PROBABILITY:
            leave = frozenset({(start + timedelta(days=int(generator.integers(days)))).date()})
        skills = set(queues[:1])
        if len(queues) > 1 and generator.random() < SECOND_QUEUE_SKILLED:
            skills.add(queues[1])
        roster.append(
            Agent(
                agent_id=f"agent-{number:03d}",
                time_zone=zone,
                templates=contract.templates,
                min_hours_per_week=contract.min_hours,
                max_hours_per_week=contract.max_hours,
                max_shifts=contract.max_shifts,
                availability=AVAILABILITY_PATTERNS[pattern][1],
                unavailable_dates=leave,
                skills=frozenset(skills),
            )
        )
    supply = sum((agent.min_hours_per_week + agent.max_hours_per_week) / 2 for agent in roster)
    supply_intervals = supply * days / DAYS_PER_WEEK * 60 / interval_minutes * ON_DUTY_SHARE
    shape = _daily_shape(horizon, generator=generator)
    target = requirement_to_supply * supply_intervals
    shares = (1.0,) if len(queues) == 1 else (1.0 - SECOND_QUEUE_SHARE, SECOND_QUEUE_SHARE)
    # Bisect the peak load so that the requirements of all queues add up to the target.
    low, high = 0.0, target
    for _ in range(SCALE_SEARCH_STEPS):
        middle = (low + high) / 2
        total = sum(_square_root_staffing(shape * middle * share).sum() for share in shares)
        low, high = (middle, high) if total < target else (low, middle)
    requirements = {
        queue: tuple(float(value) for value in _square_root_staffing(shape * low * share))
        for queue, share in zip(queues, shares, strict=False)
    }
    return SchedulingProblem(
        horizon=horizon, requirements=requirements, templates=EXAMPLE_TEMPLATES, agents=tuple(roster)
    )


def _square_root_staffing(
    load: np.ndarray[tuple[int], np.dtype[np.float64]],
) -> np.ndarray[tuple[int], np.dtype[np.float64]]:
    """Agents for offered loads in Erlangs: ⌈R + β√R⌉, at least the floor (Borst, Mandelbaum & Reiman 2004)."""
    return np.maximum(np.ceil(load + SAFETY_STAFFING * np.sqrt(load)), MINIMUM_AGENTS)


def _daily_shape(horizon: Horizon, *, generator: np.random.Generator) -> np.ndarray[tuple[int], np.dtype[np.float64]]:
    """Relative workload per interval: double peak each day, lighter at weekends, ±5% noise."""
    instants = [horizon.interval_start(index) for index in range(horizon.intervals)]
    hours = np.array([moment.hour + moment.minute / 60 for moment in instants])
    shape = np.full(len(hours), NIGHT_FLOOR)
    for centre, width, height in PEAKS:
        shape += height * np.exp(-(((hours - centre) / width) ** 2))
    weekend = np.array([moment.weekday() in WEEKEND for moment in instants])
    shape = np.where(weekend, shape * WEEKEND_FACTOR, shape)
    return np.asarray(shape * generator.uniform(1 - NOISE, 1 + NOISE, len(shape)), dtype=np.float64)
