"""Which posts a job scores: those in its language. Shared by the worker (what to score) and
the web app (how to count and list), so the two always agree.

The model reads English. A post in another language is stored and linked to the job, but not
scored: it is counted and listed as "not scored: language" rather than given an arbitrary score.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_

from core.models import Tweet

DEFAULT_LANG = "en"


def primary_language(tag: str | None) -> str | None:
    """The primary subtag of a BCP 47 language tag, lower-cased ("en-GB" -> "en"); None for
    none or for the codes that say "no language" (und, zxx, mul and X's private qme/qht/...)."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    if not primary.isascii() or not primary.isalpha() or not 2 <= len(primary) <= 3:
        return None
    if primary in ("und", "zxx", "mul", "mis") or primary.startswith("q"):
        return None
    return primary


def scored_in(job_lang: str, post_lang: str | None) -> bool:
    """Whether a job of ``job_lang`` scores a post of ``post_lang``. Posts stored before
    languages were recorded (None) were all English, and count as the job's."""
    return post_lang is None or post_lang == job_lang


def scored_condition(job_lang: str | ColumnElement[str]) -> ColumnElement[bool]:
    """``scored_in`` as SQL over ``Tweet.lang``; ``job_lang`` may be a bound parameter."""
    return or_(Tweet.lang.is_(None), Tweet.lang == job_lang)
