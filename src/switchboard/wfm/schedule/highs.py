"""The one place that talks to HiGHS (highspy): pass a MIP, optionally a start, run, read back.

HiGHS's MIP solver is branch and cut (Huangfu & Hall 2018, "Parallelizing the dual revised
simplex method", Mathematical Programming Computation 10:119–142, for its LP engine); its
reported `mip_gap` is (primal bound − dual bound) / |primal bound|.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import highspy
import numpy as np
import numpy.typing as npt

from switchboard.wfm.schedule.formulation import MixedIntegerProgram

SOLVER_NAME = f"HiGHS {highspy.HIGHS_VERSION_MAJOR}.{highspy.HIGHS_VERSION_MINOR}.{highspy.HIGHS_VERSION_PATCH}"


@dataclass(frozen=True, slots=True)
class ProgramSolution:
    optimal: bool  # proven within the requested gap; otherwise stopped by the time limit
    values: npt.NDArray[np.float64]
    objective: float
    bound: float
    gap: float
    nodes: int
    seconds: float


def solve_program(
    program: MixedIntegerProgram,
    *,
    relative_gap: float,
    time_limit_seconds: float,
    random_seed: int,
    start: tuple[npt.NDArray[np.int32], npt.NDArray[np.float64]] | None = None,
    interior_point: bool = False,
    presolve: bool = True,
) -> ProgramSolution | None:
    """Solve `program`; None when it is infeasible or no feasible point was found in time.

    `start` gives values for some columns (indices, values): HiGHS completes the rest by a
    short sub-MIP and, if the result is feasible, starts from it (pass `presolve=False` with a
    start, see below). `interior_point` solves the
    LP (or the MIP's root LP) by HiGHS's interior point method, much faster than dual simplex on
    large scheduling LPs, whose many equal-cost vertices make simplex wander."""
    # highspy's constructor lacks a return annotation; it prints HiGHS's banner once per process.
    highs = highspy.Highs()  # type: ignore[no-untyped-call]
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("mip_rel_gap", relative_gap)
    highs.setOptionValue("time_limit", time_limit_seconds)
    highs.setOptionValue("random_seed", random_seed)
    if interior_point:
        highs.setOptionValue("solver", "ipm")
        highs.setOptionValue("mip_lp_solver", "ipm")
    if not presolve:
        highs.setOptionValue("presolve", "off")
    matrix = program.matrix
    highs.passModel(
        len(program.costs),
        len(program.row_lower),
        matrix.nnz,
        int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMinimize),
        0.0,
        program.costs,
        program.column_lower,
        program.column_upper,
        program.row_lower,
        program.row_upper,
        matrix.indptr.astype(np.int32),
        matrix.indices.astype(np.int32),
        matrix.data.astype(np.float64),
        program.integrality,
    )
    if start is not None:
        indices, values = start
        highs.setSolution(len(indices), indices, values)
    started = time.perf_counter()
    highs.run()
    seconds = time.perf_counter() - started
    info = highs.getInfo()
    if info.primal_solution_status != int(highspy.kSolutionStatusFeasible):
        return None
    values = np.asarray(highs.getSolution().col_value, dtype=np.float64)
    # The objective is recomputed from the returned point rather than read from HiGHS: with
    # presolve on and a start, HiGHS 1.16 can report the start's objective in the presolved
    # space, off by the presolve offset (seen on tiny schedules; hence presolve off with starts).
    objective = float(program.costs @ values)
    is_mip = bool(program.integrality.any())
    bound = min(info.mip_dual_bound, objective) if is_mip else objective
    return ProgramSolution(
        optimal=highs.getModelStatus() == highspy.HighsModelStatus.kOptimal,
        values=values,
        objective=objective,
        bound=bound,
        gap=relative_gap_of(objective=objective, bound=bound),
        nodes=max(info.mip_node_count, 0),
        seconds=seconds,
    )


def relative_gap_of(*, objective: float, bound: float) -> float:
    """HiGHS's relative gap, |objective − bound| / |objective|; 0 when both are 0."""
    if objective == 0:
        return 0.0 if bound == 0 else math.inf
    return abs(objective - bound) / abs(objective)
