"""The reaper brings back jobs whose worker or message was lost, from the job rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.db import db
from core.lifecycle import LOST_NOTE, LeaseHolder
from core.models import Job
from worker.reaper import reap

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)
GRACE = timedelta(seconds=60)
ELSEWHERE = "other-host:4242:1.00"  # a worker on another machine: only its lease can tell


def add_job(status: str, *, age: timedelta = timedelta(minutes=10),
            heartbeat_age: timedelta | None = None, owner: str | None = ELSEWHERE,
            losses: int = 0, **fields) -> int:
    job = Job(hashtag="t", hashtag_key="t", source="sample", tweet_limit=10, status=status,
              created_at=NOW - age, worker_losses=losses,
              lease_owner=owner if status == "running" else None,
              heartbeat_at=None if heartbeat_age is None else NOW - heartbeat_age, **fields)
    db.session.add(job)
    db.session.commit()
    return job.id


def run_reaper(published: list[int], *, queue_is_empty: bool = True):
    return reap(now=NOW, lease=LEASE, max_losses=3, grace=GRACE,
                queue_is_empty=lambda: queue_is_empty,
                publish=lambda job_id: published.append(job_id) or True)


def test_running_job_whose_lease_lapsed_is_queued_again_and_republished(app):
    with app.app_context():
        job_id = add_job("running", heartbeat_age=timedelta(seconds=45))
        published: list[int] = []
        report = run_reaper(published, queue_is_empty=False)
        job = db.session.get(Job, job_id)
        assert (job.status, report.requeued, published) == ("queued", [job_id], [job_id])
        assert (job.error, job.worker_losses, job.lease_owner) == (LOST_NOTE, 1, None)
        assert job.published_at == NOW


def test_running_job_with_a_fresh_lease_is_left_alone(app):
    with app.app_context():
        job_id = add_job("running", heartbeat_age=timedelta(seconds=5))
        published: list[int] = []
        run_reaper(published)
        assert db.session.get(Job, job_id).status == "running"
        assert published == []


def test_a_fresh_lease_of_a_process_that_is_gone_here_is_recovered_at_once(app):
    # kill -9 of a worker on this host: no need to wait for the lease to lapse.
    gone = LeaseHolder(LeaseHolder.current().host, 2**22 + 7, 1.0).token
    with app.app_context():
        job_id = add_job("running", heartbeat_age=timedelta(seconds=1), owner=gone)
        report = run_reaper([])
        assert report.requeued == [job_id]


def test_a_live_worker_here_keeps_its_job(app):
    with app.app_context():
        job_id = add_job("running", heartbeat_age=timedelta(seconds=1),
                         owner=LeaseHolder.current().token)
        assert run_reaper([]).requeued == []
        assert db.session.get(Job, job_id).status == "running"


def test_job_whose_worker_stopped_too_often_fails_with_the_reason(app):
    with app.app_context():
        job_id = add_job("running", heartbeat_age=timedelta(minutes=5), losses=2)
        report = run_reaper([])
        job = db.session.get(Job, job_id)
        assert job.status == "failed" and report.failed == [job_id]
        assert "stopped 3 times" in job.error


def test_scheduled_retries_do_not_count_as_lost_workers(app):
    # Before: attempts counted every claim, retries included, so one lost worker after two
    # rate-limit retries failed the job as "stopped 3 times".
    with app.app_context():
        job_id = add_job("running", heartbeat_age=timedelta(minutes=5), attempts=3)
        run_reaper([])
        job = db.session.get(Job, job_id)
        assert (job.status, job.worker_losses) == ("queued", 1)


def test_unpublished_job_is_published_without_waiting(app):
    with app.app_context():
        job_id = add_job("queued", age=timedelta(seconds=1), published_at=None)
        published: list[int] = []
        run_reaper(published, queue_is_empty=False)
        assert published == [job_id]
        assert db.session.get(Job, job_id).published_at == NOW


def test_old_published_job_is_republished_only_when_the_queue_is_empty(app):
    with app.app_context():
        old = add_job("queued", published_at=NOW - timedelta(minutes=5))
        add_job("queued", published_at=NOW - timedelta(seconds=10))
        busy: list[int] = []
        run_reaper(busy, queue_is_empty=False)
        assert busy == []
        idle: list[int] = []
        run_reaper(idle, queue_is_empty=True)
        assert idle == [old]


def test_a_job_waiting_for_its_scheduled_retry_is_left_alone_until_it_is_overdue(app):
    # Rate-limited for 15 minutes: republishing it would start a second chain of retries.
    with app.app_context():
        waiting = add_job("queued", published_at=NOW - timedelta(minutes=5),
                          retry_at=NOW + timedelta(minutes=15))
        overdue = add_job("queued", published_at=NOW - timedelta(minutes=20),
                          retry_at=NOW - timedelta(minutes=2))
        published: list[int] = []
        run_reaper(published)
        assert published == [overdue]
        assert waiting not in published


def test_finished_jobs_are_never_touched(app):
    with app.app_context():
        done = add_job("done", heartbeat_age=timedelta(hours=1))
        failed = add_job("failed")
        published: list[int] = []
        run_reaper(published)
        assert published == []
        assert db.session.get(Job, done).status == "done"
        assert db.session.get(Job, failed).status == "failed"
