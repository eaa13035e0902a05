"""Tracked hashtags on a schedule: which trackers are due, one job per slot, and alerts.

Plain functions over the models with the time passed in, so tests move the clock; the Celery
task in ``worker.tracking_tasks`` is a thin wrapper. The database, not memory, keeps dispatch
idempotent: the slot a job was made for is stored as ``Job.scheduled_for`` and the unique key
(tracker_id, scheduled_for) refuses a second job for it, whoever tries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from core import lifecycle
from core.db import db
from core.models import Alert, Job, Tracker, utcnow
from worker.alerts import queue_deliveries

log = logging.getLogger(__name__)

# Alerts for one tracker are at least this far apart, and never closer than its interval:
# a tracker stuck above its threshold should not alert on every run.
ALERT_COOLDOWN_FLOOR = timedelta(minutes=60)
DISPATCH_BATCH = 200


@dataclass(frozen=True)
class DueSlot:
    """A due tracker as it was read: ``slot`` is its next_run_at at that moment."""

    tracker_id: int
    slot: datetime
    hashtag: str
    hashtag_key: str
    source: str
    tweet_limit: int
    interval: timedelta
    lang: str = "en"


@dataclass
class DispatchReport:
    created: list[int] = field(default_factory=list)  # job ids
    duplicates: list[int] = field(default_factory=list)  # tracker ids whose slot had a job
    changed: list[int] = field(default_factory=list)  # tracker ids edited, paused or deleted
    unpublished: list[int] = field(default_factory=list)  # job ids left for the reaper


def next_slot(slot: datetime, interval: timedelta, now: datetime) -> datetime:
    """The first slot on the tracker's grid (slot + k * interval, k >= 1) strictly after now.

    Slots missed while nothing dispatched (beat stopped, database down) are skipped, so a
    tracker that was away for a day runs once, not once per missed slot.
    """
    missed = (now - slot) // interval if now >= slot else 0
    return slot + (missed + 1) * interval


def due_trackers(now: datetime, *, limit: int = DISPATCH_BATCH) -> list[DueSlot]:
    """Enabled trackers whose next_run_at is at or before ``now``, most overdue first."""
    rows = db.session.execute(
        select(Tracker.id, Tracker.next_run_at, Tracker.hashtag, Tracker.hashtag_key,
               Tracker.source, Tracker.tweet_limit, Tracker.interval_minutes, Tracker.lang)
        .where(Tracker.enabled.is_(True), Tracker.next_run_at.is_not(None),
               Tracker.next_run_at <= now)
        .order_by(Tracker.next_run_at, Tracker.id)
        .limit(limit)
    ).all()
    return [
        DueSlot(tracker_id=r.id, slot=r.next_run_at, hashtag=r.hashtag,
                hashtag_key=r.hashtag_key, source=r.source, tweet_limit=r.tweet_limit,
                interval=timedelta(minutes=r.interval_minutes), lang=r.lang)
        for r in rows
    ]


def latest_seen_id(tracker_id: int, hashtag_key: str, source: str) -> str | None:
    """The newest tweet id the tracker's latest done run saw (None before its first run).

    Runs of another hashtag or source (the tracker was edited) do not count: their ids say
    nothing about what this search has seen.
    """
    return db.session.scalar(
        select(Job.newest_id)
        .where(Job.tracker_id == tracker_id, Job.status == "done",
               Job.hashtag_key == hashtag_key, Job.source == source,
               Job.newest_id.is_not(None))
        .order_by(Job.finished_at.desc(), Job.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class SlotResult:
    """What dispatching one slot did: ``created`` (with the job), ``duplicate`` or ``changed``."""

    outcome: str
    job_id: int | None = None


def dispatch_slot(due: DueSlot, now: datetime) -> SlotResult:
    """Create the slot's job and advance the tracker's next_run_at, in one transaction.

    ``duplicate``: the slot has its job already (another dispatcher, beat firing twice or a
    redelivered task got there first). ``changed``: the tracker was paused, edited or deleted
    since it was read.
    """
    since_id = latest_seen_id(due.tracker_id, due.hashtag_key, due.source)
    job = lifecycle.new_job(hashtag=due.hashtag, source=due.source, limit=due.tweet_limit,
                            now=now, tracker_id=due.tracker_id, scheduled_for=due.slot,
                            since_id=since_id, lang=due.lang)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return SlotResult("duplicate")
    advanced = db.session.execute(
        update(Tracker)
        .where(Tracker.id == due.tracker_id, Tracker.next_run_at == due.slot,
               Tracker.enabled.is_(True))
        .values(next_run_at=next_slot(due.slot, due.interval, now), last_run_at=now)
    )
    if advanced.rowcount != 1:
        db.session.rollback()  # its new state decides what runs next
        return SlotResult("changed")
    db.session.commit()
    return SlotResult("created", job.id)


def dispatch_due_trackers(now: datetime, *, publish: Callable[[int], bool] = lifecycle.publish,
                          limit: int = DISPATCH_BATCH) -> DispatchReport:
    """Create and publish one job per due tracker; safe to run twice or concurrently."""
    report = DispatchReport()
    for due in due_trackers(now, limit=limit):
        result = dispatch_slot(due, now)
        if result.outcome == "duplicate":
            report.duplicates.append(due.tracker_id)
        elif result.outcome == "changed":
            report.changed.append(due.tracker_id)
        else:
            report.created.append(result.job_id)
            # After the commit: a message must never name a row that is not there. If
            # publishing fails the queued row stays, and the reaper publishes it later.
            if not publish(result.job_id):
                report.unpublished.append(result.job_id)
    return report


def alert_cooldown(interval_minutes: int) -> timedelta:
    return max(timedelta(minutes=interval_minutes), ALERT_COOLDOWN_FLOOR)


def record_alert_if_needed(job: Job) -> Alert | None:
    """Record an alert if this done, tracked run's negative share crossed the threshold.

    At most one alert per job (a unique key) and per cooldown per tracker (a conditional
    update of ``last_alert_at``, so two runs finishing together cannot both alert).
    """
    if job.status != "done" or job.tracker_id is None or job.total == 0:
        return None
    tracker = db.session.get(Tracker, job.tracker_id)
    if tracker is None or tracker.negative_alert_threshold is None:
        return None
    share = job.negative / job.total
    threshold = tracker.negative_alert_threshold
    if share < threshold:
        return None
    if db.session.scalar(select(Alert.id).where(Alert.job_id == job.id)) is not None:
        return None
    at = job.finished_at or utcnow()
    claimed = db.session.execute(
        update(Tracker)
        .where(Tracker.id == tracker.id,
               or_(Tracker.last_alert_at.is_(None),
                   Tracker.last_alert_at <= at - alert_cooldown(tracker.interval_minutes)))
        .values(last_alert_at=at)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        return None
    alert = Alert(tracker_id=tracker.id, job_id=job.id, hashtag_key=job.hashtag_key,
                  negative_share=share, threshold=threshold, created_at=at)
    db.session.add(alert)
    try:
        db.session.commit()
    except IntegrityError:  # the same job's check ran twice at once
        db.session.rollback()
        return None
    log.info("alert: #%s negative share %.2f >= %.2f (job %s)",
             job.hashtag, share, threshold, job.id)
    # Webhook and e-mail are sent by their own task: a slow or failing receiver never holds
    # the job, and the alert above is recorded whatever happens to them.
    queue_deliveries(alert, tracker)
    return alert


def after_tracked_run(job_id: int) -> Alert | None:
    """Called by the worker after a job finished done; never lets an alert error fail it."""
    try:
        job = db.session.get(Job, job_id)
        if job is None or job.tracker_id is None:
            return None
        return record_alert_if_needed(job)
    except Exception:
        db.session.rollback()
        log.exception("alert check for job %s failed; the job itself is done", job_id)
        return None
