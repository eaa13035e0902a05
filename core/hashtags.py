"""What a hashtag is, in any script, and the key runs of one hashtag are grouped and matched by.

Mastodon, Bluesky and X accept hashtags made of letters, combining marks and digits of any
script plus underscores (``#café``, ``#東京``, ``#españa``, ``#हिन्दी``), so tagpulse does too.
"""

from __future__ import annotations

import unicodedata

MAX_HASHTAG_LENGTH = 100

# Zero-width non-joiner: part of the spelling of words in Persian and some Indic scripts, and
# allowed inside hashtags by Mastodon and X.
_JOINERS = frozenset("\u200c")


def is_hashtag_char(char: str) -> bool:
    """A letter or mark of any script, a decimal digit of any script, or an underscore."""
    if char == "_" or char in _JOINERS:
        return True
    category = unicodedata.category(char)
    return category[0] in "LM" or category == "Nd"


def normalize_hashtag(tag: str) -> str:
    """The hashtag as stored and sent to sources: NFC, so "é" is one code point whichever way
    it was typed."""
    return unicodedata.normalize("NFC", tag)


def is_valid_hashtag(tag: str) -> bool:
    """Whether ``tag`` (without '#') is a hashtag the platforms would link."""
    return (0 < len(tag) <= MAX_HASHTAG_LENGTH and all(is_hashtag_char(c) for c in tag)
            and not all(c in _JOINERS for c in tag) and tag[0] not in _JOINERS)


def hashtag_key(tag: str) -> str:
    """The form runs of a hashtag are grouped and matched by: compatibility-normalised and
    case-folded, so "#Café", "#CAFÉ", "#cafe\u0301" and full-width "#ｃａｆé" are one hashtag
    (the platforms match hashtags case-insensitively too)."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", tag).casefold())
