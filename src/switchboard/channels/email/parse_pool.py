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
    # "spawn", not fork: the parent holds database connections and threads.
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


@contextmanager
def parse_pool(workers: int) -> Iterator[ProcessPoolExecutor | None]:
    """A pool of `workers` parse processes for the block, or None for 0 (parse in-process)."""
    if workers <= 0:
        yield None
        return
    pool = new_parse_pool(workers)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
