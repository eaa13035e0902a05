"""A hashtag's sentiment over time: one point per finished run (ad-hoc or tracked)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.db import db
from core.models import Job
from webapp.jobs import iso


def trend_points(hashtag_key: str, *, since: datetime | None = None,
                 limit: int = 500) -> list[dict[str, Any]]:
    """Points ``{t, positive, neutral, negative, total, mean_score, job_id}``, oldest first.

    Counts are absolute; shares are left to the reader (total is there). Failed runs and runs
    that found nothing are left out: they carry no sentiment.
    """
    query = select(Job).where(Job.hashtag_key == hashtag_key.lower(), Job.status == "done")
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
        }
        for job in reversed(jobs)
        if job.total > 0
    ]
