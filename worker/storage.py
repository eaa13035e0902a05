"""Persisting scored tweets in few round trips, with insert-or-ignore on the unique keys so a
racing or redelivered worker can never store a tweet twice or link it twice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, select, update

from core.bulk import insert_ignoring_conflicts, one_of
from core.db import db
from core.languages import DEFAULT_LANG, scored_condition
from core.models import JobTweet, Tweet


@dataclass(frozen=True)
class StoredTweet:
    id: int
    source_id: str
    label: str | None
    score: float | None
    model_version: str | None
    lang: str | None = None
    created_at: datetime | None = None


def stored_tweets(source: str, source_ids: Sequence[str]) -> dict[str, StoredTweet]:
    """The tweets of ``source`` already stored, by source tweet id."""
    if not source_ids:
        return {}
    rows = db.session.execute(
        select(Tweet.id, Tweet.source_id, Tweet.label, Tweet.score, Tweet.model_version,
               Tweet.lang, Tweet.created_at).where(
            Tweet.source == source, one_of(Tweet.source_id, source_ids))
    )
    return {row.source_id: StoredTweet(*row) for row in rows}


def insert_tweets(rows: Sequence[dict[str, Any]]) -> dict[str, StoredTweet]:
    """Insert new tweets in one statement; returns the ones this call inserted.

    A row another worker inserted meanwhile is skipped by ON CONFLICT DO NOTHING; the caller
    looks those up afterwards (rare: only when two jobs fetch the same new tweet at once).
    """
    if not rows:
        return {}
    # Only the new ids come back: the rest of each StoredTweet is in the rows sent. Returning
    # every field had the server format, and the driver parse, five more values per tweet.
    by_source_id = {row["source_id"]: row for row in rows}
    stored = {}
    for tweet_id, source_id in insert_ignoring_conflicts(Tweet.__table__, rows,
                                                         returning=("id", "source_id")):
        row = by_source_id[source_id]
        stored[source_id] = StoredTweet(tweet_id, source_id, row["label"], row["score"],
                                        row["model_version"], row["lang"], row["created_at"])
    return stored


def rescore_tweets(rows: Sequence[dict[str, Any]], previous_version: dict[int, str]) -> set[int]:
    """Replace the scores of stored tweets (``id`` plus the score columns); returns the ids this
    call changed. A tweet another worker rescored meanwhile (its model version is no longer the
    one read) is left alone, so the hashtag counts move it once (tweets a previous model scored,
    seen again after an upgrade; rare, so one statement per tweet)."""
    table = Tweet.__table__
    changed = set()
    for row in rows:
        previous = previous_version[row["tweet_id"]]
        # A tweet stored unscored (another language) has no model version yet.
        unchanged = (table.c.model_version.is_(None) if previous is None
                     else table.c.model_version == previous)
        result = db.session.execute(
            update(table).where(table.c.id == row["tweet_id"], unchanged)
            .values({k: v for k, v in row.items() if k != "tweet_id"}))
        if result.rowcount:
            changed.add(row["tweet_id"])
    return changed


def link_tweets(job_id: int, tweet_ids: Sequence[int]) -> set[int]:
    """Link tweets to a job; returns the tweet ids that were not linked already."""
    if not tweet_ids:
        return set()
    rows = [{"job_id": job_id, "tweet_id": t} for t in tweet_ids]
    return {row.tweet_id for row in insert_ignoring_conflicts(JobTweet.__table__, rows,
                                                              returning=("tweet_id",))}


def unlink_all(job_id: int) -> None:
    """Forget what an earlier, interrupted attempt linked: the new attempt starts over."""
    db.session.execute(delete(JobTweet).where(JobTweet.job_id == job_id))


def job_totals(job_id: int, lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """Counts per label and mean score over the tweets linked to a job in its language, and how
    many linked tweets were not scored for their language, straight from the rows."""
    # NULL for a post not in the job's language. Grouped by the expression itself: PostgreSQL
    # would read GROUP BY "label" as the column, not this alias.
    label = case((scored_condition(lang), Tweet.label), else_=None)
    rows = db.session.execute(
        select(label, func.count(), func.sum(Tweet.score))
        .join(JobTweet, JobTweet.tweet_id == Tweet.id)
        .where(JobTweet.job_id == job_id)
        .group_by(label)
    ).all()
    counts = {"negative": 0, "neutral": 0, "positive": 0}
    score_sum, skipped = 0.0, 0
    for label, count, total_score in rows:
        if label is None:
            skipped += count
            continue
        counts[label] = count
        score_sum += total_score or 0.0
    total = sum(counts.values())
    return {**counts, "total": total, "mean_score": (score_sum / total) if total else None,
            "skipped_language": skipped}
