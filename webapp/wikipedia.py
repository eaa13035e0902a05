"""A hashtag's topic in one paragraph, from Wikipedia's page summary, cached in the database.

Fetched server-side (pages never contact Wikipedia themselves), with a short timeout, and only
from the asynchronous ``/tags/<tag>/context`` request so a slow or absent network never delays
a page. Misses are cached too, so a tag with no article, or a server with no network, costs one
short attempt a day rather than one per page view.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from urllib.parse import quote

import requests
from flask import current_app
from sqlalchemy.exc import IntegrityError

from core.db import db
from core.hashtags import hashtag_key
from core.models import TopicSummary, utcnow

log = logging.getLogger(__name__)

# (connect, read): together at most 1.5 s, so the context request never lingers.
TIMEOUT = (0.75, 0.75)
FOUND_TTL = timedelta(days=30)
MISS_TTL = timedelta(days=1)
MAX_EXTRACT = 600
USER_AGENT = "tagpulse/0.1 (self-hosted hashtag sentiment service)"

_WORD_BOUNDARY = re.compile(
    r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=[0-9])")


def article_title(hashtag: str) -> str:
    """The article title to ask for: ``MachineLearning`` and ``machine_learning`` both give
    ``Machine_learning`` (Wikipedia capitalises only the first letter and follows redirects)."""
    words = _WORD_BOUNDARY.sub(" ", hashtag.replace("_", " ")).split()
    title = " ".join(words)
    if not title:
        return hashtag
    # Keep all-caps words (NASA, USA) as typed; lower-case the rest after the first letter.
    words = [w if w.isupper() and len(w) > 1 else w.lower() for w in title.split()]
    title = " ".join(words)
    return (title[0].upper() + title[1:]).replace(" ", "_")


def _is_fresh(summary: TopicSummary) -> bool:
    ttl = FOUND_TTL if summary.found else MISS_TTL
    return utcnow() - summary.fetched_at < ttl


def _fetch(hashtag: str) -> dict[str, str] | None:
    """The summary's fields, or None for no article, a disambiguation page or any failure."""
    url = current_app.config["WIKIPEDIA_SUMMARY_URL"] + quote(article_title(hashtag), safe="")
    try:
        response = requests.get(url, timeout=TIMEOUT, allow_redirects=True,
                                headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
    except requests.RequestException as error:
        log.info("no topic summary for #%s: %s", hashtag, type(error).__name__)
        return None
    if response.status_code != 200:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or body.get("type") != "standard":
        return None  # disambiguation pages say "X may refer to:", which helps no one
    extract = body.get("extract")
    if not isinstance(extract, str) or not extract.strip():
        return None
    page_url = (body.get("content_urls") or {}).get("desktop", {}).get("page")
    if not isinstance(page_url, str) or not page_url.startswith("https://"):
        page_url = None
    return {"title": str(body.get("title") or hashtag)[:300],
            "extract": _shorten(extract.strip()), "page_url": page_url}


def _shorten(text: str) -> str:
    if len(text) <= MAX_EXTRACT:
        return text
    cut = text[:MAX_EXTRACT].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def topic_summary(hashtag: str) -> TopicSummary | None:
    """The cached or freshly fetched summary for the hashtag; None when there is none to show."""
    if not current_app.config.get("WIKIPEDIA_ENABLED", True):
        return None
    key = hashtag_key(hashtag)
    summary = db.session.get(TopicSummary, key)
    if summary is None or not _is_fresh(summary):
        fields = _fetch(hashtag)
        summary = _store(key, fields)
    return summary if summary is not None and summary.found else None


def _store(key: str, fields: dict[str, str] | None) -> TopicSummary | None:
    summary = db.session.get(TopicSummary, key) or TopicSummary(hashtag_key=key)
    summary.found = fields is not None
    summary.title = fields["title"] if fields else None
    summary.extract = fields["extract"] if fields else None
    summary.page_url = fields["page_url"] if fields else None
    summary.fetched_at = utcnow()
    db.session.add(summary)
    try:
        db.session.commit()
    except IntegrityError:
        # Another request cached the same tag a moment ago; its row is as good as ours.
        db.session.rollback()
        return db.session.get(TopicSummary, key)
    return summary
