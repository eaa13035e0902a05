"""A tracker's runs where its settings are: the tracker's page lists them, and every list of
trackers (and the API) says when its newest finished run failed, and why."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from core.db import db
from core.models import Job
from tests.tracking.conftest import T0, add_tracker

SOURCE_DOWN = "The Mastodon server answered 503 (Service Unavailable) three times; giving up."
PAGES = ("/", "/trackers", "/tags/python")


def add_run(tracker_id: int | None, slot_minutes: int, status: str, *, hashtag: str = "python",
            error: str | None = None, negative: int = 0, since_id: str | None = None) -> int:
    slot = T0 + timedelta(minutes=slot_minutes)
    finished = status in ("done", "failed")
    job = Job(hashtag=hashtag, hashtag_key=hashtag, source="sample", tweet_limit=10,
              status=status, error=error, negative=negative, tracker_id=tracker_id,
              scheduled_for=slot if tracker_id else None, since_id=since_id, created_at=slot,
              finished_at=slot + timedelta(seconds=5) if finished else None)
    db.session.add(job)
    db.session.commit()
    return job.id


def failure_notes(page: str) -> list[str]:
    return re.findall(r'<p class="tracker-failure">(.*?)</p>', page, re.S)


@pytest.fixture
def failing(any_app):
    """#python's tracker: a good run, then a failed one, then one still queued."""
    with any_app.app_context():
        tracker_id = add_tracker("python")
        add_run(tracker_id, 0, "done", negative=4)
        failed = add_run(tracker_id, 30, "failed", error=SOURCE_DOWN)
        add_run(tracker_id, 60, "queued")  # not finished: says nothing yet
    return any_app, tracker_id, failed


def test_every_list_of_trackers_says_the_last_run_failed_and_why(failing):
    app, tracker_id, failed = failing
    client = app.test_client()
    for path in (*PAGES, f"/trackers/{tracker_id}"):
        notes = failure_notes(client.get(path).get_data(as_text=True))
        assert len(notes) == 1, path
        assert "Its last run failed" in notes[0] and SOURCE_DOWN in notes[0], path
        assert f'href="/jobs/{failed}"' in notes[0], path


def test_a_later_good_run_clears_the_failure(failing):
    app, tracker_id, _failed = failing
    with app.app_context():
        add_run(tracker_id, 90, "done", negative=2)
    client = app.test_client()
    for path in (*PAGES, f"/trackers/{tracker_id}"):
        page = client.get(path).get_data(as_text=True)
        assert "#python" in page and failure_notes(page) == [], path


def test_the_api_gives_each_trackers_last_finished_run(failing):
    app, tracker_id, failed = failing
    client = app.test_client()
    expected = {"id": failed, "status": "failed", "error": SOURCE_DOWN,
                "url": f"/api/jobs/{failed}"}
    listed = client.get("/api/trackers").get_json()["results"]
    one = client.get(f"/api/trackers/{tracker_id}").get_json()
    for tracker in (listed[0], one):
        last_run = tracker["last_run"]
        assert {k: last_run[k] for k in expected} == expected
        assert last_run["finished_at"].startswith("2026-03-02T12:30:05")


def test_a_tracker_that_never_ran_has_no_last_run(any_app):
    client = any_app.test_client()
    created = client.post("/api/trackers", json={"hashtag": "rust", "interval_minutes": 5})
    assert created.status_code == 201 and created.get_json()["last_run"] is None
    tracker_id = created.get_json()["id"]
    assert client.get(f"/api/trackers/{tracker_id}").get_json()["last_run"] is None
    assert client.patch(f"/api/trackers/{tracker_id}",
                        json={"limit": 20}).get_json()["last_run"] is None
    page = client.get(f"/trackers/{tracker_id}").get_data(as_text=True)
    assert "Recent runs" in page and "No run yet. The first starts" in page
    assert failure_notes(page) == []


def run_titles(page: str) -> list[str]:
    runs = page.split('id="tracker-runs-title"', 1)[1]
    return re.findall(r'<span class="job-row__(?:tag|nothing)">([^<]*)</span>', runs)


def test_the_trackers_page_lists_its_own_newest_runs_with_empty_ones_folded(any_app):
    with any_app.app_context():
        tracker_id = add_tracker("python")
        other = add_tracker("rust")
        first = add_run(tracker_id, 0, "done", negative=3)
        add_run(tracker_id, 10, "done", since_id="5")  # nothing new, twice: one line
        add_run(tracker_id, 20, "done", since_id="5")
        failed = add_run(tracker_id, 30, "failed", error=SOURCE_DOWN)
        running = add_run(tracker_id, 40, "running")
        add_run(None, 45, "done", negative=1)  # the same hashtag, asked for by hand
        add_run(other, 50, "done", hashtag="rust", negative=1)  # another tracker's
    page = any_app.test_client().get(f"/trackers/{tracker_id}").get_data(as_text=True)
    assert run_titles(page) == [f"Analysis {running}", f"Analysis {failed}",
                                "2 runs with nothing new", f"Analysis {first}"]
    assert 'href="/tags/python#runs-title"' in page


