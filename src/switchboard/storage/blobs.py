"""Content-addressed, durable file storage for raw emails and attachments.

A blob's name is the SHA-256 of its bytes, so storing the same bytes twice is free and
a stored name can never be chosen by a sender (no path from a given filename ever
reaches the disk). `put` returns only after the bytes and the directory entry are on
stable storage (fsync of the file, rename, fsync of the directory): the SMTP listener
answers 250 only after that.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

_DIGEST = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class StoredBlob:
    sha256: str
    size_bytes: int
    created: bool  # False when identical bytes were already stored


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    def __init__(self, root: Path) -> None:
        self._root = root

    @property
    def root(self) -> Path:
        return self._root

    def path_for(self, sha256: str) -> Path:
        """Where `put` stores these bytes: one level of 256 directories (`ab/<sha256>`). Two
        levels (`ab/cd/<sha256>`, before 2026-11) made a new directory, and two more directory
        fsyncs, for almost every message; blobs stored that way are still found (`find`)."""
        if not _DIGEST.fullmatch(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256[:80]!r}")
        return self._root / sha256[:2] / sha256

    def find(self, sha256: str) -> Path | None:
        """The stored file of these bytes, in the current layout or the older two-level one."""
        path = self.path_for(sha256)
        if path.is_file():
            return path
        legacy = self._root / sha256[:2] / sha256[2:4] / sha256
        return legacy if legacy.is_file() else None

    def put(self, data: bytes, *, durable: bool = True) -> StoredBlob:
        """Store `data`. `durable=False` skips the fsyncs, for bytes that can be derived
        again from a durable blob (attachments cut out of a stored raw message)."""
        sha256 = digest_of(data)
        target = self.path_for(sha256)
        existing = self.find(sha256)
        if existing is not None and existing.stat().st_size == len(data):
            return StoredBlob(sha256=sha256, size_bytes=len(data), created=False)
        if not target.parent.is_dir():
            target.parent.mkdir(parents=True, exist_ok=True)
            # A new fan-out directory must be durable too, or the file can vanish with it.
            if durable:
                _fsync_directory(self._root)
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                if durable:
                    handle.flush()
                    os.fsync(handle.fileno())
            Path(temporary).replace(target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        if durable:
            _fsync_directory(target.parent)
        return StoredBlob(sha256=sha256, size_bytes=len(data), created=True)

    def put_many(self, datas: list[bytes], *, workers: int = 16) -> list[StoredBlob]:
        """`put` for a batch. The fsyncs run in parallel: the file system commits its
        journal once for many files, so a batch costs about as much as one file
        (measured: 200 files 3.1 s one by one, 0.25 s with 8 threads)."""
        if len(datas) <= 1:
            return [self.put(data) for data in datas]
        with ThreadPoolExecutor(max_workers=min(workers, len(datas)), thread_name_prefix="blob-put") as pool:
            return list(pool.map(self.put, datas))

    def get(self, sha256: str) -> bytes:
        """The stored bytes; raises FileNotFoundError if absent."""
        try:
            return self.path_for(sha256).read_bytes()
        except FileNotFoundError:
            path = self.find(sha256)
            if path is None:
                raise
            return path.read_bytes()

    def exists(self, sha256: str) -> bool:
        return self.find(sha256) is not None


def _fsync_directory(directory: Path) -> None:
    # A rename is durable only once its directory entry is flushed (POSIX).
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
