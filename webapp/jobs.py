"""Job service: create, enqueue, read and list jobs. Plain functions over the models."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from core import lifecycle
from core.db import db
from core.models import LABELS, Job, JobTweet, Tweet, utcnow
from webapp.validation import JobRequest

SORTS = {
    "newest": (Tweet.created_at.desc(), Tweet.id.desc()),
    "positive": (Tweet.score.desc(), Tweet.id.desc()),
    "negative": (Tweet.score.asc(), Tweet.id.desc()),
}


def create_job(request: JobRequest, *, created_by: int | None = None) -> Job:
    """Record a queued job and hand it to the broker; the row exists even if the broker is down
    (then the job says so, and the reaper hands it over when the broker answers)."""
    now = utcnow()
    job = lifecycle.new_job(hashtag=request.hashtag, source=request.source,
                            limit=request.limit, now=now)
    job.created_by = created_by
    db.session.commit()
    lifecycle.publish(job.id)
    return job


def get_job(job_id: int) -> Job | None:
    return db.session.get(Job, job_id)


@dataclass(frozen=True)
class JobPage:
    jobs: list[Job]
    page: int
    pages: int
    total: int


def list_jobs(*, hashtag: str | None = None, status: str | None = None,
              page: int = 1, per_page: int = 20) -> JobPage:
    """History, newest first, optionally for one hashtag (any case) and/or one status."""
    query = select(Job)
    if hashtag:
        query = query.where(Job.hashtag_key == hashtag.lower())
    if status:
        query = query.where(Job.status == status)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    jobs = db.session.scalars(
        query.order_by(Job.created_at.desc(), Job.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    return JobPage(list(jobs), page, max(1, math.ceil(total / per_page)), total)


@dataclass(frozen=True)
class TweetPage:
    tweets: list[Tweet]
    page: int
    pages: int
    total: int


def job_tweets(job_id: int, *, label: str | None = None, sort: str = "newest",
               page: int = 1, per_page: int = 20) -> TweetPage:
    query = select(Tweet).join(JobTweet, JobTweet.tweet_id == Tweet.id).where(
        JobTweet.job_id == job_id)
    if label:
        query = query.where(Tweet.label == label)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    tweets = db.session.scalars(
        query.order_by(*SORTS[sort]).limit(per_page).offset((page - 1) * per_page)).all()
    return TweetPage(list(tweets), page, max(1, math.ceil(total / per_page)), total)


def iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def job_to_dict(job: Job) -> dict[str, Any]:
    total = job.total
    return {
        "id": job.id,
        "hashtag": job.hashtag,
        "source": job.source,
        "limit": job.tweet_limit,
        "status": job.status,
        "progress": {
            "fetched": job.fetched,
            "scored": job.scored,
            "total": total if job.is_finished else job.tweet_limit,
        },
        "counts": {label: getattr(job, label) for label in LABELS},
        "mean_score": job.mean_score,
        "error": job.error,
        "model_version": job.model_version,
        "tracker_id": job.tracker_id,
        "created_at": iso(job.created_at),
        "started_at": iso(job.started_at),
        "finished_at": iso(job.finished_at),
        "url": f"/api/jobs/{job.id}",
        "page_url": f"/jobs/{job.id}",
    }


def tweet_to_dict(tweet: Tweet) -> dict[str, Any]:
    return {
        "text": tweet.text,
        "username": tweet.username,
        "label": tweet.label,
        "score": tweet.score,
        "probs": {"negative": tweet.prob_negative, "neutral": tweet.prob_neutral,
                  "positive": tweet.prob_positive},
        "created_at": iso(tweet.created_at),
        "url": tweet.url,
    }
