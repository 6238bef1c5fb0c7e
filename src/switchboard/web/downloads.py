"""Serving stored bytes a customer sent us (attachments, raw emails) without trusting them.

Filenames and content types come from the sender. Whatever they say, a download is
saved, never rendered in our origin: an HTML or SVG "attachment" opened inline on
our domain could run script with the agent's session. Used by the API and the pages.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.responses import FileResponse, Response

from switchboard.core.errors import NotFound
from switchboard.storage.blobs import BlobStore

log = logging.getLogger(__name__)

OCTET_STREAM = "application/octet-stream"
RFC822 = "message/rfc822"
# Types a browser only ever shows as a picture or a PDF viewer: kept so the saved file
# opens in the right program. Everything else (HTML, SVG, XML, scripts, text whose
# charset a browser would guess) is plain bytes.
SAFE_DOWNLOAD_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"})
DOWNLOAD_MEDIA_TYPES = (*sorted(SAFE_DOWNLOAD_TYPES), OCTET_STREAM, RFC822)

# Raster images shown inside an email, recognised by their first bytes rather than by
# the sender's word. Never SVG: it is a document that can carry script.
_IMAGE_SIGNATURES: tuple[tuple[str, re.Pattern[bytes]], ...] = (
    ("image/png", re.compile(rb"\A\x89PNG\r\n\x1a\n")),
    ("image/jpeg", re.compile(rb"\A\xff\xd8\xff")),
    ("image/gif", re.compile(rb"\AGIF8[79]a")),
    ("image/webp", re.compile(rb"\ARIFF....WEBP", re.DOTALL)),
)
INLINE_IMAGE_TYPES = frozenset(media_type for media_type, _ in _IMAGE_SIGNATURES)
_SIGNATURE_BYTES = 12

# Shared by every download and inline image:
# - nosniff: the browser keeps to our Content-Type, so bytes sent as an image or as
#   octet-stream are never promoted to HTML or script.
# - the sandboxing CSP: even if a browser did render the bytes as a document (an old
#   viewer, a "view in browser" button), it gets a unique origin, no script, no loads.
# - private, no-store: a customer's file is per user and access-checked; no shared
#   cache may keep it, and it is not left on a shared computer's disk.
_BYTES_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
    "Referrer-Policy": "no-referrer",
}
# Downloads are navigations: another site may link to one, but may not read it with
# a no-cors request.
_DOWNLOAD_HEADERS = {**_BYTES_HEADERS, "Cross-Origin-Resource-Policy": "same-origin"}

_UNSAFE_IN_QUOTED_NAME = re.compile(r'["\\%;]')
_PATH_SEPARATORS = re.compile(r"[/\\]")
FALLBACK_NAME = "attachment"


_TYPE_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png"}


def download_media_type(declared: str) -> str:
    """The Content-Type to send for bytes whose sender called them `declared`."""
    essence = declared.split(";", 1)[0].strip().lower()
    essence = _TYPE_ALIASES.get(essence, essence)
    return essence if essence in SAFE_DOWNLOAD_TYPES else OCTET_STREAM


def safe_filename(name: str) -> str:
    """A sender's filename as a plain file name: no control characters (CR, LF, NUL),
    no directories (`../../etc/passwd` is `passwd`), no leading dots or spaces."""
    visible = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    last_part = _PATH_SEPARATORS.split(visible)[-1]
    return last_part.strip().lstrip(".").strip()[:200] or FALLBACK_NAME


def content_disposition(name: str) -> str:
    """`attachment` with the name twice: RFC 6266 `filename*` in UTF-8 for current
    browsers, and an ASCII `filename` (no quotes, backslashes or non-ASCII) for old ones."""
    display = safe_filename(name)
    ascii_name = "".join(c if c.isascii() else "_" for c in display)
    ascii_name = _UNSAFE_IN_QUOTED_NAME.sub("_", ascii_name)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(display, safe='')}"


def _existing_blob(blobs: BlobStore, sha256: str) -> Path:
    path = blobs.find(sha256)
    if path is None:
        # The row outlived its bytes (a restore from an older backup): say so, as a 404.
        log.warning("blob %s is missing from the store", sha256)
        raise NotFound("the stored file is missing")
    return path


def download(blobs: BlobStore, *, sha256: str, filename: str, declared_type: str) -> Response:
    """The blob as a file to save, whatever its sender said it was."""
    return FileResponse(
        _existing_blob(blobs, sha256),
        media_type=download_media_type(declared_type),
        headers={**_DOWNLOAD_HEADERS, "Content-Disposition": content_disposition(filename)},
    )


def original_email(blobs: BlobStore, *, sha256: str, message_id: int) -> Response:
    """The raw email a message came from, as `message-<id>.eml` to save."""
    return FileResponse(
        _existing_blob(blobs, sha256),
        media_type=RFC822,
        headers={**_DOWNLOAD_HEADERS, "Content-Disposition": content_disposition(f"message-{message_id}.eml")},
    )


def image_type_of(data: bytes) -> str | None:
    """The raster image type `data` starts like, or None."""
    head = data[:_SIGNATURE_BYTES]
    return next((media_type for media_type, signature in _IMAGE_SIGNATURES if signature.match(head)), None)


def inline_image(blobs: BlobStore, *, sha256: str, declared_type: str) -> Response:
    """A raster image to show inside an email; NotFound for anything else.

    Both the sender's type and the bytes must say PNG, JPEG, GIF or WebP, and the
    bytes' own type is sent.
    """
    if download_media_type(declared_type) not in INLINE_IMAGE_TYPES:
        raise NotFound("this attachment is not an image that can be shown inline")
    path = _existing_blob(blobs, sha256)
    with path.open("rb") as handle:
        media_type = image_type_of(handle.read(_SIGNATURE_BYTES))
    if media_type is None:
        raise NotFound("this attachment is not an image that can be shown inline")
    return FileResponse(path, media_type=media_type, headers={**_BYTES_HEADERS, "Content-Disposition": "inline"})


def binary_responses(description: str, media_types: tuple[str, ...] = DOWNLOAD_MEDIA_TYPES) -> dict[int | str, Any]:
    """The OpenAPI description of a 200 that carries bytes of one of `media_types`."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {200: {"description": description, "content": dict.fromkeys(media_types, binary)}}
