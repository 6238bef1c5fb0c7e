"""Solve a scheduling problem exactly with HiGHS and report the optimality gap honestly.

Steps: list the candidate shifts; leave out (and name, with the reason) agents whose own rules
admit no week; build the MIP; solve its LP relaxation; turn the relaxation's fractional weeks
into a first schedule agent by agent (`start`); hand that to HiGHS's branch and cut as a start.
The gap reported is HiGHS's own, (objective − dual bound) / |objective|, never an estimate of
ours; the time limit covers all the steps.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from switchboard.core.errors import DomainError
from switchboard.wfm.schedule.candidates import AgentCandidates, enumerate_candidates
from switchboard.wfm.schedule.extract import extract_schedule
from switchboard.wfm.schedule.formulation import build_model
from switchboard.wfm.schedule.highs import SOLVER_NAME, relative_gap_of, solve_program
from switchboard.wfm.schedule.model import DAYS_PER_WEEK, InvalidScheduleInput, SchedulingProblem
from switchboard.wfm.schedule.results import ScheduleResult, SolveReport, SolveStatus, UnschedulableAgent
from switchboard.wfm.schedule.start import agent_program, best_response_start, relaxation_weeks
from switchboard.wfm.schedule.validation import validate_problem

DEFAULT_RELATIVE_GAP = 0.01
DEFAULT_TIME_LIMIT_SECONDS = 60.0
MINUTES_PER_HOUR = 60
NO_SHIFT_FITS = "no allowed shift template fits the agent's availability inside the horizon"
# HiGHS's interior point method solves these LPs several times faster than dual simplex;
# presolve stays off for the search because of HiGHS 1.16's MIP-start objective offset bug (see
# `highs.solve_program`), and it saved nothing measurable on the benchmark problem.
INTERIOR_POINT = True
PRESOLVE = False
# Branch and bound always gets at least this long, however long the preparation took, and
# leaves this long for HiGHS overrunning its limit (it looks at the clock between LP solves) and
# for reading the solution back into schedules, so that the whole call keeps to its limit.
MINIMUM_SEARCH_SECONDS = 1.0
EXTRACTION_RESERVE_SECONDS = 3.0


class ScheduleNotFound(DomainError):
    """The solver stopped (time limit) before finding any schedule."""

    code = "schedule_not_found"


def solve_schedule(
    problem: SchedulingProblem,
    *,
    relative_gap: float = DEFAULT_RELATIVE_GAP,
    time_limit_seconds: float = DEFAULT_TIME_LIMIT_SECONDS,
    random_seed: int = 0,
) -> ScheduleResult:
    """The least-cost schedule within `relative_gap` of optimal, or the best found in about
    `time_limit_seconds` (the limit covers preparation and search; the search gets at least 1 s).

    Raises `InvalidScheduleInput` for a malformed problem and `ScheduleNotFound` when the time
    limit passes before any schedule is found."""
    if not (0 <= relative_gap < 1) or time_limit_seconds <= 0:
        raise InvalidScheduleInput("relative gap must be in [0, 1) and the time limit positive")
    validate_problem(problem)
    started = time.perf_counter()
    candidates = enumerate_candidates(problem)
    unschedulable = [UnschedulableAgent(each.agent.agent_id, NO_SHIFT_FITS) for each in candidates if not each.shifts]
    kept = []
    for each in candidates:
        if each.shifts:
            reason = _unmet_contract(problem, each)
            if reason is None:
                kept.append(each)
            else:
                unschedulable.append(UnschedulableAgent(each.agent.agent_id, reason))
    scheduled = tuple(kept)
    model = build_model(problem, scheduled)
    program = model.program
    relaxation = solve_program(
        replace(program, integrality=np.zeros_like(program.integrality)),
        relative_gap=relative_gap,
        time_limit_seconds=time_limit_seconds,
        random_seed=random_seed,
        interior_point=True,
    )
    start = None
    if relaxation is not None:
        weeks = relaxation_weeks(problem, scheduled, model=model, values=relaxation.values)
        choices = best_response_start(problem, scheduled, initial_weeks=weeks)
        start = (
            np.array([column for columns in model.agent_columns for column in columns], dtype=np.int32),
            np.concatenate([*choices, np.zeros(0)]),
        )
    prepared = time.perf_counter()
    solution = solve_program(
        program,
        relative_gap=relative_gap,
        time_limit_seconds=max(
            MINIMUM_SEARCH_SECONDS, time_limit_seconds - (prepared - started) - EXTRACTION_RESERVE_SECONDS
        ),
        random_seed=random_seed,
        start=start,
        interior_point=INTERIOR_POINT,
        presolve=PRESOLVE,
    )
    if solution is None:
        raise ScheduleNotFound(f"no schedule found within the time limit of {time_limit_seconds:g} s")
    extracted = extract_schedule(problem=problem, candidates=scheduled, model=model, values=solution.values)
    order = {agent.agent_id: index for index, agent in enumerate(problem.agents)}
    # Every cost is non-negative, so 0 bounds the optimum too; the LP relaxation's optimum is
    # a bound HiGHS proved before branching and may beat what branch and bound reached in time.
    bound = max(solution.bound, relaxation.objective if relaxation is not None else 0.0, 0.0)
    gap = relative_gap_of(objective=solution.objective, bound=bound)
    report = SolveReport(
        status=SolveStatus.OPTIMAL if solution.optimal or gap <= relative_gap else SolveStatus.TIME_LIMIT,
        solver=SOLVER_NAME,
        objective=solution.objective,
        bound=bound,
        gap=gap,
        requested_gap=relative_gap,
        time_limit_seconds=time_limit_seconds,
        solve_seconds=solution.seconds,
        build_seconds=prepared - started,
        columns=len(program.costs),
        integer_columns=int(program.integrality.sum()),
        rows=len(program.row_lower),
        nonzeros=program.matrix.nnz,
        nodes=solution.nodes,
    )
    return ScheduleResult(
        horizon=problem.horizon,
        schedules=extracted.schedules,
        coverage=extracted.coverage,
        on_duty=extracted.on_duty,
        unschedulable=tuple(sorted(unschedulable, key=lambda entry: order[entry.agent_id])),
        cost=extracted.cost,
        report=report,
    )


def _unmet_contract(problem: SchedulingProblem, each: AgentCandidates) -> str | None:
    """None when the agent's own rules admit a week; otherwise why not, in words: the most
    paid time its availability, days off, rest and shift limit allow, against its minimum."""
    nothing = np.zeros(len(each.shifts))
    feasible = solve_program(
        agent_program(problem, each, gains=nothing),
        relative_gap=0.0,
        time_limit_seconds=DEFAULT_TIME_LIMIT_SECONDS,
        random_seed=0,
    )
    if feasible is not None:
        return None
    relaxed = replace(each, agent=replace(each.agent, min_hours_per_week=0.0))
    paid = np.array([float(shift.paid_minutes) for shift in each.shifts])
    solution = solve_program(
        agent_program(problem, relaxed, gains=paid),
        relative_gap=0.0,
        time_limit_seconds=DEFAULT_TIME_LIMIT_SECONDS,
        random_seed=0,
    )
    most = -solution.objective / MINUTES_PER_HOUR if solution is not None else 0.0
    needed = each.agent.min_hours_per_week * problem.horizon.days / DAYS_PER_WEEK
    return (
        f"minimum contracted hours cannot be met: {needed:g} h needed in the horizon, at most {most:g} h "
        "fit the agent's availability, unavailable dates, days off, rest and shift limit"
    )
