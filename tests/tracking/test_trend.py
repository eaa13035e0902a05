"""/api/tags/<tag>/trend: one point per finished run with tweets, tracked runs included."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.db import db
from core.models import Job
from tests.tracking.conftest import T0, add_tracker


def run(hashtag: str, minutes: int, *, counts=(1, 1, 1), status: str = "done",
        tracker_id: int | None = None, mean: float | None = 0.5) -> int:
    negative, neutral, positive = counts
    job = Job(hashtag=hashtag, hashtag_key=hashtag.lower(), source="sample", tweet_limit=100,
              status=status, negative=negative, neutral=neutral, positive=positive,
              mean_score=mean, tracker_id=tracker_id,
              scheduled_for=T0 + timedelta(minutes=minutes) if tracker_id else None,
              created_at=T0 + timedelta(minutes=minutes),
              finished_at=T0 + timedelta(minutes=minutes, seconds=30))
    db.session.add(job)
    db.session.commit()
    return job.id


@pytest.fixture
def history(app):
    """#Python: an ad-hoc run, two tracked runs, a failed one, an empty one; #rust: one run."""
    with app.app_context():
        tracker_id = add_tracker("Python", interval_minutes=60)
        ids = {
            "adhoc": run("Python", 0, counts=(2, 3, 5), mean=0.61),
            "tracked1": run("python", 60, counts=(6, 2, 2), tracker_id=tracker_id, mean=0.3),
            "failed": run("python", 90, status="failed", mean=None),
            "empty": run("python", 120, counts=(0, 0, 0), tracker_id=tracker_id, mean=None),
            "tracked2": run("PYTHON", 180, counts=(1, 1, 8), tracker_id=tracker_id, mean=0.85),
            "rust": run("rust", 30),
        }
    return ids


def test_trend_lists_finished_runs_with_tweets_oldest_first(client, history):
    response = client.get("/api/tags/Python/trend")
    assert response.status_code == 200
    body = response.get_json()
    assert body["hashtag"] == "Python"
    assert [p["job_id"] for p in body["points"]] == [
        history["adhoc"], history["tracked1"], history["tracked2"]]
    assert body["points"][1] == {
        "t": "2026-03-02T13:00:30Z", "positive": 2, "neutral": 2, "negative": 6, "total": 10,
        "mean_score": 0.3, "job_id": history["tracked1"], "tracked": True,
        "model_version": None}
    assert [p["tracked"] for p in body["points"]] == [False, True, True]
    assert [p["total"] for p in body["points"]] == [10, 10, 10]


def test_trend_ignores_case_and_a_leading_hash(client, history):
    points = client.get("/api/tags/%23pYtHoN/trend").get_json()["points"]
    assert len(points) == 3


def test_since_keeps_runs_finished_at_or_after_it(client, history):
    body = client.get("/api/tags/python/trend?since=2026-03-02T13:00:30Z").get_json()
    assert [p["job_id"] for p in body["points"]] == [history["tracked1"], history["tracked2"]]
    naive = client.get("/api/tags/python/trend?since=2026-03-02T14:00:00").get_json()
    assert [p["job_id"] for p in naive["points"]] == [history["tracked2"]]
    assert client.get("/api/tags/python/trend?since=2030-01-01T00:00:00Z").get_json()[
        "points"] == []


def test_unknown_hashtag_has_an_empty_trend(client, history):
    assert client.get("/api/tags/neverseen/trend").get_json() == {
        "hashtag": "neverseen", "points": []}


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/tags/python/trend?since=yesterday", "since"),
        ("/api/tags/python/trend?since=2026-13-01", "since"),
        ("/api/tags/bad-tag/trend", "tag"),
    ],
)
def test_bad_trend_requests_are_422_naming_the_parameter(client, url, field):
    response = client.get(url)
    assert response.status_code == 422
    assert response.get_json()["field"] == field
