"""The job lifecycle: allowed transitions, leases, takeovers and publishing, on real SQLite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core import lifecycle
from core.db import db
from core.lifecycle import LeaseHolder
from core.models import Job

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)
ME = LeaseHolder("this-host", 100, 1.0)
OTHER = LeaseHolder("other-host", 200, 2.0)


def queued_job(**fields) -> int:
    job = lifecycle.new_job(hashtag="Love", source="sample", limit=10, now=NOW)
    for name, value in fields.items():
        setattr(job, name, value)
    db.session.commit()
    return job.id


def claim(job_id: int, holder: LeaseHolder = ME, at: datetime = NOW):
    return lifecycle.claim(job_id, holder, at, lease=LEASE, max_losses=3)


@pytest.mark.parametrize(("current", "new", "allowed"), [
    ("queued", "running", True), ("queued", "failed", True), ("queued", "done", False),
    ("running", "queued", True), ("running", "done", True), ("running", "failed", True),
    ("running", "running", True),
    ("done", "running", False), ("failed", "queued", False), ("done", "failed", False),
])
def test_transitions_follow_the_state_machine(current, new, allowed):
    assert lifecycle.can_move(current, new) is allowed


def test_a_new_job_is_queued_published_and_grouped_by_lower_case_tag(app):
    with app.app_context():
        job = db.session.get(Job, queued_job())
        assert (job.status, job.hashtag_key, job.published_at) == ("queued", "love", NOW)


def test_claiming_a_queued_job_leases_it_and_counts_an_attempt(app):
    with app.app_context():
        job_id = queued_job()
        taken = claim(job_id)
        assert taken.reason == "taken"
        assert (taken.job.status, taken.job.lease_owner, taken.job.attempts) == (
            "running", ME.token, 1)


def test_a_live_lease_keeps_a_redelivered_message_out(app):
    with app.app_context():
        job_id = queued_job()
        claim(job_id)
        assert claim(job_id, OTHER, NOW + timedelta(seconds=10)).reason == "held"


def test_a_lapsed_lease_is_taken_over_and_counted_as_a_lost_worker(app):
    with app.app_context():
        job_id = queued_job()
        claim(job_id)
        taken = claim(job_id, OTHER, NOW + timedelta(seconds=31))
        assert taken.reason == "taken-over"
        assert (taken.job.lease_owner, taken.job.worker_losses, taken.job.attempts) == (
            OTHER.token, 1, 2)


def test_a_redelivery_for_a_worker_that_is_gone_here_is_taken_at_once(app):
    # The pool child was killed: Celery redelivers within seconds, and the new child must not
    # wait for the lease to lapse (before: dropped, and the job waited minutes for the reaper).
    here = LeaseHolder.current()
    gone = LeaseHolder(here.host, 2**22 + 11, 1.0)
    with app.app_context():
        job_id = queued_job()
        claim(job_id, gone)
        assert claim(job_id, here, NOW + timedelta(seconds=1)).reason == "taken-over"


def test_the_same_process_takes_its_own_job_back(app):
    with app.app_context():
        job_id = queued_job()
        claim(job_id)
        assert claim(job_id, ME, NOW + timedelta(seconds=2)).reason == "taken"


def test_a_takeover_that_would_be_the_last_straw_fails_the_job(app):
    with app.app_context():
        job_id = queued_job()
        claim(job_id)
        db.session.get(Job, job_id).worker_losses = 2
        db.session.commit()
        assert claim(job_id, OTHER, NOW + timedelta(minutes=5)).reason == "gave-up"
        job = db.session.get(Job, job_id)
        assert job.status == "failed" and "stopped 3 times" in job.error


def test_finished_jobs_are_not_claimed(app):
    with app.app_context():
        job_id = queued_job()
        claim(job_id)
        assert lifecycle.finish(job_id, ME, NOW, status="done", positive=1)
        assert claim(job_id, OTHER).reason == "finished"
        assert claim(987654).reason == "missing"


def test_only_the_lease_holder_can_finish_or_heartbeat(app):
    with app.app_context():
        job_id = queued_job()
        claim(job_id)
        assert not lifecycle.heartbeat(job_id, OTHER, NOW)
        assert not lifecycle.finish(job_id, OTHER, NOW, status="done")
        assert lifecycle.heartbeat(job_id, ME, NOW + timedelta(seconds=5))
        assert lifecycle.finish(job_id, ME, NOW, status="done")
        job = db.session.get(Job, job_id)
        assert (job.status, job.lease_owner) == ("done", None)


def test_fail_records_the_reason_but_never_overrides_done(app):
    with app.app_context():
        done, queued = queued_job(), queued_job()
        claim(done)
        lifecycle.finish(done, ME, NOW, status="done")
        assert lifecycle.fail(queued, "The tweet source is unavailable: 503")
        assert not lifecycle.fail(done, "late failure")
        assert db.session.get(Job, queued).error == "The tweet source is unavailable: 503"
        assert db.session.get(Job, done).status == "done"


def test_a_scheduled_retry_releases_the_lease_without_counting_a_loss(app):
    with app.app_context():
        job_id = queued_job()
        claim(job_id)
        lifecycle.schedule_retry(job_id, "Rate-limited", NOW + timedelta(minutes=15))
        job = db.session.get(Job, job_id)
        assert (job.status, job.retry_at, job.lease_owner, job.worker_losses) == (
            "queued", NOW + timedelta(minutes=15), None, 0)
        assert claim(job_id, OTHER, NOW + timedelta(minutes=15)).reason == "taken"


def test_recovery_re_checks_the_lease_in_its_update(app):
    # The reaper read the job as lost; its worker renewed the lease before the UPDATE ran.
    with app.app_context():
        job_id = queued_job()
        claim(job_id, OTHER)
        later = NOW + timedelta(seconds=40)
        [lost] = lifecycle.lost_jobs(later, lease=LEASE)
        lifecycle.heartbeat(job_id, OTHER, later)
        assert lifecycle.recover_lost(lost, later, lease=LEASE, max_losses=3) == "alive"
        assert db.session.get(Job, job_id).status == "running"


def test_a_failed_publish_leaves_a_visible_note_and_no_published_time(app):
    app.extensions["celery"].conf.broker_url = "redis+socket:///nonexistent/redis.sock"
    with app.app_context():
        job_id = queued_job()
        assert lifecycle.publish(job_id) is False
        job = db.session.get(Job, job_id)
        assert (job.status, job.published_at, job.error) == (
            "queued", None, lifecycle.UNPUBLISHED_NOTE)
        assert lifecycle.unpublished_jobs(NOW) == [job_id]
        lifecycle.mark_published([job_id], NOW)
        assert db.session.get(Job, job_id).error is None
