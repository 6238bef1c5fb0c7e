"""Planning and encoding bulk batches in worker processes while this process writes.

Planning a ticket history and encoding its rows is pure Python and costs more than the
insert, so on a machine with several cores worker processes do it. Ids must still come
out in order without gaps, so a worker plans a batch, reports how many tickets,
messages and events it holds, and waits for the ids to use: this process hands them
out in batch order as soon as the sizes of all earlier batches are known, which never
waits for earlier batches to be encoded or written. Batches are written strictly in
order by one writer thread, and each write checks that the assumed ids were still free.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.queues import Queue
from typing import Any

from switchboard.demo.bulk_writer import RowEncoder, dialect_named
from switchboard.demo.cast import Cast
from switchboard.demo.history import EncodedBatch, IdBases, Request, encode_batch, plan_batch
from switchboard.demo.plot_settings import PlotSettings

POLL_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class PlanningJob:
    """Everything a worker needs besides its requests (sent once, when it starts)."""

    seed_key: str
    cast: Cast
    settings: PlotSettings
    horizon: datetime
    dialect_name: str


@dataclass(frozen=True, slots=True)
class _Planned:
    index: int
    tickets: int
    messages: int
    events: int


@dataclass(frozen=True, slots=True)
class _Failed:
    index: int
    details: str


def _work(job: PlanningJob, tasks: Queue[Any], id_bases: Queue[Any], results: Queue[Any]) -> None:
    """A worker: plan each batch it is given, report its size, wait for its ids, encode it."""
    encoder = RowEncoder(dialect_named(job.dialect_name))
    while True:
        task = tasks.get()
        if task is None:
            return
        index, requests = task
        try:
            batch = plan_batch(
                seed_key=job.seed_key,
                index=index,
                cast=job.cast,
                settings=job.settings,
                requests=requests,
                horizon=job.horizon,
            )
            results.put(_Planned(index, len(batch.tickets), len(batch.messages), len(batch.events)))
            bases: IdBases = id_bases.get()
            results.put(encode_batch(batch, index=index, bases=bases, tag_ids=job.cast.tag_ids, encoder=encoder))
        except BaseException:  # noqa: BLE001 - reported to the parent, which stops the load
            results.put(_Failed(index, traceback.format_exc()))
            return


class _OrderedWriter:
    """One thread that writes batches in the order given, so the main thread stays free."""

    def __init__(self, write: Callable[[EncodedBatch], None], *, capacity: int) -> None:
        self._write = write
        self._queue: queue.Queue[EncodedBatch | None] = queue.Queue(maxsize=capacity)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="demo-bulk-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (batch := self._queue.get()) is not None:
            if self._error is not None:
                continue  # drain without writing after a failure
            try:
                self._write(batch)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
                self._error = exc

    def put(self, batch: EncodedBatch) -> None:
        self.raise_if_failed()
        self._queue.put(batch)

    def raise_if_failed(self) -> None:
        if self._error is not None:
            raise self._error

    def finish(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self.raise_if_failed()


def plan_and_write_in_parallel(
    *,
    job: PlanningJob,
    requests: Sequence[Request],
    batch_size: int,
    workers: int,
    first_bases: IdBases,
    write: Callable[[EncodedBatch], None],
) -> None:
    """Plan and encode batches of `requests` in `workers` processes; `write` each, in order."""
    slices = [requests[start : start + batch_size] for start in range(0, len(requests), batch_size)]
    _Coordinator(job=job, slices=slices, workers=workers, first_bases=first_bases, write=write).run()


class _Coordinator:
    def __init__(
        self,
        *,
        job: PlanningJob,
        slices: list[Sequence[Request]],
        workers: int,
        first_bases: IdBases,
        write: Callable[[EncodedBatch], None],
    ) -> None:
        context = multiprocessing.get_context("spawn")  # no inherited database connections or threads
        self.slices = slices
        self.workers = workers
        self.results: Queue[Any] = context.Queue()
        self.tasks: list[Queue[Any]] = [context.Queue() for _ in range(workers)]
        self.id_bases: list[Queue[Any]] = [context.Queue() for _ in range(workers)]
        self.processes = [
            context.Process(
                target=_work,
                args=(job, self.tasks[number], self.id_bases[number], self.results),
                name=f"demo-planner-{number}",
                daemon=True,
            )
            for number in range(workers)
        ]
        self.writer = _OrderedWriter(write, capacity=2)
        # Batches in flight are bounded, so planned rows never pile up in memory ahead of the writer.
        self.in_flight = workers * 2
        self.next_to_send = self.next_to_assign = self.next_to_write = 0
        self.sizes: dict[int, _Planned] = {}
        self.encoded: dict[int, EncodedBatch] = {}
        self.bases = first_bases

    def run(self) -> None:
        for process in self.processes:
            process.start()
        try:
            while self.next_to_write < len(self.slices):
                self._send_tasks()
                self.writer.raise_if_failed()
                try:
                    message = self.results.get(timeout=POLL_SECONDS)
                except queue.Empty:
                    self._require_alive()
                    continue
                if isinstance(message, _Failed):
                    raise RuntimeError(f"planning batch {message.index} failed in a worker:\n{message.details}")
                if isinstance(message, _Planned):
                    self._assign_ids(message)
                else:
                    self._pass_to_writer(message)
            self.writer.finish()
        finally:
            self._stop()

    def _send_tasks(self) -> None:
        while self.next_to_send < len(self.slices) and self.next_to_send - self.next_to_write < self.in_flight:
            self.tasks[self.next_to_send % self.workers].put((self.next_to_send, self.slices[self.next_to_send]))
            self.next_to_send += 1

    def _assign_ids(self, planned: _Planned) -> None:
        """Ids for every batch whose predecessors' sizes are all known, in batch order."""
        self.sizes[planned.index] = planned
        while self.next_to_assign in self.sizes:
            size = self.sizes.pop(self.next_to_assign)
            self.id_bases[self.next_to_assign % self.workers].put(self.bases)
            self.bases = IdBases(
                ticket_id=self.bases.ticket_id + size.tickets,
                number=self.bases.number + size.tickets,
                message_id=self.bases.message_id + size.messages,
                event_id=self.bases.event_id + size.events,
            )
            self.next_to_assign += 1

    def _pass_to_writer(self, batch: EncodedBatch) -> None:
        self.encoded[batch.index] = batch
        while self.next_to_write in self.encoded:
            self.writer.put(self.encoded.pop(self.next_to_write))
            self.next_to_write += 1

    def _require_alive(self) -> None:
        for process in self.processes:
            if process.exitcode not in (None, 0):
                raise RuntimeError(f"{process.name} stopped unexpectedly (exit code {process.exitcode})")

    def _stop(self) -> None:
        for task_queue in self.tasks:
            task_queue.put(None)
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)
        for shared in (self.results, *self.tasks, *self.id_bases):
            shared.cancel_join_thread()  # never hang on data nobody will read
            shared.close()
