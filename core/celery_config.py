"""What the web app, the workers and beat must agree on about Celery: task names, queues, routes,
beat's schedule and its quiet housekeeping logs.

No Flask here and no task code: beat is built from this module and the settings alone
(``make_beat``), so it holds Celery and a Redis client and nothing of the web app.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from celery import Celery
from kombu import Queue

ANALYZE_JOB_TASK = "tagpulse.analyze_job"
PREDICT_TEXTS_TASK = "tagpulse.predict_texts"
DISPATCH_TRACKERS_TASK = "tagpulse.dispatch_due_trackers"
REAP_STALE_JOBS_TASK = "tagpulse.reap_stale_jobs"
DELIVER_ALERT_TASK = "tagpulse.deliver_alert"
JOBS_QUEUE = "celery"
# Short tasks (beat's housekeeping, free-text scoring) get their own queue: behind a backlog of
# thousands of jobs they would expire or time out before a worker reached them. Every worker
# consumes both queues.
SHORT_QUEUE = "short"

HOUSEKEEPING = (REAP_STALE_JOBS_TASK, DISPATCH_TRACKERS_TASK, "reap-stale-jobs",
                "dispatch-due-trackers")


class QuietHousekeeping(logging.Filter):
    """Drop the routine INFO lines (sent, received, succeeded) of beat's every-few-seconds
    housekeeping: left running for days they were most of the log. Their warnings, errors and
    the reaper's own report of what it recovered still show."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO:
            return True
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad record is not ours to judge
            return True
        return not any(name in message for name in HOUSEKEEPING)


def quiet_housekeeping_logs() -> None:
    for name in ("celery.beat", "celery.worker.strategy", "celery.app.trace"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, QuietHousekeeping) for f in logger.filters):
            logger.addFilter(QuietHousekeeping())


def configure_celery(celery_app: Celery, settings: Mapping[str, Any]) -> Celery:
    """Give ``celery_app`` tagpulse's broker settings (``settings["CELERY"]``), queues, routes and
    beat schedule, from the settings of ``core.config.Config``; returns it."""
    celery_app.config_from_object(settings["CELERY"])
    celery_app.conf.task_default_queue = JOBS_QUEUE
    celery_app.conf.task_queues = (Queue(JOBS_QUEUE), Queue(SHORT_QUEUE))
    celery_app.conf.task_routes = {
        name: {"queue": SHORT_QUEUE}
        for name in (DISPATCH_TRACKERS_TASK, REAP_STALE_JOBS_TASK, PREDICT_TEXTS_TASK,
                     DELIVER_ALERT_TASK)
    }
    dispatch_every = settings["TRACKER_DISPATCH_SECONDS"]
    reap_every = settings["REAPER_SECONDS"]
    celery_app.conf.beat_schedule = {
        "dispatch-due-trackers": {
            "task": DISPATCH_TRACKERS_TASK,
            "schedule": timedelta(seconds=dispatch_every),
            # A dispatch that waited longer than its own period is useless: the next one covers it.
            "options": {"expires": dispatch_every},
        },
        "reap-stale-jobs": {
            "task": REAP_STALE_JOBS_TASK,
            "schedule": timedelta(seconds=reap_every),
            "options": {"expires": reap_every},
        },
    }
    quiet_housekeeping_logs()
    return celery_app
