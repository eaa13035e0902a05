"""A post's language: the one its source states, else detected from its text.

Detection uses py3langid, whose model ships inside the wheel: nothing is downloaded at run time.
"""

from __future__ import annotations

import re

from core.languages import primary_language

UNDETERMINED = "und"
# What says nothing about the language: links, mentions, the hashtag sign, digits, emoji.
_NOISE = re.compile(r"https?://\S+|www\.\S+|@\w+(?:@[\w.-]+)?|[#\d_]+", re.UNICODE)


def detect_language(text: str) -> str:
    """The ISO 639-1 code of the language ``text`` is most likely in; "und" when it has no
    letters to tell by."""
    words = _NOISE.sub(" ", text)
    if not any(char.isalpha() for char in words):
        return UNDETERMINED
    import py3langid  # lazily: a worker that never needs it never loads its model

    code, _score = py3langid.classify(words)
    return code


def post_language(stated: str | None, text: str) -> str:
    """The source's stated language when it gave a usable one, else the detected one; either
    as ``primary_language`` writes it, the code a job's ``lang`` is compared with ("und" when
    the text has no letters to tell by)."""
    if language := primary_language(stated):
        return language
    detected = detect_language(text)
    return primary_language(detected) or detected
