"""The reaper brings back jobs whose message or worker was lost, from the job rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from webapp.extensions import db
from webapp.models import Job
from worker.reaper import reap_stale_jobs

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
STALE = timedelta(minutes=3)


def add_job(status: str, *, age: timedelta, heartbeat_age: timedelta | None = None,
            attempts: int = 0) -> int:
    job = Job(hashtag="t", hashtag_key="t", source="sample", tweet_limit=10, status=status,
              created_at=NOW - age, attempts=attempts,
              heartbeat_at=None if heartbeat_age is None else NOW - heartbeat_age)
    db.session.add(job)
    db.session.commit()
    return job.id


def reap(queue_is_empty: bool, published: list[int]):
    return reap_stale_jobs(now=NOW, stale_after=STALE, max_attempts=3,
                           queue_is_empty=queue_is_empty,
                           publish=lambda job_id: published.append(job_id) or True)


def test_silent_running_job_is_queued_again_and_republished(app):
    with app.app_context():
        job_id = add_job("running", age=timedelta(minutes=10), heartbeat_age=timedelta(minutes=5),
                         attempts=1)
        published: list[int] = []
        report = reap(queue_is_empty=False, published=published)
        job = db.session.get(Job, job_id)
        assert (job.status, report.requeued, published) == ("queued", [job_id], [job_id])
        assert "stopped" in job.error


def test_running_job_with_a_recent_heartbeat_is_left_alone(app):
    with app.app_context():
        job_id = add_job("running", age=timedelta(minutes=10), heartbeat_age=timedelta(seconds=5))
        published: list[int] = []
        reap(queue_is_empty=True, published=published)
        assert db.session.get(Job, job_id).status == "running"
        assert published == []


def test_job_that_lost_its_worker_too_often_fails_with_the_reason(app):
    with app.app_context():
        job_id = add_job("running", age=timedelta(minutes=30), heartbeat_age=timedelta(minutes=5),
                         attempts=3)
        report = reap(queue_is_empty=True, published=[])
        job = db.session.get(Job, job_id)
        assert job.status == "failed" and report.failed == [job_id]
        assert "stopped 3 times" in job.error


def test_old_queued_job_is_republished_only_when_the_queue_is_empty(app):
    with app.app_context():
        old = add_job("queued", age=timedelta(minutes=10))
        add_job("queued", age=timedelta(seconds=10))
        busy: list[int] = []
        reap(queue_is_empty=False, published=busy)
        assert busy == []
        idle: list[int] = []
        reap(queue_is_empty=True, published=idle)
        assert idle == [old]


def test_finished_jobs_are_never_touched(app):
    with app.app_context():
        done = add_job("done", age=timedelta(hours=1), heartbeat_age=timedelta(hours=1))
        failed = add_job("failed", age=timedelta(hours=1))
        published: list[int] = []
        reap(queue_is_empty=True, published=published)
        assert published == []
        assert db.session.get(Job, done).status == "done"
        assert db.session.get(Job, failed).status == "failed"
