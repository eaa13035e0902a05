"""A job whose X source misbehaves: the task's retry-or-fail decisions, with X replayed.

The real ``analyze_job`` task runs in-process against replayed X answers (``responses``), as a
retry would see them: Celery's ``Retry`` says when the job runs again. Nothing hangs: every
answer ends in a retry at a stated time or a failure with a reason.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime

import pytest
import requests
import responses
from celery.exceptions import Retry

from core.db import db
from core.models import Job, JobTweet, Tweet
from worker import tasks

SEARCH_URL = "https://api.twitter.com/2/tweets/search/recent"
TOKEN = "AAAAAAAAAAAAAAAAAAAAAReplayTestTokenNeverShown%2Fqq7qq7qq7qq7"


class Prediction:
    def __init__(self, text: str) -> None:
        self.label, self.score = "positive", 0.8
        self.probs = {"negative": 0.1, "neutral": 0.1, "positive": 0.8}


@pytest.fixture
def x_app(app, monkeypatch):
    app.config["X_BEARER_TOKEN"] = TOKEN
    monkeypatch.setattr(tasks.model_runtime, "predict",
                        lambda texts: [Prediction(t) for t in texts])
    monkeypatch.setattr(tasks.model_runtime, "model_version", lambda: "replay-model")
    return app


@pytest.fixture
def x_api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def x_job(app, limit: int = 20) -> int:
    client = app.test_client()
    response = client.post("/api/jobs", json={"hashtag": "python", "source": "x", "limit": limit})
    assert response.status_code == 202
    return response.get_json()["id"]


def run_task(app, job_id: int, *, retries: int = 0):
    """Run analyze_job as the worker would on its ``retries``-th delivery; a Retry is returned."""
    with app.app_context():
        tasks.analyze_job.push_request(id=f"job-{job_id}-r{retries}", retries=retries,
                                       is_eager=True, called_directly=False, args=[job_id],
                                       kwargs={})
        try:
            return tasks.analyze_job.run(job_id)
        except Retry as retry:
            return retry
        finally:
            tasks.analyze_job.pop_request()
            db.session.remove()


def job_row(app, job_id: int) -> dict:
    return app.test_client().get(f"/api/jobs/{job_id}").get_json()


def page_json(first_id: int, count: int, next_token: str | None = None) -> dict:
    tweets = [{"id": str(first_id - i), "text": f"#python tweet {first_id - i}",
               "author_id": "42", "created_at": "2026-11-24T09:00:00.000Z", "lang": "en",
               "edit_history_tweet_ids": [str(first_id - i)]} for i in range(count)]
    meta = {"result_count": count, "newest_id": str(first_id),
            "oldest_id": str(first_id - count + 1)}
    if next_token:
        meta["next_token"] = next_token
    return {"data": tweets, "includes": {"users": [{"id": "42", "name": "P",
                                                     "username": "pythonista"}]}, "meta": meta}


def assert_token_nowhere(app, job_id: int, caplog) -> None:
    assert TOKEN not in str(job_row(app, job_id))
    assert TOKEN not in app.test_client().get(f"/jobs/{job_id}").get_data(as_text=True)
    for record in caplog.records:
        assert TOKEN not in record.getMessage()
        assert TOKEN not in (record.exc_text or "")


def test_rate_limited_job_is_retried_when_the_limit_resets(x_app, x_api, caplog):
    caplog.set_level(logging.DEBUG)
    job_id = x_job(x_app)
    reset = int(time.time()) + 90
    x_api.get(SEARCH_URL, status=429, json={"title": "Too Many Requests", "status": 429},
              headers={"x-rate-limit-reset": str(reset), "x-rate-limit-remaining": "0"})
    retry = run_task(x_app, job_id)
    assert isinstance(retry, Retry)
    assert 85 <= float(retry.when) <= 91
    job = job_row(x_app, job_id)
    assert job["status"] == "queued"
    assert "Rate-limited" in job["error"]
    assert_token_nowhere(x_app, job_id, caplog)


def test_rate_limit_without_reset_header_retries_after_a_minute(x_app, x_api):
    job_id = x_job(x_app)
    x_api.get(SEARCH_URL, status=429, json={"title": "Too Many Requests"})
    retry = run_task(x_app, job_id)
    assert isinstance(retry, Retry)
    assert 55 <= float(retry.when) <= 61


def test_a_source_that_keeps_rate_limiting_fails_the_job_with_the_reason(x_app, x_api):
    job_id = x_job(x_app)
    x_api.get(SEARCH_URL, status=429, json={"title": "Too Many Requests"},
              headers={"x-rate-limit-reset": str(int(time.time()) + 5)})
    assert run_task(x_app, job_id, retries=tasks.RATE_LIMIT_RETRIES) == "failed"
    job = job_row(x_app, job_id)
    assert job["status"] == "failed"
    assert "kept rate-limiting" in job["error"]


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_retried_with_back_off_then_fail_with_a_reason(x_app, x_api, status,
                                                                         caplog):
    caplog.set_level(logging.DEBUG)
    job_id = x_job(x_app)
    x_api.get(SEARCH_URL, status=status, json={"title": "Server error"})
    waits = []
    for attempt in range(tasks.SOURCE_RETRIES):
        retry = run_task(x_app, job_id, retries=attempt)
        assert isinstance(retry, Retry), (attempt, retry)
        waits.append(float(retry.when))
        assert job_row(x_app, job_id)["status"] == "queued"
    assert waits == sorted(waits) and waits[-1] > waits[0], "no back-off"
    assert run_task(x_app, job_id, retries=tasks.SOURCE_RETRIES) == "failed"
    job = job_row(x_app, job_id)
    assert job["status"] == "failed"
    assert "unavailable" in job["error"] and str(status) in job["error"]
    assert_token_nowhere(x_app, job_id, caplog)


@pytest.mark.parametrize("failure", [requests.exceptions.ReadTimeout("read timed out"),
                                     requests.exceptions.ConnectTimeout("connect timed out"),
                                     requests.exceptions.ConnectionError("refused")],
                         ids=["read-timeout", "connect-timeout", "connection-refused"])
def test_timeouts_and_refused_connections_are_retried(x_app, x_api, failure):
    job_id = x_job(x_app)
    x_api.get(SEARCH_URL, body=failure)
    retry = run_task(x_app, job_id)
    assert isinstance(retry, Retry)
    assert float(retry.when) >= 1
    assert "unavailable" in job_row(x_app, job_id)["error"]


@pytest.mark.parametrize(("status", "words"), [(401, "X_BEARER_TOKEN"), (403, "403 Forbidden")])
def test_rejected_credentials_fail_at_once_without_retrying(x_app, x_api, caplog, status, words):
    caplog.set_level(logging.DEBUG)
    job_id = x_job(x_app)
    x_api.get(SEARCH_URL, status=status, json={"title": "Unauthorized", "status": status,
                                                "detail": "Unauthorized"})
    assert run_task(x_app, job_id) == "failed"
    assert len(x_api.calls) == 1
    job = job_row(x_app, job_id)
    assert job["status"] == "failed"
    assert words in job["error"]
    assert_token_nowhere(x_app, job_id, caplog)


def test_the_request_carries_the_token_only_in_its_header(x_app, x_api):
    job_id = x_job(x_app, limit=10)
    x_api.get(SEARCH_URL, json=page_json(1000, 10))
    assert run_task(x_app, job_id) == "done"
    request = x_api.calls[0].request
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in request.url


def test_a_failure_on_page_two_is_retried_and_stores_no_tweet_twice(x_app, x_api):
    job_id = x_job(x_app, limit=20)
    # Page one succeeds, page two fails: the retry starts over and re-reads page one.
    answers = iter([(200, page_json(2000, 10, "p2")), (503, {"title": "busy"}),
                    (200, page_json(2000, 10, "p2")), (200, page_json(1990, 10))])

    def callback(_request):
        status, body = next(answers)
        return status, {"content-type": "application/json"}, json.dumps(body)

    x_api.add_callback(responses.GET, SEARCH_URL, callback=callback)
    retry = run_task(x_app, job_id)
    assert isinstance(retry, Retry)
    assert run_task(x_app, job_id, retries=1) == "done"
    with x_app.app_context():
        assert db.session.query(Tweet).count() == 20
        assert db.session.query(JobTweet).filter_by(job_id=job_id).count() == 20
        job = db.session.get(Job, job_id)
        assert (job.status, job.positive + job.neutral + job.negative) == ("done", 20)
        assert job.finished_at <= datetime.now(UTC)


def test_a_call_that_never_returns_is_cut_by_the_time_limit_and_fails_the_job(x_app, x_api):
    # Celery raises SoftTimeLimitExceeded inside the task when JOB_SOFT_TIME_LIMIT passes,
    # wherever it is stuck (here, in the middle of the X request).
    from celery.exceptions import SoftTimeLimitExceeded

    job_id = x_job(x_app)
    x_api.get(SEARCH_URL, body=SoftTimeLimitExceeded())
    assert run_task(x_app, job_id) == "failed"
    job = job_row(x_app, job_id)
    assert job["status"] == "failed"
    assert "time limit" in job["error"]
