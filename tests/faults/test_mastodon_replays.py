"""A `mastodon` job whose servers misbehave: the task's retry-or-fail decisions are X's.

The real ``analyze_job`` task runs in-process; the real Mastodon client talks HTTP to a
Mastodon-shaped server on loopback whose answers are composed from the API docs (not recorded).
Celery's ``Retry`` says when the job runs again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from celery.exceptions import Retry

from tests.faults.test_x_api_replays import Prediction, job_row, run_task
from tests.support.fake_mastodon import FakeMastodon, Fault, make_status
from worker import tasks

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.fixture
def server():
    with FakeMastodon() as running:
        yield running


@pytest.fixture
def mastodon_app(app, monkeypatch, server):
    app.config["MASTODON_INSTANCES"] = server.url
    app.config["MASTODON_TIMEOUT_SECONDS"] = "1"
    monkeypatch.setattr(tasks.model_runtime, "predict",
                        lambda texts: [Prediction(t) for t in texts])
    monkeypatch.setattr(tasks.model_runtime, "model_version", lambda: "replay-model")
    return app


def mastodon_job(app, **fields) -> int:
    response = app.test_client().post(
        "/api/jobs", json={"hashtag": "python", "source": "mastodon", "limit": 20, **fields})
    assert response.status_code == 202, response.get_json()
    return response.get_json()["id"]


def test_429_retries_the_job_at_the_reset_the_server_gives(mastodon_app, server):
    reset = datetime.now(UTC) + timedelta(seconds=90)
    server.faults.append(Fault(429, {"error": "Too many requests"},
                               {"X-RateLimit-Remaining": "0",
                                "X-RateLimit-Reset": reset.isoformat()}))
    job_id = mastodon_job(mastodon_app)
    retry = run_task(mastodon_app, job_id)
    assert isinstance(retry, Retry)
    assert 85 <= float(retry.when) <= 91
    job = job_row(mastodon_app, job_id)
    assert (job["status"], job["error"][:12]) == ("queued", "Rate-limited")


@pytest.mark.parametrize("fault", [Fault(503, "<html>down</html>"), Fault(200, [], delay=2)],
                         ids=["503", "timeout"])
def test_server_errors_and_timeouts_are_retried_with_back_off_then_fail(mastodon_app, server,
                                                                        fault):
    job_id = mastodon_job(mastodon_app)
    for attempt in range(tasks.SOURCE_RETRIES):
        server.faults.append(fault)
        retry = run_task(mastodon_app, job_id, retries=attempt)
        assert isinstance(retry, Retry)
        assert float(retry.when) == 2 ** attempt
    server.faults.append(fault)
    assert run_task(mastodon_app, job_id, retries=tasks.SOURCE_RETRIES) == "failed"
    assert "Mastodon server" in job_row(mastodon_app, job_id)["error"]


def test_refused_credentials_fail_at_once_naming_the_setting(mastodon_app, server):
    server.required_token = "members-only"
    job_id = mastodon_job(mastodon_app)
    assert run_task(mastodon_app, job_id) == "failed"
    job = job_row(mastodon_app, job_id)
    assert "MASTODON_ACCESS_TOKEN" in job["error"]
    assert len(server.requests) == 1


def test_posts_in_other_languages_are_counted_not_scored(mastodon_app, server):
    server.add("python",
               make_status(host=server.host, number=1, created_at=T0, language="en",
                           content="<p>I really enjoy writing Python on rainy days</p>"),
               make_status(host=server.host, number=2, created_at=T0, language="es",
                           content="<p>Me encanta programar en Python</p>"),
               # No language stated: detected from the text.
               make_status(host=server.host, number=3, created_at=T0, language=None,
                           content="<p>Ich programmiere sehr gerne mit Python, es ist schön</p>"))
    job_id = mastodon_job(mastodon_app)
    assert run_task(mastodon_app, job_id) == "done"
    job = job_row(mastodon_app, job_id)
    assert (sum(job["counts"].values()), job["not_scored"], job["lang"]) == (
        1, {"language": 2}, "en")
    client = mastodon_app.test_client()
    skipped = client.get(f"/api/jobs/{job_id}/tweets?label=not_scored").get_json()
    assert sorted(t["lang"] for t in skipped["results"]) == ["de", "es"]
    assert all(t["score"] is None for t in skipped["results"])
    scored = client.get(f"/api/jobs/{job_id}/tweets?label=positive").get_json()
    assert [t["lang"] for t in scored["results"]] == ["en"]


def test_a_job_of_another_language_scores_those_posts_instead(mastodon_app, server):
    server.add("python",
               make_status(host=server.host, number=1, created_at=T0, language="en",
                           content="<p>I really enjoy writing Python</p>"),
               make_status(host=server.host, number=2, created_at=T0, language="es",
                           content="<p>Me encanta programar en Python</p>"))
    job_id = mastodon_job(mastodon_app, lang="es")
    assert run_task(mastodon_app, job_id) == "done"
    job = job_row(mastodon_app, job_id)
    assert (sum(job["counts"].values()), job["not_scored"]) == (1, {"language": 1})
