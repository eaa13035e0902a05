"""Alerts that reach people: a tracker's webhook (a JSON POST with a Slack-compatible ``text``
and the figures) and/or e-mail, each delivery recorded on its row (``pending``, ``sent`` or
``failed`` with the reason). Plain functions; ``worker.alert_tasks`` retries them.

Nothing here can fail or delay a job: deliveries are queued after the alert is committed and
sent by their own task on the short queue.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import requests
from sqlalchemy import update

from core.db import db
from core.models import Alert, AlertDelivery, Job, Tracker, utcnow
from core.queue import publish_alert_delivery
from core.shares import percent_against, threshold_percent
from core.webhooks import UnsafeWebhook, check_webhook_url

log = logging.getLogger(__name__)

SENT, FAILED, PENDING = "sent", "failed", "pending"


class DeliveryFailed(Exception):
    """A delivery attempt failed; ``permanent`` ones are not retried (a refused address)."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


def queue_deliveries(alert: Alert, tracker: Tracker, *,
                     publish: Callable[[int], bool] | None = None) -> list[int]:
    """One pending delivery per channel the tracker has, committed, then handed to the broker."""
    channels = [(name, target) for name, target in (("webhook", tracker.alert_webhook_url),
                                                    ("email", tracker.alert_email)) if target]
    if not channels:
        return []
    now = utcnow()
    rows = [AlertDelivery(alert_id=alert.id, tracker_id=tracker.id, channel=name, target=target,
                          status=PENDING, attempts=0, created_at=now, updated_at=now)
            for name, target in channels]
    db.session.add_all(rows)
    db.session.commit()
    ids = [row.id for row in rows]
    publish = publish or publish_alert_delivery
    for delivery_id in ids:
        publish(delivery_id)
    return ids


@dataclass(frozen=True)
class AlertMessage:
    subject: str
    text: str
    payload: dict[str, Any]


def alert_message(alert: Alert, job: Job | None, base_url: str = "") -> AlertMessage:
    share = percent_against(alert.negative_share, alert.threshold)
    job_path = f"/jobs/{alert.job_id}"
    tag_path = f"/tags/{alert.hashtag_key}"
    link = f"{base_url}{job_path}" if base_url else job_path
    counts = ({"positive": job.positive, "neutral": job.neutral, "negative": job.negative,
               "total": job.total, "mean_score": job.mean_score} if job else {})
    text = (f"tagpulse alert: #{alert.hashtag_key} is {share} negative "
            f"(threshold {threshold_percent(alert.threshold)})"
            + (f" in {counts['total']} new posts" if counts else "") + f". {link}")
    payload = {
        "text": text,
        "hashtag": alert.hashtag_key,
        "negative_share": round(alert.negative_share, 4),
        "threshold": alert.threshold,
        "counts": counts,
        "job_id": alert.job_id,
        "tracker_id": alert.tracker_id,
        "alert_id": alert.id,
        "created_at": alert.created_at.isoformat().replace("+00:00", "Z"),
        "job_url": link,
        "tag_url": f"{base_url}{tag_path}" if base_url else tag_path,
    }
    return AlertMessage(f"#{alert.hashtag_key}: {share} negative", text, payload)


def send_webhook(url: str, payload: dict[str, Any], *, timeout: float,
                 allow_private: bool) -> None:
    """POST the JSON; 2xx is sent. The URL is checked again first (DNS may have changed), and
    redirects are not followed (a public URL must not bounce the request inside)."""
    try:
        check_webhook_url(url, allow_private=allow_private)
    except UnsafeWebhook as error:
        raise DeliveryFailed(f"refused: {error}", permanent=True) from None
    try:
        response = requests.post(url, json=payload, timeout=timeout, allow_redirects=False,
                                 headers={"User-Agent": "tagpulse-alerts"})
    except requests.RequestException as error:
        raise DeliveryFailed(f"no answer: {type(error).__name__}") from None
    if not 200 <= response.status_code < 300:
        raise DeliveryFailed(f"the webhook answered HTTP {response.status_code}")


def send_email(to: str, message: AlertMessage, settings: Mapping[str, Any]) -> None:
    """One plain-text e-mail through the SMTP server the SMTP_* settings name."""
    if not settings["SMTP_HOST"]:
        raise DeliveryFailed("no SMTP server is configured (SMTP_HOST)", permanent=True)
    mail = EmailMessage()
    mail["From"] = settings["SMTP_FROM"]
    mail["To"] = to
    mail["Subject"] = f"tagpulse alert: {message.subject}"
    mail.set_content(message.text + "\n")
    timeout = settings["ALERT_TIMEOUT_SECONDS"]
    try:
        if settings["SMTP_SSL"]:
            server = smtplib.SMTP_SSL(settings["SMTP_HOST"], settings["SMTP_PORT"],
                                      timeout=timeout, context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(settings["SMTP_HOST"], settings["SMTP_PORT"], timeout=timeout)
        with server:
            if settings["SMTP_STARTTLS"] and not settings["SMTP_SSL"]:
                server.starttls(context=ssl.create_default_context())
            if settings["SMTP_USER"]:
                server.login(settings["SMTP_USER"], settings["SMTP_PASSWORD"])
            server.send_message(mail)
    except (smtplib.SMTPException, OSError) as error:
        # The reason is shown on the tracker page: the class and SMTP code, never credentials.
        code = getattr(error, "smtp_code", None)
        raise DeliveryFailed(f"SMTP: {type(error).__name__}" + (f" {code}" if code else "")
                             ) from None


def attempt(delivery_id: int, settings: Mapping[str, Any]) -> str:
    """One attempt: ``sent``, or DeliveryFailed raised after recording the attempt."""
    delivery = db.session.get(AlertDelivery, delivery_id)
    if delivery is None or delivery.status != PENDING:
        return delivery.status if delivery else "gone"
    alert = db.session.get(Alert, delivery.alert_id)
    message = alert_message(alert, db.session.get(Job, alert.job_id),
                            settings.get("PUBLIC_BASE_URL", ""))
    channel, target = delivery.channel, delivery.target
    db.session.rollback()  # no transaction held open while we wait on the network
    try:
        if channel == "webhook":
            send_webhook(target, message.payload, timeout=settings["ALERT_TIMEOUT_SECONDS"],
                         allow_private=settings["ALERT_WEBHOOK_ALLOW_PRIVATE"])
        else:
            send_email(target, message, settings)
    except DeliveryFailed as error:
        record(delivery_id, PENDING, error.reason)
        raise
    record(delivery_id, SENT, None)
    log.info("alert delivery %s (%s) sent", delivery_id, channel)
    return SENT


def record(delivery_id: int, status: str, reason: str | None, *, count: bool = True) -> None:
    values: dict[str, Any] = {"status": status, "reason": reason, "updated_at": utcnow()}
    if count:
        values["attempts"] = AlertDelivery.attempts + 1
    db.session.execute(update(AlertDelivery).where(AlertDelivery.id == delivery_id)
                       .values(values))
    db.session.commit()


def give_up(delivery_id: int, reason: str) -> None:
    record(delivery_id, FAILED, reason, count=False)
    log.warning("alert delivery %s failed: %s", delivery_id, reason)
