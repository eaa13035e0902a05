"""Hostile input through the JSON API, query strings and HTML forms: rejected or safely escaped,
never a 5xx, never a stored job that should not exist, never raw markup echoed back."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from core.db import db
from core.models import Job, Tweet
from tests.security.conftest import seed_job
from tests.security.naughty import IMG_ONERROR, NAUGHTY_STRINGS, SCRIPT
from webapp.validation import ValidationError, parse_hashtag

ONE_MB = 1024 * 1024
RAW_MARKUP = (SCRIPT, "<img src=x onerror", "<script>")


def csrf_token(client, path: str = "/") -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def job_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Job))


def assert_safe(response, *, allowed=(200, 400, 404, 409, 413, 422)) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code in allowed, (response.status_code, body[:300])
    assert "Traceback" not in body
    if response.mimetype == "text/html":
        for markup in RAW_MARKUP:
            assert markup not in body, "raw markup echoed into a page"


def is_hashtag(value: str) -> bool:
    try:
        parse_hashtag(value)
    except ValidationError:
        return False
    return True


def as_query(value: str) -> str:
    # A lone surrogate cannot be percent-encoded as UTF-8; send its bytes as a browser would not.
    return value.encode("utf-8", "surrogatepass").decode("latin-1")


@pytest.fixture
def shared_client(module_app):
    """A fresh client (own cookies) on the module's app: most of these tests only read."""
    return module_app.test_client()


@pytest.mark.parametrize("value", NAUGHTY_STRINGS, ids=range(len(NAUGHTY_STRINGS)))
def test_naughty_hashtags_are_rejected_by_the_api_with_a_reason(module_app, shared_client, value):
    jobs_before = job_count(module_app)
    response = shared_client.post("/api/jobs", json={"hashtag": value})
    tracker = shared_client.post("/api/trackers", json={"hashtag": value})
    if is_hashtag(value):  # "NaN", "1e309": odd, but hashtags all the same
        assert response.status_code == 202
        assert tracker.status_code in (201, 409)
        return
    assert_safe(response)
    assert response.status_code == 422
    assert response.get_json()["field"] == "hashtag"
    assert tracker.status_code == 422
    assert job_count(module_app) == jobs_before


@pytest.mark.parametrize("value", NAUGHTY_STRINGS, ids=range(len(NAUGHTY_STRINGS)))
def test_naughty_query_strings_are_rejected_or_ignored(module_app, shared_client, value):
    secure_client = shared_client
    job_id = seed_job(module_app)
    query = {"hashtag": as_query(value), "status": as_query(value), "page": as_query(value),
             "since": as_query(value)}
    for path in ("/api/jobs", "/jobs", "/api/tags/python/trend", "/api/trackers", "/trackers",
                 f"/api/jobs/{job_id}/tweets", f"/jobs/{job_id}", "/tags/python"):
        for name, arg in query.items():
            assert_safe(secure_client.get(path, query_string={name: arg}))
        assert_safe(secure_client.get(path, query_string={"sort": as_query(value),
                                                          "label": as_query(value)}))
    if not is_hashtag(value):  # a valid one would wait for a worker that is not there
        assert_safe(secure_client.get("/analyzehashtag", query_string={"text": as_query(value)}))


@pytest.mark.parametrize("value", NAUGHTY_STRINGS, ids=range(len(NAUGHTY_STRINGS)))
def test_naughty_path_segments_are_rejected(shared_client, value):
    secure_client = shared_client
    segment = as_query(value).replace("/", "%2F").replace("?", "%3F").replace("#", "%23")
    for template in ("/tags/{}", "/api/tags/{}/trend", "/jobs/{}", "/api/jobs/{}",
                     "/trackers/{}"):
        assert_safe(secure_client.get(template.format(segment)))


@pytest.mark.parametrize("value", NAUGHTY_STRINGS, ids=range(len(NAUGHTY_STRINGS)))
def test_naughty_form_input_is_rejected_and_escaped(module_app, shared_client, value):
    secure_client = shared_client
    value = as_query(value)
    jobs_before = job_count(module_app)
    token = csrf_token(secure_client)
    home = secure_client.post("/", data={"csrf_token": token, "hashtag": value, "limit": value,
                                         "source": value})
    assert_safe(home, allowed=(422,))  # the limit is never valid here
    assert job_count(module_app) == jobs_before
    tracker = secure_client.post("/trackers", data={
        "csrf_token": token, "hashtag": value, "interval_minutes": value,
        "negative_alert_threshold": value, "next": value})
    assert_safe(tracker, allowed=(200, 303, 400, 422))
    model = secure_client.post("/model", data={"csrf_token": token, "text": value})
    assert_safe(model)


