"""Runs the pipeline in the background: woken by every intake, and on a timer as a net.

Messages left in state `stored` by a crash are picked up at the next start, in order. A
backlog (a burst of SMTP mail, an IMAP mailbox's first sync) is parsed in worker processes one
batch ahead of the batch being written (`parse_pool`); a quiet inbox never starts them.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ProcessPoolExecutor

from switchboard.channels.email.parse_pool import default_parse_workers, new_parse_pool
from switchboard.channels.email.pipeline import EmailPipeline, prepare_emails
from switchboard.channels.email.reading import PreparedEmail

log = logging.getLogger(__name__)


# A burst is written in bulk runs of up to this many (channels/email/batch.py); a quiet
# inbox still has each message processed as soon as it is stored.
BATCH_SIZE = 100
# A batch at least this large starts the parse workers (once; they stay until `stop`).
PARALLEL_BATCH = 50


class EmailProcessor:
    def __init__(self, pipeline: EmailPipeline, *, poll_seconds: float = 5.0, parse_workers: int | None = None) -> None:
        self._pipeline = pipeline
        self._poll_seconds = poll_seconds
        self._parse_workers = default_parse_workers() if parse_workers is None else max(0, parse_workers)
        self._pool: ProcessPoolExecutor | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        self._wake.set()

    def run_once(self) -> int:
        """Process every stored message, in arrival order; returns how many were processed."""
        processed = 0
        after_id = 0
        in_flight: Future[list[PreparedEmail]] | list[PreparedEmail] | None = None
        while True:
            ids = self._pipeline.pending_ids(limit=BATCH_SIZE, after_id=after_id)
            parsing: Future[list[PreparedEmail]] | list[PreparedEmail] | None = None
            if ids:
                after_id = ids[-1]
                records = self._pipeline.stored_records(ids)
                pool = self._pool_for(len(records))
                root, limits = self._pipeline.blob_root, self._pipeline.attachment_limits
                if pool is None:
                    parsing = prepare_emails(root, records)
                else:  # attachments written by the worker too (see prepare_emails)
                    parsing = pool.submit(prepare_emails, root, records, limits)
            if in_flight is not None:  # written while the next batch parses
                prepared = in_flight.result() if isinstance(in_flight, Future) else in_flight
                processed += self._pipeline.write(prepared).processed
            if parsing is None:
                return processed
            in_flight = parsing

    def _pool_for(self, batch: int) -> ProcessPoolExecutor | None:
        if self._pool is None and self._parse_workers > 0 and batch >= PARALLEL_BATCH:
            self._pool = new_parse_pool(self._parse_workers)
        return self._pool

    def start(self) -> None:
        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self.run_once()
                except Exception:
                    log.exception("email processing pass failed; retrying")
                self._wake.wait(self._poll_seconds)
                self._wake.clear()

        self._thread = threading.Thread(target=loop, name="email-processor", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
