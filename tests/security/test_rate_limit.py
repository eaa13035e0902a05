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


def test_only_a_refusal_tells_the_client_to_wait(limited_app):
    # Flask-Limiter wrote Retry-After (its window's reset, up to a minute) on every answer of a
    # limited view: a client polling an accepted job's Location waited that long to look.
    client = client_at(limited_app, "203.0.113.1")
    accepted = client.post("/api/jobs", json={"hashtag": "python"})
    assert accepted.status_code == 202
    assert accepted.headers["X-RateLimit-Remaining"] == str(LIMIT - 1)
    assert "Retry-After" not in accepted.headers
    invalid = client.post("/api/jobs", json={"hashtag": "bad tag"})
    assert invalid.status_code == 422
    assert "Retry-After" not in invalid.headers
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                      client.get("/").get_data(as_text=True)).group(1)
    redirected = client.post("/", data={"csrf_token": token, "hashtag": "python",
                                        "limit": "10", "source": "sample"})
    assert redirected.status_code == 303
    assert "Retry-After" not in redirected.headers
    refused = client.post("/api/jobs", json={"hashtag": "python"})
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60


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


def test_every_way_of_creating_a_job_draws_on_one_budget(limited_app):
    # Before: each endpoint counted on its own, so /analyzehashtag and /gettweets kept creating
    # jobs after /api/jobs answered 429.
    limited_app.config["SEED_WAIT_SECONDS"] = 0.05
    client = client_at(limited_app, "203.0.113.9")
    assert client.post("/api/jobs", json={"hashtag": "python"}).status_code == 202
    assert client.get("/analyzehashtag?text=python").status_code == 504  # created, not done
    assert client.get("/gettweets?text=python").status_code == 504
    for refused in (client.post("/api/jobs", json={"hashtag": "python"}),
                    client.get("/analyzehashtag?text=python"),
                    client.get("/gettweets?text=python")):
        assert refused.status_code == 429
    assert client.get("/").status_code == 200  # reading the home page is not a submission


def test_the_budget_is_shared_by_every_web_process(tmp_path):
    # Two apps stand for two gunicorn processes. Before: the embedded default counted in each
    # process's memory, so one address got 60 of 70 submissions through a limit of 30.
    settings = {"RATELIMIT_ENABLED": True, "JOB_SUBMIT_RATE_LIMIT": f"{LIMIT}/minute"}
    with secured_app(tmp_path / "one", **settings) as one, \
            secured_app(tmp_path / "two", **settings) as two:
        assert one.config["RATELIMIT_STORAGE_URI"].startswith("redis+unix://")
        clients = [client_at(one, "203.0.113.7"), client_at(two, "203.0.113.7")]
        answers = [clients[i % 2].post("/api/jobs", json={"hashtag": "python"}).status_code
                   for i in range(LIMIT + 2)]
        assert answers == [202] * LIMIT + [429, 429]


def test_views_without_a_limit_skip_the_limiter_and_limited_ones_keep_theirs(limited_app):
    from webapp.extensions import LIMITED_ENDPOINTS

    limited = limited_app.extensions[LIMITED_ENDPOINTS]
    # Every decorated view is still counted (the filter exempts the rest)...
    assert {"api.create_job", "api.create_tracker", "pages.home", "pages.rerun",
            "pages.tag_context", "seed.analyze_hashtag", "seed.get_tweets",
            "accounts.sign_in"} <= limited.keys()
    assert "api.get_job" not in limited and "pages.job" not in limited
    # The home page's GET is free, its POST (the form) is limited.
    assert limited["pages.home"] == {"post"}
    # ...including one whose limit is a fixed string rather than the shared budget.
    client = client_at(limited_app, "203.0.113.9")
    answers = [client.get("/tags/python/context").status_code for _ in range(121)]
    assert 429 not in answers[:120]
    assert answers[120] == 429
