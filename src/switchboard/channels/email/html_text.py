"""Readable plain text from an HTML mail body, with the standard library only.

Not a renderer: it keeps the words and the paragraph structure so an HTML-only
message has a text body to search, quote and preview.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

# Content that is never shown to a reader. `xml` covers the Office settings blocks
# Outlook puts into HTML mail.
_HIDDEN = frozenset({"script", "style", "title", "template", "noscript", "xml"})
_PARAGRAPH = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "dl", "blockquote", "pre"})
_LINE = frozenset(
    {
        "div",
        "tr",
        "li",
        "dd",
        "dt",
        "hr",
        "section",
        "article",
        "header",
        "footer",
        "address",
        "nav",
        "aside",
        "main",
        "figure",
        "figcaption",
        "center",
        "form",
        "fieldset",
        "caption",
        "body",
        "html",
    }
)
_CELL = frozenset({"td", "th"})
_WHITESPACE = re.compile(r"\s+")
_TAG = re.compile(r"<[^>]*>")
_MAX_NEWLINES = 2


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._out: list[str] = []
        self._hidden = 0
        self._in_head = False
        self._pre = 0
        self._pending_newlines = 0
        self._pending_prefix = ""
        self._line_start = True

    def _request_break(self, newlines: int) -> None:
        if self._out:
            self._pending_newlines = max(self._pending_newlines, newlines)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag == "head":
            self._in_head = True
        elif tag == "br":
            if self._out:
                self._pending_newlines = min(self._pending_newlines + 1, _MAX_NEWLINES)
        elif tag in _PARAGRAPH:
            self._request_break(2)
            if tag == "pre":
                self._pre += 1
        elif tag in _LINE:
            if tag == "body":
                # Mail often never closes <head>; the body starting ends it anyway.
                self._in_head = False
            self._request_break(1)
            if tag == "li":
                self._pending_prefix = "- "
        elif tag in _CELL and not self._line_start:
            self._pending_prefix = " "

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag == "head":
            self._in_head = False
        elif tag in _PARAGRAPH:
            self._request_break(2)
            if tag == "pre":
                self._pre = max(0, self._pre - 1)
        elif tag in _LINE:
            self._request_break(1)

    def handle_data(self, data: str) -> None:
        if self._hidden or self._in_head:
            return
        if self._pre:
            text = data
        else:
            text = _WHITESPACE.sub(" ", data)
            if self._line_start or self._pending_newlines:
                text = text.lstrip(" ")
        if not text:
            return
        if self._pending_newlines:
            self._out[-1] = self._out[-1].rstrip(" ")
            self._out.append("\n" * self._pending_newlines)
            self._pending_newlines = 0
            self._line_start = True
        if self._pending_prefix:
            if not (self._pending_prefix == " " and self._line_start):
                self._out.append(self._pending_prefix)
            self._pending_prefix = ""
        self._out.append(text)
        self._line_start = text.endswith("\n")

    def text(self) -> str:
        return "".join(self._out).strip()


def html_to_text(markup: str) -> str:
    """Plain text for `markup`: no scripts or styles, blocks on their own lines. Never raises."""
    try:
        extractor = _TextExtractor()
        extractor.feed(markup)
        extractor.close()
        return extractor.text()
    except Exception:  # noqa: BLE001 - html.parser can fail on hostile markup; a rough strip is still useful
        return _WHITESPACE.sub(" ", html.unescape(_TAG.sub(" ", markup))).strip()
