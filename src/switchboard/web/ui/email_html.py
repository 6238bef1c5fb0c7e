"""An email's HTML body made ready for its sandboxed frame on the ticket page.

The body was sanitised when it was stored; it is sanitised again here (an older row,
or a sanitiser bug fixed since, must not become script today), its quoted history is
folded away, and its images are narrowed to the ones it carries itself: `cid:`
sources point at the message's own inline attachments, and every remote image is
dropped, so opening a ticket never tells a sender (or a tracker) that it was read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote

import nh3

from switchboard.channels.email import quoting
from switchboard.core.html import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES, sanitise_html


@dataclass(frozen=True, slots=True)
class FramedHtml:
    visible: str  # safe HTML: what the sender wrote
    folded: str  # safe HTML: quoted history and signature, "" when there is none
    remote_images_blocked: int


def content_id_key(content_id: str) -> str:
    """A Content-ID as `cid:` URLs and attachments both name it: no <>, unescaped, any case."""
    return unquote(content_id.strip().strip("<>")).lower()


class _ImageSources:
    """An nh3 attribute filter: `cid:` images to our URLs, every other image source dropped."""

    def __init__(self, inline_images: Mapping[str, str]) -> None:
        self._inline_images = inline_images
        self.blocked = 0

    def __call__(self, tag: str, attribute: str, value: str) -> str | None:
        if tag != "img" or attribute != "src":
            return value
        if value.lower().startswith("cid:"):
            return self._inline_images.get(content_id_key(value[4:]))
        self.blocked += 1
        return None


def _clean(html: str, sources: _ImageSources) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=sources,
    )


def framed_html(stored_html: str, *, inline_images: Mapping[str, str]) -> FramedHtml:
    """`stored_html` ready for the frame. `inline_images` maps `content_id_key`s of the
    message's own raster-image attachments to the URLs that serve them."""
    folded = quoting.fold_html(sanitise_html(stored_html))
    sources = _ImageSources(inline_images)
    # Each part is cleaned on its own: folding may cut the document anywhere, and
    # the sanitiser closes what a cut left open.
    visible = _clean(folded.visible, sources)
    rest = _clean(folded.folded, sources) if folded.folded else ""
    return FramedHtml(visible=visible, folded=rest, remote_images_blocked=sources.blocked)
