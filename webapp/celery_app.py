"""Celery bound to the Flask app, the way Flask's own Celery pattern does it.

Tasks run inside ``app.app_context()`` so they use the same models and configuration as views.
"""

from __future__ import annotations

from datetime import timedelta

from celery import Celery, Task
from flask import Flask
from kombu import Queue

ANALYZE_JOB_TASK = "tagpulse.analyze_job"
PREDICT_TEXTS_TASK = "tagpulse.predict_texts"
DISPATCH_TRACKERS_TASK = "tagpulse.dispatch_due_trackers"
REAP_STALE_JOBS_TASK = "tagpulse.reap_stale_jobs"
JOBS_QUEUE = "celery"
# Short tasks (beat's housekeeping, free-text scoring) get their own queue: behind a backlog of
# thousands of jobs they would expire or time out before a worker reached them. Every worker
# consumes both queues.
SHORT_QUEUE = "short"


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask,
                        include=["worker.tasks", "worker.tracking_tasks"])
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.conf.task_default_queue = JOBS_QUEUE
    celery_app.conf.task_queues = (Queue(JOBS_QUEUE), Queue(SHORT_QUEUE))
    celery_app.conf.task_routes = {
        name: {"queue": SHORT_QUEUE}
        for name in (DISPATCH_TRACKERS_TASK, REAP_STALE_JOBS_TASK, PREDICT_TEXTS_TASK)
    }
    dispatch_every = app.config["TRACKER_DISPATCH_SECONDS"]
    reap_every = max(10.0, app.config["STALE_JOB_SECONDS"] / 3)
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
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