def test_the_trackers_page_shows_only_its_ten_newest_runs(any_app):
    with any_app.app_context():
        tracker_id = add_tracker("python")
        ids = [add_run(tracker_id, minute, "done", negative=1) for minute in range(12)]
    page = any_app.test_client().get(f"/trackers/{tracker_id}").get_data(as_text=True)
    assert run_titles(page) == [f"Analysis {job_id}" for job_id in reversed(ids[2:])]


def latest_ids(client) -> list[int]:
    html = client.get("/").get_data(as_text=True)
    latest = html.split('id="latest-list"', 1)[1].split("</div>", 1)[0]
    return [int(job_id) for job_id in re.findall(r'href="/jobs/(\d+)"', latest)]


def test_latest_analyses_leave_out_a_trackers_failures_not_a_persons(any_app):
    with any_app.app_context():
        tracker_id = add_tracker("python")
        result = add_run(tracker_id, 0, "done", negative=3)
        asked = add_run(None, 5, "failed", error=SOURCE_DOWN)  # someone asked: they see it
        add_run(tracker_id, 10, "failed", error=SOURCE_DOWN)  # the tracker's card says it
        add_run(tracker_id, 20, "done", since_id="5")  # nothing new
    assert latest_ids(any_app.test_client()) == [asked, result]


def test_latest_analyses_are_read_along_the_index_of_results(any_app):
    """However many tracked runs came since the last result, the home page reads only results:
    the plan walks the partial index, not every job."""
    from sqlalchemy import text

    from webapp.jobs import _LATEST_RESULTS

    with any_app.app_context():
        tracker_id = add_tracker("python")
        add_run(None, 0, "done", negative=1)
        db.session.execute(Job.__table__.insert(), [
            {"hashtag": "python", "hashtag_key": "python", "source": "sample", "tweet_limit": 10,
             "status": "done", "since_id": "5", "tracker_id": tracker_id,
             "scheduled_for": T0 + timedelta(minutes=minute),
             "created_at": T0 + timedelta(minutes=minute)} for minute in range(1, 3001)])
        db.session.commit()
        dialect = db.engine.dialect
        sql = str(_LATEST_RESULTS.limit(5).compile(
            dialect=dialect, compile_kwargs={"literal_binds": True}))
        if dialect.name == "postgresql":
            db.session.execute(text("ANALYZE jobs"))
            plan = db.session.execute(text("EXPLAIN " + sql)).scalars().all()
        else:
            db.session.execute(text("ANALYZE"))
            plan = [row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql))]
        assert any("ix_jobs_results_created_at_id" in line for line in plan), plan


def test_the_trackers_last_runs_are_read_by_index_in_postgresqls_generic_plan(postgres_app):
    """The lists read each tracker's last run with a prepared statement, which PostgreSQL plans
    once for any value: that plan must still find the run by index, not scan every job."""
    from sqlalchemy import text

    from tests.tracking.conftest import empty_tables
    from webapp.trackers import _TRACKER_LISTS

    empty_tables(postgres_app)
    with postgres_app.app_context():
        tracker_id = add_tracker("python")
        db.session.execute(Job.__table__.insert(), [
            {"hashtag": "python", "hashtag_key": "python", "source": "sample", "tweet_limit": 10,
             "status": "done", "since_id": "5", "tracker_id": tracker_id,
             "scheduled_for": T0 + timedelta(minutes=minute), "finished_at": T0,
             "created_at": T0 + timedelta(minutes=minute)} for minute in range(20000)])
        db.session.commit()
        db.session.execute(text("ANALYZE jobs"))
        compiled = _TRACKER_LISTS["all"].compile(dialect=db.engine.dialect)
        assert not compiled.params, "every value is written into the statement"
        db.session.execute(text("SET plan_cache_mode = force_generic_plan"))
        db.session.execute(text(f"PREPARE tracker_list AS {compiled}"))
        plan = db.session.execute(text("EXPLAIN EXECUTE tracker_list")).scalars().all()
        db.session.rollback()
    assert not any("Seq Scan on jobs" in line for line in plan), plan
    assert any("Index Scan Backward using uq_jobs_tracker_id_scheduled_for" in line
               for line in plan), plan
