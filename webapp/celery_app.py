"""Celery bound to the Flask app, the way Flask's own Celery pattern does it.

Tasks run inside ``app.app_context()`` so they use the same models and configuration as views.
Queues, routes and beat's schedule are ``core.celery_config``'s, shared with beat.
"""

from __future__ import annotations

from celery import Celery, Task
from flask import Flask

from core.celery_config import configure_celery


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask,
                        include=["worker.tasks", "worker.tracking_tasks", "worker.alert_tasks"])
    configure_celery(celery_app, app.config)
    # Signal handlers in the worker's main process run outside any task: they reach the app here.
    celery_app.flask_app = app
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
