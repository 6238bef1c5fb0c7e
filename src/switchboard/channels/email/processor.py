"""Runs the pipeline in the background: woken by every intake, and on a timer as a net.

Messages left in state `stored` by a crash are picked up at the next start, in order.
"""

from __future__ import annotations

import logging
import threading

from switchboard.channels.email.pipeline import EmailPipeline

log = logging.getLogger(__name__)


# A burst is written in bulk runs of up to this many (channels/email/batch.py); a quiet
# inbox still has each message processed as soon as it is stored.
BATCH_SIZE = 100


class EmailProcessor:
    def __init__(self, pipeline: EmailPipeline, *, poll_seconds: float = 5.0) -> None:
        self._pipeline = pipeline
        self._poll_seconds = poll_seconds
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        self._wake.set()

    def run_once(self) -> int:
        return self._pipeline.process_pending(batch_size=BATCH_SIZE)

    def start(self) -> None:
        def loop() -> None:
            while not self._stop.is_set():
                try:
                    self._pipeline.process_pending(batch_size=BATCH_SIZE)
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
