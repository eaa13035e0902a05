"""The reaper's decisions that the fault tests rely on, checked fast and directly."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.env import embedded_env, patched_environ, temporary_redis_db
from webapp.extensions import db
from webapp.models import Job, utcnow
from worker import pipeline, reaper


def queued_job(app, *, age: timedelta) -> int:
    with app.app_context():
        job = Job(hashtag="python", hashtag_key="python", source="x", tweet_limit=10,
                  status="queued", created_at=utcnow() - age)
        db.session.add(job)
        db.session.commit()
        return job.id


def reap(app, published: list[int]) -> reaper.ReapReport:
    with app.app_context():
        return reaper.reap_stale_jobs(now=utcnow(), stale_after=timedelta(seconds=60),
                                      max_attempts=3, queue_is_empty=True,
                                      publish=lambda job_id: published.append(job_id) or True)


def test_a_queued_job_whose_message_was_lost_is_republished(app):
    job_id = queued_job(app, age=timedelta(minutes=5))
    published: list[int] = []
    assert reap(app, published).republished == [job_id]


def test_a_job_waiting_for_its_scheduled_retry_is_left_alone(app):
    # Rate-limited for 15 minutes: republishing it would start a second chain of retries
    # (and a third at the next reap...), each one hitting the rate-limited source again.
    job_id = queued_job(app, age=timedelta(minutes=5))
    with app.app_context():
        pipeline.requeue_job(job_id, "Rate-limited", retry_at=utcnow() + timedelta(minutes=15))
    published: list[int] = []
    assert reap(app, published).republished == []
    with app.app_context():
        job = db.session.get(Job, job_id)
        job.heartbeat_at = utcnow() - timedelta(minutes=2)  # the retry never came
        db.session.commit()
    assert reap(app, published).republished == [job_id]


@pytest.mark.parametrize("waiting", [0, 2])
def test_the_queue_length_is_read_from_redis_even_when_the_queue_is_empty(tmp_path, waiting):
    from webapp import create_app
    from worker.tasks import broker_queue_is_empty

    with temporary_redis_db() as redis_url, patched_environ(
            {**embedded_env(tmp_path / "instance"), "REDIS_URL": redis_url}):
        app = create_app({"TESTING": True})
        celery = app.extensions["celery"]
        with app.app_context():
            for _ in range(waiting):
                celery.send_task("tagpulse.nothing", args=[])
            # Redis deletes an empty list: the queue "does not exist" when it is empty.
            assert broker_queue_is_empty() is (waiting == 0)
