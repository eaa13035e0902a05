"""The beat-driven dispatch task: a thin wrapper over ``worker.tracking``."""

from __future__ import annotations

import logging

from celery import shared_task

from core.celery_config import DISPATCH_TRACKERS_TASK
from core.models import utcnow
from worker import tracking

log = logging.getLogger(__name__)


@shared_task(name=DISPATCH_TRACKERS_TASK)
def dispatch_due_trackers() -> dict:
    """Create the jobs of every due tracker; running it twice (or redelivered) is harmless."""
    report = tracking.dispatch_due_trackers(utcnow())
    if report.created or report.duplicates:
        log.info("dispatch: created jobs %s; slots already taken for trackers %s",
                 report.created, report.duplicates)
    return {"created": len(report.created), "duplicates": len(report.duplicates),
            "changed": len(report.changed), "unpublished": len(report.unpublished)}
