"""Which posts a job scores: those in its language. Shared by the worker (what to score) and
the web app (how to count and list), so the two always agree.

The model reads English. A post in another language is stored and linked to the job, but not
scored: it is counted and listed as "not scored: language" rather than given an arbitrary score.
"""

from __future__ import annotations

from functools import lru_cache

import langcodes
from sqlalchemy import ColumnElement, or_

from core.models import Tweet

DEFAULT_LANG = "en"


# Longer than any tag a source sends or a person types ("zh-Hant-TW", "en-US-x-twain"): beyond
# it, parsing is not tried at all.
MAX_TAG_LENGTH = 35
# Codes that say "no language": undetermined, no linguistic content, multiple, uncoded.
NO_LANGUAGE = frozenset({"und", "zxx", "mul", "mis"})
# Where CLDR's preferred code is not the one the sources write: Tagalog is "tl" on X, Mastodon,
# Bluesky and in py3langid's detections, and CLDR would make it "fil".
AS_SOURCES_WRITE_IT = {"fil": "tl"}


@lru_cache(maxsize=4096)  # a pure function of a few dozen distinct tags, called for every post
def primary_language(tag: str | None) -> str | None:
    """The language a BCP 47 tag names, as the one code jobs and posts are compared by: the
    canonical ISO 639 code of its language subtag ("en-GB", "EN", "eng" -> "en"; X's old "iw" ->
    "he"; "cmn" -> "zh", the macrolanguage, as the sources tag Chinese).

    None for none, for what is not a registered language ("zz", "english"), and for the codes
    that say "no language" (und, zxx, mul, mis, and private use qaa-qtz, e.g. X's qme and qht).
    A person's "eng" used to be taken as given, and then no post ever matched it."""
    if not tag or len(tag) > MAX_TAG_LENGTH:
        return None
    try:
        language = langcodes.Language.get(
            langcodes.standardize_tag(tag.strip().replace("_", "-"), macro=True)).language
    except ValueError:  # not a language tag at all (langcodes' LanguageTagError)
        return None
    if (not language or not language.isascii() or not language.isalpha()
            or not 2 <= len(language) <= 3 or not langcodes.tag_is_valid(language)):
        return None
    if language in NO_LANGUAGE or (len(language) == 3 and "qaa" <= language <= "qtz"):
        return None
    return AS_SOURCES_WRITE_IT.get(language, language)


def scored_in(job_lang: str, post_lang: str | None) -> bool:
    """Whether a job of ``job_lang`` scores a post of ``post_lang``. Posts stored before
    languages were recorded (None) were all English, and count as the job's."""
    return post_lang is None or post_lang == job_lang


def scored_condition(job_lang: str | ColumnElement[str]) -> ColumnElement[bool]:
    """``scored_in`` as SQL over ``Tweet.lang``; ``job_lang`` may be a bound parameter."""
    return or_(Tweet.lang.is_(None), Tweet.lang == job_lang)
