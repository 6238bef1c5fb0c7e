"""Import of existing mail: mbox files, Maildir folders, directories of .eml files.

Idempotent: messages are stored content-addressed, so a second run of the same
source stores nothing new. Each batch is durable before it is processed.
"""

from __future__ import annotations

import mailbox
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from switchboard.channels.email.intake import store_raw_emails
from switchboard.channels.email.models import IntakeSource
from switchboard.channels.email.parse_pool import default_parse_workers, forked_parse_pool
from switchboard.channels.email.pipeline import EmailPipeline, prepare_emails
from switchboard.channels.email.reading import PreparedEmail
from switchboard.core.clock import Clock
from switchboard.storage.blobs import BlobStore
from switchboard.storage.engine import Database

BATCH_SIZE = 100


class SourceKind(StrEnum):
    MBOX = "mbox"
    MAILDIR = "maildir"
    EML_DIRECTORY = "eml"
    EML_FILE = "eml-file"


@dataclass(slots=True)
class ImportSummary:
    seen: int = 0
    stored: int = 0
    duplicates: int = 0
    processed: int = 0
    failed: int = 0
    too_large: int = 0


def detect_source(path: Path) -> SourceKind:
    if path.is_dir():
        if all((path / sub).is_dir() for sub in ("cur", "new", "tmp")):
            return SourceKind.MAILDIR
        return SourceKind.EML_DIRECTORY
    if path.is_file():
        with path.open("rb") as handle:
            start = handle.read(5)
        return SourceKind.MBOX if start == b"From " else SourceKind.EML_FILE
    raise FileNotFoundError(f"{path} is neither a file nor a directory")


def count_messages(path: Path) -> int:
    kind = detect_source(path)
    if kind is SourceKind.EML_FILE:
        return 1
    if kind is SourceKind.EML_DIRECTORY:
        return sum(1 for _ in _eml_files(path))
    box = _open_box(path, kind)
    try:
        return len(box)
    finally:
        box.close()


def iter_messages(path: Path) -> Iterator[bytes]:
    """Raw bytes of every message in the source, in a stable order."""
    kind = detect_source(path)
    if kind is SourceKind.EML_FILE:
        yield path.read_bytes()
        return
    if kind is SourceKind.EML_DIRECTORY:
        for file in _eml_files(path):
            yield file.read_bytes()
        return
    box = _open_box(path, kind)
    try:
        for key in sorted(box.keys()) if kind is SourceKind.MAILDIR else box.keys():
            yield box.get_bytes(key)
    finally:
        box.close()


def import_mail(
    database: Database,
    blobs: BlobStore,
    pipeline: EmailPipeline,
    clock: Clock,
    *,
    path: Path,
    inbox_id: int,
    max_message_bytes: int,
    on_progress: Callable[[int], None] = lambda _: None,
    parse_workers: int | None = None,
) -> ImportSummary:
    """Store every message of `path` durably, then thread it onto tickets.

    Batches go through three stages that overlap: a storing thread writes the blobs (waiting on
    fsync, which releases the GIL) and inserts their records; worker processes parse
    (`parse_workers`, default one per CPU beyond the first for sources of more than one batch;
    0 parses in the storing thread); this thread writes tickets, batch after batch in order. A
    batch is always stored before it is parsed, so an interrupted import leaves only stored
    records, which the pipeline (or this command run again) processes."""
    workers = _parse_workers(path, parse_workers)
    with forked_parse_pool(workers) as pool:
        run = _ImportRun(
            database=database,
            blobs=blobs,
            pipeline=pipeline,
            clock=clock,
            inbox_id=inbox_id,
            pool=pool,
            queue_size=max(2, workers + 1),
        )
        storer = threading.Thread(
            target=run.store_all, args=(path, max_message_bytes), name="mail-import-store", daemon=True
        )
        storer.start()
        try:
            return run.write_all(on_progress)
        finally:
            run.stop.set()
            storer.join()