@pytest.mark.parametrize("text", [SCRIPT, IMG_ONERROR, "\u202eevil\u202c", "tag\u0000null"])
def test_scored_free_text_is_escaped_when_shown_back(secure_client, text):
    token = csrf_token(secure_client, "/model")
    response = secure_client.post("/model", data={"csrf_token": token, "text": text})
    assert_safe(response, allowed=(200,))


def test_hostile_tweet_text_is_escaped_on_pages_and_guarded_in_exports(secure_app, secure_client):
    job_id = seed_job(secure_app, "xss")
    with secure_app.app_context():
        tweet = db.session.scalars(select(Tweet)).first()
        tweet.text = f"{SCRIPT} {IMG_ONERROR} \u202eevil"
        tweet.username = "<b>bold</b>"
        tweet.url = "javascript:alert(1)"
        db.session.commit()
    page = secure_client.get(f"/jobs/{job_id}")
    assert_safe(page, allowed=(200,))
    assert "&lt;script&gt;" in page.get_data(as_text=True)
    assert 'href="javascript:' not in page.get_data(as_text=True)
    api = secure_client.get(f"/api/jobs/{job_id}/tweets")
    assert api.get_json()["results"][0]["text"].startswith(SCRIPT)  # JSON carries it as data
    assert api.mimetype == "application/json"
    with secure_app.app_context():
        tweet = db.session.scalars(select(Tweet)).first()
        tweet.text = "=HYPERLINK(\"http://evil.example\",\"click\")"
        db.session.commit()
    csv_text = secure_client.get(f"/jobs/{job_id}/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in csv_text
    exported = secure_client.get(f"/jobs/{job_id}/export.json")
    assert exported.headers["Content-Disposition"].startswith("attachment")
    json.loads(exported.get_data(as_text=True))


@pytest.mark.parametrize("path", ["/api/jobs", "/api/predict", "/api/trackers"])
def test_api_bodies_over_one_megabyte_are_refused_with_413(secure_app, secure_client, path):
    body = json.dumps({"texts": ["x" * ONE_MB]})
    response = secure_client.post(path, data=body, content_type="application/json")
    assert response.status_code == 413
    assert "too large" in response.get_json()["error"]
    assert job_count(secure_app) == 0


@pytest.mark.parametrize("path", ["/", "/model", "/trackers"])
def test_form_posts_over_one_megabyte_are_refused_with_413(secure_client, path):
    token = csrf_token(secure_client)
    response = secure_client.post(path, data={"csrf_token": token, "hashtag": "a" * ONE_MB,
                                              "text": "a" * ONE_MB})
    assert response.status_code == 413
    assert response.mimetype == "text/html"


def test_a_body_just_under_the_limit_is_read_and_rejected_for_what_it_says(secure_client):
    body = json.dumps({"texts": ["x" * 2001] + ["y"] * 10})
    body = body[:-1] + " " * (ONE_MB - len(body) - 10) + "}"
    response = secure_client.post("/api/predict", data=body, content_type="application/json")
    assert response.status_code == 422
    assert "at most 2000 characters" in response.get_json()["error"]


@pytest.mark.parametrize("body", [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"hashtag": ' * 50_000,
    b"\xff\xfe\x00garbage",
    b'{"hashtag": "ok", "hashtag": "<script>"}',
    b'{"hashtag": "ok", "limit": 1e999}',
    b'{"hashtag": "ok", "limit": NaN}',
    b'{"hashtag": "ok", "limit": 99999999999999999999999999}',
    b'{"hashtag": "\\ud800"}',
    b'"just a string"',
    b"null",
])
@pytest.mark.parametrize("path", ["/api/jobs", "/api/predict", "/api/trackers"])
def test_malformed_json_bodies_are_refused_with_4xx(secure_app, secure_client, path, body):
    response = secure_client.post(path, data=body, content_type="application/json")
    assert response.status_code in (400, 422), response.get_data(as_text=True)
    assert "error" in response.get_json()
    assert job_count(secure_app) == 0


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example",
                                    "javascript:alert(1)", "/%0d%0aSet-Cookie:x=1", "\x00/"])
def test_tracker_forms_never_redirect_off_site(secure_app, secure_client, target):
    created = secure_client.post("/api/trackers", json={"hashtag": "python"})
    tracker_id = created.get_json()["id"]
    token = csrf_token(secure_client)
    response = secure_client.post(f"/trackers/{tracker_id}/pause",
                                  data={"csrf_token": token, "next": target})
    assert response.status_code in (302, 303)
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//"), location
    assert "evil" not in location and "\r" not in location and "\n" not in location
