"""Bring back jobs whose message or worker was lost, from the job rows (the source of truth).

A queued job is republished only when the broker's queue is empty: then its message cannot be
waiting behind others, so it was lost (broker restart, publish failure). A running job whose
heartbeat went silent lost its worker (kill -9, OOM); it is requeued, or failed after
``max_attempts`` so nothing stays ``running`` forever.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update

from webapp.extensions import db
from webapp.models import Job


@dataclass(frozen=True)
class ReapReport:
    republished: list[int]
    requeued: list[int]
    failed: list[int]


def reap_stale_jobs(*, now: datetime, stale_after: timedelta, max_attempts: int,
                    queue_is_empty: bool, publish: Callable[[int], bool],
                    batch: int = 500) -> ReapReport:
    cutoff = now - stale_after
    silent = db.session.scalars(
        select(Job.id).where(Job.status == "running",
                             or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < cutoff))
        .limit(batch)
    ).all()
    to_fail = db.session.scalars(
        select(Job.id).where(Job.id.in_(silent), Job.attempts >= max_attempts)).all()
    to_requeue = [job_id for job_id in silent if job_id not in set(to_fail)]
    if to_fail:
        db.session.execute(
            update(Job).where(Job.id.in_(to_fail), Job.status == "running").values(
                status="failed", finished_at=now,
                error=f"The worker processing this job stopped {max_attempts} times; giving up."))
    if to_requeue:
        db.session.execute(
            update(Job).where(Job.id.in_(to_requeue), Job.status == "running").values(
                status="queued", heartbeat_at=now,
                error="The worker processing this job stopped; it was queued again."))
    db.session.commit()

    republish: list[int] = list(to_requeue)
    if queue_is_empty:
        republish += db.session.scalars(
            # heartbeat_at on a queued job is when its scheduled retry is due (requeue_job).
            select(Job.id).where(Job.status == "queued",
                                 func.coalesce(Job.heartbeat_at, Job.created_at) < cutoff,
                                 Job.id.not_in(to_requeue) if to_requeue else True)
            .order_by(Job.id).limit(batch)
        ).all()
    published = [job_id for job_id in republish if publish(job_id)]
    return ReapReport(republished=published, requeued=to_requeue, failed=list(to_fail))
