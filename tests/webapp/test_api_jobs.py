"""The /api/jobs contract: what a client sends, what it gets back, and every way to get it wrong."""

from __future__ import annotations

import pytest

from core.db import db
from core.models import Job
from tests.support.broker import queue_length


def test_submit_answers_202_with_id_url_and_location(client, app):
    response = client.post("/api/jobs", json={"hashtag": "#Python", "limit": 50})
    assert response.status_code == 202
    body = response.get_json()
    assert body["status"] == "queued"
    assert body["url"] == f"/api/jobs/{body['id']}"
    assert response.headers["Location"].endswith(body["url"])
    with app.app_context():
        job = db.session.get(Job, body["id"])
        assert (job.hashtag, job.hashtag_key, job.tweet_limit, job.source) == (
            "Python", "python", 50, "sample")


def test_submit_publishes_one_message_to_the_broker(client, app):
    client.post("/api/jobs", json={"hashtag": "news"})
    assert queue_length() == 1


def test_hashtag_alone_is_enough_and_defaults_apply(client):
    job_id = client.post("/api/jobs", json={"hashtag": "x"}).get_json()["id"]
    body = client.get(f"/api/jobs/{job_id}").get_json()
    assert body["limit"] == 100
    assert body["source"] == "sample"
    assert body["progress"] == {"fetched": 0, "scored": 0, "total": 100}
    assert body["counts"] == {"negative": 0, "neutral": 0, "positive": 0}


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({}, "hashtag", "Enter a hashtag"),
        ({"hashtag": ""}, "hashtag", "Enter a hashtag"),
        ({"hashtag": "   "}, "hashtag", "Enter a hashtag"),
        ({"hashtag": "#"}, "hashtag", "after the '#'"),
        ({"hashtag": "two words"}, "hashtag", "only letters, digits and underscores"),
        ({"hashtag": "tag-with-dash"}, "hashtag", "only letters"),
        ({"hashtag": "##double"}, "hashtag", "only letters"),
        ({"hashtag": "a" * 101}, "hashtag", "at most 100"),
        ({"hashtag": "<script>"}, "hashtag", "only letters"),
        ({"hashtag": "tag\u0000"}, "hashtag", "only letters"),
        ({"hashtag": 42}, "hashtag", "must be text"),
        ({"hashtag": ["a"]}, "hashtag", "must be text"),
        ({"hashtag": "ok", "limit": 0}, "limit", "between 1 and 1000"),
        ({"hashtag": "ok", "limit": 1001}, "limit", "between 1 and 1000"),
        ({"hashtag": "ok", "limit": -3}, "limit", "between 1 and 1000"),
        ({"hashtag": "ok", "limit": 2.5}, "limit", "whole number"),
        ({"hashtag": "ok", "limit": "ten"}, "limit", "whole number"),
        ({"hashtag": "ok", "limit": True}, "limit", "whole number"),
        ({"hashtag": "ok", "source": "myspace"}, "source", "Unknown source"),
        ({"hashtag": "ok", "source": 3}, "source", "Unknown source"),
    ],
)
def test_rejects_invalid_fields_with_a_readable_message(client, app, body, field, words):
    response = client.post("/api/jobs", json=body)
    assert response.status_code == 422
    payload = response.get_json()
    assert payload["field"] == field
    assert words in payload["error"]
    assert queue_length() == 0


@pytest.mark.parametrize(
    ("data", "content_type", "words"),
    [
        ("not json", "application/json", "not valid JSON"),
        ('["a list"]', "application/json", "JSON object"),
        ('"a string"', "application/json", "JSON object"),
        ("hashtag=python", "application/x-www-form-urlencoded", "Content-Type: application/json"),
    ],
)
def test_rejects_malformed_bodies_with_400(client, data, content_type, words):
    response = client.post("/api/jobs", data=data, content_type=content_type)
    assert response.status_code == 400
    assert words in response.get_json()["error"]


def test_rejects_unknown_fields(client):
    response = client.post("/api/jobs", json={"hashtag": "ok", "limt": 5})
    assert response.status_code == 400
    assert response.get_json()["field"] == "limt"


def test_accepts_limit_as_digit_string_and_bounds(client):
    assert client.post("/api/jobs", json={"hashtag": "a", "limit": "1"}).status_code == 202
    assert client.post("/api/jobs", json={"hashtag": "a", "limit": 1000}).status_code == 202


def test_unknown_job_is_a_json_404(client):
    response = client.get("/api/jobs/999999")
    assert response.status_code == 404
    assert response.get_json() == {"error": "There is no job 999999."}


