"""Alerts: a done tracked run whose negative share reaches the threshold, once per cooldown."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.db import db
from core.models import Alert, Job, Tracker
from tests.tracking.conftest import T0, add_tracker, score_all_negative
from worker import pipeline, tracking
from worker.sources import get_source


def finished_run(tracker_id: int, *, negative: int, total: int, minutes: float = 0,
                 status: str = "done") -> Job:
    """A tracked run that finished ``minutes`` after T0 with the given counts."""
    at = T0 + timedelta(minutes=minutes)
    job = Job(hashtag="python", hashtag_key="python", source="sample", tweet_limit=100,
              status=status, tracker_id=tracker_id, scheduled_for=at, finished_at=at,
              negative=negative, neutral=total - negative, positive=0)
    db.session.add(job)
    db.session.commit()
    return job


def alerts() -> list[Alert]:
    return list(db.session.scalars(select(Alert).order_by(Alert.id)))


@pytest.mark.parametrize(
    ("threshold", "negative", "total", "alerted"),
    [
        (0.5, 4, 10, False),   # below
        (0.5, 5, 10, True),    # exactly at the threshold counts
        (0.5, 9, 10, True),
        (0.0, 0, 3, True),     # 0: every run with tweets
        (0.0, 0, 0, False),    # a run with nothing new never alerts
        (1.0, 10, 10, True),
        (None, 10, 10, False),  # no threshold, no alerts
    ],
)
def test_alert_when_the_negative_share_reaches_the_threshold(app, threshold, negative, total,
                                                             alerted):
    with app.app_context():
        tracker_id = add_tracker(negative_alert_threshold=threshold)
        job = finished_run(tracker_id, negative=negative, total=total)
        alert = tracking.record_alert_if_needed(job)
        assert (alert is not None) is alerted
        if alerted:
            assert (alert.job_id, alert.tracker_id, alert.hashtag_key) == (
                job.id, tracker_id, "python")
            assert alert.negative_share == pytest.approx(negative / total)
            assert alert.threshold == threshold
            assert db.session.get(Tracker, tracker_id).last_alert_at == job.finished_at
        else:
            assert alerts() == []


def test_failed_and_untracked_runs_never_alert(app):
    with app.app_context():
        tracker_id = add_tracker(negative_alert_threshold=0.1)
        failed = finished_run(tracker_id, negative=9, total=10, status="failed")
        assert tracking.record_alert_if_needed(failed) is None
        adhoc = Job(hashtag="python", hashtag_key="python", source="sample", tweet_limit=10,
                    status="done", negative=10, finished_at=T0)
        db.session.add(adhoc)
        db.session.commit()
        assert tracking.after_tracked_run(adhoc.id) is None
        assert alerts() == []


def test_cooldown_is_an_hour_for_frequent_trackers(app):
    with app.app_context():
        tracker_id = add_tracker(interval_minutes=10, negative_alert_threshold=0.5)
        assert tracking.record_alert_if_needed(finished_run(tracker_id, negative=8, total=10))
        for minutes in (10, 30, 59):
            run = finished_run(tracker_id, negative=8, total=10, minutes=minutes)
            assert tracking.record_alert_if_needed(run) is None, minutes
        assert tracking.record_alert_if_needed(
            finished_run(tracker_id, negative=8, total=10, minutes=60))
        assert [a.created_at for a in alerts()] == [T0, T0 + timedelta(minutes=60)]


def test_cooldown_is_the_interval_for_slow_trackers(app):
    with app.app_context():
        tracker_id = add_tracker(interval_minutes=180, negative_alert_threshold=0.5)
        assert tracking.alert_cooldown(180) == timedelta(minutes=180)
        assert tracking.record_alert_if_needed(finished_run(tracker_id, negative=8, total=10))
        assert tracking.record_alert_if_needed(
            finished_run(tracker_id, negative=8, total=10, minutes=179)) is None
        assert tracking.record_alert_if_needed(
            finished_run(tracker_id, negative=8, total=10, minutes=180))


def test_a_run_below_the_threshold_does_not_reset_the_cooldown(app):
    with app.app_context():
        tracker_id = add_tracker(interval_minutes=10, negative_alert_threshold=0.5)
        tracking.record_alert_if_needed(finished_run(tracker_id, negative=8, total=10))
        tracking.record_alert_if_needed(finished_run(tracker_id, negative=1, total=10, minutes=30))
        assert tracking.record_alert_if_needed(
            finished_run(tracker_id, negative=8, total=10, minutes=60))
        assert len(alerts()) == 2


def test_the_same_job_alerts_once(app):
    with app.app_context():
        tracker_id = add_tracker(negative_alert_threshold=0.5)
        job = finished_run(tracker_id, negative=8, total=10)
        assert tracking.after_tracked_run(job.id) is not None
        # Checked again (e.g. a cooldown of zero would otherwise allow it): still one alert.
        db.session.execute(Tracker.__table__.update().values(last_alert_at=None))
        db.session.commit()
        assert tracking.after_tracked_run(job.id) is None
        assert len(alerts()) == 1


def test_alert_check_errors_never_fail_the_run(app, monkeypatch):
    with app.app_context():
        tracker_id = add_tracker(negative_alert_threshold=0.5)
        job = finished_run(tracker_id, negative=8, total=10)

        def broken(_job):
            raise RuntimeError("boom")

        monkeypatch.setattr(tracking, "record_alert_if_needed", broken)
        assert tracking.after_tracked_run(job.id) is None
        assert db.session.get(Job, job.id).status == "done"


def test_a_tracked_run_through_the_pipeline_raises_its_alert(app, clock):
    """Dispatch, the real pipeline with an all-negative scorer, then the worker's hook."""
    source = get_source("sample", settings={"SAMPLE_REPLAY_HOURS": "24"}, clock=clock)
    with app.app_context():
        add_tracker("repost", now=clock(), interval_minutes=1, limit=10,
                    negative_alert_threshold=0.9)
        for _ in range(2):
            (job_id,) = tracking.dispatch_due_trackers(clock(), publish=lambda _id: True).created
            outcome = pipeline.run_job(job_id, source=source, score=score_all_negative,
                                       model_version="test", clock=clock)
            assert outcome.status == "done"
            tracking.after_tracked_run(job_id)
            clock.advance(minutes=30)  # the second run is inside the one-hour cooldown
        (alert,) = alerts()
        assert alert.negative_share == 1.0
        assert alert.created_at == T0
