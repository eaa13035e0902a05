"""Publishing a job's message and an alert delivery's (task names and queues are
``core.celery_config``'s). The job row, not the message, is the source of truth
(``core.lifecycle``)."""

from __future__ import annotations

import logging
import uuid

from flask import current_app

from core.broker import RedisTaskPublisher
from core.celery_config import ANALYZE_JOB_TASK, DELIVER_ALERT_TASK, JOBS_QUEUE

log = logging.getLogger(__name__)


JOB_PUBLISHER = "tagpulse.job_publisher"


def publish_job(job_id: int) -> bool:
    """Hand the job's message to the broker. False (logged, not raised) when it is unreachable;
    the caller records that on the job so the reaper publishes it later."""
    celery = current_app.extensions["celery"]
    task_id = f"job-{job_id}-{uuid.uuid4().hex[:8]}"
    publisher = _publisher(celery)
    try:
        if publisher is not None:
            publisher.publish(ANALYZE_JOB_TASK, [job_id], task_id=task_id, queue=JOBS_QUEUE)
        else:
            # No one waits on this task's result (the job row is the truth): without
            # ignore_result every publish also subscribed to, then left, a result channel.
            celery.send_task(ANALYZE_JOB_TASK, args=[job_id], task_id=task_id,
                             ignore_result=True)
    except Exception as exc:  # broker unreachable: the job row is safe in the database
        log.warning("could not publish job %s (%s: %s); the reaper will retry",
                    job_id, type(exc).__name__, exc)
        return False
    return True


def _publisher(celery) -> RedisTaskPublisher | None:
    """The direct publisher for the broker Celery is configured with now (made on first use and
    kept per app), or None where that broker needs ``send_task``."""
    url = celery.conf.broker_url
    made = current_app.extensions.get(JOB_PUBLISHER)
    if made is None or made[0] != url:
        made = current_app.extensions[JOB_PUBLISHER] = (url, RedisTaskPublisher.for_celery(celery))
    return made[1]


def publish_alert_delivery(delivery_id: int) -> bool:
    """Hand an alert delivery to the broker; False (logged) when it is unreachable: the
    delivery stays ``pending`` on its row and the page says so."""
    celery = current_app.extensions["celery"]
    try:
        celery.send_task(DELIVER_ALERT_TASK, args=[delivery_id], ignore_result=True)
    except Exception as exc:  # broker unreachable: never let an alert fail the job
        log.warning("could not publish alert delivery %s (%s: %s)",
                    delivery_id, type(exc).__name__, exc)
        return False
    return True
