"""Waiting for a job or a prediction never pins every web thread (issue #13).

No worker consumes the broker here: a caller that waits keeps its slot until the test finishes
its job in the database, as a worker would.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import select

from core.celery_config import SHORT_QUEUE
from core.db import db
from core.models import Job, utcnow
from tests.support.broker import queue_length
from webapp.waiting import app_waiters

BOUNDED = 15  # seconds any background wait in these tests may take before the test fails


@pytest.fixture
def app(app):
    app.config.update(WAIT_SLOTS=1, WAIT_SLOTS_PER_CLIENT=1, SEED_WAIT_SECONDS=BOUNDED)
    return app


def client_at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def eventually(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + BOUNDED
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.01)


def finish_jobs(app, positive: int = 3, neutral: int = 2, negative: int = 1) -> None:
    """What a worker does at the end of a job, for every unfinished one."""
    with app.app_context():
        for job in db.session.scalars(select(Job).where(Job.status.in_(("queued", "running")))):
            job.status = "done"
            job.positive, job.neutral, job.negative = positive, neutral, negative
            job.finished_at = utcnow()
        db.session.commit()


def job_status(app, job_id: int) -> str:
    with app.app_context():
        return db.session.get(Job, job_id).status


@contextmanager
def waiting_caller(app, address: str, path: str = "/analyzehashtag?text=python",
                   headers: dict[str, str] | None = None) -> Iterator[dict]:
    """A caller in another thread that waits in a slot; its job is finished on the way out and
    its response is in the yielded dict's "response" afterwards."""
    answer: dict = {}
    waiters = app_waiters(app)
    before = waiters.in_use

    def call() -> None:
        answer["response"] = client_at(app, address).get(path, headers=headers or {})

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    try:
        eventually(lambda: waiters.in_use > before)
        yield answer
    finally:
        finish_jobs(app)
        thread.join(BOUNDED)
    assert not thread.is_alive()


def assert_accepted(response) -> dict:
    assert response.status_code == 202
    body = response.get_json()
    assert body["url"] == f"/api/jobs/{body['id']}"
    assert body["page_url"] == f"/jobs/{body['id']}"
    assert response.headers["Location"] == body["url"]
    assert body["status"] == "queued"
    return body


@pytest.mark.parametrize("path", ["/analyzehashtag", "/gettweets"])
def test_a_caller_that_prefers_respond_async_gets_202_at_once(app, path):
    response = client_at(app, "203.0.113.1").get(
        path + "?text=python", headers={"Prefer": "respond-async"})
    body = assert_accepted(response)
    assert response.headers["Preference-Applied"] == "respond-async"
    assert app_waiters(app).in_use == 0
    # The job was created and waits for a worker.
    assert app.test_client().get(body["url"]).get_json()["status"] == "queued"


def test_wait_zero_in_the_query_gets_202_at_once(app):
    assert_accepted(client_at(app, "203.0.113.1").get("/analyzehashtag?text=python&wait=0"))
    assert app_waiters(app).in_use == 0


@pytest.mark.parametrize("wait", ["soon", "-1", "1.5", "99999"])
def test_a_bad_wait_is_refused_as_json_before_any_job_is_made(app, wait):
    response = client_at(app, "203.0.113.1").get(f"/analyzehashtag?text=python&wait={wait}")
    assert response.status_code == 422
    assert response.get_json()["field"] == "wait"
    assert app.test_client().get("/api/jobs").get_json()["total"] == 0


def test_with_every_slot_taken_a_caller_gets_202_and_the_waiter_its_counts(app):
    with waiting_caller(app, "203.0.113.1") as waiter:
        body = assert_accepted(client_at(app, "203.0.113.2").get("/analyzehashtag?text=rust"))
        assert "Every waiting slot is taken" in body["message"]
        assert job_status(app, body["id"]) == "queued"
        # Reading a job never needs a slot.
        assert app.test_client().get(body["url"]).status_code == 200
    # The caller that waited still gets exactly the seed's answer.
    response = waiter["response"]
    assert response.status_code == 200
    assert response.get_json() == {"positive": 3, "neutral": 2, "negative": 1}
    assert app_waiters(app).in_use == 0


def test_gettweets_waiter_keeps_the_seed_shape(app):
    with waiting_caller(app, "203.0.113.1", "/gettweets?text=python") as waiter:
        pass
    response = waiter["response"]
    assert response.status_code == 200
    assert response.get_json() == {"results": [], "id": 1}


def test_one_client_cannot_take_every_slot(app):
    app.config["WAIT_SLOTS"] = 3
    with waiting_caller(app, "203.0.113.66") as first:
        body = assert_accepted(client_at(app, "203.0.113.66").get("/analyzehashtag?text=spam"))
        assert "This client" in body["message"]
        # Another client still gets to wait.
        with waiting_caller(app, "203.0.113.7") as other:
            assert app_waiters(app).in_use == 2
    assert first["response"].status_code == 200
    assert other["response"].status_code == 200


def test_a_wait_that_runs_out_answers_504_with_the_job_url(app):
    app.config["SEED_WAIT_SECONDS"] = 0.2
    response = client_at(app, "203.0.113.1").get("/analyzehashtag?text=python")
    assert response.status_code == 504
    body = response.get_json()
    assert body["url"] == f"/api/jobs/{body['id']}"
    assert body["status"] == "queued"
    assert "still running" in body["error"]
    assert app_waiters(app).in_use == 0


@pytest.mark.parametrize("ask", [{"query_string": {"wait": "1"}},
                                 {"headers": {"Prefer": "respond-async, wait=1"}}])
def test_a_caller_that_knows_202_gets_it_when_its_wait_runs_out(app, ask):
    app.config["SEED_WAIT_SECONDS"] = 0.2
    query = {"text": "python", **ask.get("query_string", {})}
    response = client_at(app, "203.0.113.1").get(
        "/analyzehashtag", query_string=query, headers=ask.get("headers", {}))
    body = assert_accepted(response)
    assert "still running" in body["message"]


def test_respond_async_with_a_wait_in_the_query_still_waits(app):
    with waiting_caller(app, "203.0.113.1", "/analyzehashtag?text=python&wait=10",
                        headers={"Prefer": "respond-async"}) as waiter:
        pass
    assert waiter["response"].status_code == 200


def test_predict_with_no_free_slot_answers_503_with_retry_after(app):
    with waiting_caller(app, "203.0.113.1"):
        short_queue = queue_length(SHORT_QUEUE)
        response = client_at(app, "203.0.113.2").post("/api/predict", json={"texts": ["hi"]})
        assert response.status_code == 503
        assert int(response.headers["Retry-After"]) > 0
        assert "waiting for a model worker" in response.get_json()["error"]
        sentiment = client_at(app, "203.0.113.2").get("/getsentiment?text=hi")
        assert sentiment.status_code == 503
        assert "Retry-After" in sentiment.headers
        # Refused before anything was sent to a worker.
        assert queue_length(SHORT_QUEUE) == short_queue


def test_predict_counts_against_the_clients_share(app):
    app.config["WAIT_SLOTS"] = 3
    with waiting_caller(app, "203.0.113.66"):
        response = client_at(app, "203.0.113.66").post("/api/predict", json={"texts": ["hi"]})
        assert response.status_code == 503
        assert "This client" in response.get_json()["error"]
