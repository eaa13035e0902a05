"""Mastodon's post HTML as the plain text a person reads.

Mastodon sends posts as a small, sanitised HTML: paragraphs, line breaks, links (mentions and
hashtags are links too) and spans that shorten long URLs for display. Paragraphs become blank
lines, line breaks newlines, a link its text (mentions read `@user`, hashtags `#tag`, a URL the
whole URL, invisible parts included, so the model's URL handling sees it), entities decoded.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = frozenset({"p", "div", "blockquote", "pre", "ul", "ol", "li", "h1", "h2", "h3", "h4",
                     "h5", "h6"})
_SKIPPED = frozenset({"script", "style"})


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIPPED:
            self._skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            # Whitespace in HTML source is not layout: only tags make line breaks.
            self.parts.append(re.sub(r"[ \t\r\n\f]+", " ", data))


def plain_text(content: str) -> str:
    """The text of a post's HTML ``content``, as shown to a reader."""
    collector = _TextCollector()
    collector.feed(content)
    collector.close()
    text = "".join(collector.parts)
    text = re.sub(r"[ \t]*\n[ \t]*", "\n", text)  # no spaces around line breaks
    text = re.sub(r"\n{3,}", "\n\n", text)  # one blank line between paragraphs
    return text.strip()
