"""The views that read in autocommit mode (``webapp.read_only``) answer on PostgreSQL, the one
database where the mode applies, with a finished job's posts, words and dashboard to show."""

from __future__ import annotations

import pytest

from tests.pages.factories import add_tweets, make_job
from tests.support.apps import fresh_app
from tests.support.env import temporary_postgres_database


@pytest.fixture
def pg_app(tmp_path):
    with temporary_postgres_database() as url, fresh_app(
            tmp_path / "instance", env={"DATABASE_URL": url}) as app:
        yield app


def test_every_read_only_view_answers_on_postgresql(pg_app):
    from core.db import db
    from webapp.read_only import READ_ONLY_ENDPOINTS

    with pg_app.app_context():
        job = make_job("Python")
        add_tweets(job, [("positive", 0.9, "lovely python release"),
                         ("positive", 0.8, "lovely python docs"),
                         ("negative", -0.7, "broken python build"),
                         ("negative", -0.6, "broken python wheel")])
        db.session.commit()
        job_id = job.id
    client = pg_app.test_client()
    paths = ["/", "/jobs", f"/jobs/{job_id}", "/tags/python", "/api/jobs",
             f"/api/jobs/{job_id}", f"/api/jobs/{job_id}/tweets"]
    answered = set()
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.get_data(as_text=True)[-2000:])
        with pg_app.test_request_context(path):
            from flask import request
            answered.add(request.url_rule.endpoint)
    assert answered == READ_ONLY_ENDPOINTS
    assert b"lovely" in client.get(f"/jobs/{job_id}").data  # the job's words (top_terms)
    assert client.get("/api/jobs").get_json()["total"] == 1


def test_a_submitted_job_is_counted_and_read_back_on_postgresql(pg_app):
    # Submitting is not a read-only view: the row and its count (a trigger) commit together.
    client = pg_app.test_client()
    response = client.post("/api/jobs", json={"hashtag": "python"})
    assert response.status_code == 202
    assert client.get("/api/jobs?status=queued").get_json()["total"] == 1
    assert client.get(response.headers["Location"]).get_json()["status"] == "queued"


def test_the_mode_is_taken_only_when_the_session_is_used(pg_app):
    from core.db import db

    with pg_app.test_request_context("/jobs"):  # a read-only view
        pg_app.preprocess_request()
        assert db.engine.pool.checkedout() == 0  # nothing checked out up front
        assert db.session.connection().connection.dbapi_connection.autocommit is True
        db.session.remove()
    # Submitting a job writes one statement at a time; a tracker's form writes several.
    for path, autocommit in (("/api/jobs", True), ("/api/trackers", False)):
        with pg_app.test_request_context(path, method="POST"):
            pg_app.preprocess_request()
            connection = db.session.connection().connection.dbapi_connection
            assert connection.autocommit is autocommit, path
            db.session.remove()
            assert db.engine.pool.checkedout() == 0
