"""The alert delivery task: a thin wrapper over ``worker.alerts`` with retries and backoff."""

from __future__ import annotations

from celery import shared_task
from flask import current_app

from core.celery_config import DELIVER_ALERT_TASK
from worker import alerts


@shared_task(name=DELIVER_ALERT_TASK, bind=True, max_retries=None, ignore_result=True)
def deliver_alert(self, delivery_id: int) -> str:
    """Send one delivery; a failure is retried (30 s, 60 s, 120 s, ...) up to ALERT_MAX_ATTEMPTS,
    then recorded as failed with its reason. A refused address is not retried."""
    settings = current_app.config
    try:
        return alerts.attempt(delivery_id, settings)
    except alerts.DeliveryFailed as error:
        if error.permanent or self.request.retries + 1 >= settings["ALERT_MAX_ATTEMPTS"]:
            alerts.give_up(delivery_id, error.reason)
            return alerts.FAILED
        countdown = settings["ALERT_RETRY_SECONDS"] * 2 ** self.request.retries
        raise self.retry(countdown=countdown) from None
