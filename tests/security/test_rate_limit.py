"""Job submission is rate-limited per client, with a clear 429; reading is not limited."""

from __future__ import annotations

import re

import pytest

from tests.security.conftest import secured_app

LIMIT = 3


@pytest.fixture
def limited_app(tmp_path):
    with secured_app(tmp_path / "instance", RATELIMIT_ENABLED=True,
                     RATELIMIT_STORAGE_URI="memory://",
                     JOB_SUBMIT_RATE_LIMIT=f"{LIMIT}/minute") as app:
        yield app


def client_at(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_api_submissions_past_the_limit_get_a_clear_429(limited_app):
    client = client_at(limited_app, "203.0.113.1")
    for _ in range(LIMIT):
        assert client.post("/api/jobs", json={"hashtag": "python"}).status_code == 202
    refused = client.post("/api/jobs", json={"hashtag": "python"})
    assert refused.status_code == 429
    body = refused.get_json()
    assert body["error"].startswith("Too many requests")
    assert f"{LIMIT} per 1 minute" in body["error"]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-RateLimit-Remaining"] == "0"


def test_the_limit_is_per_client(limited_app):
    first, second = client_at(limited_app, "203.0.113.1"), client_at(limited_app, "203.0.113.2")
    for _ in range(LIMIT):
        first.post("/api/jobs", json={"hashtag": "python"})
    assert first.post("/api/jobs", json={"hashtag": "python"}).status_code == 429
    assert second.post("/api/jobs", json={"hashtag": "python"}).status_code == 202


def test_reading_status_is_not_limited(limited_app):
    client = client_at(limited_app, "203.0.113.1")
    job_id = client.post("/api/jobs", json={"hashtag": "python"}).get_json()["id"]
    for _ in range(LIMIT * 5):
        assert client.get(f"/api/jobs/{job_id}").status_code == 200


def test_the_home_form_is_limited_too_with_a_readable_page(limited_app):
    client = client_at(limited_app, "203.0.113.1")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                      client.get("/").get_data(as_text=True)).group(1)
    form = {"csrf_token": token, "hashtag": "python", "limit": "10", "source": "sample"}
    for _ in range(LIMIT):
        assert client.post("/", data=form).status_code == 303
    refused = client.post("/", data=form)
    assert refused.status_code == 429
    assert refused.mimetype == "text/html"
    assert "Too many requests" in refused.get_data(as_text=True)


def test_invalid_submissions_count_against_the_limit(limited_app):
    # Otherwise a client could probe validation (or load the database) without bound.
    client = client_at(limited_app, "203.0.113.1")
    for _ in range(LIMIT):
        assert client.post("/api/jobs", json={"hashtag": "bad tag"}).status_code == 422
    assert client.post("/api/jobs", json={"hashtag": "python"}).status_code == 429
