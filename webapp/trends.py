"""A hashtag's sentiment over time: one point per finished run (ad-hoc or tracked)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from core.db import db
from core.hashtags import hashtag_key as key_of
from core.models import Job
from webapp.jobs import iso


def model_versions(hashtag_key: str) -> list[str]:
    """The model versions behind a hashtag's finished runs, oldest first."""
    rows = db.session.execute(
        select(Job.model_version, func.min(Job.finished_at))
        .where(Job.hashtag_key == key_of(hashtag_key), Job.status == "done",
               Job.model_version.is_not(None))
        .group_by(Job.model_version).order_by(func.min(Job.finished_at))).all()
    return [row[0] for row in rows]


def trend_points(hashtag_key: str, *, since: datetime | None = None,
                 limit: int = 500) -> list[dict[str, Any]]:
    """Points ``{t, positive, neutral, negative, total, mean_score, job_id}``, oldest first.

    Counts are absolute; shares are left to the reader (total is there). Failed runs and runs
    that found nothing are left out: they carry no sentiment.
    """
    query = select(Job).where(Job.hashtag_key == key_of(hashtag_key), Job.status == "done")
    if since is not None:
        query = query.where(Job.finished_at >= since)
    jobs = db.session.scalars(query.order_by(Job.finished_at.desc()).limit(limit)).all()
    return [
        {
            "t": iso(job.finished_at),
            "positive": job.positive,
            "neutral": job.neutral,
            "negative": job.negative,
            "total": job.total,
            "mean_score": job.mean_score,
            "job_id": job.id,
            "tracked": job.tracker_id is not None,
            # Runs before a model upgrade keep the figures of the model that scored them.
            "model_version": job.model_version,
        }
        for job in reversed(jobs)
        if job.total > 0
    ]
