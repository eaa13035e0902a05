"""The topic context: a Wikipedia summary fetched server-side, cached, never required."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
import responses

from core.db import db
from core.models import TopicSummary, utcnow
from webapp.wikipedia import article_title

SUMMARY_URL = "https://en.wikipedia.org/api/rest_v1/page/summary/"

# Recorded from the REST API (trimmed to the fields tagpulse reads, plus a few it ignores).
PYTHON_SUMMARY = {
    "type": "standard",
    "title": "Python (programming language)",
    "displaytitle": "<span class=\"mw-page-title-main\">Python (programming language)</span>",
    "extract": "Python is a high-level, general-purpose programming language. Its design "
               "philosophy emphasizes code readability with the use of significant indentation.",
    "extract_html": "<p><b>Python</b> is a high-level, general-purpose programming language.</p>",
    "content_urls": {"desktop": {"page":
                                 "https://en.wikipedia.org/wiki/Python_(programming_language)"}},
    "lang": "en",
}


@pytest.fixture
def recorded():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def cached(app, key):
    with app.app_context():
        return db.session.get(TopicSummary, key)


def test_context_is_the_summary_as_an_html_fragment(client, recorded):
    recorded.get(SUMMARY_URL + "Python", json=PYTHON_SUMMARY)
    response = client.get("/tags/python/context")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert '<h2 class="topic__title">Python (programming language)</h2>' in html
    assert "significant indentation." in html
    assert 'href="https://en.wikipedia.org/wiki/Python_(programming_language)"' in html
    assert "<b>Python</b>" not in html  # the extract's HTML variant is never used


def test_context_is_cached_and_fetched_once(client, app, recorded):
    call = recorded.get(SUMMARY_URL + "Python", json=PYTHON_SUMMARY)
    assert client.get("/tags/python/context").status_code == 200
    assert client.get("/tags/PYTHON/context").status_code == 200
    assert call.call_count == 1
    row = cached(app, "python")
    assert row.found and row.title == "Python (programming language)"


def test_connection_error_omits_the_context_and_caches_a_miss(client, app, recorded):
    call = recorded.get(SUMMARY_URL + "Python",
                        body=requests.ConnectionError("no network here"))
    response = client.get("/tags/python/context")
    assert response.status_code == 204
    assert response.get_data() == b""
    row = cached(app, "python")
    assert row is not None and row.found is False
    assert client.get("/tags/python/context").status_code == 204
    assert call.call_count == 1  # the miss is cached: no second attempt


def test_timeout_is_a_miss_too(client, app, recorded):
    recorded.get(SUMMARY_URL + "Python", body=requests.Timeout("slow"))
    assert client.get("/tags/python/context").status_code == 204
    assert cached(app, "python").found is False


@pytest.mark.parametrize("reply", [
    {"status": 404, "json": {"type": "https://mediawiki.org/wiki/HyperSwitch/errors/not_found"}},
    {"json": {"type": "disambiguation", "title": "Trump", "extract": "Trump may refer to:"}},
    {"json": {"type": "standard", "title": "Empty", "extract": ""}},
    {"body": "not json", "content_type": "text/plain"},
])
def test_unusable_answers_are_cached_misses(client, app, recorded, reply):
    recorded.get(SUMMARY_URL + "Python", **reply)
    assert client.get("/tags/python/context").status_code == 204
    assert cached(app, "python").found is False


def test_an_old_miss_is_tried_again(client, app, recorded):
    with app.app_context():
        db.session.add(TopicSummary(hashtag_key="python", found=False,
                                    fetched_at=utcnow() - timedelta(days=2)))
        db.session.commit()
    recorded.get(SUMMARY_URL + "Python", json=PYTHON_SUMMARY)
    assert client.get("/tags/python/context").status_code == 200
    assert cached(app, "python").found is True


def test_disabled_wikipedia_is_never_asked(client, app, recorded):
    app.config["WIKIPEDIA_ENABLED"] = False
    call = recorded.get(SUMMARY_URL + "Python", json=PYTHON_SUMMARY)
    assert client.get("/tags/python/context").status_code == 204
    assert call.call_count == 0
    assert cached(app, "python") is None


def test_summary_text_is_escaped(client, recorded):
    recorded.get(SUMMARY_URL + "Python", json={**PYTHON_SUMMARY,
                                               "extract": "<script>alert(1)</script> text"})
    html = client.get("/tags/python/context").get_data(as_text=True)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_a_non_https_page_link_is_dropped(client, recorded):
    recorded.get(SUMMARY_URL + "Python", json={
        **PYTHON_SUMMARY, "content_urls": {"desktop": {"page": "javascript:alert(1)"}}})
    html = client.get("/tags/python/context").get_data(as_text=True)
    assert "javascript:" not in html
    assert "significant indentation." in html


def test_bad_tag_context_is_422(client):
    assert client.get("/tags/bad-tag/context").status_code == 422


@pytest.mark.parametrize(("hashtag", "title"), [
    ("python", "Python"),
    ("MachineLearning", "Machine_learning"),
    ("machine_learning", "Machine_learning"),
    ("NASA", "NASA"),
    ("WorldCup2026", "World_cup_2026"),
])
def test_article_title_from_hashtag(hashtag, title):
    assert article_title(hashtag) == title
