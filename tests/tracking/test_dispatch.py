"""Dispatch: which trackers are due, one job per slot whatever happens, and the schedule grid.

The idempotency tests run on SQLite and on PostgreSQL (``any_app``): the guarantee is the
database's unique key (tracker_id, scheduled_for), so it must hold on both.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update

from core.db import db
from core.models import Job, Tracker
from tests.tracking.conftest import T0, add_tracker
from worker import tracking

MINUTE = timedelta(minutes=1)


def jobs_of(tracker_id: int) -> list[Job]:
    return list(db.session.scalars(
        select(Job).where(Job.tracker_id == tracker_id).order_by(Job.scheduled_for)))


def set_next_run(tracker_id: int, when) -> None:
    db.session.execute(update(Tracker).where(Tracker.id == tracker_id).values(next_run_at=when))
    db.session.commit()


class Published(list):
    def __call__(self, job_id: int) -> bool:
        self.append(job_id)
        return True


# --- the grid -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("now_offset", "expected_offset"),
    [
        (timedelta(0), 10 * MINUTE),                  # on time: the next slot
        (timedelta(seconds=30), 10 * MINUTE),         # a little late: same grid
        (9 * MINUTE, 10 * MINUTE),
        (10 * MINUTE, 20 * MINUTE),                   # exactly on the next slot: the one after
        (95 * MINUTE, 100 * MINUTE),                  # nine slots missed: skipped, not replayed
        (-5 * MINUTE, 10 * MINUTE),                   # called early: still one interval on
    ],
)
def test_next_slot_is_the_first_grid_slot_after_now(now_offset, expected_offset):
    assert tracking.next_slot(T0, 10 * MINUTE, T0 + now_offset) == T0 + expected_offset


# --- which trackers are due ------------------------------------------------------------------

def test_new_tracker_is_due_at_once(app):
    with app.app_context():
        tracker_id = add_tracker("python", now=T0)
        assert [d.tracker_id for d in tracking.due_trackers(T0)] == [tracker_id]
        assert tracking.due_trackers(T0 - timedelta(seconds=1)) == []


def test_due_trackers_selects_enabled_overdue_ones_most_overdue_first(app):
    with app.app_context():
        late = add_tracker("late", now=T0 - 5 * MINUTE)
        on_time = add_tracker("ontime", now=T0)
        add_tracker("future", now=T0 + MINUTE)
        add_tracker("paused", now=T0 - 10 * MINUTE, enabled=False)
        due = tracking.due_trackers(T0)
        assert [d.tracker_id for d in due] == [late, on_time]
        assert due[0].slot == T0 - 5 * MINUTE
        assert (due[0].hashtag, due[0].source, due[0].interval) == ("late", "sample", 60 * MINUTE)


def test_dispatch_creates_a_queued_job_for_the_slot_and_advances_the_tracker(app, clock):
    with app.app_context():
        tracker_id = add_tracker("Python", now=T0, interval_minutes=15, limit=40)
        published = Published()
        now = clock.advance(minutes=2)
        report = tracking.dispatch_due_trackers(now, publish=published)
        (job,) = jobs_of(tracker_id)
        assert report.created == published == [job.id]
        assert (job.status, job.hashtag, job.hashtag_key, job.tweet_limit, job.source) == (
            "queued", "Python", "python", 40, "sample")
        assert job.scheduled_for == T0
        assert job.since_id is None
        tracker = db.session.get(Tracker, tracker_id)
        assert tracker.last_run_at == now
        assert tracker.next_run_at == T0 + 15 * MINUTE


def test_missed_slots_are_skipped_not_replayed(app):
    with app.app_context():
        tracker_id = add_tracker("python", now=T0, interval_minutes=10)
        # Nothing dispatched for almost two hours (beat down): one run, then back on the grid.
        report = tracking.dispatch_due_trackers(T0 + 115 * MINUTE, publish=Published())
        assert len(report.created) == 1
        assert db.session.get(Tracker, tracker_id).next_run_at == T0 + 120 * MINUTE
        assert tracking.dispatch_due_trackers(T0 + 119 * MINUTE, publish=Published()).created == []
        assert len(tracking.dispatch_due_trackers(T0 + 120 * MINUTE,
                                                  publish=Published()).created) == 1
        assert [j.scheduled_for for j in jobs_of(tracker_id)] == [T0, T0 + 120 * MINUTE]


def test_paused_tracker_is_not_dispatched_and_runs_once_when_resumed(app):
    from webapp.trackers import require_tracker, set_enabled

    with app.app_context():
        tracker_id = add_tracker("python", now=T0, enabled=False)
        later = T0 + 3 * 60 * MINUTE
        assert tracking.dispatch_due_trackers(later, publish=Published()).created == []
        set_enabled(require_tracker(tracker_id), True)
        assert len(tracking.dispatch_due_trackers(later, publish=Published()).created) == 1
        assert db.session.get(Tracker, tracker_id).next_run_at == T0 + 4 * 60 * MINUTE


def test_message_is_published_only_after_the_job_row_is_committed(app):
    with app.app_context():
        add_tracker("python", now=T0)
        seen = []

        def publish(job_id: int) -> bool:
            # Another connection (as a worker would be) must already see the row.
            with db.engine.connect() as other:
                seen.append(other.scalar(select(Job.status).where(Job.id == job_id)))
            return True

        tracking.dispatch_due_trackers(T0, publish=publish)
        assert seen == ["queued"]


def test_unpublished_job_stays_queued_for_the_reaper_and_is_not_duplicated(app):
    with app.app_context():
        tracker_id = add_tracker("python", now=T0)
        report = tracking.dispatch_due_trackers(T0, publish=lambda job_id: False)
        assert report.unpublished == report.created
        assert tracking.dispatch_due_trackers(T0, publish=Published()).created == []
        assert [j.status for j in jobs_of(tracker_id)] == ["queued"]


def test_since_id_continues_from_the_latest_done_run_of_the_same_search(app):
    with app.app_context():
        tracker_id = add_tracker("python", now=T0, interval_minutes=10)
        tracking.dispatch_due_trackers(T0, publish=Published())
        first = jobs_of(tracker_id)[0]
        first.status, first.newest_id, first.finished_at = "done", "5000", T0 + MINUTE
        db.session.commit()

        tracking.dispatch_due_trackers(T0 + 10 * MINUTE, publish=Published())
        second = jobs_of(tracker_id)[1]
        assert second.since_id == "5000"
        # A failed run says nothing about what was seen: the next one continues from "5000".
        second.status, second.finished_at = "failed", T0 + 11 * MINUTE
        db.session.commit()
        tracking.dispatch_due_trackers(T0 + 20 * MINUTE, publish=Published())
        assert jobs_of(tracker_id)[2].since_id == "5000"


# --- at most one job per (tracker, slot), on both databases -----------------------------------

def test_double_dispatch_creates_one_job_per_slot(any_app):
    with any_app.app_context():
        tracker_id = add_tracker("python", now=T0)
        first = tracking.dispatch_due_trackers(T0, publish=Published())
        second = tracking.dispatch_due_trackers(T0, publish=Published())  # beat fired twice
        assert len(first.created) == 1
        assert second.created == []
        assert len(jobs_of(tracker_id)) == 1


def test_redelivered_task_with_a_stale_view_is_refused_by_the_unique_key(any_app):
    """The task ran, then its message came back (redelivery) while the schedule looked as it
    did before the first run: the database still refuses the second job for that slot."""
    with any_app.app_context():
        tracker_id = add_tracker("python", now=T0)
        published = Published()
        tracking.dispatch_due_trackers(T0, publish=published)
        set_next_run(tracker_id, T0)  # the stale view: the slot looks due again
        again = tracking.dispatch_due_trackers(T0 + MINUTE, publish=published)
        assert again.created == []
        assert again.duplicates == [tracker_id]
        assert len(published) == 1
        assert [j.scheduled_for for j in jobs_of(tracker_id)] == [T0]


def test_the_database_itself_rejects_a_second_job_for_a_slot(any_app):
    from sqlalchemy.exc import IntegrityError

    with any_app.app_context():
        tracker_id = add_tracker("python", now=T0)
        tracking.dispatch_due_trackers(T0, publish=Published())
        db.session.add(Job(hashtag="python", hashtag_key="python", source="sample",
                           tweet_limit=1, tracker_id=tracker_id, scheduled_for=T0))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_two_dispatchers_racing_for_the_same_slot_create_one_job(any_app):
    """Both read the slot as due, then both try to create its job at the same moment."""
    with any_app.app_context():
        tracker_id = add_tracker("python", now=T0)
    barrier = threading.Barrier(2, timeout=10)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def dispatcher() -> None:
        try:
            with any_app.app_context():  # its own session, as a second worker would have
                (due,) = tracking.due_trackers(T0)
                barrier.wait()
                outcomes.append(tracking.dispatch_slot(due, T0).outcome)
                db.session.remove()
        except BaseException as error:  # surfaced below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted(outcomes) == ["created", "duplicate"]
    with any_app.app_context():
        assert len(jobs_of(tracker_id)) == 1
        assert db.session.get(Tracker, tracker_id).next_run_at == T0 + 60 * MINUTE


def test_concurrent_full_dispatches_create_exactly_one_job_per_due_tracker(any_app):
    with any_app.app_context():
        ids = [add_tracker(f"tag{n}", now=T0 - n * MINUTE) for n in range(12)]
    reports, errors = [], []
    barrier = threading.Barrier(3, timeout=10)

    def dispatcher() -> None:
        try:
            with any_app.app_context():
                barrier.wait()
                reports.append(tracking.dispatch_due_trackers(T0, publish=Published()))
                db.session.remove()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=dispatcher) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(j for r in reports for j in r.created) == sorted(set(
        j for r in reports for j in r.created))
    assert sum(len(r.created) for r in reports) == len(ids)
    with any_app.app_context():
        per_tracker = dict(db.session.execute(
            select(Job.tracker_id, func.count()).group_by(Job.tracker_id)).all())
        assert per_tracker == {tracker_id: 1 for tracker_id in ids}


def test_tracker_edited_between_reading_and_dispatching_is_left_to_its_new_schedule(any_app):
    with any_app.app_context():
        tracker_id = add_tracker("python", now=T0)
        (due,) = tracking.due_trackers(T0)
        set_next_run(tracker_id, T0 + 30 * MINUTE)  # e.g. the interval was changed meanwhile
        assert tracking.dispatch_slot(due, T0).outcome == "changed"
        assert jobs_of(tracker_id) == []
        assert db.session.get(Tracker, tracker_id).next_run_at == T0 + 30 * MINUTE


def test_dispatch_task_runs_through_celery_and_twice_is_harmless(app):
    """The Celery task itself, run in-process twice (a redelivered message)."""
    from worker.tracking_tasks import dispatch_due_trackers

    with app.app_context():
        tracker_id = add_tracker("python", now=T0)
        first = dispatch_due_trackers.apply().get()
        second = dispatch_due_trackers.apply().get()
        assert (first["created"], second["created"]) == (1, 0)
        assert len(jobs_of(tracker_id)) == 1
        assert db.session.scalar(text("select count(*) from jobs")) == 1
