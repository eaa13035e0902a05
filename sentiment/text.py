"""The one text-cleaning function shared by training and serving.

Train/serve skew is the classic bug of text models: if the model was trained on text cleaned one
way and is served text cleaned another, accuracy silently drops. So training (``training.data``)
and serving (``sentiment.predict``) both call :func:`normalize` and nothing else.

The output is a lower-cased, space-separated token string that the model's ``TextVectorization``
layer splits on whitespace. It follows the TweetEval convention the training data uses: user
mentions become ``@user`` and URLs are dropped.

Words in the scope of a negation carry a ``_neg`` suffix (``not good`` becomes ``not good_neg``):
the classic scope of Das & Chen (2001) and Pang et al. (2002), from a negation cue up to the
next clause punctuation or "but". A bag of n-grams otherwise reads "not good" mostly as "good".
"""

from __future__ import annotations

import html
import re

__all__ = ["NEGATION_SUFFIX", "normalize"]

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
NEGATION_SUFFIX = "_neg"
# Negation cues: these words, any contraction ending in "n't", and the same without apostrophe.
_NEGATION_WORDS = frozenset({
    "not", "no", "never", "cannot", "nothing", "nobody", "none", "nowhere", "neither", "nor",
    "without", "ain", "aint", "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent",
    "cant", "couldnt", "wont", "wouldnt", "shouldnt", "havent", "hasnt", "hadnt",
})
# Where a negation's scope ends: clause punctuation, and "but", which turns the sentence round.
_SCOPE_ENDS = frozenset('.,!?;:…"') | {"but"}


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
    return " ".join(_mark_negation(_TOKEN.findall(text)))


def _is_negation(token: str) -> bool:
    return token in _NEGATION_WORDS or token.endswith("n't")


def _mark_negation(tokens: list[str]) -> list[str]:
    """Suffix the words between a negation cue and the end of its scope with ``_neg``."""
    negated = False
    for index, token in enumerate(tokens):
        if token in _SCOPE_ENDS:
            negated = False
        elif _is_negation(token):
            negated = True
        elif negated and token[0].isalnum() and not token.endswith(NEGATION_SUFFIX):
            # Words only: emoji, "#" and "@user" keep one token whatever their context.
            tokens[index] = token + NEGATION_SUFFIX
    return tokens
