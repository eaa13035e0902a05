"""Alerts that reach people: webhook and e-mail deliveries with retries, each recorded; webhook
URLs that point inside (loopback, private networks) refused when saved and when sent."""

from __future__ import annotations

import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from core.db import db
from core.models import Alert, AlertDelivery, Job
from core.webhooks import UnsafeWebhook, check_webhook_url
from tests.tracking.conftest import T0, add_tracker
from worker import tracking
from worker.alert_tasks import deliver_alert
from worker.alerts import alert_message


class Receiver:
    """A local webhook receiver answering the given statuses in turn (then 200)."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = list(statuses)
        self.bodies: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server spelling
                length = int(self.headers["Content-Length"])
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver_factory():
    made: list[Receiver] = []

    def make(statuses=()):
        receiver = Receiver(list(statuses))
        made.append(receiver)
        return receiver

    yield make
    for receiver in made:
        receiver.close()


@pytest.fixture
def alert_app(app):
    app.config.update(ALERT_WEBHOOK_ALLOW_PRIVATE=True, ALERT_RETRY_SECONDS=0,
                      ALERT_MAX_ATTEMPTS=3, ALERT_TIMEOUT_SECONDS=5, SMTP_STARTTLS=False)
    return app


def alerting_run(tracker_id: int, minutes: float = 0) -> Job:
    at = T0 + timedelta(minutes=minutes)
    job = Job(hashtag="python", hashtag_key="python", source="sample", tweet_limit=100,
              status="done", tracker_id=tracker_id, scheduled_for=at, finished_at=at,
              negative=8, neutral=2, positive=0, mean_score=0.2)
    db.session.add(job)
    db.session.commit()
    return job


def run_task(delivery_id: int, attempts: int = 5) -> str:
    """The task as the broker would run it: again after each retry, with the retry count."""
    for retries in range(attempts):
        result = deliver_alert.apply(args=[delivery_id], retries=retries)
        if result.state != "RETRY":
            return result.result
    return "RETRY"


def deliveries() -> list[AlertDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(AlertDelivery).order_by(AlertDelivery.id)))


def test_webhook_that_fails_first_is_retried_until_sent(alert_app, receiver_factory,
                                                        monkeypatch):
    receiver = receiver_factory([503])
    published: list[int] = []
    monkeypatch.setattr("worker.alerts.publish_alert_delivery", published.append)
    with alert_app.app_context():
        tracker_id = add_tracker("python", negative_alert_threshold=0.5,
                                 alert_webhook_url=receiver.url)
        job_id = alerting_run(tracker_id).id
        assert tracking.after_tracked_run(job_id) is not None
        [delivery] = deliveries()
        assert published == [delivery.id] and delivery.status == "pending"
        assert run_task(delivery.id) == "sent"
        [delivery] = deliveries()
        assert (delivery.status, delivery.attempts, delivery.reason) == ("sent", 2, None)
    assert len(receiver.bodies) == 2
    body = receiver.bodies[-1]
    assert body["text"].startswith("tagpulse alert: #python is 80% negative (threshold 50%)")
    assert body["negative_share"] == 0.8 and body["counts"]["total"] == 10
    assert body["job_url"] == f"/jobs/{job_id}"


def test_webhook_that_keeps_failing_is_recorded_failed_with_the_reason(alert_app,
                                                                       receiver_factory,
                                                                       monkeypatch):
    receiver = receiver_factory([500, 500, 500, 500])
    monkeypatch.setattr("worker.alerts.publish_alert_delivery", lambda _id: True)
    with alert_app.app_context():
        tracker_id = add_tracker("python", negative_alert_threshold=0.5,
                                 alert_webhook_url=receiver.url)
        tracking.after_tracked_run(alerting_run(tracker_id).id)
        [delivery] = deliveries()
        assert run_task(delivery.id) == "failed"
        [delivery] = deliveries()
        assert delivery.status == "failed" and delivery.attempts == 3
        assert delivery.reason == "the webhook answered HTTP 500"
        # The tracker's page shows it.
        html = alert_app.test_client().get(f"/trackers/{tracker_id}").get_data(as_text=True)
        assert "the webhook answered HTTP 500" in html


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
            self.messages.append(envelope)
            return "250 OK"

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def test_email_goes_through_the_smtp_server_of_the_settings(alert_app, smtp_server,
                                                            monkeypatch):
    controller, inbox = smtp_server
    alert_app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port,
                            SMTP_FROM="alerts@tagpulse.test")
    monkeypatch.setattr("worker.alerts.publish_alert_delivery", lambda _id: True)
    with alert_app.app_context():
        tracker_id = add_tracker("python", negative_alert_threshold=0.5,
                                 alert_email="team@example.org")
        tracking.after_tracked_run(alerting_run(tracker_id).id)
        [delivery] = deliveries()
        assert delivery.channel == "email"
        assert run_task(delivery.id) == "sent"
    [message] = inbox.messages
    assert message.mail_from == "alerts@tagpulse.test"
    assert message.rcpt_tos == ["team@example.org"]
    content = message.content.decode()
    assert "Subject: tagpulse alert: #python: 80% negative" in content
    assert "80% negative (threshold 50%)" in content


def test_email_without_an_smtp_server_fails_at_once_with_the_reason(alert_app, monkeypatch):
    alert_app.config.update(SMTP_HOST="")
    monkeypatch.setattr("worker.alerts.publish_alert_delivery", lambda _id: True)
    with alert_app.app_context():
        tracker_id = add_tracker("python", negative_alert_threshold=0.5,
                                 alert_email="team@example.org")
        tracking.after_tracked_run(alerting_run(tracker_id).id)
        [delivery] = deliveries()
        assert run_task(delivery.id) == "failed"
        [delivery] = deliveries()
        assert delivery.attempts == 1 and "SMTP_HOST" in delivery.reason


def test_a_broken_delivery_never_fails_the_job(alert_app, monkeypatch):
    def broken(_id):
        raise RuntimeError("broker gone")

    monkeypatch.setattr("worker.alerts.publish_alert_delivery", broken)
    with alert_app.app_context():
        tracker_id = add_tracker("python", negative_alert_threshold=0.5,
                                 alert_webhook_url="http://127.0.0.1:9/hook")
        job = alerting_run(tracker_id)
        tracking.after_tracked_run(job.id)  # logged, not raised
        assert db.session.get(Job, job.id).status == "done"


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/hook", "http://localhost:8080/", "http://10.0.0.5/", "http://[::1]/",
    "http://169.254.169.254/latest/meta-data/", "http://192.168.1.1/", "http://0.0.0.0/",
    "http://[::ffff:127.0.0.1]/",
])
def test_webhooks_to_loopback_and_private_addresses_are_refused(url):
    with pytest.raises(UnsafeWebhook, match="public addresses"):
        check_webhook_url(url)


@pytest.mark.parametrize("url", ["ftp://example.org/", "file:///etc/passwd", "javascript:x",
                                 "https://user:pw@example.org/", "http://", "not a url"])
def test_webhooks_must_be_plain_http_or_https(url):
    with pytest.raises(UnsafeWebhook):
        check_webhook_url(url)


def test_every_resolved_address_is_checked():
    def resolver(host, port, type):  # noqa: A002 - getaddrinfo's name
        return [(2, 1, 6, "", ("93.184.216.34", port)), (2, 1, 6, "", ("10.1.2.3", port))]

    with pytest.raises(UnsafeWebhook, match="10.1.2.3"):
        check_webhook_url("https://mixed.example/", resolve=resolver)
    assert check_webhook_url("https://mixed.example/", resolve=resolver, allow_private=True)


def test_api_refuses_a_private_webhook_and_accepts_a_public_one(client, monkeypatch):
    response = client.post("/api/trackers", json={"hashtag": "python",
                                                  "alert_webhook_url": "http://127.0.0.1/x"})
    assert response.status_code == 422
    assert response.get_json()["field"] == "alert_webhook_url"
    monkeypatch.setattr("core.webhooks.socket.getaddrinfo",
                        lambda host, port, type: [(2, 1, 6, "", ("93.184.216.34", port))])
    response = client.post("/api/trackers", json={
        "hashtag": "python", "alert_webhook_url": "https://hooks.example.org/T1",
        "alert_email": "team@example.org"})
    assert response.status_code == 201
    body = response.get_json()
    assert body["alert_webhook_url"] == "https://hooks.example.org/T1"
    assert body["alert_email"] == "team@example.org"


def test_api_refuses_a_bad_email(client):
    response = client.post("/api/trackers", json={"hashtag": "python",
                                                  "alert_email": "not an address"})
    assert response.status_code == 422
    assert response.get_json()["field"] == "alert_email"


def test_webhook_refused_at_send_time_is_not_retried(alert_app, monkeypatch):
    monkeypatch.setattr("worker.alerts.publish_alert_delivery", lambda _id: True)
    with alert_app.app_context():
        tracker_id = add_tracker("python", negative_alert_threshold=0.5,
                                 alert_webhook_url="http://127.0.0.1:9/hook")
        tracking.after_tracked_run(alerting_run(tracker_id).id)
        alert_app.config["ALERT_WEBHOOK_ALLOW_PRIVATE"] = False  # the rule changed since
        [delivery] = deliveries()
        assert run_task(delivery.id) == "failed"
        [delivery] = deliveries()
        assert delivery.attempts == 1 and delivery.reason.startswith("refused:")


def test_an_alert_sent_at_its_threshold_never_reads_under_it():
    alert = Alert(tracker_id=1, job_id=2, hashtag_key="python", negative_share=5 / 200,
                  threshold=0.025, created_at=T0)
    message = alert_message(alert, None)
    assert message.subject == "#python: 2.5% negative"
    assert message.text.startswith("tagpulse alert: #python is 2.5% negative (threshold 2.5%)")
    assert message.payload["negative_share"] == 0.025
