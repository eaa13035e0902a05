"""Celery bound to the Flask app, the way Flask's own Celery pattern does it.

Tasks run inside ``app.app_context()`` so they use the same models and configuration as views.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import Celery, Task
from flask import Flask
from kombu import Queue

from core.queue import (
    DELIVER_ALERT_TASK,
    DISPATCH_TRACKERS_TASK,
    JOBS_QUEUE,
    PREDICT_TEXTS_TASK,
    REAP_STALE_JOBS_TASK,
    SHORT_QUEUE,
)

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


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask,
                        include=["worker.tasks", "worker.tracking_tasks", "worker.alert_tasks"])
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.conf.task_default_queue = JOBS_QUEUE
    celery_app.conf.task_queues = (Queue(JOBS_QUEUE), Queue(SHORT_QUEUE))
    celery_app.conf.task_routes = {
        name: {"queue": SHORT_QUEUE}
        for name in (DISPATCH_TRACKERS_TASK, REAP_STALE_JOBS_TASK, PREDICT_TEXTS_TASK,
                     DELIVER_ALERT_TASK)
    }
    dispatch_every = app.config["TRACKER_DISPATCH_SECONDS"]
    reap_every = app.config["REAPER_SECONDS"]
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
    # Signal handlers in the worker's main process run outside any task: they reach the app here.
    celery_app.flask_app = app
    quiet_housekeeping_logs()
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
