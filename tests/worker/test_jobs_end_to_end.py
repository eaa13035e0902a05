"""Jobs through the real stack: API -> broker -> a real worker process -> database -> API.

Runs twice: on the embedded defaults (SQLite + the embedded Redis) and on Redis + PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.db import db
from core.models import JobTweet, Tweet

pytestmark = pytest.mark.stack


def tweet_rows(stack) -> int:
    with stack.app.app_context():
        return db.session.scalar(select(func.count()).select_from(Tweet))


def test_job_fetches_scores_and_stores_tweets(stack):
    job_id = stack.submit("#MAGA", limit=120)
    job = stack.wait_for_job(job_id)
    assert job["status"] == "done", job
    counts = job["counts"]
    assert sum(counts.values()) == 120
    assert job["progress"] == {"fetched": 120, "scored": 120, "total": 120}
    assert all(value >= 0 for value in counts.values())
    assert 0.0 <= job["mean_score"] <= 1.0
    assert job["model_version"]
    assert job["started_at"] and job["finished_at"]
    with stack.app.app_context():
        linked = db.session.scalar(
            select(func.count()).select_from(JobTweet).where(JobTweet.job_id == job_id))
    assert linked == 120


def test_job_tweets_endpoint_pages_filters_and_sorts(stack):
    job_id = stack.submit("love", limit=60)
    job = stack.wait_for_job(job_id)
    assert job["status"] == "done"
    first = stack.client().get(f"/api/jobs/{job_id}/tweets?per_page=25").get_json()
    assert (first["total"], first["pages"], len(first["results"])) == (60, 3, 25)
    tweet = first["results"][0]
    assert set(tweet) >= {"text", "username", "label", "score", "created_at", "url", "probs"}
    assert "#love" in tweet["text"].lower()
    positive = stack.client().get(
        f"/api/jobs/{job_id}/tweets?label=positive&per_page=100").get_json()
    assert positive["total"] == job["counts"]["positive"]
    assert {t["label"] for t in positive["results"]} <= {"positive"}
    by_score = stack.client().get(
        f"/api/jobs/{job_id}/tweets?sort=negative&per_page=100").get_json()["results"]
    scores = [t["score"] for t in by_score]
    assert scores == sorted(scores)


def test_rerunning_a_hashtag_links_tweets_without_duplicating_them(stack):
    first = stack.wait_for_job(stack.submit("tbt", limit=50))
    rows_after_first = tweet_rows(stack)
    second = stack.wait_for_job(stack.submit("TBT", limit=50))
    assert first["status"] == second["status"] == "done"
    assert tweet_rows(stack) == rows_after_first
    assert first["counts"] == second["counts"]


def test_hashtag_without_tweets_fails_with_the_reason(stack):
    job = stack.wait_for_job(stack.submit("zzqqxxnothingtaggedlikethis"))
    assert job["status"] == "failed"
    assert "No posts found for #zzqqxxnothingtaggedlikethis" in job["error"]


def test_x_source_without_token_is_refused_saying_what_is_missing(stack):
    # Before: accepted, queued, and failed later in the worker.
    response = stack.client().post("/api/jobs", json={"hashtag": "python", "source": "x"})
    assert response.status_code == 422
    assert "X_BEARER_TOKEN" in response.get_json()["error"]


def test_redelivered_message_for_a_finished_job_changes_nothing(stack):
    job_id = stack.submit("usa", limit=30)
    done = stack.wait_for_job(job_id)
    rows = tweet_rows(stack)
    with stack.app.app_context():
        from core.queue import publish_job

        assert publish_job(job_id)
    # A second job queued after the redelivery finishes only once the worker has seen it.
    stack.wait_for_job(stack.submit("usa", limit=1))
    again = stack.job(job_id)
    assert again == done
    assert tweet_rows(stack) == rows


def test_predict_endpoint_scores_free_text_through_a_worker(stack):
    texts = ["I love this so much, best day ever!", "This is awful, I hate it.", "ok"]
    response = stack.client().post("/api/predict", json={"texts": texts})
    assert response.status_code == 200, response.get_data(as_text=True)
    results = response.get_json()["results"]
    assert len(results) == 3
    assert results[0]["label"] == "positive"
    assert results[1]["label"] == "negative"
    for result in results:
        assert abs(sum(result["probs"].values()) - 1) < 1e-3
        assert 0 <= result["score"] <= 1


def test_seed_analyzehashtag_returns_counts(stack):
    response = stack.client().get("/analyzehashtag?text=california")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"positive", "neutral", "negative"}
    assert sum(body.values()) == 100


def test_seed_gettweets_returns_scored_tweets(stack):
    response = stack.client().get("/gettweets?text=%23family")
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert len(results) == 100
    assert set(results[0]) == {"text", "username", "label", "score"}


def test_seed_getsentiment_scores_one_text(stack):
    body = stack.client().get("/getsentiment?text=I%20love%20my%20dog").get_json()
    assert body["label"] == "positive"