def test_unknown_api_route_is_json_not_html(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert "error" in response.get_json()


def test_wrong_method_is_json_405(client):
    response = client.delete("/api/jobs")
    assert response.status_code == 405
    assert "error" in response.get_json()


def test_oversized_body_is_refused_with_413(client):
    response = client.post("/api/jobs", data="x" * (1024 * 1024 + 10),
                           content_type="application/json")
    assert response.status_code == 413
    assert "too large" in response.get_json()["error"]


def test_history_is_newest_first_and_filters_by_hashtag_any_case(client):
    ids = [client.post("/api/jobs", json={"hashtag": tag}).get_json()["id"]
           for tag in ("Alpha", "beta", "ALPHA")]
    listing = client.get("/api/jobs").get_json()
    assert [j["id"] for j in listing["results"]] == list(reversed(ids))
    alpha = client.get("/api/jobs?hashtag=%23alpha").get_json()
    assert [j["id"] for j in alpha["results"]] == [ids[2], ids[0]]
    assert alpha["total"] == 2


def test_history_filters_by_status_and_paginates(client):
    for n in range(5):
        client.post("/api/jobs", json={"hashtag": f"t{n}"})
    page = client.get("/api/jobs?status=queued&per_page=2&page=3").get_json()
    assert (page["page"], page["pages"], page["total"], len(page["results"])) == (3, 3, 5, 1)
    assert client.get("/api/jobs?status=done").get_json()["total"] == 0


@pytest.mark.parametrize("query", ["", "status=queued", "hashtag=t1", "hashtag=t1&status=queued"])
def test_a_page_past_the_end_still_says_the_total(client, query):
    # The total comes with the page's rows; an empty page is counted on its own.
    for n in range(3):
        client.post("/api/jobs", json={"hashtag": f"t{n % 2}"})
    expected = client.get(f"/api/jobs?{query}").get_json()["total"]
    assert expected == (1 if "t1" in query else 3)  # t0, t1, t0
    beyond = client.get(f"/api/jobs?{query}&page=9&per_page=5").get_json()
    assert (beyond["results"], beyond["total"], beyond["pages"], beyond["page"]) == \
        ([], expected, 1, 9)


@pytest.mark.parametrize(
    "query", ["status=finished", "page=0", "page=abc", "per_page=1000", "hashtag=no%20spaces"])
def test_history_rejects_bad_query_strings(client, query):
    response = client.get(f"/api/jobs?{query}")
    assert response.status_code == 422
    assert response.get_json()["error"]


def test_tweets_of_unknown_job_is_404(client):
    assert client.get("/api/jobs/12345/tweets").status_code == 404


@pytest.mark.parametrize("query", ["label=happy", "sort=random", "page=-1"])
def test_tweets_reject_bad_query_strings(client, query):
    job_id = client.post("/api/jobs", json={"hashtag": "a"}).get_json()["id"]
    assert client.get(f"/api/jobs/{job_id}/tweets?{query}").status_code == 422


def test_tweets_of_a_new_job_is_an_empty_page(client):
    job_id = client.post("/api/jobs", json={"hashtag": "a"}).get_json()["id"]
    assert client.get(f"/api/jobs/{job_id}/tweets").get_json() == {
        "results": [], "page": 1, "pages": 1, "total": 0}


def test_a_hashtags_total_follows_its_jobs_on_both_databases(database_app):
    # The total of one hashtag's jobs is kept by triggers (hashtag_job_counts); by status it
    # is counted. Both must agree with the jobs as they come and go.
    from core.db import db
    from core.models import Job
    from webapp.jobs import list_jobs

    client = database_app.test_client()
    ids = [client.post("/api/jobs", json={"hashtag": tag}).get_json()["id"]
           for tag in ("Alpha", "beta", "ALPHA", "alpha", "Gamma")]
    with database_app.test_request_context():
        assert list_jobs(hashtag="alpha", page=1, per_page=2).total == 3
        db.session.execute(db.delete(Job).where(Job.id == ids[0]))
        db.session.execute(db.update(Job).where(Job.id == ids[4]).values(status="done"))
        db.session.commit()
        assert list_jobs(hashtag="Alpha", page=1, per_page=2).total == 2
        assert list_jobs(hashtag="alpha", page=5, per_page=2).total == 2  # past the end
        assert list_jobs(hashtag="gamma", page=1, per_page=2, status="done").total == 1
        assert list_jobs(hashtag="gamma", page=1, per_page=2, status="queued").total == 0
        assert list_jobs(hashtag="never", page=1, per_page=2).total == 0
    assert client.get("/api/jobs?hashtag=alpha").get_json()["total"] == 2
