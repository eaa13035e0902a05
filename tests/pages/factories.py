"""Rows for page tests, written straight to the database (no worker, no model needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

from core.db import db
from core.hashtag_posts import add_posts
from core.models import Job, JobTweet, Tweet

BASE_TIME = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
_ids = count(1)

PROBS = {
    "positive": (0.05, 0.10, 0.85),
    "neutral": (0.15, 0.70, 0.15),
    "negative": (0.80, 0.15, 0.05),
}


def make_job(hashtag: str = "Python", *, status: str = "done", limit: int = 100,
             source: str = "sample", error: str | None = None, minutes: int = 0,
             tracker_id: int | None = None, **fields) -> Job:
    """A job row; counts and mean score are filled in by ``add_tweets``."""
    created = BASE_TIME + timedelta(minutes=minutes)
    job = Job(hashtag=hashtag, hashtag_key=hashtag.lower(), source=source, tweet_limit=limit,
              status=status, error=error, created_at=created, tracker_id=tracker_id,
              started_at=created if status != "queued" else None,
              finished_at=created + timedelta(seconds=20) if status in ("done", "failed") else None,
              **{"model_version": "test-1" if status != "queued" else None, **fields})
    db.session.add(job)
    db.session.commit()
    return job


def add_tweets(job: Job, tweets: list[tuple[str, float, str]], *, username: str = "someone",
               source: str | None = None) -> list[Tweet]:
    """Link scored tweets ``(label, score, text)`` to the job and update its counts."""
    rows = []
    for label, score, text in tweets:
        number = next(_ids)
        negative, neutral, positive = PROBS[label]
        tweet = Tweet(source=source or job.source, source_id=str(1000 + number),
                      username=f"{username}{number}", text=text,
                      url=f"https://x.com/i/web/status/{1000 + number}",
                      created_at=BASE_TIME + timedelta(minutes=number), label=label,
                      score=score, prob_negative=negative, prob_neutral=neutral,
                      prob_positive=positive, model_version="test-1")
        db.session.add(tweet)
        rows.append(tweet)
    db.session.flush()
    for tweet in rows:
        db.session.add(JobTweet(job_id=job.id, tweet_id=tweet.id))
    add_posts(job.hashtag_key, [tweet.id for tweet in rows])
    for label in ("positive", "neutral", "negative"):
        setattr(job, label, getattr(job, label) + sum(t.label == label for t in rows))
    job.scored = job.fetched = job.total
    if rows:
        job.mean_score = sum(t.score for t in rows) / len(rows)
    db.session.commit()
    return rows
