"""Persisting scored tweets: insert-or-ignore on unique keys, so redelivered work is harmless."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from webapp.extensions import db
from webapp.models import JobTweet, Tweet


def insert_ignoring_duplicates(model, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk INSERT ... ON CONFLICT DO NOTHING (a racing worker may have stored the row first)."""
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    db.session.execute(insert(model).on_conflict_do_nothing(), list(rows))


def stored_tweet_ids(source: str, source_ids: Sequence[str]) -> dict[str, int]:
    """Map source tweet id -> our tweet id, for the ones already stored."""
    if not source_ids:
        return {}
    rows = db.session.execute(
        select(Tweet.source_id, Tweet.id).where(
            Tweet.source == source, Tweet.source_id.in_(list(source_ids)))
    )
    return {source_id: tweet_id for source_id, tweet_id in rows}


def link_tweets(job_id: int, tweet_ids: Sequence[int]) -> None:
    insert_ignoring_duplicates(JobTweet, [{"job_id": job_id, "tweet_id": t} for t in tweet_ids])


def job_totals(job_id: int) -> dict[str, Any]:
    """Counts per label and mean score over the tweets linked to a job, straight from the rows."""
    rows = db.session.execute(
        select(Tweet.label, func.count(), func.sum(Tweet.score))
        .join(JobTweet, JobTweet.tweet_id == Tweet.id)
        .where(JobTweet.job_id == job_id)
        .group_by(Tweet.label)
    ).all()
    counts = {"negative": 0, "neutral": 0, "positive": 0}
    score_sum = 0.0
    for label, count, total_score in rows:
        counts[label] = count
        score_sum += total_score or 0.0
    total = sum(counts.values())
    return {**counts, "total": total, "mean_score": (score_sum / total) if total else None}
