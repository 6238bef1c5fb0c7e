"""Shift scheduling: cover a requirement of agents per interval with least weighted under-
and over-staffing, solved by an exact optimiser (HiGHS branch and cut) that reports its gap.

The model
    A horizon of N days (usually a week) cut into intervals of 15 or 30 minutes from a UTC
    instant; per queue (skill), the agents required in each interval, used as given: fractions
    are not rounded up (round up first if whole agents are wanted). Shift templates: an elapsed
    length, a start window in the agent's local time (earliest, latest, step) and breaks, each
    with a duration, a window of offsets from the shift start, a step, paid or unpaid. Agents:
    an IANA time zone, allowed templates, contracted paid hours per week (min and max), days off
    per week, a maximum number of shifts in the horizon, availability windows per local weekday
    (a shift must fit inside one; a window may run past midnight), unavailable local dates,
    skills, and a minimum rest between shifts (11 hours by default, EU Directive 2003/88/EC
    Art. 3). Weekly quantities are prorated over the horizon: hours × N/7, days off rounded
    down and counted in every run of min(7, N) consecutive local dates.

The objective
    Σ over queues and intervals of 5 × under + 1 × over (`CoverageWeights`), in agent-intervals.
    An agent counts for the share of an interval it is on duty: a 15-minute break in a 30-minute
    interval leaves half an agent.

The formulation (a mixed-integer program)
    x[agent, shift] binary for every candidate shift (template × local date × local start,
    placed in UTC through the agent's time zone); y[skill group, shift type] = Σ x, a shift type
    being a UTC start and a template; breaks placed implicitly per shift type (Bechtold & Jacobs
    1990, Management Science 36(11); Aykin 1996, Management Science 42(4)): integer
    z[group, type, break, offset] with Σ_offset z = y, offsets that cover the same parts of the
    same intervals merged into one column. This is exact because agents on one shift type are
    interchangeable for coverage and one template's break windows do not overlap; offsets are
    handed to the agents afterwards. Coverage rows: on duty + under − over = required. Per agent:
    one shift per local date, days off, shift-count and paid-hours limits, and rest as clique
    rows over pairs of shifts too close together. Several skills: agents with the same skills
    form a group that splits its agents on duty among its queues in each interval (a fluid
    allocation, Σ_queue w = on duty).

How it is solved
    Agents whose own rules admit no week are left out and named with the reason. The LP
    relaxation is solved (interior point); its fractional weeks seed a best-response local
    search (each agent in turn takes its best week against the others', by a small exact MIP);
    that schedule starts HiGHS's branch and cut, which runs for the rest of the time limit.
    `SolveReport.bound` is the better of HiGHS's dual bound and the LP relaxation's optimum,
    both proved by HiGHS; `gap` = (objective − bound) / objective, so no schedule costs less
    than (1 − gap) × objective. Status "optimal" means within the requested gap.

Limits, and when to distrust it
    The LP relaxation is weak once breaks are modelled: spreading fractional breaks lets it
    match the requirement almost exactly, so on a desk staffed close to its requirement the
    proved gap stays large even when the schedule is good. Measured on a shared 2-core machine,
    `example_problem()` (200 agents, a week of half hours) in 60 s: cost ~150 agent-intervals,
    bound 30, gap ~80%; the same problem without breaks solves to optimality in ~16 s. The gap
    shrinks when staffing mismatch is unavoidable: 5–8% for 200 agents on a desk 15% short
    (`requirement_to_supply=1.15`), ~23% for 100. A start time skipped by a daylight-saving
    change is not offered, an ambiguous one means its first occurrence, shift lengths are
    elapsed time. Shifts lie wholly inside the horizon, and rest and days off are not linked to
    the weeks before and after. Multi-skilled agents may split an interval between queues, as
    a router does only on average. No tie-breakers: among equally good schedules any may come.
"""

from switchboard.wfm.schedule.examples import EXAMPLE_TEMPLATES, example_problem
from switchboard.wfm.schedule.model import (
    MINIMUM_DAILY_REST,
    Agent,
    AvailabilityWindow,
    BreakRule,
    CoverageWeights,
    Horizon,
    InvalidScheduleInput,
    SchedulingProblem,
    ShiftTemplate,
)
from switchboard.wfm.schedule.results import (
    AgentSchedule,
    QueueCoverage,
    ScheduledBreak,
    ScheduledShift,
    ScheduleResult,
    SolveReport,
    SolveStatus,
    UnschedulableAgent,
)
from switchboard.wfm.schedule.solver import ScheduleNotFound, solve_schedule
from switchboard.wfm.schedule.validation import validate_problem

__all__ = [
    "EXAMPLE_TEMPLATES",
    "MINIMUM_DAILY_REST",
    "Agent",
    "AgentSchedule",
    "AvailabilityWindow",
    "BreakRule",
    "CoverageWeights",
    "Horizon",
    "InvalidScheduleInput",
    "QueueCoverage",
    "ScheduleNotFound",
    "ScheduleResult",
    "ScheduledBreak",
    "ScheduledShift",
    "SchedulingProblem",
    "ShiftTemplate",
    "SolveReport",
    "SolveStatus",
    "UnschedulableAgent",
    "example_problem",
    "solve_schedule",
    "validate_problem",
]
