"""A real beat and a real worker run a tracker on the embedded defaults (SQLite + embedded Redis).

Beat fires the dispatch every second (TRACKER_DISPATCH_SECONDS=1). A tracker's interval is at
least a minute, so rather than wait, the test moves the tracker's next_run_at into the past,
exactly as the passing of time would; no test-only setting changes what a minute is.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from core.db import db
from core.models import Job, Tracker, utcnow
from tests.support.processes import start_beat

pytestmark = pytest.mark.stack


def tracked_runs(stack, tracker_id: int) -> list[Job]:
    with stack.app.app_context():
        runs = list(db.session.scalars(
            select(Job).where(Job.tracker_id == tracker_id).order_by(Job.scheduled_for)))
        db.session.expunge_all()
        return runs


def wait_for_done_runs(stack, tracker_id: int, count: int, beat, timeout: float = 45) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = tracked_runs(stack, tracker_id)
        if len(runs) >= count and all(run.is_finished for run in runs):
            return runs
        time.sleep(0.2)
    logs = beat.log_text()[-2000:] + "\n".join(w.log_text()[-2000:] for w in stack.workers)
    raise TimeoutError(f"{count} runs not done in {timeout}s: "
                       f"{[(r.id, r.status) for r in tracked_runs(stack, tracker_id)]}\n{logs}")


@pytest.mark.parametrize("stack", ["embedded"], indirect=True)
def test_beat_and_worker_run_a_tracker_on_schedule(stack):
    client = stack.client()
    created = client.post("/api/trackers", json={
        "hashtag": "repost", "interval_minutes": 1, "limit": 20, "negative_alert_threshold": 0})
    assert created.status_code == 201, created.get_data(as_text=True)
    tracker_id = created.get_json()["id"]
    beat = start_beat({**stack.settings, "TRACKER_DISPATCH_SECONDS": "1"}, stack.log_dir)
    try:
        (first,) = wait_for_done_runs(stack, tracker_id, 1, beat)
        assert first.status == "done", first.error
        assert (first.total, first.since_id) == (20, None)

        # A minute passes: the tracker's next slot is now in the past.
        with stack.app.app_context():
            db.session.execute(update(Tracker).where(Tracker.id == tracker_id).values(
                next_run_at=utcnow() - timedelta(seconds=1)))
            db.session.commit()
        first_again, second = wait_for_done_runs(stack, tracker_id, 2, beat)
        assert second.status == "done", second.error
        assert second.since_id == first.newest_id  # only tweets newer than the first run's
        assert second.scheduled_for > first.scheduled_for

        time.sleep(2.5)  # more beats: nothing is due, so nothing more runs
        assert len(tracked_runs(stack, tracker_id)) == 2
    finally:
        beat.stop()

    tracker = client.get(f"/api/trackers/{tracker_id}").get_json()
    assert tracker["last_run_at"] is not None
    assert tracker["next_run_at"] > tracker["last_run_at"]
    # Threshold 0: the first run (with tweets) alerted; the worker's hook recorded it once.
    alerts = client.get(f"/api/trackers/{tracker_id}/alerts").get_json()["results"]
    assert [a["job_id"] for a in alerts] == [first.id]
    trend = client.get("/api/tags/repost/trend").get_json()["points"]
    # The runs' posts are in the hashtag's trend, each once (the second run saw only newer ones).
    assert sum(p["total"] for p in trend) == first.total + second.total
    assert client.delete(f"/api/trackers/{tracker_id}").status_code == 204
