"""pyworkforce's staffing answers, timed inside its own virtualenv: the peer side of bench/wfm.py.

    PEER_PYTHON bench/wfm_peer.py info
    PEER_PYTHON bench/wfm_peer.py sweep < request.json          # one JSON line per offered load
    PEER_PYTHON bench/wfm_peer.py shrinkage --agents 21 --shrinkage 0.3 < request.json

bench/wfm.py runs this file with the interpreter of the throwaway virtualenv it installs
pyworkforce into; it imports nothing of Switchboard. Units are pyworkforce's: minutes, and
transactions per interval. Its `asa` argument is the service-level threshold (the time within
which a contact counts as answered in time), not an average speed of answer.

A sweep times `required_positions(service_level=...)` of `ErlangC` or `ErlangA` (constructing the
object included, as a caller would) for each offered load, in increasing order: the median of
several calls, repeated until `min_seconds` of calls or `max_repetitions`. pyworkforce's Erlang A
gets slower with the load, so a load is skipped, with the reason, once a call took longer than
`cap_seconds` or the times so far predict that one would (a power law fitted on the slowest
loads measured). bench/wfm.py kills this process if a call runs far beyond the cap anyway.
"""

from __future__ import annotations

import json
import math
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import pyworkforce
from pyworkforce import queuing

WARM_UP_LOAD = 1.0
# Only loads whose calls took this long are used to predict the next (faster ones are noise).
PREDICT_FROM_SECONDS = 0.05
PREDICT_POINTS = 3
# Growth of time with load assumed between these exponents (measured: about 1.3 to 2).
SMALLEST_EXPONENT = 1.0
LARGEST_EXPONENT = 3.0
SHRINKAGE_SEARCH_TRANSACTIONS = 5_000


def _emit(record: dict[str, Any]) -> None:
    print(json.dumps(record), flush=True)


def _staffing_call(request: dict[str, Any], load: float) -> Callable[[], dict[str, Any]]:
    """A call that answers one staffing question for `load` Erlangs, as a pyworkforce user writes it."""
    common = {
        "transactions": load * request["interval_minutes"] / request["aht_minutes"],
        "aht": request["aht_minutes"],
        "asa": request["threshold_minutes"],
        "interval": request["interval_minutes"],
    }
    if request["model"] == "erlang_a":
        return lambda: queuing.ErlangA(patience=request["patience_minutes"], **common).required_positions(
            service_level=request["service_level"]
        )
    return lambda: queuing.ErlangC(**common).required_positions(service_level=request["service_level"])


def _predicted_seconds(measured: list[tuple[float, float]], load: float) -> float | None:
    """Seconds a call at `load` should take, from the slowest loads measured (None if too few)."""
    usable = [(done, seconds) for done, seconds in measured if seconds >= PREDICT_FROM_SECONDS][-PREDICT_POINTS:]
    if len(usable) < 2:  # a line needs two points
        return None
    xs = [math.log(done) for done, _ in usable]
    ys = [math.log(seconds) for _, seconds in usable]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread if spread else 2.0
    slope = min(max(slope, SMALLEST_EXPONENT), LARGEST_EXPONENT)
    last_load, last_seconds = usable[-1]
    return last_seconds * (load / last_load) ** slope


def sweep(request: dict[str, Any]) -> None:
    """Emit one JSON line per load of `request["loads"]` (increasing), measured or skipped."""
    _staffing_call(request, WARM_UP_LOAD)()  # imports and caches warmed, untimed
    cap = float(request["cap_seconds"])
    measured: list[tuple[float, float]] = []
    skip_reason: str | None = None
    for load in sorted(request["loads"]):
        record: dict[str, Any] = {"model": request["model"], "load": load}
        predicted = _predicted_seconds(measured, load)
        if skip_reason is None and predicted is not None and predicted > cap:
            skip_reason = f"predicted {predicted:.0f} s a call (> {cap:g} s cap) from the loads below"
        if skip_reason is not None:
            _emit({**record, "skipped": skip_reason})
            continue
        call = _staffing_call(request, load)
        seconds: list[float] = []
        result: dict[str, Any] = {}
        while not seconds or (sum(seconds) < request["min_seconds"] and len(seconds) < request["max_repetitions"]):
            started = time.perf_counter()
            result = call()
            seconds.append(time.perf_counter() - started)
            if seconds[0] > cap:
                break
        median = statistics.median(seconds)
        measured.append((load, median))
        if seconds[0] > cap:
            skip_reason = f"a call at {load:g} Erlangs took {seconds[0]:.0f} s (> {cap:g} s cap)"
        _emit(
            {
                **record,
                "agents": int(result["raw_positions"]),
                "service_level": float(result["service_level"]),
                "abandon_rate": float(result.get("abandonment_probability", 0.0)),
                "seconds": seconds,
                "median_seconds": median,
            }
        )


def shrinkage(request: dict[str, Any], *, agents: int, shrinkage: float) -> None:
    """pyworkforce's scheduled positions for the first load whose raw staffing is `agents`, at `shrinkage`."""
    for transactions in range(1, SHRINKAGE_SEARCH_TRANSACTIONS):
        answer = queuing.ErlangC(
            transactions=transactions,
            aht=request["aht_minutes"],
            asa=request["threshold_minutes"],
            interval=request["interval_minutes"],
            shrinkage=shrinkage,
        ).required_positions(service_level=request["service_level"])
        if answer["raw_positions"] == agents:
            _emit(
                {
                    "transactions": transactions,
                    "load": transactions * request["aht_minutes"] / request["interval_minutes"],
                    "raw_positions": int(answer["raw_positions"]),
                    "positions": int(answer["positions"]),
                    "shrinkage": shrinkage,
                }
            )
            return
    _emit({"error": f"no load up to {SHRINKAGE_SEARCH_TRANSACTIONS} transactions needs exactly {agents} agents"})


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "info"
    if command == "info":
        _emit(
            {
                "pyworkforce": pyworkforce.__version__,
                "python": platform.python_version(),
                "erlang_a": hasattr(queuing, "ErlangA"),
            }
        )
        return 0
    request = json.load(sys.stdin)
    if command == "sweep":
        sweep(request)
        return 0
    if command == "shrinkage":
        options = dict(zip(argv[2::2], argv[3::2], strict=False))
        shrinkage(request, agents=int(options["--agents"]), shrinkage=float(options["--shrinkage"]))
        return 0
    print(f"unknown command {command!r}; use info, sweep or shrinkage", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
