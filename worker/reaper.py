"""Bring back jobs whose worker or message was lost, from the job rows (the source of truth).

Runs every few seconds (REAPER_SECONDS) from beat. Three kinds of job come back:

- running jobs whose worker is gone (a process on this host that no longer exists) or whose
  lease lapsed (a worker elsewhere that stopped renewing it): requeued and republished, or
  failed once their worker stopped ``max_losses`` times;
- queued jobs whose message never reached the broker (published_at is None), or was taken off
  it by a worker process on this host that died before starting the job: published;
- queued jobs that should have started ``grace`` ago: republished, but only when the broker's
  queue is empty, since then their message cannot be waiting behind others (a broker that
  restarted without its data, a worker killed while holding a delayed retry).

Republishing a job whose message does still exist is harmless: a claim takes a job once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from core import lifecycle


@dataclass(frozen=True)
class ReapReport:
    republished: list[int]
    requeued: list[int]
    failed: list[int]


def reap(*, now: datetime, lease: timedelta, max_losses: int, grace: timedelta,
         queue_is_empty: Callable[[], bool], publish: Callable[[int], bool]) -> ReapReport:
    requeued: list[int] = []
    failed: list[int] = []
    for lost in lifecycle.lost_jobs(now, lease=lease):
        outcome = lifecycle.recover_lost(lost, now, lease=lease, max_losses=max_losses)
        if outcome == "requeued":
            requeued.append(lost.job_id)
        elif outcome == "failed":
            failed.append(lost.job_id)
    candidates = lifecycle.unpublished_jobs(now)
    candidates += [job_id for job_id in lifecycle.abandoned_reservations()
                   if job_id not in set(candidates)]
    overdue = lifecycle.overdue_jobs(now, grace=grace)
    if overdue and queue_is_empty():
        candidates += [job_id for job_id in overdue if job_id not in set(candidates)]
    published = [job_id for job_id in candidates if publish(job_id)]
    lifecycle.mark_published(published, now)
    return ReapReport(republished=published, requeued=requeued, failed=failed)