class _ImportRun:
    """The storing and writing stages of one import, joined by a bounded queue of batches."""

    def __init__(
        self,
        *,
        database: Database,
        blobs: BlobStore,
        pipeline: EmailPipeline,
        clock: Clock,
        inbox_id: int,
        pool: ProcessPoolExecutor | None,
        queue_size: int,
    ) -> None:
        self._database = database
        self._blobs = blobs
        self._pipeline = pipeline
        self._clock = clock
        self._inbox_id = inbox_id
        self._pool = pool
        self._batches: queue.Queue[_StoredBatch | Exception | None] = queue.Queue(maxsize=queue_size)
        self.stop = threading.Event()

    def store_all(self, path: Path, max_message_bytes: int) -> None:
        """The storing thread: every batch stored, then handed over with its parse under way."""
        try:
            batch: list[bytes] = []
            for raw in iter_messages(path):
                if self.stop.is_set():
                    return
                if len(raw) > max_message_bytes:
                    self._hand_over(_StoredBatch(size=1, fresh=0, skipped=1, parsing=[]))
                    continue
                batch.append(raw)
                if len(batch) >= BATCH_SIZE:
                    self._hand_over(self._store(batch))
                    batch = []
            if batch:
                self._hand_over(self._store(batch))
            self._hand_over(None)
        except Exception as error:  # noqa: BLE001 - handed to the writing thread, which raises it
            self._hand_over(error)

    def write_all(self, on_progress: Callable[[int], None]) -> ImportSummary:
        """The calling thread: batches written in the order they were stored."""
        summary = ImportSummary()
        while (item := self._batches.get()) is not None:
            if isinstance(item, Exception):
                raise item
            summary.seen += item.size
            summary.too_large += item.skipped
            summary.stored += item.fresh
            summary.duplicates += item.size - item.fresh - item.skipped
            prepared = item.parsing.result() if isinstance(item.parsing, Future) else item.parsing
            if prepared:
                result = self._pipeline.write(prepared)
                summary.processed += result.processed
                summary.failed += len(result.failed)
            on_progress(item.size)
        return summary

    def _store(self, batch: list[bytes]) -> _StoredBatch:
        results = store_raw_emails(
            self._database,
            self._blobs,
            raws=batch,
            source=IntakeSource.IMPORT,
            inbox_id=self._inbox_id,
            now=self._clock.now(),
        )
        fresh = [item.inbound_id for item in results if not item.duplicate]
        records = self._pipeline.stored_records(fresh) if fresh else []
        root, limits = self._blobs.root, self._pipeline.attachment_limits
        parsing = (
            self._pool.submit(prepare_emails, root, records, limits)
            if self._pool
            else prepare_emails(root, records, limits)
        )
        return _StoredBatch(size=len(batch), fresh=len(fresh), skipped=0, parsing=parsing)

    def _hand_over(self, item: _StoredBatch | Exception | None) -> None:
        while not self.stop.is_set():  # the writer stopped (it raised): drop the rest
            try:
                self._batches.put(item, timeout=0.1)
            except queue.Full:
                continue
            return


@dataclass(frozen=True, slots=True)
class _StoredBatch:
    size: int  # messages read from the source
    fresh: int  # newly stored
    skipped: int  # over the size limit, not stored
    parsing: Future[list[PreparedEmail]] | list[PreparedEmail]


def _parse_workers(path: Path, requested: int | None) -> int:
    if requested is not None:
        return max(0, requested)
    if count_messages(path) <= BATCH_SIZE:  # starting a process costs more than it saves
        return 0
    return default_parse_workers()


def _eml_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*.eml") if p.is_file())


def _open_box(path: Path, kind: SourceKind) -> mailbox.Mailbox[mailbox.Message]:
    if kind is SourceKind.MAILDIR:
        return mailbox.Maildir(path, create=False)
    return mailbox.mbox(path, create=False)
