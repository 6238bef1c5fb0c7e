"""Worker processes that parse mail while the writing process writes the previous batch.

Parsing (the stdlib email parser, about 1 ms a message) and writing tickets (about as long)
are both CPU work; in one process the GIL runs them one after the other. A bulk import and a
burst of SMTP mail therefore hand parsing to `spawn`ed worker processes, one per CPU beyond
the first (the writer keeps one), at most `MAX_PARSE_WORKERS`.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

# Parsing a batch takes about as long as writing one, so more workers only queue up behind the
# single writer.
MAX_PARSE_WORKERS = 3


def default_parse_workers() -> int:
    """One per CPU beyond the first, at most MAX_PARSE_WORKERS; 0 on one CPU."""
    return max(0, min((os.cpu_count() or 1) - 1, MAX_PARSE_WORKERS))


def new_parse_pool(workers: int) -> ProcessPoolExecutor:
    """Workers started fresh ("spawn"): safe from a process already running many threads (the
    server), at the cost of importing the application in each worker once."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


@contextmanager
def forked_parse_pool(workers: int) -> Iterator[ProcessPoolExecutor | None]:
    """A pool of `workers` parse processes for the block, or None for 0 (parse in-process).

    Forked, and all started here, before the caller starts any thread: a forked child copies
    the parent's locks as they are, so it must not be forked while another thread could hold
    one; forking then costs milliseconds where spawning re-imports the whole command (seconds,
    which a short import would spend waiting for its first batch)."""
    if workers <= 0:
        yield None
        return
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
    try:
        pool.submit(_ready).result()  # a forking pool starts all its workers on the first task
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _ready() -> bool:
    return True
