"""The /api/trackers contract: fields, defaults, errors, and what edits do to the schedule."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from core.db import db
from core.models import Alert, Job, Tracker, utcnow


def create(client, **body):
    response = client.post("/api/trackers", json={"hashtag": "python", **body})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_create_answers_201_with_the_tracker_and_its_location(client):
    before = utcnow()
    response = client.post("/api/trackers", json={
        "hashtag": "#MachineLearning", "source": "sample", "interval_minutes": 30, "limit": 250,
        "enabled": True, "negative_alert_threshold": 0.4})
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/trackers/{body['id']}")
    assert {k: body[k] for k in ("hashtag", "source", "interval_minutes", "limit", "enabled",
                                 "negative_alert_threshold")} == {
        "hashtag": "MachineLearning", "source": "sample", "interval_minutes": 30, "limit": 250,
        "enabled": True, "negative_alert_threshold": 0.4}
    assert body["runs_url"] == "/api/jobs?hashtag=MachineLearning"
    assert body["url"] == f"/api/trackers/{body['id']}"
    assert body["last_run_at"] is None
    # The first run is due at once: the next dispatch starts it.
    assert before <= parse_time(body["next_run_at"]) <= utcnow()


def test_hashtag_alone_is_enough_and_defaults_apply(client):
    body = create(client)
    assert (body["source"], body["interval_minutes"], body["limit"], body["enabled"],
            body["negative_alert_threshold"]) == ("sample", 60, 100, True, None)


def test_a_tracker_without_a_source_gets_the_default_source_setting(client, app):
    # Before: trackers always defaulted to "sample", whatever DEFAULT_SOURCE said.
    app.config["DEFAULT_SOURCE"] = "mastodon"
    assert create(client)["source"] == "mastodon"


def test_nulls_on_create_mean_defaults(client):
    body = create(client, interval_minutes=None, limit=None, enabled=None, source=None)
    assert (body["interval_minutes"], body["limit"], body["enabled"]) == (60, 100, True)


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({}, "hashtag", "Enter a hashtag"),
        ({"hashtag": "two words"}, "hashtag", "only letters"),
        ({"hashtag": "#"}, "hashtag", "after the '#'"),
        ({"hashtag": 7}, "hashtag", "must be text"),
        ({"hashtag": "a" * 101}, "hashtag", "at most 100"),
        ({"hashtag": "ok", "source": "myspace"}, "source", "Unknown source"),
        ({"hashtag": "ok", "interval_minutes": 0}, "interval_minutes", "between 1 and 10080"),
        ({"hashtag": "ok", "interval_minutes": 10081}, "interval_minutes", "between 1 and 10080"),
        ({"hashtag": "ok", "interval_minutes": -5}, "interval_minutes", "between 1 and 10080"),
        ({"hashtag": "ok", "interval_minutes": 1.5}, "interval_minutes", "whole number"),
        ({"hashtag": "ok", "interval_minutes": "often"}, "interval_minutes", "whole number"),
        ({"hashtag": "ok", "interval_minutes": True}, "interval_minutes", "whole number"),
        ({"hashtag": "ok", "limit": 0}, "limit", "between 1 and 1000"),
        ({"hashtag": "ok", "limit": 1001}, "limit", "between 1 and 1000"),
        ({"hashtag": "ok", "limit": [5]}, "limit", "whole number"),
        ({"hashtag": "ok", "enabled": "yes"}, "enabled", "true or false"),
        ({"hashtag": "ok", "enabled": 1}, "enabled", "true or false"),
        ({"hashtag": "ok", "negative_alert_threshold": 1.5}, "negative_alert_threshold", "0 and 1"),
        ({"hashtag": "ok", "negative_alert_threshold": -0.1}, "negative_alert_threshold",
         "0 and 1"),
        ({"hashtag": "ok", "negative_alert_threshold": "half"}, "negative_alert_threshold",
         "0 and 1"),
        ({"hashtag": "ok", "negative_alert_threshold": True}, "negative_alert_threshold",
         "0 and 1"),
        ({"hashtag": "ok", "negative_alert_threshold": {"v": 1}}, "negative_alert_threshold",
         "0 and 1"),
    ],
)
def test_create_rejects_invalid_fields_with_422_naming_the_field(client, app, body, field, words):
    response = client.post("/api/trackers", json=body)
    assert response.status_code == 422
    payload = response.get_json()
    assert payload["field"] == field
    assert words in payload["error"]
    with app.app_context():
        assert db.session.scalars(select(Tracker)).all() == []


def test_threshold_bounds_and_nan_are_checked(client):
    assert create(client, hashtag="a", negative_alert_threshold=0)["negative_alert_threshold"] == 0
    assert create(client, hashtag="b", negative_alert_threshold=1)["negative_alert_threshold"] == 1
    response = client.post("/api/trackers", data='{"hashtag": "c", '
                           '"negative_alert_threshold": NaN}', content_type="application/json")
    assert response.status_code == 422
    assert response.get_json()["field"] == "negative_alert_threshold"


@pytest.mark.parametrize(
    ("data", "content_type", "words"),
    [
        ("not json", "application/json", "not valid JSON"),
        ('["python"]', "application/json", "JSON object"),
        ("hashtag=python", "application/x-www-form-urlencoded", "Content-Type: application/json"),
    ],
)
@pytest.mark.parametrize("method", ["post", "patch"])
def test_malformed_bodies_are_400(client, method, data, content_type, words):
    tracker_id = create(client)["id"]
    url = "/api/trackers" if method == "post" else f"/api/trackers/{tracker_id}"
    response = getattr(client, method)(url, data=data, content_type=content_type)
    assert response.status_code == 400
    assert words in response.get_json()["error"]


@pytest.mark.parametrize("field", ["interval", "id", "next_run_at", "last_run_at", "runs_url"])
def test_unknown_and_read_only_fields_are_400(client, field):
    tracker_id = create(client)["id"]
    for response in (client.post("/api/trackers", json={"hashtag": "rust", field: 5}),
                     client.patch(f"/api/trackers/{tracker_id}", json={field: 5})):
        assert response.status_code == 400
        assert response.get_json()["field"] == field


def test_same_hashtag_and_source_is_409_in_any_case(client):
    create(client, hashtag="Python")
    response = client.post("/api/trackers", json={"hashtag": "#PYTHON"})
    assert response.status_code == 409
    assert response.get_json()["field"] == "hashtag"
    assert "already tracked" in response.get_json()["error"]
    # The same hashtag on another source is another tracker.
    other_source = client.post("/api/trackers", json={"hashtag": "python", "source": "mastodon"})
    assert other_source.status_code == 201


def test_list_and_filter_by_hashtag(client):
    create(client, hashtag="python")
    create(client, hashtag="Rust")
    create(client, hashtag="rust", source="mastodon")
    everything = client.get("/api/trackers").get_json()
    assert everything["total"] == 3
    # By hashtag, then source.
    assert [t["hashtag"] for t in everything["results"]] == ["python", "rust", "Rust"]
    rust = client.get("/api/trackers?hashtag=%23RUST").get_json()
    assert [(t["hashtag"], t["source"]) for t in rust["results"]] == [("rust", "mastodon"),
                                                                       ("Rust", "sample")]
    assert client.get("/api/trackers?hashtag=no%20way").status_code == 422


def test_get_returns_the_same_as_create(client):
    created = create(client, interval_minutes=5)
    assert client.get(f"/api/trackers/{created['id']}").get_json() == created


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_unknown_tracker_is_a_json_404(client, method):
    kwargs = {"json": {"enabled": False}} if method == "patch" else {}
    response = getattr(client, method)("/api/trackers/424242", **kwargs)
    assert response.status_code == 404
    assert response.get_json() == {"error": "There is no tracker 424242."}


def test_patch_changes_only_the_given_fields(client):
    created = create(client, limit=50, negative_alert_threshold=0.5)
    response = client.patch(f"/api/trackers/{created['id']}", json={"limit": 75})
    assert response.status_code == 200
    body = response.get_json()
    assert body["limit"] == 75
    assert {k: v for k, v in body.items() if k != "limit"} == {
        k: v for k, v in created.items() if k != "limit"}


def test_patch_with_an_empty_object_changes_nothing(client):
    created = create(client)
    assert client.patch(f"/api/trackers/{created['id']}", json={}).get_json() == created


def test_patch_null_clears_the_threshold_but_not_required_fields(client):
    tracker_id = create(client, negative_alert_threshold=0.3)["id"]
    cleared = client.patch(f"/api/trackers/{tracker_id}", json={"negative_alert_threshold": None})
    assert cleared.get_json()["negative_alert_threshold"] is None
    for field in ("hashtag", "source", "interval_minutes", "limit", "enabled"):
        response = client.patch(f"/api/trackers/{tracker_id}", json={field: None})
        assert response.status_code == 422, field
        assert response.get_json()["field"] == field


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"interval_minutes": 0}, "interval_minutes"),
        ({"limit": 5000}, "limit"),
        ({"enabled": "false"}, "enabled"),
        ({"hashtag": "bad tag"}, "hashtag"),
        ({"negative_alert_threshold": 2}, "negative_alert_threshold"),
    ],
)
def test_patch_rejects_invalid_fields_and_changes_nothing(client, body, field):
    created = create(client)
    response = client.patch(f"/api/trackers/{created['id']}", json=body)
    assert response.status_code == 422
    assert response.get_json()["field"] == field
    assert client.get(f"/api/trackers/{created['id']}").get_json() == created


def test_patch_to_a_taken_hashtag_is_409(client):
    create(client, hashtag="python")
    rust = create(client, hashtag="rust")
    response = client.patch(f"/api/trackers/{rust['id']}", json={"hashtag": "Python"})
    assert response.status_code == 409
    # Changing only the case of its own hashtag is not a conflict.
    renamed = client.patch(f"/api/trackers/{rust['id']}", json={"hashtag": "Rust"})
    assert renamed.status_code == 200
    assert renamed.get_json()["hashtag"] == "Rust"


def test_pausing_and_resuming(client, app):
    tracker_id = create(client)["id"]
    assert client.patch(f"/api/trackers/{tracker_id}",
                        json={"enabled": False}).get_json()["enabled"] is False
    with app.app_context():
        from worker.tracking import due_trackers

        assert due_trackers(utcnow()) == []
    assert client.patch(f"/api/trackers/{tracker_id}",
                        json={"enabled": True}).get_json()["enabled"] is True


def test_new_interval_counts_from_the_last_run(client, app):
    tracker_id = create(client, interval_minutes=60)["id"]
    last_run = utcnow() - timedelta(minutes=10)
    with app.app_context():
        tracker = db.session.get(Tracker, tracker_id)
        tracker.last_run_at = last_run
        tracker.next_run_at = last_run + timedelta(minutes=60)
        db.session.commit()
    body = client.patch(f"/api/trackers/{tracker_id}", json={"interval_minutes": 15}).get_json()
    assert parse_time(body["next_run_at"]) == last_run + timedelta(minutes=15)


def test_delete_removes_the_tracker_and_its_alerts_but_keeps_its_runs(client, app):
    tracker_id = create(client)["id"]
    with app.app_context():
        job = Job(hashtag="python", hashtag_key="python", source="sample", tweet_limit=10,
                  status="done", tracker_id=tracker_id, scheduled_for=utcnow())
        db.session.add(job)
        db.session.flush()
        db.session.add(Alert(tracker_id=tracker_id, job_id=job.id, hashtag_key="python",
                             negative_share=0.9, threshold=0.5))
        db.session.commit()
        job_id = job.id
    response = client.delete(f"/api/trackers/{tracker_id}")
    assert response.status_code == 204
    assert client.get(f"/api/trackers/{tracker_id}").status_code == 404
    assert client.delete(f"/api/trackers/{tracker_id}").status_code == 404
    with app.app_context():
        assert db.session.get(Job, job_id).tracker_id is None
        assert db.session.scalars(select(Alert)).all() == []
    assert client.get(f"/api/jobs/{job_id}").status_code == 200


def test_alerts_endpoint_lists_the_trackers_alerts_newest_first(client, app):
    tracker_id = create(client, negative_alert_threshold=0.5)["id"]
    with app.app_context():
        for minutes, share in ((0, 0.6), (90, 0.8)):
            job = Job(hashtag="python", hashtag_key="python", source="sample", tweet_limit=10,
                      status="done", tracker_id=tracker_id,
                      scheduled_for=utcnow() + timedelta(minutes=minutes))
            db.session.add(job)
            db.session.flush()
            db.session.add(Alert(tracker_id=tracker_id, job_id=job.id, hashtag_key="python",
                                 negative_share=share, threshold=0.5,
                                 created_at=utcnow() + timedelta(minutes=minutes)))
        db.session.commit()
    body = client.get(f"/api/trackers/{tracker_id}/alerts").get_json()
    assert [a["negative_share"] for a in body["results"]] == [0.8, 0.6]
    assert set(body["results"][0]) == {"id", "tracker_id", "job_id", "hashtag",
                                       "negative_share", "threshold", "created_at", "job_url",
                                       "deliveries"}
    assert client.get("/api/trackers/999/alerts").status_code == 404
