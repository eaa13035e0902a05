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
# Applied to lower-cased text. The bare "http" catches links truncated to "http…".
_URL = re.compile(r"(?:https?://|www\.)\S+|\bhttps?\b:?")
# The look-behind keeps e-mail addresses ("a@b.com") from turning into "a@user".
_MENTION = re.compile(r"(?<![\w@])@\w+")
# Curly quotes and the backtick some datasets use as an apostrophe ("I`d") become "'", so that
# negations such as "don’t" and "don`t" share the token "don't".
_QUOTE_MAP = {"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "\u201c": '"', "\u201d": '"'}
_QUOTES = re.compile("[" + "".join(_QUOTE_MAP) + "]")
# Emoji presentation details that multiply the vocabulary without changing the sentiment:
# variation selectors, zero-width joiners and skin-tone modifiers.
_EMOJI_NOISE = re.compile("[\ufe0e\ufe0f\u200d\U0001f3fb-\U0001f3ff]")
# "soooo good!!!!!" and "sooooooo good!!" should share tokens; three repeats keep the emphasis.
_REPEATS = re.compile(r"(.)\1\1\1+")
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


def _decode_escape(match: re.Match[str]) -> str:
    return chr(int(match.group(1), 16))


def _straight_quote(match: re.Match[str]) -> str:
    return _QUOTE_MAP[match.group()]


def normalize(text: str) -> str:
    """Clean one tweet into the space-separated, lower-cased tokens the model was trained on."""
    # It runs on every scored tweet, so the costlier steps are skipped when they cannot apply.
    if "\\u" in text:
        text = _LITERAL_ESCAPE.sub(_decode_escape, text)
    if "&" in text:
        # Twice, because tweets are often double-escaped ("&amp;amp;").
        text = html.unescape(html.unescape(text))
    text = text.lower()
    if "http" in text or "www." in text:
        text = _URL.sub(" ", text)
    if "@" in text:
        text = _MENTION.sub("@user", text)
    text = _QUOTES.sub(_straight_quote, text)
    text = _REPEATS.sub(r"\1\1\1", _EMOJI_NOISE.sub("", text))
    return " ".join(_TOKEN.findall(text))
