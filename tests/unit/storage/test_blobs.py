"""The content-addressed blob store: one fan-out level, and blobs of the older layout still found."""

from __future__ import annotations

from pathlib import Path

import pytest

from switchboard.storage.blobs import BlobStore, digest_of


def test_put_stores_once_under_one_fan_out_level(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    first = blobs.put(b"hello")
    again = blobs.put(b"hello")
    assert first.created and not again.created and first.sha256 == digest_of(b"hello")
    assert blobs.path_for(first.sha256) == tmp_path / first.sha256[:2] / first.sha256
    assert blobs.get(first.sha256) == b"hello" and blobs.exists(first.sha256)
    assert [path.name for path in tmp_path.rglob("*") if path.is_file()] == [first.sha256]


def test_blobs_stored_in_the_two_level_layout_are_read_and_not_stored_again(tmp_path: Path) -> None:
    sha256 = digest_of(b"stored before the layout changed")
    legacy = tmp_path / sha256[:2] / sha256[2:4] / sha256
    legacy.parent.mkdir(parents=True)
    legacy.write_bytes(b"stored before the layout changed")
    blobs = BlobStore(tmp_path)
    assert blobs.exists(sha256) and blobs.find(sha256) == legacy
    assert blobs.get(sha256) == b"stored before the layout changed"
    assert not blobs.put(b"stored before the layout changed").created
    assert not blobs.path_for(sha256).exists()


def test_missing_and_malformed_names(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    missing = digest_of(b"never stored")
    assert not blobs.exists(missing) and blobs.find(missing) is None
    with pytest.raises(FileNotFoundError):
        blobs.get(missing)
    with pytest.raises(ValueError, match="not a SHA-256"):
        blobs.path_for("../../etc/passwd")
