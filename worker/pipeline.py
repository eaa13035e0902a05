"""A job's work as plain functions: claim it, fetch page by page, score each page in one batch,
store, record progress, finish. No Celery here, so it is testable with a fake clock and source.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import and_, or_, update

from webapp.extensions import db
from webapp.models import Job, utcnow
from worker.sources import FetchedTweet, TweetSource, newer_id
from worker.storage import (
    StoredTweet,
    insert_tweets,
    job_totals,
    link_tweets,
    stored_tweets,
    unlink_all,
)

log = logging.getLogger(__name__)

PAGE_SIZE = 100
# A running job whose heartbeat is older than this lost its worker; a redelivered message may
# take it over. Must exceed the longest gap between heartbeats (one page: fetch + score + store).
DEFAULT_LEASE = timedelta(seconds=60)


class PredictionLike(Protocol):
    """The shape of ``sentiment.Prediction``; typed here so this module never imports TensorFlow."""

    label: str
    score: float
    probs: dict[str, float]


Scorer = Callable[[Sequence[str]], Sequence[PredictionLike]]


@dataclass(frozen=True)
class JobOutcome:
    job_id: int
    status: str
    total: int
    error: str | None = None


def claim_job(job_id: int, now: datetime, stale_after: timedelta = DEFAULT_LEASE) -> Job | None:
    """Take the job: it must be queued, or running with a silent worker (a redelivery after a
    crash). Returns None when it is finished or another worker holds it alive."""
    result = db.session.execute(
        update(Job)
        .where(Job.id == job_id, or_(
            Job.status == "queued",
            and_(Job.status == "running",
                 or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < now - stale_after)),
        ))
        .values(status="running", started_at=now, heartbeat_at=now, fetched=0, scored=0,
                positive=0, neutral=0, negative=0, mean_score=None,
                attempts=Job.attempts + 1, error=None)
    )
    if result.rowcount == 0:
        db.session.rollback()
        return None
    # A previous attempt may have linked some tweets before it died: start over cleanly.
    unlink_all(job_id)
    db.session.commit()
    return db.session.get(Job, job_id)


def store_page(job: Job, tweets: Sequence[FetchedTweet], score: Scorer,
               model_version: str) -> list[StoredTweet]:
    """Score the page's new tweets in one batch, store them, link the page to the job.

    Returns the tweets newly linked to the job (a tweet already linked is not counted twice).
    """
    unique = list({t.source_id: t for t in tweets}.values())
    known = stored_tweets(job.source, [t.source_id for t in unique])
    new = [t for t in unique if t.source_id not in known]
    predictions = score([t.text for t in new]) if new else []
    stored_at = utcnow()
    known.update(insert_tweets([
        {
            "source": job.source, "source_id": t.source_id, "username": t.username[:100],
            # Sources send HTML-escaped text (&amp;): store what was written, escape on display.
            "text": html.unescape(t.text), "url": t.url, "created_at": t.created_at,
            "label": p.label, "score": float(p.score),
            "prob_negative": float(p.probs["negative"]), "prob_neutral": float(p.probs["neutral"]),
            "prob_positive": float(p.probs["positive"]),
            "model_version": model_version, "stored_at": stored_at,
        }
        for t, p in zip(new, predictions, strict=True)
    ]))
    missing = [t.source_id for t in unique if t.source_id not in known]
    if missing:  # inserted by a concurrent worker between our lookup and our insert
        known.update(stored_tweets(job.source, missing))
    linked = link_tweets(job.id, [known[t.source_id].id for t in unique])
    return [stored for stored in known.values() if stored.id in linked]


def record_progress(job: Job, fetched: int, linked: Sequence[StoredTweet], now: datetime) -> None:
    """Add a page's newly linked tweets to the job's running totals and beat the heartbeat."""
    if linked:
        score_sum = (job.mean_score or 0.0) * job.total + sum(t.score for t in linked)
        for tweet in linked:
            setattr(job, tweet.label, getattr(job, tweet.label) + 1)
        job.mean_score = score_sum / job.total
    job.fetched = fetched
    job.scored = job.total
    job.heartbeat_at = now
    db.session.commit()


def run_job(job_id: int, *, source: TweetSource, score: Scorer, model_version: str,
            clock: Callable[[], datetime] = utcnow) -> JobOutcome | None:
    """Do the whole job; source errors propagate for the task layer to retry or fail."""
    job = claim_job(job_id, clock())
    if job is None:
        return None
    job.model_version = model_version
    fetched = 0
    newest: str | None = None
    token: str | None = None
    while fetched < job.tweet_limit:
        page = source.fetch_page(job.hashtag, page_size=min(PAGE_SIZE, job.tweet_limit - fetched),
                                 since_id=job.since_id, page_token=token)
        tweets = page.tweets[: job.tweet_limit - fetched]
        linked = store_page(job, tweets, score, model_version) if tweets else []
        fetched += len(tweets)
        for tweet in tweets:
            newest = newer_id(newest, tweet.source_id)
        record_progress(job, fetched, linked, clock())
        token = page.next_token
        if not token or not page.tweets:
            break
    return finish_job(job, newest, clock())


def finish_job(job: Job, newest: str | None, now: datetime) -> JobOutcome:
    # The running totals are exact, but recount once from the rows: cheap, and the figures a
    # person reads then never depend on bookkeeping.
    totals = job_totals(job.id)
    job.positive, job.neutral, job.negative = (
        totals["positive"], totals["neutral"], totals["negative"])
    job.mean_score = totals["mean_score"]
    job.scored = totals["total"]
    job.newest_id = newer_id(job.since_id, newest)
    job.finished_at = now
    incremental = job.tracker_id is not None or job.since_id is not None
    if job.total == 0 and not incremental:
        job.status = "failed"
        job.error = f"No tweets found for #{job.hashtag} in the '{job.source}' source."
    else:
        # A tracked run with nothing new since the last one is a normal, empty result.
        job.status = "done"
    db.session.commit()
    return JobOutcome(job.id, job.status, job.total, job.error)


def fail_job(job_id: int, reason: str, now: datetime | None = None) -> None:
    """Fail a job that is not finished yet, saying why in words a person understands."""
    db.session.rollback()
    db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status.in_(("queued", "running")))
        .values(status="failed", error=reason, finished_at=now or utcnow())
    )
    db.session.commit()


def requeue_job(job_id: int, note: str | None = None, *,
                retry_at: datetime | None = None) -> None:
    """Put a running job back to queued (its retry is scheduled), keeping why in ``error``.

    ``retry_at`` goes in ``heartbeat_at``: the reaper leaves the job alone until then, instead of
    republishing a job that is only waiting for its retry (a second chain of retries each time).
    """
    db.session.rollback()
    db.session.execute(
        update(Job).where(Job.id == job_id, Job.status.in_(("queued", "running")))
        .values(status="queued", error=note, heartbeat_at=retry_at or utcnow())
    )
    db.session.commit()
