"""Import of existing mail: mbox files, Maildir folders, directories of .eml files.

Idempotent: messages are stored content-addressed, so a second run of the same
source stores nothing new. Each batch is durable before it is processed.
"""

from __future__ import annotations

import mailbox
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from switchboard.channels.email.intake import store_raw_emails
from switchboard.channels.email.models import IntakeSource
from switchboard.channels.email.pipeline import EmailPipeline
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
) -> ImportSummary:
    summary = ImportSummary()
    batch: list[bytes] = []

    def flush() -> None:
        stored = store_raw_emails(
            database, blobs, raws=batch, source=IntakeSource.IMPORT, inbox_id=inbox_id, now=clock.now()
        )
        fresh = [item.inbound_id for item in stored if not item.duplicate]
        summary.stored += len(fresh)
        summary.duplicates += len(stored) - len(fresh)
        if fresh:
            result = pipeline.process(fresh)
            summary.processed += result.processed
            summary.failed += len(result.failed)
        on_progress(len(batch))
        batch.clear()

    for raw in iter_messages(path):
        summary.seen += 1
        if len(raw) > max_message_bytes:
            summary.too_large += 1
            on_progress(1)
            continue
        batch.append(raw)
        if len(batch) >= BATCH_SIZE:
            flush()
    if batch:
        flush()
    return summary


def _eml_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*.eml") if p.is_file())


def _open_box(path: Path, kind: SourceKind) -> mailbox.Mailbox[mailbox.Message]:
    if kind is SourceKind.MAILDIR:
        return mailbox.Maildir(path, create=False)
    return mailbox.mbox(path, create=False)
