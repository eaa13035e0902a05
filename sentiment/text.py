"""The one text-cleaning function shared by training and serving.

Train/serve skew is the classic bug of text models: if the model was trained on text cleaned one
way and is served text cleaned another, accuracy silently drops. So training (``training.data``)
and serving (``sentiment.predict``) both call :func:`normalize` and nothing else.

The output is a lower-cased, space-separated token string that the model's ``TextVectorization``
layer splits on whitespace. It follows the TweetEval convention the training data uses: user
mentions become ``@user`` and URLs are dropped.
"""

from __future__ import annotations

import html
import re

__all__ = ["normalize"]

# TweetEval's 2013 SemEval tweets carry literal "\u2019" escape sequences as text.
_LITERAL_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_URL = re.compile(r"(?:https?://|www\.)\S+|\bhttps?\b:?", re.IGNORECASE)
# The look-behind keeps e-mail addresses ("a@b.com") from turning into "a@user".
_MENTION = re.compile(r"(?<![\w@])@\w+")
# Emoji presentation details that multiply the vocabulary without changing the sentiment:
# variation selectors, zero-width joiners and skin-tone modifiers.
_EMOJI_NOISE = re.compile("[\ufe0e\ufe0f\u200d\U0001f3fb-\U0001f3ff]")
# "soooo good!!!!!" and "sooooooo good!!" should share tokens; three repeats keep the emphasis.
_REPEATS = re.compile(r"(.)\1{3,}")
_TOKEN = re.compile(
    r"""
    <3+                                    # heart
    | [:;=][\-o^']?(?:[)\](\[/\\|*]+|[dp3](?!\w))  # emoticons, already lower-cased: :) ;-( :d
    | @user
    | \w+(?:'\w+)*                         # words, keeping contractions: don't, i'm, y'all
    | \S                                   # everything else alone: punctuation, #, each emoji
    """,
    re.VERBOSE,
)
# Curly quotes and the backtick some datasets use as an apostrophe ("I`d") all become "'",
# so that negations such as "don’t" and "don`t" share the token "don't".
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'",
                         "\u201c": '"', "\u201d": '"'})


def _decode_escape(match: re.Match[str]) -> str:
    return chr(int(match.group(1), 16))


def normalize(text: str) -> str:
    """Clean one tweet into the space-separated, lower-cased tokens the model was trained on."""
    if "\\u" in text:
        text = _LITERAL_ESCAPE.sub(_decode_escape, text)
    # Twice, because tweets are often double-escaped ("&amp;amp;").
    text = html.unescape(html.unescape(text))
    text = _URL.sub(" ", text)
    text = _MENTION.sub("@user", text)
    text = _EMOJI_NOISE.sub("", text.translate(_QUOTES)).lower()
    text = _REPEATS.sub(r"\1\1\1", text)
    return " ".join(_TOKEN.findall(text))
